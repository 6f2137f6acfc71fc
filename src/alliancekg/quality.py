"""Quality checks: every ``queries/qc/*-violation.rq`` must return no rows."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from alliancekg.errors import Finding
from alliancekg.queryfile import QueryFile, catalogue
from alliancekg.sparql import select_rows

__all__ = ["run_checks", "violation_queries"]


def violation_queries(queries_dir: Path) -> list[QueryFile]:
    """The quality checks of the catalogue."""
    return [q for q in catalogue(queries_dir, "qc") if q.path and q.path.name.endswith("-violation.rq")]


def run_checks(store: ox.Store, queries: list[QueryFile]) -> list[Finding]:
    """Run every check; return one finding per offending row (named by the check), sorted."""
    found = []
    for query in queries:
        for row in select_rows(store, query):
            found.append(Finding(query.name, query.render_message(row)))
    return sorted(found)
