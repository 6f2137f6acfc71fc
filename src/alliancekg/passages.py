"""Source passages: character spans of source documents, located and read back.

Offsets count Unicode code points of the source text decoded as UTF-8; the end is exclusive.

>>> text = "IP Paris joined CESAER in January 2022."
>>> span = find_span(text, start="IP Paris", end="2022")
>>> span
Span(start=0, end=38)
>>> text[span.start:span.end]
'IP Paris joined CESAER in January 2022'
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from alliancekg.errors import UsageError

__all__ = ["Span", "find_span", "mentions", "passage_iri", "passage_turtle", "read_source", "sha256_of"]

ID = "https://w3id.org/alliancekg/id/"


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range of code points ``[start, end)``."""

    start: int
    end: int


def read_source(path: Path) -> str:
    """Read a source document as UTF-8 text, keeping its line endings as they are."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes as 64 lowercase hex digits."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def find_span(text: str, *, start: str, end: str | None = None, occurrence: int = 1) -> Span:
    """Locate the passage running from the ``occurrence``-th ``start`` phrase to the next ``end``.

    Raises :class:`~alliancekg.errors.UsageError` when a phrase is not found.

    >>> find_span("a b a c", start="a", end="c", occurrence=2)
    Span(start=4, end=7)
    """
    begin = -1
    for _ in range(occurrence):
        begin = text.find(start, begin + 1)
        if begin < 0:
            raise UsageError(f"start phrase not found (occurrence {occurrence}): {start!r}")
    if end is None:
        return Span(begin, begin + len(start))
    stop = text.find(end, begin)
    if stop < 0:
        raise UsageError(f"end phrase not found after the start phrase: {end!r}")
    return Span(begin, stop + len(end))


def passage_iri(source_slug: str, span: Span) -> str:
    """The IRI of a passage: ``id:passage/{source}/{start}-{end}``.

    >>> passage_iri("iuces-consortium", Span(10, 20))
    'https://w3id.org/alliancekg/id/passage/iuces-consortium/10-20'
    """
    return f"{ID}passage/{source_slug}/{span.start}-{span.end}"


def passage_turtle(source_slug: str, span: Span) -> str:
    """The Turtle block that declares a passage, relative to ``@base <https://w3id.org/alliancekg/id/>``.

    >>> print(passage_turtle("iuces-consortium", Span(10, 20)), end="")
    <passage/iuces-consortium/10-20> a akg:SourcePassage ;
        rdfs:label "iuces-consortium, characters 10-20" ;
        dcterms:isPartOf <source/iuces-consortium> ;
        oa:start 10 ;
        oa:end 20 .
    """
    name = f"passage/{source_slug}/{span.start}-{span.end}"
    return (
        f"<{name}> a akg:SourcePassage ;\n"
        f'    rdfs:label "{source_slug}, characters {span.start}-{span.end}" ;\n'
        f"    dcterms:isPartOf <source/{source_slug}> ;\n"
        f"    oa:start {span.start} ;\n"
        f"    oa:end {span.end} .\n"
    )


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


def mentions(passage_text: str, labels: list[str]) -> bool:
    """Whether any of ``labels`` occurs in the passage, ignoring case and runs of white space.

    >>> mentions("the universities of  Oslo, Aarhus", ["University of Oslo", "Oslo"])
    True
    >>> mentions("Aarhus", ["Oslo"])
    False
    """
    haystack = _normalise(passage_text)
    return any(_normalise(label) in haystack for label in labels if label.strip())
