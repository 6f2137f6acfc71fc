"""Every file ``alliancekg network`` writes for one analysis, each written atomically.

* ``nodes.csv`` and ``edges.csv``: the column names Gephi's spreadsheet import expects (``Id``,
  ``Label``; ``Source``, ``Target``, ``Type``, ``Weight``), attributes and metrics beside them;
* ``metrics.csv``: one row per node, the metrics only, for pandas and R;
* ``dictionary.csv``: every column of the three tables, its type and meaning;
* ``summary.json``: the graph's figures and the method (projection, layers, snapshot, seed, notes);
* ``network.graphml``, ``network.gexf``: attributes flattened to what those formats accept;
* ``network.json``: networkx node-link JSON; ``metrics.ttl``: the metrics as RDF;
* ``network.png`` and ``network.html``: a picture and an offline interactive view.

The tables, the three networkx formats and the Turtle are streamed by
:mod:`alliancekg.network_formats` from the nodes and the ties in file order (:class:`Rows`,
:class:`SortedTies`), with the bytes the plain writers defined here give.

Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
return) get a leading apostrophe; numbers are written as numbers.

>>> csv_cell("=HYPERLINK(1)"), csv_cell(-0.5), csv_cell(None), csv_cell(0.1 + 0.2)
("'=HYPERLINK(1)", '-0.5', '', '0.3')
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import sys
import traceback
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import networkx as nx
import numpy as np

from alliancekg.metrics import METRICS
from alliancekg.outputs import atomic_file, write_atomic
from alliancekg.ties import Layer, names_from_list

if TYPE_CHECKING:
    from alliancekg.network import Analysis

__all__ = ["EXPORT_FORMATS", "clean_text", "csv_cell", "csv_table", "dictionary_rows", "parse_formats", "write_all"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SIGNIFICANT = 12
_FLOAT_FORMAT = f".{_SIGNIFICANT}g"

#: Non-metric columns of the tables: name -> (type, meaning).
NODE_COLUMNS = {
    "Id": ("string", "the node: an organisation's or hub's IRI, or a country code"),
    "Label": ("string", "the node's English label"),
    "kind": ("string", "the most specific kind(s) of the node, '; '-separated"),
    "category": ("string", "alliance, organisation or country"),
    "country": ("string", "ISO 3166-1 code of the node's country, its own or that of an organisation it belongs to"),
    "alliances": ("integer", "alliances and networks the node is a member of at the snapshot"),
    "bipartite": ("integer", "two-mode graphs: 0 for an organisation, 1 for a hub"),
    "members": ("integer", "hub graphs: organisations in the hub"),
    "organisations": ("integer", "country graphs: organisations in the country"),
    "internal_ties": ("integer", "country graphs: ties between organisations of the country"),
    "internal_weight": ("number", "country graphs: summed weight of those ties"),
}
EDGE_COLUMNS = {
    "Source": ("string", "one end of the tie (the smaller Id)"),
    "Target": ("string", "the other end"),
    "Type": ("string", "always Undirected"),
    "Id": ("string", "the tie's number in this file"),
    "Weight": ("number", "the tie's weight, by the analysis's weighting"),
    "shared": ("integer", ("hubs (alliances, partnerships, programmes, laboratories) the two share, plus one for a "
                           "unit-parent tie; on hub graphs, organisations shared")),
    "overlap": ("number", "shared over the smaller of the two hub sets"),
    "jaccard": ("number", "shared over the union of the two hub sets"),
    "layers": ("string", "the layers the tie comes from, '; '-separated"),
    **{layer.value: ("integer", f"hubs shared in the {layer.value} layer") for layer in Layer},
    "via": ("string", "IRIs of the hubs that create the tie (on hub graphs, of the shared organisations)"),
    "via_labels": ("string", "their labels, in the same order"),
    "roles": ("string", "two-mode graphs: the roles of the organisation in the hub"),
    "sources": ("string", "IRIs of the source documents behind the tie"),
    "start": ("string", "earliest start of the records behind the tie ('' when any is open or undated)"),
    "end": ("string", "latest end of those records ('' when any is open)"),
    "ties": ("integer", "country graphs: ties between organisations of the two countries"),
}
_METRIC_TYPES = {"degree": "integer", "core_number": "integer", "community": "integer"}


def csv_cell(value: Any) -> str:
    """A value as CSV text: numbers with 12 significant digits, lists ``; ``-joined, formula-like
    text neutralised."""
    kind = type(value)  # the common cases first
    if kind is float:
        return "" if math.isnan(value) else format(value, _FLOAT_FORMAT)
    if kind is str:
        return "'" + value if value.startswith(_FORMULA_START) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else format(value, f".{_SIGNIFICANT}g")
    if isinstance(value, (tuple, list)):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def clean_text(value: Any) -> str:
    """Text that XML 1.0 can carry: control characters other than tab and newline removed."""
    text = str(value)
    return text if text.isprintable() else _NOT_XML.sub("", text)


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else float(format(value, f".{_SIGNIFICANT}g"))
    return value


def _json_ready(value: Any) -> Any:
    """``value`` with floats rounded as in the CSV files and NaN or infinity as null."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return _round(value)


def csv_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _present(graph: nx.Graph, columns: Iterable[str], *, edges: bool = False) -> list[str]:
    """The ``columns`` that some node (or edge) has as an attribute, in the order given."""
    names = (sorted_ties(graph) if edges else sorted_nodes(graph)).names()
    return [c for c in columns if c in names]


def _node_columns(graph: nx.Graph) -> list[str]:
    return _present(graph, [c for c in NODE_COLUMNS if c not in ("Id", "Label")])


def _edge_columns(graph: nx.Graph) -> list[str]:
    wanted = [c for c in EDGE_COLUMNS if c not in ("Source", "Target", "Type", "Id", "Weight")]
    return _present(graph, wanted, edges=True)


#: The names and value types of a tie's attributes, in the attribute dict's order.
Signature = tuple[tuple[str, ...], tuple[type, ...]]
#: Ties (and nodes) are turned into text this many at a time: enough for C-speed passes over each
#: attribute, few enough that a run's texts stay in the processor's caches.
CHUNK = 5_000


class Part:
    """Rows of one signature among a run of rows (ties or nodes): their places in the list, the
    places of their nodes in ``nodes`` (a tie's two ends, or the node itself), their attribute
    dicts and, for each attribute name, its values (in the same order)."""

    __slots__ = ("attrs", "columns", "ends", "kinds", "nodes", "positions", "signature")

    def __init__(self, signature: Signature, positions: range | list[int], nodes: list[Hashable],
                 ends: tuple[np.ndarray, ...], attrs: list[dict[str, Any]],
                 columns: dict[str, tuple[Any, ...]] | None = None) -> None:
        self.signature, self.positions, self.nodes, self.ends, self.attrs = signature, positions, nodes, ends, attrs
        self.kinds = dict(zip(*signature, strict=True))
        self.columns = columns if columns is not None else _columns(signature[0], attrs)

    def at(self, end: int) -> list[Hashable]:
        """The nodes at ``end`` of each row (0: the node, or the tie's source; 1: the tie's target)."""
        return _pick(self.nodes, self.ends[end].tolist())


def _columns(names: Sequence[str], attrs: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """The values of each of ``names`` in ``attrs`` (each dict has them all); raises ``KeyError``."""
    if len(names) <= 1:
        return {name: tuple(map(itemgetter(name), attrs)) for name in names}
    return dict(zip(names, zip(*map(itemgetter(*names), attrs)), strict=True))


def _signatures(attrs: list[dict[str, Any]]) -> Iterator[Signature]:
    """The signature of each attribute dict, made without a Python call per dict."""
    return zip(map(tuple, attrs), map(tuple, map(map, repeat(type), map(dict.values, attrs))))


def _pick(items: list[Any], places: list[int]) -> list[Any]:
    return list(map(items.__getitem__, places))


class Rows:
    """Attribute dicts of ties or nodes in the order the files list them, with the places of their
    nodes in ``nodes`` (one array per end); cut into runs of :data:`CHUNK` rows, each run split into
    :class:`Part` by signature; and the distinct signatures in order of first appearance.

    >>> rows = Rows(["a", "b"], (np.arange(2),), [{"weight": 2.0}, {}])
    >>> [[(part.signature, part.positions, part.at(0)) for part in parts] for parts in rows.chunks]
    [[((('weight',), (<class 'float'>,)), [0], ['a']), (((), ()), [1], ['b'])]]
    """

    __slots__ = ("attrs", "chunks", "ends", "nodes", "signatures")

    def __init__(self, nodes: list[Hashable], ends: tuple[np.ndarray, ...], attrs: list[dict[str, Any]]) -> None:
        self.nodes, self.ends, self.attrs = nodes, ends, attrs
        self.chunks = [self._split(start, min(start + CHUNK, len(attrs))) for start in range(0, len(attrs), CHUNK)]
        self.signatures: list[Signature] = list(dict.fromkeys(part.signature for parts in self.chunks
                                                              for part in parts))

    def _split(self, start: int, stop: int) -> list[Part]:
        """The rows from ``start`` to ``stop`` as one part when their dicts have the same names and
        each name values of one type (read column by column), else one part per signature."""
        attrs = self.attrs[start:stop]
        names = tuple(attrs[0])
        if all(map(len(names).__eq__, map(len, attrs))):
            try:
                columns = _columns(names, attrs)
            except KeyError:
                columns = None
            if columns is not None:
                kinds = [set(map(type, values)) for values in columns.values()]
                if all(len(found) == 1 for found in kinds):
                    signature = (names, tuple(found.pop() for found in kinds))
                    return [Part(signature, range(start, stop), self.nodes, tuple(end[start:stop] for end in self.ends),
                                 attrs, columns)]
        places: dict[Signature, list[int]] = {}
        for place, signature in enumerate(_signatures(attrs), start):
            places.setdefault(signature, []).append(place)
        return [Part(signature, found, self.nodes, tuple(end[found] for end in self.ends), _pick(self.attrs, found))
                for signature, found in places.items()]

    def __len__(self) -> int:
        return len(self.attrs)

    def names(self) -> set[str]:
        """Every attribute name some row has."""
        return {name for names, _ in self.signatures for name in names}


class SortedTies(Rows):
    """The ties of a graph in the order every file lists them: by their ends, the smaller first.

    >>> ties = SortedTies.of(nx.Graph([("b", "a", {"weight": 2.0}), ("c", "a", {})]))
    >>> ties.sources, ties.targets, ties.attrs, ties.names()
    (['a', 'a'], ['b', 'c'], [{'weight': 2.0}, {}], {'weight'})
    """

    __slots__ = ()

    def __init__(self, sources: list[Hashable], targets: list[Hashable], attrs: list[dict[str, Any]], *,
                 nodes: list[Hashable] | None = None, ends: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        if nodes is None or ends is None:
            nodes = list(dict.fromkeys(chain(sources, targets)))
            place = {node: i for i, node in enumerate(nodes)}
            ends = (np.fromiter(map(place.__getitem__, sources), dtype=np.intp, count=len(sources)),
                    np.fromiter(map(place.__getitem__, targets), dtype=np.intp, count=len(targets)))
        super().__init__(nodes, ends, attrs)

    @classmethod
    def of(cls, graph: nx.Graph) -> SortedTies:
        """The ties of ``graph``, sorted as ``sorted((min(a, b), max(a, b), attrs) ...)`` sorts them:
        by the ranks of their ends among the sorted nodes, read from the adjacency dicts at C speed."""
        nodes = sorted(graph)
        rank = {node: i for i, node in enumerate(nodes)}
        owners, neighbours = zip(*graph.adjacency()) if len(graph) else ((), ())
        degrees = np.fromiter(map(len, neighbours), dtype=np.intp, count=len(neighbours))
        own = np.repeat(np.fromiter(map(rank.__getitem__, owners), dtype=np.intp, count=len(owners)), degrees)
        other = np.fromiter(map(rank.__getitem__, chain.from_iterable(neighbours)), dtype=np.intp,
                            count=int(degrees.sum()))
        kept = np.flatnonzero(own <= other)  # each tie once: seen from its smaller end (a loop is seen once)
        order = kept[np.lexsort((other[kept], own[kept]))]
        every = list(chain.from_iterable(map(dict.values, neighbours)))
        own, other = own[order], other[order]
        return cls([], [], _pick(every, order.tolist()), nodes=nodes, ends=(own, other))

    @property
    def sources(self) -> list[Hashable]:
        return _pick(self.nodes, self.ends[0].tolist())

    @property
    def targets(self) -> list[Hashable]:
        return _pick(self.nodes, self.ends[1].tolist())

    def edges(self) -> list[tuple[Hashable, Hashable, dict[str, Any]]]:
        return list(zip(self.sources, self.targets, self.attrs, strict=True))


def node_rows(graph: nx.Graph) -> Rows:
    """The nodes of ``graph`` sorted, with their attribute dicts."""
    nodes = sorted(graph)
    return Rows(nodes, (np.arange(len(nodes)),), [graph.nodes[node] for node in nodes])


_SORTED: dict[tuple[int, str], tuple[nx.Graph, Rows]] = {}  # while write_all runs


def sorted_ties(graph: nx.Graph) -> SortedTies:
    """The :class:`SortedTies` of ``graph``, made once while :func:`write_all` writes it."""
    known = _SORTED.get((id(graph), "ties"))
    if known is not None and known[0] is graph:
        return known[1]  # type: ignore[return-value]
    return SortedTies.of(graph)


def sorted_nodes(graph: nx.Graph) -> Rows:
    """:func:`node_rows` of ``graph``, made once while :func:`write_all` writes it."""
    known = _SORTED.get((id(graph), "nodes"))
    if known is not None and known[0] is graph:
        return known[1]
    return node_rows(graph)


def _sorted_edges(graph: nx.Graph) -> list[tuple[Hashable, Hashable, dict[str, Any]]]:
    return sorted_ties(graph).edges()


def nodes_csv(analysis: Analysis) -> bytes:
    """``Id, Label``, the node columns present and the metrics, one row per node."""
    from alliancekg.network_formats import csv_lines

    columns = _node_columns(analysis.graph)
    return csv_table(["Id", "Label", *columns, *METRICS], []) + b"".join(csv_lines(sorted_nodes(analysis.graph),
                                                                                    [*columns, *METRICS]))


def edges_csv(analysis: Analysis) -> bytes:
    graph = analysis.graph
    columns = _edge_columns(graph)
    from alliancekg.network_formats import edge_lines

    header = csv_table(["Source", "Target", "Type", "Id", "Weight", *columns], [])
    return header + b"".join(edge_lines(sorted_ties(graph), columns))


def metrics_csv(analysis: Analysis) -> bytes:
    """``id, label`` and the metrics, one row per node."""
    from alliancekg.network_formats import csv_lines
    from alliancekg.network_texts import csv_text

    nodes: list[Any] = sorted(analysis.metrics)  # type: ignore[type-var]
    rows = Rows(nodes, (np.arange(len(nodes)),), [dict(analysis.metrics[node]) for node in nodes])
    if any(metric not in names for names, _ in rows.signatures for metric in METRICS):
        raise KeyError(f"a metric row lacks one of {', '.join(METRICS)}")
    graph = analysis.graph
    return csv_table(["id", "label", *METRICS], []) + b"".join(csv_lines(
        rows, list(METRICS), lambda node: csv_text(graph.nodes[node].get("label", node))))


def dictionary_rows(analysis: Analysis) -> list[list[str]]:
    """``file, column, type, description`` for every column written; metric meanings come from
    the ontology's definitions of the metric properties."""
    from alliancekg.network_rdf import metric_definitions

    definitions = metric_definitions()
    graph = analysis.graph
    rows = [["nodes.csv", c, *NODE_COLUMNS[c]] for c in ["Id", "Label", *_node_columns(graph)]]
    metric_rows = [[m, _METRIC_TYPES.get(m, "number"), definitions[m]] for m in METRICS]
    rows += [["nodes.csv", *r] for r in metric_rows]
    rows += [["edges.csv", c, *EDGE_COLUMNS[c]]
             for c in ["Source", "Target", "Type", "Id", "Weight", *_edge_columns(graph)]]
    rows += [["metrics.csv", "id", "string", "the node, as Id in nodes.csv"],
             ["metrics.csv", "label", "string", "the node's English label"]]
    rows += [["metrics.csv", *r] for r in metric_rows]
    return rows


def summary_json(analysis: Analysis) -> bytes:
    return (json.dumps(_json_ready(dict(analysis.summary)), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _flat(value: Any) -> Any:
    """An attribute value GraphML and GEXF accept: no None, lists joined, text XML-safe."""
    if isinstance(value, (tuple, list, set)):
        return clean_text("; ".join(str(v) for v in value))
    if isinstance(value, float):
        return _round(value)
    if isinstance(value, (bool, int)):
        return value
    return clean_text(value)


def _graph_items(analysis: Analysis) -> list[tuple[str, Any]]:
    return [(k, _flat(v)) for k, v in sorted(analysis.summary.items())
            if isinstance(v, (str, int, float)) and not isinstance(v, bool) and _round(v) is not None]


def flat_graph(analysis: Analysis) -> nx.Graph:
    """A copy with every attribute flattened, as GraphML and GEXF hold it: an undefined value is
    left out, not written empty, and every node has a ``label`` (GEXF's own node label)."""
    graph = analysis.graph
    flat = nx.Graph()
    flat.graph.update(_graph_items(analysis))
    for node in sorted(graph):
        attrs = {k: _flat(v) for k, v in sorted(graph.nodes[node].items()) if v is not None and _round(v) is not None}
        attrs.setdefault("label", clean_text(node))
        flat.add_node(clean_text(node), **attrs)
    for a, b, attrs in _sorted_edges(graph):
        flat.add_edge(clean_text(a), clean_text(b), **{k: _flat(v) for k, v in sorted(attrs.items()) if v is not None})
    return flat


def write_graphml(flat: nx.Graph, file: BinaryIO) -> None:
    """GraphML of a flattened graph (see :func:`flat_graph`) by networkx's writer; ``write_all``
    streams the same bytes with :func:`alliancekg.network_formats.write_graphml_and_gexf`."""
    nx.write_graphml(flat, file, encoding="utf-8", prettyprint=True, named_key_ids=True)


def gexf(flat: nx.Graph) -> bytes:
    """GEXF 1.2 of a flattened graph by networkx's writer, without the writer's date stamp, so the
    bytes depend on the data only."""
    buffer = io.BytesIO()
    nx.write_gexf(flat, buffer, encoding="utf-8", prettyprint=True)
    return re.sub(rb'lastmodifieddate="[^"]*"', b"", buffer.getvalue(), count=1)


def node_link(analysis: Analysis) -> bytes:
    """networkx's node-link JSON of the analysis (``json.dumps`` of ``node_link_data``, sorted keys,
    one-space indent), built in memory; :func:`write_node_link` streams the same bytes."""
    graph = analysis.graph
    ordered = nx.Graph()
    ordered.graph.update(analysis.summary)
    ordered.add_nodes_from((n, graph.nodes[n]) for n in sorted(graph))
    ordered.add_edges_from(_sorted_edges(graph))
    data = nx.node_link_data(ordered, edges="edges")
    return (json.dumps(_json_ready(data), indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


#: From this many ties, GraphML, GEXF and edges.csv are written by a forked process beside the rest.
PARALLEL_EDGES = 100_000
#: The export formats :func:`write_all` can write, and their files; ``summary.json`` is always
#: written, and the pictures have switches of their own.
EXPORT_FORMATS = {
    "csv": ("nodes.csv", "edges.csv", "metrics.csv", "dictionary.csv"),
    "graphml": ("network.graphml",),
    "gexf": ("network.gexf",),
    "json": ("network.json",),
    "rdf": ("metrics.ttl",),
}
#: The files :func:`write_all` writes before the pictures, in writing order.
_FILES = ("nodes.csv", "edges.csv", "metrics.csv", "dictionary.csv", "summary.json", "network.graphml",
          "network.gexf", "network.json", "metrics.ttl")
#: The largest files, written together in one pass over the ties.
_LARGEST = ("edges.csv", "network.graphml", "network.gexf")
#: The files that read the ties in file order (:func:`sorted_ties`).
_READ_TIES = {*_LARGEST, "dictionary.csv", "network.json"}


def parse_formats(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Export formats from a comma-separated list or names (``all`` or nothing: every format), in
    the order of :data:`EXPORT_FORMATS`.

    >>> parse_formats("graphml, csv")
    ('csv', 'graphml')
    >>> parse_formats("xlsx")
    Traceback (most recent call last):
    ...
    alliancekg.errors.UsageError: unknown export format 'xlsx'; formats are csv, graphml, gexf, json, rdf (or all)
    """
    return names_from_list(text, list(EXPORT_FORMATS), "unknown export format {name!r}; formats are {known} (or all)")


def write_all(analysis: Analysis, out_dir: Path, *, picture: bool = True, html: bool = True,
              formats: Iterable[str] | None = None) -> list[Path]:
    """Write the exports of ``analysis`` in ``formats`` (:data:`EXPORT_FORMATS`, every one by
    default) and ``summary.json`` into ``out_dir``; returns the paths, in writing order. Files of
    formats not asked for are neither written nor removed.

    A graph of :data:`PARALLEL_EDGES` ties or more has its GraphML, GEXF and ``edges.csv`` written by
    a forked copy of the process (where the system can fork) while this one writes the rest: the
    same files, in about half the time on two cores. A failure in either is raised here."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = {"summary.json", *(name for fmt in parse_formats(formats) for name in EXPORT_FORMATS[fmt])}
    graph = analysis.graph
    if chosen & _READ_TIES:  # sorted once for every file, before the largest are written beside
        _SORTED[id(graph), "ties"] = (graph, SortedTies.of(graph))
    _SORTED[id(graph), "nodes"] = (graph, node_rows(graph))
    try:
        return _write_all(analysis, out_dir, chosen, picture=picture, html=html)
    finally:
        _SORTED.pop((id(graph), "ties"), None)
        _SORTED.pop((id(graph), "nodes"), None)


def _write_all(analysis: Analysis, out_dir: Path, chosen: set[str], *, picture: bool, html: bool) -> list[Path]:
    largest = [name for name in _LARGEST if name in chosen]
    helper = None
    if largest and analysis.graph.number_of_edges() >= PARALLEL_EDGES and hasattr(os, "fork"):
        sys.stdout.flush()
        sys.stderr.flush()
        helper = os.fork()
        if helper == 0:  # the forked copy: the largest files, then leave at once
            status = 1
            try:
                _write_largest(analysis, out_dir, largest)
                status = 0
            except BaseException:  # noqa: BLE001 - reported through the exit status
                traceback.print_exc()
            finally:
                os._exit(status)
    try:
        if "nodes.csv" in chosen:
            write_atomic(out_dir / "nodes.csv", nodes_csv(analysis))
        if helper is None and largest:
            _write_largest(analysis, out_dir, largest)
        if "metrics.csv" in chosen:
            write_atomic(out_dir / "metrics.csv", metrics_csv(analysis))
        if "dictionary.csv" in chosen:
            write_atomic(out_dir / "dictionary.csv", csv_table(["file", "column", "type", "description"],
                                                               dictionary_rows(analysis)))
        write_atomic(out_dir / "summary.json", summary_json(analysis))
        from alliancekg.network_formats import write_node_link
        from alliancekg.network_rdf import metrics_turtle

        if "network.json" in chosen:
            with atomic_file(out_dir / "network.json", direct=True) as file:
                write_node_link(analysis, file)
        if "metrics.ttl" in chosen:
            write_atomic(out_dir / "metrics.ttl", metrics_turtle(analysis))  # network_rdf.turtle's bytes, faster
        written = [out_dir / name for name in _FILES if name in chosen]
        if picture or html:
            written += _write_pictures(analysis, out_dir, picture=picture, html=html)
    finally:
        if helper is not None:
            _, status = os.waitpid(helper, 0)
    if helper is not None and status != 0:
        raise OSError(f"writing {', '.join(largest)} into {out_dir} failed (exit status {status})")
    return written


def _write_largest(analysis: Analysis, out_dir: Path, names: Sequence[str] = _LARGEST) -> None:
    """Those of ``edges.csv``, ``network.graphml`` and ``network.gexf`` in ``names``, in one pass
    over the ties: about half the writing time when all three are asked for."""
    from alliancekg.network_formats import write_graphml_and_gexf

    with ExitStack() as files:
        opened = {name: files.enter_context(atomic_file(out_dir / name, direct=True)) for name in names}
        write_graphml_and_gexf(analysis, opened.get("network.graphml"), opened.get("network.gexf"),
                               edges_csv=opened.get("edges.csv"))


def _write_pictures(analysis: Analysis, out_dir: Path, *, picture: bool, html: bool) -> list[Path]:
    from alliancekg import pictures
    from alliancekg.layouts import MAX_NODES, drawn_edges, drawn_nodes

    seed = analysis.options.seed
    title = _title(analysis)
    drawn = drawn_edges(analysis.graph, drawn_nodes(analysis.graph, MAX_NODES), counted=True)
    positions = pictures.layout(analysis.graph, seed=seed, drawn=drawn)  # one layout and one set of ties for both views
    written = []
    if picture:
        pictures.write_png(analysis.graph, out_dir / "network.png", seed=seed, title=title, positions=positions,
                           drawn=drawn)
        written.append(out_dir / "network.png")
    if html:
        pictures.write_html(analysis.graph, out_dir / "network.html", seed=seed, title=title, positions=positions,
                            drawn=drawn)
        written.append(out_dir / "network.html")
    return written


def _title(analysis: Analysis) -> str:
    layers = "all layers" if len(analysis.layers) == len(Layer) else ", ".join(layer.value for layer in analysis.layers)
    when = f"as of {analysis.snapshot}" if analysis.snapshot else "all periods"
    return f"{analysis.projection.value} network: {layers}, {when}"
