"""Ties between organisations, read from the ``queries/network/`` queries on any engine.

A tie layer is a set of :class:`Affiliation` records: an organisation joined to a *hub*, the
thing that creates the tie (an alliance, a partnership or agreement, a programme, a laboratory,
infrastructure or chair programme, or for sub-organisations the parent itself). Two organisations
are tied when they share a hub; a sub-organisation is tied to its parent directly. Each record keeps
its period and its source, so snapshots and provenance follow from the records alone.

The build gathers the ties of its working store once and writes them as CSV tables beside the
embedded store (:func:`write_tie_tables`), which ``alliancekg network`` reads instead of querying it.

>>> tie = Affiliation(Layer.MEMBERSHIP, "urn:ipgp", "urn:circle-u", role="member", start="2019")
>>> tie.active_at("2018"), tie.active_at("2019-06"), tie.active_at("2020")
(False, True, True)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from alliancekg.collector import collector_paused
from alliancekg.engines import Engine
from alliancekg.errors import LoadError, QueryError, UsageError
from alliancekg.outputs import atomic_file
from alliancekg.settings import Settings

__all__ = ["AFFILIATION_LAYERS", "DIRECT_LAYERS", "TIES_DIR", "TIE_QUERIES", "TIE_TABLES", "Affiliation", "Layer",
           "Organisation", "TieSet", "check_date", "fetch_ties", "names_from_list", "parse_layers", "read_tie_tables",
           "write_tie_tables"]

#: The most rows a tie query may return before the fetch stops with an error instead of a partial network.
MAX_TIE_ROWS = 20_000_000
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class Layer(StrEnum):
    """A kind of tie between organisations, each read by one query of ``queries/network/``."""

    MEMBERSHIP = "membership"
    PARTNERSHIP = "partnership"
    PROGRAMME = "programme"
    CHAIR_LAB = "chair-lab"
    SUB_ORGANISATION = "sub-organisation"


#: Layers whose ties pass through a shared hub (co-membership, co-participation, ...).
AFFILIATION_LAYERS = (Layer.MEMBERSHIP, Layer.PARTNERSHIP, Layer.PROGRAMME, Layer.CHAIR_LAB)
#: Layers whose ties join the organisation to its hub directly (a unit to its parent).
DIRECT_LAYERS = (Layer.SUB_ORGANISATION,)

_QUERIES = {
    Layer.MEMBERSHIP: "network/memberships",
    Layer.PARTNERSHIP: "network/partnerships",
    Layer.PROGRAMME: "network/programme-participations",
    Layer.CHAIR_LAB: "network/chairs-and-labs",
    Layer.SUB_ORGANISATION: "network/sub-organisations",
}
#: The folder of the built dataset that holds the tie tables (:func:`write_tie_tables`).
TIES_DIR = "ties"
#: Every query a :class:`TieSet` is read from: one per layer, then the node and hub tables.
TIE_QUERIES = (*_QUERIES.values(), "network/organisations", "network/hubs")


def parse_layers(text: str | Iterable[str] | None) -> tuple[Layer, ...]:
    """Layers from a comma-separated list or names (``all`` or nothing: every layer), in canonical order.

    >>> parse_layers("programme, membership")
    (<Layer.MEMBERSHIP: 'membership'>, <Layer.PROGRAMME: 'programme'>)
    >>> parse_layers("friendship")
    Traceback (most recent call last):
    ...
    alliancekg.errors.UsageError: unknown layer 'friendship'; layers are membership, partnership, programme, chair-lab, sub-organisation
    """
    return tuple(map(Layer, names_from_list(text, [layer.value for layer in Layer],
                                            "unknown layer {name!r}; layers are {known}")))


def names_from_list(text: str | Iterable[str] | None, known: Sequence[str], unknown: str) -> tuple[str, ...]:
    """The names of a comma-separated list (or of an iterable), each one of ``known``, in the order of
    ``known``; ``all`` or nothing gives them all. Another name raises :class:`UsageError` with the
    message ``unknown`` (a format string of ``name`` and ``known``, the names joined).

    >>> names_from_list(" b,a ", ["a", "b", "c"], "{name} is not in {known}")
    ('a', 'b')
    >>> names_from_list("all", ["a", "b"], "")
    ('a', 'b')
    """
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text or ()) if n.strip()]
    if not names or names == ["all"]:
        return tuple(known)
    for name in names:
        if name not in known:
            raise UsageError(unknown.format(name=name, known=", ".join(known)))
    return tuple(name for name in known if name in names)


def check_date(text: str) -> str:
    """``text`` if it is a date of year, month or day precision (``2017``, ``2017-05``, ``2017-05-31``).

    >>> check_date("2017-13")
    Traceback (most recent call last):
    ...
    alliancekg.errors.UsageError: '2017-13' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD
    """
    if not _DATE.fullmatch(text) or (len(text) >= 7 and not 1 <= int(text[5:7]) <= 12) or (
            len(text) == 10 and not 1 <= int(text[8:10]) <= 31):
        raise UsageError(f"{text!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    return text


def _compare(a: str, b: str) -> int:
    """Compare two lexical dates at the coarser of their precisions: -1, 0 or 1."""
    n = min(len(a), len(b))
    return (a[:n] > b[:n]) - (a[:n] < b[:n])


class Affiliation(NamedTuple):
    """One organisation joined to a hub in one layer, with its role, period and source.

    ``start`` and ``end`` are lexical dates (``""`` when the source gives none); an undated record
    counts as active at every date, as in the catalogue's dated questions. A named tuple: records
    order, hash and compare as the tuples of their fields, at the speed of tuples (networks hold
    millions of them).
    """

    layer: Layer
    node: str
    hub: str
    role: str = ""
    start: str = ""
    end: str = ""
    source: str = ""

    @property
    def dated(self) -> bool:
        return bool(self.start or self.end)

    def active_at(self, at: str) -> bool:
        """Whether the record holds at ``at`` (compared at the coarser of the two precisions)."""
        return (not self.start or _compare(self.start, at) <= 0) and (not self.end or _compare(self.end, at) >= 0)


@dataclass(frozen=True, slots=True)
class Organisation:
    """What the node table says of an organisation: label, kinds, category and country code."""

    iri: str
    label: str
    kinds: tuple[str, ...] = ()
    category: str = "organisation"
    country: str = ""

    @property
    def kind(self) -> str:
        return "; ".join(self.kinds)


@dataclass(frozen=True)
class TieSet:
    """Every tie of the chosen layers and what is known of the organisations they join."""

    affiliations: tuple[Affiliation, ...]
    organisations: Mapping[str, Organisation] = field(default_factory=dict)
    hubs: Mapping[str, str] = field(default_factory=dict)  #: hub IRI -> label

    def layers(self) -> tuple[Layer, ...]:
        present = {a.layer for a in self.affiliations}
        return tuple(layer for layer in Layer if layer in present)

    def select(self, layers: Iterable[Layer] | None = None, *, at: str | None = None,
               undated: bool = True) -> TieSet:
        """The ties of ``layers`` that hold at ``at`` (all when ``None``); ``undated=False`` drops
        records without a period.

        >>> ties = TieSet((Affiliation(Layer.MEMBERSHIP, "urn:a", "urn:x", start="2019"),
        ...                Affiliation(Layer.PROGRAMME, "urn:a", "urn:p")))
        >>> len(ties.select([Layer.MEMBERSHIP], at="2018").affiliations)
        0
        >>> len(ties.select(at="2020", undated=False).affiliations)
        1
        """
        wanted = set(layers) if layers is not None else set(Layer)
        if at is None and undated and (wanted >= set(Layer) or wanted >= set(self.layers())):
            return self  # every record kept
        kept = tuple(a for a in self.affiliations if a.layer in wanted and (undated or a.dated)
                     and (at is None or a.active_at(at)))
        return TieSet(kept, self.organisations, self.hubs)

    def years(self) -> tuple[int, ...]:
        """Every year from the earliest to the latest date any record states (none when undated)."""
        years = [int(d[:4]) for a in self.affiliations for d in (a.start, a.end) if d]
        return tuple(range(min(years), max(years) + 1)) if years else ()

    def label(self, iri: str) -> str:
        """The label of an organisation or hub, else the last segment of its IRI."""
        organisation = self.organisations.get(iri)
        if organisation:
            return organisation.label
        return self.hubs.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1]


def _rows(name: str, engine: Engine | str | None, settings: Settings, timeout: float | None) -> list[dict[str, str]]:
    from alliancekg.query import run_query  # the query module imports the engines; keep this module light

    result = run_query(name, {}, engine=engine, settings=settings, timeout=timeout, max_rows=MAX_TIE_ROWS)
    if result.truncated:
        raise QueryError(f"{name}: more than {MAX_TIE_ROWS} rows; the network would be partial")
    return [dict(zip(result.columns, row, strict=True)) for row in result.text_rows()]


def _store_rows(store: ox.Store, queries_dir: Path, name: str) -> list[dict[str, str]]:
    """The answer of query ``name`` on a store in this process, through the store's own CSV writer
    (many times faster than reading the solutions one by one)."""
    from alliancekg.queryfile import QueryFile

    solutions = store.query(QueryFile.from_path(queries_dir / f"{name}.rq", root=queries_dir).text)
    assert isinstance(solutions, ox.QuerySolutions), f"{name} is not a SELECT query"
    reader = csv.reader(io.StringIO(solutions.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8"), newline=""))
    header = next(reader)
    return [dict(zip(header, row, strict=True)) for row in reader]


def _affiliations(layer: Layer, rows: list[dict[str, str]]) -> Iterable[Affiliation]:
    for r in rows:
        if layer is Layer.MEMBERSHIP:
            yield Affiliation(layer, r["institution"], r["alliance"], r["role"], r["start"], r["end"], r["source"])
        elif layer is Layer.PARTNERSHIP:
            for party in (r["partyA"], r["partyB"]):
                yield Affiliation(layer, party, r["tie"], r["kind"], r["start"], r["end"], r["source"])
        elif layer is Layer.PROGRAMME:
            yield Affiliation(layer, r["institution"], r["programme"], r["role"], r["start"], r["end"], r["source"])
        elif layer is Layer.CHAIR_LAB:
            yield Affiliation(layer, r["organisation"], r["item"], r["relation"], r["start"], r["end"], r["source"])
        else:
            yield Affiliation(layer, r["child"], r["parent"], r["relation"], source=r["source"])


def fetch_ties(layers: Iterable[Layer] | None = None, *, engine: Engine | str | None = None,
               settings: Settings | None = None, timeout: float | None = 600.0, tables: Path | None = None) -> TieSet:
    """Run the network queries of ``layers`` (default: all) and ``network/organisations`` and ``network/hubs`` on
    ``engine`` (the built store by default, ``"memory"`` or an endpoint URL) and gather the ties; with
    ``tables``, read them from the tie tables there instead (:func:`write_tie_tables`).

    The queries ask for no order (sorting in the store costs seconds at scale): ties are gathered
    into a sorted tuple, and an organisation's or hub's rows are sorted here before the first is
    taken, so the result is the same whatever order an engine returns."""
    if tables is not None:
        ties = read_tie_tables(tables)
        return ties if layers is None else ties.select(layers)
    settings = settings or Settings.from_env()
    return _gather(layers, lambda name: _rows(name, engine, settings, timeout))


def _gather(layers: Iterable[Layer] | None, rows: Callable[[str], list[dict[str, str]]]) -> TieSet:
    chosen = tuple(layers) if layers is not None else tuple(Layer)
    records: list[Affiliation] = []
    for layer in chosen:
        records.extend(_affiliations(layer, rows(_QUERIES[layer])))
    kinds: dict[str, list[str]] = {}
    first: dict[str, dict[str, str]] = {}
    columns = ("organisation", "kind", "country", "label", "category")
    for row in sorted(rows("network/organisations"), key=lambda r: [r[c] for c in columns]):
        first.setdefault(row["organisation"], row)
        kinds.setdefault(row["organisation"], [])
        if row["kind"] not in kinds[row["organisation"]]:
            kinds[row["organisation"]].append(row["kind"])
    organisations = {iri: Organisation(iri, row["label"], tuple(sorted(kinds[iri])), row["category"], row["country"])
                     for iri, row in first.items()}
    hub_rows = sorted(rows("network/hubs"), key=lambda r: (r["hub"], r["kind"], r["label"]))
    hubs = {row["hub"]: row["label"] for row in hub_rows}
    return TieSet(_in_order(records), organisations, hubs)


#: Joins a record's fields into one string that sorts as the record does, since it sorts before
#: any other character.
_SEPARATOR = "\0"


def _in_order(records: list[Affiliation]) -> tuple[Affiliation, ...]:
    """``records`` sorted, without repeats. Sorting their fields joined into one string each is
    several times faster than comparing tuples field by field (1 M records at 30,000
    institutions) and gives the same order, unless a field holds the separator itself.

    >>> a, b = Affiliation(Layer.MEMBERSHIP, "urn:a", "urn:x"), Affiliation(Layer.MEMBERSHIP, "urn:a-b", "urn:x")
    >>> _in_order([b, a, b]) == (a, b)
    True
    >>> odd = [Affiliation(Layer.MEMBERSHIP, "a\\0b", "c"), Affiliation(Layer.MEMBERSHIP, "a", "b\\0c")]
    >>> _in_order(odd) == tuple(sorted(odd))
    True
    """
    keys = [_SEPARATOR.join(a) for a in records]
    if any(key.count(_SEPARATOR) != len(Affiliation._fields) - 1 for key in keys):
        return tuple(sorted(set(records)))
    keyed = dict(zip(keys, records, strict=True))
    return tuple(keyed[key] for key in sorted(keyed))


#: The tie tables and their columns: the records of every layer in the order of a TieSet, the
#: organisations (one row per kind) and the hubs.
TIE_TABLES = {
    "ties.csv": ("layer", "organisation", "hub", "role", "start", "end", "source"),
    "organisations.csv": ("organisation", "label", "kind", "category", "country"),
    "hubs.csv": ("hub", "label"),
}


def write_tie_tables(store: ox.Store, queries_dir: Path, out_dir: Path) -> list[Path]:
    """Gather the ties of every layer from ``store`` (as :func:`fetch_ties` does on an engine) and
    write them as the CSV tables of :data:`TIE_TABLES` in ``out_dir``, each atomically;
    :func:`read_tie_tables` reads them back. The build writes them from its in-memory working
    store beside the embedded store it builds from the same triples, where the queries are many
    times slower.

    >>> import tempfile
    >>> from alliancekg.settings import Settings
    >>> out = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_tie_tables(ox.Store(), Settings.from_env().queries_dir, out)]
    ['ties.csv', 'organisations.csv', 'hubs.csv']
    >>> read_tie_tables(out)
    TieSet(affiliations=(), organisations={}, hubs={})
    """
    with collector_paused():  # a million records at 30,000 institutions, none in a cycle
        ties = _gather(None, lambda name: _store_rows(store, queries_dir, name))
    rows = {
        "ties.csv": ties.affiliations,  # a layer is a str: the writer takes the records as they are
        "organisations.csv": ((o.iri, o.label, kind, o.category, o.country)
                              for o in ties.organisations.values() for kind in o.kinds or ("",)),
        "hubs.csv": ties.hubs.items(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, columns in TIE_TABLES.items():
        with atomic_file(out_dir / name, direct=True) as file, io.TextIOWrapper(file, encoding="utf-8", newline="") as text:
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(columns)
            writer.writerows(rows[name])
    return [out_dir / name for name in TIE_TABLES]


def read_tie_tables(folder: Path) -> TieSet:
    """The :class:`TieSet` that :func:`write_tie_tables` wrote to ``folder``; a missing or
    damaged table raises :class:`LoadError` naming it."""
    with collector_paused():  # a million records at 30,000 institutions, none in a cycle
        tables = {name: _table(folder / name, columns) for name, columns in TIE_TABLES.items()}
        records = tuple(map(Affiliation._make, tables["ties.csv"]))  # the layers are Layer values by now
        kinds: dict[str, list[str]] = {}
        first: dict[str, list[str]] = {}
        for row in tables["organisations.csv"]:
            first.setdefault(row[0], row)
            kinds.setdefault(row[0], []).extend(row[2:3] if row[2] else [])
        organisations = {iri: Organisation(iri, row[1], tuple(kinds[iri]), row[3], row[4])
                         for iri, row in first.items()}
        return TieSet(records, organisations, dict(tables["hubs.csv"]))


def _table(path: Path, columns: tuple[str, ...]) -> list[list[str]]:
    """The rows of a tie table after its header, each checked to have ``columns``' width; in
    ``ties.csv`` the first value, the layer, is checked and made a :class:`Layer`."""
    rebuild = "; rebuild with `alliancekg build`"
    try:
        with path.open(encoding="utf-8", newline="") as file:
            rows, line_of = _csv_rows(file.read())
    except OSError as error:
        raise LoadError(f"cannot read the tie table: {error.strerror}{rebuild}", path=str(path)) from error
    except (UnicodeDecodeError, csv.Error) as error:
        raise LoadError(f"not a tie table: {error}{rebuild}", path=str(path)) from error
    header = rows[0] if rows else []
    if tuple(header) != columns:
        raise LoadError(f"the columns are {header}, not {list(columns)}{rebuild}", path=str(path), line=1)
    del rows[0]
    width = len(columns)
    wrong = next((i for i, row in enumerate(rows) if len(row) != width), None)
    if wrong is not None:
        raise LoadError(f"{len(rows[wrong])} values where the table has {width} columns{rebuild}",
                        path=str(path), line=line_of(wrong + 1))
    if path.name == "ties.csv":
        try:
            for row in rows:
                row[0] = _LAYERS[row[0]]
        except KeyError as error:
            wrong = next(i for i, row in enumerate(rows) if not isinstance(row[0], Layer))
            raise LoadError(f"unknown layer {error.args[0]!r}{rebuild}", path=str(path),
                            line=line_of(wrong + 1)) from None
    return rows


def _csv_rows(text: str) -> tuple[list[list[str]], Callable[[int], int]]:
    r"""The rows of a CSV text and the line each row (counted from 0) ends on. A text without a
    quote or a lone carriage return parses as its lines split at commas, several times faster than
    the csv module and the same rows (the tie tables hold IRIs, roles and dates, which rarely need
    quoting); any other text goes through the csv module.

    >>> _csv_rows("a,b\r\nc,\r\n")[0]
    [['a', 'b'], ['c', '']]
    >>> rows, line_of = _csv_rows('a,b\r\n"c\nd",e\r\nf,g\r\n')
    >>> rows, line_of(2)
    ([['a', 'b'], ['c\nd', 'e'], ['f', 'g']], 4)
    """
    plain = text.replace("\r\n", "\n")
    if '"' not in plain and "\r" not in plain:
        lines = plain.split("\n")
        if lines[-1] == "":
            lines.pop()
        return [line.split(",") for line in lines], lambda row: row + 1
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, ends = [], []
    for row in reader:
        rows.append(row)
        ends.append(reader.line_num)
    return rows, ends.__getitem__


_LAYERS = {layer.value: layer for layer in Layer}
