"""Drawing a synthetic alliance world: institutions, alliances, partnerships, programmes, chairs.

Everything is drawn from one ``numpy`` generator seeded with ``seed``, in a fixed order, so the
same size and seed give the same world. The shapes, for ``N`` institutions:

* **Institutions** in cities of the 23 countries of the place vocabulary (a few countries and
  cities hold most of them), of five kinds (mostly universities), each with an *activity* weight
  from a log-normal law shared by every layer below: active institutions are in many alliances,
  have many partners and take part in many programmes. About a quarter have one to three
  faculties, schools, graduate or doctoral schools, or laboratories (``org:unitOf``).
* **Alliances**: ``max(7, N/20)`` of the seven alliance kinds (each kind at least once). Sizes
  follow a power law (exponent 2.1) from 5 to ``min(400, max(30, N/4))`` members; national
  networks draw from one country, European University alliances from European countries. Roles:
  a coordinator or secretariat host, founding members, then members (participants of monitoring
  networks) who joined later; about 3 % undated, 6 % ended. About 5 % of alliances are members of
  a larger one; four in ten alliances of ten members or more run a chair programme.
* **Partnerships and agreements**: ``N * K / 2`` bilateral ties, so each institution has ``K``
  partners on average, heavy-tailed by the square root of activity (the most active have ten to
  twenty times the mean, not every other institution); a third within one country. Half the
  partnerships and three quarters of the agreements are dated.
* **Joint programmes**: ``N / 10``, with 3 to 8 partners (one coordinator), sometimes a faculty
  of the partner; **joint laboratories**: ``N / 100``, with 2 to 4 partners.

>>> world = draw_world(60, seed=1, partnerships_per_institution=8)
>>> len(world.labels), len(world.alliances), int(world.partnerships.first.size)
(60, 7, 240)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from alliancekg.synth_names import (
    ALLIANCE_KINDS,
    COUNTRIES,
    DISCIPLINES,
    EUROPE,
    INITIATIVE_KINDS,
    INSTITUTION_KINDS,
    PARTNERSHIP_KINDS,
    PROGRAMME_KINDS,
    THEMES,
    UNIT_KINDS,
    Namer,
    institution_label,
)
from alliancekg.synth_turtle import SynthDate

__all__ = ["Alliance", "Lab", "Member", "Partnerships", "Programme", "World", "draw_world"]

LAST_YEAR = 2025


@dataclass
class Member:
    """A membership: ``ref`` is an institution index, or ``-1 - a`` for alliance ``a``."""

    ref: int
    role: str
    start: SynthDate | None
    end: SynthDate | None = None


@dataclass
class Alliance:
    kind: int
    label: str
    founded: SynthDate
    issued: SynthDate
    theme: int = -1
    country: int = -1
    members: list[Member] = field(default_factory=list)
    initiatives: list[tuple[int, int]] = field(default_factory=list)  # (initiative kind, theme)
    chairs_opened: SynthDate | None = None


@dataclass
class Programme:
    kind: int
    label: str
    start: SynthDate | None
    end: SynthDate | None
    participants: list[tuple[int, int]]  # (institution, unit number; 0 for the institution itself)


@dataclass
class Lab:
    label: str
    partners: list[int]
    start: SynthDate | None


@dataclass
class Partnerships:
    """Bilateral ties as arrays, sorted by the reporting party ``first``."""

    first: np.ndarray
    second: np.ndarray
    kind: np.ndarray
    start: list[SynthDate | None]
    end: list[SynthDate | None]
    status: np.ndarray  # 0 none, 1 in preparation, 2 active


@dataclass
class World:
    n: int
    seed: int
    partnerships_per_institution: float
    labels: list[str]
    kind: np.ndarray
    country: np.ndarray
    city: np.ndarray
    units: list[list[tuple[int, int]]]  # per institution: (unit kind, discipline)
    city_labels: list[str]
    city_country: np.ndarray
    alliances: list[Alliance]
    partnerships: Partnerships
    programmes: list[Programme]
    labs: list[Lab]
    as_of: SynthDate


class _Drawer:
    """Distinct indices of ``pool`` drawn with probability proportional to ``weights``."""

    def __init__(self, rng: np.random.Generator, weights: np.ndarray, pool: np.ndarray | None = None) -> None:
        self.rng = rng
        self.pool = pool if pool is not None else np.arange(len(weights))
        cumulative = np.cumsum(weights[self.pool])
        self.cdf = cumulative / cumulative[-1]

    def many(self, count: int) -> np.ndarray:
        """``count`` draws with replacement."""
        picks = np.searchsorted(self.cdf, self.rng.random(count), side="right")
        return self.pool[np.minimum(picks, len(self.pool) - 1)]

    def distinct(self, k: int) -> list[int]:
        k = min(k, len(self.pool))
        chosen: dict[int, None] = {}
        while len(chosen) < k:
            for d in self.many(2 * k + 4):
                chosen.setdefault(int(d))
                if len(chosen) == k:
                    break
        return list(chosen)


def _date(rng: np.random.Generator, year: int) -> SynthDate:
    """A date in ``year`` at the precision sources give: a year (70 %), a month (20 %) or a day."""
    draw = rng.random()
    if draw < 0.7:
        return SynthDate(year)
    month = int(rng.integers(1, 13))
    return SynthDate(year, month) if draw < 0.9 else SynthDate(year, month, int(rng.integers(1, 29)))


def _power_law(rng: np.random.Generator, count: int, low: int, high: int, exponent: float) -> np.ndarray:
    a = 1 - exponent
    values = (low ** a + rng.random(count) * (high ** a - low ** a)) ** (1 / a)
    return np.clip(np.floor(values).astype(int), low, high)


def _shares(rng: np.random.Generator, table: tuple, count: int) -> np.ndarray:
    shares = np.array([row[-1] for row in table], dtype=float)
    return np.minimum(np.searchsorted(np.cumsum(shares / shares.sum()), rng.random(count), side="right"),
                      len(table) - 1)


def _institutions(rng: np.random.Generator, n: int, namer: Namer) -> tuple:
    cities = max(len(COUNTRIES), n // 5)
    weights = 1 / np.arange(1, len(COUNTRIES) + 1) ** 0.9
    city_country = np.sort(rng.choice(len(COUNTRIES), size=cities, p=weights / weights.sum()), kind="stable")
    city_labels = [namer.place() for _ in range(cities)]
    city = np.sort(_Drawer(rng, rng.lognormal(0.0, 0.8, size=cities)).many(n), kind="stable")
    country = city_country[city]
    kind = _shares(rng, INSTITUTION_KINDS, n)
    used: set[str] = set()
    labels = [institution_label(INSTITUTION_KINDS[int(kind[i])][0], COUNTRIES[int(country[i])][0],
                                city_labels[int(city[i])], int(rng.integers(4)), used) for i in range(n)]
    units: list[list[tuple[int, int]]] = []
    for i in range(n):
        name = INSTITUTION_KINDS[int(kind[i])][0]
        chance = 0.45 if name == "University" else 0.2 if name == "School" else 0.1
        if rng.random() >= chance:
            units.append([])
            continue
        disciplines = rng.permutation(len(DISCIPLINES))[: int(rng.integers(1, 4))]
        allowed = len(UNIT_KINDS) if name in ("University", "School") else 1
        units.append([(len(UNIT_KINDS) - 1 - int(rng.integers(allowed)), int(d)) for d in disciplines])
    return labels, kind, country, city, units, city_labels, city_country


def _alliances(rng: np.random.Generator, n: int, namer: Namer, country: np.ndarray,
               everyone: _Drawer, activity: np.ndarray) -> list[Alliance]:
    count = max(len(ALLIANCE_KINDS), n // 20)
    kinds = rng.permutation(np.concatenate([np.arange(len(ALLIANCE_KINDS)),
                                            _shares(rng, ALLIANCE_KINDS, count - len(ALLIANCE_KINDS))]))
    sizes = _power_law(rng, count, 5, min(400, max(30, n // 4)), 2.1)
    founded = 1990 + np.floor(33 * rng.random(count) ** 0.6).astype(int)
    european = np.flatnonzero(np.isin(country, [i for i, (c, _) in enumerate(COUNTRIES) if c in EUROPE]))
    europe = _Drawer(rng, activity, european) if len(european) else everyone
    by_country = {int(c): _Drawer(rng, activity, np.flatnonzero(country == c)) for c in np.unique(country)}
    alliances = []
    for a in range(count):
        kind = int(kinds[a])
        name = ALLIANCE_KINDS[kind][0]
        alliance = Alliance(kind, ALLIANCE_KINDS[kind][2].format(namer.place()), _date(rng, int(founded[a])),
                            SynthDate(2024 + int(rng.integers(2)), int(rng.integers(1, 13)), int(rng.integers(1, 29))))
        if name in ("ThematicConsortium", "MonitoringNetwork", "UniversityAssociation"):
            alliance.theme = int(rng.integers(len(THEMES)))
        if name == "NationalNetwork":
            alliance.country = int(country[everyone.distinct(1)[0]])
            drawer = by_country[alliance.country]
        else:
            drawer = europe if name == "EuropeanUniversityAlliance" else everyone
        members = drawer.distinct(int(sizes[a]))
        founders = max(2, len(members) // 5)
        first_role = "coordinator" if name in ("EuropeanUniversityAlliance", "ThematicConsortium",
                                               "InternationalCampusAlliance", "MonitoringNetwork") else "secretariat-host"
        for rank, i in enumerate(members):
            year = founded[a] if rank < founders else min(LAST_YEAR, int(founded[a]) + int(rng.geometric(0.15)))
            start = None if rng.random() < 0.03 else _date(rng, int(year))
            end = None
            if start is not None and rng.random() < 0.06 and start.year < LAST_YEAR:
                end = _date(rng, min(LAST_YEAR, start.year + int(rng.integers(1, 11))))
            role = (first_role if rank == 0 else "founding-member" if rank < founders
                    else "participant" if name == "MonitoringNetwork" else "member")
            alliance.members.append(Member(i, role, start, end))
        if len(members) >= 10 and rng.random() < 0.4:
            themes = rng.permutation(len(THEMES))[: int(rng.integers(1, 4))]
            alliance.initiatives = [(int(rng.integers(len(INITIATIVE_KINDS))), int(t)) for t in themes]
            alliance.chairs_opened = _date(rng, min(LAST_YEAR, alliance.founded.year + 1 + int(rng.integers(6))))
        alliances.append(alliance)
    largest = np.argsort(-sizes, kind="stable")[: max(1, count // 20)]
    for a in range(count):
        if rng.random() < 0.05:
            host = int(largest[int(rng.integers(len(largest)))])
            if host != a:
                alliances[host].members.append(Member(-1 - a, "member", _date(rng, int(rng.integers(2000, 2026)))))
    return alliances


def _partnerships(rng: np.random.Generator, n: int, k: float, country: np.ndarray,
                  activity: np.ndarray) -> Partnerships:
    count = round(n * k / 2) if n > 1 else 0
    weights = np.sqrt(activity)  # a softer tail than alliances: no institution partners with most others
    anyone = _Drawer(rng, weights)
    first = anyone.many(count)
    second = anyone.many(count)
    domestic = rng.random(count) < 1 / 3
    for c in np.unique(country):
        pool = np.flatnonzero(country == c)
        chosen = np.flatnonzero(domestic & (country[first] == c))
        if len(pool) > 1 and len(chosen):
            second[chosen] = _Drawer(rng, weights, pool).many(len(chosen))
    same = second == first
    second[same] = (second[same] + 1 + rng.integers(max(1, n - 1), size=int(same.sum()))) % n
    order = np.argsort(first, kind="stable")
    first, second = first[order], second[order]
    kind = _shares(rng, PARTNERSHIP_KINDS, count)
    years = 1990 + np.floor(36 * rng.random(count) ** 0.7).astype(int)
    dated, ended, precision = rng.random(count), rng.random(count), rng.random(count)
    months, days, spans = rng.integers(1, 13, size=count), rng.integers(1, 29, size=count), rng.integers(2, 11, size=count)
    status = np.zeros(count, dtype=np.int8)
    starts: list[SynthDate | None] = []
    ends: list[SynthDate | None] = []
    for p in range(count):
        is_partnership = PARTNERSHIP_KINDS[int(kind[p])][0] == "Partnership"
        if dated[p] >= (0.5 if is_partnership else 0.75):
            starts.append(None)
            ends.append(None)
            continue
        year = int(years[p])
        starts.append(SynthDate(year) if precision[p] < 0.7 else SynthDate(year, int(months[p])) if precision[p] < 0.9
                      else SynthDate(year, int(months[p]), int(days[p])))
        ends.append(SynthDate(min(2030, year + int(spans[p]))) if is_partnership and ended[p] < 0.3 else None)
        if PARTNERSHIP_KINDS[int(kind[p])][1] == "joint-strategic-plan":
            status[p] = 1 if year >= 2024 else 2
    return Partnerships(first, second, kind, starts, ends, status)


def _programmes(rng: np.random.Generator, n: int, namer: Namer, everyone: _Drawer,
                units: list[list[tuple[int, int]]]) -> tuple[list[Programme], list[Lab]]:
    programmes: list[Programme] = []
    if n < 2:  # a joint programme needs two partners
        return programmes, []
    kinds = _shares(rng, PROGRAMME_KINDS, max(1, n // 10))
    for kind in kinds:
        label = f"{namer.place()} {PROGRAMME_KINDS[int(kind)][2].format(DISCIPLINES[int(rng.integers(len(DISCIPLINES)))])}"
        year = int(rng.integers(1995, 2026))
        start = _date(rng, year) if rng.random() < 0.85 else None
        end = _date(rng, min(2031, year + int(rng.integers(3, 7)))) if start and rng.random() < 0.6 else None
        participants = []
        for i in everyone.distinct(int(rng.integers(3, 9))):
            unit = int(rng.integers(len(units[i]))) + 1 if units[i] and rng.random() < 0.15 else 0
            participants.append((i, unit))
        programmes.append(Programme(int(kind), label, start, end, participants))
    labs = []
    for _ in range(max(1, n // 100)):
        label = f"{namer.place()} Joint Laboratory for {DISCIPLINES[int(rng.integers(len(DISCIPLINES)))]}"
        start = _date(rng, int(rng.integers(2000, 2026))) if rng.random() < 0.7 else None
        labs.append(Lab(label, everyone.distinct(int(rng.integers(2, 5))), start))
    return programmes, labs


def draw_world(n: int, *, seed: int, partnerships_per_institution: float) -> World:
    """The synthetic world of ``n`` institutions (see the module docstring for its shapes)."""
    rng = np.random.default_rng(seed)
    namer = Namer(rng)
    labels, kind, country, city, units, city_labels, city_country = _institutions(rng, n, namer)
    activity = rng.lognormal(0.0, 1.2, size=n)
    everyone = _Drawer(rng, activity)
    alliances = _alliances(rng, n, namer, country, everyone, activity)
    partnerships = _partnerships(rng, n, partnerships_per_institution, country, activity)
    programmes, labs = _programmes(rng, n, namer, everyone, units)
    return World(n, seed, partnerships_per_institution, labels, kind, country, city, units, city_labels,
                 city_country, alliances, partnerships, programmes, labs, SynthDate(2025, 6, 30))
