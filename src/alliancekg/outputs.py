"""Writing the published files: Turtle, N-Triples, JSON-LD with its context, and VoID/DCAT.

Every writer produces the same bytes for the same graph: subjects, predicates and objects are
sorted and the graph has no blank nodes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from alliancekg.loading import rdflib_triples
from alliancekg.namespaces import ID, PREFIXES, bind_prefixes

__all__ = ["DISTRIBUTIONS", "atomic_file", "dataset_description", "jsonld_context", "write_atomic", "write_jsonld",
           "write_ntriples", "write_rdfxml", "write_turtle"]

#: file name, media type, label of each dump.
DISTRIBUTIONS = (
    ("alliancekg.ttl", "text/turtle", "Turtle"),
    ("alliancekg.nt", "application/n-triples", "N-Triples"),
    ("alliancekg.jsonld", "application/ld+json", "JSON-LD"),
    ("alliancekg.rdf", "application/rdf+xml", "RDF/XML"),
)
DATASET = ID["dataset/alliancekg"]


def store_to_graph(store: ox.Store) -> Graph:
    """The default graph of ``store`` as an rdflib graph with the project's prefixes."""
    graph = bind_prefixes(Graph())
    graph.addN((s, p, o, graph) for s, p, o in rdflib_triples(store))
    return graph


def write_ntriples(store: ox.Store, path: Path) -> None:
    """N-Triples, one triple a line, lines sorted."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store]
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert isinstance(text, bytes)
    lines = sorted(set(text.decode("utf-8").splitlines()))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_rdfxml(ntriples: Path, path: Path) -> None:
    """RDF/XML of a sorted N-Triples dump, with the project's prefixes; sorted input keeps the
    bytes the same from build to build."""
    triples = [q.triple for q in ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)]
    with atomic_file(path) as out:
        ox.serialize(triples, out, format=ox.RdfFormat.RDF_XML, prefixes=dict(PREFIXES))


def write_turtle(graph: Graph, path: Path) -> None:
    """Turtle with the project's prefixes (rdflib sorts subjects, predicates and objects)."""
    path.write_bytes(graph.serialize(format="turtle", encoding="utf-8"))


def jsonld_context() -> dict[str, object]:
    """The JSON-LD context: the project's prefix table."""
    return {"@context": dict(sorted(PREFIXES.items()))}


def _sorted_values(value: object) -> object:
    if isinstance(value, list):
        items = [_sorted_values(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, dict):
        return {k: _sorted_values(v) for k, v in value.items()}
    return value


def write_jsonld(graph: Graph, path: Path) -> None:
    """Compact JSON-LD with the context inlined; nodes sorted by ``@id``, values sorted."""
    context = jsonld_context()["@context"]
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = document.get("@graph", [document])
    nodes = sorted((_sorted_values(n) for n in nodes), key=lambda n: str(n.get("@id", "")))  # type: ignore[union-attr]
    out = {"@context": context, "@graph": nodes}
    path.write_text(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def dataset_description(static: Graph, statistics: Iterable[ox.Triple], dist_dir: Path) -> Graph:
    """VoID and DCAT: the static description, the statistics and one distribution per dump."""
    graph = bind_prefixes(Graph())
    graph += static
    graph.addN((s, p, o, graph) for s, p, o in rdflib_triples(statistics))
    void_dump = URIRef("http://rdfs.org/ns/void#dataDump")
    for name, media_type, label in DISTRIBUTIONS:
        distribution = ID[f"dataset/alliancekg/distribution/{name.rsplit('.', 1)[-1]}"]
        download = URIRef(f"https://w3id.org/alliancekg/dist/{name}")
        graph.add((DATASET, DCAT.distribution, distribution))
        graph.add((DATASET, void_dump, download))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(f"alliancekg as {label}", lang="en")))
        graph.add((distribution, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media_type}")))
        graph.add((distribution, DCAT.downloadURL, download))
        graph.add((distribution, DCAT.byteSize, Literal((dist_dir / name).stat().st_size, datatype=XSD.nonNegativeInteger)))
        graph.add((distribution, DCTERMS.format, Literal(media_type)))
    return graph


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: it is a temporary file beside ``path``, renamed
    over it when the block ends without an error and removed otherwise, so readers see the old
    file or the new one, never half of it."""
    path = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_file`)."""
    with atomic_file(path) as file:
        file.write(data)
