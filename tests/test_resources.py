"""Dereferenceable IRIs and the ontology's documentation, over HTTP on 127.0.0.1: the HTML page of a
resource (label, types, statements, referenced by, sources), its RDF forms against the dump,
negotiation, links, bounds, escaping, and the ontology page against the ontology file."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import httpx
import lxml.html
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from servers import running_alliancekg

from alliancekg.namespaces import AKG, ID, ONTOLOGY_IRI
from alliancekg.provenance import FACT_CLASSES
from alliancekg.web.resource_description import INCOMING_CAP

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "alliancekg.ttl"
IPGP = ID["org/ipgp"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
RDF_FORMATS = [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
               ("application/n-triples", "nt"), ("application/rdf+xml", "xml")]


@pytest.fixture(scope="module")
def client(reference_server) -> httpx.Client:
    with httpx.Client(base_url=reference_server.base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def dump(built) -> rdflib.Graph:
    """The published dataset, read directly from the N-Triples dump."""
    return rdflib.Graph().parse(built.dist_dir / "alliancekg.nt", format="nt")


def _local(iri: rdflib.term.Node) -> str:
    return "/id/" + str(iri)[len(str(ID)):]


def _page(response: httpx.Response) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return lxml.html.fromstring(response.text)


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


class _Structure(HTMLParser):
    """What an HTML5 check needs: the doctype, balanced elements, ids and link targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype, self.stack, self.errors = False, [], []
        self.ids: Counter[str] = Counter()
        self.links: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or (decl.lower() == "doctype html" and not self.tags)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        values = dict(attrs)
        if values.get("id") is not None:
            self.ids[values["id"]] += 1
        self.links += [v for k, v in attrs if k in ("href", "src", "action", "formaction") and v is not None]
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/>")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close {self.stack[-1:] or 'anything'}")
        else:
            self.stack.pop()


def assert_valid_page(text: str) -> _Structure:
    """A well-formed HTML5 page whose links all stay on this server and whose anchors exist."""
    page = _Structure()
    page.feed(text)
    page.close()
    assert page.doctype, "starts with <!DOCTYPE html>"
    assert not page.errors and not page.stack, (page.errors, page.stack)
    assert page.tags["html"] == page.tags["head"] == page.tags["body"] == page.tags["title"] == 1
    assert re.search(r'<meta charset="utf-8">', text) and re.search(r'<html lang="\w+">', text)
    assert [i for i, n in page.ids.items() if n > 1] == [], "ids are unique"
    for link in page.links:
        assert link.startswith(("/", "#", "?", "data:")) and not link.startswith("//"), f"{link} leaves the server"
        if link.startswith("#"):
            assert link[1:] in page.ids, f"{link} has no target"
    return page


def test_a_browser_gets_the_page_of_a_resource(client: httpx.Client, dump: rdflib.Graph) -> None:
    response = client.get("/id/org/ipgp", headers={"Accept": BROWSER})
    page = _page(response)
    assert_valid_page(response.text)
    assert page.findtext(".//h1") == "Institut de physique du globe de Paris"
    assert page.find(".//title").text.startswith("Institut de physique du globe de Paris")
    header = page.find(".//header")
    types = {a.get("href") for a in header.iter("a")}
    for kind in dump.objects(IPGP, rdflib.RDF.type):
        if str(kind).startswith(str(AKG._NS)):
            assert f"/ontology#{str(kind).split('#')[1]}" in types
        else:
            assert str(kind) in {s.get("title") for s in header.iter("span")}, "other types show as text"
    statements = page.get_element_by_id("statements")
    assert len(statements.findall(".//tbody/tr")) == len(set(dump.predicate_objects(IPGP)))
    shown = {a.get("href") for a in statements.iter("a")}
    for value in dump.objects(IPGP, None):
        if isinstance(value, rdflib.URIRef) and str(value).startswith(str(ID)):
            assert _local(value) in shown
    referenced = page.get_element_by_id("referenced-by")
    assert {a.get("href") for a in referenced.iter("a")} >= {_local(s) for s in dump.subjects(None, IPGP)}


def _passages_behind(page: lxml.html.HtmlElement, row: lxml.html.HtmlElement) -> set[str]:
    """The passage links of the Sources rows that a statement row points to."""
    found = set()
    for ref in row.xpath("./td[last()]/a[starts-with(@href, '#p')]"):
        source_row = page.get_element_by_id(ref.get("href")[1:])
        found |= {a.get("href") for a in source_row.iter("a") if a.get("href").startswith("/id/passage/")}
    return found


def test_each_statement_shows_the_passages_it_rests_on(client: httpx.Client, dump: rdflib.Graph) -> None:
    page = _page(client.get("/id/org/ipgp", headers={"Accept": BROWSER}))
    own = {_local(p) for p in dump.objects(IPGP, AKG.passage)}
    assert own
    label_row = next(r for r in page.get_element_by_id("statements").iter("tr") if "rdfs:label" in r.text_content())
    assert _passages_behind(page, label_row) == own
    memberships = list(dump.subjects(ORG.member, IPGP))
    assert memberships
    incoming = page.get_element_by_id("referenced-by").findall(".//tbody/tr")
    outgoing = page.get_element_by_id("statements").findall(".//tbody/tr")
    for membership in memberships:
        behind = {_local(p) for p in dump.objects(membership, AKG.passage)}
        row = next(r for r in incoming if r.find("./td/a").get("href") == _local(membership))
        assert _passages_behind(page, row) == behind, "the membership's own statement"
        row = next(r for r in outgoing if r.xpath(f"./td/a[@href='{_local(membership)}']"))
        assert _passages_behind(page, row) == behind, "the link to the membership rests on it too"
    parent = dump.value(IPGP, ORG.subOrganizationOf)
    row = next(r for r in outgoing if r.xpath(f"./td/a[@href='{_local(parent)}']"))
    assert _passages_behind(page, row) == own, "a link to another resource: this one's passages"
    assert row.xpath(f"./td/a[@href='{_local(parent)}#sources']"), "and the other's, on its page"
    publisher = next(r for r in incoming if "dcterms:publisher" in r.text_content())
    assert not publisher.xpath(".//a[contains(@href, '#sources')]"), "a source document cites no passage"
    sources = page.get_element_by_id("sources")
    for passage in dump.objects(IPGP, AKG.passage):
        start, end = dump.value(passage, OA.start), dump.value(passage, OA.end)
        source = dump.value(passage, rdflib.DCTERMS.isPartOf)
        row = next(r for r in sources.iter("tr") if r.xpath(f".//a[@href='{_local(passage)}']"))
        assert f"{start}–{end}" in row.text_content()
        assert row.xpath(f".//a[@href='{_local(source)}']")
        assert str(dump.value(source, rdflib.RDFS.label)) in row.text_content()


@pytest.mark.parametrize(("accept", "rdflib_format"), RDF_FORMATS)
def test_rdf_forms_hold_the_description_and_its_provenance(client: httpx.Client, dump: rdflib.Graph,
                                                           accept: str, rdflib_format: str) -> None:
    response = client.get("/id/org/ipgp", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    expected = set(dump.triples((IPGP, None, None))) | set(dump.triples((None, None, IPGP)))
    linked = set(dump.subjects(None, IPGP)) | set(dump.objects(IPGP, None))
    facts = {n for n in linked if set(dump.objects(n, rdflib.RDF.type)) & FACT_CLASSES}
    assert len(facts) >= 5
    expected |= {(f, AKG.passage, p) for f in facts for p in dump.objects(f, AKG.passage)}
    passages = set(dump.objects(IPGP, AKG.passage)) | {p for f in facts for p in dump.objects(f, AKG.passage)}
    for passage in passages:
        expected |= {t for t in dump.triples((passage, None, None))
                     if t[1] in (rdflib.DCTERMS.isPartOf, OA.start, OA.end, rdflib.RDFS.label)}
    assert expected <= set(graph), expected - set(graph)
    assert set(graph) <= set(dump), "every triple served is a triple of the dataset"


def _links(response: httpx.Response) -> list[dict[str, str]]:
    links = []
    for item in re.findall(r'<[^>]*>[^,]*', response.headers["link"]):
        target, *params = item.split(";")
        links.append({"href": target.strip()[1:-1],
                      **{k.strip(): v.strip().strip('"') for k, _, v in (p.partition("=") for p in params)}})
    return links


@pytest.mark.parametrize("path", ["/id/org/ipgp", "/ontology"])
def test_link_headers_name_alternates_that_resolve(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert "Accept" in response.headers["vary"]
    links = _links(response)
    canonical = [link["href"] for link in links if link["rel"] == "canonical"]
    assert canonical == ["https://w3id.org/alliancekg" + path]
    alternates = {link["type"]: link["href"] for link in links if link["rel"] == "alternate"}
    assert set(alternates) == {"text/html", "text/turtle", "application/ld+json", "application/n-triples",
                               "application/rdf+xml"}
    for media, href in alternates.items():
        answer = client.get(href, headers={"Accept": "image/png"})  # the URL decides, not Accept
        assert answer.status_code == 200, href
        assert answer.headers["content-type"].split(";")[0] == media


def test_the_page_links_its_alternates(client: httpx.Client) -> None:
    page = _page(client.get("/id/org/ipgp"))
    types = {link.get("type") for link in page.xpath("//head/link[@rel='alternate']")}
    assert types == {"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"}
    assert page.xpath("//header//a[@href='/']"), "a link to the SPARQL UI"


@pytest.mark.parametrize("path", ["/id/org/no-such-organisation", "/id/a%20b", "/id/", "/id/org/ipgp/more"])
def test_an_unknown_resource_is_404(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert len(response.content) < 200 and "<" not in response.text


@pytest.mark.parametrize(("accept", "media"), [
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
    ("text/html;q=0.1, application/n-triples", "application/n-triples"),
    ("application/rdf+xml, text/html;q=0.8", "application/rdf+xml"),
    ("text/*;q=0.3, application/ld+json;q=0.2", "text/html"),
    ("text/html;q=0, text/*", "text/turtle"),
    (BROWSER, "text/html"),
    ("application/xhtml+xml", "text/html"),
    ("*/*", "text/html"),
    (None, "text/html"),
])
def test_accept_q_values_choose_the_form(client: httpx.Client, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/alliance/circle-u", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media


def test_format_parameter_wins_over_accept_and_refuses_the_unknown(client: httpx.Client) -> None:
    response = client.get("/id/org/ipgp", params={"format": "ntriples"}, headers={"Accept": "text/html"})
    assert response.headers["content-type"] == "application/n-triples"
    assert client.get("/id/org/ipgp", params={"format": "png"}).status_code == 400
    assert client.get("/id/org/ipgp", headers={"Accept": "image/png"}).status_code == 406


def test_concepts_of_the_vocabularies_dereference(client: httpx.Client, dump: rdflib.Graph) -> None:
    concept = ID["role/founding-member"]
    page = _page(client.get("/id/role/founding-member", headers={"Accept": BROWSER}))
    assert page.findtext(".//h1") == str(dump.value(concept, rdflib.SKOS.prefLabel))
    referenced = {a.get("href") for a in page.get_element_by_id("referenced-by").iter("a")}
    assert {_local(m) for m in dump.subjects(ORG.role, concept)} <= referenced
    graph = rdflib.Graph().parse(data=client.get("/id/role/founding-member?format=turtle").content, format="turtle")
    assert set(dump.triples((concept, None, None))) <= set(graph)


def test_the_ontology_page_documents_every_term(client: httpx.Client) -> None:
    response = client.get("/ontology", headers={"Accept": BROWSER})
    page = _page(response)
    structure = assert_valid_page(response.text)
    ontology = rdflib.Graph().parse(ONTOLOGY)
    kinds = (rdflib.OWL.Class, rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty, rdflib.OWL.AnnotationProperty)
    terms = {str(t).split("#")[1] for kind in kinds for t in ontology.subjects(rdflib.RDF.type, kind)}
    assert len(terms) >= 80
    assert terms <= set(structure.ids)
    toc = {a.get("href") for a in page.xpath("//nav[@aria-label='Contents']//a")}
    assert {f"#{t}" for t in terms} <= toc
    assert page.findtext(".//h1") == str(ontology.value(ONTOLOGY_IRI, rdflib.DCTERMS.title))
    assert str(ontology.value(ONTOLOGY_IRI, rdflib.OWL.versionInfo)) in page.find(".//header").text_content()
    university = page.get_element_by_id("University").text_content()
    assert str(ontology.value(AKG.University, rdflib.RDFS.comment)) in university
    assert "akg:Institution" in university and "schema:CollegeOrUniversity" in university


def test_ontology_terms_on_resource_pages_land_on_an_anchor(client: httpx.Client) -> None:
    ids = set(assert_valid_page(client.get("/ontology").text).ids)
    page = _page(client.get("/id/membership/circle-u/university-of-oslo"))
    anchors = {href.split("#")[1] for href in page.xpath("//a/@href") if href.startswith("/ontology#")}
    assert anchors and anchors <= ids


@pytest.mark.parametrize(("accept", "rdflib_format"), RDF_FORMATS)
def test_the_ontology_in_rdf_is_the_ontology_file(client: httpx.Client, accept: str, rdflib_format: str) -> None:
    response = client.get("/ontology", headers={"Accept": accept})
    assert response.headers["content-type"].split(";")[0] == accept
    served = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    assert isomorphic(served, rdflib.Graph().parse(ONTOLOGY))


def test_ontology_slash_and_version(client: httpx.Client) -> None:
    response = client.get("/ontology/", follow_redirects=False)
    assert response.status_code in (301, 308) and response.headers["location"] == "/ontology"
    version = str(rdflib.Graph().parse(ONTOLOGY).value(ONTOLOGY_IRI, rdflib.OWL.versionIRI))
    assert client.get(version.replace("https://w3id.org/alliancekg", ""), params={"format": "turtle"}).status_code == 200
    assert client.get("/ontology/0.0.0-never").status_code == 404


def _store(path: Path, turtle: str) -> Path:
    store = ox.Store(str(path))
    store.load(turtle.encode(), format=ox.RdfFormat.TURTLE)
    store.flush()
    del store
    return path


PREFIXES = """
@prefix akg: <https://w3id.org/alliancekg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> . @prefix org: <http://www.w3.org/ns/org#> .
@base <https://w3id.org/alliancekg/id/> .
"""
HOSTILE = PREFIXES + """
<test/evil> rdfs:label "<script>alert(1)</script>"@en ; rdfs:comment "\\"><img src=x onerror=alert(2)>" ;
    rdfs:seeAlso <javascript:alert(3)> ; akg:passage <passage/evil/0-5> .
<passage/evil/0-5> a akg:SourcePassage ; rdfs:label "</td></tr><script>alert(4)</script>" ;
    dcterms:isPartOf <source/evil> ; oa:start 0 ; oa:end 5 .
<source/evil> rdfs:label "<b onmouseover=alert(5)>source</b>" .
<membership/evil> a org:Membership ; org:member <test/evil> ; rdfs:label "<iframe src=//x>" ;
    akg:passage <passage/evil/0-5> .
"""


def test_labels_from_the_data_are_escaped(tmp_path: Path) -> None:
    with running_alliancekg(_store(tmp_path / "store", HOSTILE), root=ROOT) as server:
        response = httpx.get(f"{server.base}/id/test/evil", headers={"Accept": BROWSER}, timeout=30)
    page = _page(response)
    structure = assert_valid_page(response.text)
    assert structure.tags["script"] == structure.tags["img"] == structure.tags["iframe"] == structure.tags["b"] == 0
    assert "javascript:" not in " ".join(structure.links)
    assert page.findtext(".//h1") == "<script>alert(1)</script>"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<b onmouseover" not in response.text and "&lt;b onmouseover=alert(5)&gt;" in response.text
    assert "alert(3)" in page.get_element_by_id("statements").text_content(), "an outside IRI shows as text"


def test_incoming_statements_are_capped(tmp_path: Path) -> None:
    extra = 25
    links = "\n".join(f"<test/member-{i:04d}> akg:partner <test/hub> ." for i in range(INCOMING_CAP + extra))
    store = _store(tmp_path / "store", PREFIXES + '<test/hub> rdfs:label "hub"@en .\n<test/small> rdfs:label "s" .\n'
                   + "<test/member-0000> akg:partner <test/small> .\n" + links)
    with running_alliancekg(store, root=ROOT) as server, httpx.Client(base_url=server.base, timeout=30) as client:
        response = client.get("/id/test/hub", headers={"Accept": BROWSER})
        assert response.headers["results-truncated"] == "true"
        referenced = _page(response).get_element_by_id("referenced-by")
        assert len(referenced.findall(".//tbody/tr")) == INCOMING_CAP
        assert f"Only {INCOMING_CAP} of the statements" in referenced.text_content()
        triples = client.get("/id/test/hub", params={"format": "ntriples"}).text.splitlines()
        assert sum(line.endswith("<https://w3id.org/alliancekg/id/test/hub> .") for line in triples) == INCOMING_CAP
        small = client.get("/id/test/small", headers={"Accept": BROWSER})
        assert "results-truncated" not in small.headers
        assert "Only" not in _page(small).get_element_by_id("referenced-by").text_content()


def test_the_label_follows_the_readers_language(tmp_path: Path) -> None:
    store = _store(tmp_path / "store", PREFIXES + '<test/x> rdfs:label "petit"@fr, "small"@en, "klein"@de .')
    with running_alliancekg(store, root=ROOT) as server, httpx.Client(base_url=server.base, timeout=30) as client:
        plain = client.get("/id/test/x", headers={"Accept": BROWSER})
        assert _page(plain).findtext(".//h1") == "small", "English when the reader states no language"
        assert "Accept-Language" in plain.headers["vary"]
        french = client.get("/id/test/x", headers={"Accept": BROWSER, "Accept-Language": "fr-CH, de;q=0.9, en;q=0.5"})
        heading = _page(french).find(".//h1")
        assert (heading.text, heading.get("lang")) == ("petit", "fr")
        german = client.get("/id/test/x", headers={"Accept": BROWSER, "Accept-Language": "fr;q=0.1, de"})
        assert _page(german).findtext(".//h1") == "klein"
