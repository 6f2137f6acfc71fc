"""HTML for resources and the ontology: the Jinja2 templates (autoescaped) and how an RDF term is
shown on a page.

Our IRIs link to the path of this server that serves them (``/id/...``, ``/ontology#Term``);
IRIs of other sites are shown as text (a prefixed name when the project's prefix table has one),
never as links, so a page leads nowhere but this server.

>>> local_href("https://w3id.org/alliancekg/id/org/ipgp"), local_href(AKG_NS + "University")
('/id/org/ipgp', '/ontology#University')
>>> local_href("https://schema.org/Place") is None
True
>>> view = term_view(ox.Literal("Paris", language="fr"))
>>> view.text, view.lang, view.href
('Paris', 'fr', None)
>>> print(render_string("<p>{{ x }}</p>", x="<script>"))
<p>&lt;script&gt;</p>
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pyoxigraph as ox

from alliancekg.namespaces import ID, ONTOLOGY_IRI, shorten

__all__ = ["AKG_NS", "TermView", "choose_label", "local_href", "render", "render_string", "term_view"]

AKG_NS = "https://w3id.org/alliancekg/ontology#"
_ID_NS = str(ID)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_SAFE = "/-._~!$&'()*+,;=:@%"
_TEMPLATES = Path(__file__).parent / "templates"


def local_href(iri: str) -> str | None:
    """The path of this server that serves ``iri``, or ``None`` for an IRI of another site."""
    if iri.startswith(_ID_NS) and len(iri) > len(_ID_NS):
        return "/id/" + urllib.parse.quote(iri[len(_ID_NS):], safe=_SAFE)
    if iri.startswith(AKG_NS):
        return "/ontology#" + urllib.parse.quote(iri[len(AKG_NS):], safe=_SAFE)
    if iri == str(ONTOLOGY_IRI):
        return "/ontology"
    return None


@dataclass(frozen=True)
class TermView:
    """An RDF term ready for a template: ``text`` to show, ``href`` (a local path) when it links,
    ``iri`` for a tooltip, ``name`` (a prefixed name shown beside a vocabulary term's label),
    ``lang`` and ``datatype`` of a literal."""

    kind: str
    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    name: str | None = None


def term_view(term: ox.NamedNode | ox.BlankNode | ox.Literal, label: str | None = None) -> TermView:
    """How ``term`` shows: a label (when given) or prefixed name for an IRI, the value of a literal."""
    if isinstance(term, ox.NamedNode):
        short = shorten(term.value)
        # a term of a vocabulary also shows its prefixed name next to its label
        name = short if label and not term.value.startswith(_ID_NS) else None
        return TermView("iri", label or short, local_href(term.value), term.value, name=name)
    if isinstance(term, ox.BlankNode):
        return TermView("bnode", f"_:{term.value}")
    datatype = term.datatype.value
    shown = None if term.language or datatype in (_XSD_STRING, _LANG_STRING) else shorten(datatype)
    return TermView("literal", term.value, lang=term.language or None, datatype=shown)


def _accepted_languages(header: str | None) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first (q=0 dropped)."""
    weighted = []
    for index, item in enumerate((header or "").split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag.lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_label(labels: Iterable[ox.Literal], accept_language: str | None = None) -> ox.Literal | None:
    """The label to show a reader: the first language of ``Accept-Language`` that has one (a
    ``fr`` reader also takes ``fr-CA``), else English, else one without a language, else the first.

    >>> labels = [ox.Literal("Paris", language="fr"), ox.Literal("Paris (en)", language="en")]
    >>> choose_label(labels, "fr-FR, fr;q=0.8").value, choose_label(labels, None).value
    ('Paris', 'Paris (en)')
    """
    labels = list(labels)
    for wanted in [*_accepted_languages(accept_language), "en", ""]:
        exact = [label for label in labels if (label.language or "").lower() == wanted]
        primary = [label for label in labels
                   if wanted and (label.language or "").lower().split("-")[0] == wanted.split("-")[0]]
        if exact or primary:
            return (exact or primary)[0]
    return labels[0] if labels else None


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **context: object) -> str:
    """Render ``templates/TEMPLATE`` with ``context``; every value is HTML-escaped."""
    return _environment().get_template(template).render(**context)


def render_string(source: str, **context: object) -> str:
    """Render a template given as text, with the same (escaping) environment."""
    return _environment().from_string(source).render(**context)
