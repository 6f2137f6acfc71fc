"""The media types the server speaks, for query results and for RDF, and how to write each.

>>> RESULT_TYPES["csv"], RDF_TYPES["turtle"]
('text/csv', 'text/turtle')
>>> format_media_type("jsonld", RDF_TYPES), format_media_type("application/rdf+xml", RDF_TYPES)
('application/ld+json', 'application/rdf+xml')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from alliancekg.engines import solutions_json
from alliancekg.namespaces import PREFIXES

__all__ = [
    "RDF_TYPES",
    "RESULT_TYPES",
    "format_media_type",
    "rdf_bytes",
    "results_bytes",
]

# Query results (SELECT, ASK), first is the default.
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
# RDF (CONSTRUCT, DESCRIBE, resource descriptions, the service description), first is the default.
RDF_TYPES = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}
_ALIASES = {"application/json": "application/sparql-results+json", "ttl": "text/turtle",
            "nt": "application/n-triples", "json-ld": "application/ld+json", "rdf": "application/rdf+xml",
            "text/plain": "application/n-triples", "application/xml": "application/sparql-results+xml",
            "text/xml": "application/sparql-results+xml"}
#: A cell of a solution: a term, or ``None`` when the variable is unbound.
Cell = ox.NamedNode | ox.BlankNode | ox.Literal | None
_RESULTS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
            "text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV}
_RDF = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
        "application/n-triples": ox.RdfFormat.N_TRIPLES, "application/rdf+xml": ox.RdfFormat.RDF_XML}


def format_media_type(name: str, offered: Mapping[str, str]) -> str | None:
    """The media type a ``format`` parameter names (a short name or a media type), if offered."""
    name = name.strip().lower()
    media = offered.get(name) or _ALIASES.get(name, name)
    return media if media in offered.values() else None


# Instance IRIs have slashes in their local part, which Turtle can only write escaped
# (``id:org\/ipgp``); they read better in full.
_WRITTEN_PREFIXES = {name: iri for name, iri in PREFIXES.items() if name != "id"}


def rdf_bytes(triples: Iterable[ox.Triple], media_type: str) -> bytes:
    """Triples in ``media_type``, with the project's prefixes where the syntax has them.

    >>> ipgp = ox.Triple(ox.NamedNode("https://w3id.org/alliancekg/id/org/ipgp"),
    ...                  ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("IPGP"))
    >>> rdf_bytes([ipgp], "text/turtle").splitlines()[-1]
    b'<https://w3id.org/alliancekg/id/org/ipgp> rdfs:label "IPGP" .'
    """
    fmt = _RDF[media_type]
    prefixes = _WRITTEN_PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""


def results_bytes(data: bytes, media_type: str, *, limit: int | None) -> tuple[bytes, bool]:
    """Re-write an engine's SPARQL JSON answer in ``media_type``, keeping at most ``limit`` rows;
    also say whether rows were cut. A cut JSON answer says so in its body (``"truncated": true``
    and ``"limit"``), a cut XML answer in a ``<link>`` of its head."""
    answer = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    if isinstance(answer, ox.QueryBoolean):
        return answer.serialize(format=_RESULTS[media_type]) or b"", False
    variables = list(answer.variables)
    rows: list[list[Cell]] = []
    truncated = False
    for solution in answer:
        if limit is not None and len(rows) >= limit:
            truncated = True
            break
        rows.append(list(solution))  # the values in the order of the variables
    if media_type == RESULT_TYPES["json"]:
        return _json(variables, rows, truncated, limit), truncated
    # pyoxigraph writes results it has parsed, so the kept rows go through the JSON form once
    body = ox.parse_query_results(_json(variables, rows, False, None), format=ox.QueryResultsFormat.JSON)
    out = body.serialize(format=_RESULTS[media_type]) or b""
    if truncated and media_type == RESULT_TYPES["xml"]:
        link = f'<link href="#truncated-after-{limit}-rows"/>'.encode()
        out = out.replace(b"</head>", link + b"</head>", 1)
    return out, truncated


def _json(variables: list[ox.Variable], rows: list[list[Cell]], truncated: bool, limit: int | None) -> bytes:
    return solutions_json([v.value for v in variables], rows, max_rows=None, cut_at=limit if truncated else None)
