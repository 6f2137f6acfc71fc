"""The organisation x organisation projection against a plain reference: the rules of
:func:`alliancekg.projection.one_mode` written one tie at a time, compared on random tie sets
(several records of one node and hub, units of units, open and dated periods, missing sources),
down to the order of nodes, neighbours and attribute keys and the type of every value."""

from __future__ import annotations

import random
from collections import defaultdict
from itertools import combinations

import networkx as nx
import pytest

from alliancekg.projection import one_mode, project
from alliancekg.ties import AFFILIATION_LAYERS, Affiliation, Layer, Organisation, TieSet


def _period(records: list[Affiliation]) -> tuple[str, str]:
    starts, ends = [r.start for r in records], [r.end for r in records]
    return (min(starts) if all(starts) else "", max(ends) if all(ends) else "")


def reference(ties: TieSet, layers: list[Layer] | None, weighting: str) -> nx.Graph:
    """one_mode's rules, a tie at a time, as the first version of the projection computed them."""
    wanted = set(layers) if layers is not None else set(Layer)
    records = [r for r in ties.affiliations if r.layer in wanted]
    members: dict[tuple[Layer, str], set[str]] = defaultdict(set)
    direct: set[tuple[Layer, str, str]] = set()
    behind: dict[tuple[Layer, str, str], list[Affiliation]] = defaultdict(list)
    for r in records:
        if r.layer in AFFILIATION_LAYERS:
            members[(r.layer, r.hub)].add(r.node)
        elif r.hub != r.node:
            direct.add((r.layer, r.hub, r.node))
        behind[(r.layer, r.hub, r.node)].append(r)
    shared: dict[tuple[str, str], list[tuple[Layer, str]]] = defaultdict(list)
    hubs_of: dict[str, int] = defaultdict(int)
    for hub, nodes in members.items():
        for a, b in combinations(sorted(nodes), 2):
            shared[(a, b)].append(hub)
        for node in nodes:
            hubs_of[node] += 1
    for layer, parent, child in direct:
        shared[(min(parent, child), max(parent, child))].append((layer, parent))
        hubs_of[parent] += 1
        hubs_of[child] += 1
    graph = nx.Graph(projection="institution", weighting=weighting)
    alliances: dict[str, set[str]] = defaultdict(set)
    for r in ties.affiliations:
        if r.layer is Layer.MEMBERSHIP:
            alliances[r.node].add(r.hub)
    for node in sorted({r.node for r in records} | {r.hub for r in records if r.layer not in AFFILIATION_LAYERS}):
        organisation = ties.organisations.get(node)
        graph.add_node(node, label=ties.label(node), kind=organisation.kind if organisation else "",
                       category=organisation.category if organisation else "organisation",
                       country=organisation.country if organisation else "", alliances=len(alliances[node]))
    names = [layer.value for layer in Layer]
    for (a, b), through in sorted(shared.items()):
        count = len(through)
        overlap = count / min(hubs_of[a], hubs_of[b])
        jaccard = count / (hubs_of[a] + hubs_of[b] - count)
        found = [behind[(layer, hub, node)] for layer, hub in through for node in (a, b)
                 if (layer, hub, node) in behind]
        starts = [_period(rs)[0] for rs in found]
        ends = [_period(rs)[1] for rs in found]
        per_layer = {name: sum(1 for layer, _ in through if layer.value == name) for name in names}
        graph.add_edge(a, b, weight=float({"count": count, "overlap": overlap, "jaccard": jaccard}[weighting]),
                       shared=count, overlap=overlap, jaccard=jaccard,
                       layers=tuple(name for name in names if per_layer[name]),
                       via=tuple(sorted({hub for _, hub in through})),
                       sources=tuple(sorted({r.source for rs in found for r in rs if r.source})),
                       start=min(starts) if found and all(starts) else "",
                       end=max(ends) if found and all(ends) else "", **per_layer)
    return graph


def random_ties(seed: int) -> TieSet:
    rng = random.Random(seed)
    nodes = [f"urn:org/{i:02d}" for i in range(rng.randint(0, 14))]
    hubs = [f"urn:hub/{i}" for i in range(rng.randint(1, 8))] + nodes[:3]
    dates = ["", "", "2019", "2019-05", "2020", "2018-12-01"]
    records = []
    for _ in range(rng.randint(0, 45) if nodes else 0):
        layer = rng.choice(list(Layer))
        hub = rng.choice(nodes if layer is Layer.SUB_ORGANISATION else hubs)
        records.append(Affiliation(layer, rng.choice(nodes), hub, rng.choice(["", "member"]), rng.choice(dates),
                                   rng.choice(dates), rng.choice(["", "urn:s1", "urn:s2", "urn:s3"])))
    organisations = {node: Organisation(node, f"Org {node[-2:]}", ("university",), country="FR")
                     for node in nodes[::2]}
    return TieSet(tuple(sorted(records)), organisations, {hub: f"Hub {hub[-1]}" for hub in hubs[::3]})


def as_lists(graph: nx.Graph) -> tuple[object, ...]:
    """Everything about a graph that exports can see, in order, with the type of every value."""
    def typed(attrs: dict[str, object]) -> list[tuple[str, object, type]]:
        return [(key, value, type(value)) for key, value in attrs.items()]
    return (list(graph.graph.items()), [(node, typed(attrs)) for node, attrs in graph.nodes(data=True)],
            [(node, list(neighbours)) for node, neighbours in graph.adj.items()],
            [(a, b, typed(attrs)) for a, b, attrs in graph.edges(data=True)])


@pytest.mark.parametrize("seed", range(300))
def test_one_mode_is_the_plain_reference(seed: int) -> None:
    ties = random_ties(seed)
    for layers in (None, [Layer.MEMBERSHIP, Layer.SUB_ORGANISATION], [Layer.SUB_ORGANISATION]):
        for weighting in ("count", "overlap", "jaccard"):
            assert as_lists(one_mode(ties, layers=layers, weighting=weighting)) == as_lists(
                reference(ties, layers, weighting)), (layers, weighting)


@pytest.mark.parametrize("seed", range(60))
def test_labelled_projections_add_the_labels_of_via_last(seed: int) -> None:
    ties = random_ties(seed)
    for name in ("institution", "alliance", "two-mode", "country"):
        graph = project(ties, name)
        for _, _, attrs in graph.edges(data=True):
            if "via" in attrs:
                attrs["via_labels"] = tuple(ties.label(v) for v in attrs["via"])
        assert as_lists(project(ties, name, labelled=True)) == as_lists(graph), name


def test_one_tie_shares_each_attribute_dictionary_between_its_ends() -> None:
    graph = one_mode(random_ties(7))
    assert graph.number_of_edges() > 0
    for a, b, attrs in graph.edges(data=True):
        assert graph.adj[b][a] is attrs
