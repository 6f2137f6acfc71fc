"""Where to draw the nodes of a network graph: a seeded, reproducible layout that lays out each
connected component on its own and packs the components in rows.

Nodes and edges are fed to networkx in sorted order and coordinates are rounded, so the same graph
gives the same positions whatever order it was built in.

>>> import networkx as nx
>>> graph = nx.Graph()
>>> graph.add_edge("https://example.org/a", "https://example.org/b", weight=2.0)
>>> sorted(layout(graph).values())
[(-1.0, 0.0), (1.0, 0.0)]
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from itertools import compress, repeat
from typing import Any, Literal, overload

import networkx as nx
import numpy as np
from scipy.spatial import KDTree

from alliancekg.errors import UsageError

__all__ = ["MAX_EDGES", "MAX_NODES", "drawn_edges", "drawn_nodes", "edge_weight", "edges_among", "layout", "number",
           "rounded"]

_KAMADA_KAWAI = 40  # components up to this size are laid out by graph distance
_FORCES = 500  # components from this size are laid out by our vectorised force-directed layout
#: The most nodes the pictures draw: those of highest strength.
MAX_NODES = 2000
#: The most ties the pictures draw (and the layout pulls on): the strongest among the drawn nodes.
MAX_EDGES = 5000


def layout(graph: nx.Graph, *, seed: int = 42, max_nodes: int = MAX_NODES, max_edges: int = MAX_EDGES,
           drawn: tuple[list[tuple[Hashable, Hashable, Mapping[str, Any]]], int] | None = None,
           ) -> dict[Hashable, tuple[float, float]]:
    """Positions in [-1, 1] for the nodes to draw (see :func:`drawn_nodes`), pulled together by the
    ties drawn (see :func:`drawn_edges`; ``drawn``, that function's answer with ``counted=True``
    for these nodes, saves finding them again). Each connected component is laid out on its own
    (see :func:`_component`) and the components are packed in rows, largest first.

    Raises :class:`~alliancekg.errors.UsageError` for a directed or multi graph, ``max_nodes < 1``
    or ``max_edges < 0``.

    >>> layout(nx.Graph())
    {}
    >>> layout(nx.Graph([("b", "c")]), max_nodes=1)
    {'b': (0.0, 0.0)}
    >>> layout(nx.path_graph(["a", "b", "c"])) == layout(nx.path_graph(["c", "b", "a"]))
    True
    """
    _check(graph, max_nodes=max_nodes)
    if isinstance(max_edges, bool) or not isinstance(max_edges, int) or max_edges < 0:
        raise UsageError(f"max_edges must be a whole number of 0 or more, not {max_edges!r}")
    nodes = drawn_nodes(graph, max_nodes)
    edges = drawn[0] if drawn is not None else drawn_edges(graph, nodes, max_edges)
    top = max((edge_weight(attrs) for _, _, attrs in edges), default=1.0) or 1.0
    whole = nx.Graph()
    whole.add_nodes_from(nodes)
    whole.add_weighted_edges_from((u, v, edge_weight(attrs) / top) for u, v, attrs in edges)
    rank = {node: index for index, node in enumerate(nodes)}
    components = sorted((sorted(part, key=rank.__getitem__) for part in nx.connected_components(whole)),
                        key=lambda part: (-len(part), rank[part[0]]))
    shapes = [_component(whole, part, seed=seed) for part in components]
    boxes = [(max(x for x, _ in shape.values()), max(y for _, y in shape.values())) for shape in shapes]
    placed: dict[Hashable, tuple[float, float]] = {}
    for shape, (_, height), (left, top) in zip(shapes, boxes, _pack(boxes), strict=True):
        placed.update({node: (left + x, -top - height + y) for node, (x, y) in shape.items()})
    xs, ys = [x for x, _ in placed.values()], [y for _, y in placed.values()]
    middle_x, middle_y = (max(xs, default=0) + min(xs, default=0)) / 2, (max(ys, default=0) + min(ys, default=0)) / 2
    half = max((max(abs(x - middle_x), abs(y - middle_y)) for x, y in placed.values()), default=0.0) or 1.0
    return {node: (rounded((x - middle_x) / half), rounded((y - middle_y) / half)) for node, (x, y) in
            sorted(placed.items(), key=lambda item: rank[item[0]])}


def _component(whole: nx.Graph, part: list[Hashable], *, seed: int) -> dict[Hashable, tuple[float, float]]:
    """Positions for one connected component, nodes fed in ``part``'s order: Kamada-Kawai (even
    spacing by hop distance) for small ones, a seeded weighted spring layout for larger ones and
    :func:`_forces` from ``_FORCES`` nodes on; scaled
    so the median distance from a node to its nearest is one unit, and moved so the lowest
    coordinates are 0."""
    graph = nx.Graph()
    graph.add_nodes_from(part)
    graph.add_edges_from(sorted(whole.edges(part, data=True), key=lambda edge: (str(edge[0]), str(edge[1]))))
    if len(part) <= 2:
        shape = dict(zip(part, [(0.0, 0.0), (1.0, 0.0)], strict=False))
    elif len(part) <= _KAMADA_KAWAI:
        shape = nx.kamada_kawai_layout(graph, weight=None)
    elif len(part) >= _FORCES:
        shape = _forces(graph, part, seed=seed)
    else:
        shape = nx.spring_layout(graph, seed=seed, weight="weight", iterations=100 if len(part) < 500 else 50)
    points = [(float(shape[node][0]), float(shape[node][1])) for node in part]
    nearest = sorted(KDTree(points).query(points, k=2)[0][:, 1]) if len(part) > 1 else [1.0]
    unit = nearest[len(nearest) // 2] or 1.0
    low_x, low_y = min(float(x) for x, _ in shape.values()), min(float(y) for _, y in shape.values())
    return {node: ((float(shape[node][0]) - low_x) / unit, (float(shape[node][1]) - low_y) / unit) for node in part}


def _forces(graph: nx.Graph, part: list[Hashable], *, seed: int, iterations: int = 50) -> dict[Hashable, Any]:
    """Fruchterman-Reingold as networkx's dense version computes it (repulsion ``k²/d`` between all
    nodes, attraction ``w d²/k`` along ties, a step cooling linearly from a tenth of the extent),
    vectorised: the repulsion of all pairs comes from matrix products, the attraction from the ties
    only, so 2,000 nodes take about a second where networkx's layouts take ten or more.
    Seeded start in the unit square; the result is for :func:`_component` to scale.

    >>> shape = _forces(nx.path_graph(3), [0, 1, 2], seed=1)
    >>> len(shape), all((shape[n] == _forces(nx.path_graph(3), [0, 1, 2], seed=1)[n]).all() for n in shape)
    (3, True)
    """
    n = len(part)
    index = {node: i for i, node in enumerate(part)}
    ends = [(index[u], index[v], edge_weight(attrs)) for u, v, attrs in graph.edges(part, data=True)]
    first = np.array([u for u, _, _ in ends], dtype=np.int64)
    second = np.array([v for _, v, _ in ends], dtype=np.int64)
    weights = np.array([w for _, _, w in ends], dtype=np.float32)
    pos = np.random.default_rng(seed).random((n, 2)).astype(np.float32)  # plenty for a picture, twice as fast
    k = np.float32(math.sqrt(1.0 / n))
    step = 0.1 * max(float(np.ptp(pos[:, 0])), float(np.ptp(pos[:, 1])))
    cooling = step / (iterations + 1)
    for _ in range(iterations):
        squares = (pos * pos).sum(axis=1)
        distance2 = np.maximum(squares[:, None] + squares[None, :] - 2 * pos @ pos.T, np.float32(1e-6))
        np.fill_diagonal(distance2, np.inf)
        repulsion = k * k / distance2  # along delta: k² / d² times (p_i - p_j)
        push = pos * repulsion.sum(axis=1)[:, None] - repulsion @ pos
        delta = pos[first] - pos[second]
        pull = (weights * np.sqrt((delta * delta).sum(axis=1)) / k)[:, None] * delta
        for axis in (0, 1):  # a tie pulls its first end towards the second and the second towards the first
            push[:, axis] += np.bincount(second, pull[:, axis], n) - np.bincount(first, pull[:, axis], n)
        length = np.sqrt((push * push).sum(axis=1))
        length = np.where(length < 0.01, np.float32(0.1), length)
        pos = pos + (push * (step / length)[:, None]).astype(np.float32)
        step -= cooling
    return {node: pos[i].astype(float) for i, node in enumerate(part)}


def _pack(boxes: list[tuple[float, float]], *, margin: float = 1.5) -> list[tuple[float, float]]:
    """Top-left corners (x right, y down) for boxes of these widths and heights, largest first,
    placed left to right in rows about as wide as a square holding them all, with a margin.

    >>> _pack([(2.0, 1.0), (0.0, 0.0), (0.0, 0.0)])
    [(0.75, 0.75), (0.75, 3.25), (2.25, 3.25)]
    """
    cells = [(width + margin, height + margin) for width, height in boxes]
    row_width = max(max((width for width, _ in cells), default=0.0), 1.2 * math.sqrt(sum(w * h for w, h in cells)))
    corners, x, y, row_height = [], 0.0, 0.0, 0.0
    for width, height in cells:
        if x > 0 and x + width > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        corners.append((x + margin / 2, y + margin / 2))
        x, row_height = x + width, max(row_height, height)
    return corners


def _check(graph: nx.Graph, *, max_nodes: int) -> None:
    if not isinstance(graph, nx.Graph) or graph.is_directed() or graph.is_multigraph():
        raise UsageError(f"expected an undirected networkx.Graph, not {type(graph).__name__}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise UsageError(f"max_nodes must be a whole number of 1 or more, not {max_nodes!r}")


def drawn_nodes(graph: nx.Graph, max_nodes: int = MAX_NODES) -> list[Hashable]:
    """All nodes sorted by id, or the ``max_nodes`` of highest ``strength`` (ties broken by id),
    sorted by id.

    >>> graph = nx.Graph([("a", "b"), ("c", "d")])
    >>> graph.nodes["d"]["strength"] = 2.0
    >>> drawn_nodes(graph, 2), drawn_nodes(graph)
    (['a', 'd'], ['a', 'b', 'c', 'd'])
    """
    nodes = sorted(graph.nodes, key=str)
    if len(nodes) > max_nodes:
        strongest = sorted(nodes, key=lambda node: (-number(graph.nodes[node].get("strength")), str(node)))
        nodes = sorted(strongest[:max_nodes], key=str)
    return nodes


def edges_among(graph: nx.Graph, nodes: list[Hashable]) -> list[tuple[Hashable, Hashable, Mapping[str, Any]]]:
    """The edges among ``nodes``, each as (earlier node, later node, attributes) in the order of
    ``nodes``, sorted.

    >>> edges_among(nx.Graph([("b", "a", {"weight": 2}), ("c", "a")]), ["a", "b"])
    [('a', 'b', {'weight': 2})]
    """
    among = _Among(graph, nodes)
    return among.edges(range(len(among)))


class _Among:
    """The edges among some nodes, sorted by the places of their ends in ``nodes``: found node by
    node from the adjacency dicts (each node's neighbours among ``nodes`` taken at C speed)."""

    def __init__(self, graph: nx.Graph, nodes: list[Hashable]) -> None:
        order = {node: index for index, node in enumerate(nodes)}
        adjacency, chosen = dict(graph.adjacency()), order.keys()
        here: list[np.ndarray] = []
        there: list[np.ndarray] = []
        self.others: list[Hashable] = []
        self.attrs: list[Mapping[str, Any]] = []
        for place, node in enumerate(nodes):
            neighbours = adjacency[node]
            common = list(neighbours.keys() & chosen)
            places = np.fromiter(map(order.__getitem__, common), dtype=np.intp, count=len(common))
            later = places >= place  # each edge once, from its earlier end
            kept = list(compress(common, later.tolist()))
            there.append(places[later])
            here.append(np.full(len(kept), place, dtype=np.intp))
            self.others += kept
            self.attrs += map(neighbours.__getitem__, kept)
        self.here = np.concatenate(here) if here else np.zeros(0, dtype=np.intp)
        self.there = np.concatenate(there) if there else np.zeros(0, dtype=np.intp)
        self.order = np.lexsort((self.there, self.here))
        self.nodes = nodes

    def __len__(self) -> int:
        return len(self.order)

    def weights(self) -> np.ndarray:
        """:func:`edge_weight` of each edge, in sorted order."""
        get: Any = dict.get  # each edge's weight, 1 when it has none
        values = list(map(get, map(self.attrs.__getitem__, self.order.tolist()), repeat("weight"), repeat(1.0)))
        if set(map(type, values)) <= {float, int}:
            weights = np.array(values, dtype=float)
            return np.maximum(np.where(np.isfinite(weights), weights, 0.0), 0.0)
        return np.array([edge_weight({"weight": value}) for value in values], dtype=float)

    def edges(self, chosen: Iterable[int]) -> list[tuple[Hashable, Hashable, Mapping[str, Any]]]:
        """The edges at these places in sorted order."""
        order = self.order.tolist()
        return [(self.nodes[int(self.here[order[i]])], self.others[order[i]], self.attrs[order[i]]) for i in chosen]


@overload
def drawn_edges(graph: nx.Graph, nodes: list[Hashable], max_edges: int = ..., *,
                counted: Literal[False] = ...) -> list[tuple[Hashable, Hashable, Mapping[str, Any]]]: ...


@overload
def drawn_edges(graph: nx.Graph, nodes: list[Hashable], max_edges: int = ..., *,
                counted: Literal[True]) -> tuple[list[tuple[Hashable, Hashable, Mapping[str, Any]]], int]: ...


def drawn_edges(graph: nx.Graph, nodes: list[Hashable], max_edges: int = MAX_EDGES, *,
                counted: bool = False) -> Any:
    """:func:`edges_among` ``nodes``, or the ``max_edges`` strongest of them when there are more
    (ties broken by their place in that list), in the same order; with ``counted``, also how many
    there are among ``nodes`` in all.

    >>> graph = nx.Graph([("a", "b", {"weight": 1}), ("b", "c", {"weight": 3}), ("a", "c", {"weight": 2})])
    >>> [(u, v) for u, v, _ in drawn_edges(graph, ["a", "b", "c"], 2)]
    [('a', 'c'), ('b', 'c')]
    """
    among = _Among(graph, nodes)
    chosen: Iterable[int] = range(len(among))
    if len(among) > max_edges:  # the strongest, ties by place: a stable sort of the negated weights
        chosen = np.sort(np.argsort(-among.weights(), kind="stable")[:max_edges]).tolist()
    edges = among.edges(chosen)
    return (edges, len(among)) if counted else edges


def number(value: Any) -> float:
    """A finite float, 0.0 for anything missing or not a number.

    >>> number("2.5"), number(None), number("n/a"), number(float("nan"))
    (2.5, 0.0, 0.0, 0.0)
    """
    try:
        result = float(value)
    except (TypeError, ValueError):
        return 0.0
    return result if math.isfinite(result) else 0.0


def edge_weight(attrs: Mapping[str, Any]) -> float:
    """An edge's weight for drawing: 1 when missing, never negative.

    >>> edge_weight({}), edge_weight({"weight": 3}), edge_weight({"weight": -1})
    (1.0, 3.0, 0.0)
    """
    return max(number(attrs.get("weight", 1.0)), 0.0)


def rounded(value: float) -> float:
    """``value`` to six decimals, never ``-0.0``.

    >>> rounded(-0.0000001), rounded(1 / 3)
    (0.0, 0.333333)
    """
    return round(float(value), 6) + 0.0
