"""Shared fixtures: the project's settings, the source folder, the shapes and ontology files, and one
build of the reference data."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from alliancekg import Settings, build
from alliancekg.build import BuildResult
from alliancekg.loading import input_files, load_graph

pytest_plugins = ["servers"]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(root=ROOT)


@pytest.fixture(scope="session")
def seeds_dir(settings: Settings) -> Path:
    if not settings.seeds_dir.is_dir():
        pytest.skip(f"source folder {settings.seeds_dir.name}/ is absent")
    return settings.seeds_dir


@pytest.fixture(scope="session")
def shapes(settings: Settings) -> Graph:
    """The SHACL shapes graph (read-only: tests add to copies)."""
    return load_graph([settings.shapes_file])


@pytest.fixture(scope="session")
def ontology_files(settings: Settings) -> list[Path]:
    """The ontology and vocabulary files, without the shapes."""
    return [p for p in input_files(settings.ontology_dir) if p.name != "shapes.ttl"]


@pytest.fixture(scope="session")
def built(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The reference data built once into a temporary folder."""
    dist = tmp_path_factory.mktemp("build") / "dist"
    return build(Settings(root=ROOT, dist_dir_override=dist))
