"""Pictures of a network graph: a PNG for reports and one self-contained HTML page to explore it offline.

Both take the undirected ``networkx.Graph`` of the network analytics: nodes keyed by IRI with
``label``, ``kind``, ``category``, ``country``, ``community`` and metric attributes, edges with
``weight``, ``layers``, ``via``, ``via_labels`` and ``sources``. Every attribute may be missing.
Both are deterministic: the same graph and options give the same bytes. Node positions come from
:func:`alliancekg.layouts.layout`, which this module re-exports; a graph larger than ``max_nodes``
is drawn by its strongest nodes, and only the ``max_edges`` strongest ties among them are drawn
(and pull in the layout); both pictures say so.

>>> import networkx as nx
>>> graph = nx.Graph([("https://example.org/a", "https://example.org/b")])
>>> _Drawing.of(graph, colour_by="community", size_by="strength", seed=42, max_nodes=1).note()
'Drawn: the 1 node of highest strength out of 2, and the 0 ties among them out of 1.'
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from alliancekg.errors import LoadError, UsageError
from alliancekg.layouts import MAX_EDGES, drawn_edges, edge_weight, layout, number, rounded
from alliancekg.outputs import write_atomic
from alliancekg.settings import find_root

__all__ = ["layout", "write_html", "write_png"]

#: Colours of the ten most frequent values (matplotlib's tab10 with its grey swapped for indigo).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#393b79", "#bcbd22", "#17becf")
OTHER = "#c4c4c4"
CYTOSCAPE = Path("node_modules") / "cytoscape" / "dist" / "cytoscape.min.js"
#: Attributes shown first in the HTML side panel, in this order; the others follow sorted.
_FIRST = ("kind", "category", "country", "community", "strength", "degree", "betweenness")
_HTML_LABELS = 15
#: Characters escaped inside the page's JSON: markup, line separators, controls and lone surrogates.
_UNSAFE_JSON = re.compile("[<>&\u007f-\u009f\u2028\u2029\ud800-\udfff]")


def write_png(graph: nx.Graph, path: Path | str, *, colour_by: str = "community", size_by: str = "strength",
              labels: int = 15, seed: int = 42, max_nodes: int = 2000, max_edges: int = MAX_EDGES,
              title: str = "", positions: Mapping[Hashable, tuple[float, float]] | None = None,
              drawn: tuple[list[tuple[Hashable, Hashable, Mapping[str, Any]]], int] | None = None) -> None:
    """Draw the network to a PNG: nodes coloured by the categorical attribute ``colour_by`` (the ten
    most frequent values in the legend, the rest grey), sized by ``size_by``, edges shaded by
    weight, the ``labels`` largest nodes named, and a footnote with what was drawn. ``positions``
    (from :func:`layout` with the same ``seed``, ``max_nodes`` and ``max_edges``) saves laying the graph
    out again, and ``drawn`` (from :func:`~alliancekg.layouts.drawn_edges` of those nodes with
    ``counted=True``) finding the ties to draw.

    Raises :class:`~alliancekg.errors.UsageError` for bad options (see :func:`layout`).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = Path(folder) / "net.png"
    ...     write_png(nx.path_graph(["a", "b", "c"]), out, title="Three")
    ...     out.read_bytes()[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    if labels < 0:
        raise UsageError(f"labels must be 0 or more, not {labels}")
    drawing = _Drawing.of(graph, colour_by=colour_by, size_by=size_by, seed=seed, max_nodes=max_nodes,
                          max_edges=max_edges, positions=positions, drawn=drawn)
    from matplotlib import patheffects, style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    with style.context("default"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        figure = Figure(figsize=(12, 9), dpi=120, facecolor="white")
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0.01, 0.05, 0.76, 0.86))
        axes.set_axis_off()
        figure.text(0.015, 0.965, _plain(title, 120), fontsize=15, weight="bold", va="top", parse_math=False)
        figure.text(0.015, 0.015, drawing.note(), fontsize=9, color="#555555", parse_math=False)
        if not drawing.nodes:
            axes.text(0.5, 0.5, "empty network", ha="center", va="center", fontsize=20, color="#777777",
                      transform=axes.transAxes)
        else:
            _draw_network(axes, drawing, labels, LineCollection, patheffects.withStroke(linewidth=3, foreground="white"))
            handles = [Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor=colour,
                              markeredgecolor="white") for _, colour, _ in drawing.legend]
            legend = figure.legend(handles, [f"{label} ({count:,})" for label, _, count in drawing.legend],
                                   loc="upper left", bbox_to_anchor=(0.78, 0.91), frameon=False,
                                   title=_plain(colour_by, 40), alignment="left")
            for text in (*legend.get_texts(), legend.get_title()):
                text.set_parse_math(False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    write_atomic(Path(path), buffer.getvalue())


def write_html(graph: nx.Graph, path: Path | str, *, colour_by: str = "community", seed: int = 42,
               max_nodes: int = 2000, max_edges: int = MAX_EDGES, title: str = "", root: Path | None = None,
               positions: Mapping[Hashable, tuple[float, float]] | None = None,
               drawn: tuple[list[tuple[Hashable, Hashable, Mapping[str, Any]]], int] | None = None) -> None:
    """Write one HTML page that works offline: cytoscape.js inlined from ``node_modules`` under the
    project folder ``root`` (default :func:`~alliancekg.settings.find_root`), the graph embedded as
    JSON, positions from :func:`layout`, a search box, a legend and a side panel with the clicked
    node's attributes and ties. The page loads nothing from the network.

    Raises :class:`~alliancekg.errors.LoadError` when cytoscape is not installed (run ``make
    install``) and :class:`~alliancekg.errors.UsageError` for bad options.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = Path(folder) / "net.html"
    ...     write_html(nx.path_graph(["a", "b", "c"]), out, title="Three")
    ...     page = out.read_text(encoding="utf-8")
    >>> "cytoscape" in page, "<script src" in page
    (True, False)
    """
    drawing = _Drawing.of(graph, colour_by=colour_by, size_by="strength", seed=seed, max_nodes=max_nodes,
                          max_edges=max_edges, positions=positions, drawn=drawn)
    library = _cytoscape(root or find_root())
    heading = _plain(title, 200) or "Network"
    values = {"TITLE": html.escape(heading), "DATA": _script_json(_page_data(drawing)),
              "CYTOSCAPE": library}
    template = resources.files("alliancekg").joinpath("templates", "network.html").read_text(encoding="utf-8")
    page = re.sub(r"@@([A-Z]+)@@", lambda match: values[match.group(1)], template)
    write_atomic(Path(path), page.encode("utf-8"))


@dataclass(frozen=True)
class _Drawing:
    """What both pictures show: the drawn nodes and edges in a fixed order, their positions,
    colours, sizes and edge shades (both in [0, 1], square-rooted), and the legend."""

    graph: nx.Graph
    nodes: list[Hashable]
    edges: list[tuple[Hashable, Hashable, Mapping[str, Any]]]
    positions: dict[Hashable, tuple[float, float]]
    colours: dict[Hashable, str]
    legend: list[tuple[str, str, int]]
    sizes: dict[Hashable, float]
    shades: dict[tuple[Hashable, Hashable], float]
    colour_by: str
    among: int  #: ties among the drawn nodes, drawn or not

    @classmethod
    def of(cls, graph: nx.Graph, *, colour_by: str, size_by: str, seed: int, max_nodes: int,
           max_edges: int = MAX_EDGES, positions: Mapping[Hashable, tuple[float, float]] | None = None,
           drawn: tuple[list[tuple[Hashable, Hashable, Mapping[str, Any]]], int] | None = None) -> _Drawing:
        positions = dict(positions) if positions is not None else layout(graph, seed=seed, max_nodes=max_nodes,
                                                                         max_edges=max_edges)
        nodes = list(positions)
        colours, legend = _colours(graph, nodes, colour_by)
        values = {node: number(graph.nodes[node].get(size_by)) for node in nodes}
        low, high = min(values.values(), default=0.0), max(values.values(), default=0.0)
        sizes = {node: math.sqrt((value - low) / (high - low)) if high > low else 0.5 for node, value in values.items()}
        edges, among = drawn if drawn is not None else drawn_edges(graph, nodes, max_edges, counted=True)
        top = max((edge_weight(attrs) for _, _, attrs in edges), default=1.0) or 1.0
        shades = {(u, v): math.sqrt(edge_weight(attrs) / top) for u, v, attrs in edges}
        return cls(graph, nodes, edges, positions, colours, legend, sizes, shades, colour_by, among)

    @property
    def crowding(self) -> tuple[float, float]:
        """Factors in (0, 1] that thin the edges and shrink the nodes of a crowded picture."""
        return (max(min(1.0, math.sqrt(300 / max(len(self.edges), 1))), 0.25),
                max(min(1.0, math.sqrt(150 / max(len(self.nodes), 1))), 0.3))

    @property
    def capped(self) -> bool:
        return len(self.nodes) < self.graph.number_of_nodes() or len(self.edges) < self.among

    def note(self) -> str:
        """The footnote: how much of the network is drawn."""
        nodes, edges = _count(len(self.nodes), "node"), _count(len(self.edges), "tie")
        if not self.capped:
            return f"{nodes}, {edges}."
        if len(self.edges) < self.among:
            chosen = "" if len(self.nodes) == self.graph.number_of_nodes() else " of highest strength"
            return (f"Drawn: the {nodes}{chosen} out of {self.graph.number_of_nodes():,}, and the {edges} of "
                    f"highest weight out of the {self.among:,} among them ({self.graph.number_of_edges():,} in all).")
        return (f"Drawn: the {nodes} of highest strength out of {self.graph.number_of_nodes():,}, "
                f"and the {edges} among them out of {self.graph.number_of_edges():,}.")


def _draw_network(axes: Any, drawing: _Drawing, labels: int, line_collection: Any, halo: Any) -> None:
    """Edges, nodes (largest first so small ones stay visible) and the labels of the largest."""
    positions, graph = drawing.positions, drawing.graph
    shade = drawing.shades
    edge_crowd, node_crowd = drawing.crowding
    segments = [(positions[u], positions[v]) for u, v, _ in drawing.edges]
    colours = [(0.3, 0.3, 0.36, (0.15 + 0.55 * shade[u, v]) * edge_crowd) for u, v, _ in drawing.edges]
    widths = [(0.3 + 2.2 * shade[u, v]) * (0.4 + 0.6 * edge_crowd) for u, v, _ in drawing.edges]
    axes.add_collection(line_collection(segments, colors=colours, linewidths=widths, zorder=1))
    order = sorted(drawing.nodes, key=lambda node: (-drawing.sizes[node], str(node)))
    axes.scatter([positions[n][0] for n in order], [positions[n][1] for n in order],
                 s=[(24 + 370 * drawing.sizes[n]) * node_crowd for n in order], c=[drawing.colours[n] for n in order],
                 edgecolors="white", linewidths=0.6, zorder=2)
    reach = []  # (x, horizontal direction, label width in points) to keep every label inside
    for node in order[:labels]:
        text, (x, y) = _plain(_label(graph, node), 40), positions[node]
        near = [positions[other] for other in graph[node] if other in positions and other != node]
        dx, dy = (x - sum(p[0] for p in near) / len(near), y - sum(p[1] for p in near) / len(near)) if near else (0, 1)
        length = math.hypot(dx, dy)
        dx, dy = (dx / length, dy / length) if length > 1e-3 else (0.0, 1.0)  # away from its neighbours
        offset = 6 + 7 * drawing.sizes[node]
        side = 1 if dx > 0.4 else -1 if dx < -0.4 else 0
        axes.annotate(text, (x, y), xytext=(dx * offset, dy * offset), textcoords="offset points", fontsize=8,
                      zorder=3, ha=("center", "left", "right")[side], va="bottom" if dy > 0.4 else "top" if dy < -0.4
                      else "center", parse_math=False, path_effects=[halo])
        reach.append((x, side, offset * abs(dx) + 4.7 * len(text)))  # about 4.7 points a character at 8 points
    _limits(axes, list(positions.values()), reach)


def _limits(axes: Any, points: list[tuple[float, float]], reach: list[tuple[float, int, float]]) -> None:
    """Axis limits around ``points`` with a margin, wide enough for the labels in ``reach``, and one
    unit as long across as up."""
    box, (width, height) = axes.get_position(), axes.figure.get_size_inches()
    width_points, height_points = box.width * width * 72, box.height * height * 72
    xs, ys = [x for x, _ in points], [y for _, y in points]
    pad = 0.06 * max(max(xs) - min(xs), max(ys) - min(ys), 0.5)
    left, right, bottom, top = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    for _ in range(4):  # widening shrinks the scale, so the labels need a little more room each time
        scale = min(width_points / (right - left), height_points / (top - bottom))  # points a unit
        for x, side, label in reach:
            left = min(left, x - label / scale if side < 0 else x - label / 2 / scale if side == 0 else left)
            right = max(right, x + label / scale if side > 0 else x + label / 2 / scale if side == 0 else right)
    span = max((right - left) / width_points, (top - bottom) / height_points)  # units a point
    middle_x, middle_y = (left + right) / 2, (bottom + top) / 2
    axes.set_xlim(middle_x - span * width_points / 2, middle_x + span * width_points / 2)
    axes.set_ylim(middle_y - span * height_points / 2, middle_y + span * height_points / 2)


def _page_data(drawing: _Drawing) -> dict[str, Any]:
    """The JSON embedded in the HTML page: cytoscape ids are ``n0``, ``n1``... in drawing order."""
    graph, ids = drawing.graph, {node: f"n{index}" for index, node in enumerate(drawing.nodes)}
    scale = 600 / math.sqrt(drawing.crowding[1])  # more room for more nodes
    named = set(sorted(drawing.nodes, key=lambda node: (-drawing.sizes[node], str(node)))[:_HTML_LABELS])
    nodes = []
    for node in drawing.nodes:
        attrs = graph.nodes[node]
        shown = [key for key in _FIRST if key in attrs] + sorted(set(attrs) - {*_FIRST, "label"}, key=str)
        x, y = drawing.positions[node]
        nodes.append({"id": ids[node], "iri": str(node), "label": _label(graph, node), "x": rounded(scale * x),
                      "y": rounded(-scale * y), "colour": drawing.colours[node],
                      "size": rounded(10 + 40 * drawing.sizes[node]), "named": node in named,
                      "attrs": [[str(key), _display(attrs[key])] for key in shown]})
    edges = [{"source": ids[u], "target": ids[v], "weight": _display(attrs.get("weight", 1.0)),
              "shade": rounded(drawing.shades[u, v]), "layers": _texts(attrs.get("layers")),
              "via": _texts(attrs.get("via_labels")) or _texts(attrs.get("via")), "sources": _texts(attrs.get("sources"))}
             for u, v, attrs in drawing.edges]
    return {"note": drawing.note(), "capped": drawing.capped, "edgeCrowd": drawing.crowding[0],
            "colourBy": _plain(drawing.colour_by, 40),
            "legend": [list(row) for row in drawing.legend], "nodes": nodes, "edges": edges}


def _script_json(data: Any) -> str:
    """JSON that is inert inside ``<script type="application/json">``: ``<``, ``>`` and ``&`` (so no
    ``</script>`` or ``<!--`` can end or bend the element), U+2028/2029, controls and lone
    surrogates become ``\\uXXXX`` escapes.

    >>> _script_json({"label": "</script><!--\\u2028"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u2028"}'
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return _UNSAFE_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _cytoscape(root: Path) -> str:
    """The minified cytoscape.js under ``root``, or a clear error saying how to install it."""
    library = root / CYTOSCAPE
    if not library.is_file():
        raise LoadError("cytoscape.js is not installed: run `make install` (it runs `npm ci`) in the project "
                        "folder", path=str(library))
    text = library.read_text(encoding="utf-8")
    if re.search(r"</script|<!--", text, flags=re.IGNORECASE):
        raise LoadError("cannot be inlined in a <script> element: it contains `</script` or `<!--`",
                        path=str(library))
    return text


def _colours(graph: nx.Graph, nodes: list[Hashable], attr: str) -> tuple[dict[Hashable, str], list[tuple[str, str, int]]]:
    """A colour per node from the categorical ``attr``: the ten most frequent values (ties by
    their text) get the palette, the rest and the unknown share grey; and the legend rows.

    >>> graph = nx.Graph()
    >>> graph.add_nodes_from([("a", {"c": 1}), ("b", {"c": 1}), ("x", {"c": ""}), ("y", {})])
    >>> _colours(graph, ["a", "b", "x", "y"], "c")[1]
    [('1', '#1f77b4', 2), ('other or unknown', '#c4c4c4', 2)]
    """
    values = {node: _category(graph.nodes[node].get(attr)) for node in nodes}
    counts = Counter(value for value in values.values() if value is not None)
    top = sorted(counts, key=lambda value: (-counts[value], str(value)))[:len(PALETTE)]
    colour_of = {value: colour for value, colour in zip(top, PALETTE, strict=False)}
    colours = {node: colour_of.get(value, OTHER) for node, value in values.items()}
    legend = [(_plain(value, 40), colour_of[value], counts[value]) for value in top]
    rest = sum(1 for colour in colours.values() if colour == OTHER)
    if rest:
        legend.append(("other or unknown", OTHER, rest))
    return colours, legend


def _category(value: Any) -> Hashable | None:
    """A categorical value to count: ``None`` for missing, empty or not-a-number values."""
    if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value if isinstance(value, str | int | float) else _display(value)


def _count(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _label(graph: nx.Graph, node: Hashable) -> str:
    """The node's label, else the last segment of its IRI."""
    label = graph.nodes[node].get("label")
    if label is not None and str(label).strip():
        return str(label)
    return re.split(r"[/#]", str(node).rstrip("/#"))[-1] or str(node)


def _plain(value: Any, limit: int) -> str:
    """Text to draw: controls and other invisible characters as spaces, spaces collapsed, cut at
    ``limit`` characters.

    >>> _plain("a\\x00b\\n  c" + "d" * 50, 10)
    'a b cdddd…'
    """
    text = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in str(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _display(value: Any) -> str:
    """An attribute value as text for the side panel: numbers to six significant digits, lists
    joined with semicolons.

    >>> _display(0.1234567), _display(("a", 2.0)), _display(None), _display(True)
    ('0.123457', 'a; 2', '', 'true')
    """
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple | set | frozenset):
        items = [_display(item) for item in value]
        return "; ".join(sorted(items) if isinstance(value, set | frozenset) else items)
    return str(value)


def _texts(value: Any) -> list[str]:
    """A tuple attribute (layers, via, sources) as a list of strings; a lone value as one item."""
    if value is None:
        return []
    texts = [str(item) for item in value] if isinstance(value, Iterable) and not isinstance(value, str) else [str(value)]
    return sorted(texts) if isinstance(value, set | frozenset) else texts
