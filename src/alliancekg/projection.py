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
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations
from operator import attrgetter

import networkx as nx
import numpy as np

from alliancekg.errors import UsageError
from alliancekg.tie_numbers import RecordTable, number_records, run_starts, shared_hubs, tie_facts
from alliancekg.ties import AFFILIATION_LAYERS, Affiliation, Layer, TieSet

__all__ = ["OneModeTies", "Projection", "Weighting", "country_projection", "hub_projection", "one_mode", "one_mode_ties",
           "project", "two_mode"]


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
    return one_mode_ties(ties, layers=layers, weighting=weighting, labelled=labelled).graph()


@dataclass(frozen=True)
class OneModeTies:
    """The organisation x organisation graph of :func:`one_mode` as numbers, before it is built:
    ``nodes`` (sorted) and every tie, in sorted order, as its ends ``a`` < ``b`` (places in
    ``nodes``) and its ``weight``. :meth:`graph` builds the networkx graph; its attribute
    dictionaries take most of the time, so a caller can start computing on the numbers first.

    >>> from alliancekg.ties import Affiliation, Layer, TieSet
    >>> found = one_mode_ties(TieSet(tuple(Affiliation(Layer.MEMBERSHIP, o, "urn:X") for o in ("urn:a", "urn:b"))))
    >>> found.nodes, found.a.tolist(), found.b.tolist(), found.weight.tolist()
    (['urn:a', 'urn:b'], [0], [1], [1.0])
    >>> found.graph().edges["urn:a", "urn:b"]["via"]
    ('urn:X',)
    """

    ties: TieSet
    weighting: Weighting
    labelled: bool
    nodes: list[str]
    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray
    count: np.ndarray  #: hubs shared
    overlap: np.ndarray
    jaccard: np.ndarray
    hub: np.ndarray  #: the number of each tie's first hub in ``table.hubs``
    several: dict[int, list[int]]  #: the numbers of the hubs of the ties through more than one
    start: np.ndarray  #: places in ``table.dates``
    end: np.ndarray  #: places in ``table.dates``
    sources: np.ndarray  #: places in ``table.lists``
    table: RecordTable

    def graph(self) -> nx.Graph:
        """The networkx graph: nodes in sorted order, each node's neighbours in sorted order."""
        names = [layer.value for layer in Layer]
        hubs = self.table.hubs
        # the layers, hubs and count per layer of every tie as if through its first hub alone, then of the others
        one_layer = {name: {other: int(other == name) for other in names} for name in names}
        layer_alone = {name: (name,) for name in names}  # tuples shared by the ties of one layer, or of one hub
        via_alone = [(hub,) for _, hub in hubs]
        alone = self.hub.tolist()
        tie_layers: list[tuple[str, ...]] = [layer_alone[hubs[number][0]] for number in alone]
        via: list[tuple[str, ...]] = [via_alone[number] for number in alone]
        per_layer = [one_layer[hubs[number][0]] for number in alone]
        for i, numbers in self.several.items():
            per_layer[i] = dict.fromkeys(names, 0)
            for number in numbers:
                per_layer[i][hubs[number][0]] += 1
            tie_layers[i] = tuple(name for name in names if per_layer[i][name])
            via[i] = tuple(sorted({hubs[number][1] for number in numbers}))
        dates, lists = self.table.dates, self.table.lists
        columns = zip(self.weight.tolist(), self.count.tolist(), self.overlap.tolist(), self.jaccard.tolist(),
                      tie_layers, via, map(lists.__getitem__, self.sources.tolist()),
                      map(dates.__getitem__, self.start.tolist()), map(dates.__getitem__, self.end.tolist()),
                      per_layer, strict=True)
        attributes = [{"weight": w, "shared": c, "overlap": o, "jaccard": j, "layers": ls, "via": v, "sources": s,
                       "start": t, "end": e, **p} for w, c, o, j, ls, v, s, t, e, p in columns]
        if self.labelled:  # the labels of each hub taken once
            labels_alone = [(self.ties.label(hub),) for _, hub in hubs]
            via_labels = [labels_alone[number] for number in alone]
            for i in self.several:
                via_labels[i] = tuple(self.ties.label(hub) for hub in via[i])
            for attrs, labels in zip(attributes, via_labels, strict=True):
                attrs["via_labels"] = labels
        graph = nx.Graph(projection=Projection.INSTITUTION.value, weighting=self.weighting.value)
        _add_nodes(graph, self.ties, self.nodes)
        _add_ties(graph, self.nodes, self.a, self.b, attributes)
        return graph


def one_mode_ties(ties: TieSet, *, layers: Iterable[Layer] | None = None,
                  weighting: Weighting | str = Weighting.COUNT, labelled: bool = False) -> OneModeTies:
    """The ties of :func:`one_mode` as numbers, before its graph is built."""
    weighting = Weighting(weighting)
    records = _chosen(ties, layers)
    nodes = sorted({*map(attrgetter("node"), records), *(r.hub for r in records if r.layer not in AFFILIATION_LAYERS)})
    size = len(nodes)
    position = {node: i for i, node in enumerate(nodes)}  # nodes are numbered in sorted order
    table = number_records(records, position)
    a, b, through, hub_count = shared_hubs(table, position)
    # one row per tie, in sorted order (a < b); its hubs are ``through[first:first + count]``
    pair = a * size + b
    order = np.argsort(pair, kind="stable")
    pair, through = pair[order], through[order]
    first = run_starts(pair)
    count = np.diff(np.r_[first, len(pair)])
    a, b = np.divmod(pair[first], size)
    start, end, sources = tie_facts(table, size, through, np.repeat(a, count), np.repeat(b, count), first)
    through_list = through.tolist()
    several = {i: through_list[first[i]:first[i] + count[i]] for i in np.flatnonzero(count > 1).tolist()}
    in_a, in_b = hub_count[a], hub_count[b]
    overlap = count / np.minimum(in_a, in_b)
    jaccard = count / (in_a + in_b - count)
    weight = {"count": count.astype(float), "overlap": overlap, "jaccard": jaccard}[weighting.value]
    return OneModeTies(ties, weighting, labelled, nodes, a, b, weight, count, overlap, jaccard, through[first], several,
                       start, end, sources, table)


def _add_ties(graph: nx.Graph, nodes: list[str], a: np.ndarray, b: np.ndarray, attributes: list[dict]) -> None:
    """Tie ``nodes[a[i]]`` and ``nodes[b[i]]`` with ``attributes[i]`` (one dict, seen from both ends), every
    node's neighbours in sorted order, as adding the ties one by one in sorted order would."""
    ends, others = np.concatenate([a, b]), np.concatenate([b, a])
    which = np.concatenate([np.arange(len(a)), np.arange(len(a))])
    order = np.lexsort((others, ends))
    names = list(map(nodes.__getitem__, others[order].tolist()))  # every node's neighbours, node after node
    attrs = list(map(attributes.__getitem__, which[order].tolist()))
    adjacency = graph._adj
    stop = 0
    for node, degree in zip(nodes, np.bincount(ends, minlength=len(nodes)).tolist(), strict=True):
        if degree:
            start, stop = stop, stop + degree
            adjacency[node].update(zip(names[start:stop], attrs[start:stop]))


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
    for (a, b), between in sorted(shared.items()):
        count = len(between)
        labels = {"via_labels": tuple(ties.label(node) for node in between)} if labelled else {}
        graph.add_edge(a, b, weight=float(count), shared=count,
                       overlap=count / min(len(members[a]), len(members[b])),
                       jaccard=count / len(members[a] | members[b]), via=tuple(between),
                       sources=tuple(sorted({sources[(h, n)] for n in between for h in (a, b) if sources[(h, n)]})),
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

