"""The query UI at ``/``, over HTTP on 127.0.0.1: the page, its catalogue of examples (each one a
catalogue query; those with parameters bound to a tested value and answering it), its assets, the
limits it states, the page shown when YASGUI is not installed, and that no shipped page refers to
another origin."""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from servers import running_alliancekg

from alliancekg.params import to_term
from alliancekg.queryfile import catalogue
from alliancekg.web import ServerOptions

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "src" / "alliancekg" / "web"
QUERIES = {q.name: q for q in catalogue(ROOT / "queries")}
EXPECTED = Path(__file__).parent / "expected"
YASGUI = ROOT / "node_modules" / "@zazuko" / "yasgui" / "build"
needs_yasgui = pytest.mark.skipif(not (YASGUI / "yasgui.min.js").is_file(), reason="node_modules is absent: make install")


@pytest.fixture(scope="module")
def client(reference_server) -> httpx.Client:
    with httpx.Client(base_url=reference_server.base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def page(client: httpx.Client) -> httpx.Response:
    return client.get("/", headers={"Accept": "text/html"})


class Page(HTMLParser):
    """The parts of a page the tests read: example buttons, links, scripts and the embedded data."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.examples: list[str] = []
        self.links: list[str] = []
        self.scripts: list[str] = []
        self.data: dict = {}
        self._in_data = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "button" and "example" in (values.get("class") or "").split():
            self.examples.append(values["data-query"] or "")
        elif tag == "a":
            self.links.append(values.get("href") or "")
        elif tag == "script" and values.get("src"):
            self.scripts.append(values["src"] or "")
        self._in_data = tag == "script" and values.get("id") == "catalogue-data"

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data = json.loads(data)
            self._in_data = False


# --- The page and its examples --------------------------------------------------------------------

@needs_yasgui
def test_the_page_is_html_with_yasgui_on_this_servers_endpoint(page: httpx.Response) -> None:
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<div id="yasgui"></div>' in page.text
    assert 'data-endpoint="sparql"' in page.text  # relative: the page's own server
    parsed = Page(page.text)
    assert [src.split("?")[0] for src in parsed.scripts] == ["assets/yasgui.min.js", "assets/ui.js"]
    assert "PREFIX id: <https://w3id.org/alliancekg/id/>" in parsed.data["start"]


def test_every_example_is_a_catalogue_query_and_every_query_is_offered(page: httpx.Response) -> None:
    parsed = Page(page.text)
    assert len([name for name in parsed.examples if name.startswith("cq/")]) >= 25
    assert sorted(parsed.examples) == sorted(QUERIES)
    assert [q["name"] for q in parsed.data["queries"]] == parsed.examples
    for query in parsed.data["queries"]:
        if not QUERIES[query["name"]].params:
            assert query["example_query"] == QUERIES[query["name"]].text


def test_examples_show_their_summaries_parameters_and_values(page: httpx.Response) -> None:
    text = re.sub(r"\s+", " ", page.text)
    for query in QUERIES.values():
        assert f'data-query="{query.name}"' in text
    assert "Parameters: <code>?institution</code> (iri)" in text
    assert "Example: <code>institution = id:org/ipgp</code>" in text
    assert "<code>?at</code> (date, optional)" in text
    assert "left unbound: <code>?at</code>" in text


def test_the_catalogue_as_json(client: httpx.Client) -> None:
    response = client.get("/queries.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    entries = {entry["name"]: entry for entry in response.json()}
    assert entries.keys() == QUERIES.keys()
    for name, query in QUERIES.items():
        entry = entries[name]
        assert entry["folder"] == name.rpartition("/")[0]
        assert (entry["summary"], entry["kind"], entry["text"]) == (query.summary, query.kind, query.text)
        assert entry["params"] == query.params and entry["columns"] == list(query.columns)
    assert entries["cq/institution-alliances"]["example"] == {"institution": "id:org/ipgp"}
    assert entries["cq/shared-members"]["example"] == {"a": "id:alliance/geoscope", "b": "id:alliance/intermagnet"}
    assert entries["cq/accreditations"]["example"] == {}


def _same_term(kind: str, a: str, b: str) -> bool:
    return to_term(a, kind.rstrip("?")) == to_term(b, kind.rstrip("?"))


BOUND = [name for name, query in QUERIES.items() if query.params and (EXPECTED / f"{name}.json").is_file()]


def test_parameterised_queries_are_found() -> None:
    assert len(BOUND) >= 20


@pytest.mark.parametrize("name", BOUND)
def test_a_bound_example_runs_on_the_endpoint_and_gives_its_tested_answer(client: httpx.Client, name: str) -> None:
    """The example's values are those of a case of the expected answers, and the text the UI opens,
    sent to ``/sparql`` as YASGUI sends it, gives that case's rows."""
    entry = next(e for e in client.get("/queries.json").json() if e["name"] == name)
    query = QUERIES[name]
    assert entry["example"] is not None, "a parameterised query with expected answers has an example"
    cases = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    case = next(c for c in cases if c["params"].keys() == entry["example"].keys()
                and all(_same_term(query.params[p], v, entry["example"][p]) for p, v in c["params"].items()))
    assert case["rows"], "the example is a case the data answers"
    for param, value in entry["example"].items():
        assert "VALUES" in entry["example_query"] and f"?{param}" in entry["example_query"]
        assert to_term(value, query.params[param].rstrip("?")).value in entry["example_query"]
    response = client.post("/sparql", data={"query": entry["example_query"]},
                           headers={"Accept": "application/sparql-results+json,*/*;q=0.9"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["head"]["vars"] == list(query.columns)
    rows = [[b.get(var, {}).get("value", "") for var in query.columns] for b in answer["results"]["bindings"]]
    if "ORDER BY" in query.text:
        assert rows == case["rows"]
    else:
        assert Counter(map(tuple, rows)) == Counter(map(tuple, case["rows"]))


# --- Links, limits, assets -------------------------------------------------------------------------

def test_the_page_links_the_description_ontology_dumps_and_catalogue(reference_server, client: httpx.Client,
                                                                      page: httpx.Response) -> None:
    links = Page(page.text).links
    for link in (".well-known/void", "ontology", "queries.json", "dist/alliancekg.ttl", "dist/alliancekg.nt",
                 "dist/ties/ties.csv"):
        assert link in links
    for link in (".well-known/void", "queries.json", "dist/alliancekg.ttl", "dist/ties/hubs.csv"):
        assert client.get("/" + link).status_code == 200, link
    assert f"SPARQL endpoint: <code>{reference_server.sparql_url}</code>" in page.text


def test_the_page_states_the_servers_limits(built) -> None:
    options = ServerOptions(timeout=7.5, max_rows=1234, max_concurrent=3)
    with running_alliancekg(built.dist_dir / "store", options=options) as server:
        text = re.sub(r"\s+", " ", httpx.get(server.base + "/").text)
    assert "at most 1,234 rows" in text and "stops after 7.5 s" in text and "at most 3 queries" in text


@needs_yasgui
@pytest.mark.parametrize(("name", "media"), [("yasgui.min.js", "text/javascript"), ("yasgui.min.css", "text/css"),
                                             ("ui.js", "text/javascript"), ("ui.css", "text/css")])
def test_assets_are_served_with_long_caching(client: httpx.Client, page: httpx.Response, name: str, media: str) -> None:
    url = next(u for u in re.findall(r'(?:src|href)="(assets/[^"]+)"', page.text) if u.startswith(f"assets/{name}?"))
    response = client.get("/" + url)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media}; charset=utf-8"
    assert "max-age=31536000" in response.headers["cache-control"]
    source = YASGUI / name if name.startswith("yasgui") else WEB / "static" / name
    assert response.content == source.read_bytes()


def test_only_the_named_assets_are_served(client: httpx.Client) -> None:
    for path in ("/assets/yasgui.esm.js", "/assets/yasgui.min.js.map", "/assets/../package.json", "/assets/"):
        assert client.get(path).status_code == 404, path


def test_without_node_modules_the_page_says_how_to_install(built, tmp_path: Path) -> None:
    (tmp_path / "queries").symlink_to(ROOT / "queries")
    with running_alliancekg(built.dist_dir / "store", root=tmp_path) as server:
        page = httpx.get(server.base + "/")
        script = httpx.get(server.base + "/assets/yasgui.min.js")
        style = httpx.get(server.base + "/assets/ui.css")
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "make install" in page.text and "npm ci" in page.text
    assert "yasgui" not in " ".join(Page(page.text).scripts)
    assert sorted(Page(page.text).examples) == sorted(QUERIES)  # the catalogue is still listed
    assert script.status_code == 404 and "make install" in script.text
    assert style.status_code == 200


# --- Nothing from elsewhere ------------------------------------------------------------------------

# A URL that leaves this origin: a scheme with an authority (http://, https://, ws://...) or protocol-relative.
_OFF_ORIGIN = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//")
# Attributes that make a browser fetch something (links <a href> are navigation, not loads).
_LOADING = {"src", "srcset", "poster", "data", "action", "formaction", "background", "manifest", "ping", "xlink:href"}
_HREF_LOADS = {"link", "base", "image", "use", "feimage"}
_CSS_URLS = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+(?:url\()?\s*['"]?([^'");\s]+)""", re.IGNORECASE)
_SCRIPT_URLS = re.compile(r"""(?:fetch|import|\.open\s*\(\s*['"][A-Za-z]+['"]\s*,|new\s+(?:WebSocket|EventSource|Worker|"""
                          r"""SharedWorker|URL)|sendBeacon|importScripts)\s*\(?\s*['"`]([^'"`]+)|"""
                          r"""\bfrom\s*['"`]([^'"`]+)""")
_NOT_SCRIPT = ("application/json", "application/ld+json", "text/template", "text/plain")


def css_references(text: str) -> list[str]:
    return [a or b for a, b in _CSS_URLS.findall(text)]


def script_references(text: str) -> list[str]:
    return [a or b for a, b in _SCRIPT_URLS.findall(text)]


class References(HTMLParser):
    """Every URL a page makes the browser load: element attributes, ``style`` attributes and blocks,
    ``meta refresh``, and the string targets of fetches in inline scripts (not data blocks)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._open: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name == "srcset":
                self.urls.extend(candidate.split()[0] for candidate in value.split(",") if candidate.strip())
            elif name in _LOADING or (name == "href" and tag in _HREF_LOADS):
                self.urls.append(value)
            elif name == "style":
                self.urls.extend(css_references(value))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.urls.extend(re.findall(r"url\s*=\s*['\"]?([^'\";]+)", values.get("content", ""), re.IGNORECASE))
        if tag == "style" or (tag == "script" and values.get("type", "text/javascript") not in _NOT_SCRIPT):
            self._open = (tag, "")

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open = (self._open[0], self._open[1] + data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[0] == tag:
            text = self._open[1]
            self.urls.extend(css_references(text) if tag == "style" else script_references(text))
            self._open = None


def off_origin(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    parser.close()
    return [url for url in parser.urls if _OFF_ORIGIN.match(url)]


@pytest.mark.parametrize("html", [
    '<script src="https://cdn.example.org/yasgui.js"></script>',
    '<link rel="stylesheet" href="//fonts.example.org/css">',
    '<link rel=icon href=http://example.org/favicon.ico>',
    '<img srcset="a.png 1x, https://example.org/b.png 2x">',
    '<iframe src="HTTPS://example.org/"></iframe>',
    '<form action="https://example.org/collect"></form>',
    '<div style="background: url(\'https://example.org/x.png\')"></div>',
    '<style>@import "https://example.org/font.css";</style>',
    '<style>body { background: url(//example.org/x.png) }</style>',
    '<script>fetch("https://lov.example.org/api?q=x")</script>',
    '<script>xhr.open("GET", "https://example.org/prefixes")</script>',
    '<script>import("https://example.org/module.js")</script>',
    '<meta http-equiv="refresh" content="0; url=https://example.org/">',
])
def test_the_reference_scanner_finds_off_origin_loads(html: str) -> None:
    assert off_origin(html)


@pytest.mark.parametrize("html", [
    '<script src="assets/yasgui.min.js?v=1"></script><link rel="icon" href="data:,">',
    '<a href="https://w3id.org/alliancekg/">the dataset IRI, a link the reader may follow</a>',
    '<script type="application/json">{"q": "PREFIX org: <http://www.w3.org/ns/org#> SELECT * {}"}</script>',
    '<pre>SELECT * WHERE { ?s a <https://schema.org/Organization> }</pre>',
    '<script>fetch(new URL("sparql", document.baseURI))</script>',
])
def test_the_reference_scanner_leaves_text_and_same_origin_urls_alone(html: str) -> None:
    assert off_origin(html) == []


def test_no_template_or_static_file_loads_anything_from_another_origin() -> None:
    templates = sorted((WEB / "templates").glob("*.html"))
    assert any(t.name == "ui.html" for t in templates)
    for template in templates:
        assert off_origin(template.read_text(encoding="utf-8")) == [], template.name
    for path in sorted((WEB / "static").iterdir()):
        text = path.read_text(encoding="utf-8")
        found = css_references(text) if path.suffix == ".css" else script_references(text) if path.suffix == ".js" else []
        assert [url for url in found if _OFF_ORIGIN.match(url)] == [], path.name


@needs_yasgui
def test_the_rendered_page_and_yasguis_style_load_nothing_from_another_origin(client: httpx.Client,
                                                                             page: httpx.Response) -> None:
    assert off_origin(page.text) == []
    style = client.get(next(u for u in re.findall(r'href="(assets/yasgui\.min\.css[^"]*)"', page.text)))
    assert [url for url in css_references(style.text) if _OFF_ORIGIN.match(url)] == []


def test_the_content_security_policy_allows_only_this_origin(client: httpx.Client) -> None:
    for path in ("/", "/assets/ui.js", "/queries.json"):
        policy = client.get(path).headers["content-security-policy"]
        directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
        assert directives["default-src"] == ["'self'"]
        for name in ("script-src", "style-src", "img-src", "font-src", "connect-src", "form-action"):
            sources = directives.get(name, directives["default-src"])
            assert set(sources) <= {"'self'", "'none'", "'unsafe-inline'", "data:"}, (name, sources)
        assert directives["frame-ancestors"] == ["'none'"]
