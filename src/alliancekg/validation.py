"""SHACL validation with pySHACL, returned as a typed report with one readable line per result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDFS, SH
from rdflib.term import Node

from alliancekg.namespaces import bind_prefixes

__all__ = ["Severity", "ShapeResult", "ValidationReport", "validate"]


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
    """Validate ``data`` against ``shapes``; the data graph should hold the ontology too."""
    conforms, report_graph, _ = pyshacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
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
    return ValidationReport(conforms=bool(conforms), results=tuple(sorted(set(results))), graph=report)
