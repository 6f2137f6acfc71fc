"""The shapes, tested both ways: fixtures that must conform and fixtures that must fail a named shape.

An invalid fixture is named ``SHAPE--case.ttl``; it must fail ``shape:SHAPE`` (and may fail others).
Each fixture is validated together with the ontology and vocabularies, as the build does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import Graph

from alliancekg.build import input_paths
from alliancekg.loading import load_graph
from alliancekg.validation import validate

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))


def test_fixture_counts() -> None:
    assert len(VALID) >= 2
    assert len(INVALID) >= 12


def test_shapes_graph_passes_shacl_for_shacl(shapes: Graph) -> None:
    conforms, _, text = pyshacl_validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms(fixture: Path, shapes: Graph, ontology_files: list[Path]) -> None:
    report = validate(load_graph([*ontology_files, fixture]), shapes)
    assert report.conforms, report.text()


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_its_shape(fixture: Path, shapes: Graph, ontology_files: list[Path]) -> None:
    expected_shape = fixture.stem.split("--")[0]
    report = validate(load_graph([*ontology_files, fixture]), shapes)
    assert not report.conforms
    assert expected_shape in report.shapes_failed(), report.text()


def test_reference_data_conforms(settings, shapes: Graph) -> None:
    report = validate(load_graph(input_paths(settings)), shapes)
    assert report.conforms, report.text()
