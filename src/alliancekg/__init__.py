"""alliancekg: a knowledge graph of academic alliances.

The library builds and checks the dataset; the ``alliancekg`` command is a thin layer over it.
"""

from alliancekg.build import BuildResult, build
from alliancekg.engines import MemoryEngine, RemoteEngine, StoreEngine
from alliancekg.errors import AllianceKGError, CheckFailed, LoadError, QueryError, UsageError
from alliancekg.query import run_query
from alliancekg.results import QueryResult
from alliancekg.settings import Settings
from alliancekg.validation import ValidationReport, validate

__all__ = [
    "AllianceKGError", "BuildResult", "CheckFailed", "LoadError", "MemoryEngine", "QueryError",
    "QueryResult", "RemoteEngine", "Settings", "StoreEngine", "UsageError", "ValidationReport",
    "build", "run_query", "validate",
]
