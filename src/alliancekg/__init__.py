"""alliancekg: a knowledge graph of academic alliances.

The library builds and checks the dataset; the ``alliancekg`` command is a thin layer over it.
"""

from alliancekg.build import BuildResult, build
from alliancekg.errors import AllianceKGError, CheckFailed, LoadError, UsageError
from alliancekg.settings import Settings
from alliancekg.validation import ValidationReport, validate

__all__ = [
    "AllianceKGError", "BuildResult", "CheckFailed", "LoadError", "Settings", "UsageError",
    "ValidationReport", "build", "validate",
]
