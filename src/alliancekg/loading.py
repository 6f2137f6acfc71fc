"""Reading RDF files: pyoxigraph parses (atomically, with line numbers in errors) and the triples
are handed over as an rdflib graph.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "bad.ttl").write_text('<urn:a> <urn:b> "x .\\n')
>>> load_graph([folder / "bad.ttl"])
Traceback (most recent call last):
...
alliancekg.errors.LoadError: .../bad.ttl:1: Turtle syntax error: ...
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from alliancekg.errors import LoadError
from alliancekg.namespaces import bind_prefixes

__all__ = ["FORMATS", "input_files", "load_graph", "parse_file", "rdflib_triples", "to_oxigraph", "to_rdflib"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML}


def input_files(*folders: Path) -> list[Path]:
    """The RDF files of ``folders`` and their subfolders, in a stable order."""
    found: list[Path] = []
    for folder in folders:
        found.extend(sorted(p for p in folder.rglob("*") if p.suffix in FORMATS and p.is_file()))
    return found


def parse_file(path: Path) -> list[ox.Triple]:
    """Parse one file completely; raise :class:`LoadError` naming its line on a syntax error."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise LoadError(f"unknown RDF file extension {path.suffix!r}", path=str(path))
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(f"cannot read: {error.strerror}", path=str(path)) from error
    try:
        return [q.triple for q in ox.parse(data, format=fmt)]
    except SyntaxError as error:
        line = error.lineno if isinstance(error.lineno, int) else None
        detail = str(error.msg).split(": ", 1)[-1] if error.msg else str(error)
        raise LoadError(f"{fmt.name} syntax error: {detail}", path=str(path), line=line) from error


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """Convert a pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to the equal pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        datatype = term.datatype or URIRef(_XSD_STRING)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(datatype)))
    raise TypeError(f"unsupported term {term!r}")


def rdflib_triples(triples: Iterable[ox.Triple | ox.Quad]) -> Iterator[tuple[Node, Node, Node]]:
    """The rdflib form of pyoxigraph triples (or of the triples of quads)."""
    for t in triples:
        yield to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)


def load_graph(paths: Iterable[Path]) -> Graph:
    """Parse every file, all or nothing, into one rdflib graph with the project's prefixes."""
    parsed = [parse_file(Path(p)) for p in paths]
    graph = bind_prefixes(Graph())
    for triples in parsed:
        for triple in rdflib_triples(triples):
            graph.add(triple)
    return graph
