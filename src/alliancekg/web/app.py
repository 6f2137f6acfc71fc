"""The linked-data server: one small app factory over the built store.

Routes mirror the dataset's IRIs, so that ``https://w3id.org/alliancekg/X`` redirected to a
deployment serves ``/X``: ``/sparql`` (the endpoint), ``/`` (the query UI), ``/id/...`` and
``/ontology`` (dereferenceable resources and the ontology's documentation),
``/.well-known/void`` (VoID and DCAT) and ``/dist/...`` (the dumps and the tie tables).

>>> sorted(route.path for route in routes())[:4]
['/', '/.well-known/void', '/assets/ui.css', '/assets/ui.js']
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alliancekg.outputs import DISTRIBUTIONS
from alliancekg.settings import Settings
from alliancekg.ties import TIE_TABLES, TIES_DIR
from alliancekg.web import resources, ui
from alliancekg.web.conneg import negotiate
from alliancekg.web.formats import RDF_TYPES, rdf_bytes
from alliancekg.web.responses import problem
from alliancekg.web.service import ServerOptions, Service
from alliancekg.web.sparql_endpoint import sparql_endpoint

__all__ = ["DOWNLOADS", "create_app"]

#: Files of the built folder offered under ``/dist/``: the dumps, the descriptions and the tie tables.
DOWNLOADS = tuple(name for name, _, _ in DISTRIBUTIONS) + (
    "context.jsonld", "void.ttl", "validation-report.ttl", "validation-report.txt") + tuple(
    f"{TIES_DIR}/{name}" for name in TIE_TABLES)
_DOWNLOAD_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
                   ".rdf": "application/rdf+xml", ".txt": "text/plain", ".csv": "text/csv"}
# Pages load nothing from elsewhere: scripts, styles and requests stay on this origin.
_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")


class SecurityHeaders:
    """Adds the content security policy and ``nosniff`` to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", _CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def void_description(request: Request) -> Response:
    """``/.well-known/void``: the dataset's VoID and DCAT description, in the RDF type asked for."""
    service: Service = request.app.state.service
    path = service.dist_dir / "void.ttl"
    media = negotiate(request.headers.get("accept"), list(RDF_TYPES.values()))
    if media is None:
        return problem(request, 406, f"offered: {', '.join(RDF_TYPES.values())}")
    if media == RDF_TYPES["turtle"]:
        return FileResponse(path, media_type="text/turtle; charset=utf-8", headers={"Vary": "Accept"})
    import pyoxigraph as ox

    triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    return Response(rdf_bytes(triples, media), media_type=media, headers={"Vary": "Accept"})


async def download(request: Request) -> Response:
    """``/dist/NAME``: one of the published files (:data:`DOWNLOADS`), nothing else of the folder."""
    service: Service = request.app.state.service
    name = request.path_params["name"]
    path = service.dist_dir / name
    if name not in DOWNLOADS or not path.is_file():
        return problem(request, 404, f"no download named {name!r}; the dumps are listed at /.well-known/void")
    media = _DOWNLOAD_TYPES.get(Path(name).suffix, "application/octet-stream")
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return FileResponse(path, media_type=media)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    messages = {404: f"nothing at {request.url.path}", 405: f"{request.method} is not allowed here"}
    return problem(request, error.status_code, messages.get(error.status_code, error.detail),
                   headers=dict(error.headers or {}))


async def _server_error(request: Request, error: Exception) -> Response:
    return problem(request, 500, "internal error; the server log has the details")


def routes() -> list[BaseRoute]:
    """Every route of the server."""
    return [
        Route("/sparql", sparql_endpoint, methods=["GET", "POST"], name="sparql"),
        Route("/.well-known/void", void_description, methods=["GET"], name="void"),
        Route("/dist/{name:path}", download, methods=["GET"], name="download"),
        *ui.routes(),
        *resources.routes(),
    ]


def create_app(settings: Settings | None = None, *, options: ServerOptions | None = None,
               store: Path | None = None) -> Starlette:
    """The server over the built store (``store``, default ``dist/store``) under ``options``."""
    settings = settings or Settings.from_env()
    service = Service(settings, options or ServerOptions(), store_path=store)
    service.graphs()  # fail now, not on the first request, when there is no store
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False, allow_methods=["GET", "POST"],
                   allow_headers=["Accept", "Content-Type"],
                   expose_headers=["Results-Truncated", "Results-Limit", "Link", "Retry-After"], max_age=3600),
    ]
    app = Starlette(routes=routes(), middleware=middleware,
                    exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.state.service = service
    return app
