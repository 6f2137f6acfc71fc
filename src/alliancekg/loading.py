"""Reading RDF files: pyoxigraph parses them (atomically, with line numbers in errors) into a
pyoxigraph store, or hands the triples over as an rdflib graph for small inputs.

Literals are stored in the lexical form rdflib gives them (``"+5"^^xsd:integer`` becomes ``"5"``),
so a store loaded here holds exactly the triples of the rdflib graph of the same files.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "bad.ttl").write_text('<urn:a> <urn:b> "x .\\n')
>>> load_graph([folder / "bad.ttl"])
Traceback (most recent call last):
...
alliancekg.errors.LoadError: .../bad.ttl:1: Turtle syntax error: ...
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node, XSDToPython

from alliancekg.errors import LoadError
from alliancekg.forked import beside
from alliancekg.namespaces import bind_prefixes

__all__ = ["FORMATS", "input_files", "load_files", "load_graph", "normalise_literals", "parse_file", "rdflib_lexical",
           "rdflib_triples", "to_oxigraph", "to_rdflib"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML}


def input_files(*folders: Path) -> list[Path]:
    """The RDF files of ``folders`` and their subfolders, in a stable order."""
    found: list[Path] = []
    for folder in folders:
        found.extend(sorted(p for p in folder.rglob("*") if p.suffix in FORMATS and p.is_file()))
    return found


def _read(path: Path) -> tuple[bytes, ox.RdfFormat]:
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise LoadError(f"unknown RDF file extension {path.suffix!r}", path=str(path))
    try:
        return path.read_bytes(), fmt
    except OSError as error:
        raise LoadError(f"cannot read: {error.strerror}", path=str(path)) from error


def _syntax_error(path: Path, fmt: ox.RdfFormat, error: SyntaxError) -> LoadError:
    line = error.lineno if isinstance(error.lineno, int) else None
    detail = str(error.msg).split(": ", 1)[-1] if error.msg else str(error)
    return LoadError(f"{fmt.name} syntax error: {detail}", path=str(path), line=line)


def parse_file(path: Path) -> list[ox.Triple]:
    """Parse one file completely; raise :class:`LoadError` naming its line on a syntax error."""
    data, fmt = _read(path)
    try:
        return [q.triple for q in ox.parse(data, format=fmt)]
    except SyntaxError as error:
        raise _syntax_error(path, fmt, error) from error


def load_files(paths: Iterable[Path], *, store: ox.Store | None = None) -> ox.Store:
    """Load every file into the default graph of ``store`` (a new in-memory store by default), one
    file at a time, then give the literals of these files rdflib's lexical forms (as
    :func:`normalise_literals` would).

    While the store loads the files, a forked copy of the process (where the system can fork)
    parses them again to find the literals to rewrite, on the second core, so the rewriting costs
    no pass over the store.

    A syntax error raises :class:`LoadError` naming the file and line; the store then holds an
    unspecified part of the input and should be dropped.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.ttl").write_text('<urn:a> <urn:b> "+5"^^<http://www.w3.org/2001/XMLSchema#integer> .\\n')
    >>> [q.object.value for q in load_files([folder / "a.ttl"])]
    ['5']
    """
    store = ox.Store() if store is None else store
    paths = [Path(path) for path in paths]
    unusual = beside(lambda: _unusual_literals_in(paths), fork=True)
    try:
        for path in paths:
            data, fmt = _read(path)
            try:
                store.bulk_load(data, format=fmt)
            except SyntaxError as error:
                raise _syntax_error(path, fmt, error) from error
            del data
    except BaseException:
        unusual(cancel=True)
        raise
    found = unusual()
    _rewrite(store, found)
    return store


_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Datatypes whose lexical forms rdflib rewrites when it reads them (its value converters, and the
#: whitespace rules of normalizedString and token).
_NORMALISED_DATATYPES = tuple(sorted(
    {str(dt) for dt, convert in XSDToPython.items() if dt is not None and convert is not None}
    | {_XSD + "normalizedString", _XSD + "token"}
))
#: Lexical forms rdflib keeps as they are, by datatype; any other form of these datatypes is
#: handed to rdflib to learn its form.
_KEPT_FORMS = {
    **{_XSD + name: "^(0|-?[1-9][0-9]*)$" for name in (
        "integer", "long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
        "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")},
    _XSD + "decimal": "^-?(0|[1-9][0-9]*)[.][0-9]+$|^(0|-?[1-9][0-9]*)$",
    _XSD + "date": "^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$",
    _XSD + "dateTime": "^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
    _XSD + "boolean": "^(true|false)$",
}


_KEPT = {dt: re.compile(pattern) for dt, pattern in _KEPT_FORMS.items()}


def rdflib_lexical(literal: ox.Literal) -> str:
    """The lexical form rdflib gives ``literal`` (``str(to_rdflib(literal))``), without building
    an rdflib literal for the usual forms.

    >>> rdflib_lexical(ox.Literal("2021-01-05Z", datatype=ox.NamedNode(_XSD + "date")))
    '2021-01-05'
    """
    if not _unusual(literal):
        return literal.value
    with _quiet_rdflib():
        return str(to_rdflib(literal))


_NORMALISED_SET = frozenset(_NORMALISED_DATATYPES)


@contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """Silence rdflib's warning (with a traceback) for each lexical form it cannot convert."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _unusual_literals_query() -> str:
    kept = " || ".join(f'(?dt = <{dt}> && REGEX(STR(?o), "{pattern}"))' for dt, pattern in sorted(_KEPT_FORMS.items()))
    datatypes = ", ".join(f"<{dt}>" for dt in _NORMALISED_DATATYPES)
    return (f"SELECT DISTINCT ?o WHERE {{ ?s ?p ?o . FILTER(isLiteral(?o)) BIND(DATATYPE(?o) AS ?dt) "
            f"FILTER(?dt IN ({datatypes}) && !({kept})) }}")


def _stored(literal: ox.Literal) -> ox.Literal:
    """The form a store keeps ``literal`` in (it writes valid numbers and booleans canonically)."""
    scratch = ox.Store()
    scratch.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), literal))
    stored = next(iter(scratch)).object
    assert isinstance(stored, ox.Literal)
    return stored


def normalise_literals(store: ox.Store) -> int:
    """Give the literals of ``store``'s default graph the form they take when rdflib reads the
    files first (``" 5"^^xsd:integer`` becomes ``"5"``, ``"2021-01-05Z"^^xsd:date`` becomes
    ``"2021-01-05"``), as the store would hold them; return how many distinct literals changed.

    Usual forms (canonical integers, decimals, dates, booleans) are recognised by the store in one
    pass over its literals; only the others are handed to rdflib.

    >>> store = ox.Store()
    >>> integer = ox.NamedNode(_XSD + "integer")
    >>> store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal(" 5", datatype=integer)))
    >>> normalise_literals(store), [q.object.value for q in store]
    (1, ['5'])
    """
    solutions = store.query(_unusual_literals_query())
    assert isinstance(solutions, ox.QuerySolutions)
    return _rewrite(store, [row[0] for row in solutions])


def _unusual(literal: ox.Literal) -> bool:
    """Whether rdflib might give ``literal`` another lexical form (see :data:`_KEPT_FORMS`)."""
    datatype = literal.datatype.value
    if datatype not in _NORMALISED_SET:
        return False
    kept = _KEPT.get(datatype)
    return kept is None or kept.fullmatch(literal.value) is None


def _unusual_literals_in(paths: list[Path]) -> set[ox.Literal]:
    """The literals of ``paths`` in the form a store holds them that :func:`normalise_literals`
    would find there, read from the files."""
    found: set[ox.Literal] = set()
    literal_type = ox.Literal
    for path in paths:
        data, fmt = _read(path)
        try:
            found.update(o for o in map(attrgetter("object"), ox.parse(data, format=fmt))
                         if type(o) is literal_type and _unusual(o))
        except SyntaxError as error:
            raise _syntax_error(path, fmt, error) from error
    return {stored for stored in map(_stored, found) if _unusual(stored)}


def _rewrite(store: ox.Store, literals: Iterable[Any]) -> int:
    """Replace each of ``literals`` (as the store holds them) in the default graph by rdflib's form
    of it; return how many changed."""
    changes = []
    with _quiet_rdflib():
        for old in literals:
            assert isinstance(old, ox.Literal)
            new = _stored(to_oxigraph(to_rdflib(old)))
            if new != old:
                changes.append((old, new))
    for old, new in changes:
        quads = list(store.quads_for_pattern(None, None, old, ox.DefaultGraph()))
        for quad in quads:
            store.remove(quad)
        store.extend([ox.Quad(q.subject, q.predicate, new) for q in quads])
    return len(changes)


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
