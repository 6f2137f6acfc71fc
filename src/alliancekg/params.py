"""Query parameters: declared types, validation of raw values, and engine terms.

A catalogue query declares its parameters in its header, ``#+ params: alliance (iri), at (date?)``;
a trailing ``?`` marks a parameter that may be left unbound. Raw values (from ``-p name=value`` or
a dict) are validated against the declared type and turned into one RDF term, which each engine
binds itself; no value is ever formatted into query text unchecked.

>>> bind_params({"alliance": "iri", "at": "date?"}, {"alliance": "id:alliance/circle-u"})
{'alliance': <NamedNode value=https://w3id.org/alliancekg/id/alliance/circle-u>}
>>> bind_params({"at": "date"}, {"at": "2021-02-30"})
Traceback (most recent call last):
...
alliancekg.errors.QueryError: parameter 'at' expects a date (YYYY-MM-DD), got '2021-02-30'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from alliancekg.errors import QueryError
from alliancekg.namespaces import PREFIXES

__all__ = ["PARAM_TYPES", "bind_in_text", "bind_params", "parse_assignments", "term_to_sparql", "to_term",
           "where_group_start"]

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("iri", "string", "date", "year", "integer", "decimal", "boolean")
_DESCRIPTIONS = {
    "iri": "an absolute IRI or a prefixed name such as id:org/ipgp",
    "string": "a string",
    "date": "a date (YYYY-MM-DD)",
    "year": "a year (YYYY)",
    "integer": "an integer",
    "decimal": "a decimal number",
    "boolean": "true or false",
}
# RFC 3987 absolute IRI as SPARQL's IRIREF allows it: a scheme, then no spaces, quotes or brackets.
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\]*$')
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_\-]*):(.*)$")


def _iri(value: str) -> ox.NamedNode:
    match = _CURIE.match(value)
    if match and match.group(1) in PREFIXES and not value.startswith(PREFIXES[match.group(1)]):
        value = PREFIXES[match.group(1)] + match.group(2)
    if not _IRI.match(value):
        raise ValueError(value)
    return ox.NamedNode(value)


def to_term(value: str, kind: str) -> ox.NamedNode | ox.Literal:
    """Validate ``value`` as a ``kind`` and return its RDF term; raise :class:`ValueError` if invalid.

    >>> to_term("2021-06-01", "date")
    <Literal value=2021-06-01 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#date>>
    >>> to_term('x" || true || "', "string").value
    'x" || true || "'
    """
    if kind == "iri":
        return _iri(value)
    if kind == "string":
        return ox.Literal(value)
    if kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return ox.Literal(dt.date.fromisoformat(value).isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise ValueError(value)
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ValueError(value)
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "decimal":
        try:
            number = Decimal(value)
        except InvalidOperation as error:
            raise ValueError(value) from error
        if not number.is_finite():
            raise ValueError(value)
        return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise ValueError(value)
        return ox.Literal(value.lower(), datatype=ox.NamedNode(XSD + "boolean"))
    raise ValueError(f"unknown parameter type {kind!r}")


def bind_params(declared: Mapping[str, str], raw: Mapping[str, object]) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check ``raw`` values against the ``declared`` types and return the terms to bind.

    Unknown names, missing required parameters and ill-typed values raise :class:`QueryError`
    naming the parameter and the expected type.
    """
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise QueryError(f"unknown parameter {unknown[0]!r} (this query takes: {known})")
    terms: dict[str, ox.NamedNode | ox.Literal] = {}
    for name, declared_type in declared.items():
        kind, optional = declared_type.rstrip("?"), declared_type.endswith("?")
        if kind not in PARAM_TYPES:
            raise QueryError(f"parameter {name!r} has unknown type {kind!r} (one of {', '.join(PARAM_TYPES)})")
        value = raw.get(name)
        if value is None or value == "":
            if optional:
                continue
            raise QueryError(f"missing parameter {name!r}: expects {_DESCRIPTIONS[kind]}")
        try:
            terms[name] = to_term(str(value), kind)
        except ValueError:
            raise QueryError(f"parameter {name!r} expects {_DESCRIPTIONS[kind]}, got {str(value)!r}") from None
    return terms


def parse_assignments(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Read ``name=value`` pairs from the command line.

    >>> parse_assignments(["alliance=id:alliance/circle-u", "at=2021-06-01"])
    {'alliance': 'id:alliance/circle-u', 'at': '2021-06-01'}
    """
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"parameter {pair!r} is not of the form name=value")
        values[name.strip()] = value
    return values


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def term_to_sparql(term: ox.NamedNode | ox.Literal) -> str:
    """The SPARQL form of a validated term, escaped for a query sent to a remote endpoint.

    >>> term_to_sparql(to_term('x" || true || "', "string"))
    '"x\\\\" || true || \\\\""'
    """
    if isinstance(term, ox.NamedNode):
        if not _IRI.match(term.value):
            raise QueryError(f"not a safe IRI: {term.value!r}")
        return f"<{term.value}>"
    literal = f'"{_escape(term.value)}"'
    if term.language:
        return f"{literal}@{term.language}"
    if term.datatype.value != XSD + "string":
        return f"{literal}^^<{term.datatype.value}>"
    return literal


_TOKEN = re.compile(r'''
    (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^\x00-\x20<>"{}|^`\\]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-.:]*)
  | (?P<open>\{) | (?P<close>\}) | (?P<lparen>\() | (?P<rparen>\))
  | (?P<other>\S)
''', re.VERBOSE | re.DOTALL)


def where_group_start(text: str) -> int:
    """The offset just after the ``{`` that opens the query's outermost WHERE group.

    >>> q = 'CONSTRUCT { ?s ?p "}" } WHERE { ?s ?p ?o }'
    >>> q[where_group_start(q):]
    ' ?s ?p ?o }'
    """
    braces = parens = 0
    seen_where = False
    first_group = None
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "word" and match.group().upper() == "WHERE" and braces == parens == 0:
            seen_where = True
        elif kind == "open":
            if braces == parens == 0 and (seen_where or first_group is None):
                if seen_where:
                    return match.end()
                first_group = match.end()
            braces += 1
        elif kind == "close":
            braces -= 1
        elif kind == "lparen":
            parens += 1
        elif kind == "rparen":
            parens -= 1
    if first_group is None:
        raise QueryError("cannot find the query's WHERE group to bind parameters")
    return first_group


def bind_in_text(text: str, terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Bind ``terms`` for an engine that takes only text (a remote endpoint): a ``VALUES`` block of
    validated, escaped terms opens the outermost WHERE group, so the parameters are bound before
    the group's patterns and filters, as rdflib's ``initBindings`` and pyoxigraph's substitutions do.

    >>> bind_in_text("SELECT ?a WHERE { ?a ?p ?o }", {"a": to_term("id:org/ipgp", "iri")})
    'SELECT ?a WHERE { VALUES (?a) { (<https://w3id.org/alliancekg/id/org/ipgp>) } ?a ?p ?o }'
    """
    if not terms:
        return text
    names = " ".join(f"?{name}" for name in terms)
    values = " ".join(term_to_sparql(term) for term in terms.values())
    at = where_group_start(text)
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }}{text[at:]}"
