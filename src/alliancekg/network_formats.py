"""GraphML, GEXF, node-link JSON and the CSV tables of an analysis, streamed.

networkx builds each of these documents whole in memory before writing it, which at hundreds of
thousands of ties takes minutes and gigabytes. The writers here stream them a run of nodes or ties
at a time and give the same bytes as networkx's writers (``write_graphml`` with lxml,
pretty-printed, named key ids; ``write_gexf`` 1.2 without its date stamp; ``json.dumps`` of
``node_link_data`` with sorted keys and a one-space indent) and ``csv.writer``: the tests compare
them on every projection and on odd values.

Each file is a :class:`~alliancekg.network_texts.RowFormat` here: per signature of a run of rows,
the template of a tie's or a node's lines, filled with the texts of its columns, which
:mod:`alliancekg.network_texts` makes once for the files written in the same pass. GraphML and
GEXF are written side by side in one pass, with ``edges.csv`` if asked
(:func:`write_graphml_and_gexf`); a float value that is not finite, which GraphML and GEXF leave
out, has its tie written on its own, or the nodes written node by node.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

import networkx as nx

from alliancekg.network_exports import (
    Part,
    Rows,
    SortedTies,
    _flat,
    _graph_items,
    clean_text,
    sorted_nodes,
    sorted_ties,
)
from alliancekg.network_texts import (
    CSV,
    GEXF,
    GEXF_BOOL,
    GRAPHML,
    GRAPHML_BOOL,
    INTEGER,
    JSON,
    NONE,
    Converter,
    Pass,
    RowFormat,
    attribute,
    csv_text,
    element_text,
    encode_string,
    gaps_filled,
    gexf_attribute,
    in_order,
    json_text,
    kept_names,
    not_finite_places,
    row_lines,
    shown,
    template_pieces,
)

if TYPE_CHECKING:
    from alliancekg.network import Analysis

__all__ = ["edge_lines", "write_graphml_and_gexf", "write_node_link"]

# Types as networkx's GraphML and GEXF writers name them.
_XML_TYPES = {int: "long", str: "string", float: "double", bool: "boolean"}


def _flat_type(kind: type) -> type:
    """The type of a value of type ``kind`` once flattened."""
    return kind if kind in (bool, int, float) else str


_GEXF_EDGE_OWN = ("weight", "start", "end")  # attributes of GEXF's edge element itself


def _graphml_converter(kind: type) -> Converter:
    return GRAPHML_BOOL if kind is bool else INTEGER if kind is int else GRAPHML


def _graphml_end(node: Hashable) -> str:
    return attribute(clean_text(node))


def _gexf_end(node: Hashable) -> str:
    return gexf_attribute(clean_text(node))


class _GraphmlTies(RowFormat):
    def __init__(self, writers: _XmlWriters) -> None:
        super().__init__()
        self.writers = writers

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            names = kept_names(part.signature)
            template = self.writers.graphml_element("edge", 'source="%s" target="%s"',
                                                    [(name.replace("%", "%%"), "%s") for name in names])
            found = self.templates[part.signature] = (template_pieces(template), names)
        pieces, names = found
        columns = [shared.texts(part, name, _graphml_converter(part.kinds[name])) for name in names]
        not_finite = not_finite_places(part, names, columns)
        lines = row_lines(pieces, [*shared.ends(part, _graphml_end), *gaps_filled(columns, not_finite)])
        for place in not_finite:  # such a value is left out of its tie only
            source, target = (part.nodes[end[place]] for end in part.ends)
            lines[place] = self.writers.slow_graphml(clean_text(source), clean_text(target), part.attrs[place]).encode()
        return lines


class _GexfTies(RowFormat):
    def __init__(self, writers: _XmlWriters) -> None:
        super().__init__()
        self.writers = writers

    @staticmethod
    def texts(part: Part, name: str, shared: Pass) -> list[Any]:
        """GraphML's texts where they are the same (no quote, tab or line break to escape)."""
        kind = part.kinds[name]
        if kind is not bool:
            texts = shared.texts(part, name, _graphml_converter(kind))
            if kind is int or kind is float:
                return texts
            joined = b"".join(filter(None, texts))
            if b'"' not in joined and b"\n" not in joined and b"\t" not in joined:
                return texts
        return shared.texts(part, name, GEXF_BOOL if kind is bool else GEXF)

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            names = kept_names(part.signature)
            own = [key for key in _GEXF_EDGE_OWN if key in names]
            head = 'source="%s" target="%s" id="%d"' + "".join(f' {key}="%s"' for key in own)
            others = [name for name in names if name not in _GEXF_EDGE_OWN]
            template = self.writers.gexf_element("edge", head, [(name, "%s") for name in others])
            found = self.templates[part.signature] = (template_pieces(template), own + others)
        pieces, names = found
        columns = [self.texts(part, name, shared) for name in names]
        not_finite = not_finite_places(part, names, columns)
        lines = row_lines(pieces, [*shared.ends(part, _gexf_end), shared.numbers(part), *gaps_filled(columns, not_finite)])
        for place in not_finite:
            source, target = (part.nodes[end[place]] for end in part.ends)
            lines[place] = self.writers.slow_gexf(part.positions[place], clean_text(source), clean_text(target),
                                                  part.attrs[place]).encode()
        return lines


class _CsvTies(RowFormat):
    """The lines of ``edges.csv`` after its header: ``Source, Target, Type, Id, Weight`` and ``columns``."""

    def __init__(self, columns: list[str]) -> None:
        super().__init__()
        self.wanted = ["weight", *columns]

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            kinds = part.kinds
            names = [name for name in self.wanted if kinds.get(name, NONE) is not NONE]
            # a missing weight is 1; any other missing or undefined value an empty cell
            cells = ["%s" if kinds.get(name, NONE) is not NONE else "1" if name == "weight" and name not in kinds
                     else "" for name in self.wanted]
            template = "%s,%s,Undirected,e%d," + ",".join(cells) + "\n"
            found = self.templates[part.signature] = (template_pieces(template), names)
        pieces, names = found
        columns = [shared.texts(part, name, INTEGER if part.kinds[name] is int else CSV) for name in names]
        return row_lines(pieces, [*shared.ends(part, csv_text), shared.numbers(part), *columns])


def _json_end(node: Hashable) -> str:
    return encode_string(node) if isinstance(node, str) else json_text(node, "   ")


class _JsonTies(RowFormat):
    """The ``edges`` items of node-link JSON: a tie's attributes and its ends under sorted keys."""

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        names = sorted(part.signature[0])
        if "source" in names or "target" in names:  # the ends take the place of such attributes
            return [("  " + json_text({**attrs, "source": a, "target": b}, "  ")).encode()
                    for a, b, attrs in zip(part.at(0), part.at(1), part.attrs, strict=True)]
        pieces = self.templates.get(part.signature)
        if pieces is None:
            keys = sorted([*names, "source", "target"])
            pieces = self.templates[part.signature] = template_pieces("  {\n" + ",\n".join(
                f"   {encode_string(key).replace('%', '%%')}: %s" for key in keys) + "\n  }")
        columns = {name: shared.texts(part, name, INTEGER if part.kinds[name] is int else JSON) for name in names}
        columns["source"], columns["target"] = shared.ends(part, _json_end)
        return row_lines(pieces, [columns[key] for key in sorted(columns)])

    def text(self, parts: list[Part], shared: Pass, first: bool) -> bytes:
        return (b"" if first else b",\n") + b",\n".join(in_order(parts, [self.lines(part, shared) for part in parts]))


class _GraphmlNodes(RowFormat):
    """GraphML node elements; a node without a label is given its own text as one, written last."""

    def __init__(self, writers: _XmlWriters) -> None:
        super().__init__()
        self.writers = writers

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            names = kept_names(part.signature)
            items = names if "label" in names else [*names, "label"]
            template = self.writers.graphml_element("node", 'id="%s"', [(name.replace("%", "%%"), "%s")
                                                                        for name in items])
            found = self.templates[part.signature] = (template_pieces(template), names)
        pieces, names = found
        columns = [shared.texts(part, name, _graphml_converter(part.kinds[name])) for name in names]
        if "label" not in names:
            columns += shared.ends(part, _graphml_label)
        return row_lines(pieces, [*shared.ends(part, _graphml_end), *columns])


def _graphml_label(node: Hashable) -> str:
    return element_text(clean_text(node))


class _GexfNodes(RowFormat):
    """GEXF node elements: the label (the node's own text when it has none) in the element."""

    def __init__(self, writers: _XmlWriters) -> None:
        super().__init__()
        self.writers = writers

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            names = kept_names(part.signature)
            others = [name for name in names if name != "label"]
            template = self.writers.gexf_element("node", 'id="%s" label="%s"', [(name, "%s") for name in others])
            found = self.templates[part.signature] = (template_pieces(template), others, "label" in names)
        pieces, others, labelled = found
        labels = [shared.texts(part, "label", GEXF)] if labelled else shared.ends(part, _gexf_end)
        columns = [_GexfTies.texts(part, name, shared) for name in others]
        return row_lines(pieces, [*shared.ends(part, _gexf_end), *labels, *columns])


class _JsonNodes(RowFormat):
    """The ``nodes`` items of node-link JSON: a node's attributes and its ``id`` under sorted keys."""

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        keys = sorted({*part.signature[0], "id"})
        pieces = self.templates.get(part.signature)
        if pieces is None:
            pieces = self.templates[part.signature] = template_pieces("  {\n" + ",\n".join(
                f"   {encode_string(key).replace('%', '%%')}: %s" for key in keys) + "\n  }")
        return row_lines(pieces, [shared.ends(part, _json_end)[0] if key == "id" else
                               shared.texts(part, key, INTEGER if part.kinds[key] is int else JSON) for key in keys])

    def text(self, parts: list[Part], shared: Pass, first: bool) -> bytes:
        return (b"" if first else b",\n") + b",\n".join(in_order(parts, [self.lines(part, shared) for part in parts]))


class _CsvRows(RowFormat):
    """The lines of a CSV table of nodes after its header: the node, its label (``label``'s text,
    or else its ``label`` attribute, or else the node itself), then ``columns`` (empty where a row
    has no such attribute)."""

    def __init__(self, columns: list[str], label: Callable[[Hashable], str] | None = None) -> None:
        super().__init__()
        self.columns, self.label = columns, label

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        kinds = part.kinds
        found = self.templates.get(part.signature)
        if found is None:
            template = ",".join(["%s", "%s", *("%s" if name in kinds else "" for name in self.columns)]) + "\n"
            found = self.templates[part.signature] = (template_pieces(template), [name for name in self.columns
                                                                          if name in kinds])
        pieces, names = found
        nodes = shared.ends(part, csv_text)
        labels = (shared.ends(part, self.label) if self.label is not None else nodes if "label" not in kinds
                  else [shared.texts(part, "label", INTEGER if kinds["label"] is int else CSV)])
        return row_lines(pieces, [*nodes, *labels, *(shared.texts(part, name, INTEGER if kinds[name] is int else CSV)
                                                  for name in names)])


def csv_lines(rows: Rows, columns: list[str], label: Callable[[Hashable], str] | None = None) -> Iterator[bytes]:
    """The lines of ``nodes.csv`` or ``metrics.csv`` after the header, in UTF-8 (see :class:`_CsvRows`).

    >>> from alliancekg.network_exports import node_rows
    >>> list(csv_lines(node_rows(nx.Graph([("a", "b")])), ["degree"]))
    [b'a,a,\\n', b'b,b,\\n']
    """
    form, shared = _CsvRows(columns, label), Pass(rows)
    for parts in rows.chunks:
        yield from in_order(parts, [form.lines(part, shared) for part in parts])
        shared.run.clear()


def _write_rows(rows: Rows, outputs: list[tuple[RowFormat, BinaryIO]]) -> None:
    """Every row in each format, a run of rows at a time."""
    shared = Pass(rows)
    for number, parts in enumerate(rows.chunks):
        for form, file in outputs:
            file.write(form.text(parts, shared, number == 0))
        shared.run.clear()


def _flat_kind(kind: type) -> type:
    """The type :func:`~alliancekg.network_exports._flat` gives a value of type ``kind``."""
    if issubclass(kind, (tuple, list, set)):
        return str
    if issubclass(kind, float):
        return float
    return kind if issubclass(kind, (bool, int)) else str


def _finite(rows: Rows) -> bool:
    """Whether every float value of ``rows`` is finite (none is left out of GraphML and GEXF)."""
    return all(all(map(math.isfinite, part.columns[name])) for parts in rows.chunks for part in parts
               for name, kind in part.kinds.items() if issubclass(kind, float))


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
        self.ties = sorted_ties(graph)
        self.graph_items = _graph_items(analysis)
        self.gexf_ids: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
        # first-seen (name, flattened type) of every attribute, as both writers declare them
        node_keys: dict[tuple[str, type], None] = {}
        self.node_rows = sorted_nodes(graph)
        self.node_items: list[tuple[str, list[tuple[str, Any]]]] | None = None
        if _finite(self.node_rows):  # the keys of each node are those of its signature
            for signature in self.node_rows.signatures:
                kinds = dict(zip(*signature, strict=True))
                names = kept_names(signature)
                node_keys.update(dict.fromkeys((name, _flat_kind(kinds[name])) for name in names))
                if "label" not in names:
                    node_keys["label", str] = None
        else:  # a value left out: node by node
            self.node_items = [_flat_node(graph, node) for node in self.nodes]
            for _, items in self.node_items:
                node_keys.update(dict.fromkeys((k, type(v)) for k, v in items))
        edge_keys: dict[tuple[str, type], None] = {}
        for signature in self.ties.signatures:  # in first-seen order
            kinds = dict(zip(*signature, strict=True))
            edge_keys.update(dict.fromkeys((name, _flat_type(kinds[name])) for name in kept_names(signature)))
        self.node_keys, self.edge_keys = list(node_keys), list(edge_keys)
        for scope, keys in (("node", self.node_keys), ("edge", self.edge_keys)):
            for name, _ in keys:
                if scope == "node" and name == "label" or scope == "edge" and name in _GEXF_EDGE_OWN:
                    continue  # the element's own attributes
                if name not in self.gexf_ids[scope]:
                    self.gexf_ids[scope][name] = str(len(self.gexf_ids["node"]) + len(self.gexf_ids["edge"]))

    def graphml_head(self) -> str:
        declared = [(name, kind, "graph") for name, kind in dict.fromkeys((k, type(v)) for k, v in self.graph_items)]
        declared += [(name, kind, "node") for name, kind in self.node_keys]
        declared += [(name, kind, "edge") for name, kind in self.edge_keys]
        keys = "".join(f'<key id="{attribute(name)}" for="{scope}" attr.name="{attribute(name)}" '
                       f'attr.type="{_XML_TYPES[kind]}"/>\n' for name, kind, scope in reversed(declared))
        data = "".join(f'<data key="{attribute(k)}">{element_text(shown(v))}</data>\n' for k, v in self.graph_items)
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
                    line = f'      <attribute id="{ids[name]}" title="{gexf_attribute(name)}" type="{_XML_TYPES[kind]}" />'
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
        body = "".join([f'  <data key="{attribute(k)}">{v}</data>\n' for k, v in items])
        return f"<{tag} {head}>\n{body}</{tag}>\n"

    def gexf_element(self, scope: str, head: str, values: list[tuple[str, str]]) -> str:
        if not values:
            return f"      <{scope} {head} />\n"
        ids = self.gexf_ids[scope]
        rows = "".join([f'          <attvalue for="{ids[k]}" value="{v}" />\n' for k, v in values])
        return f"      <{scope} {head}>\n        <attvalues>\n{rows}        </attvalues>\n      </{scope}>\n"

    def write(self, graphml: BinaryIO | None, gexf_file: BinaryIO | None, csv_file: BinaryIO | None = None) -> None:
        """Each of the three documents given (``None``: not written), in one pass over the rows."""
        graphml_out = graphml if graphml is not None else _NOWHERE
        gexf_out = gexf_file if gexf_file is not None else _NOWHERE
        graphml_out.write(self.graphml_head().encode("utf-8"))
        gexf_out.write(self.gexf_head().encode("utf-8"))
        node_outputs = [(form, file) for form, file in ((_GraphmlNodes(self), graphml), (_GexfNodes(self), gexf_file))
                        if file is not None]
        if self.node_items is None and node_outputs:
            _write_rows(self.node_rows, node_outputs)
        for name, items in self.node_items if self.node_items is not None and node_outputs else ():
            graphml_out.write(self.graphml_element("node", f'id="{attribute(name)}"',
                                                   [(k, element_text(shown(v))) for k, v in items]).encode("utf-8"))
            label = next(v for k, v in items if k == "label")
            head = f'id="{gexf_attribute(name)}" label="{gexf_attribute(shown(label))}"'
            gexf_out.write(self.gexf_element("node", head, [
                (k, gexf_attribute(str(v).lower() if isinstance(v, bool) else shown(v)))
                for k, v in items if k != "label"]).encode("utf-8"))
        if self.nodes:
            gexf_out.write(b"    </nodes>\n")
        gexf_out.write(b"    <edges>\n" if len(self.ties) else b"    <edges />\n")
        outputs: list[tuple[RowFormat, BinaryIO]] = [
            (form, file) for form, file in ((_GraphmlTies(self), graphml), (_GexfTies(self), gexf_file))
            if file is not None]
        if csv_file is not None and self.csv_columns is not None:
            outputs.append((_CsvTies(self.csv_columns), csv_file))
        if outputs:
            _write_rows(self.ties, outputs)
        if len(self.ties):
            gexf_out.write(b"    </edges>\n")
        graphml_out.write(b"</graph></graphml>")
        gexf_out.write(b"  </graph>\n</gexf>\n")

    def slow_graphml(self, a: str, b: str, attrs: dict[str, Any]) -> str:
        """A tie with its undefined and not finite values left out."""
        items = _flat_items(attrs)
        return self.graphml_element("edge", f'source="{attribute(a)}" target="{attribute(b)}"',
                                    [(k, element_text(shown(v))) for k, v in items])

    def slow_gexf(self, number: int, a: str, b: str, attrs: dict[str, Any]) -> str:
        items = _flat_items(attrs)
        own = dict(items)
        head = f'source="{gexf_attribute(a)}" target="{gexf_attribute(b)}" id="{number}"'
        head += "".join(f' {key}="{gexf_attribute(shown(own[key]))}"' for key in _GEXF_EDGE_OWN if key in own)
        return self.gexf_element("edge", head, [(k, gexf_attribute(str(v).lower() if isinstance(v, bool)
                                                                   else shown(v)))
                                                for k, v in items if k not in _GEXF_EDGE_OWN])


class _Nowhere:
    """A file that keeps nothing: where a document left out would be written."""

    @staticmethod
    def write(data: bytes) -> int:
        return len(data)


_NOWHERE: Any = _Nowhere()

#: Attributes networkx's GEXF writer turns into something else than an attribute value.
_GEXF_SPECIAL = {"node": {"id", "pid", "start", "end", "parents", "slices", "spells", "viz"},
                 "edge": {"id", "label", "type", "key", "slices", "spells", "viz"}}


def write_graphml_and_gexf(analysis: Analysis, graphml: BinaryIO | None, gexf: BinaryIO | None, *,
                           edges_csv: BinaryIO | None = None) -> None:
    """``network.graphml`` and ``network.gexf`` in one streamed pass: the bytes networkx's writers
    give for :func:`~alliancekg.network_exports.flat_graph`, without building it or either document;
    with ``edges_csv``, the same pass writes :func:`~alliancekg.network_exports.edges_csv`'s bytes
    there too. Each of the three given as ``None`` is left out. A graph whose nodes or ties carry an
    attribute GEXF treats specially (``id``, ``spells``...), which no projection makes, is written by
    networkx's writers instead."""
    from alliancekg.network_exports import _edge_columns, csv_table
    from alliancekg.network_exports import edges_csv as edges_csv_bytes

    columns = _edge_columns(analysis.graph) if edges_csv is not None else None
    writers = _XmlWriters(analysis, columns)
    if any(name in _GEXF_SPECIAL[scope] for scope, keys in (("node", writers.node_keys), ("edge", writers.edge_keys))
           for name, _ in keys):
        from alliancekg.network_exports import flat_graph, write_graphml
        from alliancekg.network_exports import gexf as gexf_bytes

        flat = flat_graph(analysis)
        if graphml is not None:
            write_graphml(flat, graphml)
        if gexf is not None:
            gexf.write(gexf_bytes(flat))
        if edges_csv is not None:
            edges_csv.write(edges_csv_bytes(analysis))
        return
    if edges_csv is not None and columns is not None:
        edges_csv.write(csv_table(["Source", "Target", "Type", "Id", "Weight", *columns], []))
    writers.write(graphml, gexf, edges_csv)


def write_node_link(analysis: Analysis, file: BinaryIO) -> None:
    """The bytes of :func:`~alliancekg.network_exports.node_link`, streamed a run of ties or nodes at a time."""
    graph = analysis.graph

    file.write(b'{\n "directed": false,\n')
    ties = sorted_ties(graph)
    if len(ties):
        file.write(b' "edges": [\n')
        _write_rows(ties, [(_JsonTies(), file)])
        file.write(b"\n ]")
    else:
        file.write(b' "edges": []')
    file.write(f',\n "graph": {json_text(dict(analysis.summary), " ")},\n "multigraph": false,\n'.encode())
    nodes = sorted_nodes(graph)
    if len(nodes):
        file.write(b' "nodes": [\n')
        _write_rows(nodes, [(_JsonNodes(), file)])
        file.write(b"\n ]")
    else:
        file.write(b' "nodes": []')
    file.write(b"\n}\n")


def edge_lines(ties: SortedTies, columns: list[str]) -> Iterator[bytes]:
    """The lines of ``edges.csv`` after its header, in UTF-8: ``Source, Target, Type, Id, Weight``
    and ``columns``, as ``csv.writer`` writes :func:`~alliancekg.network_exports.csv_cell`'s texts.

    >>> from alliancekg.network_exports import SortedTies
    >>> list(edge_lines(SortedTies(["a"], ["b"], [{"weight": 2.0, "via": ("x", "y, z")}]), ["via"]))
    [b'a,b,Undirected,e0,2,"x; y, z"\\n']
    """
    form, shared = _CsvTies(columns), Pass(ties)
    for parts in ties.chunks:
        yield from in_order(parts, [form.lines(part, shared) for part in parts])
        shared.run.clear()
