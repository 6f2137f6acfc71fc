"""The linked-data server, over HTTP on 127.0.0.1: the endpoint's formats and negotiation, the
service description, VoID/DCAT and the downloads."""

from __future__ import annotations

import csv
import io

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from alliancekg.web.conneg import negotiate

MEMBERS = ("PREFIX org: <http://www.w3.org/ns/org#> "
           "SELECT ?m ?o WHERE { ?m a org:Membership ; org:organization ?o } ORDER BY ?m")


@pytest.fixture(scope="module")
def client(reference_server) -> httpx.Client:
    with httpx.Client(base_url=reference_server.base, timeout=30) as client:
        yield client


@pytest.mark.parametrize(("accept", "media"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.2, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json"),
])
def test_select_answers_in_the_negotiated_format(client: httpx.Client, accept: str, media: str) -> None:
    response = client.get("/sparql", params={"query": MEMBERS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert "Accept" in response.headers["vary"]


def test_every_results_format_holds_the_same_rows(client: httpx.Client) -> None:
    as_json = client.get("/sparql", params={"query": MEMBERS, "format": "json"}).json()
    rows = [(b["m"]["value"], b["o"]["value"]) for b in as_json["results"]["bindings"]]
    assert len(rows) >= 20
    as_csv = client.get("/sparql", params={"query": MEMBERS, "format": "csv"}).text
    assert [tuple(r) for r in csv.reader(io.StringIO(as_csv))][1:] == rows
    as_xml = client.get("/sparql", params={"query": MEMBERS, "format": "xml"}).content
    parsed = ox.parse_query_results(as_xml, format=ox.QueryResultsFormat.XML)
    assert [(s["m"].value, s["o"].value) for s in parsed] == rows
    as_tsv = client.get("/sparql", params={"query": MEMBERS, "format": "tsv"}).text
    assert [tuple(c.strip("<>") for c in line.split("\t")) for line in as_tsv.splitlines()[1:]] == rows


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
])
def test_construct_answers_in_every_rdf_syntax(client: httpx.Client, accept: str, rdflib_format: str) -> None:
    query = "PREFIX org: <http://www.w3.org/ns/org#> CONSTRUCT WHERE { ?m a org:Membership ; org:organization ?o }"
    response = client.post("/sparql", content=query,
                           headers={"Content-Type": "application/sparql-query", "Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    memberships = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/org#Membership")))
    assert len(memberships) >= 20 and len(graph) == 2 * len(memberships)


def test_ask_by_form_post(client: httpx.Client) -> None:
    response = client.post("/sparql", data={"query": "ASK { ?s a <http://www.w3.org/ns/org#Membership> }"},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.json() == {"head": {}, "boolean": True}


def test_an_answer_in_no_acceptable_type_is_406(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


def test_an_unknown_format_parameter_is_400(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": MEMBERS, "format": "yaml"})
    assert response.status_code == 400 and "yaml" in response.text


def test_the_service_description_lists_language_formats_and_void(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = rdflib.URIRef(f"{client.base_url}/sparql")
    assert (service, rdflib.RDF.type, sd.Service) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert len(set(graph.objects(service, sd.resultFormat))) == 8
    assert (service, rdflib.RDFS.seeAlso, rdflib.URIRef(f"{client.base_url}/.well-known/void")) in graph


def test_a_browser_asking_the_endpoint_alone_goes_to_the_ui(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_void_is_served_in_each_rdf_syntax_and_lists_the_dumps(client: httpx.Client, built) -> None:
    expected = rdflib.Graph().parse(built.dist_dir / "void.ttl")
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                        ("application/rdf+xml", "xml"), ("application/n-triples", "nt")):
        response = client.get("/.well-known/void", headers={"Accept": accept})
        assert response.status_code == 200
        graph = rdflib.Graph().parse(data=response.content, format=fmt)
        assert rdflib.compare.isomorphic(graph, expected)
    dumps = set(expected.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#dataDump")))
    assert len(dumps) >= 3


def test_every_dump_listed_in_void_downloads(client: httpx.Client, built) -> None:
    void = rdflib.Graph().parse(built.dist_dir / "void.ttl")
    downloads = set(void.objects(None, rdflib.URIRef("http://www.w3.org/ns/dcat#downloadURL")))
    assert len(downloads) >= 3
    for url in downloads:
        path = str(url).removeprefix("https://w3id.org/alliancekg")
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content == (built.dist_dir / path.removeprefix("/dist/")).read_bytes()
    published = {str(url).removeprefix("https://w3id.org/alliancekg/dist/") for url in downloads}
    assert published >= {"alliancekg.nt", "ties/ties.csv", "ties/organisations.csv", "ties/hubs.csv"}


def test_the_tie_tables_download_as_csv(client: httpx.Client, built) -> None:
    response = client.get("/dist/ties/ties.csv")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines()[0] == "layer,organisation,hub,role,start,end,source"
    assert response.content == (built.dist_dir / "ties" / "ties.csv").read_bytes()


def test_only_published_files_download(client: httpx.Client) -> None:
    assert client.get("/dist/store").status_code == 404
    assert client.get("/dist/..%2Fpyproject.toml").status_code == 404
    assert client.get("/dist/ties").status_code == 404
    assert client.get("/dist/ties/..%2F..%2Fpyproject.toml").status_code == 404
    assert client.get("/dist/store/CURRENT").status_code == 404


def test_conneg_prefers_the_most_specific_range() -> None:
    assert negotiate("text/*;q=0.3, text/turtle;q=0", ["text/turtle", "text/csv"]) == "text/csv"
    assert negotiate("", ["application/ld+json"]) == "application/ld+json"
    assert negotiate("*/*;q=0", ["text/turtle"]) is None
    assert negotiate("application/*", ["text/csv", "application/rdf+xml"]) == "application/rdf+xml"


def test_void_names_the_endpoint_and_dcat_its_data_service(client: httpx.Client) -> None:
    graph = rdflib.Graph().parse(data=client.get("/.well-known/void").text, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    endpoint = rdflib.URIRef("https://w3id.org/alliancekg/sparql")
    dataset = rdflib.URIRef("https://w3id.org/alliancekg/id/dataset/alliancekg")
    assert (dataset, rdflib.URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), endpoint) in graph
    assert (endpoint, rdflib.RDF.type, dcat.DataService) in graph
    assert (endpoint, dcat.servesDataset, dataset) in graph
    media = {str(m).rsplit("/media-types/", 1)[1] for m in graph.objects(None, dcat.mediaType)}
    assert {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"} <= media


def test_the_catalogue_runs_against_the_server_as_against_the_store(reference_server, settings) -> None:
    from alliancekg.query import run_query

    params = {"institution": "https://w3id.org/alliancekg/id/org/ipgp"}
    remote = run_query("cq/institution-alliances", params, engine=reference_server.sparql_url, settings=settings)
    local = run_query("cq/institution-alliances", params, engine="store",
                      settings=settings.__class__(root=settings.root,
                                                  dist_dir_override=reference_server.app.state.service.dist_dir))
    assert remote.rows == local.rows and len(remote.rows) == 3


def test_from_the_data_graph_reads_the_default_graph(client: httpx.Client) -> None:
    count = "SELECT (COUNT(*) AS ?n) {FROM} WHERE {{ ?s ?p ?o }}"
    plain = client.get("/sparql", params={"query": count.format(FROM="")}).json()
    named = client.get("/sparql", params={
        "query": count.format(FROM="FROM <https://w3id.org/alliancekg/graph/data>")}).json()
    by_protocol = client.get("/sparql", params={"query": count.format(FROM=""),
                                                "default-graph-uri": "https://w3id.org/alliancekg/graph/data"}).json()
    values = {doc["results"]["bindings"][0]["n"]["value"] for doc in (plain, named, by_protocol)}
    assert len(values) == 1 and int(values.pop()) > 4000


def test_a_plain_json_client_gets_json_results(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"


def test_a_query_over_the_length_limit_is_413(client: httpx.Client, reference_server) -> None:
    limit = reference_server.app.state.service.options.max_query_chars
    padding = "# " + "x" * limit + "\n"
    response = client.post("/sparql", content=padding + "ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413 and f"{limit}-character limit" in response.text
    assert client.post("/sparql", content="ASK {}", headers={"Content-Type": "application/sparql-query"}).json()["boolean"]
