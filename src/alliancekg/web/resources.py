"""Dereferenceable IRIs and the ontology's documentation.

``GET /id/{path}`` describes ``https://w3id.org/alliancekg/id/{path}`` (institutions, facts,
sources, passages, concepts of the controlled vocabularies: everything the store holds under that
namespace). ``GET /ontology`` serves the ontology ``https://w3id.org/alliancekg/ontology``; its
terms ``...ontology#Term`` dereference there too (the fragment stays with the browser, which
jumps to the term's anchor). ``/ontology/`` redirects to ``/ontology``, and the version IRI
``/ontology/{version}`` serves the current ontology when it is that version.

Each is offered as HTML (``text/html``, also given to clients asking for
``application/xhtml+xml``) and as Turtle, JSON-LD, N-Triples and RDF/XML, chosen by ``Accept``
with q-values (HTML when the client takes anything, as a browser does), or explicitly by
``?format=html|turtle|jsonld|ntriples|rdfxml``, which wins over ``Accept``. Every answer carries
``Vary: Accept`` (a resource's also ``Accept-Language``: its page is titled with the label in the
reader's language when there is one), a ``Link`` header with one ``rel="alternate"`` per form (local URLs of this
server) and a ``rel="canonical"`` link to the w3id IRI.

A resource's description is bounded (see :mod:`alliancekg.web.resource_description`); a cut
one is marked on the page and, in every form, by the ``Results-Truncated: true`` header.
Statuses: 404 for an IRI the store says nothing about, 400 for an unknown ``format``, 406 when
``Accept`` allows no offered type, 429 when every query slot is taken, 503 past the timeout.
"""

from __future__ import annotations

import urllib.parse

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from alliancekg.errors import QueryError, QueryTimeout
from alliancekg.namespaces import ID, ONTOLOGY_IRI
from alliancekg.web.conneg import negotiate
from alliancekg.web.formats import RDF_TYPES, format_media_type, rdf_bytes
from alliancekg.web.ontology_docs import ontology_docs, ontology_file, ontology_rdf, render_ontology_page
from alliancekg.web.resource_description import describe
from alliancekg.web.resource_page import render_resource_page
from alliancekg.web.responses import problem
from alliancekg.web.service import Busy, Service

__all__ = ["FORMATS", "routes"]

HTML = "text/html"
#: The forms of a resource: the name ``?format=`` takes, the media type, and a name for people.
FORMATS = [("html", HTML, "HTML"), ("turtle", RDF_TYPES["turtle"], "Turtle"),
           ("jsonld", RDF_TYPES["jsonld"], "JSON-LD"), ("ntriples", RDF_TYPES["ntriples"], "N-Triples"),
           ("rdfxml", RDF_TYPES["rdfxml"], "RDF/XML")]
_XHTML = "application/xhtml+xml"
_OFFERED = [HTML, _XHTML, *RDF_TYPES.values()]


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _media(request: Request) -> str:
    """The media type to answer in: ``?format=`` if given, else the best by ``Accept``."""
    requested = request.query_params.get("format")
    if requested is not None:
        media = format_media_type(requested, {name: media for name, media, _ in FORMATS})
        if media is None:
            raise _Refused(400, f"format {requested!r} is not offered; use one of "
                                f"{', '.join(name for name, _, _ in FORMATS)}")
        return media
    media = negotiate(request.headers.get("accept"), _OFFERED)
    if media is None:
        raise _Refused(406, f"cannot answer in any type the Accept header allows; offered: {', '.join(_OFFERED)}")
    return HTML if media == _XHTML else media


def _alternates(path: str) -> list[tuple[str, str, str]]:
    """(name, media type, local URL) of every form of the document at ``path``."""
    quoted = urllib.parse.quote(path, safe="/-._~!$&'()*+,;=:@")
    return [(label, media, f"{quoted}?format={name}") for name, media, label in FORMATS]


def _headers(alternates: list[tuple[str, str, str]], canonical: str, vary: str = "Accept") -> dict[str, str]:
    links = [f'<{href}>; rel="alternate"; type="{media}"' for _, media, href in alternates]
    links.append(f'<{canonical}>; rel="canonical"')
    return {"Vary": vary, "Link": ", ".join(links)}


def _answer(body: str | bytes, media: str, headers: dict[str, str]) -> Response:
    content_type = media + ("; charset=utf-8" if media.startswith("text/") else "")
    return Response(body, media_type=content_type, headers=headers)


async def resource(request: Request) -> Response:
    """``/id/{path}``: the description of ``https://w3id.org/alliancekg/id/{path}``."""
    service: Service = request.app.state.service
    path = request.path_params["path"]
    iri = str(ID) + path
    try:
        media = _media(request)
        try:
            description = await describe(service, iri)
        except ValueError:  # not an IRI at all (a space, a quote, ...): nothing is there
            raise _Refused(404, f"nothing is described at {request.url.path}") from None
        if not description.exists:
            raise _Refused(404, f"nothing is described at {request.url.path}")
    except _Refused as error:
        return problem(request, error.status, str(error))
    except Busy as error:
        return problem(request, 429, str(error), headers={"Retry-After": str(service.options.retry_after)})
    except QueryTimeout as error:
        return problem(request, 503, str(error))
    except QueryError as error:
        return problem(request, 500, f"the description could not be read: {error}")
    alternates = _alternates("/id/" + path)
    headers = _headers(alternates, iri, vary="Accept, Accept-Language")  # the label shown follows the reader
    if description.cut:
        headers["Results-Truncated"] = "true"
    if media == HTML:
        body: str | bytes = render_resource_page(description, accept_language=request.headers.get("accept-language"),
                                                 alternates=[a for a in alternates if a[1] != HTML])
    else:
        body = rdf_bytes(description.triples(), media)
    return _answer(body, media, headers)


async def ontology(request: Request) -> Response:
    """``/ontology``: the documentation page, or the ontology in RDF."""
    service: Service = request.app.state.service
    version = request.path_params.get("version")
    ontology_dir = service.settings.ontology_dir
    if not ontology_file(ontology_dir).is_file():
        return problem(request, 404, "this server has no ontology file")
    if version is not None and ontology_docs(ontology_dir).version_iri != f"{ONTOLOGY_IRI}/{version}":
        return problem(request, 404, f"this server has no version {version!r} of the ontology; see /ontology")
    try:
        media = _media(request)
    except _Refused as error:
        return problem(request, error.status, str(error))
    alternates = _alternates("/ontology")
    headers = _headers(alternates, str(ONTOLOGY_IRI))
    if media == HTML:
        return _answer(render_ontology_page(ontology_docs(ontology_dir), alternates=[a for a in alternates if a[1] != HTML]), media, headers)
    return _answer(ontology_rdf(ontology_dir, media), media, headers)


async def _to_ontology(request: Request) -> Response:
    return RedirectResponse("/ontology" + (f"?{request.url.query}" if request.url.query else ""), status_code=301)


def routes() -> list[BaseRoute]:
    """The routes of resources and of the ontology."""
    return [
        Route("/id/{path:path}", resource, methods=["GET"], name="resource"),
        Route("/ontology", ontology, methods=["GET"], name="ontology"),
        Route("/ontology/", _to_ontology, methods=["GET"]),
        Route("/ontology/{version}", ontology, methods=["GET"], name="ontology-version"),
    ]
