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
import os
import pickle
import random
import signal
import traceback
from collections.abc import Callable, Hashable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import networkit
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
#: From this many nodes, betweenness and closeness run in a forked process beside the other metrics.
PARALLEL_NODES = 5000


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
    """The symmetric weighted adjacency matrix, rows in ``nodes`` order (a missing weight is 1, as
    in :func:`networkx.to_scipy_sparse_array`)."""
    n = len(nodes)
    position = {node: i for i, node in enumerate(nodes)}
    edges = list(graph.edges(data="weight", default=1))
    rows = np.fromiter((position[a] for a, _, _ in edges), dtype=np.int64, count=len(edges))
    cols = np.fromiter((position[b] for _, b, _ in edges), dtype=np.int64, count=len(edges))
    weights = np.fromiter((w for _, _, w in edges), dtype=float, count=len(edges))
    loops = rows == cols
    rows, cols = np.concatenate([rows, cols[~loops]]), np.concatenate([cols, rows[~loops]])
    weights = np.concatenate([weights, weights[~loops]])
    matrix = sp.csr_array((weights, (rows, cols)), shape=(n, n))
    matrix.sort_indices()
    return matrix


def _brokerage(adjacency: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Burt's constraint and effective size for every node, weighted as networkx defines them:
    ``p_ij = w_ij / strength_i`` and ``m_ij = w_ij / max_k w_ik``. Isolated nodes get NaN.

    Both need a sum over the common neighbours ``q`` of each tied pair ``i, j``:
    ``(P P)_ij = Σ w_iq w_qj / strength_q / strength_i`` and ``(P Mᵀ)_ij = Σ w_iq w_qj / strength_i
    / max_k w_jk``. The sums are symmetric in ``i, j``, so they are computed for ``j >= i`` only,
    both at once as the real and imaginary parts of one product with complex numbers, in row
    blocks, kept on the ties only."""
    n = adjacency.shape[0]
    if adjacency.nnz == 0:
        return np.full(n, np.nan), np.full(n, np.nan)
    strength = np.asarray(adjacency.sum(axis=1)).ravel()
    peak = adjacency.max(axis=1).toarray().ravel()
    rows = np.repeat(np.arange(n), np.diff(adjacency.indptr))
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(strength[rows] > 0, adjacency.data / strength[rows], 0.0)
    right = sp.csc_array(sp.csr_array((scaled + 1j * adjacency.data, adjacency.indices, adjacency.indptr),
                                      shape=adjacency.shape))
    binary = sp.csr_array((np.ones(adjacency.nnz), adjacency.indices, adjacency.indptr), shape=adjacency.shape)
    rows_per_block = max(1, _BLOCK_CELLS // n)
    step = max(rows_per_block, n // 16)  # columns are cut every ``step``: a block multiplies from its cut on
    found_rows, found_cols, found = [], [], []
    for cut in range(0, n, step):
        tail = sp.csr_array(right[:, cut:])
        for begin in range(cut, min(n, cut + step), rows_per_block):
            end = min(n, begin + rows_per_block, cut + step)
            product = sp.coo_array(sp.csr_array(adjacency[begin:end] @ tail).multiply(binary[begin:end, cut:]))
            keep = product.col + cut >= product.row + begin
            found_rows.append(product.row[keep] + begin)
            found_cols.append(product.col[keep] + cut)
            found.append(product.data[keep])
    i, j, values = np.concatenate(found_rows), np.concatenate(found_cols), np.concatenate(found)
    off = i != j
    both = sp.csr_array((np.concatenate([values, values[off]]), (np.concatenate([i, j[off]]),
                                                                  np.concatenate([j, i[off]]))), shape=(n, n))
    direct = sp.csr_array(adjacency + sp.csr_array((both.data.real, both.indices, both.indptr), shape=both.shape))
    with np.errstate(divide="ignore", invalid="ignore"):
        constraint = np.asarray(direct.power(2).sum(axis=1)).ravel() / strength ** 2
        inverse_peak = np.where(peak > 0, 1 / peak, 0.0)
        redundancy = sp.csr_array((both.data.imag, both.indices, both.indptr), shape=both.shape) @ inverse_peak
        redundancy = redundancy / strength
    degree = np.diff(adjacency.indptr).astype(float)
    effective = degree - redundancy
    isolated = degree == 0
    constraint[isolated] = np.nan
    effective[isolated] = np.nan
    return constraint, effective


class _OneThread:
    """NetworKit with one thread and its generator seeded, so its results repeat; the previous
    thread count is restored on exit."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.threads = 1

    def __enter__(self) -> None:
        self.threads = networkit.getMaxNumberOfThreads()
        networkit.setNumberOfThreads(1)
        networkit.setSeed(self.seed, False)

    def __exit__(self, *_: object) -> None:
        networkit.setNumberOfThreads(self.threads)


def _networkit(adjacency: sp.csr_array, *, weighted: bool) -> networkit.Graph:
    """The same graph for NetworKit: node ``i`` is row ``i``; self-loops are left out."""
    upper = sp.triu(adjacency, k=1).tocoo()
    weights = upper.data if weighted else np.ones(len(upper.data))
    return networkit.GraphFromCoo((weights, (upper.row.astype(np.uint64), upper.col.astype(np.uint64))),
                                  n=adjacency.shape[0], weighted=weighted, directed=False)


def _clustering(adjacency: sp.csr_array) -> np.ndarray:
    """Local clustering coefficient (unweighted): closed over possible triangles through each node."""
    if adjacency.nnz == 0:
        return np.zeros(adjacency.shape[0])
    with _OneThread(0):
        local = networkit.centrality.LocalClusteringCoefficient(_networkit(adjacency, weighted=False), turbo=True)
        local.run()
        return np.asarray(local.scores(), dtype=float)


def _core_number(adjacency: sp.csr_array) -> np.ndarray:
    """The k-core number of every node (self-loops ignored)."""
    if adjacency.nnz == 0:
        return np.zeros(adjacency.shape[0], dtype=np.int64)
    with _OneThread(0):
        cores = networkit.centrality.CoreDecomposition(_networkit(adjacency, weighted=False))
        cores.run()
        return np.asarray(cores.scores()).astype(np.int64)


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
            block = csgraph.dijkstra(distance, directed=True, indices=sources[begin:begin + step])  # symmetric
            totals += block[:, members].sum(axis=0)
        totals *= size / len(sources)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(totals > 0, (size - 1) / totals * (size - 1) / (n - 1), 0.0)
        closeness[members] = values
    return closeness, sampled


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
    with _OneThread(options.seed):
        louvain = networkit.community.PLM(_networkit(adjacency, weighted=True), refine=False,
                                          gamma=options.resolution)
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


def _dependencies(distance: sp.csr_array, sources: np.ndarray) -> np.ndarray:
    """Brandes' accumulated dependencies of every node on the shortest paths from ``sources``
    (distances in ``distance``, symmetric), summed over the sources; a source's own is left out.

    Exactly networkx's algorithm, vectorised: from each source the shortest-path DAG holds the
    edges ``(v, w)`` with ``d(v) + length(v, w) == d(w)`` (the same float test networkx makes),
    path counts flow down it and dependencies back up, by repeated sparse products that reach a
    fixed point after as many rounds as the DAG is deep. Sources go in batches, as one DAG.
    """
    n = distance.shape[0]
    degrees = np.diff(distance.indptr)
    starts = np.repeat(np.arange(n), degrees)
    ends, lengths = distance.indices, distance.data
    total = np.zeros(n)
    batch = max(1, min(len(sources), _BLOCK_CELLS // max(len(lengths), n, 1)))
    for begin in range(0, len(sources), batch):
        chosen = sources[begin:begin + batch]
        size = len(chosen) * n
        dist = csgraph.dijkstra(distance, directed=True, indices=chosen)
        dist[np.isinf(dist)] = np.nan  # unreachable: no edge of the DAG, as NaN equals nothing
        tight = np.repeat(dist, degrees, axis=1) + lengths == np.take(dist, ends, axis=1)
        which, edge = np.nonzero(tight)
        dag = sp.csr_array((np.ones(len(edge)), (which * n + starts[edge], which * n + ends[edge])),
                           shape=(size, size))
        down = sp.csr_array(dag.T)
        root = np.zeros(size)
        root[np.arange(len(chosen)) * n + chosen] = 1.0
        sigma = root
        while True:  # path counts: sigma(w) = sum of sigma(v) over the DAG's edges (v, w)
            following = root + down @ sigma
            if np.array_equal(following, sigma):
                break
            sigma = following
        with np.errstate(divide="ignore"):
            inverse = np.where(sigma > 0, 1 / sigma, 0.0)
        delta = np.zeros(size)
        while True:  # dependencies: delta(v) = sigma(v) * sum of (1 + delta(w)) / sigma(w) over (v, w)
            following = sigma * (dag @ ((1 + delta) * inverse))
            if np.array_equal(following, delta):
                break
            delta = following
        delta = delta.reshape(len(chosen), n)
        delta[np.arange(len(chosen)), chosen] = 0.0
        total += delta.sum(axis=0)
    return total


def _betweenness(adjacency: sp.csr_array, options: MetricOptions) -> tuple[np.ndarray, int | None]:
    """Betweenness over distances ``1 / weight``, normalised, as networkx computes it: exact up to
    ``exact_limit`` nodes; above, from ``samples`` sources drawn as networkx draws them
    (``random.Random(seed).sample`` of the sorted nodes) and scaled as networkx scales them. Returns
    the values and the number of sampled sources (``None`` when exact)."""
    n = adjacency.shape[0]
    k = None if n <= options.exact_limit else min(options.samples, n)
    if k == n:
        k = None
    sources = np.arange(n) if k is None else np.array(random.Random(options.seed).sample(range(n), k), dtype=np.int64)
    distance = adjacency.copy()
    distance.data = 1 / distance.data
    values = _dependencies(distance, sources)
    if n - 1 < 2:
        return values, k
    if k is None:
        return values / ((n - 1) * (n - 2)), k
    sampled = np.zeros(n, dtype=bool)
    sampled[sources] = True
    scale = np.where(sampled, 1 / ((k - 1) * (n - 2)) if k > 1 else math.nan, 1 / (k * (n - 2)))
    return values * scale, k


def _pagerank(adjacency: sp.csr_array, options: MetricOptions) -> np.ndarray | None:
    """PageRank by networkx's own power iteration (``max_iter`` 100, ``tol`` 1e-6), on our matrix;
    ``None`` when it does not converge."""
    n = adjacency.shape[0]
    strength = np.asarray(adjacency.sum(axis=1)).ravel()
    dangling = np.flatnonzero(strength == 0)
    with np.errstate(divide="ignore"):
        transition = sp.csr_array(sp.diags_array(np.where(strength != 0, 1 / strength, 0.0)) @ adjacency)
    x = np.repeat(1.0 / n, n)
    p = np.repeat(1.0 / n, n)
    alpha = options.pagerank_alpha
    for _ in range(100):
        last = x
        x = alpha * (x @ transition + sum(x[dangling]) * p) + (1 - alpha) * p
        if np.absolute(x - last).sum() < n * 1.0e-6:
            return x
    return None


def _beside(compute: Callable[[], Any], *, fork: bool) -> Callable[..., Any]:
    """Run ``compute`` in a forked copy of the process (when ``fork`` and the system can), so it
    uses the second core while the caller computes other metrics; the function returned waits for
    its result (or, with ``cancel=True``, stops it). Otherwise compute it now."""
    if not fork or not hasattr(os, "fork"):
        result = compute()

        def computed(*, cancel: bool = False) -> Any:
            return result
        return computed
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the forked copy: compute, send the result, leave at once
        os.close(reading)
        status = 1
        try:
            with os.fdopen(writing, "wb") as pipe:
                pickle.dump(compute(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        except BaseException:  # noqa: BLE001 - reported through the exit status
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(writing)

    def wait(*, cancel: bool = False) -> Any:
        if cancel:
            os.kill(child, signal.SIGKILL)
        with os.fdopen(reading, "rb") as pipe:
            data = pipe.read()  # before waiting, so a full pipe cannot block the child
        _, status = os.waitpid(child, 0)
        if cancel:
            return None
        if status != 0:
            raise RuntimeError(f"the forked metric computation failed (exit status {status})")
        return pickle.loads(data)
    return wait


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
    notes = notes if notes is not None else []
    nodes = _index(graph)
    if not nodes:
        return {}
    adjacency = _adjacency(graph, nodes)
    if partition is None:
        partition = _communities(graph, nodes, adjacency, options, notes)
    paths = _beside(lambda: (_betweenness(adjacency, options), _closeness(adjacency, options)),
                    fork=len(nodes) >= PARALLEL_NODES)
    try:
        eigenvector, parts = _eigenvector(adjacency)
        pagerank = _pagerank(adjacency, options)
        constraint, effective = _brokerage(adjacency)
        clustering = _clustering(adjacency)
        core = _core_number(adjacency)
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
    rows: dict[Hashable, dict[str, Any]] = {}
    for i, node in enumerate(nodes):
        rows[node] = {
            "degree": graph.degree(node), "strength": float(strength[i]), "betweenness": float(betweenness[i]),
            "closeness": float(closeness[i]), "eigenvector": None if eigenvector is None else float(eigenvector[i]),
            "pagerank": None if pagerank is None else float(pagerank[i]), "clustering": float(clustering[i]),
            "core_number": int(core[i]), "constraint": None if math.isnan(constraint[i]) else float(constraint[i]),
            "effective_size": None if math.isnan(effective[i]) else float(effective[i]),
            "community": partition[node],
        }
    return rows


def _edge_ends(graph: nx.Graph, position: Mapping[Hashable, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both ends of every edge as node numbers, and its weight (1 when missing)."""
    edges = list(graph.edges(data="weight", default=1))
    return (np.fromiter((position[a] for a, _, _ in edges), dtype=np.int64, count=len(edges)),
            np.fromiter((position[b] for _, b, _ in edges), dtype=np.int64, count=len(edges)),
            np.fromiter((w for _, _, w in edges), dtype=float, count=len(edges)))


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


def _diameters(graph: nx.Graph, nodes: list[Hashable], labels: np.ndarray, binary: sp.csr_array,
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
            source = random.Random(options.seed).choice([nodes[m] for m in members])
            *_, far = nx.single_source_shortest_path_length(graph, source)
            hops = csgraph.shortest_path(binary, directed=True, unweighted=True, indices=nodes.index(far))
            diameter = int(hops[np.isfinite(hops)].max())
        result.append({"component": i, "nodes": size, "diameter": diameter, "exact": exact})
    return result


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
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    partition = partition if partition is not None else communities(graph, options=options)
    if metrics is None:
        metrics = node_metrics(graph, options=options, partition=partition) if n else {}
    nodes = _index(graph)
    position = {node: i for i, node in enumerate(nodes)}
    a, b, weights = _edge_ends(graph, position)
    binary = sp.csr_array((np.ones(2 * len(a)), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    count, labels = csgraph.connected_components(binary, directed=False) if n else (0, np.zeros(0, dtype=np.int64))
    components = np.bincount(labels) if n else np.zeros(0, dtype=np.int64)
    degree = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
    numbers = np.array([partition[node] for node in nodes], dtype=np.int64)
    modularity = None
    if m and weights.sum() > 0:
        modularity = _modularity((a, b, weights), numbers, n, options.resolution)
    return {
        "nodes": n, "edges": m, "density": nx.density(graph) if n > 1 else 0.0,
        "components": int(count), "largest_component": int(components.max()) if n else 0,
        "isolates": int((degree == 0).sum()),
        "average_clustering": (sum(row["clustering"] for row in metrics.values()) / n) if n else None,
        "communities": len(set(numbers.tolist())), "modularity": modularity,
        "assortativity_country": _assortativity(graph, nodes, (a, b), "country"),
        "assortativity_kind": _assortativity(graph, nodes, (a, b), "kind"),
        "diameters": _diameters(graph, nodes, labels, binary, options),
        "options": asdict(options),
    }
