"""The node metrics computed on the weighted adjacency matrix (a scipy CSR array, rows in node
order), for :func:`alliancekg.metrics.node_metrics`: shortest-path metrics on scipy's Dijkstra,
brokerage from sparse products, spectra from ARPACK, clustering and cores on NetworKit.
Distances are ``1 / weight``.

>>> import scipy.sparse as sp
>>> path = sp.csr_array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])  # a - b - c
>>> from alliancekg.metrics import MetricOptions
>>> _betweenness(path, MetricOptions())[0].tolist(), _core_number(path).tolist()
([0.0, 1.0, 0.0], [1, 1, 1])
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigsh

if TYPE_CHECKING:
    import networkit

    from alliancekg.metrics import MetricOptions

__all__: list[str] = []

_BLOCK_CELLS = 4_000_000  # rows x columns of one block of a sparse product
_BLOCK_TIES = 40_000  # ties of one block of rows in the brokerage sums
_DENSE_EIGEN = 500  # graphs up to this size get a dense, exact eigen-decomposition


def _brokerage(adjacency: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Burt's constraint and effective size for every node, weighted as networkx defines them:
    ``p_ij = w_ij / strength_i`` and ``m_ij = w_ij / max_k w_ik``. Isolated nodes get NaN.

    Both need a sum over the common neighbours ``q`` of each tied pair ``i, j``:
    ``(P P)_ij = Σ w_iq w_qj / strength_q / strength_i`` and ``(P Mᵀ)_ij = Σ w_iq w_qj / strength_i
    / max_k w_jk``. The sums are symmetric in ``i, j``, so they are computed for ``j >= i`` only,
    both at once as the real and imaginary parts of one product with complex numbers (see
    :func:`_tied_sums`)."""
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
    i, j, values = _tied_sums(adjacency, right)
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


def _tied_sums(adjacency: sp.csr_array, right: sp.csc_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every tie ``i, j`` with ``j >= i`` and its entry of ``adjacency @ right`` where not 0: the sum
    over the common neighbours ``q`` of ``adjacency[i, q] * right[q, j]``.

    Rows go in blocks of about :data:`_BLOCK_TIES` ties, each multiplied with the columns of
    ``right`` its ties reach only. The product is taken transposed, ``right[:, columns].T @
    adjacency[rows].T``: scipy then forms the same terms and adds them in the same order (``q``
    rising), so every sum is bit for bit that of ``adjacency @ right``, and the columns of a CSC
    array are rows of its transpose, read without a conversion."""
    n = adjacency.shape[0]
    upper = sp.triu(adjacency, format="csr")  # the ties j >= i
    cuts = np.unique(np.r_[0, np.searchsorted(upper.indptr, np.arange(_BLOCK_TIES, upper.nnz, _BLOCK_TIES)), n])
    found_rows, found_cols, found = [], [], []
    for begin, end in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        ties = upper[begin:end]
        columns, local = np.unique(ties.indices, return_inverse=True)
        mask = sp.csr_array((np.ones(ties.nnz), local.ravel(), ties.indptr), shape=(end - begin, len(columns)))
        product = right[:, columns].T @ sp.csc_array(adjacency[begin:end]).T
        kept = sp.coo_array(sp.csr_array(product).multiply(mask.T))
        found_rows.append(kept.col + begin)
        found_cols.append(columns[kept.row])
        found.append(kept.data)
    return np.concatenate(found_rows), np.concatenate(found_cols), np.concatenate(found)


def networkit_module() -> Any:
    """NetworKit, imported on first use rather than with this module: its import takes over a
    second (it loads matplotlib and pandas), which every command would pay at start."""
    import networkit

    return networkit


class _OneThread:
    """NetworKit with one thread and its generator seeded, so its results repeat; the previous
    thread count is restored on exit."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.threads = 1

    def __enter__(self) -> None:
        networkit = networkit_module()
        self.threads = networkit.getMaxNumberOfThreads()
        networkit.setNumberOfThreads(1)
        networkit.setSeed(self.seed, False)

    def __exit__(self, *_: object) -> None:
        networkit_module().setNumberOfThreads(self.threads)


def _networkit(adjacency: sp.csr_array, *, weighted: bool) -> networkit.Graph:
    """The same graph for NetworKit: node ``i`` is row ``i``; self-loops are left out."""
    upper = sp.triu(adjacency, k=1).tocoo()
    weights = upper.data if weighted else np.ones(len(upper.data))
    return networkit_module().GraphFromCoo((weights, (upper.row.astype(np.uint64), upper.col.astype(np.uint64))),
                                           n=adjacency.shape[0], weighted=weighted, directed=False)


def _clustering(adjacency: sp.csr_array) -> np.ndarray:
    """Local clustering coefficient (unweighted): closed over possible triangles through each node,
    on NetworKit's threads (each node's count is its own, so their number changes nothing)."""
    if adjacency.nnz == 0:
        return np.zeros(adjacency.shape[0])
    local = networkit_module().centrality.LocalClusteringCoefficient(_networkit(adjacency, weighted=False), turbo=True)
    local.run()
    return np.asarray(local.scores(), dtype=float)


def _core_number(adjacency: sp.csr_array) -> np.ndarray:
    """The k-core number of every node (self-loops ignored)."""
    if adjacency.nnz == 0:
        return np.zeros(adjacency.shape[0], dtype=np.int64)
    with _OneThread(0):
        cores = networkit_module().centrality.CoreDecomposition(_networkit(adjacency, weighted=False))
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
        down = dag.T  # a CSC view, no copy
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
