"""The SPARQL 1.1 Protocol endpoint, read-only: ``GET``, form ``POST`` and direct ``POST``.

Answers: SELECT and ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle,
JSON-LD, N-Triples or RDF/XML; chosen by the ``format`` parameter or by ``Accept`` with q-values.
Fetched without a query, the endpoint describes itself (SPARQL 1.1 Service Description).

Refusals: updates, ``SERVICE``, and graphs the store does not hold get 400; bodies over the cap
413, query strings over the cap 414, media types it cannot read 415, answers in no acceptable
type 406, a full house 429, a query past its time 503. A capped answer says so in the
``Results-Truncated`` and ``Results-Limit`` headers and, for JSON and XML results, in its body.
"""

from __future__ import annotations

import urllib.parse

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alliancekg.engines import Dataset
from alliancekg.errors import QueryError, QueryTimeout
from alliancekg.namespaces import DATA_GRAPH
from alliancekg.web.conneg import negotiate
from alliancekg.web.formats import RDF_TYPES, RESULT_TYPES, format_media_type, rdf_bytes, results_bytes
from alliancekg.web.responses import BodyTooLarge, problem, read_body
from alliancekg.web.service import Busy, Service
from alliancekg.web.service_description import service_description

__all__ = ["ProtocolError", "sparql_endpoint"]

_READ_ONLY = "this endpoint is read-only: SPARQL updates are not accepted"
_FORM = "application/x-www-form-urlencoded"
_DIRECT = "application/sparql-query"
_UPDATE = "application/sparql-update"
_ASK_TYPES = {k: RESULT_TYPES[k] for k in ("json", "xml")}


class ProtocolError(Exception):
    """A request the protocol does not allow; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _decode_pairs(raw: bytes) -> list[tuple[str, str]]:
    try:
        return urllib.parse.parse_qsl(raw.decode("ascii", "strict"), keep_blank_values=True,
                                      encoding="utf-8", errors="strict")
    except UnicodeError:
        raise ProtocolError(400, "parameters must be UTF-8, percent-encoded") from None


async def _query_and_params(request: Request, service: Service) -> tuple[str | None, dict[str, list[str]]]:
    """The query text and the other parameters, from the URL and (for a form) the body."""
    raw_query = request.scope.get("query_string", b"")
    if len(raw_query) > service.options.max_url_chars:
        raise ProtocolError(414, f"query string of {len(raw_query)} characters is over the "
                                 f"{service.options.max_url_chars}-character limit; send long queries by POST")
    pairs = _decode_pairs(raw_query)
    text: str | None = None
    if request.method == "POST":
        content_type = request.headers.get("content-type")
        if not content_type:
            raise ProtocolError(400, f"a POST needs a Content-Type: {_FORM} or {_DIRECT}")
        media = content_type.split(";")[0].strip().lower()
        if media == _UPDATE:
            raise ProtocolError(400, _READ_ONLY)
        if media not in (_FORM, _DIRECT):
            raise ProtocolError(415, f"cannot read a {media} body; send {_FORM} or {_DIRECT}")
        body = await read_body(request, service.options.max_body_bytes)
        if media == _FORM:
            pairs += _decode_pairs(body)
        else:
            try:
                text = body.decode("utf-8", "strict")
            except UnicodeDecodeError:
                raise ProtocolError(400, "the query must be UTF-8") from None
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise ProtocolError(400, _READ_ONLY)
    queries = params.pop("query", [])
    if text is not None and queries:
        raise ProtocolError(400, "a direct POST carries the query in its body, not also in a query parameter")
    if len(queries) > 1:
        raise ProtocolError(400, "give exactly one query parameter")
    for query in ([text] if text is not None else queries):
        if len(query) > service.options.max_query_chars:
            raise ProtocolError(413, f"query of {len(query)} characters is over the "
                                     f"{service.options.max_query_chars}-character limit")
    return (text if text is not None else (queries[0] if queries else None)), params


def _media_type(request: Request, params: dict[str, list[str]], offered: dict[str, str]) -> str:
    requested = (params.get("format") or params.get("output") or [""])[0]
    if requested:
        media = format_media_type(requested, offered)
        if media is None:
            raise ProtocolError(400, f"format {requested!r} is not offered here; use one of {', '.join(offered)}")
        return media
    media = negotiate(request.headers.get("accept"), list(offered.values()))
    if media is None and RESULT_TYPES["json"] in offered.values():  # plain JSON clients
        media = RESULT_TYPES["json"] if negotiate(request.headers.get("accept"), ["application/json"]) else None
    if media is None:
        raise ProtocolError(406, f"cannot answer in any type the Accept header allows; offered: "
                                 f"{', '.join(offered.values())}")
    return media


def _answer_headers(media: str, truncated: bool, limit: int) -> dict[str, str]:
    headers = {"Vary": "Accept", "Cache-Control": "no-store"}
    if truncated:
        headers["Results-Truncated"] = "true"
        headers["Results-Limit"] = str(limit)
    return headers


def _graph_answer(data: bytes, media: str, limit: int) -> tuple[bytes, bool]:
    triples = []
    for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        triples.append(quad.triple)
        if len(triples) > limit:
            break
    truncated = len(triples) > limit
    del triples[limit:]
    body = rdf_bytes(triples, media)
    if truncated and media in (RDF_TYPES["turtle"], RDF_TYPES["ntriples"]):
        body = f"# truncated: the answer has more than {limit} triples\n".encode() + body
    return body, truncated


async def sparql_endpoint(request: Request) -> Response:
    """The ``/sparql`` route."""
    service: Service = request.app.state.service
    try:
        text, params = await _query_and_params(request, service)
        if text is None:
            if request.method == "GET" and not params:
                return await _describe_service(request, service)
            raise ProtocolError(400, "no query: give the query parameter (GET or form POST) or a "
                                     f"{_DIRECT} body")
        dataset = Dataset(tuple(params.get("default-graph-uri", ())), tuple(params.get("named-graph-uri", ())))
        checked = await service.check(text)
        if dataset:
            service.check_dataset(dataset)
        elif DATA_GRAPH in checked.from_graphs:  # FROM the data graph: the store's default graph
            dataset = Dataset(checked.from_graphs, checked.from_named_graphs)
        offered = RESULT_TYPES if checked.kind == "select" else _ASK_TYPES if checked.kind == "ask" else RDF_TYPES
        media = _media_type(request, params, offered)
        limit = service.options.max_rows
        # relative IRIs resolve against the endpoint's URL, the protocol's service-defined base
        base = str(request.url.replace(query="", fragment=""))
        answer = await service.evaluate(checked, dataset=dataset or None, base_iri=base)
        if checked.kind in ("construct", "describe"):
            body, truncated = _graph_answer(answer, media, limit)
        else:
            body, truncated = results_bytes(answer, media, limit=limit)
        content_type = media + ("; charset=utf-8" if media.startswith("text/") else "")
        return Response(body, media_type=content_type, headers=_answer_headers(media, truncated, limit))
    except ProtocolError as error:
        return problem(request, error.status, str(error))
    except BodyTooLarge as error:
        return problem(request, 413, str(error))
    except Busy as error:
        return problem(request, 429, str(error), headers={"Retry-After": str(service.options.retry_after)})
    except QueryTimeout as error:
        return problem(request, 503, str(error))
    except QueryError as error:
        return problem(request, 400, str(error))


async def _describe_service(request: Request, service: Service) -> Response:
    offered = dict(RDF_TYPES)
    if negotiate(request.headers.get("accept"), ["text/html", *offered.values()]) == "text/html":
        return RedirectResponse("/", status_code=303)
    media = _media_type(request, {}, offered)
    endpoint = str(request.url.replace(query=""))
    triples = service_description(endpoint, graphs=sorted(service.graphs()), void=str(request.url_for("void")))
    return Response(rdf_bytes(triples, media), media_type=media, headers={"Vary": "Accept"})
