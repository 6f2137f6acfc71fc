"""Namespaces and the single prefix table used for binding, queries and the JSON-LD context.

>>> str(AKG.Institution)
'https://w3id.org/alliancekg/ontology#Institution'
>>> PREFIXES["org"]
'http://www.w3.org/ns/org#'
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = ["AKG", "DATA_GRAPH", "ID", "ONTOLOGY_IRI", "PREFIXES", "bind_prefixes", "shorten"]

ONTOLOGY_IRI = URIRef("https://w3id.org/alliancekg/ontology")
# The named graph the dataset is published to in a remote store (`alliancekg publish`).
DATA_GRAPH = "https://w3id.org/alliancekg/graph/data"


class AKG(DefinedNamespace):
    """The alliancekg ontology; a typo raises instead of minting a new term."""

    _NS = Namespace("https://w3id.org/alliancekg/ontology#")
    _fail = True

    # classes
    Institution: URIRef
    University: URIRef
    School: URIRef
    ResearchInstitute: URIRef
    NationalLaboratory: URIRef
    GraduateSchool: URIRef
    DoctoralSchool: URIRef
    Faculty: URIRef
    OrganisationalUnit: URIRef
    Company: URIRef
    Agency: URIRef
    LocalAuthority: URIRef
    Alliance: URIRef
    EuropeanUniversityAlliance: URIRef
    UniversityNetwork: URIRef
    UniversityAssociation: URIRef
    ThematicConsortium: URIRef
    InternationalCampusAlliance: URIRef
    MonitoringNetwork: URIRef
    NationalNetwork: URIRef
    WorkingGroup: URIRef
    Initiative: URIRef
    KnowledgeHub: URIRef
    OpenSchool: URIRef
    ThinkTank: URIRef
    Partnership: URIRef
    Agreement: URIRef
    JointLaboratory: URIRef
    SharedInfrastructure: URIRef
    Programme: URIRef
    DegreeProgramme: URIRef
    JointDegreeProgramme: URIRef
    DualDegreeProgramme: URIRef
    ErasmusMundusMaster: URIRef
    MobilityProgramme: URIRef
    ExcellenceProgramme: URIRef
    GrantProgramme: URIRef
    FundingProgramme: URIRef
    TrainingProgramme: URIRef
    ChairProgramme: URIRef
    ProgrammeProposal: URIRef
    AcademicChair: URIRef
    Participation: URIRef
    Funding: URIRef
    Accreditation: URIRef
    Observation: URIRef
    Event: URIRef
    FoundingEvent: URIRef
    Visit: URIRef
    SummerSchool: URIRef
    Meeting: URIRef
    SourceDocument: URIRef
    SourcePassage: URIRef
    Country: URIRef
    Region: URIRef
    City: URIRef
    # object properties
    country: URIRef
    region: URIRef
    city: URIRef
    passage: URIRef
    partner: URIRef
    partnershipKind: URIRef
    partOfPartnership: URIRef
    framework: URIRef
    status: URIRef
    period: URIRef
    theme: URIRef
    participant: URIRef
    programme: URIRef
    participantRole: URIRef
    runBy: URIRef
    partnerCountry: URIRef
    targetCountry: URIRef
    proposedKind: URIRef
    funder: URIRef
    funded: URIRef
    amount: URIRef
    chairProgramme: URIRef
    drives: URIRef
    awardedTo: URIRef
    awardedBy: URIRef
    observedEntity: URIRef
    measure: URIRef
    qualifier: URIRef
    asOf: URIRef
    time: URIRef
    organiser: URIRef
    founded: URIRef
    # datatype properties
    sha256: URIRef
    fileName: URIRef
    characterCount: URIRef
    count: URIRef
    proportion: URIRef
    level: URIRef
    # network analytics
    NetworkAnalysis: URIRef
    NodeMetrics: URIRef
    node: URIRef
    projection: URIRef
    tieLayer: URIRef
    weighting: URIRef
    snapshot: URIRef
    seed: URIRef
    degree: URIRef
    strength: URIRef
    betweenness: URIRef
    closeness: URIRef
    eigenvector: URIRef
    pagerank: URIRef
    clustering: URIRef
    coreNumber: URIRef
    constraint: URIRef
    effectiveSize: URIRef
    community: URIRef


ID = Namespace("https://w3id.org/alliancekg/id/")

PREFIXES: dict[str, str] = {
    "akg": str(AKG._NS),
    "id": str(ID),
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def shorten(iri: str) -> str:
    """A compact form of ``iri`` for tables: the longest matching prefix, else the IRI itself.

    >>> shorten("https://w3id.org/alliancekg/id/org/ipgp"), shorten("urn:x")
    ('id:org/ipgp', 'urn:x')
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(name for name, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"
