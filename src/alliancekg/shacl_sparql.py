"""SHACL shapes compiled to SPARQL queries that find the focus nodes a shape could fail.

For every shape with a target, :func:`candidate_queries` writes SPARQL SELECT queries over the
data, one per constraint, each returning ``?this``: every focus node that constraint could fail,
and possibly a few more. The queries are *sound*: a focus node pySHACL reports is always among
them. Validation then runs pySHACL itself on those nodes only (see
:func:`alliancekg.validation.validate_store`), so the report is pySHACL's, while the store does
the scanning.

What each constraint compiles to:

- cardinalities, ``sh:class``, ``sh:nodeKind``, ``sh:hasValue`` (IRIs), ``sh:disjoint`` and
  datatypes without an rdflib converter (``xsd:gYear``, ``rdf:langString`` ...) are decided
  exactly by the store;
- constraints where rdflib's value semantics could differ from SPARQL's (``sh:datatype`` of
  integers, decimals and dates, ``sh:pattern``, value ranges, ``sh:lessThan``) pass a value
  only in forms both agree on (a canonical integer that is ``>= 0``); anything else is a
  candidate;
- ``sh:node``, ``sh:or``, ``sh:and``, ``sh:not``, ``sh:xone`` and qualified value shapes combine
  the same tests as SPARQL expressions;
- SPARQL-based constraints run as written, joined with the shape's targets;
- anything else makes every focus node of the shape a candidate (correct, only slower).

>>> from rdflib import Graph
>>> shapes = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
... <urn:S> a sh:NodeShape ; sh:targetClass <urn:C> ;
...     sh:property [ sh:path <urn:p> ; sh:minCount 1 ] .''', format="turtle")
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode(str(RDF.type)), ox.NamedNode("urn:C")))
>>> [(str(q.shape), sorted(t.value for t in q.focus_nodes(store))) for q in candidate_queries(shapes, store)]
[('urn:S', ['urn:x'])]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations, count

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node, XSDToPython

__all__ = ["CandidateQuery", "candidate_queries", "uncompiled_shapes"]

#: Predicates of a shape that are not constraints.
_NOT_CONSTRAINTS = frozenset({
    RDF.type, RDFS.label, RDFS.comment, RDFS.isDefinedBy, RDFS.seeAlso, OWL.imports,
    SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path, SH.property,
    SH.sparql, SH.deactivated, SH.declare, SH.prefixes,
})
#: Constraints on each value node; their expressions take the value's variable.
_PER_VALUE = frozenset({SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH.minInclusive, SH.maxInclusive,
                        SH.minExclusive, SH.maxExclusive, SH["in"], SH.node, SH["or"], SH["and"], SH["not"], SH.xone})
_NUMERIC = (XSD.integer, XSD.decimal)
#: Integers and decimals in the forms rdflib reads as the same number the store compares.
_CANONICAL_NUMBER = "^-?(0|[1-9][0-9]{0,17})([.][0-9]{1,17})?$"
#: Lexical forms that rdflib reads as a value of the datatype (so sh:datatype passes).
_DATATYPE_FORMS = {
    XSD.integer: "^(0|-?[1-9][0-9]{0,17})$",
    XSD.decimal: _CANONICAL_NUMBER,
    # Every day up to the 28th, the 29th and 30th outside February, the 31st of long months.
    XSD.date: ("^[1-9][0-9]{3}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
               "|(0[13578]|1[02])-31)$"),
}
#: Datatypes rdflib converts to Python values, and so may find ill-typed.
_CONVERTED = frozenset(dt for dt, convert in XSDToPython.items() if dt is not None and convert is not None)
#: Patterns whose accepted strings are the same for Python's re and the store's regex engine
#: (except that Python's ``$`` also accepts a final newline, which only adds candidates).
_PLAIN_PATTERN = re.compile(r"^[A-Za-z0-9 ^$\[\]{}(),|+*?.:/#@_-]*$")
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_UNKNOWN = "false"


class _Unsupported(Exception):
    """A shape uses something the compiler cannot turn into a sound query."""


@dataclass(frozen=True)
class CandidateQuery:
    """A query returning (at least) every focus node of ``shape`` that ``constraint`` could fail.

    An unrestricted query may also return nodes that are not focus nodes of the shape;
    :meth:`focus_nodes` narrows its answer with ``target``, a pattern binding ``?this`` to the
    shape's focus nodes.
    """

    shape: URIRef
    constraint: str
    text: str
    restricted: bool
    target: str

    def focus_nodes(self, store: ox.Store) -> set[ox.NamedNode | ox.BlankNode | ox.Literal]:
        """Run the query on ``store``: the focus nodes it finds."""
        solutions = store.query(self.text)
        assert isinstance(solutions, ox.QuerySolutions)
        found = {row["this"] for row in solutions} - {None}
        if self.restricted or not found:
            return found  # type: ignore[return-value]
        if any(isinstance(term, ox.BlankNode) for term in found):
            every = store.query(f"SELECT DISTINCT ?this WHERE {{ {self.target} }}")
            assert isinstance(every, ox.QuerySolutions)
            return found & {row["this"] for row in every}  # type: ignore[return-value]
        kept = set()
        terms = sorted(found, key=str)
        for start in range(0, len(terms), 500):
            values = " ".join(str(term) for term in terms[start:start + 500])
            rows = store.query(f"SELECT DISTINCT ?this WHERE {{ VALUES ?this {{ {values} }} {self.target} }}")
            assert isinstance(rows, ox.QuerySolutions)
            kept.update(row["this"] for row in rows)
        return kept  # type: ignore[return-value]


def _sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise _Unsupported(f"blank node {node} used as a value")


@dataclass
class _Compiler:
    shapes: Graph
    store: ox.Store
    _names: Iterator[int] = field(default_factory=lambda: count(1))
    _closures: dict[Node, list[str]] = field(default_factory=dict)

    # ------------------------------------------------------------------ helpers

    def var(self, stem: str = "v") -> str:
        return f"?{stem}{next(self._names)}"

    def objects(self, node: Node, predicate: URIRef) -> list[Node]:
        return sorted(self.shapes.objects(node, predicate))

    def one(self, node: Node, predicate: URIRef) -> Node | None:
        found = self.objects(node, predicate)
        if len(found) > 1:
            raise _Unsupported(f"several {predicate} on one shape")
        return found[0] if found else None

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node))

    def closure(self, cls: Node) -> list[str]:
        """The class and its subclasses in the data, as SPARQL terms."""
        if cls not in self._closures:
            if not isinstance(cls, URIRef):
                raise _Unsupported("a class that is not an IRI")
            rows = self.store.query(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{cls}> }}")
            assert isinstance(rows, ox.QuerySolutions)
            terms = {row[0] for row in rows}
            if any(not isinstance(t, ox.NamedNode) for t in terms):
                raise _Unsupported(f"blank-node subclasses of {cls}")
            self._closures[cls] = sorted(f"<{t.value}>" for t in terms) or [f"<{cls}>"]  # type: ignore[union-attr]
        return self._closures[cls]

    def instance_of(self, v: str, cls: Node) -> str:
        t = self.var("t")
        return f"EXISTS {{ {v} <{RDF.type}> {t} . VALUES {t} {{ {' '.join(self.closure(cls))} }} }}"

    def path(self, node: Node) -> str:
        """A SHACL property path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.shapes:
            return "(" + "/".join(self.path(n) for n in self.items(node)) + ")"
        for predicate, template in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"),
                                    (SH.oneOrMorePath, "({})+"), (SH.zeroOrOnePath, "({})?")):
            inner = self.one(node, predicate)
            if inner is not None:
                return template.format(self.path(inner))
        alternatives = self.one(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(n) for n in self.items(alternatives)) + ")"
        raise _Unsupported(f"path {node}")

    def constraints(self, shape: Node) -> list[tuple[URIRef, Node]]:
        """The constraint parameters of a shape, checked to be ones the compiler knows."""
        found = []
        for predicate, value in sorted(self.shapes.predicate_objects(shape)):
            if predicate in _NOT_CONSTRAINTS or not str(predicate).startswith(str(SH)):
                continue
            found.append((predicate, value))
        return found

    def deactivated(self, shape: Node) -> bool:
        return any(isinstance(v, Literal) and v.value is True for v in self.shapes.objects(shape, SH.deactivated))

    # ------------------------------------------------------------------ sure-pass expressions

    def value_pass(self, predicate: URIRef, value: Node, v: str, shape: Node) -> str:
        """An expression true only when the value node ``v`` surely meets one per-value constraint."""
        if predicate == SH["class"]:
            return self.instance_of(v, value)
        if predicate == SH.datatype:
            return self.datatype_pass(value, v)
        if predicate == SH.nodeKind:
            if value not in _NODE_KINDS:
                raise _Unsupported(f"node kind {value}")
            return _NODE_KINDS[value].format(v=v)
        if predicate == SH.pattern:
            flags = self.objects(shape, SH.flags)
            if flags or not isinstance(value, Literal) or not _PLAIN_PATTERN.match(str(value)):
                return _UNKNOWN
            return f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {Literal(str(value)).n3()}), false)"
        if predicate == SH.flags:
            return "true"  # read with sh:pattern
        if predicate in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            if not isinstance(value, Literal) or value.datatype not in _NUMERIC or value.ill_typed:
                return _UNKNOWN
            operator = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
            return f"COALESCE({self.canonical_number(v)} && {v} {operator[predicate]} {value.n3()}, false)"
        if predicate == SH["in"]:
            members = self.items(value)
            if not all(isinstance(m, URIRef) for m in members):
                return _UNKNOWN
            return "(" + " || ".join(f"sameTerm({v}, <{m}>)" for m in members) + ")" if members else "false"
        if predicate == SH.node:
            return self.node_pass(value, v)
        if predicate == SH["and"]:
            return _all(self.node_pass(member, v) for member in self.items(value))
        if predicate == SH["or"]:
            return _any(self.node_pass(member, v) for member in self.items(value))
        if predicate == SH["not"]:
            return self.node_fail(value, v)
        if predicate == SH.xone:
            members = self.items(value)
            passes = [f"IF({self.node_pass(m, v)}, 1, 0)" for m in members]
            decided = [f"IF({self.node_pass(m, v)} || {self.node_fail(m, v)}, 1, 0)" for m in members]
            return f"(({' + '.join(passes) or '0'}) = 1 && ({' + '.join(decided) or '0'}) = {len(members)})"
        raise _Unsupported(f"constraint {predicate}")

    @staticmethod
    def canonical_number(v: str) -> str:
        datatypes = ", ".join(f"<{dt}>" for dt in _NUMERIC)
        return f"(isLiteral({v}) && DATATYPE({v}) IN ({datatypes}) && REGEX(STR({v}), \"{_CANONICAL_NUMBER}\"))"

    @staticmethod
    def datatype_pass(datatype: Node, v: str) -> str:
        if datatype == RDFS.Literal:
            return f"isLiteral({v})"
        if datatype == RDF.langString:
            return f"COALESCE(isLiteral({v}) && LANG({v}) != \"\", false)"
        if datatype == XSD.string:
            return f"COALESCE(isLiteral({v}) && DATATYPE({v}) = <{XSD.string}>, false)"
        if not isinstance(datatype, URIRef) or datatype == RDFS.Datatype:
            return _UNKNOWN
        same = f"isLiteral({v}) && DATATYPE({v}) = <{datatype}>"
        if datatype not in _CONVERTED:
            return f"COALESCE({same}, false)"
        if datatype in _DATATYPE_FORMS:
            return f"COALESCE({same} && REGEX(STR({v}), \"{_DATATYPE_FORMS[datatype]}\"), false)"
        return _UNKNOWN

    def value_fail(self, predicate: URIRef, value: Node, v: str) -> str:
        """An expression true only when the value node ``v`` surely fails one per-value constraint."""
        if predicate == SH["class"]:
            return f"!{self.instance_of(v, value)}"
        if predicate == SH.nodeKind and value in _NODE_KINDS:
            return "!" + _NODE_KINDS[value].format(v=v)
        if predicate == SH.datatype and isinstance(value, URIRef) and value not in (RDFS.Literal, RDFS.Datatype):
            if value == RDF.langString:
                return f"!COALESCE(isLiteral({v}) && LANG({v}) != \"\", false)"
            return f"!COALESCE(isLiteral({v}) && DATATYPE({v}) = <{value}>, false)"
        return _UNKNOWN

    def node_pass(self, shape: Node, x: str) -> str:
        """True only when ``x`` surely conforms to ``shape`` (a node or property shape)."""
        if self.deactivated(shape):
            return "true"
        if self.objects(shape, SH.sparql):
            return _UNKNOWN
        parts = [self.property_pass(p, x) for p in self.objects(shape, SH.property)]
        path = self.one(shape, SH.path)
        if path is not None:
            parts.append(self.property_pass(shape, x))
        else:
            for predicate, value in self.constraints(shape):
                if predicate == SH.hasValue:
                    parts.append(f"sameTerm({x}, <{value}>)" if isinstance(value, URIRef) else _UNKNOWN)
                elif predicate in _PER_VALUE:
                    parts.append(self.value_pass(predicate, value, x, shape))
                else:
                    parts.append(_UNKNOWN)
        return _all(parts)

    def node_fail(self, shape: Node, x: str) -> str:
        """True only when ``x`` surely does not conform to ``shape``."""
        if self.deactivated(shape):
            return "false"
        parts = [self.property_fail(p, x) for p in self.objects(shape, SH.property)]
        path = self.one(shape, SH.path)
        if path is not None:
            parts.append(self.property_fail(shape, x))
        else:
            parts += [self.value_fail(p, value, x) for p, value in self.constraints(shape) if p in _PER_VALUE]
        return _any(parts)

    def property_pass(self, shape: Node, x: str) -> str:
        """True only when focus ``x`` surely meets every constraint of property shape ``shape``."""
        if self.deactivated(shape):
            return "true"
        if self.objects(shape, SH.sparql) or self.objects(shape, SH.property):
            return _UNKNOWN
        path_node = self.one(shape, SH.path)
        assert path_node is not None
        path = self.path(path_node)
        parts = []
        for predicate, value in self.constraints(shape):
            if predicate == SH.minCount:
                parts.append(self.at_least(x, path, _count(value)))
            elif predicate == SH.maxCount:
                n = _count(value)
                parts.append(f"!{self.at_least(x, path, n + 1)}" if n <= 3 else _UNKNOWN)
            elif predicate == SH.hasValue:
                parts.append(f"EXISTS {{ {x} {path} <{value}> }}" if isinstance(value, URIRef) else _UNKNOWN)
            elif predicate == SH.disjoint:
                v = self.var()
                parts.append(f"NOT EXISTS {{ {x} {path} {v} . {x} <{value}> {v} }}")
            elif predicate == SH.lessThan:
                v, w = self.var(), self.var("w")
                parts.append(f"NOT EXISTS {{ {x} {path} {v} . {x} <{value}> {w} FILTER(!{self.less(v, w)}) }}")
            elif predicate == SH.qualifiedValueShape:
                parts.append(self.qualified_pass(shape, value, x, path))
            elif predicate in (SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint):
                continue  # read with sh:qualifiedValueShape
            elif predicate in _PER_VALUE:
                v = self.var()
                parts.append(f"NOT EXISTS {{ {x} {path} {v} FILTER(!({self.value_pass(predicate, value, v, shape)})) }}")
            else:
                parts.append(_UNKNOWN)
        return _all(parts)

    def property_fail(self, shape: Node, x: str) -> str:
        if self.deactivated(shape):
            return "false"
        path_node = self.one(shape, SH.path)
        if path_node is None:
            return _UNKNOWN
        path = self.path(path_node)
        parts = []
        for predicate, value in self.constraints(shape):
            if predicate == SH.minCount:
                parts.append(f"!{self.at_least(x, path, _count(value))}")
            elif predicate == SH.maxCount and _count(value) <= 3:
                parts.append(self.at_least(x, path, _count(value) + 1))
            elif predicate in _PER_VALUE:
                v = self.var()
                fail = self.value_fail(predicate, value, v)
                if fail != _UNKNOWN:
                    parts.append(f"EXISTS {{ {x} {path} {v} FILTER({fail}) }}")
        return _any(parts)

    def at_least(self, x: str, path: str, n: int) -> str:
        """``x`` has at least ``n`` distinct values on ``path``."""
        if n <= 0:
            return "true"
        if n > 4:
            raise _Unsupported("counts above 4 in expressions")
        names = [self.var() for _ in range(n)]
        distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in combinations(names, 2))
        patterns = " . ".join(f"{x} {path} {name}" for name in names)
        return f"EXISTS {{ {patterns} {f'FILTER({distinct})' if distinct else ''} }}"

    def less(self, v: str, w: str) -> str:
        return f"COALESCE({self.canonical_number(v)} && {self.canonical_number(w)} && {v} < {w}, false)"

    def qualified_pass(self, shape: Node, qualified: Node, x: str, path: str) -> str:
        if self.objects(shape, SH.qualifiedValueShapesDisjoint):
            return _UNKNOWN
        minimum, maximum = self.one(shape, SH.qualifiedMinCount), self.one(shape, SH.qualifiedMaxCount)
        parts = []
        if minimum is not None and _count(minimum) > 0:
            if _count(minimum) > 1:
                return _UNKNOWN
            v = self.var()
            parts.append(f"EXISTS {{ {x} {path} {v} FILTER({self.node_pass(qualified, v)}) }}")
        if maximum is not None:
            if _count(maximum) > 0:
                return _UNKNOWN
            v = self.var()
            parts.append(f"NOT EXISTS {{ {x} {path} {v} FILTER(!({self.node_fail(qualified, v)})) }}")
        return _all(parts)

    # ------------------------------------------------------------------ top-level queries

    def targets(self, shape: Node) -> str:
        """A group pattern binding ``?this`` to each focus node of ``shape`` (maybe more than once)."""
        classes = set(self.objects(shape, SH.targetClass))
        class_types = {RDFS.Class} | set(self.shapes.subjects(RDFS.subClassOf, RDFS.Class))
        if set(self.shapes.objects(shape, RDF.type)) & class_types:
            classes.add(shape)
        branches = []
        if classes:
            terms = sorted({term for cls in classes for term in self.closure(cls)})
            branches.append(f"{{ ?this <{RDF.type}> ?targetClass . VALUES ?targetClass {{ {' '.join(terms)} }} }}")
        nodes = self.objects(shape, SH.targetNode)
        if nodes:
            branches.append(f"{{ VALUES ?this {{ {' '.join(_sparql_term(n) for n in nodes)} }} }}")
        for predicate in self.objects(shape, SH.targetSubjectsOf):
            branches.append(f"{{ ?this <{predicate}> ?targetObject }}")
        for predicate in self.objects(shape, SH.targetObjectsOf):
            branches.append(f"{{ ?targetSubject <{predicate}> ?this }}")
        if self.objects(shape, SH.target) or not branches:
            raise _Unsupported("targets other than classes, nodes, subjects and objects of a property")
        return branches[0] if len(branches) == 1 else " UNION ".join(branches)

    def shape_queries(self, shape: Node, target: str) -> Iterator[tuple[str, str, bool]]:
        """(constraint, query, restricted) for each constraint of a targeted shape.

        A restricted query returns focus nodes only; the others return every node that could fail
        the constraint, focus node of this shape or not, and their answers are narrowed to the
        focus nodes afterwards (a scan of one property is cheaper than a join with the targets).
        """
        try:
            if self.one(shape, SH.path) is not None:
                yield from self.property_queries(shape, target)
            else:
                for predicate, value in self.constraints(shape):
                    yield self.node_query(shape, predicate, value, target)
            for prop in self.objects(shape, SH.property):
                if not self.deactivated(prop):
                    yield from self.property_queries(prop, target)
            for constraint in self.objects(shape, SH.sparql):
                yield self.sparql_query(constraint)
        except _Unsupported:
            yield "every focus node", f"SELECT ?this WHERE {{ {target} }}", True

    def pass_pattern(self, shape: Node, x: str) -> str | None:
        """A group pattern that binds ``x`` only to nodes that surely conform to ``shape``, or None."""
        if self.deactivated(shape) or self.objects(shape, SH.sparql):
            return None
        path_node = self.one(shape, SH.path)
        parts = []
        if path_node is not None:
            path = self.path(path_node)
            for predicate, value in self.constraints(shape):
                if predicate == SH.minCount and _count(value) == 1:
                    parts.append(f"{x} {path} {self.var()} .")
                elif predicate == SH.hasValue and isinstance(value, URIRef):
                    parts.append(f"{x} {path} <{value}> .")
                else:
                    return None
        else:
            for predicate, value in self.constraints(shape):
                if predicate == SH["class"]:
                    t = self.var("t")
                    parts.append(f"{x} <{RDF.type}> {t} . VALUES {t} {{ {' '.join(self.closure(value))} }}")
                else:
                    return None
        for prop in self.objects(shape, SH.property):
            pattern = self.pass_pattern(prop, x)
            if pattern is None:
                return None
            parts.append(pattern)
        return " ".join(parts) if parts else None

    def node_query(self, shape: Node, predicate: URIRef, value: Node, target: str) -> tuple[str, str, bool]:
        name = _local(predicate)
        if predicate == SH["class"]:
            t = self.var("t")
            return name, (f"SELECT DISTINCT ?this WHERE {{ {target} MINUS {{ ?this <{RDF.type}> {t} . "
                          f"VALUES {t} {{ {' '.join(self.closure(value))} }} }} }}"), True
        if predicate == SH["or"]:
            patterns = [self.pass_pattern(member, "?this") for member in self.items(value)]
            if patterns and all(p is not None for p in patterns):
                minus = " ".join(f"MINUS {{ {p} }}" for p in patterns)
                return name, f"SELECT DISTINCT ?this WHERE {{ {target} {minus} }}", True
        if predicate == SH.hasValue:
            test = f"sameTerm(?this, <{value}>)" if isinstance(value, URIRef) else _UNKNOWN
        elif predicate in _PER_VALUE:
            test = self.value_pass(predicate, value, "?this", shape)
        else:
            raise _Unsupported(f"constraint {predicate} on a node shape")
        return name, f"SELECT DISTINCT ?this WHERE {{ {target} FILTER(!({test})) }}", True

    def property_queries(self, shape: Node, target: str) -> Iterator[tuple[str, str, bool]]:
        if self.objects(shape, SH.sparql) or self.objects(shape, SH.property):
            raise _Unsupported("SPARQL constraints or nested properties on a property shape")
        path_node = self.one(shape, SH.path)
        assert path_node is not None
        path = self.path(path_node)
        label = _local(path_node) if isinstance(path_node, URIRef) else "path"
        for predicate, value in self.constraints(shape):
            name = f"{label} {_local(predicate)}"
            v = self.var()
            if predicate == SH.minCount:
                n = _count(value)
                if n == 1:
                    yield name, f"SELECT DISTINCT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {path} {v} }} }}", True
                elif n > 1:
                    yield name, (f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} {v} }} }} "
                                 f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) < {n})"), True
            elif predicate == SH.maxCount:
                n = _count(value)
                if n <= 3:
                    yield name, (f"SELECT DISTINCT ?this WHERE {{ {self.at_least_pattern('?this', path, n + 1)} }}"), False
                else:
                    yield name, (f"SELECT ?this WHERE {{ ?this {path} {v} }} "
                                 f"GROUP BY ?this HAVING (COUNT(DISTINCT {v}) > {n})"), False
            elif predicate == SH["class"]:
                t = self.var("t")
                yield name, (f"SELECT DISTINCT ?this WHERE {{ ?this {path} {v} MINUS {{ {v} <{RDF.type}> {t} . "
                             f"VALUES {t} {{ {' '.join(self.closure(value))} }} }} }}"), False
            elif predicate == SH.flags:
                continue  # read with sh:pattern
            elif predicate in _PER_VALUE:
                test = self.value_pass(predicate, value, v, shape)
                yield name, f"SELECT DISTINCT ?this WHERE {{ ?this {path} {v} FILTER(!({test})) }}", False
            elif predicate == SH.hasValue:
                if not isinstance(value, URIRef):
                    raise _Unsupported("literal sh:hasValue")
                yield name, f"SELECT DISTINCT ?this WHERE {{ {target} MINUS {{ ?this {path} <{value}> }} }}", True
            elif predicate == SH.disjoint:
                yield name, f"SELECT DISTINCT ?this WHERE {{ ?this {path} {v} . ?this <{value}> {v} }}", False
            elif predicate == SH.lessThan:
                w = self.var("w")
                yield name, (f"SELECT DISTINCT ?this WHERE {{ ?this {path} {v} . ?this <{value}> {w} "
                             f"FILTER(!{self.less(v, w)}) }}"), False
            elif predicate == SH.qualifiedValueShape:
                pattern = self.pass_pattern(value, v)
                minimum, maximum = self.one(shape, SH.qualifiedMinCount), self.one(shape, SH.qualifiedMaxCount)
                if (pattern is not None and minimum is not None and _count(minimum) == 1 and maximum is None
                        and not self.objects(shape, SH.qualifiedValueShapesDisjoint)):
                    yield name, (f"SELECT DISTINCT ?this WHERE {{ {target} MINUS {{ ?this {path} {v} . {pattern} }} }}"), True
                else:
                    test = self.qualified_pass(shape, value, "?this", path)
                    yield name, f"SELECT DISTINCT ?this WHERE {{ {target} FILTER(!({test})) }}", True
            elif predicate in (SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint):
                continue
            else:
                raise _Unsupported(f"constraint {predicate}")

    def at_least_pattern(self, x: str, path: str, n: int) -> str:
        names = [self.var() for _ in range(n)]
        distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in combinations(names, 2))
        patterns = " . ".join(f"{x} {path} {name}" for name in names)
        return f"{patterns} {f'FILTER({distinct})' if distinct else ''}"

    def prefixes(self, constraint: Node) -> str:
        lines = []
        for source in self.objects(constraint, SH.prefixes):
            for declaration in self.objects(source, SH.declare):
                prefix, namespace = self.one(declaration, SH.prefix), self.one(declaration, SH.namespace)
                if prefix is None or namespace is None:
                    raise _Unsupported("incomplete sh:declare")
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        return "\n".join(sorted(set(lines)))

    def sparql_query(self, constraint: Node) -> tuple[str, str, bool]:
        """The SELECT of a SPARQL-based constraint, run on the whole data: its ``$this`` rows."""
        if self.deactivated(constraint):
            return "sparql (deactivated)", "SELECT ?this WHERE { FILTER(false) }", False
        select = self.one(constraint, SH.select)
        if not isinstance(select, Literal):
            raise _Unsupported("a SPARQL constraint without sh:select")
        text = str(select)
        head = text.split("{", 1)[0]
        if (re.search(r"^\s*(PREFIX|BASE)\b", text, re.IGNORECASE | re.MULTILINE)
                or re.search(r"[$?](shapesGraph|currentShape|PATH)\b", text)
                or not re.search(r"[$?]this\b|\*", head)):
            raise _Unsupported("a SPARQL constraint the compiler cannot embed")
        return "sparql", f"{self.prefixes(constraint)}\nSELECT DISTINCT ?this WHERE {{ {{ {text} }} }}", False

    def targeted_shapes(self) -> list[Node]:
        found: set[Node] = set()
        for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            found.update(self.shapes.subjects(predicate, None))
        class_types = {RDFS.Class} | set(self.shapes.subjects(RDFS.subClassOf, RDFS.Class))
        for shape_type in (SH.NodeShape, SH.PropertyShape):
            for shape in self.shapes.subjects(RDF.type, shape_type):
                if set(self.shapes.objects(shape, RDF.type)) & class_types:
                    found.add(shape)
        return sorted(found)


def _all(parts: Iterator[str] | list[str]) -> str:
    parts = [p for p in parts if p != "true"]
    if _UNKNOWN in parts:
        return _UNKNOWN
    return "(" + " && ".join(parts) + ")" if parts else "true"


def _any(parts: Iterator[str] | list[str]) -> str:
    parts = [p for p in parts if p != _UNKNOWN]
    if "true" in parts:
        return "true"
    return "(" + " || ".join(parts) + ")" if parts else _UNKNOWN


def _count(value: Node) -> int:
    if not isinstance(value, Literal) or not isinstance(value.value, int):
        raise _Unsupported(f"count {value!r}")
    return value.value


def _local(node: Node) -> str:
    return re.split(r"[#/]", str(node))[-1]


def candidate_queries(shapes: Graph, store: ox.Store) -> list[CandidateQuery]:
    """The candidate queries of every targeted shape of ``shapes``, for the data in ``store``
    (which holds the ontology too, so targets and ``sh:class`` reach subclasses).

    A constraint the compiler cannot translate makes the shape query all its focus nodes; a shape
    whose focus nodes no query can find is left out, and :func:`uncompiled_shapes` names it.
    """
    compiler = _Compiler(shapes, store)
    queries = []
    for shape in compiler.targeted_shapes():
        if not isinstance(shape, URIRef) or compiler.deactivated(shape):
            continue
        try:
            target = compiler.targets(shape)
        except _Unsupported:
            continue
        for constraint, text, restricted in compiler.shape_queries(shape, target):
            queries.append(CandidateQuery(shape=shape, constraint=constraint, text=text, restricted=restricted,
                                          target=target))
    return queries


def uncompiled_shapes(shapes: Graph, store: ox.Store) -> list[Node]:
    """Targeted shapes whose focus nodes no query finds (blank-node shapes, SHACL-AF targets): they
    must be validated in full."""
    compiler = _Compiler(shapes, store)
    left = []
    for shape in compiler.targeted_shapes():
        if compiler.deactivated(shape):
            continue
        if not isinstance(shape, URIRef):
            left.append(shape)
            continue
        try:
            compiler.targets(shape)
        except _Unsupported:
            left.append(shape)
    return left
