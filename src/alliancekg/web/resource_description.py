"""What the server says about one resource: its statements, the statements pointing at it and the
passages behind it, read with the ``queries/pages/`` catalogue queries.

The description is bounded, so that a hub with thousands of links still gives a page: at most
:data:`STATEMENT_CAP` statements of the resource, :data:`INCOMING_CAP` statements pointing at it
and :data:`PASSAGE_CAP` passages (the resource's own first); a :class:`Description` says which
parts were cut. The statement queries are unordered (sorting thousands of rows by text is slow
in the store), so a cut list holds an arbitrary part of them, which is sorted here. Its RDF form
(:meth:`Description.triples`) holds those statements plus the provenance of each passage (the
``akg:passage`` links of the resource and of its fact nodes, and each passage's type, source and
offsets), so the sources travel with the facts.

>>> d = Description("urn:x", statements=[], incoming=[], passages=[])
>>> d.exists, d.cut
(False, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from alliancekg.web.service import Service

__all__ = ["INCOMING_CAP", "PASSAGE_CAP", "STATEMENT_CAP", "Description", "Passage", "Statement", "describe"]

#: At most this many statements of the resource itself are shown.
STATEMENT_CAP = 1000
#: At most this many statements pointing at the resource are shown ("referenced by").
INCOMING_CAP = 500
#: At most this many passages (of the resource and of its fact nodes) are shown.
PASSAGE_CAP = 500
_CAPS = {"statements": STATEMENT_CAP, "incoming": INCOMING_CAP, "passages": PASSAGE_CAP}

AKG = "https://w3id.org/alliancekg/ontology#"
_PASSAGE = ox.NamedNode(AKG + "passage")
_SOURCE_PASSAGE = ox.NamedNode(AKG + "SourcePassage")
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_PART_OF = ox.NamedNode("http://purl.org/dc/terms/isPartOf")
_START = ox.NamedNode("http://www.w3.org/ns/oa#start")
_END = ox.NamedNode("http://www.w3.org/ns/oa#end")

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Statement:
    """One triple of the description; ``label`` names its other end (the value of a statement of
    the resource, the subject of a statement pointing at it) when that end has a label, and
    ``cited`` says whether that end cites passages of its own."""

    subject: ox.NamedNode | ox.BlankNode
    predicate: ox.NamedNode
    value: Term
    label: str | None = None
    cited: bool = False

    @property
    def triple(self) -> ox.Triple:
        return ox.Triple(self.subject, self.predicate, self.value)


@dataclass(frozen=True)
class Passage:
    """A passage behind ``node`` (the resource itself or one of its fact nodes): its source and its
    character span (Unicode code points, end exclusive). The text itself is never held."""

    node: ox.NamedNode
    node_label: str | None
    passage: ox.NamedNode
    passage_label: ox.Literal | None
    source: ox.NamedNode
    source_label: str | None
    start: ox.Literal
    end: ox.Literal


@dataclass
class Description:
    """The bounded description of ``iri``; the ``*_cut`` flags say which lists hit their cap."""

    iri: str
    statements: list[Statement]
    incoming: list[Statement]
    passages: list[Passage]
    statements_cut: bool = False
    incoming_cut: bool = False
    passages_cut: bool = False
    caps: Mapping[str, int] = field(default_factory=lambda: dict(_CAPS))

    @property
    def exists(self) -> bool:
        """Whether the store says anything about the resource, either way."""
        return bool(self.statements or self.incoming)

    @property
    def cut(self) -> bool:
        return self.statements_cut or self.incoming_cut or self.passages_cut

    def triples(self) -> list[ox.Triple]:
        """The description as RDF: statements, incoming statements, then the passages' provenance;
        each triple once, in that order."""
        seen: dict[ox.Triple, None] = {}
        for statement in self.statements + self.incoming:
            seen.setdefault(statement.triple)
        for p in self.passages:
            seen.setdefault(ox.Triple(p.node, _PASSAGE, p.passage))
            seen.setdefault(ox.Triple(p.passage, _TYPE, _SOURCE_PASSAGE))
            if p.passage_label is not None:
                seen.setdefault(ox.Triple(p.passage, _LABEL, p.passage_label))
            seen.setdefault(ox.Triple(p.passage, _PART_OF, p.source))
            seen.setdefault(ox.Triple(p.passage, _START, p.start))
            seen.setdefault(ox.Triple(p.passage, _END, p.end))
        return list(seen)


_TEXTS: dict[Path, tuple[int, str]] = {}


def page_query(service: Service, name: str) -> str:
    """The text of ``queries/pages/NAME.rq``, read again only when the file changes."""
    path = service.settings.queries_dir / "pages" / f"{name}.rq"
    stamp = path.stat().st_mtime_ns
    cached = _TEXTS.get(path)
    if cached is None or cached[0] != stamp:
        cached = _TEXTS[path] = (stamp, path.read_text(encoding="utf-8"))
    return cached[1]


async def _rows(service: Service, name: str, iri: str, cap: int) -> tuple[list[dict[str, Term]], bool]:
    answer = await service.run(page_query(service, name), terms={"resource": ox.NamedNode(iri)}, max_rows=cap)
    solutions = ox.parse_query_results(answer.data, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    rows = [{n: s[n] for n in names if s[n] is not None} for s in solutions]
    return rows[:cap], len(rows) > cap


def _text(term: Term | None) -> str | None:
    return None if term is None else term.value


def _true(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.value in ("true", "1")


def _order(term: Term) -> tuple[int, str, str]:
    """Sort IRIs before literals, then by text and language (the store's queries are unordered)."""
    language = term.language or "" if isinstance(term, ox.Literal) else ""
    return (isinstance(term, ox.Literal), term.value, language)


async def describe(service: Service, iri: str) -> Description:
    """Read the description of ``iri`` from the store (three capped queries, run one after the
    other so a page takes one query slot at a time; no cap above the server's ``max_rows``).
    Raise what :meth:`Service.run` raises."""
    caps = {part: min(cap, service.options.max_rows) for part, cap in _CAPS.items()}
    rows, statements_cut = await _rows(service, "resource-statements", iri, caps["statements"])
    subject = ox.NamedNode(iri)
    statements = sorted((Statement(subject, r["property"], r["value"], _text(r.get("valueLabel")),  # type: ignore[arg-type]
                                   _true(r.get("valueCited"))) for r in rows),
                        key=lambda s: (s.predicate.value, _order(s.value)))
    rows, incoming_cut = await _rows(service, "resource-incoming", iri, caps["incoming"])
    incoming = sorted((Statement(r["subject"], r["property"], subject, _text(r.get("subjectLabel")),  # type: ignore[arg-type]
                                 _true(r.get("subjectCited"))) for r in rows),
                      key=lambda s: (s.predicate.value, _order(s.subject)))
    passages: list[Passage] = []
    passages_cut = False
    if statements or incoming:
        rows, passages_cut = await _rows(service, "resource-sources", iri, caps["passages"])
        passages = [Passage(r["node"], _text(r.get("nodeLabel")), r["passage"],  # type: ignore[arg-type]
                            r.get("passageLabel"), r["source"], _text(r.get("sourceLabel")),  # type: ignore[arg-type]
                            r["start"], r["end"]) for r in rows]  # type: ignore[arg-type]
    return Description(iri, statements, incoming, passages, statements_cut, incoming_cut, passages_cut, caps)
