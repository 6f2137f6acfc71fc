"""In-process evaluation of the build's own catalogue queries (quality checks, reports) on a
pyoxigraph store. Queries from users go through :func:`alliancekg.run_query`: gate, typed
parameters, timeouts."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from alliancekg.queryfile import QueryFile

__all__ = ["construct_triples", "select_rows", "term_text"]


def term_text(term: object) -> str:
    """A plain-text form of a result term: an IRI, a literal's lexical form, or ``""``."""
    if term is None:
        return ""
    if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return term.value
    return str(term)


def select_rows(store: ox.Store, query: QueryFile | str) -> list[dict[str, str]]:
    """Evaluate a SELECT query without parameters; rows map each variable to the text of its value
    (``""`` when unbound)."""
    text = query.text if isinstance(query, QueryFile) else query
    solutions = store.query(text)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{name: term_text(row[name]) for name in names} for row in solutions]


def construct_triples(store: ox.Store, query: QueryFile | str) -> Iterable[ox.Triple]:
    """Evaluate a CONSTRUCT query and return its triples."""
    text = query.text if isinstance(query, QueryFile) else query
    triples = store.query(text)
    assert isinstance(triples, ox.QueryTriples)
    return list(triples)
