"""Query files: SPARQL with a ``#+`` metadata header that keeps the file valid SPARQL.

>>> q = QueryFile.from_text('''#+ summary: Members of an alliance
... #+ kind: select
... #+ params: alliance (iri)
... #+ example: alliance=id:alliance/circle-u
... #+ columns: member, label
... SELECT ?member ?label WHERE { ?m ?p ?member }''', name="cq/members")
>>> q.summary, q.kind, q.params, q.columns, q.example
('Members of an alliance', 'select', {'alliance': 'iri'}, ('member', 'label'), {'alliance': 'id:alliance/circle-u'})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from alliancekg.errors import LoadError

__all__ = ["QueryFile", "catalogue"]

_HEADER = re.compile(r"^#\+\s*([A-Za-z_]+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^)]*)\))?\s*$")
KINDS = {"select", "ask", "construct", "describe", "violation"}


@dataclass(frozen=True)
class QueryFile:
    """A catalogue query with its metadata."""

    name: str
    text: str
    summary: str
    kind: str
    params: dict[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    message: str | None = None
    path: Path | None = None
    example: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, *, name: str, path: Path | None = None) -> QueryFile:
        """Parse the header of ``text``; raise :class:`LoadError` when it lacks a summary or kind."""
        meta: dict[str, str] = {}
        for line in text.splitlines():
            match = _HEADER.match(line)
            if match:
                key, value = match.group(1).lower(), match.group(2).strip()
                meta[key] = f"{meta[key]} {value}" if key in meta else value
        where = str(path or name)
        if "summary" not in meta:
            raise LoadError("query has no '#+ summary:' header line", path=where, line=1)
        kind = meta.get("kind", "select").lower()
        if kind not in KINDS:
            raise LoadError(f"unknown query kind {kind!r} (expected one of {sorted(KINDS)})", path=where)
        params: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in meta.get("params", "").split(","))):
            match = _PARAM.match(item)
            if not match:
                raise LoadError(f"cannot read parameter {item!r}", path=where)
            params[match.group(1)] = (match.group(2) or "string").strip()
        columns = tuple(c.strip() for c in meta.get("columns", "").split(",") if c.strip())
        example: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in meta.get("example", "").split(","))):
            key, equals, value = (part.strip() for part in item.partition("="))
            if not equals or key not in params:
                raise LoadError(f"example {item!r} does not give a value of a declared parameter", path=where)
            example[key] = value
        return cls(name=name, text=text, summary=meta["summary"], kind=kind, params=params,
                   columns=columns, message=meta.get("message"), path=path, example=example)

    @classmethod
    def from_path(cls, path: Path, *, root: Path) -> QueryFile:
        """Read ``path``; its name is its path under ``root`` without ``.rq``."""
        name = path.relative_to(root).with_suffix("").as_posix()
        return cls.from_text(path.read_text(encoding="utf-8"), name=name, path=path)

    def render_message(self, row: dict[str, str]) -> str:
        """Fill the ``message`` template's ``{?var}`` slots from a result row.

        >>> QueryFile("x", "", "s", "violation", message="{?node} lacks a label").render_message({"node": "id:a"})
        'id:a lacks a label'
        """
        template = self.message or self.summary
        return re.sub(r"\{\?([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: row.get(m.group(1), "?"), template)


def catalogue(queries_dir: Path, folder: str | None = None) -> list[QueryFile]:
    """Every ``.rq`` file under ``queries_dir`` (or one of its folders), sorted by name."""
    base = queries_dir / folder if folder else queries_dir
    return [QueryFile.from_path(p, root=queries_dir) for p in sorted(base.rglob("*.rq"))]
