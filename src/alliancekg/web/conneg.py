"""Content negotiation: pick the media type a client prefers from the ones a resource offers.

``Accept`` is read as RFC 9110 says: q-values, ``type/*`` and ``*/*`` wildcards, the most
specific range deciding a type's quality, ``q=0`` meaning "not this". Among equal qualities the
server's order wins.

>>> negotiate("text/turtle;q=0.9, application/ld+json", ["text/turtle", "application/ld+json"])
'application/ld+json'
>>> negotiate("text/*;q=0.5, */*;q=0.1", ["application/n-triples", "text/turtle"])
'text/turtle'
>>> negotiate("image/png", ["text/turtle"]) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MediaRange", "negotiate", "parse_accept"]


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header."""

    type: str
    subtype: str
    quality: float

    def matches(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 2 exactly, 1 ``type/*``,
        0 ``*/*``, -1 not at all."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; none (or an unreadable one) accepts anything.

    >>> parse_accept("text/html;level=1;q=0.5, */*")
    [MediaRange(type='text', subtype='html', quality=0.5), MediaRange(type='*', subtype='*', quality=1.0)]
    """
    ranges = []
    for item in (header or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append(MediaRange(kind, sub, quality))
    return ranges or [MediaRange("*", "*", 1.0)]


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The quality the most specific matching range gives ``media_type`` (0 when none matches)."""
    best, specificity = 0.0, -1
    for item in ranges:
        match = item.matches(media_type)
        if match > specificity:
            best, specificity = item.quality, match
    return best


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client likes best, or ``None`` when it accepts none of them."""
    ranges = parse_accept(accept)
    scored = [(quality(ranges, media), -index, media) for index, media in enumerate(offered)]
    best = max(scored, default=(0.0, 0, None))
    return best[2] if best[0] > 0 else None
