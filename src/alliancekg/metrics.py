"""Network metrics: pure functions over one networkx graph, no I/O, every random step seeded.

:func:`node_metrics` gives a row per node, :func:`graph_summary` the whole graph's figures;
:class:`MetricOptions` holds the seed and where exact computation gives way to sampling.
Distances are ``1 / weight``: a stronger tie is a shorter path.

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
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigsh

__all__ = ["DEFAULT_OPTIONS", "METRICS", "MetricOptions", "communities", "graph_summary", "node_metrics"]

#: Node metric names, in the order tables show them.
METRICS = ("degree", "strength", "betweenness", "closeness", "eigenvector", "pagerank", "clustering",
           "core_number", "constraint", "effective_size", "community")
_BLOCK_CELLS = 4_000_000  # rows x columns of one block of a sparse product
_DENSE_EIGEN = 500  # graphs up to this size get a dense, exact eigen-decomposition


@dataclass(frozen=True)
class MetricOptions:
    """How metrics are computed. Below ``exact_limit`` nodes (per graph for betweenness, per
    component for closeness and diameters) everything is exact; above it betweenness and closeness
    use ``samples`` sources drawn with ``seed`` and diameters are the 2-sweep lower bound."""

    seed: int = 42
    exact_limit: int = 1000
    samples: int = 100
    resolution: float = 1.0  #: Louvain's resolution
    pagerank_alpha: float = 0.85


DEFAULT_OPTIONS = MetricOptions()


def _index(graph: nx.Graph) -> list[Hashable]:
    return sorted(graph)


def _adjacency(graph: nx.Graph, nodes: list[Hashable]) -> sp.csr_array:
    """The symmetric weighted adjacency matrix, rows in ``nodes`` order."""
    return sp.csr_array(nx.to_scipy_sparse_array(graph, nodelist=nodes, weight="weight", format="csr"),
                        dtype=float)


def _masked_rowsums(left: sp.csr_array, right: sp.csr_array, mask: sp.csr_array, *,
                    add: sp.csr_array | None = None, square: bool = False) -> np.ndarray:
    """Row sums of ``((add + left @ right) restricted to mask) ** (2 if square)``, in row blocks so
    a dense product never has to fit in memory."""
    n = left.shape[0]
    rows_per_block = max(1, _BLOCK_CELLS // max(n, 1))
    sums = np.zeros(n)
    for begin in range(0, n, rows_per_block):
        end = min(n, begin + rows_per_block)
        block_mask = mask[begin:end]
        product = (left[begin:end] @ right).multiply(block_mask)
        if add is not None:
            product = product + add[begin:end]
        product = sp.csr_array(product)
        if square:
            product = product.power(2)
        sums[begin:end] = np.asarray(product.sum(axis=1)).ravel()
    return sums


def _brokerage(adjacency: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Burt's constraint and effective size for every node, weighted as networkx defines them:
    ``p_ij = w_ij / strength_i`` and ``m_ij = w_ij / max_k w_ik``. Isolated nodes get NaN."""
    binary = sp.csr_array((adjacency > 0).astype(float))
    strength = np.asarray(adjacency.sum(axis=1)).ravel()
    peak = adjacency.max(axis=1).toarray().ravel() if adjacency.nnz else np.zeros(adjacency.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        p = sp.csr_array(sp.diags_array(np.where(strength > 0, 1 / strength, 0)) @ adjacency)
        m = sp.csr_array(sp.diags_array(np.where(peak > 0, 1 / peak, 0)) @ adjacency)
    constraint = _masked_rowsums(p, p, binary, add=p, square=True)
    degree = np.asarray(binary.sum(axis=1)).ravel()
    effective = degree - _masked_rowsums(p, sp.csr_array(m.T), binary)
    isolated = degree == 0
    constraint[isolated] = np.nan
    effective[isolated] = np.nan
    return constraint, effective


def _clustering(adjacency: sp.csr_array) -> np.ndarray:
    """Local clustering coefficient (unweighted): closed over possible triangles through each node."""
    binary = sp.csr_array((adjacency > 0).astype(float))
    degree = np.asarray(binary.sum(axis=1)).ravel()
    triangles = _masked_rowsums(binary, binary, binary) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(degree > 1, 2 * triangles / (degree * (degree - 1)), 0.0)


def _leading_vector(adjacency: sp.csr_array) -> np.ndarray | None:
    n = adjacency.shape[0]
    if n <= _DENSE_EIGEN:
        values, vectors = np.linalg.eigh(adjacency.toarray())
        vector = vectors[:, int(np.argmax(values))]
    else:
        try:  # a fixed start vector makes ARPACK deterministic
            _, vectors = eigsh(adjacency, k=1, which="LA", v0=np.full(n, 1 / math.sqrt(n)), maxiter=10 * n, tol=1e-10)
        except (ArpackNoConvergence, ArpackError):
            return None
        vector = vectors[:, 0]
    vector = vector * (np.sign(vector.sum()) or 1) / np.linalg.norm(vector)
    return np.where(np.abs(vector) < 1e-12, 0.0, vector)


def _eigenvector(adjacency: sp.csr_array) -> tuple[np.ndarray | None, int]:
    """The leading eigenvector of the weighted adjacency of each component of two or more nodes,
    unit length and positive as networkx scales it (networkx refuses disconnected graphs, where the
    whole graph's vector is ambiguous); isolated nodes get 0. ``None`` when the graph has no edges
    or the solver does not converge. Also returns the number of components computed."""
    if adjacency.nnz == 0:
        return None, 0
    count, labels = csgraph.connected_components(adjacency, directed=False)
    result = np.zeros(adjacency.shape[0])
    computed = 0
    for component in range(count):
        members = np.flatnonzero(labels == component)
        if len(members) < 2:
            continue
        vector = _leading_vector(sp.csr_array(adjacency[members][:, members]))
        if vector is None:
            return None, computed
        result[members] = vector
        computed += 1
    return result, computed


def _closeness(adjacency: sp.csr_array, options: MetricOptions) -> tuple[np.ndarray, int]:
    """Closeness over distances ``1 / weight`` with networkx's Wasserman-Faust scaling for
    disconnected graphs. Components up to ``exact_limit`` nodes are exact; in larger ones each
    node's distance total is estimated from ``samples`` pivots. Returns the values and the
    number of sampled components."""
    n = adjacency.shape[0]
    closeness = np.zeros(n)
    if n <= 1:
        return closeness, 0
    distance = adjacency.copy()
    distance.data = 1 / distance.data
    count, labels = csgraph.connected_components(distance, directed=False)
    rng = np.random.default_rng(options.seed)
    sampled = 0
    for component in range(count):
        members = np.flatnonzero(labels == component)
        size = len(members)
        if size == 1:
            continue
        if size <= options.exact_limit:
            sources = members
        else:
            sources = np.sort(rng.choice(members, size=min(options.samples, size), replace=False))
            sampled += 1
        totals = np.zeros(size)
        step = max(1, _BLOCK_CELLS // n)  # rows of distances held at once
        for begin in range(0, len(sources), step):
            block = csgraph.dijkstra(distance, directed=False, indices=sources[begin:begin + step])
            totals += block[:, members].sum(axis=0)
        totals *= size / len(sources)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(totals > 0, (size - 1) / totals * (size - 1) / (n - 1), 0.0)
        closeness[members] = values
    return closeness, sampled


def communities(graph: nx.Graph, *, options: MetricOptions = DEFAULT_OPTIONS) -> dict[Hashable, int]:
    """Louvain communities (seeded), numbered by size, largest first (ties: the smallest node).

    >>> two_triangles = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])
    >>> communities(two_triangles)
    {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1}
    """
    if graph.number_of_edges() == 0:
        return {node: i for i, node in enumerate(_index(graph))}
    found = nx.community.louvain_communities(graph, weight="weight", resolution=options.resolution, seed=options.seed)
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    return {node: i for i, members in enumerate(ordered) for node in sorted(members)}


def _betweenness(graph: nx.Graph, options: MetricOptions) -> tuple[dict[Hashable, float], int | None]:
    working = nx.Graph()
    working.add_nodes_from(_index(graph))
    working.add_weighted_edges_from(((a, b, 1 / w) for a, b, w in sorted(graph.edges(data="weight", default=1.0))),
                                    weight="distance")
    k = None if graph.number_of_nodes() <= options.exact_limit else min(options.samples, graph.number_of_nodes())
    return nx.betweenness_centrality(working, k=k, weight="distance", normalized=True, seed=options.seed), k


def node_metrics(graph: nx.Graph, *, options: MetricOptions = DEFAULT_OPTIONS,
                 partition: Mapping[Hashable, int] | None = None,
                 notes: list[str] | None = None) -> dict[Hashable, dict[str, Any]]:
    """Every metric of :data:`METRICS` for every node, keyed by node in sorted order.

    Undefined values are ``None``: constraint and effective size of an isolated node, eigenvector
    centrality of a graph without edges, PageRank that does not converge. ``notes`` (when given)
    collects a sentence for each such case and for each sampled computation.
    """
    notes = notes if notes is not None else []
    nodes = _index(graph)
    if not nodes:
        return {}
    adjacency = _adjacency(graph, nodes)
    partition = partition if partition is not None else communities(graph, options=options)
    betweenness, k = _betweenness(graph, options)
    if k is not None:
        notes.append(f"betweenness sampled from {k} sources (seed {options.seed}) above {options.exact_limit} nodes")
    closeness, sampled = _closeness(adjacency, options)
    if sampled:
        notes.append(f"closeness estimated from {options.samples} pivots in {sampled} component(s) "
                     f"above {options.exact_limit} nodes (seed {options.seed})")
    eigenvector, parts = _eigenvector(adjacency)
    if parts > 1:
        notes.append(f"eigenvector centrality computed per component ({parts} components), each scaled to unit length")
    if eigenvector is None:
        notes.append("eigenvector centrality is undefined: the graph has no edges or the solver did not converge")
    try:
        pagerank: Mapping[Hashable, float] | None = nx.pagerank(graph, alpha=options.pagerank_alpha, weight="weight")
    except nx.PowerIterationFailedConvergence:
        pagerank = None
        notes.append("PageRank did not converge")
    constraint, effective = _brokerage(adjacency)
    clustering = _clustering(adjacency)
    core = nx.core_number(graph)
    strength = np.asarray(adjacency.sum(axis=1)).ravel()
    rows: dict[Hashable, dict[str, Any]] = {}
    for i, node in enumerate(nodes):
        rows[node] = {
            "degree": graph.degree(node), "strength": float(strength[i]), "betweenness": betweenness[node],
            "closeness": float(closeness[i]), "eigenvector": None if eigenvector is None else float(eigenvector[i]),
            "pagerank": None if pagerank is None else pagerank[node], "clustering": float(clustering[i]),
            "core_number": core[node], "constraint": None if math.isnan(constraint[i]) else float(constraint[i]),
            "effective_size": None if math.isnan(effective[i]) else float(effective[i]),
            "community": partition[node],
        }
    return rows


def _assortativity(graph: nx.Graph, attribute: str) -> float | None:
    placed = graph.subgraph([n for n, value in graph.nodes(data=attribute) if value])
    if placed.number_of_edges() == 0:
        return None
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        value = nx.attribute_assortativity_coefficient(placed, attribute)
    return None if value is None or math.isnan(value) else float(value)


def _diameters(graph: nx.Graph, options: MetricOptions) -> list[dict[str, Any]]:
    components = sorted((sorted(c) for c in nx.connected_components(graph) if len(c) > 1), key=lambda c: (-len(c), c[0]))
    result = []
    for i, members in enumerate(components):
        sub = graph.subgraph(members)
        exact = len(members) <= options.exact_limit
        diameter = nx.diameter(sub) if exact else nx.approximation.diameter(sub, seed=options.seed)
        result.append({"component": i, "nodes": len(members), "diameter": diameter, "exact": exact})
    return result


def graph_summary(graph: nx.Graph, *, options: MetricOptions = DEFAULT_OPTIONS,
                  partition: Mapping[Hashable, int] | None = None,
                  metrics: Mapping[Hashable, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Nodes, edges, density, components and the largest's size, isolates, average clustering,
    Louvain communities and their modularity, assortativity by country and by kind, and the
    diameter (in ties) of each component of two or more nodes. Undefined values are ``None``.

    >>> graph_summary(nx.Graph())["modularity"] is None
    True
    """
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    partition = partition if partition is not None else communities(graph, options=options)
    if metrics is None:
        metrics = node_metrics(graph, options=options, partition=partition) if n else {}
    groups: dict[int, set[Hashable]] = {}
    for node, community in partition.items():
        groups.setdefault(community, set()).add(node)
    components = sorted((len(c) for c in nx.connected_components(graph)), reverse=True)
    modularity = None
    if m and sum(w for _, _, w in graph.edges(data="weight", default=1.0)) > 0:
        modularity = nx.community.modularity(graph, list(groups.values()), weight="weight",
                                             resolution=options.resolution)
    return {
        "nodes": n, "edges": m, "density": nx.density(graph) if n > 1 else 0.0,
        "components": len(components), "largest_component": components[0] if components else 0,
        "isolates": nx.number_of_isolates(graph),
        "average_clustering": (sum(row["clustering"] for row in metrics.values()) / n) if n else None,
        "communities": len(groups), "modularity": modularity,
        "assortativity_country": _assortativity(graph, "country"),
        "assortativity_kind": _assortativity(graph, "kind"),
        "diameters": _diameters(graph, options),
        "options": asdict(options),
    }
