"""Checking provenance against the source documents themselves.

Each source document records the SHA-256 and length of its text file; each passage records its
offsets. Given the folder of source files, :func:`verify_sources` re-reads them, recomputes every
span and checks that the passages behind a fact mention the things the fact links to.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from alliancekg.errors import Finding
from alliancekg.namespaces import AKG
from alliancekg.passages import mentions, read_source, sha256_of

__all__ = ["FACT_CLASSES", "passage_text", "verify_sources"]

ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
OA_START = URIRef("http://www.w3.org/ns/oa#start")
OA_END = URIRef("http://www.w3.org/ns/oa#end")

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


def _labels(graph: Graph, node: Node) -> list[str]:
    return [str(label) for p in _LABELS for label in graph.objects(node, p)]


def passage_text(graph: Graph, passage: Node, texts: dict[Node, str]) -> str | None:
    """The text of ``passage`` from the loaded source ``texts``, or None when its source is absent."""
    document = graph.value(passage, DCTERMS.isPartOf)
    start, end = graph.value(passage, OA_START), graph.value(passage, OA_END)
    if document not in texts or start is None or end is None:
        return None
    return texts[document][int(start):int(end)]


def _load_texts(graph: Graph, seeds_dir: Path, problems: list[Finding]) -> dict[Node, str]:
    texts: dict[Node, str] = {}
    for document in sorted(graph.subjects(RDF.type, AKG.SourceDocument)):
        name = graph.value(document, AKG.fileName)
        path = seeds_dir / str(name)
        if name is None or not path.is_file():
            problems.append(Finding(str(document), f"source file {name} not found in {seeds_dir.name}/"))
            continue
        digest, text = sha256_of(path), read_source(path)
        if str(graph.value(document, AKG.sha256)) != digest:
            problems.append(Finding(str(document), f"SHA-256 of {name} is {digest}, not the one recorded"))
        length = graph.value(document, AKG.characterCount)
        if length is None or int(length) != len(text):
            problems.append(Finding(str(document), f"{name} has {len(text)} characters, not {length}"))
        texts[document] = text
    return texts


def verify_sources(graph: Graph, seeds_dir: Path) -> list[Finding]:
    """Every problem found re-reading ``seeds_dir`` against ``graph`` (the data with its ontology)."""
    problems: list[Finding] = []
    texts = _load_texts(graph, seeds_dir, problems)
    cited: dict[Node, list[Node]] = defaultdict(list)
    for subject, passage in graph.subject_objects(AKG.passage):
        cited[subject].append(passage)
    for subject in sorted(cited):
        pieces = [passage_text(graph, p, texts) for p in sorted(cited[subject])]
        if any(piece is None for piece in pieces):
            continue
        text = " … ".join(p for p in pieces if p is not None)
        if not text.strip():
            problems.append(Finding(str(subject), "its passages are empty"))
            continue
        types = set(graph.objects(subject, RDF.type))
        if types & FACT_CLASSES:
            named = sorted({
                o for p, o in graph.predicate_objects(subject)
                if p not in _SKIPPED_LINKS and isinstance(o, URIRef)
                and _labels(graph, o) and not set(graph.objects(o, RDF.type)) & (UNNAMED_CLASSES | FACT_CLASSES)
            })
        else:
            named = [subject]
        for node in named:
            if not mentions(text, _labels(graph, node)):
                label = graph.value(node, RDFS.label) or node
                problems.append(Finding(str(subject), f"its passages do not mention {label!s}"))
    return sorted(problems)
