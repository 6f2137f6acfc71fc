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
from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx
from scipy.spatial import KDTree

from alliancekg.errors import UsageError

__all__ = ["edge_weight", "edges_among", "layout", "number", "rounded"]

_KAMADA_KAWAI = 40  # components up to this size are laid out by graph distance


def layout(graph: nx.Graph, *, seed: int = 42, max_nodes: int = 2000) -> dict[Hashable, tuple[float, float]]:
    """Positions in [-1, 1] for the nodes to draw: all of them, or the ``max_nodes`` of highest
    ``strength`` (ties broken by node id). Each connected component is laid out on its own (see
    :func:`_component`) and the components are packed in rows, largest first.

    Raises :class:`~alliancekg.errors.UsageError` for a directed or multi graph or ``max_nodes < 1``.

    >>> layout(nx.Graph())
    {}
    >>> layout(nx.Graph([("b", "c")]), max_nodes=1)
    {'b': (0.0, 0.0)}
    >>> layout(nx.path_graph(["a", "b", "c"])) == layout(nx.path_graph(["c", "b", "a"]))
    True
    """
    _check(graph, max_nodes=max_nodes)
    nodes = _selection(graph, max_nodes)
    edges = edges_among(graph, nodes)
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
    spacing by hop distance) for small ones, a seeded weighted spring layout for large ones; scaled
    so the median distance from a node to its nearest is one unit, and moved so the lowest
    coordinates are 0."""
    graph = nx.Graph()
    graph.add_nodes_from(part)
    graph.add_edges_from(sorted(whole.edges(part, data=True), key=lambda edge: (str(edge[0]), str(edge[1]))))
    if len(part) <= 2:
        shape = dict(zip(part, [(0.0, 0.0), (1.0, 0.0)], strict=False))
    elif len(part) <= _KAMADA_KAWAI:
        shape = nx.kamada_kawai_layout(graph, weight=None)
    else:
        shape = nx.spring_layout(graph, seed=seed, weight="weight", iterations=100 if len(part) < 500 else 50)
    points = [(float(shape[node][0]), float(shape[node][1])) for node in part]
    nearest = sorted(KDTree(points).query(points, k=2)[0][:, 1]) if len(part) > 1 else [1.0]
    unit = nearest[len(nearest) // 2] or 1.0
    low_x, low_y = min(float(x) for x, _ in shape.values()), min(float(y) for _, y in shape.values())
    return {node: ((float(shape[node][0]) - low_x) / unit, (float(shape[node][1]) - low_y) / unit) for node in part}


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


def _selection(graph: nx.Graph, max_nodes: int) -> list[Hashable]:
    """All nodes sorted by id, or the ``max_nodes`` of highest strength, sorted by id."""
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
    order = {node: index for index, node in enumerate(nodes)}
    edges = []
    for u, v, attrs in graph.subgraph(nodes).edges(data=True):
        edges.append((u, v, attrs) if order[u] <= order[v] else (v, u, attrs))
    return sorted(edges, key=lambda edge: (order[edge[0]], order[edge[1]]))


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
