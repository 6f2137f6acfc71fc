"""Quality checks: every ``queries/qc/*-violation.rq`` must return no rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from alliancekg.queryfile import QueryFile, catalogue
from alliancekg.sparql import select_rows

__all__ = ["QCViolation", "run_checks", "violation_queries"]


@dataclass(frozen=True, order=True)
class QCViolation:
    """One row returned by a violation query, rendered through its message template."""

    check: str
    message: str

    def line(self) -> str:
        return f"{self.check}: {self.message}"


def violation_queries(queries_dir: Path) -> list[QueryFile]:
    """The quality checks of the catalogue."""
    return [q for q in catalogue(queries_dir, "qc") if q.path and q.path.name.endswith("-violation.rq")]


def run_checks(store: ox.Store, queries: list[QueryFile]) -> list[QCViolation]:
    """Run every check; return one violation per offending row, sorted."""
    found = []
    for query in queries:
        for row in select_rows(store, query):
            found.append(QCViolation(check=query.name, message=query.render_message(row)))
    return sorted(found)
