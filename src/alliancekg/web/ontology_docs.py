"""The ontology's documentation page and its RDF forms, read from ``ontology/alliancekg.ttl``.

The page gives the ontology header (title, description, version, licence, namespace), a table of
contents, then every class (super- and subclasses, equivalents, the properties whose domain or
range it is) and every property (domain, range, super- and subproperties, inverse,
characteristics), each under an anchor named by its local name, so that the term IRI
``https://w3id.org/alliancekg/ontology#University`` lands on ``/ontology#University``. The
controlled vocabularies of ``ontology/vocab/`` are listed with links to their schemes, which
dereference under ``/id/`` like the data. Files are read again only when they change.

>>> from alliancekg.settings import find_root
>>> docs = ontology_docs(find_root() / "ontology")
>>> [title for title, _, _ in docs.sections]
['Classes', 'Object properties', 'Datatype properties']
>>> next(t for t in docs.sections[0][2] if t.anchor == "University").facts[0][0]
'Subclass of'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS

from alliancekg.namespaces import ONTOLOGY_IRI
from alliancekg.web.formats import RDF_TYPES, rdf_bytes
from alliancekg.web.resource_templates import AKG_NS, TermView, render, term_view

__all__ = ["OntologyDocs", "TermDoc", "ontology_docs", "ontology_file", "ontology_rdf", "render_ontology_page"]

VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
_KINDS = [(OWL.Class, "Classes", "classes"), (OWL.ObjectProperty, "Object properties", "object-properties"),
          (OWL.DatatypeProperty, "Datatype properties", "datatype-properties"),
          (OWL.AnnotationProperty, "Annotation properties", "annotation-properties")]
_CHARACTERISTICS = (OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.TransitiveProperty,
                    OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.ReflexiveProperty, OWL.IrreflexiveProperty)


def ontology_file(ontology_dir: Path) -> Path:
    """The ontology's Turtle file in ``ontology_dir``."""
    return ontology_dir / "alliancekg.ttl"


@dataclass(frozen=True)
class TermDoc:
    """One documented term: its anchor, label, definition and described links."""

    anchor: str
    iri: str
    label: str | None
    definition: str | None
    facts: list[tuple[str, list[TermView]]]


@dataclass(frozen=True)
class OntologyDocs:
    """What the documentation page shows."""

    iri: str
    title: str
    description: str | None
    header: list[tuple[str, list[TermView]]]
    sections: list[tuple[str, str, list[TermDoc]]]
    schemes: list[tuple[TermView, int]] = field(default_factory=list)
    version_iri: str | None = None


def _view(node: rdflib.term.Node, graph: rdflib.Graph) -> TermView:
    if isinstance(node, rdflib.URIRef):
        return term_view(ox.NamedNode(str(node)))
    if isinstance(node, rdflib.Literal):
        datatype = ox.NamedNode(str(node.datatype)) if node.datatype else None
        return term_view(ox.Literal(str(node), language=node.language, datatype=datatype))
    members = graph.value(node, OWL.unionOf) or graph.value(node, OWL.intersectionOf)
    if members is not None:  # an anonymous class such as (A or B): its named members
        joiner = " or " if graph.value(node, OWL.unionOf) is not None else " and "
        return TermView("literal", joiner.join(_view(m, graph).text for m in Collection(graph, members)))
    return TermView("bnode", "an anonymous class")


def _english(graph: rdflib.Graph, node: rdflib.term.Node, *predicates: rdflib.URIRef) -> str | None:
    values = [o for p in predicates for o in graph.objects(node, p) if isinstance(o, rdflib.Literal)]
    for wanted in ("en", None):
        for value in values:
            if value.language == wanted:
                return str(value)
    return str(values[0]) if values else None


def _facts(graph: rdflib.Graph, rows: list[tuple[str, list]]) -> list[tuple[str, list[TermView]]]:
    return [(name, [_view(n, graph) for n in sorted(nodes, key=str)]) for name, nodes in rows if nodes]


def _class_doc(graph: rdflib.Graph, term: rdflib.URIRef) -> list[tuple[str, list[TermView]]]:
    return _facts(graph, [
        ("Subclass of", list(graph.objects(term, RDFS.subClassOf))),
        ("Superclass of", list(graph.subjects(RDFS.subClassOf, term))),
        ("Equivalent to", list(graph.objects(term, OWL.equivalentClass))),
        ("Disjoint with", list(graph.objects(term, OWL.disjointWith))),
        ("Domain of", list(graph.subjects(RDFS.domain, term))),
        ("Range of", list(graph.subjects(RDFS.range, term))),
    ])


def _property_doc(graph: rdflib.Graph, term: rdflib.URIRef) -> list[tuple[str, list[TermView]]]:
    inverse = list(graph.objects(term, OWL.inverseOf)) + list(graph.subjects(OWL.inverseOf, term))
    return _facts(graph, [
        ("Domain", list(graph.objects(term, RDFS.domain))),
        ("Range", list(graph.objects(term, RDFS.range))),
        ("Subproperty of", list(graph.objects(term, RDFS.subPropertyOf))),
        ("Superproperty of", list(graph.subjects(RDFS.subPropertyOf, term))),
        ("Inverse of", inverse),
        ("Equivalent to", list(graph.objects(term, OWL.equivalentProperty))),
        ("Characteristics", [t for t in graph.objects(term, RDF.type) if t in _CHARACTERISTICS]),
        ("Notation", list(graph.objects(term, SKOS.notation))),
    ])


def _term_docs(graph: rdflib.Graph, kind: rdflib.URIRef) -> list[TermDoc]:
    terms = sorted({t for t in graph.subjects(RDF.type, kind)
                    if isinstance(t, rdflib.URIRef) and str(t).startswith(AKG_NS)}, key=lambda t: str(t).lower())
    describe = _class_doc if kind == OWL.Class else _property_doc
    return [TermDoc(str(t)[len(AKG_NS):], str(t), _english(graph, t, RDFS.label, SKOS.prefLabel),
                    _english(graph, t, SKOS.definition, RDFS.comment), describe(graph, t)) for t in terms]


def _schemes(vocab_dir: Path) -> list[tuple[TermView, int]]:
    graph = rdflib.Graph()
    for path in sorted(vocab_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    schemes = []
    for scheme in sorted(graph.subjects(RDF.type, SKOS.ConceptScheme), key=str):
        label = _english(graph, scheme, SKOS.prefLabel, RDFS.label)
        schemes.append((term_view(ox.NamedNode(str(scheme)), label), len(set(graph.subjects(SKOS.inScheme, scheme)))))
    return schemes


def _stamp(ontology_dir: Path) -> tuple[tuple[str, int], ...]:
    paths = [ontology_file(ontology_dir), *sorted((ontology_dir / "vocab").glob("*.ttl"))]
    return tuple((str(p), p.stat().st_mtime_ns) for p in paths)


@functools.lru_cache(maxsize=4)
def _docs(ontology_dir: Path, stamp: tuple[tuple[str, int], ...]) -> OntologyDocs:
    graph = rdflib.Graph().parse(ontology_file(ontology_dir), format="turtle")
    iri = rdflib.URIRef(ONTOLOGY_IRI)
    header = _facts(graph, [
        ("Version", list(graph.objects(iri, OWL.versionInfo))),
        ("Version IRI", list(graph.objects(iri, OWL.versionIRI))),
        ("Licence", list(graph.objects(iri, DCTERMS.license))),
        ("Namespace", list(graph.objects(iri, VANN.preferredNamespaceUri))),
        ("Prefix", list(graph.objects(iri, VANN.preferredNamespacePrefix))),
        ("Imports", list(graph.objects(iri, OWL.imports))),
    ])
    sections = [(title, anchor, _term_docs(graph, kind)) for kind, title, anchor in _KINDS]
    return OntologyDocs(str(iri), _english(graph, iri, DCTERMS.title, RDFS.label) or "alliancekg ontology",
                        _english(graph, iri, DCTERMS.description, RDFS.comment), header,
                        [s for s in sections if s[2]], _schemes(ontology_dir / "vocab"),
                        str(graph.value(iri, OWL.versionIRI) or "") or None)


def ontology_docs(ontology_dir: Path) -> OntologyDocs:
    """The documentation of the ontology in ``ontology_dir`` (cached until a file changes)."""
    return _docs(ontology_dir, _stamp(ontology_dir))


def render_ontology_page(docs: OntologyDocs, *, alternates: list[tuple[str, str, str]]) -> str:
    """The HTML documentation page."""
    return render("ontology.html", docs=docs, alternates=alternates)


@functools.lru_cache(maxsize=8)
def _rdf(path: Path, stamp: int, media: str) -> bytes:
    data = path.read_bytes()
    if media == RDF_TYPES["turtle"]:
        return data
    triples = [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=str(ONTOLOGY_IRI))]
    return rdf_bytes(triples, media)


def ontology_rdf(ontology_dir: Path, media: str) -> bytes:
    """The ontology in ``media`` (one of the RDF types); the Turtle is the file itself."""
    path = ontology_file(ontology_dir)
    return _rdf(path, path.stat().st_mtime_ns, media)
