"""Writing the published files: Turtle, N-Triples, JSON-LD with its context, and VoID/DCAT.

Every writer produces the same bytes for the same graph. The dumps of the dataset stream: the
store writes N-Triples, whose lines are sorted in runs on disk and merged; Turtle, RDF/XML and
JSON-LD are written from that sorted file, one subject at a time, so no step holds the whole
dataset as Python objects.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, XSD

from alliancekg.direct_io import BLOCK, open_direct
from alliancekg.loading import rdflib_lexical, rdflib_triples, to_rdflib
from alliancekg.namespaces import ID, PREFIXES, bind_prefixes

__all__ = ["DISTRIBUTIONS", "TABLES_DATASET", "atomic_file", "dataset_description", "jsonld_context", "load_ntriples",
           "write_atomic", "write_dumps", "write_jsonld", "write_jsonld_dump", "write_ntriples", "write_rdfxml",
           "write_turtle", "write_turtle_dump"]

#: file name, media type, label of each dump.
DISTRIBUTIONS = (
    ("alliancekg.ttl", "text/turtle", "Turtle"),
    ("alliancekg.nt", "application/n-triples", "N-Triples"),
    ("alliancekg.jsonld", "application/ld+json", "JSON-LD"),
    ("alliancekg.rdf", "application/rdf+xml", "RDF/XML"),
)
DATASET = ID["dataset/alliancekg"]
#: The dataset of the tie tables, derived from :data:`DATASET` (described in ``metadata/``).
TABLES_DATASET = ID["dataset/alliancekg/ties"]


def store_to_graph(store: ox.Store) -> Graph:
    """The default graph of ``store`` as an rdflib graph with the project's prefixes."""
    graph = bind_prefixes(Graph())
    graph.addN((s, p, o, graph) for s, p, o in rdflib_triples(store))
    return graph


def write_ntriples(store: ox.Store, path: Path, *, run_bytes: int = 64 * 2**20) -> None:
    """N-Triples of the default graph of ``store``, one triple a line, lines sorted.

    The store writes its triples to a temporary file; runs of about ``run_bytes`` are sorted in
    memory and, when there are several, merged, so memory stays near ``run_bytes`` whatever the
    size of the store.

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("urn:b"), ox.NamedNode("urn:p"), ox.Literal("1")))
    >>> store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("2")))
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_ntriples(store, folder / "x.nt", run_bytes=10)
    >>> print((folder / "x.nt").read_text(), end="")
    <urn:a> <urn:p> "2" .
    <urn:b> <urn:p> "1" .
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix=".sort-", dir=path.parent) as scratch:
        raw = Path(scratch) / "raw.nt"
        store.dump(str(raw), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        runs = []
        with open(raw, "rb") as source:
            while lines := source.readlines(run_bytes):
                lines.sort()
                run = Path(scratch) / f"run-{len(runs)}.nt"
                with open(run, "wb") as out:
                    out.writelines(lines)
                runs.append(run)
                del lines
        raw.unlink()
        with ExitStack() as files, atomic_file(path, direct=True) as out:
            merged = heapq.merge(*(files.enter_context(open(run, "rb")) for run in runs))
            previous = None
            for line in merged:
                if line != previous:
                    out.write(line)
                previous = line


def _sorted_triples(ntriples: Path) -> Iterator[ox.Triple]:
    for quad in ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES):
        yield quad.triple


def write_rdfxml(ntriples: Path, path: Path) -> None:
    """RDF/XML of a sorted N-Triples dump, with the project's prefixes; sorted input keeps the
    bytes the same from build to build."""
    with atomic_file(path, direct=True) as out:
        ox.serialize(_sorted_triples(ntriples), out, format=ox.RdfFormat.RDF_XML, prefixes=dict(PREFIXES))


def load_ntriples(store: ox.Store, ntriples: Path, *, chunk_bytes: int = 64 * 2**20) -> None:
    """Bulk-load an N-Triples file into ``store`` about ``chunk_bytes`` at a time, then compact it:
    the store's bulk loader holds a whole input in memory, a chunk costs far less.

    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "x.nt").write_text('<urn:a> <urn:p> "1" .\\n<urn:b> <urn:p> "2" .\\n')
    >>> store = ox.Store()
    >>> load_ntriples(store, folder / "x.nt", chunk_bytes=10)
    >>> len(store)
    2
    """
    with open(ntriples, "rb") as lines:
        while chunk := lines.readlines(chunk_bytes):
            store.bulk_load(b"".join(chunk), format=ox.RdfFormat.N_TRIPLES)
            del chunk
    store.optimize()


def write_dumps(ntriples: Path, folder: Path, *, name: str = "alliancekg", parallel: bool = True) -> None:
    """Turtle, RDF/XML and JSON-LD of a sorted N-Triples dump, as ``name.ttl``, ``.rdf`` and
    ``.jsonld`` in ``folder``. With ``parallel``, a second Python process writes the Turtle and
    RDF/XML while this one writes the JSON-LD (each format is one pass over the dump).
    """
    ntriples, folder = Path(ntriples), Path(folder)
    turtle, rdfxml, jsonld = (folder / f"{name}.{suffix}" for suffix in ("ttl", "rdf", "jsonld"))
    if not parallel:
        write_turtle_dump(ntriples, turtle)
        write_rdfxml(ntriples, rdfxml)
        write_jsonld_dump(ntriples, jsonld)
        return
    code = ("import sys; from pathlib import Path; from alliancekg.outputs import write_rdfxml, write_turtle_dump; "
            "write_turtle_dump(Path(sys.argv[1]), Path(sys.argv[2])); write_rdfxml(Path(sys.argv[1]), Path(sys.argv[3]))")
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([sys.executable, "-c", code, str(ntriples), str(turtle), str(rdfxml)],
                                 stdout=subprocess.DEVNULL, stderr=errors)
        try:
            write_jsonld_dump(ntriples, jsonld)
            child.wait()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if child.returncode:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise OSError(f"writing Turtle and RDF/XML failed: {detail[-1] if detail else child.returncode}")


def write_turtle_dump(ntriples: Path, path: Path) -> None:
    """Turtle of a sorted N-Triples dump with the project's prefixes: each subject once, its
    predicates and objects in sorted order."""
    with atomic_file(path, direct=True) as out:
        ox.serialize(_sorted_triples(ntriples), out, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))


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
    """Compact JSON-LD of an rdflib graph with the context inlined; nodes sorted by ``@id``, values
    sorted (rdflib writes it; :func:`write_jsonld_dump` writes the same bytes from a dump)."""
    context = jsonld_context()["@context"]
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = document.get("@graph", [document])
    nodes = sorted((_sorted_values(n) for n in nodes), key=lambda n: str(n.get("@id", "")))  # type: ignore[union-attr]
    out = {"@context": context, "@graph": nodes}
    path.write_text(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = str(RDF.type)
_RDF_NIL = str(RDF.nil)
_CANONICAL_INTEGER = re.compile(r"(0|-?[1-9][0-9]*)")


class _Compactor:
    """Compact IRIs and values the way rdflib's JSON-LD serialiser does with a context of
    prefixes only (no terms with types, containers or languages)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = {namespace: name for name, namespace in prefixes.items() if namespace.endswith(tuple(":/?#[]@"))}
        self.terms = {namespace: name for name, namespace in prefixes.items()}
        self.symbols: dict[str, str] = {}

    @staticmethod
    def _split(iri: str) -> tuple[str, str | None]:
        for delimiter in ("#", "/", ":"):
            at = iri.rfind(delimiter)
            if at > -1:
                return iri[:at + 1], iri[at + 1:]
        return iri, None

    def shrink(self, iri: str) -> str:
        namespace, name = self._split(iri)
        prefix = self.prefixes.get(namespace)
        return f"{prefix}:{name}" if prefix else iri

    def symbol(self, iri: str) -> str:
        """A predicate, class or datatype (few, so remembered)."""
        found = self.symbols.get(iri)
        if found is None:
            found = self.symbols[iri] = self.terms[iri] if iri in self.terms else self.shrink(iri)
        return found

    def value(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Any:
        if isinstance(term, ox.BlankNode):
            raise _BlankNode
        if isinstance(term, ox.NamedNode):
            return {"@list": []} if term.value == _RDF_NIL else {"@id": self.shrink(term.value)}
        if term.language:
            return {"@language": term.language, "@value": term.value}
        datatype = term.datatype.value
        if datatype == _XSD + "string":
            return term.value
        if datatype == _XSD + "integer" and _CANONICAL_INTEGER.fullmatch(term.value):
            return int(term.value)
        if datatype in (_XSD + "integer", _XSD + "double", _XSD + "boolean"):
            native = to_rdflib(term).toPython()  # type: ignore[union-attr]
            return str(native) if isinstance(native, Literal) else native
        return {"@type": self.symbol(datatype), "@value": rdflib_lexical(term)}

    def node(self, subject: ox.NamedNode | ox.BlankNode, triples: Iterable[ox.Triple]) -> dict[str, Any]:
        if isinstance(subject, ox.BlankNode):
            raise _BlankNode
        node: dict[str, Any] = {"@id": self.shrink(subject.value)}
        for triple in triples:
            predicate, obj = triple.predicate.value, triple.object
            if predicate == _RDF_TYPE and isinstance(obj, ox.NamedNode):
                key, value = "@type", self.symbol(obj.value)
            else:
                key, value = self.symbol(predicate), self.value(obj)  # type: ignore[arg-type]
            if key in node:
                if not isinstance(node[key], list):
                    node[key] = [node[key]]
                node[key].append(value)
            else:
                node[key] = value
        return node


class _BlankNode(Exception):
    """The dump holds blank nodes, which rdflib nests; the streaming writer leaves them to it."""


def write_jsonld_dump(ntriples: Path, path: Path) -> None:
    """Compact JSON-LD of a sorted N-Triples dump, the bytes :func:`write_jsonld` gives for the
    same graph: the context inlined, nodes sorted by ``@id``, values sorted.

    Nodes are written to a scratch file as they come and copied out in ``@id`` order, so only the
    ids stay in memory. A graph with blank nodes goes through rdflib instead.
    """
    ntriples, path = Path(ntriples), Path(path)
    try:
        _stream_jsonld(ntriples, path)
    except _BlankNode:
        graph = bind_prefixes(Graph())
        graph.addN((s, p, o, graph) for s, p, o in rdflib_triples(_sorted_triples(ntriples)))
        write_jsonld(graph, path)


_dumps = json.JSONEncoder(ensure_ascii=False).encode
_sort_key = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _json(value: Any, level: int) -> str:
    """``json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)`` for a value that starts
    on a line indented by ``level`` spaces, written without the pure-Python indenting encoder."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = " " * (level + 1)
        return ("{\n" + ",\n".join(f"{inner}{_dumps(k)}: {_json(v, level + 1)}" for k, v in sorted(value.items()))
                + "\n" + " " * level + "}")
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = " " * (level + 1)
        return "[\n" + ",\n".join(f"{inner}{_json(v, level + 1)}" for v in value) + "\n" + " " * level + "]"
    return _dumps(value)


def _stream_jsonld(ntriples: Path, path: Path) -> None:
    context = jsonld_context()["@context"]
    compactor = _Compactor(context)  # type: ignore[arg-type]
    entries: list[tuple[str, int, int]] = []
    with tempfile.TemporaryFile(dir=path.parent) as scratch:
        for subject, triples in groupby(_sorted_triples(ntriples), key=lambda t: t.subject):
            node = compactor.node(subject, triples)  # type: ignore[arg-type]
            for value in node.values():
                if isinstance(value, list):
                    value.sort(key=_sort_key)
            data = ("  " + _json(node, 2)).encode()
            entries.append((node["@id"], scratch.tell(), len(data)))
            scratch.write(data)
        entries.sort(key=lambda entry: entry[0])
        head = json.dumps({"@context": context}, indent=1, sort_keys=True, ensure_ascii=False)[:-2]
        with atomic_file(path, direct=True) as out:
            out.write(f'{head},\n "@graph": ['.encode())
            out.write(b"\n" if entries else b"")
            for number, (_, offset, size) in enumerate(entries):
                scratch.seek(offset)
                out.write(scratch.read(size))
                out.write(b",\n" if number < len(entries) - 1 else b"\n ")
            out.write(b"]\n}\n")


def dataset_description(static: Graph, statistics: Iterable[ox.Triple], dist_dir: Path,
                        tables: Mapping[str, Sequence[str]] | None = None) -> Graph:
    """VoID and DCAT: the static description, the statistics and one distribution per dump; and
    one CSV distribution of the tie tables' dataset (:data:`TABLES_DATASET`) per file of
    ``tables`` (its path under ``dist_dir``, then its columns)."""
    graph = bind_prefixes(Graph())
    graph += static
    graph.addN((s, p, o, graph) for s, p, o in rdflib_triples(statistics))
    void_dump = URIRef("http://rdfs.org/ns/void#dataDump")
    for name, media_type, label in DISTRIBUTIONS:
        download = _add_distribution(graph, DATASET, name.rsplit(".", 1)[-1], name, media_type, f"alliancekg as {label}",
                                     dist_dir)
        graph.add((DATASET, void_dump, download))
    for name, columns in (tables or {}).items():
        _add_distribution(graph, TABLES_DATASET, Path(name).stem, name, "text/csv",
                          f"alliancekg tie table {Path(name).name} ({', '.join(columns)})", dist_dir)
    return graph


def _add_distribution(graph: Graph, dataset: URIRef, key: str, name: str, media_type: str, label: str,
                      dist_dir: Path) -> URIRef:
    """Describe ``dist_dir / name`` as the distribution ``key`` of ``dataset``; return its download IRI."""
    distribution = URIRef(f"{dataset}/distribution/{key}")
    download = URIRef(f"https://w3id.org/alliancekg/dist/{name}")
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, RDFS.label, Literal(label, lang="en")))
    graph.add((distribution, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media_type}")))
    graph.add((distribution, DCAT.downloadURL, download))
    graph.add((distribution, DCAT.byteSize, Literal((dist_dir / name).stat().st_size, datatype=XSD.nonNegativeInteger)))
    graph.add((distribution, DCTERMS.format, Literal(media_type)))
    return download


@contextmanager
def atomic_file(path: Path, *, direct: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: it is a temporary file beside ``path``, renamed
    over it when the block ends without an error and removed otherwise, so readers see the old
    file or the new one, never half of it. With ``direct``, for files of many megabytes, it is
    written past the page cache where it can be (see :mod:`alliancekg.direct_io`)."""
    path = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with open_direct(handle) if direct else os.fdopen(handle, "wb") as file:
            yield file
        os.chmod(temp, 0o644)  # mkstemp makes the file private; published files are readable
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_file`), past the page cache from
    :data:`~alliancekg.direct_io.BLOCK` bytes."""
    with atomic_file(path, direct=len(data) >= BLOCK) as file:
        file.write(data)
