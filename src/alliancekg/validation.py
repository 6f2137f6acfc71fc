"""SHACL validation, returned as a typed report with one readable line per result.

Two ways to the same report:

- :func:`validate` runs pySHACL on an rdflib graph of the whole data (the reference);
- :func:`validate_store` asks a pyoxigraph store which focus nodes could fail which shape
  (queries compiled from the shapes, :mod:`alliancekg.shacl_sparql`), then runs pySHACL on those
  nodes only, reading the store through an rdflib view. On data that conforms pySHACL never runs.
""" 

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from alliancekg.loading import to_rdflib
from alliancekg.namespaces import bind_prefixes
from alliancekg.shacl_sparql import candidate_queries, uncompiled_shapes
from alliancekg.storeview import store_view

__all__ = ["Severity", "ShapeResult", "ValidationReport", "validate", "validate_store"]

#: pySHACL's options, the same for the whole data and for a few focus nodes.
_PYSHACL_OPTIONS = {"inference": "none", "advanced": True, "allow_warnings": True}


class Severity(str, Enum):
    """SHACL severities, most serious first."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True, order=True)
class ShapeResult:
    """One SHACL validation result."""

    focus: str
    focus_label: str
    shape: str
    path: str
    message: str
    severity: Severity

    def line(self) -> str:
        """A single readable line: focus label, shape, message."""
        return f"{self.severity.value}: {self.focus_label} <{self.focus}> — {self.shape}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating a data graph against the shapes."""

    conforms: bool
    results: tuple[ShapeResult, ...]
    graph: Graph

    def text(self) -> str:
        """The report as readable text, one line per result."""
        head = "Conforms: yes" if self.conforms else f"Conforms: no ({len(self.results)} results)"
        return "\n".join([head, *(r.line() for r in self.results)]) + "\n"

    def shapes_failed(self) -> set[str]:
        """Local names of the node shapes with at least one result."""
        return {r.shape for r in self.results}


def _local(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - rdflib raises plain exceptions on some IRIs
            return str(node)
    return str(node)


def _node_shape(shapes: Graph, shape: Node) -> Node:
    """The named node shape a (possibly blank) property shape belongs to."""
    seen: set[Node] = set()
    while not isinstance(shape, URIRef) and shape not in seen:
        seen.add(shape)
        parents = [s for s, p in shapes.subject_predicates(shape) if p in (SH.property, SH.node, SH.sparql)]
        parents += [s for s in shapes.subjects(None, shape)]
        if not parents:
            break
        shape = parents[0]
    return shape


def _label(data: Graph, node: Node) -> str:
    labels = sorted(data.objects(node, RDFS.label), key=lambda l: (getattr(l, "language", None) != "en", str(l)))
    return str(labels[0]) if labels else _local(data, node)


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Validate ``data`` against ``shapes`` with pySHACL; the data graph should hold the ontology too."""
    conforms, report_graph, _ = pyshacl_validate(data, shacl_graph=shapes, **_PYSHACL_OPTIONS)
    return _report(bool(conforms), report_graph, data, shapes)


def _report(conforms: bool, report_graph: Graph, data: Graph, shapes: Graph) -> ValidationReport:
    results = []
    for result in report_graph.subjects(SH.resultSeverity, None):
        focus = report_graph.value(result, SH.focusNode)
        source_shape = report_graph.value(result, SH.sourceShape)
        node_shape = _node_shape(shapes, source_shape) if source_shape is not None else None
        message = report_graph.value(result, SH.resultMessage)
        severity = report_graph.value(result, SH.resultSeverity)
        value = report_graph.value(result, SH.value)
        text = str(message) if isinstance(message, Literal) else "constraint not met"
        if value is not None and str(value) not in text:
            text = f"{text} (value: {_local(data, value)})"
        results.append(
            ShapeResult(
                focus=str(focus),
                focus_label=_label(data, focus),
                shape=str(node_shape).rsplit("#", 1)[-1].rsplit("/", 1)[-1],
                path=_local(data, report_graph.value(result, SH.resultPath)),
                message=text,
                severity=Severity(str(severity).rsplit("#", 1)[-1]),
            )
        )
    report = bind_prefixes(Graph())
    report += to_canonical_graph(report_graph)
    return ValidationReport(conforms=conforms, results=tuple(sorted(set(results))), graph=report)


#: Target declarations, replaced by the candidate focus nodes when pySHACL runs on the store.
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _focused(shapes: Graph, candidates: dict[URIRef, set[Node]], keep: set[Node]) -> Graph:
    """A copy of ``shapes`` in which each compiled shape targets its candidate focus nodes only
    (``sh:targetNode``), while the shapes in ``keep`` keep their own targets."""
    class_types = {RDFS.Class} | set(shapes.subjects(RDFS.subClassOf, RDFS.Class))
    focused = Graph()
    for s, p, o in shapes:
        if s not in keep and (p in _TARGETS or (p == RDF.type and o in class_types)):
            continue
        focused.add((s, p, o))
    for shape, nodes in candidates.items():
        if shape not in keep:
            for node in nodes:
                focused.add((shape, SH.targetNode, node))
    for prefix, namespace in shapes.namespaces():
        focused.bind(prefix, namespace, override=True, replace=True)
    return focused


def validate_store(store: ox.Store, shapes: Graph, *, progress: Callable[[str], None] | None = None) -> ValidationReport:
    """Validate the default graph of ``store`` against ``shapes``: the report pySHACL gives for
    the same triples, found by running pySHACL only on the focus nodes that the store says could
    fail (:func:`alliancekg.shacl_sparql.candidate_queries`).

    pySHACL runs once, on an rdflib view of the store, with a copy of the shapes whose targets are
    those candidates; shapes the compiler cannot target (SHACL-AF targets, blank-node shapes) keep
    their targets and are checked in full.

    >>> from alliancekg.loading import load_files
    >>> from alliancekg.settings import Settings
    >>> settings = Settings()
    >>> store = load_files([settings.ontology_dir / "alliancekg.ttl"])
    >>> shapes = Graph().parse(settings.shapes_file)
    >>> validate_store(store, shapes).conforms
    True
    """
    say = progress or (lambda _step: None)
    keep = set(uncompiled_shapes(shapes, store))
    candidates: dict[URIRef, set[Node]] = defaultdict(set)
    for query in candidate_queries(shapes, store):
        if query.shape not in keep:
            candidates[query.shape].update(to_rdflib(term) for term in query.focus_nodes(store))
    data = store_view(store)
    if not keep and not any(candidates.values()):
        conforms, report_graph = True, _empty_report()
    else:
        count = sum(len(nodes) for nodes in candidates.values())
        say(f"checking {count} candidate focus nodes" + (f" and {len(keep)} shapes in full" if keep else "")
            + " with pySHACL")
        conforms, report_graph, _ = pyshacl_validate(data, shacl_graph=_focused(shapes, candidates, keep),
                                                     inplace=True, **_PYSHACL_OPTIONS)
    return _report(bool(conforms), report_graph, data, shapes)


def _empty_report() -> Graph:
    """The report of data that conforms, as pySHACL writes it."""
    graph, report = Graph(), BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(True)))
    return graph
