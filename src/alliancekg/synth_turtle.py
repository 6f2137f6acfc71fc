"""Writing the synthetic data as text: Turtle literals and IRIs, dates, and one source document at a time.

The generator does not go through rdflib: it formats Turtle directly, so every string passes
through :func:`turtle_string` and every IRI through :func:`relative_iri` (or is built from
checked parts). A :class:`Document` grows a source text paragraph by paragraph, hands out the
passage IRI of each paragraph (Unicode code-point offsets, end exclusive) and collects the Turtle
of the facts drawn from it.

>>> doc = Document("synth-example", "Synthetic example")
>>> doc.heading("Example")
>>> passage = doc.paragraph("Universität Kalemos joined the Norvena Network in 2004.")
>>> passage
'passage/synth-example/9-64'
>>> doc.text()[9:64]
'Universität Kalemos joined the Norvena Network in 2004.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["HEADER", "Document", "SynthDate", "join_names", "relative_iri", "turtle_string"]

ID = "https://w3id.org/alliancekg/id/"
PREFIXES = (
    ("akg", "https://w3id.org/alliancekg/ontology#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("oa", "http://www.w3.org/ns/oa#"),
    ("org", "http://www.w3.org/ns/org#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("schema", "https://schema.org/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("time", "http://www.w3.org/2006/time#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
)
#: The start of every generated Turtle file: the prefixes and ``@base`` of the id/ namespace.
HEADER = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES) + f"@base <{ID}> .\n"

_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
            ord("\b"): "\\b", ord("\f"): "\\f"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F) if c not in _ESCAPES})
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPECIAL = re.compile(r'["\\\x00-\x1f\x7f\ud800-\udfff]')  # anything turtle_string must escape or refuse
_IRI_PATH = re.compile(r"[A-Za-z0-9._~/-]+")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def turtle_string(value: str) -> str:
    """``value`` as a quoted Turtle string: quotes, backslashes and control characters escaped.

    Raises :class:`ValueError` on a lone surrogate, which no RDF store can hold.

    >>> print(turtle_string('Say "hi"\\\\ there\\n'))
    "Say \\"hi\\"\\\\ there\\n"
    >>> turtle_string("École\\x00")
    '"École\\\\u0000"'
    """
    if not _SPECIAL.search(value):  # the common case: nothing to escape
        return f'"{value}"'
    if _SURROGATE.search(value):
        raise ValueError(f"lone surrogate in {value!r}")
    return f'"{value.translate(_ESCAPES)}"'


def relative_iri(path: str) -> str:
    """``<path>``, an IRI relative to ``@base <https://w3id.org/alliancekg/id/>``.

    Raises :class:`ValueError` unless ``path`` is made of letters, digits and ``. _ ~ / -``.

    >>> relative_iri("org/synth-000001")
    '<org/synth-000001>'
    """
    if not _IRI_PATH.fullmatch(path) or path.startswith("/"):
        raise ValueError(f"not a safe relative IRI path: {path!r}")
    return f"<{path}>"


@dataclass(frozen=True, order=True)
class SynthDate:
    """A date at the precision a source states it: a year, a year and month, or a day.

    >>> SynthDate(2011, 3).lexical, SynthDate(2011, 3).phrase
    ('2011-03', 'in March 2011')
    >>> SynthDate(2012, 5, 6).phrase
    'on 6 May 2012'
    """

    year: int
    month: int = 0
    day: int = 0

    @property
    def lexical(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"

    @property
    def words(self) -> str:
        """The date as the text says it: ``2004``, ``March 2011``, ``6 May 2012``."""
        if self.day:
            return f"{self.day} {_MONTHS[self.month - 1]} {self.year}"
        return f"{_MONTHS[self.month - 1]} {self.year}" if self.month else str(self.year)

    @property
    def phrase(self) -> str:
        return f"on {self.words}" if self.day else f"in {self.words}"

    def declaration(self) -> tuple[str, int]:
        """The Turtle declaring ``time/LEXICAL`` as a ``time:Instant``, and its number of triples."""
        lexical = self.lexical
        prop, datatype = (("inXSDDate", "date") if self.day else ("inXSDgYearMonth", "gYearMonth") if self.month
                          else ("inXSDgYear", "gYear"))
        return ((f'<time/{lexical}> a time:Instant ; rdfs:label "{lexical}" ; '
                f'time:{prop} "{lexical}"^^xsd:{datatype} .\n'), 3)


class Document:
    """One synthetic source document: its text, its passages, and the Turtle of its facts.

    ``paragraph`` appends a cited paragraph and returns its passage IRI; ``heading`` appends text
    nothing cites. ``fact`` writes one resource with its provenance; ``instant`` and ``interval``
    declare time resources once per file. ``turtle()`` gives the file's Turtle with the passages
    declared at the end.
    """

    def __init__(self, slug: str, title: str, *, publisher: str | None = None, issued: SynthDate | None = None) -> None:
        relative_iri(f"source/{slug}")
        self.slug = slug
        self.title = title
        self.publisher = publisher
        self.issued = issued
        self.source = f"<source/{slug}>"
        self.triples = 0
        self.times: dict[str, tuple[str, int]] = {}
        self._text: list[str] = []
        self._length = 0
        self._passages: list[tuple[int, int]] = []
        self._blocks: list[str] = []

    def heading(self, line: str) -> None:
        """Append a line of text that no fact cites."""
        self._text.append(line + "\n\n")
        self._length += len(line) + 2

    def paragraph(self, text: str) -> str:
        """Append a cited paragraph; return the relative IRI of its passage."""
        start = self._length
        end = start + len(text)
        self._text.append(text + "\n\n")
        self._length = end + 2
        self._passages.append((start, end))
        return f"passage/{self.slug}/{start}-{end}"

    def fact(self, subject: str, body: str, triples: int, passages: Sequence[str]) -> None:
        """Write ``subject`` with ``body`` (Turtle predicate-object lines ending in `` ;``, holding
        ``triples`` triples), derived from this document and citing ``passages``."""
        cited = ", ".join(f"<{p}>" for p in passages)
        self._blocks.append(f"{subject} {body}\n    prov:wasDerivedFrom {self.source} ;\n    akg:passage {cited} .\n\n")
        self.triples += triples + 1 + len(passages)

    def instant(self, date: SynthDate) -> str:
        """Declare ``time/LEXICAL`` in this file; return its IRI."""
        iri = f"<time/{date.lexical}>"
        if iri not in self.times:
            self.times[iri] = date.declaration()
        return iri

    def interval(self, start: SynthDate | None, end: SynthDate | None = None) -> str:
        """Declare the interval from ``start`` to ``end`` (either may be open) and its instants."""
        begin = start.lexical if start else ""
        finish = end.lexical if end else ""
        iri = f"<time/{begin}--{finish}>"
        if iri in self.times:
            return iri
        parts, triples = [], 2
        if start:
            parts.append(f"time:hasBeginning {self.instant(start)}")
            triples += 1
        if end:
            parts.append(f"time:hasEnd {self.instant(end)}")
            triples += 1
        label = f"{begin} to {finish}" if start and end else f"from {begin}" if start else f"until {finish}"
        self.times[iri] = (f'{iri} a time:Interval ; rdfs:label "{label}" ;\n    {" ; ".join(parts)} .\n', triples)
        return iri

    def text(self) -> str:
        """The document's text so far."""
        return "".join(self._text)

    @property
    def length(self) -> int:
        return self._length

    def turtle(self, comment: str) -> str:
        """The Turtle file: header, ``comment``, the facts, the time resources, then the passages."""
        passages = [
            f'<passage/{self.slug}/{s}-{e}> a akg:SourcePassage ;\n    rdfs:label "{self.slug}, characters {s}-{e}" ;\n'
            f"    dcterms:isPartOf {self.source} ;\n    oa:start {s} ;\n    oa:end {e} .\n\n"
            for s, e in self._passages
        ]
        times = [block for block, _ in self.times.values()]
        return "".join((HEADER, "\n# ", comment, "\n\n", *self._blocks, *times, "\n", *passages))

    @property
    def passage_triples(self) -> int:
        return 5 * len(self._passages)


def join_names(names: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> join_names(["A", "B", "C"])
    'A, B and C'
    """
    items = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
