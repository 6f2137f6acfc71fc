"""The W3C SPARQL 1.1 Protocol tests, replayed over HTTP against ``alliancekg serve``.

The manifest and its data are read where the W3C test data is kept, next to the project
(``../shared/w3c/sparql11-protocol/``), and never copied in; without them the cases skip. Every
manifest entry is one test case named after the entry. Each request is sent as the manifest writes
it: its method, its path (``/sparql/`` mapped to our ``/sparql``), its headers and no others but
``Host`` and ``Content-Length``, and its body encoded in its declared character encoding. The
answer must have the expected status class and, where the manifest says, the expected boolean and
a media type of the expected family that parses as that family.

The endpoint is read-only. As the W3C README says, a query-only service passes the update tests by
refusing every update request with a 4xx; the requests that follow a refused update in the same
test check the update's effect, so they must still answer, and answer the opposite boolean: the
store is unchanged.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from servers import AllianceKGServer, running_alliancekg

from alliancekg.settings import Settings, find_root

ROOT = find_root(Path(__file__).parent)
W3C = Settings(root=ROOT).root.parent / "shared" / "w3c" / "sparql11-protocol"
MANIFEST = W3C / "manifest.ttl"

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
STATUS_CLASSES = {f"http://www.w3.org/2011/http-statusCodes#StatusCode{n}xx": n for n in (2, 3, 4, 5)}

# The media types of each expected format. RDFa is in the manifest's list but not offered here;
# JSON-LD is, and it is RDF.
FAMILIES = {
    "boolean": {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                "application/sparql-results+xml": ox.QueryResultsFormat.XML},
    "tabular": {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                "text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV},
    "RDF": {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
            "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD},
}
# Entries that cannot pass, with the reason; empty: every entry passes.
KNOWN_FAILURES: dict[str, str] = {}
UPDATE_MEDIA = "application/sparql-update"
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")


@dataclass(frozen=True)
class Request:
    """One ``ht:Request`` of a test and the answer it expects."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    status_classes: frozenset[int]
    boolean: bool | None = None
    format: str | None = None

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name), None)

    def params(self) -> dict[str, list[str]]:
        """The parameters of the URL and of a form body."""
        query = urllib.parse.urlsplit(self.path).query
        found = urllib.parse.parse_qs(query, keep_blank_values=True)
        if self.body and (self.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            for key, values in urllib.parse.parse_qs(self.body.decode("ascii"), keep_blank_values=True).items():
                found.setdefault(key, []).extend(values)
        return found

    @property
    def is_update(self) -> bool:
        """An update request: a ``sparql-update`` body or an update parameter, however well formed."""
        media = (self.header("content-type") or "").split(";")[0].strip().lower()
        return media == UPDATE_MEDIA or any(name in self.params() for name in UPDATE_PARAMS)


@dataclass(frozen=True)
class ProtocolCase:
    """One manifest entry: its name, title, requests and the graphs it assumes."""

    name: str
    title: str
    requests: tuple[Request, ...]
    graph_data: tuple[tuple[str, str], ...] = field(default=())  # (file name, graph IRI)


def _body(graph: rdflib.Graph, node: rdflib.term.Node) -> bytes | None:
    body = graph.value(node, HT.body)
    if body is None:
        return None
    chars = str(graph.value(body, CNT.chars))
    encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
    return chars.encode(encoding)


def _request(graph: rdflib.Graph, node: rdflib.term.Node) -> Request:
    headers = tuple((str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
                    for h in Collection(graph, graph.value(node, HT.headers) or rdflib.RDF.nil))
    response = graph.value(node, HT.resp)
    boolean = graph.value(response, MF.expectedBoolean)
    expected_format = graph.value(response, MF.expectedFormat)
    path = str(graph.value(node, HT.absolutePath))
    assert path.startswith("/sparql/"), path
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path="/sparql" + path.removeprefix("/sparql/"),
        headers=headers,
        body=_body(graph, node),
        status_classes=frozenset(STATUS_CLASSES[str(s)] for s in graph.objects(response, MF.expectedStatus)),
        boolean=None if boolean is None else bool(boolean.toPython()),
        format=None if expected_format is None else str(expected_format),
    )


def load_manifest(path: Path) -> tuple[list[ProtocolCase], int]:
    """The manifest's cases, in its order, and how many entries it lists."""
    graph = rdflib.Graph().parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(rdflib.RDF.type, MF.Manifest))
    entries = list(Collection(graph, graph.value(manifest, MF.entries)))
    cases = []
    for entry in entries:
        if (entry, rdflib.RDF.type, MF.ProtocolTest) not in graph:
            continue
        action = graph.value(entry, MF.action)
        requests = tuple(_request(graph, node) for node in Collection(graph, graph.value(action, HT.requests)))
        graph_data = tuple(sorted((Path(str(graph.value(d, UT.graph))).name, str(graph.value(d, rdflib.RDFS.label)))
                                  for d in graph.objects(entry, UT.graphData)))
        name = str(entry).rsplit("#", 1)[1]
        cases.append(ProtocolCase(name, str(graph.value(entry, MF.name)), requests, graph_data))
    return cases, len(entries)


CASES, ENTRIES = load_manifest(MANIFEST) if MANIFEST.is_file() else ([], 0)
ABSENT = pytest.mark.skip(reason=f"the W3C protocol tests are not at ../shared/w3c/{W3C.name}/")


def _params() -> list[object]:
    if not CASES:
        return [pytest.param(None, id="w3c-protocol-tests-absent", marks=ABSENT)]
    return [pytest.param(case, id=case.name, marks=[pytest.mark.xfail(reason=KNOWN_FAILURES[case.name], strict=True)]
                         if case.name in KNOWN_FAILURES else []) for case in CASES]


@pytest.mark.skipif(not MANIFEST.is_file(), reason=f"the W3C protocol tests are not at ../shared/w3c/{W3C.name}/")
def test_every_manifest_entry_is_a_case() -> None:
    assert ENTRIES >= 34
    assert len(CASES) == ENTRIES
    assert len({case.name for case in CASES}) == len(CASES)
    assert sum(1 for case in CASES for request in case.requests if request.is_update) >= 12


def _protocol_graphs(cases: list[ProtocolCase]) -> set[str]:
    """Every graph IRI a request names with ``default-graph-uri`` or ``named-graph-uri``."""
    return {iri for case in cases for request in case.requests
            for key in ("default-graph-uri", "named-graph-uri") for iri in request.params().get(key, [])}


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AllianceKGServer]:
    """The W3C data as named graphs of an on-disk store, served with the default limits."""
    if not CASES:
        pytest.skip(f"the W3C protocol tests are not at ../shared/w3c/{W3C.name}/")
    path = tmp_path_factory.mktemp("w3c") / "store"
    store = ox.Store(str(path))
    data = {pair for case in CASES for pair in case.graph_data}
    for file_name, iri in sorted(data):
        store.load(path=str(W3C / file_name), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
    # Several tests name data0.rdf as their default-graph-uri and give it no data: the suite expects
    # an endpoint that answers over an empty graph. This server refuses a graph it does not hold
    # with 400 (it never fetches one), so every graph the requests name without data is added to
    # the store as an empty named graph.
    for iri in sorted(_protocol_graphs(CASES) - {iri for _, iri in data}):
        store.add_graph(ox.NamedNode(iri))
    store.flush()
    del store
    with running_alliancekg(path, root=ROOT) as server:
        yield server


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: bytes


def replay(server: AllianceKGServer, request: Request) -> Answer:
    """Send ``request`` with its own headers only (``http.client`` adds ``Host``; the length is ours)."""
    split = urllib.parse.urlsplit(server.base)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
    try:
        connection.putrequest(request.method, request.path, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        if request.body is not None:
            connection.putheader("Content-Length", str(len(request.body)))
        connection.endheaders(request.body)
        response = connection.getresponse()
        body = response.read()
        media = (response.getheader("content-type") or "").split(";")[0].strip().lower()
        return Answer(response.status, media, body)
    finally:
        connection.close()


def _boolean(answer: Answer) -> bool:
    if answer.media_type == "application/sparql-results+json":
        return json.loads(answer.body)["boolean"]
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.XML)
    assert isinstance(parsed, ox.QueryBoolean), answer.body[:200]
    return bool(parsed)


def _check_format(answer: Answer, expected: str) -> None:
    family = FAMILIES[expected]
    assert answer.media_type in family, f"{answer.media_type} is not a {expected} media type"
    syntax = family[answer.media_type]
    if isinstance(syntax, ox.RdfFormat):
        list(ox.parse(answer.body, format=syntax))
    else:
        parsed = ox.parse_query_results(answer.body, format=syntax)
        assert isinstance(parsed, ox.QueryBoolean) == (expected == "boolean")


@pytest.mark.parametrize("case", _params())
def test_w3c_protocol(w3c_server: AllianceKGServer, case: ProtocolCase) -> None:
    refused_update = False
    for step, request in enumerate(case.requests):
        answer = replay(w3c_server, request)
        where = f"request {step + 1} of {case.name} ({request.method} {request.path[:60]})"
        if request.is_update:
            assert 400 <= answer.status < 500, f"{where}: a read-only endpoint refuses updates, got {answer.status}"
            assert answer.body.strip(), f"{where}: the refusal says why"
            refused_update = True
            continue
        assert answer.status // 100 in request.status_classes, f"{where}: {answer.status} {answer.body[:200]!r}"
        if request.format is not None:
            _check_format(answer, request.format)
        if request.boolean is not None:
            # after a refused update, its effect must be absent
            assert _boolean(answer) is (request.boolean != refused_update), where


def test_relative_iris_resolve_against_the_endpoint(tmp_path: Path) -> None:
    """Regression: a query with relative IRIs and no BASE failed with a syntax error (400); the
    protocol lets the service define the base, and ours is the endpoint's URL."""
    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))
    store.flush()
    del store
    with running_alliancekg(path, root=ROOT) as server:
        request = Request("POST", "/sparql", (("Content-Type", "application/sparql-query"),
                                              ("Accept", "application/n-triples")),
                          b"CONSTRUCT { <s> <p> <o#x> } WHERE { ?s ?p 'o' }", frozenset({2}))
        answer = replay(server, request)
    assert answer.status == 200, answer.body
    triples = [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
    base = f"{server.base}/"
    assert triples == [ox.Triple(ox.NamedNode(base + "s"), ox.NamedNode(base + "p"), ox.NamedNode(base + "o#x"))]
