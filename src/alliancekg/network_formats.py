"""GraphML, GEXF, node-link JSON, the CSV tables and the metrics' Turtle of an analysis, streamed.

networkx builds each of these documents whole in memory before writing it, which at hundreds of
thousands of ties takes minutes and gigabytes. The writers here stream them a run of nodes or ties
at a time and give the same bytes as networkx's writers (``write_graphml`` with lxml,
pretty-printed, named key ids; ``write_gexf`` 1.2 without its date stamp; ``json.dumps`` of
``node_link_data`` with sorted keys and a one-space indent), ``csv.writer`` and rdflib: the tests
compare them on every projection and on odd values.

Nodes and ties are many and alike, so each run is written column by column
(see :class:`~alliancekg.network_exports.Rows`): each attribute's values become UTF-8 texts
through a table of the texts already made, or afresh at C speed where most are new (see
:class:`_Texts`), and each row's line is a template's pieces joined with its texts
(see :class:`_RowFormat`).

>>> _json_text({"b": (1, 0.1 + 0.2), "a": None}, "")
'{\\n "a": null,\\n "b": [\\n  1,\\n  0.3\\n ]\\n}'
"""

from __future__ import annotations

import io
import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import accumulate, chain, compress, islice, repeat
from operator import is_, not_
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

import networkx as nx
import numpy as np

from alliancekg.network_exports import (
    _FORMULA_START,
    Part,
    Rows,
    Signature,
    SortedTies,
    _flat,
    _graph_items,
    _round,
    clean_text,
    sorted_nodes,
    sorted_ties,
)

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


_GEXF_EDGE_OWN = ("weight", "start", "end")  # attributes of GEXF's edge element itself
_NONE = type(None)


def _graphml_value(value: Any) -> str | None:
    """A value as GraphML element text, flattened and escaped as networkx and lxml write it;
    ``None`` for a float that is not finite, which its tie then leaves out."""
    flat = _flat(value)
    return None if flat is None else _text(_shown(flat))


def _gexf_value(value: Any) -> str | None:
    """A value as a GEXF attribute value, flattened and escaped as networkx and ElementTree write it."""
    flat = _flat(value)
    return None if flat is None else _gexf_attribute(_shown(flat))


def _gexf_bool(value: bool) -> str:
    return str(value).lower()


def _json_value(value: Any) -> str:
    return _json_text(value, "   ")


def _csv_text(value: Any) -> str:
    """A cell as ``csv.writer`` (line terminator ``\\n``) writes :func:`csv_cell`'s text: quoted when
    it holds a comma, a quote or a newline."""
    from alliancekg.network_exports import csv_cell

    text = csv_cell(value)
    if "," in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _changed(texts: Sequence[str], convert: Callable[[str], Any], places: Iterable[int]) -> list[str]:
    """``texts`` with ``convert`` applied to those at ``places``."""
    texts = list(texts)
    for place in places:
        texts[place] = convert(texts[place])
    return texts


def _holding(texts: Sequence[str], characters: str) -> list[int]:
    """The places of the texts that are not printable or hold one of ``characters``: looked for
    in all the texts at once, then, if found, text by text.

    >>> _holding(["a", "b&", "c", "d\x01", "<"], "&<")
    [1, 3, 4]
    """
    joined = "".join(texts)
    if not joined.isprintable():
        return [place for place, text in enumerate(texts)
                if not text.isprintable() or any(character in text for character in characters)]
    found = [character for character in characters if character in joined]
    if not found:
        return []
    ends = list(accumulate(map(len, texts)))  # each text's end in ``joined``
    return sorted({bisect_right(ends, match.start()) for match in re.finditer(f"[{re.escape(''.join(found))}]", joined)})


_XML_TEXT_SPECIAL, _XML_ATTRIBUTE_SPECIAL, _CSV_SPECIAL = "&<>", '&<>"', ',"\n'


def _graphml_strings(texts: Sequence[str]) -> list[str]:
    """:func:`_graphml_value` of strings: most need no cleaning or escaping."""
    return _changed(texts, _graphml_value, _holding(texts, _XML_TEXT_SPECIAL))


def _gexf_strings(texts: Sequence[str]) -> list[str]:
    """:func:`_gexf_value` of strings."""
    return _changed(texts, _gexf_value, _holding(texts, _XML_ATTRIBUTE_SPECIAL))


def _csv_string(text: str) -> str:
    """:func:`_csv_text` of a string."""
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return '"' + text.replace('"', '""') + '"' if "," in text or '"' in text or "\n" in text else text


def _csv_strings(texts: Sequence[str]) -> list[str]:
    """:func:`_csv_text` of strings: those that start like a formula or need quotes changed."""
    quoted = compress(range(len(texts)), map(str.startswith, texts, repeat(_FORMULA_START)))
    return _changed(texts, _csv_string, sorted({*quoted, *_holding(texts, _CSV_SPECIAL)}))


def _json_strings(texts: Sequence[str]) -> list[str]:
    return list(map(_encode_string, texts))


def _json_string_tuples(values: Sequence[tuple[str, ...]]) -> list[Any]:
    """:func:`_json_value` of tuples of strings: every string encoded at once, then each tuple's
    strings joined (``islice`` takes each tuple's share of them in turn); tuples of one string,
    the common case, straight to UTF-8."""
    strings = list(map(_encode_string, chain.from_iterable(values)))
    if len(strings) == len(values) and all(values):
        return list(map(b"".join, zip(repeat(b"[\n    "), map(str.encode, strings), repeat(b"\n   ]"))))
    lengths = list(map(len, values))
    texts = list(map("[\n    {}\n   ]".format, map(",\n    ".join, map(islice, repeat(iter(strings)), lengths))))
    return _changed(texts, lambda _: "[]", compress(range(len(lengths)), map(not_, lengths)))


def _joined(strings: Callable[[Sequence[str]], list[str]]) -> Callable[[Sequence[tuple[str, ...]]], list[str]]:
    """For a format that writes a tuple of strings as its ``"; "``-joined text (GraphML, GEXF and
    CSV do): the texts of many such tuples."""
    return lambda values: strings(list(map("; ".join, values)))


def _rounded(values: Sequence[float], not_finite: str | None) -> list[Any]:
    """Floats to 12 significant digits, as Python writes the float they make (``not_finite`` for
    NaN and infinities), at C speed: GraphML's, GEXF's and JSON's texts of floats."""
    texts: list[Any] = list(map(float.__repr__, map(float, map("%.12g".__mod__, values))))
    return texts if all(map(math.isfinite, values)) else _changed(
        texts, lambda _: not_finite, compress(range(len(values)), map(not_, map(math.isfinite, values))))


def _csv_floats(values: Sequence[float]) -> list[str]:
    """:func:`_csv_text` of floats: 12 significant digits, NaN empty."""
    texts = list(map("%.12g".__mod__, values))
    return _changed(texts, lambda _: "", compress(range(len(values)), map(math.isnan, values)))


class Converter(NamedTuple):
    """How a format writes values: ``one`` any value; ``strings``, if given, many strings at once;
    ``string_tuples`` many tuples of strings; ``floats`` many floats."""

    one: Callable[[Any], Any]
    strings: Callable[[Sequence[str]], list[str]] | None = None
    string_tuples: Callable[[Sequence[tuple[str, ...]]], list[str]] | None = None
    floats: Callable[[Sequence[float]], list[Any]] | None = None


_GRAPHML = Converter(_graphml_value, _graphml_strings, _joined(_graphml_strings), lambda values: _rounded(values, None))
_GEXF = Converter(_gexf_value, _gexf_strings, _joined(_gexf_strings), lambda values: _rounded(values, None))
_CSV = Converter(_csv_text, _csv_strings, _joined(_csv_strings), _csv_floats)
_JSON = Converter(_json_value, _json_strings, _json_string_tuples, lambda values: _rounded(values, "null"))
_INTEGER, _GRAPHML_BOOL, _GEXF_BOOL = Converter(int.__repr__), Converter(str), Converter(_gexf_bool)
_EXACT = (str, int, bool, _NONE)  # types whose equal values have equal texts
_SMALL = 1024


def _encoded(texts: Sequence[Any]) -> list[Any]:
    """UTF-8 of each text (``None`` stays ``None``; texts a converter made in UTF-8 stay as they are)."""
    if texts and type(texts[0]) is bytes:
        return list(texts)
    if None not in texts:
        return list(map(str.encode, texts))
    return [None if text is None else text.encode() for text in texts]


class _Texts:
    """A converter's texts for the values of one attribute type, in UTF-8. Each value's text is made
    once and then looked up at C speed, for the values that equal no value of another text (not
    ``0.0``, which equals ``-0.0``; not a tuple of numbers, as ``(1,) == (1.0,)``); the texts
    missing from a run of values are made together. Where many values of a run are new (the hubs
    behind each tie, say), texts of strings and floats are made afresh for every value instead, at
    C speed."""

    __slots__ = ("converter", "direct", "kind", "made", "small")

    def __init__(self, converter: Converter, kind: type) -> None:
        self.converter, self.kind = converter, kind
        self.made: dict[Any, Any] = {}
        self.direct = False
        self.small: np.ndarray | None = None  # the texts of the integers 0 to _SMALL - 1

    def __call__(self, values: Sequence[Any], strings: bool = False) -> list[Any]:
        """The texts of ``values`` (``strings``: they are all tuples of strings)."""
        if self.direct and (strings or self.kind is not tuple):
            return self.afresh(values)
        if self.kind is int and values and 0 <= min(values) and max(values) < _SMALL:  # counts: texts by place
            if self.small is None:
                self.small = np.array(_encoded(list(map(self.converter.one, range(_SMALL)))), dtype=object)
            return self.small[np.fromiter(values, dtype=np.intp, count=len(values))].tolist()
        made = self.made
        known = len(made)
        try:
            texts = list(map(made.get, values))
        except TypeError:  # an unhashable value: every text made afresh
            return _encoded(list(map(self.converter.one, values)))
        if None in texts:
            places = list(compress(range(len(texts)), map(is_, texts, repeat(None))))
            for place, text in zip(places, self.make(list(map(values.__getitem__, places)), strings), strict=True):
                texts[place] = text
            # after the first run, a quarter of new values: making each text costs less than remembering them
            self.direct = known > 0 and len(made) - known > len(texts) // 4 >= 250 and (
                self.kind is str and self.converter.strings is not None
                or self.kind is tuple and self.converter.string_tuples is not None
                or self.kind is float and self.converter.floats is not None)
        return texts

    def afresh(self, values: Sequence[Any]) -> list[bytes]:
        """The texts of strings, tuples of strings or floats, each made."""
        if self.kind is str:
            return _encoded(self.converter.strings(values))  # type: ignore[misc]
        if self.kind is float:
            return _encoded(self.converter.floats(values))  # type: ignore[misc]
        return _encoded(self.converter.string_tuples(values))  # type: ignore[misc]

    def make(self, values: list[Any], strings: bool) -> list[Any]:
        """The texts of ``values``, remembered where that is safe."""
        kind, made, converter = self.kind, self.made, self.converter
        if kind in _EXACT or strings:  # each distinct value made once
            distinct = list(dict.fromkeys(values))
            if kind is str and converter.strings is not None:
                texts = converter.strings(distinct)
            elif strings and converter.string_tuples is not None:
                texts = converter.string_tuples(distinct)
            else:
                texts = list(map(converter.one, distinct))
            made.update(zip(distinct, _encoded(texts)))
            return list(map(made.__getitem__, values))
        if kind is float and converter.floats is not None:
            encoded = _encoded(converter.floats(values))
        else:
            encoded = _encoded(list(map(converter.one, values)))
        if kind is float:
            made.update(zip(values, encoded))  # a None text (a value left out) is made again when met
            made.pop(0.0, None)  # 0.0 or -0.0: each made when met
        return encoded


class _Pass:
    """What the formats written in one pass over ``rows`` (ties or nodes) share: the texts of the
    nodes and a :class:`_Texts` per converter and attribute type, and the texts already made for
    the parts of the run being written (GEXF takes most of GraphML's, ``edges.csv`` their integers)."""

    def __init__(self, rows: Rows) -> None:
        self.nodes = rows.nodes
        self.node_texts: dict[Callable[[Hashable], str], np.ndarray] = {}
        self.tables: dict[tuple[Any, ...], _Texts] = {}
        self.run: dict[tuple[Any, ...], Any] = {}  # cleared after each run of ties

    def texts(self, part: Part, name: str, converter: Converter) -> list[Any]:
        """The texts of the values of ``name`` in ``part``."""
        key = (converter, name, id(part))
        found = self.run.get(key)
        if found is None:
            kind = part.kinds[name]
            table = self.tables.get((converter, name, kind))
            if table is None:
                table = self.tables[converter, name, kind] = _Texts(converter, kind)
            values = part.columns[name]
            found = self.run[key] = table(values, kind is tuple and self.strings(part, name, values))
        return found

    def strings(self, part: Part, name: str, values: Sequence[Any]) -> bool:
        """Whether the values of ``name`` in ``part`` are all tuples of strings."""
        key = ("strings", name, id(part))
        found = self.run.get(key)
        if found is None:
            found = self.run[key] = set(map(type, chain.from_iterable(values))) <= {str}
        return found

    def ends(self, part: Part, convert: Callable[[Hashable], str]) -> list[list[bytes]]:
        """The texts of the nodes of ``part``: of each node, or of each tie's source and target."""
        texts = self.node_texts.get(convert)
        if texts is None:
            texts = self.node_texts[convert] = np.array(_encoded([convert(node) for node in self.nodes]), dtype=object)
        return [texts[end].tolist() for end in part.ends]

    def numbers(self, part: Part) -> list[bytes]:
        """The places of the rows of ``part`` in the list, as text."""
        key = ("numbers", id(part))
        found = self.run.get(key)
        if found is None:
            found = self.run[key] = list(map(b"%d".__mod__, part.positions))
        return found


def _pieces(template: str) -> list[bytes]:
    """The literal texts of a ``%``-template around its ``%s`` and ``%d`` fields, in UTF-8.

    >>> _pieces('a="%s" b=%d 100%%')
    [b'a="', b'" b=', b' 100%']
    """
    pieces = [""]
    for token in re.split("(%%|%[sd])", template):
        if token in ("%s", "%d"):
            pieces.append("")
        else:
            pieces[-1] += "%" if token == "%%" else token
    return [piece.encode() for piece in pieces]


def _lines(pieces: list[bytes], columns: list[list[bytes]]) -> list[bytes]:
    """One line per row: ``pieces`` with the row's texts from ``columns`` between them."""
    between: list[Iterable[bytes]] = [repeat(pieces[0])]
    for column, piece in zip(columns, pieces[1:], strict=True):
        between += [column, repeat(piece)]
    return list(map(b"".join, zip(*between)))


def _in_order(parts: list[Part], lines: list[list[bytes]]) -> list[bytes]:
    """The lines of several parts of one run of rows, in the order of the rows."""
    if len(parts) == 1:
        return lines[0]
    start = min(part.positions[0] for part in parts)
    ordered: list[bytes] = [b""] * sum(map(len, lines))
    for part, texts in zip(parts, lines, strict=True):
        for place, text in zip(part.positions, texts, strict=True):
            ordered[place - start] = text
    return ordered


class _RowFormat:
    """How one file writes ties or nodes: per signature, a template, filled for every row of a
    :class:`~alliancekg.network_exports.Part` with the texts of its nodes and values."""

    def __init__(self) -> None:
        self.templates: dict[Signature, Any] = {}

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        raise NotImplementedError

    def text(self, parts: list[Part], shared: _Pass, first: bool) -> bytes:
        """The text of one run of rows (``first``: the run that starts the list)."""
        return b"".join(_in_order(parts, [self.lines(part, shared) for part in parts]))


def _kept_names(signature: Signature) -> list[str]:
    """The names of the attributes GraphML and GEXF write (not those of value ``None``), sorted."""
    return sorted(name for name, kind in zip(*signature, strict=True) if kind is not _NONE)


def _not_finite(part: Part, names: list[str], columns: list[list[Any]]) -> list[int]:
    """The places in ``part`` of the ties with a float value that is not finite (a ``None`` text)."""
    found = [column for name, column in zip(names, columns, strict=True)
             if issubclass(part.kinds[name], float) and None in column]
    return sorted({place for column in found for place, text in enumerate(column) if text is None})


def _gaps_filled(columns: list[list[Any]], not_finite: list[int]) -> list[list[bytes]]:
    """``columns`` with an empty text for each value left out (their ties are then written again)."""
    return [[text or b"" for text in column] if not_finite and None in column else column for column in columns]


def _graphml_converter(kind: type) -> Converter:
    return _GRAPHML_BOOL if kind is bool else _INTEGER if kind is int else _GRAPHML


def _graphml_end(node: Hashable) -> str:
    return _attribute(clean_text(node))


def _gexf_end(node: Hashable) -> str:
    return _gexf_attribute(clean_text(node))


class _GraphmlTies(_RowFormat):
    def __init__(self, writers: _XmlWriters) -> None:
        super().__init__()
        self.writers = writers

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            names = _kept_names(part.signature)
            template = self.writers.graphml_element("edge", 'source="%s" target="%s"',
                                                    [(name.replace("%", "%%"), "%s") for name in names])
            found = self.templates[part.signature] = (_pieces(template), names)
        pieces, names = found
        columns = [shared.texts(part, name, _graphml_converter(part.kinds[name])) for name in names]
        not_finite = _not_finite(part, names, columns)
        lines = _lines(pieces, [*shared.ends(part, _graphml_end), *_gaps_filled(columns, not_finite)])
        for place in not_finite:  # such a value is left out of its tie only
            source, target = (part.nodes[end[place]] for end in part.ends)
            lines[place] = self.writers.slow_graphml(clean_text(source), clean_text(target), part.attrs[place]).encode()
        return lines


class _GexfTies(_RowFormat):
    def __init__(self, writers: _XmlWriters) -> None:
        super().__init__()
        self.writers = writers

    @staticmethod
    def texts(part: Part, name: str, shared: _Pass) -> list[Any]:
        """GraphML's texts where they are the same (no quote, tab or line break to escape)."""
        kind = part.kinds[name]
        if kind is not bool:
            texts = shared.texts(part, name, _graphml_converter(kind))
            if kind is int or kind is float:
                return texts
            joined = b"".join(filter(None, texts))
            if b'"' not in joined and b"\n" not in joined and b"\t" not in joined:
                return texts
        return shared.texts(part, name, _GEXF_BOOL if kind is bool else _GEXF)

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            names = _kept_names(part.signature)
            own = [key for key in _GEXF_EDGE_OWN if key in names]
            head = 'source="%s" target="%s" id="%d"' + "".join(f' {key}="%s"' for key in own)
            others = [name for name in names if name not in _GEXF_EDGE_OWN]
            template = self.writers.gexf_element("edge", head, [(name, "%s") for name in others])
            found = self.templates[part.signature] = (_pieces(template), own + others)
        pieces, names = found
        columns = [self.texts(part, name, shared) for name in names]
        not_finite = _not_finite(part, names, columns)
        lines = _lines(pieces, [*shared.ends(part, _gexf_end), shared.numbers(part), *_gaps_filled(columns, not_finite)])
        for place in not_finite:
            source, target = (part.nodes[end[place]] for end in part.ends)
            lines[place] = self.writers.slow_gexf(part.positions[place], clean_text(source), clean_text(target),
                                                  part.attrs[place]).encode()
        return lines


class _CsvTies(_RowFormat):
    """The lines of ``edges.csv`` after its header: ``Source, Target, Type, Id, Weight`` and ``columns``."""

    def __init__(self, columns: list[str]) -> None:
        super().__init__()
        self.wanted = ["weight", *columns]

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            kinds = part.kinds
            names = [name for name in self.wanted if kinds.get(name, _NONE) is not _NONE]
            # a missing weight is 1; any other missing or undefined value an empty cell
            cells = ["%s" if kinds.get(name, _NONE) is not _NONE else "1" if name == "weight" and name not in kinds
                     else "" for name in self.wanted]
            template = "%s,%s,Undirected,e%d," + ",".join(cells) + "\n"
            found = self.templates[part.signature] = (_pieces(template), names)
        pieces, names = found
        columns = [shared.texts(part, name, _INTEGER if part.kinds[name] is int else _CSV) for name in names]
        return _lines(pieces, [*shared.ends(part, _csv_text), shared.numbers(part), *columns])


def _json_end(node: Hashable) -> str:
    return _encode_string(node) if isinstance(node, str) else _json_text(node, "   ")


class _JsonTies(_RowFormat):
    """The ``edges`` items of node-link JSON: a tie's attributes and its ends under sorted keys."""

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        names = sorted(part.signature[0])
        if "source" in names or "target" in names:  # the ends take the place of such attributes
            return [("  " + _json_text({**attrs, "source": a, "target": b}, "  ")).encode()
                    for a, b, attrs in zip(part.at(0), part.at(1), part.attrs, strict=True)]
        pieces = self.templates.get(part.signature)
        if pieces is None:
            keys = sorted([*names, "source", "target"])
            pieces = self.templates[part.signature] = _pieces("  {\n" + ",\n".join(
                f"   {_encode_string(key).replace('%', '%%')}: %s" for key in keys) + "\n  }")
        columns = {name: shared.texts(part, name, _INTEGER if part.kinds[name] is int else _JSON) for name in names}
        columns["source"], columns["target"] = shared.ends(part, _json_end)
        return _lines(pieces, [columns[key] for key in sorted(columns)])

    def text(self, parts: list[Part], shared: _Pass, first: bool) -> bytes:
        return (b"" if first else b",\n") + b",\n".join(_in_order(parts, [self.lines(part, shared) for part in parts]))


class _GraphmlNodes(_RowFormat):
    """GraphML node elements; a node without a label is given its own text as one, written last."""

    def __init__(self, writers: _XmlWriters) -> None:
        super().__init__()
        self.writers = writers

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            names = _kept_names(part.signature)
            items = names if "label" in names else [*names, "label"]
            template = self.writers.graphml_element("node", 'id="%s"', [(name.replace("%", "%%"), "%s")
                                                                        for name in items])
            found = self.templates[part.signature] = (_pieces(template), names)
        pieces, names = found
        columns = [shared.texts(part, name, _graphml_converter(part.kinds[name])) for name in names]
        if "label" not in names:
            columns += shared.ends(part, _graphml_label)
        return _lines(pieces, [*shared.ends(part, _graphml_end), *columns])


def _graphml_label(node: Hashable) -> str:
    return _text(clean_text(node))


class _GexfNodes(_RowFormat):
    """GEXF node elements: the label (the node's own text when it has none) in the element."""

    def __init__(self, writers: _XmlWriters) -> None:
        super().__init__()
        self.writers = writers

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        found = self.templates.get(part.signature)
        if found is None:
            names = _kept_names(part.signature)
            others = [name for name in names if name != "label"]
            template = self.writers.gexf_element("node", 'id="%s" label="%s"', [(name, "%s") for name in others])
            found = self.templates[part.signature] = (_pieces(template), others, "label" in names)
        pieces, others, labelled = found
        labels = [shared.texts(part, "label", _GEXF)] if labelled else shared.ends(part, _gexf_end)
        columns = [_GexfTies.texts(part, name, shared) for name in others]
        return _lines(pieces, [*shared.ends(part, _gexf_end), *labels, *columns])


class _JsonNodes(_RowFormat):
    """The ``nodes`` items of node-link JSON: a node's attributes and its ``id`` under sorted keys."""

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        keys = sorted({*part.signature[0], "id"})
        pieces = self.templates.get(part.signature)
        if pieces is None:
            pieces = self.templates[part.signature] = _pieces("  {\n" + ",\n".join(
                f"   {_encode_string(key).replace('%', '%%')}: %s" for key in keys) + "\n  }")
        return _lines(pieces, [shared.ends(part, _json_end)[0] if key == "id" else
                               shared.texts(part, key, _INTEGER if part.kinds[key] is int else _JSON) for key in keys])

    def text(self, parts: list[Part], shared: _Pass, first: bool) -> bytes:
        return (b"" if first else b",\n") + b",\n".join(_in_order(parts, [self.lines(part, shared) for part in parts]))


class _CsvRows(_RowFormat):
    """The lines of a CSV table of nodes after its header: the node, its label (``label``'s text,
    or else its ``label`` attribute, or else the node itself), then ``columns`` (empty where a row
    has no such attribute)."""

    def __init__(self, columns: list[str], label: Callable[[Hashable], str] | None = None) -> None:
        super().__init__()
        self.columns, self.label = columns, label

    def lines(self, part: Part, shared: _Pass) -> list[bytes]:
        kinds = part.kinds
        found = self.templates.get(part.signature)
        if found is None:
            template = ",".join(["%s", "%s", *("%s" if name in kinds else "" for name in self.columns)]) + "\n"
            found = self.templates[part.signature] = (_pieces(template), [name for name in self.columns
                                                                          if name in kinds])
        pieces, names = found
        nodes = shared.ends(part, _csv_text)
        labels = (shared.ends(part, self.label) if self.label is not None else nodes if "label" not in kinds
                  else [shared.texts(part, "label", _INTEGER if kinds["label"] is int else _CSV)])
        return _lines(pieces, [*nodes, *labels, *(shared.texts(part, name, _INTEGER if kinds[name] is int else _CSV)
                                                  for name in names)])


def csv_lines(rows: Rows, columns: list[str], label: Callable[[Hashable], str] | None = None) -> Iterator[bytes]:
    """The lines of ``nodes.csv`` or ``metrics.csv`` after the header, in UTF-8 (see :class:`_CsvRows`).

    >>> from alliancekg.network_exports import node_rows
    >>> list(csv_lines(node_rows(nx.Graph([("a", "b")])), ["degree"]))
    [b'a,a,\\n', b'b,b,\\n']
    """
    form, shared = _CsvRows(columns, label), _Pass(rows)
    for parts in rows.chunks:
        yield from _in_order(parts, [form.lines(part, shared) for part in parts])
        shared.run.clear()


def _write_rows(rows: Rows, outputs: list[tuple[_RowFormat, BinaryIO]]) -> None:
    """Every row in each format, a run of rows at a time."""
    shared = _Pass(rows)
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
                names = _kept_names(signature)
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
            edge_keys.update(dict.fromkeys((name, _flat_type(kinds[name])) for name in _kept_names(signature)))
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
        if self.node_items is None:
            _write_rows(self.node_rows, [(_GraphmlNodes(self), graphml), (_GexfNodes(self), gexf_file)])
        for name, items in self.node_items or ():
            graphml.write(self.graphml_element("node", f'id="{_attribute(name)}"',
                                               [(k, _text(_shown(v))) for k, v in items]).encode("utf-8"))
            label = next(v for k, v in items if k == "label")
            head = f'id="{_gexf_attribute(name)}" label="{_gexf_attribute(_shown(label))}"'
            gexf_file.write(self.gexf_element("node", head, [
                (k, _gexf_attribute(str(v).lower() if isinstance(v, bool) else _shown(v)))
                for k, v in items if k != "label"]).encode("utf-8"))
        if self.nodes:
            gexf_file.write(b"    </nodes>\n")
        gexf_file.write(b"    <edges>\n" if len(self.ties) else b"    <edges />\n")
        outputs: list[tuple[_RowFormat, BinaryIO]] = [(_GraphmlTies(self), graphml), (_GexfTies(self), gexf_file)]
        if csv_file is not None and self.csv_columns is not None:
            outputs.append((_CsvTies(self.csv_columns), csv_file))
        _write_rows(self.ties, outputs)
        if len(self.ties):
            gexf_file.write(b"    </edges>\n")
        graphml.write(b"</graph></graphml>")
        gexf_file.write(b"  </graph>\n</gexf>\n")

    def slow_graphml(self, a: str, b: str, attrs: dict[str, Any]) -> str:
        """A tie with its undefined and not finite values left out."""
        items = _flat_items(attrs)
        return self.graphml_element("edge", f'source="{_attribute(a)}" target="{_attribute(b)}"',
                                    [(k, _text(_shown(v))) for k, v in items])

    def slow_gexf(self, number: int, a: str, b: str, attrs: dict[str, Any]) -> str:
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
    file.write(f',\n "graph": {_json_text(dict(analysis.summary), " ")},\n "multigraph": false,\n'.encode())
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
    form, shared = _CsvTies(columns), _Pass(ties)
    for parts in ties.chunks:
        yield from _in_order(parts, [form.lines(part, shared) for part in parts])
        shared.run.clear()


def _turtle_numbers(values: Sequence[Any], kind: type, datatypes: set[Any]) -> list[Any]:
    """The Turtle texts of a metric's values (``None`` for an undefined value, the literal itself
    for a float that is not finite), as rdflib writes them, adding the datatypes used."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    if kind is _NONE:
        return [None] * len(values)
    if issubclass(kind, int):
        datatypes.add(XSD.integer)
        return list(map(int.__repr__, values)) if kind is int else [str(Literal(v, datatype=XSD.integer)) for v in values]
    datatypes.add(XSD.double)
    lexical = list(map("%.12g".__mod__, values)) if kind is float else [format(v, ".12g") for v in values]
    numbers = list(map(float, lexical))
    if not numbers:
        return []
    # "%e" without the zeros (and point) that end its mantissa, as rdflib writes a double
    mantissas, _, exponents = zip(*map(str.partition, map("%e".__mod__, numbers), repeat("e")), strict=True)
    texts: list[Any] = list(map("e".join, zip(map(str.rstrip, map(str.rstrip, mantissas, repeat("0")), repeat(".")),
                                              exponents, strict=True)))
    if not all(map(math.isfinite, numbers)):
        texts = [text if math.isfinite(number) else Literal(text_of, datatype=XSD.double)
                 for text, number, text_of in zip(texts, numbers, lexical, strict=True)]
    return texts


def metrics_turtle(analysis: Analysis) -> bytes:
    """:func:`alliancekg.network_rdf.turtle`'s bytes (rdflib's Turtle of the analysis graph) without
    building the graph: the node records, all alike, are written from templates; names, prefixes
    and literals come from rdflib's own Turtle serializer, and the analysis itself (a handful of
    triples) from rdflib's graph."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import PROV
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
    datatypes: set[URIRef] = set()
    nodes: list[Any] = sorted(analysis.metrics)  # type: ignore[type-var]
    rows = Rows(nodes, (np.arange(len(nodes)),), [dict(analysis.metrics[node]) for node in nodes])
    metrics = [slot for _, slot in slots if slot not in ("run", "node")]
    missing = {metric for names, _ in rows.signatures for metric in metrics if metric not in names}
    if missing:
        raise KeyError(", ".join(sorted(missing)))
    found: list[Any] = [None] * len(nodes)  # each node's metric texts, and its place among them
    for parts in rows.chunks:
        for part in parts:
            values = {metric: _turtle_numbers(part.columns[metric], part.kinds[metric], datatypes) for metric in metrics}
            for place, position in enumerate(part.positions):
                found[position] = (values, place)
    records: list[tuple[str, str]] = []
    country = analysis.projection is Projection.COUNTRY
    for node, (values, place) in zip(nodes, found, strict=True):  # node by node: rdflib names them in this order
        record = ID[f"network-analysis/{analysis.name}/{_node_tail(node)}"]
        target = ID[f"country/{node}"] if country else URIRef(str(node))
        lines = []
        for verb, slot in slots:
            if slot == "run":
                text = run_text
            elif slot == "node":
                text = serializer.label(target, OBJECT)
            else:
                text = values[slot][place]
                if text is None:
                    continue
                if type(text) is not str:  # not finite: a literal rdflib writes
                    text = serializer.label(text, OBJECT)
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
