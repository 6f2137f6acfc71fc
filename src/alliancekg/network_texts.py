"""The texts of attribute values, column by column, as networkx's GraphML and GEXF writers,
``csv.writer`` and ``json.dumps`` write them, in UTF-8.

The streamed formats of :mod:`alliancekg.network_formats` write a run of nodes or ties column by
column (see :class:`~alliancekg.network_exports.Rows`). A :class:`Converter` says how one format
writes a value: escaped as lxml or ElementTree escape XML, quoted as ``csv.writer`` quotes a cell,
or as ``json.dumps`` writes it with sorted keys and a one-space indent. Each attribute's values
become texts through a table of the texts already made, or afresh at C speed where most are new
(see :class:`_Texts`, shared by the files of one pass over the rows through :class:`Pass`), and
each row's line is a template's pieces joined with its texts (see :class:`RowFormat`).

>>> json_text({"b": (1, 0.1 + 0.2), "a": None}, "")
'{\\n "a": null,\\n "b": [\\n  1,\\n  0.3\\n ]\\n}'
>>> CSV.strings(["plain", "a, b", "=1"])
['plain', '"a, b"', "'=1"]
>>> row_lines(template_pieces("%s,%s\\n"), [[b"a", b"b"], [b"1", b"2"]])
[b'a,1\\n', b'b,2\\n']
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import accumulate, chain, compress, islice, repeat
from operator import is_, not_
from typing import Any, NamedTuple

import numpy as np

from alliancekg.network_exports import _FORMULA_START, Part, Rows, Signature, _flat, _round

__all__ = [
    "CSV",
    "GEXF",
    "GEXF_BOOL",
    "GRAPHML",
    "GRAPHML_BOOL",
    "INTEGER",
    "JSON",
    "NONE",
    "Converter",
    "Pass",
    "RowFormat",
    "attribute",
    "csv_text",
    "element_text",
    "encode_string",
    "gaps_filled",
    "gexf_attribute",
    "in_order",
    "json_text",
    "kept_names",
    "not_finite_places",
    "row_lines",
    "shown",
    "template_pieces",
]

encode_string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


def element_text(value: str) -> str:
    """Escaped as lxml escapes element text."""
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return value


def attribute(value: str, tab: str = "&#9;") -> str:
    """Escaped as lxml (or, with ``tab="&#09;"``, ElementTree) escapes an attribute value."""
    if not value.isprintable() or "&" in value or "<" in value or ">" in value or '"' in value:
        value = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
                 .replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", tab))
    return value


def gexf_attribute(value: str) -> str:
    return attribute(value, "&#09;")


def shown(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def json_text(value: Any, indent: str) -> str:
    """``value`` as ``json.dumps(_json_ready(value), indent=1, sort_keys=True, ensure_ascii=False)``
    writes it at the depth of ``indent``."""
    if isinstance(value, str):
        return encode_string(value)
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
        return "[\n" + ",\n".join(inner + json_text(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + " "
        return ("{\n" + ",\n".join(f"{inner}{encode_string(str(k))}: {json_text(value[k], inner)}"
                                   for k in sorted(value)) + "\n" + indent + "}")
    from alliancekg.network_exports import _json_ready

    return json_text(_json_ready(value), indent)


NONE = type(None)


def _graphml_value(value: Any) -> str | None:
    """A value as GraphML element text, flattened and escaped as networkx and lxml write it;
    ``None`` for a float that is not finite, which its tie then leaves out."""
    flat = _flat(value)
    return None if flat is None else element_text(shown(flat))


def _gexf_value(value: Any) -> str | None:
    """A value as a GEXF attribute value, flattened and escaped as networkx and ElementTree write it."""
    flat = _flat(value)
    return None if flat is None else gexf_attribute(shown(flat))


def _gexf_bool(value: bool) -> str:
    return str(value).lower()


def _json_value(value: Any) -> str:
    return json_text(value, "   ")


def csv_text(value: Any) -> str:
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
    """:func:`csv_text` of a string."""
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return '"' + text.replace('"', '""') + '"' if "," in text or '"' in text or "\n" in text else text


def _csv_strings(texts: Sequence[str]) -> list[str]:
    """:func:`csv_text` of strings: those that start like a formula or need quotes changed."""
    quoted = compress(range(len(texts)), map(str.startswith, texts, repeat(_FORMULA_START)))
    return _changed(texts, _csv_string, sorted({*quoted, *_holding(texts, _CSV_SPECIAL)}))


def _json_strings(texts: Sequence[str]) -> list[str]:
    return list(map(encode_string, texts))


def _json_string_tuples(values: Sequence[tuple[str, ...]]) -> list[Any]:
    """:func:`_json_value` of tuples of strings: every string encoded at once, then each tuple's
    strings joined (``islice`` takes each tuple's share of them in turn); tuples of one string,
    the common case, straight to UTF-8."""
    strings = list(map(encode_string, chain.from_iterable(values)))
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
    """:func:`csv_text` of floats: 12 significant digits, NaN empty."""
    texts = list(map("%.12g".__mod__, values))
    return _changed(texts, lambda _: "", compress(range(len(values)), map(math.isnan, values)))


class Converter(NamedTuple):
    """How a format writes values: ``one`` any value; ``strings``, if given, many strings at once;
    ``string_tuples`` many tuples of strings; ``floats`` many floats."""

    one: Callable[[Any], Any]
    strings: Callable[[Sequence[str]], list[str]] | None = None
    string_tuples: Callable[[Sequence[tuple[str, ...]]], list[str]] | None = None
    floats: Callable[[Sequence[float]], list[Any]] | None = None


GRAPHML = Converter(_graphml_value, _graphml_strings, _joined(_graphml_strings), lambda values: _rounded(values, None))
GEXF = Converter(_gexf_value, _gexf_strings, _joined(_gexf_strings), lambda values: _rounded(values, None))
CSV = Converter(csv_text, _csv_strings, _joined(_csv_strings), _csv_floats)
JSON = Converter(_json_value, _json_strings, _json_string_tuples, lambda values: _rounded(values, "null"))
INTEGER, GRAPHML_BOOL, GEXF_BOOL = Converter(int.__repr__), Converter(str), Converter(_gexf_bool)
_EXACT = (str, int, bool, NONE)  # types whose equal values have equal texts
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


class Pass:
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


def template_pieces(template: str) -> list[bytes]:
    """The literal texts of a ``%``-template around its ``%s`` and ``%d`` fields, in UTF-8.

    >>> template_pieces('a="%s" b=%d 100%%')
    [b'a="', b'" b=', b' 100%']
    """
    pieces = [""]
    for token in re.split("(%%|%[sd])", template):
        if token in ("%s", "%d"):
            pieces.append("")
        else:
            pieces[-1] += "%" if token == "%%" else token
    return [piece.encode() for piece in pieces]


def row_lines(pieces: list[bytes], columns: list[list[bytes]]) -> list[bytes]:
    """One line per row: ``pieces`` with the row's texts from ``columns`` between them."""
    between: list[Iterable[bytes]] = [repeat(pieces[0])]
    for column, piece in zip(columns, pieces[1:], strict=True):
        between += [column, repeat(piece)]
    return list(map(b"".join, zip(*between)))


def in_order(parts: list[Part], lines: list[list[bytes]]) -> list[bytes]:
    """The lines of several parts of one run of rows, in the order of the rows."""
    if len(parts) == 1:
        return lines[0]
    start = min(part.positions[0] for part in parts)
    ordered: list[bytes] = [b""] * sum(map(len, lines))
    for part, texts in zip(parts, lines, strict=True):
        for place, text in zip(part.positions, texts, strict=True):
            ordered[place - start] = text
    return ordered


class RowFormat:
    """How one file writes ties or nodes: per signature, a template, filled for every row of a
    :class:`~alliancekg.network_exports.Part` with the texts of its nodes and values."""

    def __init__(self) -> None:
        self.templates: dict[Signature, Any] = {}

    def lines(self, part: Part, shared: Pass) -> list[bytes]:
        raise NotImplementedError

    def text(self, parts: list[Part], shared: Pass, first: bool) -> bytes:
        """The text of one run of rows (``first``: the run that starts the list)."""
        return b"".join(in_order(parts, [self.lines(part, shared) for part in parts]))


def kept_names(signature: Signature) -> list[str]:
    """The names of the attributes GraphML and GEXF write (not those of value ``None``), sorted."""
    return sorted(name for name, kind in zip(*signature, strict=True) if kind is not NONE)


def not_finite_places(part: Part, names: list[str], columns: list[list[Any]]) -> list[int]:
    """The places in ``part`` of the ties with a float value that is not finite (a ``None`` text)."""
    found = [column for name, column in zip(names, columns, strict=True)
             if issubclass(part.kinds[name], float) and None in column]
    return sorted({place for column in found for place, text in enumerate(column) if text is None})


def gaps_filled(columns: list[list[Any]], not_finite: list[int]) -> list[list[bytes]]:
    """``columns`` with an empty text for each value left out (their ties are then written again)."""
    return [[text or b"" for text in column] if not_finite and None in column else column for column in columns]
