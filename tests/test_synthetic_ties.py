"""The synthetic tie generator of the benchmarks: deterministic, shaped as documented, analysable."""

from __future__ import annotations

import doctest
from collections import Counter
from types import ModuleType

import pytest
from benchmark_modules import load_benchmark

from alliancekg.metrics import MetricOptions
from alliancekg.network import analyse
from alliancekg.ties import Layer, TieSet

N = 200


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_benchmark("synthetic_ties")


@pytest.fixture(scope="module")
def ties(generator: ModuleType) -> TieSet:
    return generator.synthetic_ties(N, seed=7)


def _hubs(ties: TieSet, layer: Layer) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for a in ties.affiliations:
        if a.layer is layer:
            members.setdefault(a.hub, set()).add(a.node)
    return members


def test_same_seed_same_ties(generator: ModuleType, ties: TieSet) -> None:
    again = generator.synthetic_ties(N, seed=7)
    assert again.affiliations == ties.affiliations
    assert again.organisations == ties.organisations and again.hubs == ties.hubs
    assert generator.synthetic_ties(N, seed=8).affiliations != ties.affiliations


def test_every_layer_and_every_record_sourced(ties: TieSet) -> None:
    assert ties.layers() == tuple(Layer)
    assert all(a.source.startswith("https://w3id.org/alliancekg/id/source/synth-") for a in ties.affiliations)
    assert list(ties.affiliations) == sorted(set(ties.affiliations))


def test_alliances(ties: TieSet) -> None:
    alliances = _hubs(ties, Layer.MEMBERSHIP)
    assert len(alliances) == N // 20
    assert all(hub.startswith("https://w3id.org/alliancekg/id/alliance/synth-") for hub in alliances)
    assert all(ties.organisations[hub].category == "alliance" for hub in alliances)
    assert min(len(m) for m in alliances.values()) >= 5
    memberships = [a for a in ties.affiliations if a.layer is Layer.MEMBERSHIP]
    assert sum(1 for a in memberships if a.start) > 0.9 * len(memberships)
    assert all(1990 <= int(a.start[:4]) <= 2025 for a in memberships if a.start)


def test_partnerships_are_bilateral(ties: TieSet) -> None:
    partnerships = _hubs(ties, Layer.PARTNERSHIP)
    assert all(len(parties) == 2 for parties in partnerships.values())
    assert 0.8 * N * 5 / 2 <= len(partnerships) <= N * 5 / 2  # a few self-pairs are dropped


def test_programmes_and_items(ties: TieSet) -> None:
    programmes = _hubs(ties, Layer.PROGRAMME)
    assert len(programmes) == N // 10
    assert all(3 <= len(partners) <= 8 for partners in programmes.values())
    items = _hubs(ties, Layer.CHAIR_LAB)
    assert len(items) == N // 50 and all(2 <= len(partners) <= 4 for partners in items.values())


def test_sub_organisations(ties: TieSet) -> None:
    units = Counter(a.hub for a in ties.affiliations if a.layer is Layer.SUB_ORGANISATION)
    assert len(units) == N // 4 and set(units.values()) <= {1, 2, 3}
    assert all(a.node in ties.organisations for a in ties.affiliations)


def test_every_hub_labelled(ties: TieSet) -> None:
    assert {a.hub for a in ties.affiliations if a.layer is not Layer.SUB_ORGANISATION} <= set(ties.hubs)


def test_analyse_runs(ties: TieSet) -> None:
    analysis = analyse(ties, options=MetricOptions(seed=1))
    assert analysis.summary["nodes"] > N and analysis.summary["edges"] > N
    assert analysis.summary["assortativity_country"] is not None


def test_docstring_examples(generator: ModuleType) -> None:
    assert doctest.testmod(generator, optionflags=doctest.ELLIPSIS).failed == 0
