"""One error tree: every failure the library reports derives from :class:`AllianceKGError`.

Each error knows the exit code the command line maps it to: 1 when data failed a check, 2 for
usage and load errors.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AllianceKGError",
    "CheckFailed",
    "EndpointError",
    "Finding",
    "LoadError",
    "PartialResult",
    "QueryError",
    "QueryTimeout",
    "UsageError",
]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem a check found: where (a node or a check's name) and what.

    >>> Finding("qc/missing-label", "id:x has no rdfs:label").line()
    'qc/missing-label: id:x has no rdfs:label'
    """

    where: str
    message: str

    def line(self) -> str:
        return f"{self.where}: {self.message}"


class AllianceKGError(Exception):
    """Base of all alliancekg errors."""

    exit_code = 2


class UsageError(AllianceKGError):
    """A command or function was called with arguments it cannot use."""


class LoadError(AllianceKGError):
    """A file could not be read or parsed; the message names the file, line and problem."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.line = line


class CheckFailed(AllianceKGError):
    """Data was read but failed validation or a quality check."""

    exit_code = 1

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class QueryError(AllianceKGError):
    """A query or its parameters cannot be run: unknown name, bad parameter, syntax error, refused
    by the gate, timed out, or an endpoint failed."""


class QueryTimeout(QueryError):
    """A query ran out of its wall-clock time and was stopped."""


class EndpointError(QueryError):
    """A remote SPARQL endpoint or graph store failed: unreachable, timed out, refused the request
    or answered in a form that cannot be read. The message names the endpoint."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.status = status


class PartialResult(EndpointError):
    """A remote endpoint answered with less than the whole result (a server cap, HTTP 206, a
    truncated body); the answer is never returned as if it were complete."""
