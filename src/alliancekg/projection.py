"""The one place that turns ties into networkx graphs.

* :func:`two_mode` -- organisations x hubs (institution x alliance for the membership layer);
* :func:`one_mode` -- organisation x organisation: two organisations are tied by every hub they
  share (weight: the count, or its overlap or Jaccard normalisation), and a unit to its parent;
* :func:`hub_projection` -- hub x hub (alliance x alliance: weight, the members they share);
* :func:`country_projection` -- country x country, summing the weights of a one-mode graph.

Nodes are IRIs (country codes for countries) and are added in sorted order, so every graph, and
everything computed from it, is the same from run to run.

>>> from alliancekg.ties import Affiliation, Layer, TieSet
>>> ties = TieSet(tuple(Affiliation(Layer.MEMBERSHIP, o, a) for o, a in
...     [("urn:a", "urn:X"), ("urn:b", "urn:X"), ("urn:b", "urn:Y"), ("urn:c", "urn:Y")]))
>>> graph = one_mode(ties)
>>> sorted(graph.edges(data="shared"))
[('urn:a', 'urn:b', 1), ('urn:b', 'urn:c', 1)]
>>> graph.edges["urn:a", "urn:b"]["jaccard"]
0.5
>>> sorted(hub_projection(ties).edges(data="via"))
[('urn:X', 'urn:Y', ('urn:b',))]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum
from itertools import combinations

import networkx as nx

from alliancekg.errors import UsageError
from alliancekg.ties import AFFILIATION_LAYERS, Affiliation, Layer, TieSet

__all__ = ["Projection", "Weighting", "country_projection", "hub_projection", "one_mode", "project", "two_mode"]


class Projection(StrEnum):
    """Which graph ``alliancekg network`` analyses."""

    INSTITUTION = "institution"  #: organisation x organisation
    TWO_MODE = "two-mode"  #: organisation x hub
    ALLIANCE = "alliance"  #: hub x hub (alliance x alliance for memberships)
    COUNTRY = "country"  #: country x country


class Weighting(StrEnum):
    """The weight of a one-mode tie: the shared count, or a normalisation of it."""

    COUNT = "count"  #: hubs shared (plus one for a direct tie)
    OVERLAP = "overlap"  #: shared / the smaller of the two hub sets
    JACCARD = "jaccard"  #: shared / the union of the two hub sets


def _node_attributes(ties: TieSet, node: str) -> dict[str, object]:
    organisation = ties.organisations.get(node)
    return {"label": ties.label(node), "kind": organisation.kind if organisation else "",
            "category": organisation.category if organisation else "organisation",
            "country": organisation.country if organisation else ""}


def _alliance_counts(ties: TieSet) -> dict[str, int]:
    alliances: dict[str, set[str]] = defaultdict(set)
    for a in ties.affiliations:
        if a.layer is Layer.MEMBERSHIP:
            alliances[a.node].add(a.hub)
    return {node: len(hubs) for node, hubs in alliances.items()}


def _chosen(ties: TieSet, layers: Iterable[Layer] | None) -> list[Affiliation]:
    wanted = set(layers) if layers is not None else set(Layer)
    return [a for a in ties.affiliations if a.layer in wanted]


def _period(records: Iterable[Affiliation]) -> tuple[str, str]:
    """The earliest start and the latest end of ``records`` ("" when any is open or unknown)."""
    records = list(records)
    starts = [r.start for r in records]
    ends = [r.end for r in records]
    return (min(starts) if all(starts) else "", max(ends) if all(ends) else "")


def _add_nodes(graph: nx.Graph, ties: TieSet, nodes: Iterable[str], **extra: object) -> None:
    alliances = _alliance_counts(ties)
    for node in sorted(set(nodes)):
        graph.add_node(node, **_node_attributes(ties, node), alliances=alliances.get(node, 0), **extra)


def one_mode(ties: TieSet, *, layers: Iterable[Layer] | None = None,
             weighting: Weighting | str = Weighting.COUNT) -> nx.Graph:
    """Organisation x organisation: an edge for every pair that shares a hub in ``layers`` (all
    by default), and for every unit and its parent.

    Edge attributes: ``shared`` (hubs shared, plus one for a direct tie), ``overlap`` and
    ``jaccard`` (``shared`` over the smaller, and over the union, of the two hub sets, a direct tie
    counting as a hub of two), ``weight`` (one of these three, by ``weighting``), ``layers``,
    ``via`` (the hubs), ``sources``, a count per layer, and ``start``/``end`` (earliest start and
    latest end of the records behind the tie, ``""`` when any is open). Every organisation of the
    chosen layers is a node, tied or not.
    """
    weighting = Weighting(weighting)
    records = _chosen(ties, layers)
    nodes = sorted({r.node for r in records} | {r.hub for r in records if r.layer not in AFFILIATION_LAYERS})
    size = len(nodes)
    position = {node: i for i, node in enumerate(nodes)}  # nodes are numbered in sorted order
    # every (layer, hub) gets a number; an affiliation hub groups its organisations, a direct tie joins two
    numbers: dict[tuple[Layer, str], int] = {}
    groups: dict[int, set[int]] = defaultdict(set)
    direct: set[tuple[int, int, int]] = set()
    facts: dict[tuple[int, int], tuple[str, str, tuple[str, ...]]] = {}  # per (hub number, node): see _facts
    for r in records:
        number = numbers.setdefault((r.layer, r.hub), len(numbers))
        node = position[r.node]
        if r.layer in AFFILIATION_LAYERS:
            groups[number].add(node)
        elif r.hub != r.node:
            direct.add((number, position[r.hub], node))
        key = (number, node)
        facts[key] = _facts(r, facts.get(key))
    layer_of = [layer.value for layer, _ in numbers]
    hub_of = [hub for _, hub in numbers]
    # each pair of node numbers a < b, as the one number a * size + b, and the hubs it shares
    shared: dict[int, list[int]] = defaultdict(list)
    hub_count = [0] * size  # how many hubs each node has, a direct tie counting as one
    for number, members in groups.items():
        for node in members:
            hub_count[node] += 1
        for a, b in combinations(sorted(members), 2):
            shared[a * size + b].append(number)
    for number, parent, child in direct:
        shared[min(child, parent) * size + max(child, parent)].append(number)
        hub_count[child] += 1
        hub_count[parent] += 1

    graph = nx.Graph(projection=Projection.INSTITUTION.value, weighting=weighting.value)
    _add_nodes(graph, ties, nodes)
    chosen = weighting.value
    names = [layer.value for layer in Layer]
    one_layer = {name: {other: int(other == name) for other in names} for name in names}
    adjacency = graph._adj  # ties go straight in, in sorted order: each pair once, both ends already nodes
    for pair in sorted(shared):
        a, b = divmod(pair, size)
        hubs = shared[pair]
        count = len(hubs)
        in_a, in_b = hub_count[a], hub_count[b]
        overlap = count / min(in_a, in_b)
        jaccard = count / (in_a + in_b - count)
        if count == 1:  # most ties
            number = hubs[0]
            layer = layer_of[number]
            tie_layers, via, per_layer = (layer,), (hub_of[number],), one_layer[layer]
            ends = [found for found in (facts.get((number, a)), facts.get((number, b))) if found is not None]
        else:
            per_layer = dict.fromkeys(names, 0)
            for number in hubs:
                per_layer[layer_of[number]] += 1
            tie_layers = tuple(name for name in names if per_layer[name])
            via = tuple(sorted({hub_of[number] for number in hubs}))
            ends = [facts[key] for number in hubs for key in ((number, a), (number, b)) if key in facts]
        start, end, sources = _combined(ends)
        adjacency[nodes[a]][nodes[b]] = adjacency[nodes[b]][nodes[a]] = {
            "weight": float(count) if chosen == "count" else overlap if chosen == "overlap" else jaccard,
            "shared": count, "overlap": overlap, "jaccard": jaccard, "layers": tie_layers, "via": via,
            "sources": sources, "start": start, "end": end, **per_layer}
    return graph


def _facts(record: Affiliation, known: tuple[str, str, tuple[str, ...]] | None) -> tuple[str, str, tuple[str, ...]]:
    """The earliest start, latest end (``""`` when any is open or unknown) and the sorted sources of
    the records of one node and one hub: ``known`` (of the records before) with ``record`` added."""
    sources = (record.source,) if record.source else ()
    if known is None:
        return record.start, record.end, sources
    start, end, before = known
    return (min(start, record.start) if start and record.start else "",
            max(end, record.end) if end and record.end else "", tuple(sorted({*before, *sources})))


def _combined(ends: list[tuple[str, str, tuple[str, ...]]]) -> tuple[str, str, tuple[str, ...]]:
    """The facts of a tie from those of the (hub, node) records behind it (see :func:`_facts`)."""
    if len(ends) == 1:
        return ends[0]
    if len(ends) == 2:  # most ties: one hub, both ends' records
        (start_a, end_a, sources_a), (start_b, end_b, sources_b) = ends
        return (min(start_a, start_b) if start_a and start_b else "", max(end_a, end_b) if end_a and end_b else "",
                sources_a if sources_a == sources_b else tuple(sorted({*sources_a, *sources_b})))
    if not ends:
        return "", "", ()
    starts = [start for start, _, _ in ends]
    finishes = [end for _, end, _ in ends]
    return (min(starts) if all(starts) else "", max(finishes) if all(finishes) else "",
            tuple(sorted({source for _, _, sources in ends for source in sources})))


def two_mode(ties: TieSet, *, layers: Iterable[Layer] | None = (Layer.MEMBERSHIP,)) -> nx.Graph:
    """Organisations x hubs of ``layers`` (the institution x alliance graph by default). Nodes
    carry ``bipartite`` (0 organisation, 1 hub, networkx's convention); edges carry ``layers``,
    ``roles``, ``sources``, ``start``, ``end`` and ``weight`` 1."""
    records = [r for r in _chosen(ties, layers) if r.layer in AFFILIATION_LAYERS]
    graph = nx.Graph(projection=Projection.TWO_MODE.value)
    hubs = {r.hub for r in records}
    _add_nodes(graph, ties, {r.node for r in records} | hubs)
    nx.set_node_attributes(graph, {node: int(node in hubs) for node in graph}, "bipartite")
    edges: dict[tuple[str, str], list[Affiliation]] = defaultdict(list)
    for r in records:
        edges[(r.node, r.hub)].append(r)
    for (node, hub), behind in sorted(edges.items()):
        start, end = _period(behind)
        graph.add_edge(node, hub, weight=1.0, layers=tuple(sorted({r.layer.value for r in behind})),
                       roles=tuple(sorted({r.role for r in behind if r.role})),
                       sources=tuple(sorted({r.source for r in behind if r.source})), start=start, end=end)
    return graph


def hub_projection(ties: TieSet, *, layers: Iterable[Layer] | None = (Layer.MEMBERSHIP,)) -> nx.Graph:
    """Hub x hub (alliance x alliance by default): two hubs are tied by the organisations they share;
    ``weight`` and ``shared`` count them, ``overlap`` and ``jaccard`` normalise by the member sets,
    ``via`` names them."""
    records = [r for r in _chosen(ties, layers) if r.layer in AFFILIATION_LAYERS]
    members: dict[str, set[str]] = defaultdict(set)
    for r in records:
        members[r.hub].add(r.node)
    hubs_of: dict[str, set[str]] = defaultdict(set)
    for hub, nodes in members.items():
        for node in nodes:
            hubs_of[node].add(hub)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node in sorted(hubs_of):
        for a, b in combinations(sorted(hubs_of[node]), 2):
            shared[(a, b)].append(node)
    graph = nx.Graph(projection=Projection.ALLIANCE.value)
    _add_nodes(graph, ties, members)
    for node in graph:
        graph.nodes[node]["members"] = len(members[node])
    sources = {(r.hub, r.node): r.source for r in records}
    for (a, b), nodes in sorted(shared.items()):
        count = len(nodes)
        graph.add_edge(a, b, weight=float(count), shared=count,
                       overlap=count / min(len(members[a]), len(members[b])),
                       jaccard=count / len(members[a] | members[b]), via=tuple(nodes),
                       sources=tuple(sorted({sources[(h, n)] for n in nodes for h in (a, b) if sources[(h, n)]})))
    return graph


def country_projection(graph: nx.Graph) -> nx.Graph:
    """Country x country from a one-mode graph: ``weight`` sums the weights and ``ties`` counts
    the edges between organisations of two countries. Ties within a country become the node's
    ``internal_weight`` and ``internal_ties`` (no self-loops); organisations without a country are
    left out and counted in the graph's ``unplaced`` attribute."""
    countries: dict[str, int] = defaultdict(int)
    for _, country in graph.nodes(data="country"):
        if country:
            countries[country] += 1
    result = nx.Graph(projection=Projection.COUNTRY.value,
                      unplaced=sum(1 for _, c in graph.nodes(data="country") if not c))
    for country in sorted(countries):
        result.add_node(country, label=country, kind="country", category="country", country=country,
                        organisations=countries[country], internal_weight=0.0, internal_ties=0, alliances=0)
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for a, b, weight in sorted(graph.edges(data="weight")):
        ca, cb = graph.nodes[a]["country"], graph.nodes[b]["country"]
        if not ca or not cb:
            continue
        if ca == cb:
            result.nodes[ca]["internal_weight"] += weight
            result.nodes[ca]["internal_ties"] += 1
        else:
            total = totals[tuple(sorted((ca, cb)))]  # type: ignore[index]
            total[0] += weight
            total[1] += 1
    for (a, b), (weight, count) in sorted(totals.items()):
        result.add_edge(a, b, weight=weight, ties=int(count))
    return result


def project(ties: TieSet, projection: Projection | str = Projection.INSTITUTION, *,
            layers: Iterable[Layer] | None = None, weighting: Weighting | str = Weighting.COUNT) -> nx.Graph:
    """The graph of ``projection`` from ``ties``: one function from the ties to networkx.

    ``layers`` defaults to every layer for the institution and country graphs, and to memberships
    for the two-mode and alliance graphs.
    """
    try:
        projection = Projection(projection)
    except ValueError:
        raise UsageError(f"unknown projection {projection!r}; use {', '.join(Projection)}") from None
    if projection is Projection.INSTITUTION:
        return one_mode(ties, layers=layers, weighting=weighting)
    if projection is Projection.COUNTRY:
        return country_projection(one_mode(ties, layers=layers, weighting=weighting))
    chosen = tuple(layers) if layers is not None else (Layer.MEMBERSHIP,)
    if projection is Projection.TWO_MODE:
        return two_mode(ties, layers=chosen)
    return hub_projection(ties, layers=chosen)

