"""Network metrics: pure functions over one networkx graph, no I/O, every random step seeded.

:func:`node_metrics` gives a row per node, :func:`graph_summary` the whole graph's figures;
:class:`MetricOptions` holds the seed and where exact computation gives way to sampling.
Distances are ``1 / weight``: a stronger tie is a shorter path. The graph is read once into a
weighted adjacency matrix; the metrics are computed on it by :mod:`alliancekg.matrix_metrics`
(scipy and NetworKit), and checked against networkx's own functions in the tests.

>>> import networkx as nx
>>> star = nx.star_graph(3)  # a centre 0 tied to 1, 2 and 3
>>> nx.set_edge_attributes(star, 1.0, "weight")
>>> rows = node_metrics(star)
>>> rows[0]["betweenness"], rows[0]["constraint"], rows[1]["constraint"]
(1.0, 0.333333..., 1.0)
>>> graph_summary(star)["density"]
0.5
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import chain, compress
from operator import methodcaller
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from alliancekg import matrix_metrics
from alliancekg.forked import beside

__all__ = ["DEFAULT_OPTIONS", "METRICS", "MetricOptions", "StartedMetrics", "communities", "graph_summary",
           "metrics_and_summary", "node_metrics", "start_metrics_and_summary"]

#: Node metric names, in the order tables show them.
METRICS = ("degree", "strength", "betweenness", "closeness", "eigenvector", "pagerank", "clustering",
           "core_number", "constraint", "effective_size", "community")
#: From this many nodes, betweenness and closeness run in a forked process beside the other metrics.
PARALLEL_NODES = 5000
_WEIGHT = methodcaller("get", "weight", 1)  # an edge's weight, 1 when it has none


@dataclass(frozen=True)
class MetricOptions:
    """How metrics are computed. Below ``exact_limit`` nodes (per graph for betweenness and
    communities, per component for closeness and diameters) everything is as networkx computes it;
    above it betweenness and closeness use ``samples`` sources drawn with ``seed``, diameters are
    the 2-sweep lower bound and communities come from NetworKit's Louvain."""

    seed: int = 42
    exact_limit: int = 1000
    samples: int = 100
    resolution: float = 1.0  #: Louvain's resolution
    pagerank_alpha: float = 0.85


DEFAULT_OPTIONS = MetricOptions()


def _index(graph: nx.Graph) -> list[Hashable]:
    return sorted(graph)


def _adjacency(graph: nx.Graph, nodes: list[Hashable]) -> sp.csr_array:
    """The symmetric weighted adjacency matrix, rows in ``nodes`` order (a missing weight is 1, as
    in :func:`networkx.to_scipy_sparse_array`)."""
    return _matrix(_edge_ends(graph, nodes))


def _matrix(edges: _Edges) -> sp.csr_array:
    """The symmetric weighted adjacency matrix of ``edges``."""
    n = edges.nodes
    rows, cols, weights = edges.a, edges.b, edges.weight
    loops = rows == cols
    rows, cols = np.concatenate([rows, cols[~loops]]), np.concatenate([cols, rows[~loops]])
    weights = np.concatenate([weights, weights[~loops]])
    matrix = sp.csr_array((weights, (rows, cols)), shape=(n, n))
    matrix.sort_indices()
    return matrix


def communities(graph: nx.Graph, *, options: MetricOptions = DEFAULT_OPTIONS,
                notes: list[str] | None = None) -> dict[Hashable, int]:
    """Louvain communities (seeded), numbered by size, largest first (ties: the smallest node).

    Up to ``exact_limit`` nodes networkx's Louvain finds them; above, NetworKit's parallel Louvain
    (PLM, run on one thread with the seed, so it repeats), which reaches the same modularity tens of
    times faster but not the same partition; ``notes`` (when given) then says so.

    >>> two_triangles = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])
    >>> communities(two_triangles)
    {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1}
    """
    nodes = _index(graph)
    return _communities(graph, nodes, _adjacency(graph, nodes) if graph.number_of_nodes() > options.exact_limit
                        else None, options, notes)


def _communities(graph: nx.Graph, nodes: list[Hashable], adjacency: sp.csr_array | None, options: MetricOptions,
                 notes: list[str] | None) -> dict[Hashable, int]:
    if graph.number_of_edges() == 0:
        return {node: i for i, node in enumerate(nodes)}
    if graph.number_of_nodes() <= options.exact_limit or adjacency is None:
        found = nx.community.louvain_communities(graph, weight="weight", resolution=options.resolution,
                                                 seed=options.seed)
        ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
        return {node: i for i, members in enumerate(ordered) for node in sorted(members)}
    return _matrix_communities(nodes, adjacency, options, notes)


def _matrix_communities(nodes: list[Hashable], adjacency: sp.csr_array, options: MetricOptions,
                        notes: list[str] | None) -> dict[Hashable, int]:
    """The communities of a graph of more than ``exact_limit`` nodes with ties, from its matrix."""
    with matrix_metrics._OneThread(options.seed):
        louvain = matrix_metrics.networkit_module().community.PLM(
            matrix_metrics._networkit(adjacency, weighted=True), refine=False, gamma=options.resolution)
        louvain.run()
        labels = np.asarray(louvain.getPartition().getVector(), dtype=np.int64)
    if notes is not None:
        notes.append(f"communities found by NetworKit's Louvain (PLM, seed {options.seed}) above "
                     f"{options.exact_limit} nodes")
    _, first, inverse, sizes = np.unique(labels, return_index=True, return_inverse=True, return_counts=True)
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[np.lexsort((first, -sizes))] = np.arange(len(sizes))  # largest first, then by smallest node
    numbers = rank[inverse.ravel()]
    return {node: int(numbers[i]) for i, node in enumerate(nodes)}


def node_metrics(graph: nx.Graph, *, options: MetricOptions = DEFAULT_OPTIONS,
                 partition: Mapping[Hashable, int] | None = None,
                 notes: list[str] | None = None) -> dict[Hashable, dict[str, Any]]:
    """Every metric of :data:`METRICS` for every node, keyed by node in sorted order.

    ``partition`` defaults to :func:`communities`. Undefined values are ``None``: constraint and
    effective size of an isolated node, eigenvector centrality of a graph without edges, PageRank
    that does not converge. ``notes`` (when given) collects a sentence for each such case and for
    each sampled computation. From :data:`PARALLEL_NODES` nodes, betweenness and closeness are
    computed by a forked process beside the others (where the system can fork).
    """
    nodes = _index(graph)
    if not nodes:
        return {}
    return _node_metrics(graph, nodes, _edge_ends(graph, nodes), options, partition,
                         notes if notes is not None else [])


def metrics_and_summary(graph: nx.Graph, *, options: MetricOptions = DEFAULT_OPTIONS,
                        notes: list[str] | None = None) -> tuple[dict[Hashable, dict[str, Any]], dict[str, Any]]:
    """:func:`node_metrics` and :func:`graph_summary` of the communities they find, the graph read once.

    >>> rows, summary = metrics_and_summary(nx.path_graph(3))
    >>> rows[1]["degree"], summary["edges"]
    (2, 2)
    """
    nodes = _index(graph)
    return _rows_and_summary(graph, nodes, _edge_ends(graph, nodes), options, notes if notes is not None else [])


def _rows_and_summary(graph: nx.Graph, nodes: list[Hashable], edges: _Edges, options: MetricOptions, notes: list[str],
                      started: _Started | None = None) -> tuple[dict[Hashable, dict[str, Any]], dict[str, Any]]:
    """The node metrics (those ``started`` already, if given) and the summary of their communities."""
    rows = _node_metrics(graph, nodes, edges, options, None, notes, started) if nodes else {}
    partition = {node: row["community"] for node, row in rows.items()}
    return rows, _summary(graph, nodes, edges, options, partition, rows)


class StartedMetrics:
    """The node metrics and summary of a graph, started on its ties before the graph is built (see
    :func:`start_metrics_and_summary`); :meth:`finish` takes the graph."""

    def __init__(self, nodes: list[Hashable], edges: _Edges, options: MetricOptions, notes: list[str]) -> None:
        self.nodes, self.edges, self.options, self.notes = nodes, edges, options, notes
        forked = len(nodes) >= PARALLEL_NODES
        self.started = _start(edges, options, fork=forked, both=True) if nodes else None
        if self.started is not None and forked and len(edges.a) and len(nodes) > options.exact_limit:
            adjacency = self.started.adjacency
            try:  # while the forked processes compute, this one computes the rest of what needs the matrix only
                local = _Local(_matrix_communities(nodes, adjacency, options, notes),
                               matrix_metrics._clustering(adjacency), matrix_metrics._core_number(adjacency))
            except BaseException:
                self.cancel()
                raise
            self.started = self.started._replace(local=local)

    def finish(self, graph: nx.Graph) -> tuple[dict[Hashable, dict[str, Any]], dict[str, Any]]:
        """The rows of :func:`node_metrics` and the :func:`graph_summary` of ``graph``, the graph of
        the ties the metrics were started on."""
        if len(graph) != len(self.nodes) or sum(map(len, graph._adj.values())) != len(self.edges.start):
            self.cancel()
            raise ValueError("the graph does not hold the ties its metrics were started on")
        return _rows_and_summary(graph, self.nodes, self.edges, self.options, self.notes, self.started)

    def cancel(self) -> None:
        """Stop the computations started (when the graph is not coming)."""
        if self.started is not None:
            self.started.paths(cancel=True)
            self.started.others(cancel=True)
            self.started = None


def start_metrics_and_summary(nodes: Sequence[Hashable], a: np.ndarray, b: np.ndarray, weight: np.ndarray, *,
                              options: MetricOptions = DEFAULT_OPTIONS,
                              notes: list[str] | None = None) -> StartedMetrics:
    """:func:`metrics_and_summary` of a graph, started on its ties before the graph is built:
    ``nodes`` sorted, tie ``i`` joining ``nodes[a[i]]`` and ``nodes[b[i]]`` (``a < b``, the ties in
    sorted order) with ``weight[i]``, every node's neighbours stored in sorted order (as
    :class:`alliancekg.projection.OneModeTies` builds its graph). From :data:`PARALLEL_NODES`
    nodes the metrics that need the matrix only run in two forked processes while the caller
    builds the graph; the communities, clustering and cores are computed here first, so that the
    graph is built while the forked processes end rather than after.

    >>> started = start_metrics_and_summary(["a", "b", "c"], np.array([0, 1]), np.array([1, 2]), np.ones(2))
    >>> rows, summary = started.finish(nx.Graph([("a", "b", {"weight": 1.0}), ("b", "c", {"weight": 1.0})]))
    >>> rows["b"]["degree"], summary["edges"]
    (2, 2)
    """
    start, end = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.lexsort((end, start))  # every node's neighbours in sorted order
    return StartedMetrics(list(nodes), _Edges(a, b, weight, start[order], end[order], len(nodes)), options,
                          notes if notes is not None else [])


class _Local(NamedTuple):
    """The metrics that need the matrix only and are computed in the calling process."""

    partition: dict[Hashable, int]
    clustering: np.ndarray
    core: np.ndarray


class _Started(NamedTuple):
    """The adjacency matrix, and the waiters of the metrics computed on it (see :func:`_start`)."""

    adjacency: sp.csr_array
    paths: Callable[..., Any]  #: betweenness and closeness
    others: Callable[..., Any]  #: eigenvector, PageRank, constraint and effective size
    local: _Local | None = None  #: communities, clustering and cores, when computed already


def _start(edges: _Edges, options: MetricOptions, *, fork: bool, both: bool) -> _Started:
    """Start the metrics that need the adjacency matrix only: betweenness and closeness in a forked
    process when ``fork``, and with ``both`` the others too, in a second one; the rest here, at once.
    NetworKit's metrics are left to the caller."""
    adjacency = _matrix(edges)
    paths = beside(lambda: (matrix_metrics._betweenness(adjacency, options),
                            matrix_metrics._closeness(adjacency, options)), fork=fork)
    try:
        others = beside(lambda: (matrix_metrics._eigenvector(adjacency), matrix_metrics._pagerank(adjacency, options),
                                 matrix_metrics._brokerage(adjacency)), fork=fork and both)
    except BaseException:
        paths(cancel=True)
        raise
    return _Started(adjacency, paths, others)


def _node_metrics(graph: nx.Graph, nodes: list[Hashable], edges: _Edges, options: MetricOptions,
                  partition: Mapping[Hashable, int] | None, notes: list[str],
                  started: _Started | None = None) -> dict[Hashable, dict[str, Any]]:
    adjacency, paths, others, local = started or _start(edges, options, fork=len(nodes) >= PARALLEL_NODES, both=False)
    try:
        if local is not None:
            partition = local.partition if partition is None else partition
            clustering, core = local.clustering, local.core
        else:
            if partition is None:
                partition = _communities(graph, nodes, adjacency, options, notes)
            clustering = matrix_metrics._clustering(adjacency)
            core = matrix_metrics._core_number(adjacency)
    except BaseException:
        paths(cancel=True)
        others(cancel=True)
        raise
    try:
        (eigenvector, parts), pagerank, (constraint, effective) = others()
    except BaseException:
        paths(cancel=True)
        raise
    (betweenness, k), (closeness, sampled) = paths()
    if k is not None:
        notes.append(f"betweenness sampled from {k} sources (seed {options.seed}) above {options.exact_limit} nodes")
    if sampled:
        notes.append(f"closeness estimated from {options.samples} pivots in {sampled} component(s) "
                     f"above {options.exact_limit} nodes (seed {options.seed})")
    if parts > 1:
        notes.append(f"eigenvector centrality computed per component ({parts} components), each scaled to unit length")
    if eigenvector is None:
        notes.append("eigenvector centrality is undefined: the graph has no edges or the solver did not converge")
    if pagerank is None:
        notes.append("PageRank did not converge")
    strength = np.asarray(adjacency.sum(axis=1)).ravel()
    degree = (np.bincount(edges.a, minlength=len(nodes)) + np.bincount(edges.b, minlength=len(nodes))).tolist()
    rows: dict[Hashable, dict[str, Any]] = {}
    for i, node in enumerate(nodes):
        rows[node] = {
            "degree": degree[i], "strength": float(strength[i]), "betweenness": float(betweenness[i]),
            "closeness": float(closeness[i]), "eigenvector": None if eigenvector is None else float(eigenvector[i]),
            "pagerank": None if pagerank is None else float(pagerank[i]), "clustering": float(clustering[i]),
            "core_number": int(core[i]), "constraint": None if math.isnan(constraint[i]) else float(constraint[i]),
            "effective_size": None if math.isnan(effective[i]) else float(effective[i]),
            "community": partition[node],
        }
    return rows


class _Edges(NamedTuple):
    """The edges of a graph of ``nodes`` nodes, numbered by their place in the sorted nodes: ``a``,
    ``b`` and ``weight`` (1 when missing) give each edge once, in the order of ``graph.edges``;
    ``start`` and ``end`` give every (node, neighbour) in the order of the graph's adjacency, which
    networkx's traversals follow."""

    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray
    start: np.ndarray
    end: np.ndarray
    nodes: int


def _edge_ends(graph: nx.Graph, nodes: list[Hashable]) -> _Edges:
    """The edges of ``graph``, whose sorted nodes are ``nodes``: ``graph.edges`` takes each node in
    turn, with its neighbours not passed before it.

    >>> edges = _edge_ends(nx.Graph([("b", "a", {"weight": 2.0}), ("a", "c")]), ["a", "b", "c"])
    >>> edges.a.tolist(), edges.b.tolist(), edges.weight.tolist()
    ([1, 0], [0, 2], [2.0, 1.0])
    """
    position = {node: i for i, node in enumerate(nodes)}
    adjacency = graph._adj  # read as stored, from C: the edge views cost a Python step per edge
    here = np.fromiter(map(position.__getitem__, adjacency), dtype=np.int64, count=len(adjacency))
    degree = np.fromiter(map(len, adjacency.values()), dtype=np.int64, count=len(adjacency))
    total = int(degree.sum())
    there = np.fromiter(chain.from_iterable(map(position.__getitem__, neighbours) for neighbours in adjacency.values()),
                        dtype=np.int64, count=total)
    start = np.repeat(here, degree)
    passed = np.empty(len(here), dtype=np.int64)  # when each node comes in the walk
    passed[here] = np.arange(len(here))
    once = passed[there] >= passed[start]
    attributes = compress(chain.from_iterable(neighbours.values() for neighbours in adjacency.values()), once.tolist())
    weights = np.fromiter(map(_WEIGHT, attributes), dtype=float, count=int(once.sum()))  # each edge's once
    return _Edges(start[once], there[once], weights, start, there, len(nodes))


def _assortativity(graph: nx.Graph, nodes: list[Hashable], ends: tuple[np.ndarray, np.ndarray],
                   attribute: str) -> float | None:
    """networkx's attribute assortativity coefficient among the nodes with a value of ``attribute``
    (each edge counted both ways, a self-loop once, as networkx counts them)."""
    values = [graph.nodes[node].get(attribute) for node in nodes]
    kinds = {value: i for i, value in enumerate(sorted({v for v in values if v}, key=str))}
    codes = np.array([kinds[v] if v else -1 for v in values], dtype=np.int64)
    a, b = codes[ends[0]], codes[ends[1]]
    placed = (a >= 0) & (b >= 0)
    loops = ends[0] == ends[1]
    a, b, once = a[placed], b[placed], loops[placed]
    if len(a) == 0:
        return None
    total = 2 * len(a) - once.sum()
    same = (2 * (a == b) - (once & (a == b))).sum()
    per_kind = np.bincount(a, minlength=len(kinds)) + np.bincount(b[~once], minlength=len(kinds))
    squared = float(((per_kind / total) ** 2).sum())
    if squared == 1.0:
        return None
    return float((same / total - squared) / (1 - squared))


def _diameters(graph: nx.Graph, nodes: list[Hashable], labels: np.ndarray, binary: sp.csr_array, edges: _Edges,
               options: MetricOptions) -> list[dict[str, Any]]:
    """The diameter (in ties) of each component of two or more nodes: exact up to ``exact_limit``
    nodes, else networkx's 2-sweep lower bound (the eccentricity of the last node a breadth-first
    search from a seeded random node reaches), computed as networkx does it."""
    sizes = np.bincount(labels)
    found, firsts = np.unique(labels, return_index=True)  # each component and its smallest node
    parts = sorted(((int(sizes[c]), int(first)) for c, first in zip(found, firsts, strict=True) if sizes[c] > 1),
                   key=lambda part: (-part[0], part[1]))
    result = []
    for i, (size, first) in enumerate(parts):
        members = np.flatnonzero(labels == labels[first])
        exact = size <= options.exact_limit
        if exact:
            diameter = nx.diameter(graph.subgraph([nodes[m] for m in members]))
        else:
            source = random.Random(options.seed).choice(members.tolist())
            hops = csgraph.shortest_path(binary, directed=True, unweighted=True, indices=_last_reached(edges, source))
            diameter = int(hops[np.isfinite(hops)].max())
        result.append({"component": i, "nodes": size, "diameter": diameter, "exact": exact})
    return result


def _last_reached(edges: _Edges, source: int) -> int:
    """The last node a breadth-first search from ``source`` reaches, each node's neighbours taken in
    the order of the graph's adjacency, as :func:`networkx.single_source_shortest_path_length` takes them."""
    order = np.argsort(edges.start, kind="stable")  # by node, each node's neighbours in their order
    first = np.r_[0, np.cumsum(np.bincount(edges.start, minlength=edges.nodes))]
    walk = sp.csr_array((np.ones(len(order)), edges.end[order], first), shape=(edges.nodes, edges.nodes))
    return int(csgraph.breadth_first_order(walk, source, directed=True, return_predecessors=False)[-1])


def _density(n: int, m: int) -> float:
    """:func:`networkx.density` of an undirected graph of ``n`` nodes and ``m`` edges, computed as it does."""
    if m == 0 or n <= 1:
        return 0
    return m / (n * (n - 1)) * 2


def _modularity(ends: tuple[np.ndarray, np.ndarray, np.ndarray], partition: np.ndarray, n: int,
                resolution: float) -> float:
    """networkx's modularity of a partition given as a community number per node."""
    a, b, weights = ends
    strength = np.bincount(a, weights, minlength=n) + np.bincount(b, weights, minlength=n)
    total = strength.sum()
    inside = weights[partition[a] == partition[b]].sum()
    per_community = np.bincount(partition, strength)
    return float(inside / (total / 2) - resolution * (per_community ** 2).sum() / total ** 2)


def graph_summary(graph: nx.Graph, *, options: MetricOptions = DEFAULT_OPTIONS,
                  partition: Mapping[Hashable, int] | None = None,
                  metrics: Mapping[Hashable, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Nodes, edges, density, components and the largest's size, isolates, average clustering,
    Louvain communities and their modularity, assortativity by country and by kind, and the
    diameter (in ties) of each component of two or more nodes. Undefined values are ``None``.

    >>> graph_summary(nx.Graph())["modularity"] is None
    True
    """
    partition = partition if partition is not None else communities(graph, options=options)
    if metrics is None:
        metrics = node_metrics(graph, options=options, partition=partition) if len(graph) else {}
    nodes = _index(graph)
    return _summary(graph, nodes, _edge_ends(graph, nodes), options, partition, metrics)


def _summary(graph: nx.Graph, nodes: list[Hashable], edges: _Edges, options: MetricOptions,
             partition: Mapping[Hashable, int], metrics: Mapping[Hashable, Mapping[str, Any]]) -> dict[str, Any]:
    n = len(nodes)
    a, b, weights = edges.a, edges.b, edges.weight
    m = len(a)
    binary = sp.csr_array((np.ones(2 * len(a)), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    count, labels = csgraph.connected_components(binary, directed=False) if n else (0, np.zeros(0, dtype=np.int64))
    components = np.bincount(labels) if n else np.zeros(0, dtype=np.int64)
    degree = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
    numbers = np.array([partition[node] for node in nodes], dtype=np.int64)
    modularity = None
    if m and weights.sum() > 0:
        modularity = _modularity((a, b, weights), numbers, n, options.resolution)
    return {
        "nodes": n, "edges": m, "density": _density(n, m) if n > 1 else 0.0,
        "components": int(count), "largest_component": int(components.max()) if n else 0,
        "isolates": int((degree == 0).sum()),
        "average_clustering": (sum(row["clustering"] for row in metrics.values()) / n) if n else None,
        "communities": len(set(numbers.tolist())), "modularity": modularity,
        "assortativity_country": _assortativity(graph, nodes, (a, b), "country"),
        "assortativity_kind": _assortativity(graph, nodes, (a, b), "kind"),
        "diameters": _diameters(graph, nodes, labels, binary, edges, options),
        "options": asdict(options),
    }
