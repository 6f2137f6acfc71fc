"""Query results: typed rows with named columns, and the standard formats to write them in.

>>> result = QueryResult.from_bytes(b'{"head":{"vars":["n","d"]},"results":{"bindings":[{"n":'
...     b'{"type":"literal","value":"9","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}',
...     kind="select")
>>> result.columns, result.rows[0].n, result.rows[0].d
(('n', 'd'), 9, None)
>>> result.serialize("csv")
b'n,d\\r\\n9,\\r\\n'
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import namedtuple
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyoxigraph as ox

from alliancekg.engines import boolean_json, solutions_json
from alliancekg.errors import QueryError
from alliancekg.namespaces import PREFIXES

__all__ = ["Format", "QueryResult", "python_value"]

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                               "positiveInteger", "negativeInteger", "nonPositiveInteger",
                               "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


class Format(str, enum.Enum):
    """Output formats: results formats for SELECT/ASK, RDF formats for CONSTRUCT/DESCRIBE."""

    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    XML = "xml"
    TURTLE = "turtle"
    NTRIPLES = "ntriples"
    JSONLD = "jsonld"


_RESULTS_FORMATS = {Format.CSV: ox.QueryResultsFormat.CSV, Format.TSV: ox.QueryResultsFormat.TSV,
                    Format.JSON: ox.QueryResultsFormat.JSON, Format.XML: ox.QueryResultsFormat.XML}
_RDF_FORMATS = {Format.TURTLE: ox.RdfFormat.TURTLE, Format.NTRIPLES: ox.RdfFormat.N_TRIPLES,
                Format.JSONLD: ox.RdfFormat.JSON_LD}


def python_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Any:
    """A result term as a Python value: IRIs as ``str``, numbers, booleans and dates typed,
    other literals (including partial dates such as ``2022-01``) as their text.

    >>> python_value(ox.Literal("2012-11-06", datatype=ox.NamedNode(XSD + "date")))
    datetime.date(2012, 11, 6)
    >>> python_value(ox.Literal("0.3333", datatype=ox.NamedNode(XSD + "decimal")))
    Decimal('0.3333')
    """
    if term is None or not isinstance(term, ox.Literal):
        return None if term is None else term.value
    datatype, text = term.datatype.value, term.value
    try:
        if datatype in _INTEGERS:
            return int(text)
        if datatype == XSD + "decimal":
            return Decimal(text)
        if datatype in (XSD + "double", XSD + "float"):
            return float(text)
        if datatype == XSD + "boolean":
            return text in ("true", "1")
        if datatype == XSD + "date":
            return dt.date.fromisoformat(text)
        if datatype == XSD + "dateTime":
            return dt.datetime.fromisoformat(text)
    except ValueError:
        pass  # an ill-typed literal keeps its text
    return text


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE).

    ``terms`` keeps the RDF terms; ``rows`` are named tuples of Python values. ``truncated`` is
    true when more rows existed than the limit let through.
    """

    kind: str
    columns: tuple[str, ...] = ()
    terms: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()
    truncated: bool = False
    rows: tuple[Any, ...] = field(default=(), compare=False)

    @classmethod
    def from_bytes(cls, data: bytes, *, kind: str, limit: int | None = None) -> QueryResult:
        """Read an engine's answer: SPARQL JSON results, or N-Triples for graph queries."""
        try:
            if kind in ("construct", "describe"):
                triples = tuple(q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
                return cls(kind=kind, triples=triples)
            answer = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as error:
            raise QueryError(f"unreadable answer: {error}") from None
        if isinstance(answer, ox.QueryBoolean):
            return cls(kind="ask", boolean=bool(answer))
        columns = tuple(v.value for v in answer.variables)
        terms: list[tuple[Any, ...]] = []
        truncated = False
        for solution in answer:
            if limit is not None and len(terms) >= limit:
                truncated = True
                break
            terms.append(tuple(solution))  # the values in the order of the variables
        Row = namedtuple("Row", columns, rename=True)  # type: ignore[misc]
        rows = tuple(Row(*(python_value(t) for t in row)) for row in terms)
        return cls(kind="select", columns=columns, terms=tuple(terms), truncated=truncated, rows=rows)

    def __len__(self) -> int:
        return len(self.triples) if self.kind in ("construct", "describe") else len(self.terms)

    def text_rows(self) -> list[list[str]]:
        """Rows as the text of each value (``""`` when unbound), as tables and tests show them."""
        return [["" if t is None else t.value for t in row] for row in self.terms]

    def to_dataframe(self) -> Any:
        """The rows as a pandas DataFrame (pandas must be installed)."""
        try:
            import pandas as pd
        except ImportError:
            raise QueryError("to_dataframe needs pandas: pip install pandas") from None
        frame = pd.DataFrame([list(r) for r in self.rows], columns=list(self.columns))
        return frame.convert_dtypes()  # nullable integers and strings: an unbound count stays <NA>

    def to_json_bytes(self) -> bytes:
        """The answer as SPARQL 1.1 JSON results."""
        if self.kind == "ask":
            return boolean_json(bool(self.boolean))
        return solutions_json(self.columns, self.terms, max_rows=None)

    def serialize(self, format: Format | str) -> bytes:
        """Write the answer in a standard format; raise :class:`QueryError` on a mismatch such as
        Turtle for a SELECT."""
        fmt = Format(format)
        if self.kind in ("construct", "describe"):
            if fmt not in _RDF_FORMATS:
                raise QueryError(f"a {self.kind.upper()} answer is a graph: use turtle, ntriples or jsonld")
            prefixes = dict(PREFIXES) if fmt is Format.TURTLE else None
            return ox.serialize(self.triples, format=_RDF_FORMATS[fmt], prefixes=prefixes) or b""
        if fmt not in _RESULTS_FORMATS:
            raise QueryError(f"a {self.kind.upper()} answer is a table: use table, csv, tsv, json or xml")
        answer = ox.parse_query_results(self.to_json_bytes(), format=ox.QueryResultsFormat.JSON)
        return answer.serialize(format=_RESULTS_FORMATS[fmt]) or b""
