"""The query gate: one check on the parsed query before any engine evaluates it.

Read-only and local by construction: updates (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ...),
``SERVICE`` anywhere in the algebra (including inside ``EXISTS`` and sub-queries) and ``FROM`` /
``FROM NAMED`` naming a graph the store does not hold are refused, whatever the spelling: the check
runs on rdflib's parse, after ``\\uXXXX`` escapes are expanded, never on the raw text.

>>> gate("SELECT ?s WHERE { ?s ?p ?o }").kind
'select'
>>> gate("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
alliancekg.errors.QueryError: refused: SERVICE <http://example.org/sparql> would send a request to another endpoint
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from pyparsing import ParseException
from rdflib import Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from alliancekg.errors import QueryError

__all__ = ["MAX_QUERY_CHARS", "GatedQuery", "gate"]

MAX_QUERY_CHARS = 100_000
# rdflib parses with pyparsing, which is not thread-safe: two parses at once can break its parse
# actions for the rest of the process (every later query fails to parse).
_PARSING = threading.Lock()
_KINDS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct",
          "DescribeQuery": "describe"}


@dataclass(frozen=True)
class GatedQuery:
    """A query that passed the gate: its text, its form and the graphs its dataset clause names."""

    text: str
    kind: str
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()


def _nodes(value: object) -> Iterator[CompValue]:
    """Every algebra or parse-tree node below ``value``, depth first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:  # noqa: BLE001 - any failure means it is not an update either
        return False
    return True


def _syntax_error(text: str, error: ParseException) -> QueryError:
    if _is_update(text):
        return QueryError("refused: updates (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, ...) are "
                          "not allowed; queries are read-only")
    return QueryError(f"syntax error at line {error.lineno}, column {error.col}: {error.msg}")


def gate(text: str, *, store_graphs: Collection[str] = ()) -> GatedQuery:
    """Parse ``text`` and refuse what could write, reach the network or read outside the store.

    ``store_graphs`` are the named graphs the engine holds; ``FROM`` and ``FROM NAMED`` may name
    only those. Raise :class:`QueryError` with the reason, or a syntax error with line and column.
    Parsing costs tens of milliseconds, so the verdicts on recent queries are remembered. Safe to
    call from several threads: one query is parsed at a time.
    """
    with _PARSING:
        return _gate(text, frozenset(store_graphs))


@functools.lru_cache(maxsize=256)
def _gate(text: str, store_graphs: frozenset[str]) -> GatedQuery:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    try:
        parsed = parseQuery(text)
    except ParseException as error:
        raise _syntax_error(text, error) from None
    except Exception as error:  # noqa: BLE001 - rdflib raises plain exceptions for some malformed input
        raise QueryError(f"cannot parse the query: {error}") from None
    try:
        algebra = translateQuery(parsed).algebra
    except Exception as error:  # noqa: BLE001 - e.g. a variable projected twice, an undefined prefix
        raise QueryError(f"invalid query: {error}") from None
    for node in _nodes([parsed, algebra]):
        if node.name == "ServiceGraphPattern":
            term = node.get("term")
            shown = f"?{term}" if isinstance(term, Variable) else f"<{term}>"
            raise QueryError(f"refused: SERVICE {shown} would send a request to another endpoint")
    from_graphs, from_named = [], []
    for clause in algebra.get("datasetClause") or ():
        iri = clause.get("default") or clause.get("named")
        (from_graphs if clause.get("default") is not None else from_named).append(str(iri))
        if str(iri) not in store_graphs:
            keyword = "FROM" if clause.get("default") is not None else "FROM NAMED"
            held = ", ".join(f"<{g}>" for g in sorted(store_graphs)) or "no named graphs"
            raise QueryError(f"refused: {keyword} <{iri}> is not a graph of this store (it holds {held})")
    return GatedQuery(text=text, kind=_KINDS[algebra.name], from_graphs=tuple(from_graphs),
                      from_named_graphs=tuple(from_named))
