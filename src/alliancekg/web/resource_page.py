"""The HTML page of one resource: its label and types, every statement with the passages it rests
on, the statements pointing at it, and its sources.

Provenance is attached to nodes: the resource and each fact node (a membership, a partnership, an
observation, ...) carry ``akg:passage`` links to passages of their source documents. So a
statement rests on the passages of the fact node it belongs to: one linking the resource and a
fact node rests on that fact node's passages; any other statement of the resource (its label,
types, values) on the resource's own. A link between the resource and another named resource is
stated by one of the two (inference adds the inverse), so it shows the resource's own passages
and, when the other cites passages too, a link to that resource's sources. Passages are numbered
once and shown as their source document and character span, never as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from alliancekg.namespaces import shorten
from alliancekg.web.resource_description import Description, Passage, Statement
from alliancekg.web.resource_templates import TermView, choose_label, local_href, render, term_view

__all__ = ["SourceRef", "render_resource_page"]

_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel")
_COMMENTS = ("http://www.w3.org/2004/02/skos/core#definition", "http://www.w3.org/2000/01/rdf-schema#comment")


@dataclass(frozen=True)
class SourceRef:
    """One numbered passage of the Sources list and the nodes (the resource, its fact nodes) it
    is behind."""

    number: int
    passage: TermView
    source: TermView
    start: str
    end: str
    nodes: list[TermView]


@dataclass(frozen=True)
class _Row:
    term: TermView
    property: TermView
    refs: tuple[int, ...]
    elsewhere: str | None = None  # the page whose sources back the statement, when not this one


def _numbered(passages: Sequence[Passage], iri: str) -> tuple[list[SourceRef], dict[str, tuple[int, ...]]]:
    """Number each distinct passage (the resource's own first, as the query orders them); map each
    node to the numbers of its passages."""
    refs: dict[str, SourceRef] = {}
    by_node: dict[str, list[int]] = {}
    for p in passages:
        ref = refs.get(p.passage.value)
        if ref is None:
            ref = refs[p.passage.value] = SourceRef(
                len(refs) + 1, term_view(p.passage, p.passage_label.value if p.passage_label else None),
                term_view(p.source, p.source_label), p.start.value, p.end.value, [])
        numbers = by_node.setdefault(p.node.value, [])
        if ref.number not in numbers:
            numbers.append(ref.number)
            node = term_view(p.node, "this resource" if p.node.value == iri else p.node_label)
            ref.nodes.append(node)
    return list(refs.values()), {node: tuple(numbers) for node, numbers in by_node.items()}


def _row(description: Description, statement: Statement, other: ox.NamedNode | ox.BlankNode | ox.Literal,
         by_node: dict[str, tuple[int, ...]]) -> _Row:
    """A statement's row; ``other`` is its end that is not the resource."""
    shown = term_view(other, statement.label)
    predicate = term_view(statement.predicate)
    if isinstance(other, ox.NamedNode) and other.value != description.iri and other.value in by_node:
        return _Row(shown, predicate, by_node[other.value])  # a fact node: its own passages
    own = by_node.get(description.iri, ())
    href = local_href(other.value) if isinstance(other, ox.NamedNode) and statement.cited else None
    return _Row(shown, predicate, own, href + "#sources" if href and other.value != description.iri else None)


def _rows(description: Description, by_node: dict[str, tuple[int, ...]]) -> tuple[list[_Row], list[_Row]]:
    return ([_row(description, s, s.value, by_node) for s in description.statements],
            [_row(description, s, s.subject, by_node) for s in description.incoming])


def _values(description: Description, properties: Sequence[str]) -> list[ox.Literal]:
    wanted = [s for p in properties for s in description.statements if s.predicate.value == p]
    return [s.value for s in wanted if isinstance(s.value, ox.Literal)]


def render_resource_page(description: Description, *, accept_language: str | None,
                         alternates: Sequence[tuple[str, str, str]]) -> str:
    """The HTML page of ``description``; ``alternates`` are (name, media type, href) of its RDF forms."""
    sources, by_node = _numbered(description.passages, description.iri)
    outgoing, incoming = _rows(description, by_node)
    label = choose_label(_values(description, _LABELS), accept_language)
    comment = choose_label(_values(description, _COMMENTS), accept_language)
    types = [term_view(s.value, s.label) for s in description.statements
             if s.predicate.value == _TYPE and isinstance(s.value, ox.NamedNode)]
    return render("resource.html", title=label.value if label else shorten(description.iri),
                  label=label.value if label else None, lang=label.language if label else None,
                  comment=comment.value if comment else None, comment_lang=comment.language if comment else None,
                  iri=description.iri, types=types, statements=outgoing, incoming=incoming,
                  sources=sources, description=description, alternates=alternates)
