"""GraphML, GEXF and node-link JSON of an analysis, streamed.

networkx builds each of these documents whole in memory before writing it, which at hundreds of
thousands of ties takes minutes and gigabytes. The writers here stream them one node or tie at a
time and give the same bytes as networkx's writers (``write_graphml`` with lxml, pretty-printed,
named key ids; ``write_gexf`` 1.2 without its date stamp; ``json.dumps`` of ``node_link_data``
with sorted keys and a one-space indent): the tests compare both on every projection.

Ties are many and alike, so every set of attribute names and value types is compiled once into
a template with a converter per value, each remembering the texts it already made.

>>> _json_text({"b": (1, 0.1 + 0.2), "a": None}, "")
'{\\n "a": null,\\n "b": [\\n  1,\\n  0.3\\n ]\\n}'
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import replace
from operator import itemgetter
from typing import TYPE_CHECKING, Any, BinaryIO

import networkx as nx

from alliancekg.network_exports import _flat, _graph_items, _round, _sorted_edges, clean_text

if TYPE_CHECKING:
    from alliancekg.network import Analysis

__all__ = ["edge_lines", "metrics_turtle", "write_graphml_and_gexf", "write_node_link"]

# Types as networkx's GraphML and GEXF writers name them.
_XML_TYPES = {int: "long", str: "string", float: "double", bool: "boolean"}
_encode_string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _text(value: str) -> str:
    """Escaped as lxml escapes element text."""
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return value


def _attribute(value: str, tab: str = "&#9;") -> str:
    """Escaped as lxml (or, with ``tab="&#09;"``, ElementTree) escapes an attribute value."""
    if not value.isprintable() or "&" in value or "<" in value or ">" in value or '"' in value:
        value = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
                 .replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", tab))
    return value


def _gexf_attribute(value: str) -> str:
    return _attribute(value, "&#09;")


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _flat_type(kind: type) -> type:
    """The type of a value of type ``kind`` once flattened."""
    return kind if kind in (bool, int, float) else str


class _Column:
    """Turns the values of one attribute of one type into text and remembers the texts it made,
    for the values that equal no value of another text (not ``0.0``, which equals ``-0.0``; not
    a tuple of numbers, as ``(1,) == (1.0,)``)."""

    __slots__ = ("convert", "kind")

    def __init__(self, convert: Callable[[Any], Any], kind: type) -> None:
        self.convert, self.kind = convert, kind

    def keeps(self, value: Any) -> bool:
        kind = self.kind
        if kind is str or kind is int or kind is bool:
            return True
        if kind is float:
            return value != 0.0
        return kind is tuple and all(type(v) is str for v in value)


def _xml_texts(compiled: _Compiled, values: tuple[Any, ...]) -> tuple[list[str], list[str]]:
    """The GraphML and GEXF texts of one tie's ``values``: mostly the same text (no quote, tab or
    line break to escape in an attribute), remembered once; otherwise made for each."""
    made = compiled.xml_made
    try:
        texts = list(map(dict.get, made, values))
    except TypeError:  # an unhashable value
        texts = [None] * len(values)
    if None not in texts:
        return texts, texts  # type: ignore[return-value]
    graphml: list[Any] = list(texts)
    gexf: list[Any] = list(texts)
    for i, text in enumerate(texts):
        if text is None:
            value = values[i]
            column = compiled.xml[i]
            graphml[i], gexf[i] = column.convert(value)
            if graphml[i] == gexf[i] and column.keeps(value):
                made[i][value] = graphml[i]
    return graphml, gexf  # type: ignore[return-value]


def _texts(columns: list[_Column], made: list[dict[Any, Any]], values: tuple[Any, ...]) -> list[Any]:
    """The texts of ``values``, one per column: remembered ones looked up at C speed, the others made."""
    try:
        texts = list(map(dict.get, made, values))
    except TypeError:  # an unhashable value
        texts = [None] * len(values)
    if None in texts:
        for i, text in enumerate(texts):
            if text is None:
                value = values[i]
                text = texts[i] = columns[i].convert(value)
                if columns[i].keeps(value):
                    made[i][value] = text
    return texts  # type: ignore[return-value]


class _NotFinite(Exception):
    """A float attribute is NaN or infinite: the element is written the slow way, without it."""


def _xml_column(kind: type) -> _Column:
    """Flattened, then shown and escaped as the GraphML (text) and the GEXF (attribute) writer do."""
    if kind is bool:
        return _Column(lambda v: (str(v), str(v).lower()), kind)
    if kind is int:
        return _Column(lambda v: (int.__repr__(v),) * 2, kind)

    def convert(value: Any) -> tuple[str, str]:
        flat = _flat(value)
        if flat is None:
            raise _NotFinite
        shown = _shown(flat)
        return _text(shown), _gexf_attribute(shown)
    return _Column(convert, kind)


def _json_text(value: Any, indent: str) -> str:
    """``value`` as ``json.dumps(_json_ready(value), indent=1, sort_keys=True, ensure_ascii=False)``
    writes it at the depth of ``indent``."""
    if isinstance(value, str):
        return _encode_string(value)
    if value is None or value is True or value is False:
        return "null" if value is None else "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        rounded = _round(value)
        return "null" if rounded is None else float.__repr__(rounded)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = indent + " "
        return "[\n" + ",\n".join(inner + _json_text(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + " "
        return ("{\n" + ",\n".join(f"{inner}{_encode_string(str(k))}: {_json_text(value[k], inner)}"
                                   for k in sorted(value)) + "\n" + indent + "}")
    from alliancekg.network_exports import _json_ready

    return _json_text(_json_ready(value), indent)


Signature = tuple[tuple[str, ...], tuple[type, ...]]
_GEXF_EDGE_OWN = ("weight", "start", "end")  # attributes of GEXF's edge element itself


def _signature(attrs: dict[str, Any]) -> Signature:
    return tuple(attrs), tuple(map(type, attrs.values()))


def _getter(names: list[Any]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda values: ()
    if len(names) == 1:
        return lambda values: (values[names[0]],)
    return itemgetter(*names)  # type: ignore[return-value]


class _Compiled:
    """For the ties whose attribute dicts have one signature: the flattened names in order, a
    getter of their values, a column per value and format, and each format's template."""

    def __init__(self, signature: Signature, writers: _XmlWriters | None) -> None:
        self.signature = signature
        names, kinds = signature
        kept = sorted((name, kind) for name, kind in zip(names, kinds, strict=True) if kind is not type(None))
        self.names = [name for name, _ in kept]
        self.flat_types = [(name, _flat_type(kind)) for name, kind in kept]
        self.get = _getter(self.names)
        self.xml = [_xml_column(kind) for _, kind in kept]
        self.xml_made: list[dict[Any, str]] = [{} for _ in kept]  # values whose two texts are the same
        order = {key: i for i, key in enumerate(_GEXF_EDGE_OWN)}
        own = sorted((order[name], i) for i, name in enumerate(self.names) if name in order)
        self.gexf_order = _getter([i for _, i in own] + [i for i, name in enumerate(self.names) if name not in order])
        kind_of = dict(zip(names, kinds, strict=True))
        self.json_names = sorted(names)
        self.json_get = _getter(self.json_names)
        self.json = [_Column(lambda v: _json_text(v, "   "), kind_of[name]) for name in self.json_names]
        self.json_made: list[dict[Any, str]] = [{} for _ in self.json_names]
        everything = sorted([*self.json_names, "source", "target"])
        self.json_template = "  {\n" + ",\n".join(f"   {_encode_string(name).replace('%', '%%')}: %s"
                                                    for name in everything) + "\n  }"
        self.json_ends = (everything.index("source"), everything.index("target"))
        self.graphml_template = self.gexf_template = ""
        if writers is not None:
            self.templates(writers)

    def templates(self, writers: _XmlWriters) -> None:
        """Make the GraphML, GEXF and ``edges.csv`` templates (once the GEXF attribute ids are known)."""
        if writers.csv_columns is not None:
            kind_of = dict(zip(*self.signature, strict=True))
            slots: list[int | str] = []  # per column: the value's place in ``values``, or the text of a missing value
            for column in ["weight", *writers.csv_columns]:
                if column in self.names:
                    slots.append(self.names.index(column))
                else:  # no such attribute: weight 1, else empty; an undefined value: empty
                    slots.append("1" if column == "weight" and column not in kind_of else "")
            placed = [slot for slot in slots if isinstance(slot, int)]
            self.csv_get = _getter(placed)
            self.csv = [_Column(_csv_text, self.xml[i].kind) for i in placed]
            self.csv_made: list[dict[Any, str]] = [{} for _ in placed]
            self.csv_template = "%s,%s,Undirected,e%d," + ",".join(
                "%s" if isinstance(slot, int) else slot.replace("%", "%%") for slot in slots) + "\n"
        self.graphml_template = writers.graphml_element("edge", 'source="%s" target="%s"',
                                                        [(name.replace("%", "%%"), "%s") for name in self.names])
        head = 'source="%s" target="%s" id="%d"' + "".join(f' {key}="%s"' for key in _GEXF_EDGE_OWN
                                                            if key in self.names)
        self.gexf_template = writers.gexf_element("edge", head, [(name, "%s") for name in self.names
                                                                 if name not in _GEXF_EDGE_OWN])


class _Compiler:
    def __init__(self, writers: _XmlWriters | None = None) -> None:
        self.writers = writers
        self.compiled: dict[Signature, _Compiled] = {}

    def __call__(self, attrs: dict[str, Any]) -> _Compiled:
        signature = (tuple(attrs), tuple(map(type, attrs.values())))
        found = self.compiled.get(signature)
        if found is None:
            found = self.compiled[signature] = _Compiled(signature, self.writers)
        return found


def _flat_items(attrs: dict[str, Any]) -> list[tuple[str, Any]]:
    """Attributes flattened in name order; an undefined value is left out."""
    items = []
    for key in sorted(attrs):
        value = attrs[key]
        if value is not None:
            value = _flat(value)
            if value is not None:
                items.append((key, value))
    return items


def _flat_node(graph: nx.Graph, node: Hashable) -> tuple[str, list[tuple[str, Any]]]:
    items = _flat_items(graph.nodes[node])
    if not any(key == "label" for key, _ in items):  # every node has a label, GEXF's own
        items.append(("label", clean_text(node)))
    return clean_text(node), items


class _XmlWriters:
    """GraphML and GEXF written side by side, nodes then ties; and, with ``csv_columns``, the lines
    of ``edges.csv`` with those columns after its five first."""

    def __init__(self, analysis: Analysis, csv_columns: list[str] | None = None) -> None:
        self.analysis = analysis
        self.csv_columns = csv_columns
        graph = analysis.graph
        self.nodes = sorted(graph)
        self.edges = _sorted_edges(graph)
        self.graph_items = _graph_items(analysis)
        self.gexf_ids: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
        self.compile = _Compiler(None)
        # first-seen (name, flattened type) of every attribute, as both writers declare them
        node_keys: dict[tuple[str, type], None] = {}
        self.node_items = [_flat_node(graph, node) for node in self.nodes]
        for _, items in self.node_items:
            node_keys.update(dict.fromkeys((k, type(v)) for k, v in items))
        edge_keys: dict[tuple[str, type], None] = {}
        self.edge_compiled = [self.compile(attrs) for _, _, attrs in self.edges]  # in first-seen order:
        for compiled in self.compile.compiled.values():
            edge_keys.update(dict.fromkeys(compiled.flat_types))
        self.node_keys, self.edge_keys = list(node_keys), list(edge_keys)
        for scope, keys in (("node", self.node_keys), ("edge", self.edge_keys)):
            for name, _ in keys:
                if scope == "node" and name == "label" or scope == "edge" and name in _GEXF_EDGE_OWN:
                    continue  # the element's own attributes
                if name not in self.gexf_ids[scope]:
                    self.gexf_ids[scope][name] = str(len(self.gexf_ids["node"]) + len(self.gexf_ids["edge"]))
        for compiled in self.compile.compiled.values():  # templates need the GEXF ids
            compiled.templates(self)

    def graphml_head(self) -> str:
        declared = [(name, kind, "graph") for name, kind in dict.fromkeys((k, type(v)) for k, v in self.graph_items)]
        declared += [(name, kind, "node") for name, kind in self.node_keys]
        declared += [(name, kind, "edge") for name, kind in self.edge_keys]
        keys = "".join(f'<key id="{_attribute(name)}" for="{scope}" attr.name="{_attribute(name)}" '
                       f'attr.type="{_XML_TYPES[kind]}"/>\n' for name, kind, scope in reversed(declared))
        data = "".join(f'<data key="{_attribute(k)}">{_text(_shown(v))}</data>\n' for k, v in self.graph_items)
        return ("<?xml version='1.0' encoding='utf-8'?>\n"
                '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
                f'{keys}<graph edgedefault="undirected">{data}')

    def gexf_head(self) -> str:
        blocks = {}
        for scope, keys in (("node", self.node_keys), ("edge", self.edge_keys)):
            ids, lines = self.gexf_ids[scope], list[tuple[str, str]]()
            for name, kind in keys:  # first-seen order is the order of the ids; the first type counts
                if name in ids and ids[name] not in {line[0] for line in lines}:
                    line = f'      <attribute id="{ids[name]}" title="{_gexf_attribute(name)}" type="{_XML_TYPES[kind]}" />'
                    lines.append((ids[name], line + "\n"))
            blocks[scope] = (f'    <attributes mode="static" class="{scope}">\n{"".join(line for _, line in lines)}'
                             '    </attributes>\n' if lines else "")
        dynamic = any(name in ("start", "end") for name, _ in self.edge_keys)
        mode = ' mode="dynamic" name="" timeformat="date"' if dynamic else ' mode="static" name=""'
        return ("<?xml version='1.0' encoding='utf-8'?>\n"
                '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" '
                f'version="1.2">\n  <meta >\n    <creator>NetworkX {nx.__version__}</creator>\n  </meta>\n'
                f'  <graph defaultedgetype="undirected"{mode}>\n{blocks["edge"]}{blocks["node"]}'
                + ("    <nodes>\n" if self.nodes else "    <nodes />\n"))

    @staticmethod
    def graphml_element(tag: str, head: str, items: list[tuple[str, str]]) -> str:
        if not items:
            return f"<{tag} {head}/>\n"
        body = "".join([f'  <data key="{_attribute(k)}">{v}</data>\n' for k, v in items])
        return f"<{tag} {head}>\n{body}</{tag}>\n"

    def gexf_element(self, scope: str, head: str, values: list[tuple[str, str]]) -> str:
        if not values:
            return f"      <{scope} {head} />\n"
        ids = self.gexf_ids[scope]
        rows = "".join([f'          <attvalue for="{ids[k]}" value="{v}" />\n' for k, v in values])
        return f"      <{scope} {head}>\n        <attvalues>\n{rows}        </attvalues>\n      </{scope}>\n"

    def write(self, graphml: BinaryIO, gexf_file: BinaryIO, csv_file: BinaryIO | None = None) -> None:
        graphml.write(self.graphml_head().encode("utf-8"))
        gexf_file.write(self.gexf_head().encode("utf-8"))
        for name, items in self.node_items:
            graphml.write(self.graphml_element("node", f'id="{_attribute(name)}"',
                                               [(k, _text(_shown(v))) for k, v in items]).encode("utf-8"))
            label = next(v for k, v in items if k == "label")
            head = f'id="{_gexf_attribute(name)}" label="{_gexf_attribute(_shown(label))}"'
            gexf_file.write(self.gexf_element("node", head, [
                (k, _gexf_attribute(str(v).lower() if isinstance(v, bool) else _shown(v)))
                for k, v in items if k != "label"]).encode("utf-8"))
        if self.nodes:
            gexf_file.write(b"    </nodes>\n")
        gexf_file.write(b"    <edges>\n" if self.edges else b"    <edges />\n")
        graphml_parts: list[str] = []
        gexf_parts: list[str] = []
        csv_parts: list[str] = []
        ends: dict[Hashable, tuple[str, str, str, str]] = {}  # a node: its cleaned text, both escapes, its cell
        for number, ((a, b, attrs), compiled) in enumerate(zip(self.edges, self.edge_compiled, strict=True)):
            for node in (a, b):
                if node not in ends:
                    text = clean_text(node)
                    ends[node] = (text, _attribute(text), _gexf_attribute(text), _csv_text(node))
            values = compiled.get(attrs)
            if csv_file is not None:
                csv_parts.append(compiled.csv_template % (ends[a][3], ends[b][3], number, *_texts(
                    compiled.csv, compiled.csv_made, compiled.csv_get(values))))
            try:
                graphml_texts, gexf_texts = _xml_texts(compiled, values)
            except _NotFinite:  # a NaN or infinite value is left out of this tie only
                graphml_parts.append(self._slow_graphml(ends[a][0], ends[b][0], attrs))
                gexf_parts.append(self._slow_gexf(number, ends[a][0], ends[b][0], attrs))
            else:
                graphml_parts.append(compiled.graphml_template % (ends[a][1], ends[b][1], *graphml_texts))
                gexf_parts.append(compiled.gexf_template % (ends[a][2], ends[b][2], number,
                                                            *compiled.gexf_order(gexf_texts)))
            if len(graphml_parts) >= 2000:
                graphml.write("".join(graphml_parts).encode("utf-8"))
                gexf_file.write("".join(gexf_parts).encode("utf-8"))
                graphml_parts.clear()
                gexf_parts.clear()
                if csv_file is not None:
                    csv_file.write("".join(csv_parts).encode("utf-8"))
                    csv_parts.clear()
        graphml.write("".join(graphml_parts).encode("utf-8"))
        gexf_file.write("".join(gexf_parts).encode("utf-8"))
        if csv_file is not None:
            csv_file.write("".join(csv_parts).encode("utf-8"))
        if self.edges:
            gexf_file.write(b"    </edges>\n")
        graphml.write(b"</graph></graphml>")
        gexf_file.write(b"  </graph>\n</gexf>\n")

    def _slow_graphml(self, a: str, b: str, attrs: dict[str, Any]) -> str:
        items = _flat_items(attrs)
        return self.graphml_element("edge", f'source="{_attribute(a)}" target="{_attribute(b)}"',
                                    [(k, _text(_shown(v))) for k, v in items])

    def _slow_gexf(self, number: int, a: str, b: str, attrs: dict[str, Any]) -> str:
        items = _flat_items(attrs)
        own = dict(items)
        head = f'source="{_gexf_attribute(a)}" target="{_gexf_attribute(b)}" id="{number}"'
        head += "".join(f' {key}="{_gexf_attribute(_shown(own[key]))}"' for key in _GEXF_EDGE_OWN if key in own)
        return self.gexf_element("edge", head, [(k, _gexf_attribute(str(v).lower() if isinstance(v, bool)
                                                                   else _shown(v)))
                                                for k, v in items if k not in _GEXF_EDGE_OWN])


#: Attributes networkx's GEXF writer turns into something else than an attribute value.
_GEXF_SPECIAL = {"node": {"id", "pid", "start", "end", "parents", "slices", "spells", "viz"},
                 "edge": {"id", "label", "type", "key", "slices", "spells", "viz"}}


def write_graphml_and_gexf(analysis: Analysis, graphml: BinaryIO, gexf: BinaryIO, *,
                           edges_csv: BinaryIO | None = None) -> None:
    """``network.graphml`` and ``network.gexf`` in one streamed pass: the bytes networkx's writers
    give for :func:`~alliancekg.network_exports.flat_graph`, without building it or either document;
    with ``edges_csv``, the same pass writes :func:`~alliancekg.network_exports.edges_csv`'s bytes
    there too. A graph whose nodes or ties carry an attribute GEXF treats specially (``id``,
    ``spells``...), which no projection makes, is written by networkx's writers instead."""
    from alliancekg.network_exports import _edge_columns, csv_table
    from alliancekg.network_exports import edges_csv as edges_csv_bytes

    columns = _edge_columns(analysis.graph) if edges_csv is not None else None
    writers = _XmlWriters(analysis, columns)
    if any(name in _GEXF_SPECIAL[scope] for scope, keys in (("node", writers.node_keys), ("edge", writers.edge_keys))
           for name, _ in keys):
        from alliancekg.network_exports import flat_graph, write_graphml
        from alliancekg.network_exports import gexf as gexf_bytes

        flat = flat_graph(analysis)
        write_graphml(flat, graphml)
        gexf.write(gexf_bytes(flat))
        if edges_csv is not None:
            edges_csv.write(edges_csv_bytes(analysis))
        return
    if edges_csv is not None and columns is not None:
        edges_csv.write(csv_table(["Source", "Target", "Type", "Id", "Weight", *columns], []))
    writers.write(graphml, gexf, edges_csv)


def write_node_link(analysis: Analysis, file: BinaryIO) -> None:
    """The bytes of :func:`~alliancekg.network_exports.node_link`, streamed one node or tie at a time."""
    graph = analysis.graph
    compile_edge = _Compiler()

    def edge_text(a: Hashable, b: Hashable, attrs: dict[str, Any]) -> str:
        if "source" in attrs or "target" in attrs:
            return "  " + _json_text({**attrs, "source": a, "target": b}, "  ")
        compiled = compile_edge(attrs)
        texts = _texts(compiled.json, compiled.json_made, compiled.json_get(attrs))
        first, second = compiled.json_ends
        texts.insert(first, _encode_string(a) if isinstance(a, str) else _json_text(a, "   "))
        texts.insert(second, _encode_string(b) if isinstance(b, str) else _json_text(b, "   "))
        return compiled.json_template % tuple(texts)

    def items(key: str, texts: Iterable[str]) -> None:
        parts: list[str] = []
        written = False
        for text in texts:
            parts.append(text)
            if len(parts) >= 2000:
                file.write(((",\n" if written else f' "{key}": [\n') + ",\n".join(parts)).encode("utf-8"))
                written = True
                parts.clear()
        if parts:
            file.write(((",\n" if written else f' "{key}": [\n') + ",\n".join(parts)).encode("utf-8"))
            written = True
        file.write(b"\n ]" if written else f' "{key}": []'.encode())

    file.write(b'{\n "directed": false,\n')
    items("edges", (edge_text(a, b, attrs) for a, b, attrs in _sorted_edges(graph)))
    file.write(f',\n "graph": {_json_text(dict(analysis.summary), " ")},\n "multigraph": false,\n'.encode())
    items("nodes", ("  " + _json_text({**graph.nodes[node], "id": node}, "  ") for node in sorted(graph)))
    file.write(b"\n}\n")


def _csv_text(value: Any) -> str:
    """A cell as ``csv.writer`` (line terminator ``\\n``) writes :func:`csv_cell`'s text: quoted when
    it holds a comma, a quote or a newline."""
    from alliancekg.network_exports import csv_cell

    text = csv_cell(value)
    if "," in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def edge_lines(edges: list[tuple[Hashable, Hashable, dict[str, Any]]], columns: list[str]) -> Iterator[str]:
    """The lines of ``edges.csv`` after its header: ``Source, Target, Type, Id, Weight`` and
    ``columns``, as ``csv.writer`` writes :func:`~alliancekg.network_exports.csv_cell`'s texts.

    >>> list(edge_lines([("a", "b", {"weight": 2.0, "via": ("x", "y, z")})], ["via"]))
    ['a,b,Undirected,e0,2,"x; y, z"\\n']
    """
    compiled: dict[Signature, tuple[Callable[[Any], tuple[Any, ...]], list[_Column], list[dict[Any, str]],
                                    list[int]]] = {}
    ends: dict[Hashable, str] = {}
    wanted = ["weight", *columns]
    for number, (a, b, attrs) in enumerate(edges):
        signature = (tuple(attrs), tuple(map(type, attrs.values())))
        found = compiled.get(signature)
        if found is None:
            kind_of = dict(zip(*signature, strict=True))
            present = [c for c in wanted if c in kind_of]
            found = compiled[signature] = (_getter(present), [_Column(_csv_text, kind_of[c]) for c in present],
                                           [{} for _ in present], [i for i, c in enumerate(wanted) if c not in kind_of])
        get, cells, made, missing = found
        texts = _texts(cells, made, get(attrs))
        for i in missing:  # absent: an empty cell, or a weight of 1
            texts.insert(i, "1" if i == 0 else "")
        for node in (a, b):
            if node not in ends:
                ends[node] = _csv_text(node)
        yield f"{ends[a]},{ends[b]},Undirected,e{number},{','.join(texts)}\n"


def metrics_turtle(analysis: Analysis) -> bytes:
    """:func:`alliancekg.network_rdf.turtle`'s bytes (rdflib's Turtle of the analysis graph) without
    building the graph: the node records, all alike, are written from templates; names, prefixes
    and literals come from rdflib's own Turtle serializer, and the analysis itself (a handful of
    triples) from rdflib's graph."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import PROV, XSD
    from rdflib.plugins.serializers.turtle import OBJECT, SUBJECT, VERB, TurtleSerializer

    from alliancekg.namespaces import AKG, ID, bind_prefixes
    from alliancekg.network_rdf import _node_tail, analysis_graph, metric_properties
    from alliancekg.projection import Projection

    serializer = TurtleSerializer(bind_prefixes(Graph()))
    serializer.reset()
    properties = metric_properties()
    run = ID[f"network-analysis/{analysis.name}"]
    run_text = serializer.label(run, OBJECT)
    kind = serializer.label(AKG.NodeMetrics, OBJECT)
    order = sorted([PROV.wasGeneratedBy, AKG.node, *properties.values()], key=str)
    metric_of = {prop: metric for metric, prop in properties.items()}
    # each line of a record: its verb and what fills it (the run, the node, or a metric's name)
    slots = [(serializer.label(prop, VERB), "run" if prop == PROV.wasGeneratedBy else "node" if prop == AKG.node
              else metric_of[prop]) for prop in order]
    trailing_zeros = re.compile("\\.?0*e")
    datatypes: set[URIRef] = set()
    records: list[tuple[str, str]] = []
    country = analysis.projection is Projection.COUNTRY
    for node, row in sorted(analysis.metrics.items()):
        record = ID[f"network-analysis/{analysis.name}/{_node_tail(node)}"]
        target = ID[f"country/{node}"] if country else URIRef(str(node))
        lines = []
        for verb, slot in slots:
            if slot == "run":
                text = run_text
            elif slot == "node":
                text = serializer.label(target, OBJECT)
            else:
                value = row[slot]
                if value is None:
                    continue
                if isinstance(value, int):
                    datatypes.add(XSD.integer)
                    text = int.__repr__(value) if type(value) is int else str(Literal(value, datatype=XSD.integer))
                else:
                    datatypes.add(XSD.double)
                    lexical = format(value, ".12g")
                    number = float(lexical)
                    text = (trailing_zeros.sub("e", f"{number:e}") if math.isfinite(number) else
                            serializer.label(Literal(lexical, datatype=XSD.double), OBJECT))
            lines.append(f"{verb} {text}")
        records.append((str(record), f"\n{serializer.label(record, SUBJECT)} a {kind} ;\n    "
                        + " ;\n    ".join(lines) + " .\n"))
    for datatype in sorted(datatypes):  # as rdflib's preprocessing names them
        serializer.get_pname(datatype, False)
    # the analysis itself (after the records, which all refer to it) by rdflib, without the records
    alone = TurtleSerializer(analysis_graph(replace(analysis, metrics={})))
    buffer = io.BytesIO()
    alone.serialize(buffer, encoding="utf-8")
    text = buffer.getvalue().decode("utf-8")
    head = "".join(f"@prefix {prefix}: <{uri}> .\n" for prefix, uri in sorted(alone.namespaces.items()))
    if not text.startswith(head):
        raise AssertionError("unexpected Turtle from rdflib")  # pragma: no cover
    namespaces = {**alone.namespaces, **serializer.namespaces}
    prefixes = "".join(f"@prefix {prefix}: <{uri}> .\n" for prefix, uri in sorted(namespaces.items()))
    return (prefixes + "".join(text for _, text in sorted(records)) + text[len(head):]).encode("utf-8")
