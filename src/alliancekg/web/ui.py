"""The query UI at ``/``: YASGUI on this server's ``/sparql``, with the query catalogue one click
away, served entirely from this origin.

YASGUI's two build files come from the project's ``node_modules`` (``make install`` runs ``npm ci``);
without them ``/`` says so instead of failing. A query with parameters opens with an example value
bound by a ``VALUES`` block at the start of its WHERE group, where
:func:`~alliancekg.params.bind_in_text` binds parameters for remote endpoints. The example is the
query file's ``#+ example:`` header, which the query tests run against the expected answers. The
catalogue is also offered as JSON at ``/queries.json``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import anyio.to_thread
import jinja2
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from alliancekg.namespaces import PREFIXES
from alliancekg.outputs import DISTRIBUTIONS
from alliancekg.params import bind_params, term_to_sparql, where_group_start
from alliancekg.queryfile import QueryFile, catalogue
from alliancekg.settings import Settings
from alliancekg.ties import TIE_TABLES, TIES_DIR
from alliancekg.web.responses import problem
from alliancekg.web.service import Service

__all__ = ["YASGUI_BUILD", "catalogue_entries", "example_query", "routes"]

#: YASGUI's build folder, under the project root.
YASGUI_BUILD = Path("node_modules/@zazuko/yasgui/build")
_HERE = Path(__file__).parent
_YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")
_OWN_FILES = ("ui.js", "ui.css")
_MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# Asset URLs carry a hash of the content, so a changed file is a new URL and old ones may be cached for good.
_IMMUTABLE = "public, max-age=31536000, immutable"
_FOLDERS = {"cq": "Competency questions", "reports": "Reports", "network": "Network ties",
            "pages": "Resource pages", "qc": "Quality checks (no rows means the check passes)",
            "inference": "Inference rules"}
_START = "SELECT ?class (COUNT(?s) AS ?instances) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?instances)"


def example_query(query: QueryFile, example: Mapping[str, str] | None) -> str:
    """``query``'s text with ``example`` bound by a ``VALUES`` block on its own line at the start of
    the outermost WHERE group (where :func:`~alliancekg.params.bind_in_text` puts it for endpoints).

    >>> q = QueryFile.from_text("#+ summary: s\\n#+ params: org (iri)\\nSELECT ?org WHERE { ?org ?p ?o }", name="x")
    >>> print(example_query(q, {"org": "id:org/ipgp"}))
    #+ summary: s
    #+ params: org (iri)
    SELECT ?org WHERE {
      VALUES (?org) { (<https://w3id.org/alliancekg/id/org/ipgp>) }  # an example: edit it to ask about another
      ?org ?p ?o }
    """
    if not example:
        return query.text
    terms = bind_params(query.params, example)
    names = " ".join(f"?{name}" for name in terms)
    values = " ".join(term_to_sparql(term) for term in terms.values())
    at = where_group_start(query.text)
    rest = query.text[at:] if query.text[at:].startswith("\n") else "\n  " + query.text[at:].lstrip()
    return f"{query.text[:at]}\n  VALUES ({names}) {{ ({values}) }}  # an example: edit it to ask about another{rest}"


def catalogue_entries(settings: Settings) -> list[dict[str, Any]]:
    """The catalogue as plain data, the well-known folders first: name, folder, summary, kind,
    params, columns, the example values (``None`` when a parameterised query has none), the
    file's text and the text with the example bound."""
    order = {folder: i for i, folder in enumerate(_FOLDERS)}
    entries = []
    for query in catalogue(settings.queries_dir):
        folder = query.name.rpartition("/")[0]
        required = {name for name, kind in query.params.items() if not kind.endswith("?")}
        example = dict(query.example) if required <= set(query.example) else None
        runnable = example_query(query, example)
        entries.append({"name": query.name, "folder": folder, "summary": query.summary, "kind": query.kind,
                        "params": query.params, "columns": list(query.columns), "example": example,
                        "text": query.text, "example_query": runnable})
    return sorted(entries, key=lambda e: (order.get(e["folder"], len(order)), e["folder"], e["name"]))


def _asset_path(settings: Settings, name: str) -> Path:
    return settings.root / YASGUI_BUILD / name if name in _YASGUI_FILES else _HERE / "static" / name


@lru_cache(maxsize=16)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _asset_url(settings: Settings, name: str) -> str:
    stat = (path := _asset_path(settings, name)).stat()
    return f"assets/{name}?v={_digest(path, stat.st_mtime_ns, stat.st_size)}"


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)


def _page_context(service: Service) -> dict[str, Any]:
    settings, options = service.settings, service.options
    installed = all(_asset_path(settings, name).is_file() for name in _YASGUI_FILES)
    entries = catalogue_entries(settings)
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry["folder"], []).append(entry)
    start = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items()) + _START
    return {
        "installed": installed,
        "assets": {name: _asset_url(settings, name) for name in _YASGUI_FILES + _OWN_FILES
                   if installed or name in _OWN_FILES},
        "groups": [(folder, _FOLDERS.get(folder, folder), items) for folder, items in groups.items()],
        "downloads": [(name, label) for name, _, label in DISTRIBUTIONS if (service.dist_dir / name).is_file()],
        "tables": [f"{TIES_DIR}/{name}" for name in TIE_TABLES if (service.dist_dir / TIES_DIR / name).is_file()],
        "options": options,
        "data": {"start": start, "queries": [{k: e[k] for k in ("name", "example_query")} for e in entries]},
    }


async def page(request: Request) -> Response:
    """``/``: the query UI, or (503) a short page saying how to install it."""
    service: Service = request.app.state.service
    context = await anyio.to_thread.run_sync(_page_context, service)
    context["endpoint"] = str(request.url_for("sparql"))
    html = _templates().get_template("ui.html").render(context)
    return HTMLResponse(html, status_code=200 if context["installed"] else 503)


async def queries_json(request: Request) -> Response:
    """``/queries.json``: the query catalogue with example values, for reuse by other tools."""
    service: Service = request.app.state.service
    entries = await anyio.to_thread.run_sync(catalogue_entries, service.settings)
    return JSONResponse(entries)


async def asset(request: Request) -> Response:
    """``/assets/NAME``: YASGUI's build files and the page's own script and style."""
    service: Service = request.app.state.service
    name = request.url.path.rpartition("/")[2]
    path = _asset_path(service.settings, name)
    if not path.is_file():
        return problem(request, 404, f"{name} is not installed; run `make install` (npm ci) in the project folder")
    return FileResponse(path, media_type=_MEDIA[path.suffix], headers={"Cache-Control": _IMMUTABLE})


def routes() -> list[BaseRoute]:
    """The UI's routes: the page, the catalogue as JSON, and one route per asset."""
    return [
        Route("/", page, methods=["GET"], name="ui"),
        Route("/queries.json", queries_json, methods=["GET"], name="queries"),
        *(Route(f"/assets/{name}", asset, methods=["GET"]) for name in _YASGUI_FILES + _OWN_FILES),
    ]
