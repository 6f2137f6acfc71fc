"""One settings object: where the project's files are and where outputs go.

Defaults come from the project folder; ``ALLIANCEKG_*`` environment variables and CLI flags
override them. Nothing is read at import time.

>>> s = Settings(root=Path("/srv/akg"))
>>> s.dist_dir
PosixPath('/srv/akg/dist')
>>> s.seeds_dir
PosixPath('/srv/shared/seeds')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["Settings", "find_root"]

_MARKER = Path("ontology") / "alliancekg.ttl"


def find_root(start: Path | None = None) -> Path:
    """The project folder: the nearest parent of ``start`` (default: the working directory) that
    holds ``ontology/alliancekg.ttl``, else the folder this package was installed from."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / _MARKER).is_file():
            return candidate
    package_root = Path(__file__).resolve().parents[2]
    return package_root


@dataclass(frozen=True)
class Settings:
    """Paths of the project's inputs and outputs."""

    root: Path = field(default_factory=find_root)
    data_dir_override: Path | None = None
    dist_dir_override: Path | None = None
    seeds_dir_override: Path | None = None

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def data_dir(self) -> Path:
        return self.data_dir_override or self.root / "data"

    @property
    def dist_dir(self) -> Path:
        return self.dist_dir_override or self.root / "dist"

    @property
    def seeds_dir(self) -> Path:
        return self.seeds_dir_override or self.root.parent / "shared" / "seeds"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

    @classmethod
    def from_env(cls, **overrides: Path | None) -> Settings:
        """Settings from ``ALLIANCEKG_ROOT``, ``_DATA``, ``_DIST`` and ``_SEEDS``, then ``overrides``."""
        env = os.environ
        settings = cls(root=Path(env["ALLIANCEKG_ROOT"]) if env.get("ALLIANCEKG_ROOT") else find_root())
        settings = replace(
            settings,
            data_dir_override=_path(env.get("ALLIANCEKG_DATA")),
            dist_dir_override=_path(env.get("ALLIANCEKG_DIST")),
            seeds_dir_override=_path(env.get("ALLIANCEKG_SEEDS")),
        )
        given = {f"{key}_override": value for key, value in overrides.items() if value is not None}
        return replace(settings, **given)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
