"""The ontology file: its header, its terms' documentation, and the namespace module."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from alliancekg.loading import input_files, load_graph
from alliancekg.namespaces import AKG, ONTOLOGY_IRI, PREFIXES

VANN = "http://purl.org/vocab/vann/"
DCTERMS = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module")
def ontology(settings) -> Graph:
    return load_graph([settings.ontology_dir / "alliancekg.ttl"])


def terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(AKG._NS))}


def test_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for predicate in (DCTERMS + "title", DCTERMS + "description", DCTERMS + "license"):
        assert ontology.value(ONTOLOGY_IRI, URIRef(predicate)) is not None, predicate
    assert ontology.value(ONTOLOGY_IRI, OWL.versionIRI) is not None
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert str(ontology.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespacePrefix"))) == "akg"
    assert str(ontology.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespaceUri"))) == str(AKG._NS)


def test_every_term_is_documented(ontology: Graph) -> None:
    found = terms(ontology)
    assert len(found) >= 80
    for term in sorted(found):
        assert ontology.value(term, RDFS.label) is not None, f"{term} has no rdfs:label"
        assert ontology.value(term, RDFS.comment) is not None, f"{term} has no rdfs:comment"
        assert ontology.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI, f"{term} lacks rdfs:isDefinedBy"


def test_namespace_module_matches_the_ontology(ontology: Graph) -> None:
    declared = {URIRef(str(AKG._NS) + name) for name in AKG.__annotations__}
    assert declared == terms(ontology)


def test_namespace_module_fails_on_typos() -> None:
    with pytest.raises(AttributeError):
        AKG.Insitution  # noqa: B018 - the typo is the test


def test_prefix_table_agrees_with_the_files(settings) -> None:
    for path in input_files(settings.ontology_dir, settings.data_dir):
        graph = Graph().parse(path)
        for prefix, namespace in graph.namespace_manager.namespaces():
            if prefix in PREFIXES:
                assert PREFIXES[prefix] == str(namespace), f"{path.name}: {prefix}: differs"
