"""The tie records as numbers, for the organisation x organisation projection
(:func:`alliancekg.projection.one_mode`): hubs and organisations numbered, dates and source lists
numbered in sorted order, so that the ties found by numpy combine the periods and sources of the
records behind them as minima, maxima and unions of numbers.

>>> from alliancekg.ties import Affiliation, Layer
>>> records = [Affiliation(Layer.MEMBERSHIP, "urn:a", "urn:X", start="2019"), Affiliation(Layer.MEMBERSHIP, "urn:b", "urn:X")]
>>> table = number_records(records, {"urn:a": 0, "urn:b": 1})
>>> table.hubs, table.key.tolist(), [table.dates[d] for d in table.start.tolist()]
([('membership', 'urn:X')], [0, 1], ['2019', ''])
"""

from __future__ import annotations

from operator import attrgetter
from typing import NamedTuple

import numpy as np

from alliancekg.ties import AFFILIATION_LAYERS, Affiliation, Layer

__all__ = ["RecordTable", "number_records", "run_starts", "shared_hubs", "tie_facts"]

_AFFILIATION_NAMES = frozenset(layer.value for layer in AFFILIATION_LAYERS)

_NODE, _LAYER, _HUB = attrgetter("node"), attrgetter("layer"), attrgetter("hub")
_START, _END, _SOURCE = attrgetter("start"), attrgetter("end"), attrgetter("source")


class RecordTable(NamedTuple):
    """The records of a one-mode projection as numbers. Every (layer, hub) has a number (``hubs`` gives
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


def number_records(records: list[Affiliation], position: dict[str, int]) -> RecordTable:
    """The :class:`RecordTable` of ``records``, nodes numbered by ``position``."""
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
    first = run_starts(key)
    if len(first) < len(key):  # several records of one node and one hub
        start, end = _earliest(start, first), _latest(end, first)
        source = _union(source, first, lists)
    names = {layer: layer.value for layer in Layer}
    return RecordTable([(names[layer], hub) for layer, hub in numbers], key[first], start, end, source, dates, lists)


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


def shared_hubs(table: RecordTable, position: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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
    starts = run_starts(group)
    sizes = np.diff(np.r_[starts, len(group)])
    later = np.repeat(starts + sizes, sizes) - np.arange(len(group)) - 1  # the members after each in its group
    first = np.repeat(np.arange(len(group)), later)
    second = first + 1 + np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    return member[first], member[second], group[first]


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in ``values`` (sorted).

    >>> run_starts(np.array([4, 4, 6, 9, 9])).tolist()
    [0, 2, 3]
    """
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if len(values) else np.zeros(0, dtype=np.int64)


def tie_facts(table: RecordTable, size: int, hub: np.ndarray, a: np.ndarray, b: np.ndarray,
               first: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The earliest start, the latest end and the sources of each tie, numbered as in ``table``, from
    the records of both its ends with each of its hubs: one row per (tie, hub) in ``hub``, ``a`` and
    ``b``, the rows of a tie from each of ``first``. A tie without records has "", "" and none."""
    place = np.stack([table.find(hub, a, size), table.find(hub, b, size)], axis=1).ravel()
    tie = np.repeat(np.arange(len(first)), 2 * np.diff(np.r_[first, len(hub)]))
    found = place >= 0
    tie, place = tie[found], place[found]
    runs = run_starts(tie)
    start, end, sources = (np.zeros(len(first), dtype=np.int64) for _ in range(3))
    start[tie[runs]] = _earliest(table.start[place], runs)
    end[tie[runs]] = _latest(table.end[place], runs)
    sources[tie[runs]] = _union(table.sources[place], runs, table.lists)
    return start, end, sources
