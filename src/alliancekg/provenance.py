"""Checking provenance against the source documents themselves.

Each source document records the SHA-256 and length of its text file; each passage records its
offsets. Given the folder of source files, :func:`verify_sources` re-reads them, recomputes every
span and checks that the passages behind a fact mention the things the fact links to.

The data is read from a pyoxigraph store with a few queries over the whole graph, so the check
costs one pass over the cited facts however large the data is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from alliancekg.errors import Finding
from alliancekg.loading import to_oxigraph
from alliancekg.namespaces import AKG
from alliancekg.passages import _normalise, read_source, sha256_of

__all__ = ["FACT_CLASSES", "UNNAMED_CLASSES", "verify_sources"]

ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
OA = "http://www.w3.org/ns/oa#"

#: Classes whose instances are statements resting on passages (their own label need not occur).
FACT_CLASSES = frozenset({
    URIRef(ORG + "Membership"), URIRef(ORG + "Post"), AKG.Partnership, AKG.Agreement,
    AKG.Participation, AKG.Funding, AKG.Accreditation, AKG.AcademicChair, AKG.Observation, AKG.Event,
    AKG.FoundingEvent, AKG.Visit, AKG.SummerSchool, AKG.Meeting,
})
#: Classes of linked resources a passage need not name (vocabulary, time, provenance).
UNNAMED_CLASSES = frozenset({
    SKOS.Concept, AKG.Country, AKG.Region, URIRef(TIME + "Instant"), URIRef(TIME + "Interval"),
    AKG.SourceDocument, AKG.SourcePassage, URIRef("https://schema.org/MonetaryAmount"), OWL.Class,
})
_SKIPPED_LINKS = frozenset({RDF.type, PROV.wasDerivedFrom, AKG.passage, RDFS.seeAlso})
_LABELS = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)


def _values(classes: frozenset[URIRef]) -> str:
    return " ".join(f"<{c}>" for c in sorted(classes))


_DOCUMENTS = f"""SELECT ?document ?name ?sha ?length WHERE {{
  ?document a <{AKG.SourceDocument}> .
  OPTIONAL {{ ?document <{AKG.fileName}> ?name }} OPTIONAL {{ ?document <{AKG.sha256}> ?sha }}
  OPTIONAL {{ ?document <{AKG.characterCount}> ?length }} }}"""
_PASSAGES = f"""SELECT ?passage ?document ?start ?end WHERE {{
  ?passage <{DCTERMS.isPartOf}> ?document ; <{OA}start> ?start ; <{OA}end> ?end }}"""
_FACT = f"?subject a ?type . VALUES ?type {{ {_values(FACT_CLASSES)} }}"
_CITATIONS = f"SELECT ?subject ?passage WHERE {{ ?subject <{AKG.passage}> ?passage }}"
_FACTS = f"SELECT DISTINCT ?subject WHERE {{ ?subject <{AKG.passage}> ?passage . {_FACT} }}"
#: The resources each cited fact links to that a passage should name (minus vocabulary, time and
#: provenance, and other facts).
_LINKS = f"""SELECT ?subject ?node WHERE {{
  {{ SELECT DISTINCT ?subject WHERE {{ ?subject <{AKG.passage}> ?passage . {_FACT} }} }}
  ?subject ?link ?node .
  FILTER (isIRI(?node) && ?link NOT IN ({", ".join(f"<{p}>" for p in sorted(_SKIPPED_LINKS))}))
  MINUS {{ ?node a ?nodeType . VALUES ?nodeType {{ {_values(UNNAMED_CLASSES | FACT_CLASSES)} }} }} }}"""

def _rows(store: ox.Store, query: str) -> list[tuple[object, ...]]:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    width = len(solutions.variables)
    return [tuple(row[i] for i in range(width)) for row in solutions]


def _text(term: object) -> str | None:
    return None if term is None else term.value  # type: ignore[attr-defined]


def _as_store(data: Graph | ox.Store) -> ox.Store:
    if isinstance(data, ox.Store):
        return data
    store = ox.Store()
    store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in data)  # type: ignore[arg-type]
    return store


def _load_texts(store: ox.Store, seeds_dir: Path, problems: list[Finding]) -> dict[str, str]:
    documents: dict[str, tuple[object, ...]] = {}
    for document, *fields in _rows(store, _DOCUMENTS):
        documents.setdefault(_text(document) or "", tuple(fields))
    texts: dict[str, str] = {}
    for document in sorted(documents):
        name, sha, length = (_text(f) for f in documents[document])
        path = seeds_dir / str(name)
        if name is None or not path.is_file():
            problems.append(Finding(document, f"source file {name} not found in {seeds_dir.name}/"))
            continue
        digest, text = sha256_of(path), read_source(path)
        if str(sha) != digest:
            problems.append(Finding(document, f"SHA-256 of {name} is {digest}, not the one recorded"))
        if length is None or not length.lstrip("+-").isdigit() or int(length) != len(text):
            problems.append(Finding(document, f"{name} has {len(text)} characters, not {length}"))
        texts[document] = text
    return texts


def _passage_texts(store: ox.Store, texts: dict[str, str]) -> dict[str, str]:
    """The text of every passage whose source was read, by passage IRI."""
    found = {}
    for passage, document, start, end in _rows(store, _PASSAGES):
        source = texts.get(_text(document) or "")
        if source is not None and isinstance(passage, ox.NamedNode):
            found[passage.value] = source[int(_text(start) or 0):int(_text(end) or 0)]
    return found


def _labels(store: ox.Store, nodes: list[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Every label of ``nodes`` (IRIs, or blank nodes as ``_:id``), and one rdfs:label each
    (English first) for messages."""
    labels: dict[str, list[str]] = defaultdict(list)
    shown: dict[str, tuple[bool, str]] = {}
    kinds = [(ox.NamedNode(kind), kind == RDFS.label) for kind in _LABELS]
    for node in nodes:
        term = ox.BlankNode(node[2:]) if node.startswith("_:") else ox.NamedNode(node)
        for kind, is_label in kinds:
            for quad in store.quads_for_pattern(term, kind, None, ox.DefaultGraph()):
                label = quad.object
                text = label.value
                labels[node].append(text)
                if is_label:
                    rank = (getattr(label, "language", None) != "en", text)
                    shown[node] = min(shown.get(node, rank), rank)
    return labels, {node: text for node, (_, text) in shown.items()}


def _key(term: ox.NamedNode | ox.BlankNode) -> str:
    """An IRI as itself, a blank node as ``_:id``."""
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _pairs(store: ox.Store, query: str) -> Iterator[tuple[str, str]]:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    for first, second in solutions:  # type: ignore[misc]
        yield _key(first), _key(second)


def verify_sources(data: Graph | ox.Store, seeds_dir: Path) -> list[Finding]:
    """Every problem found re-reading ``seeds_dir`` against ``data`` (the data with its ontology,
    as a pyoxigraph store or an rdflib graph).

    >>> verify_sources(ox.Store(), Path("."))
    []
    """
    store = _as_store(data)
    problems: list[Finding] = []
    texts = _load_texts(store, seeds_dir, problems)
    passages = _passage_texts(store, texts)
    shared: dict[str, str] = {}  # one string per IRI, however often it occurs
    cited: dict[str, list[str]] = defaultdict(list)
    for subject, passage in _pairs(store, _CITATIONS):
        cited[shared.setdefault(subject, subject)].append(shared.setdefault(passage, passage))
    facts = {_key(row[0]) for row in store.query(_FACTS)}  # type: ignore[arg-type, union-attr]
    links: dict[str, set[str]] = defaultdict(set)
    for subject, node in _pairs(store, _LINKS):
        links[shared.setdefault(subject, subject)].add(shared.setdefault(node, node))
    shared.clear()
    nodes = sorted({n for linked in links.values() for n in linked} | (cited.keys() - facts))
    labels, shown = _labels(store, nodes)
    haystacks: dict[str, str | None] = {}
    needles: dict[str, list[str]] = {}
    for subject, cites in cited.items():
        key = " ".join(sorted(set(cites)))
        if key not in haystacks:
            haystacks[key] = _joined(key, passages)
        haystack = haystacks[key]
        if haystack is None:
            continue
        if not haystack:
            problems.append(Finding(subject.removeprefix("_:"), "its passages are empty"))
            continue
        named = sorted(n for n in links.get(subject, ()) if n in labels) if subject in facts else [subject]
        for node in named:
            if node not in needles:
                needles[node] = [_normalise(label) for label in labels.get(node, []) if label.strip()]
            if not any(needle in haystack for needle in needles[node]):
                label = shown.get(node, node.removeprefix("_:"))
                problems.append(Finding(subject.removeprefix("_:"), f"its passages do not mention {label}"))
    return sorted(problems)


def _joined(key: str, passages: dict[str, str]) -> str | None:
    """The normalised text of the passages named in ``key``, joined as one; ``""`` when it is
    blank, None when a passage's source is absent."""
    pieces = [passages.get(p) for p in key.split()]
    if any(piece is None for piece in pieces):
        return None
    text = " … ".join(p for p in pieces if p is not None)
    return _normalise(text) if text.strip() else ""


def _iri(term: str) -> str:
    """The IRI of a term written ``<iri>`` (blank nodes keep their form)."""
    return term[1:-1] if term.startswith("<") and term.endswith(">") else term
