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
from itertools import combinations, islice
from operator import attrgetter
from typing import NamedTuple

import networkx as nx
import numpy as np

from alliancekg.errors import UsageError
from alliancekg.ties import AFFILIATION_LAYERS, Affiliation, Layer, TieSet

__all__ = ["Projection", "Weighting", "country_projection", "hub_projection", "one_mode", "project", "two_mode"]

_AFFILIATION_NAMES = frozenset(layer.value for layer in AFFILIATION_LAYERS)


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


def one_mode(ties: TieSet, *, layers: Iterable[Layer] | None = None, weighting: Weighting | str = Weighting.COUNT,
             labelled: bool = False) -> nx.Graph:
    """Organisation x organisation: an edge for every pair that shares a hub in ``layers`` (all
    by default), and for every unit and its parent.

    Edge attributes: ``shared`` (hubs shared, plus one for a direct tie), ``overlap`` and
    ``jaccard`` (``shared`` over the smaller, and over the union, of the two hub sets, a direct tie
    counting as a hub of two), ``weight`` (one of these three, by ``weighting``), ``layers``,
    ``via`` (the hubs), ``sources``, a count per layer, and ``start``/``end`` (earliest start and
    latest end of the records behind the tie, ``""`` when any is open); with ``labelled``, also
    ``via_labels``. Every organisation of the chosen layers is a node, tied or not.
    """
    weighting = Weighting(weighting)
    records = _chosen(ties, layers)
    nodes = sorted({*map(_NODE, records), *(r.hub for r in records if r.layer not in AFFILIATION_LAYERS)})
    size = len(nodes)
    position = {node: i for i, node in enumerate(nodes)}  # nodes are numbered in sorted order
    table = _numbered(records, position)
    a, b, through, hub_count = _shared_hubs(table, position)
    # one row per tie, in sorted order (a < b); its hubs are ``through[first:first + count]``
    pair = a * size + b
    order = np.argsort(pair, kind="stable")
    pair, through = pair[order], through[order]
    first = _run_starts(pair)
    count = np.diff(np.r_[first, len(pair)])
    a, b = np.divmod(pair[first], size)
    start, end, sources = _tie_facts(table, size, through, np.repeat(a, count), np.repeat(b, count), first)

    # the layers, hubs and count per layer of every tie as if through its first hub alone, then of those through several
    names = [layer.value for layer in Layer]
    one_layer = {name: {other: int(other == name) for other in names} for name in names}
    layer_alone = {name: (name,) for name in names}  # tuples shared by the ties of one layer, or of one hub
    via_alone = [(hub,) for _, hub in table.hubs]
    alone = through[first].tolist()
    tie_layers = [layer_alone[table.hubs[number][0]] for number in alone]
    via = [via_alone[number] for number in alone]
    per_layer = [one_layer[table.hubs[number][0]] for number in alone]
    through_list, several = through.tolist(), np.flatnonzero(count > 1).tolist()
    for i in several:
        numbers = through_list[first[i]:first[i] + count[i]]
        per_layer[i] = dict.fromkeys(names, 0)
        for number in numbers:
            per_layer[i][table.hubs[number][0]] += 1
        tie_layers[i] = tuple(name for name in names if per_layer[i][name])
        via[i] = tuple(sorted({table.hubs[number][1] for number in numbers}))
    in_a, in_b = hub_count[a], hub_count[b]
    overlap = count / np.minimum(in_a, in_b)
    jaccard = count / (in_a + in_b - count)
    weight = {"count": count.astype(float), "overlap": overlap, "jaccard": jaccard}[weighting.value]
    columns = zip(weight.tolist(), count.tolist(), overlap.tolist(), jaccard.tolist(), tie_layers, via,
                  map(table.lists.__getitem__, sources.tolist()), map(table.dates.__getitem__, start.tolist()),
                  map(table.dates.__getitem__, end.tolist()), per_layer, strict=True)
    attributes = [{"weight": w, "shared": c, "overlap": o, "jaccard": j, "layers": ls, "via": v, "sources": s,
                   "start": t, "end": e, **p} for w, c, o, j, ls, v, s, t, e, p in columns]
    if labelled:  # the labels of each hub taken once
        labels_alone = [(ties.label(hub),) for _, hub in table.hubs]
        via_labels = [labels_alone[number] for number in alone]
        for i in several:
            via_labels[i] = tuple(ties.label(hub) for hub in via[i])
        for attrs, labels in zip(attributes, via_labels, strict=True):
            attrs["via_labels"] = labels
    graph = nx.Graph(projection=Projection.INSTITUTION.value, weighting=weighting.value)
    _add_nodes(graph, ties, nodes)
    _add_ties(graph, nodes, a, b, attributes)
    return graph


_NODE, _LAYER, _HUB = attrgetter("node"), attrgetter("layer"), attrgetter("hub")
_START, _END, _SOURCE = attrgetter("start"), attrgetter("end"), attrgetter("source")


class _Table(NamedTuple):
    """The records of :func:`one_mode` as numbers. Every (layer, hub) has a number (``hubs`` gives
    its layer name and hub); for every (hub number, node number) with records, in the order of
    ``key`` (hub number times the number of nodes plus node number), the earliest start and the latest
    end (places in ``dates``, sorted, whose first, "", is taken when any record is open or undated)
    and the sources (a place in ``lists``, sorted tuples whose first is empty)."""

    hubs: list[tuple[str, str]]
    key: np.ndarray
    start: np.ndarray
    end: np.ndarray
    sources: np.ndarray
    dates: list[str]
    lists: list[tuple[str, ...]]

    def find(self, hub: np.ndarray, node: np.ndarray, size: int) -> np.ndarray:
        """The place of each (hub, node) in ``key``, -1 where it has no record."""
        wanted = hub * size + node
        if not len(self.key):
            return np.full(len(wanted), -1)
        at = np.minimum(np.searchsorted(self.key, wanted), len(self.key) - 1)
        return np.where(self.key[at] == wanted, at, -1)


def _numbered(records: list[Affiliation], position: dict[str, int]) -> _Table:
    """The :class:`_Table` of ``records``, nodes numbered by ``position``."""
    numbers: dict[tuple[Layer, str], int] = {}
    hub = np.array([numbers.setdefault(key, len(numbers)) for key in zip(map(_LAYER, records), map(_HUB, records))],
                   dtype=np.int64)
    node = np.fromiter(map(position.__getitem__, map(_NODE, records)), dtype=np.int64, count=len(records))
    starts, ends, sources = list(map(_START, records)), list(map(_END, records)), list(map(_SOURCE, records))
    dates = sorted({"", *starts, *ends})
    named = sorted(set(sources) - {""})
    lists: list[tuple[str, ...]] = [(), *((source,) for source in named)]
    key = hub * len(position) + node
    order = np.argsort(key, kind="stable")

    def numbered(texts: list[str], numbers: dict[str, int]) -> np.ndarray:
        return np.fromiter(map(numbers.__getitem__, texts), dtype=np.int64, count=len(texts))[order]

    date = {text: i for i, text in enumerate(dates)}
    start, end = numbered(starts, date), numbered(ends, date)
    source = numbered(sources, {"": 0} | {text: i for i, text in enumerate(named, 1)})
    key = key[order]
    first = _run_starts(key)
    if len(first) < len(key):  # several records of one node and one hub
        start, end = _earliest(start, first), _latest(end, first)
        source = _union(source, first, lists)
    names = {layer: layer.value for layer in Layer}
    return _Table([(names[layer], hub) for layer, hub in numbers], key[first], start, end, source, dates, lists)


def _earliest(dates: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per run of ``dates`` (numbered, 0 for "") from each of ``first``: the earliest, 0 when any is 0."""
    return np.minimum.reduceat(dates, first) if len(dates) else dates


def _latest(dates: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per run of ``dates`` (numbered, 0 for "") from each of ``first``: the latest, 0 when any is 0."""
    if not len(dates):
        return dates
    return np.where(np.minimum.reduceat(dates, first) > 0, np.maximum.reduceat(dates, first), 0)


def _union(sources: np.ndarray, first: np.ndarray, lists: list[tuple[str, ...]]) -> np.ndarray:
    """Per run of ``sources`` (places in ``lists``) from each of ``first``: the place of the sorted
    union of its lists, added to ``lists`` when new."""
    if not len(sources):
        return sources
    low, high = np.minimum.reduceat(sources, first), np.maximum.reduceat(sources, first)
    result = low.copy()
    places = {found: i for i, found in enumerate(lists)}
    ends, listed = np.r_[first[1:], len(sources)], sources.tolist()
    for i in np.flatnonzero(low != high).tolist():
        union = tuple(sorted({source for place in listed[first[i]:ends[i]] for source in lists[place]}))
        if union not in places:
            places[union] = len(lists)
            lists.append(union)
        result[i] = places[union]
    return result


def _shared_hubs(table: _Table, position: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each pair of node numbers a < b once per hub they share, with the hub's number; and how many
    hubs each node has. A hub of an affiliation layer ties its nodes to each other; a hub of a direct
    layer (a parent) ties its node to itself, and counts as a hub of both."""
    size = len(position)
    number, node = np.divmod(table.key, size)
    hub_node = np.array([-1 if layer in _AFFILIATION_NAMES else position[hub] for layer, hub in table.hubs],
                        dtype=np.int64)[number]  # the hub as a node, for direct layers
    affiliating = hub_node < 0
    direct = ~affiliating & (hub_node != node)
    a, b, through = _pairs_within(number[affiliating], node[affiliating])
    parent, child = hub_node[direct], node[direct]
    hub_count = (np.bincount(node[affiliating], minlength=size) + np.bincount(parent, minlength=size)
                 + np.bincount(child, minlength=size))
    return (np.concatenate([a, np.minimum(parent, child)]), np.concatenate([b, np.maximum(parent, child)]),
            np.concatenate([through, number[direct]]), hub_count)


def _pairs_within(group: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of members (a < b) of the same group, and the group, given each member's group.

    >>> [x.tolist() for x in _pairs_within(np.array([7, 7, 7, 5]), np.array([3, 1, 2, 1]))]
    [[1, 1, 2], [2, 3, 3], [7, 7, 7]]
    """
    order = np.lexsort((member, group))
    group, member = group[order], member[order]
    starts = _run_starts(group)
    sizes = np.diff(np.r_[starts, len(group)])
    later = np.repeat(starts + sizes, sizes) - np.arange(len(group)) - 1  # the members after each in its group
    first = np.repeat(np.arange(len(group)), later)
    second = first + 1 + np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    return member[first], member[second], group[first]


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in ``values`` (sorted).

    >>> _run_starts(np.array([4, 4, 6, 9, 9])).tolist()
    [0, 2, 3]
    """
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if len(values) else np.zeros(0, dtype=np.int64)


def _tie_facts(table: _Table, size: int, hub: np.ndarray, a: np.ndarray, b: np.ndarray,
               first: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The earliest start, the latest end and the sources of each tie, numbered as in ``table``, from
    the records of both its ends with each of its hubs: one row per (tie, hub) in ``hub``, ``a`` and
    ``b``, the rows of a tie from each of ``first``. A tie without records has "", "" and none."""
    place = np.stack([table.find(hub, a, size), table.find(hub, b, size)], axis=1).ravel()
    tie = np.repeat(np.arange(len(first)), 2 * np.diff(np.r_[first, len(hub)]))
    found = place >= 0
    tie, place = tie[found], place[found]
    runs = _run_starts(tie)
    start, end, sources = (np.zeros(len(first), dtype=np.int64) for _ in range(3))
    start[tie[runs]] = _earliest(table.start[place], runs)
    end[tie[runs]] = _latest(table.end[place], runs)
    sources[tie[runs]] = _union(table.sources[place], runs, table.lists)
    return start, end, sources


def _add_ties(graph: nx.Graph, nodes: list[str], a: np.ndarray, b: np.ndarray, attributes: list[dict]) -> None:
    """Tie ``nodes[a[i]]`` and ``nodes[b[i]]`` with ``attributes[i]`` (one dict, seen from both ends), every
    node's neighbours in sorted order, as adding the ties one by one in sorted order would."""
    ends, others = np.concatenate([a, b]), np.concatenate([b, a])
    which = np.concatenate([np.arange(len(a)), np.arange(len(a))])
    order = np.lexsort((others, ends))
    neighbours = zip(map(nodes.__getitem__, others[order].tolist()), map(attributes.__getitem__, which[order].tolist()))
    adjacency = graph._adj
    for node, degree in zip(nodes, np.bincount(ends, minlength=len(nodes)).tolist(), strict=True):
        if degree:
            adjacency[node].update(islice(neighbours, degree))


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


def hub_projection(ties: TieSet, *, layers: Iterable[Layer] | None = (Layer.MEMBERSHIP,),
                   labelled: bool = False) -> nx.Graph:
    """Hub x hub (alliance x alliance by default): two hubs are tied by the organisations they share;
    ``weight`` and ``shared`` count them, ``overlap`` and ``jaccard`` normalise by the member sets,
    ``via`` names them (and with ``labelled``, ``via_labels`` gives their labels)."""
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
        labels = {"via_labels": tuple(ties.label(node) for node in nodes)} if labelled else {}
        graph.add_edge(a, b, weight=float(count), shared=count,
                       overlap=count / min(len(members[a]), len(members[b])),
                       jaccard=count / len(members[a] | members[b]), via=tuple(nodes),
                       sources=tuple(sorted({sources[(h, n)] for n in nodes for h in (a, b) if sources[(h, n)]})),
                       **labels)
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
            layers: Iterable[Layer] | None = None, weighting: Weighting | str = Weighting.COUNT,
            labelled: bool = False) -> nx.Graph:
    """The graph of ``projection`` from ``ties``: one function from the ties to networkx.

    ``layers`` defaults to every layer for the institution and country graphs, and to memberships
    for the two-mode and alliance graphs. With ``labelled``, ties that name what they pass through
    (``via``) also give its labels (``via_labels``).
    """
    try:
        projection = Projection(projection)
    except ValueError:
        raise UsageError(f"unknown projection {projection!r}; use {', '.join(Projection)}") from None
    if projection is Projection.INSTITUTION:
        return one_mode(ties, layers=layers, weighting=weighting, labelled=labelled)
    if projection is Projection.COUNTRY:
        return country_projection(one_mode(ties, layers=layers, weighting=weighting))
    chosen = tuple(layers) if layers is not None else (Layer.MEMBERSHIP,)
    if projection is Projection.TWO_MODE:
        return two_mode(ties, layers=chosen)
    return hub_projection(ties, layers=chosen, labelled=labelled)

