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
    # every (layer, hub) gets a number; records are grouped by (that number, node)
    numbers: dict[tuple[Layer, str], int] = {}
    groups: dict[int, set[str]] = defaultdict(set)
    by_key: dict[tuple[int, str], list[Affiliation]] = defaultdict(list)
    direct: set[tuple[int, str, str]] = set()
    for r in records:
        number = numbers.setdefault((r.layer, r.hub), len(numbers))
        if r.layer in AFFILIATION_LAYERS:
            groups[number].add(r.node)
        elif r.hub != r.node:
            direct.add((number, r.hub, r.node))
        by_key[(number, r.node)].append(r)
    layer_of = [layer.value for layer, _ in numbers]
    hub_of = [hub for _, hub in numbers]
    # each pair's shared hubs, as (layer, hub) numbers
    shared: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number in sorted(groups, key=lambda n: (layer_of[n], hub_of[n])):
        for a, b in combinations(sorted(groups[number]), 2):
            shared[(a, b)].append(number)
    hub_sets: dict[str, int] = defaultdict(int)
    for members in groups.values():
        for node in members:
            hub_sets[node] += 1
    for number, parent, child in sorted(direct, key=lambda d: (layer_of[d[0]], d[1], d[2])):
        shared[(min(child, parent), max(child, parent))].append(number)
        hub_sets[child] += 1
        hub_sets[parent] += 1

    # per (layer, hub, node): the period and the sorted sources of its records, combined per pair below
    info = {key: (*_period(behind), tuple(sorted({r.source for r in behind if r.source})))
            for key, behind in by_key.items()}
    names = [layer.value for layer in Layer]
    graph = nx.Graph(projection=Projection.INSTITUTION.value, weighting=weighting.value)
    _add_nodes(graph, ties, {r.node for r in records} | {r.hub for r in records if r.layer not in AFFILIATION_LAYERS})
    chosen = weighting.value
    # the attributes a tie through one hub gets from the hub alone, in the order of every tie's
    alone = {number: {"weight": 1.0, "shared": 1, "overlap": 0.0, "jaccard": 0.0, "layers": (layer_of[number],),
                      "via": (hub_of[number],), "sources": (), "start": "", "end": "",
                      **{name: int(name == layer_of[number]) for name in names}} for number in range(len(hub_of))}
    adjacency = graph._adj  # ties go straight in: each pair once, both ends already nodes
    for (a, b) in sorted(shared):
        keys = shared[(a, b)]
        count = len(keys)
        in_a, in_b = hub_sets[a], hub_sets[b]
        overlap = count / (min(in_b, in_a))
        jaccard = count / (in_a + in_b - count)
        if count == 1:
            attrs = alone[keys[0]].copy()
            ends = [found for found in (info.get((keys[0], a)), info.get((keys[0], b))) if found is not None]
        else:
            per_layer = dict.fromkeys(names, 0)
            for number in keys:
                per_layer[layer_of[number]] += 1
            attrs = {"weight": 1.0, "shared": count, "overlap": 0.0, "jaccard": 0.0,
                     "layers": tuple(name for name in names if per_layer[name]),
                     "via": tuple(sorted({hub_of[number] for number in keys})), "sources": (), "start": "", "end": "",
                     **per_layer}
            ends = [info[key] for number in keys for key in ((number, a), (number, b)) if key in info]
        if chosen != "count" or count != 1:
            attrs["weight"] = float(count if chosen == "count" else overlap if chosen == "overlap" else jaccard)
        attrs["overlap"], attrs["jaccard"] = overlap, jaccard
        if len(ends) == 2:  # most ties: one hub, both ends' records
            (start_a, end_a, sources_a), (start_b, end_b, sources_b) = ends
            attrs["sources"] = sources_a if sources_a == sources_b else tuple(sorted({*sources_a, *sources_b}))
            if start_a and start_b:
                attrs["start"] = min(start_b, start_a)
            if end_a and end_b:
                attrs["end"] = max(end_b, end_a)
        elif ends:
            attrs["sources"] = tuple(sorted({source for _, _, behind in ends for source in behind}))
            if all(start for start, _, _ in ends):
                attrs["start"] = min(start for start, _, _ in ends)
            if all(end for _, end, _ in ends):
                attrs["end"] = max(end for _, end, _ in ends)
        adjacency[a][b] = adjacency[b][a] = attrs
    return graph


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

