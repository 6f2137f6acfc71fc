"""The SPARQL 1.1 Service Description of the endpoint: what it speaks and which graphs it holds.

>>> triples = service_description("http://127.0.0.1:8000/sparql", graphs=["urn:g"], void="http://127.0.0.1:8000/v")
>>> any(t.object == ox.NamedNode(SD + "SPARQL11Query") for t in triples)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

__all__ = ["service_description"]

SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
# The W3C format IRIs of the result and RDF syntaxes the endpoint writes.
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                   "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def service_description(endpoint: str, *, graphs: Sequence[str], void: str) -> list[ox.Triple]:
    """Triples describing the endpoint at ``endpoint``: language, result formats, the default
    dataset with its named ``graphs``, and a link to the VoID description at ``void``."""
    service = ox.NamedNode(endpoint)
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("default")
    triples = [
        ox.Triple(service, _RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(service, _SEE_ALSO, ox.NamedNode(void)),
        ox.Triple(dataset, _RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, _RDF_TYPE, _sd("Graph")),
    ]
    triples += [ox.Triple(service, _sd("resultFormat"), ox.NamedNode(_FORMATS + f)) for f in _RESULT_FORMATS]
    for index, iri in enumerate(graphs):
        named = ox.BlankNode(f"named{index}")
        triples += [ox.Triple(dataset, _sd("namedGraph"), named),
                    ox.Triple(named, _RDF_TYPE, _sd("NamedGraph")),
                    ox.Triple(named, _sd("name"), ox.NamedNode(iri))]
    return triples
