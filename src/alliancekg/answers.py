"""Checking that an endpoint's answer is complete, and bringing it to one format per query form.

An answer is returned only when it parses to its end: a body cut by the server or the network,
or a SELECT answer of exactly the server's known row cap, raises :class:`PartialResult`.
"""

from __future__ import annotations

from typing import Final

import pyoxigraph as ox

from alliancekg.errors import EndpointError, PartialResult, UsageError

__all__ = ["KINDS", "N_TRIPLES", "PARTIAL_ADVICE", "RESULTS_JSON", "normalise", "shape_of"]

RESULTS_JSON: Final = "application/sparql-results+json"
N_TRIPLES: Final = "application/n-triples"
KINDS: Final = ("select", "ask", "construct", "describe")
PARTIAL_ADVICE: Final = (
    "page through it with LIMIT/OFFSET (ORDER BY for stable pages), or raise the server's result cap "
    "(Virtuoso: ResultSetMaxRows and MaxQueryExecutionTime in the [SPARQL] section)"
)


def shape_of(kind: str) -> str:
    """``results`` for SELECT and ASK, ``graph`` for CONSTRUCT and DESCRIBE."""
    if kind in ("select", "ask"):
        return "results"
    if kind in ("construct", "describe"):
        return "graph"
    raise UsageError(f"unknown query kind {kind!r}; expected one of {', '.join(KINDS)}")


def normalise(
    data: bytes,
    *,
    kind: str,
    content_type: str | None = None,
    row_cap: int | None = None,
    source: str = "answer",
) -> bytes:
    """Check that ``data`` is a complete answer of ``kind`` and return it as Query Results JSON
    (``select``, ``ask``) or N-Triples (``construct``, ``describe``), converting from the other
    formats pyoxigraph reads (XML or TSV results; Turtle, RDF/XML, ...). A missing
    ``content_type`` means the promised format.

    >>> normalise(b'<http://a/s> <http://a/p> "x" .', kind="construct", content_type="text/turtle")
    b'<http://a/s> <http://a/p> "x" .\\n'
    >>> normalise(b'{"head": {"vars": ["x"]}, "results": {"bindings": [', kind="select")
    Traceback (most recent call last):
    alliancekg.errors.PartialResult: answer: the answer does not parse as complete ...

    :raises PartialResult: when the body does not parse to its end, or a SELECT answer has exactly
        ``row_cap`` rows.
    :raises EndpointError: when the content type is not one of an answer of ``kind``.
    """
    shape = shape_of(kind)
    media = (content_type or "").split(";")[0].strip().lower()
    if shape == "results":
        return _normalise_results(data, kind, media or RESULTS_JSON, row_cap, source)
    return _normalise_graph(data, media or N_TRIPLES, source)


def _normalise_results(data: bytes, kind: str, media: str, row_cap: int | None, source: str) -> bytes:
    fmt = ox.QueryResultsFormat.from_media_type(media)
    if fmt is None or fmt == ox.QueryResultsFormat.CSV:  # CSV results lose term types: not convertible
        raise EndpointError(f"unexpected content type {media!r} for a {kind.upper()} answer", url=source)
    try:
        if fmt != ox.QueryResultsFormat.JSON:
            data = ox.parse_query_results(data, format=fmt).serialize(format=ox.QueryResultsFormat.JSON) or b""
        parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        rows = None if isinstance(parsed, ox.QueryBoolean) else sum(1 for _ in parsed)
    except (SyntaxError, ValueError) as exc:
        raise PartialResult(
            f"the answer does not parse as complete {fmt.name} results ({exc}); {PARTIAL_ADVICE}", url=source
        ) from None
    if (rows is None) != (kind == "ask"):
        got = "a boolean" if rows is None else "solutions"
        raise EndpointError(f"a {kind.upper()} query was answered with {got}", url=source)
    if row_cap is not None and rows == row_cap:
        raise PartialResult(
            f"{rows} rows, exactly the server's row cap: the answer is probably cut; {PARTIAL_ADVICE}", url=source
        )
    return data


def _normalise_graph(data: bytes, media: str, source: str) -> bytes:
    fmt = ox.RdfFormat.from_media_type(media)
    if fmt is None or fmt.supports_datasets:
        raise EndpointError(f"unexpected content type {media!r} for a graph answer", url=source)
    try:
        if fmt == ox.RdfFormat.N_TRIPLES:
            for _ in ox.parse(data, format=fmt):
                pass
            return data
        triples = list(ox.parse(data, format=fmt, base_iri=source if "://" in source else None))
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    except (SyntaxError, ValueError) as exc:
        raise PartialResult(
            f"the answer does not parse as complete {fmt.name} ({exc}); {PARTIAL_ADVICE}", url=source
        ) from None
