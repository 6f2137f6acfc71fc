"""A synthetic but realistic tie set of any size, for benchmarking ``alliancekg network``.

:func:`synthetic_ties` builds a :class:`~alliancekg.ties.TieSet` directly, as
:func:`~alliancekg.ties.fetch_ties` would return it from a store, without any RDF. It is
deterministic: everything is drawn from one ``numpy`` generator seeded with ``seed``.

What it holds, for ``N`` institutions:

* **Institutions** ``id/org/synth-000123``: a kind (mostly universities, then schools, research
  institutes, national laboratories, agencies, companies), a label, and one of 40 countries drawn
  with Zipf-like weights (a few countries hold most institutions). Each has an *activity* weight
  from a log-normal law, shared by every layer: active institutions are in many alliances, have
  many partners and run many programmes, the rich-club shape seen in the real data.
* **Alliances** ``id/alliance/synth-0001`` (category ``alliance``), about ``N / 20`` of them. Sizes
  follow a power law with exponent 2.3 from 5 members up to ``min(400, N / 4)``: about 90 % have 5
  to 30 members, 2 % more than 100 and a handful a few hundred. A third of the small ones are national
  (members from one country). Members are drawn by activity, so the number of alliances of an
  institution is heavy-tailed: most are in none to two, the most active in dozens. A few alliances
  are members of larger ones. Memberships are dated: the alliance's founding year (1990-2022, later
  years more likely) for founding members, a later year for the others, an end year for about 6 %,
  and about 3 % undated as in the sources.
* **Bilateral partnerships** ``id/partnership/synth-000001``: two parties each, a kind (student
  mobility agreement, strategic partnership...), a start year and for some an end year.
  ``partnerships_per_institution`` (default 5) sets their number, ``N * that / 2``. Real
  universities report dozens to hundreds of agreements, but a knowledge graph holds those its
  sources document; 5 per institution keeps the partnership layer the same order of size as the
  alliance layer in records while it adds few edges next to the dense alliance cliques, which is
  the balance of the curated data. Raise it to benchmark a partnership-heavy graph.
* **Joint programmes** ``id/programme/synth-00001``: ``N / 10`` of them, 3 to 8 partners each (one
  initiator), dated with the programme's period; about 15 % of places go to a faculty or school
  of the partner rather than the institution itself.
* **Chairs and laboratories** (``id/laboratory/``, ``id/infrastructure/``, ``id/programme/synth-chair-``):
  ``N / 50`` items with 2 to 4 partners, or one organisation that runs them.
* **Sub-organisations**: about a quarter of the institutions have 1 to 3 faculties, schools or units
  ``id/org/synth-000123-u1``, which are nodes too, tied to their parent.

Every affiliation has a source document ``id/source/synth-00042`` (one per ``~10`` institutions, as
a report or agreement covers many ties), and ``hubs`` gives every hub a label.

>>> ties = synthetic_ties(60, seed=1)
>>> ties == synthetic_ties(60, seed=1), len(ties.affiliations) > 100
(True, True)
>>> sorted({a.layer.value for a in ties.affiliations})
['chair-lab', 'membership', 'partnership', 'programme', 'sub-organisation']
"""

from __future__ import annotations

import numpy as np

from alliancekg.ties import Affiliation, Layer, Organisation, TieSet

__all__ = ["ID", "synthetic_ties"]

ID = "https://w3id.org/alliancekg/id/"

#: ISO 3166-1 codes, most frequent first; weights fall as 1 / rank ** 0.9.
COUNTRIES = ("FR", "DE", "US", "GB", "IT", "ES", "CN", "JP", "NL", "BE", "PL", "SE", "CH", "AT", "PT", "CA",
             "KR", "AU", "BR", "IN", "CZ", "DK", "FI", "NO", "IE", "GR", "HU", "RO", "TR", "MX", "AR", "CL",
             "ZA", "EG", "MA", "SN", "VN", "TH", "SG", "NZ")
#: Institution kinds (labels of ontology classes) and their shares.
KINDS = (("university", 0.55), ("school", 0.14), ("research institute", 0.12), ("national laboratory", 0.04),
         ("graduate school", 0.04), ("agency", 0.04), ("company", 0.04), ("local authority", 0.03))
ALLIANCE_KINDS = ("university network", "European University alliance", "university association",
                  "thematic consortium", "national network", "monitoring network")
UNIT_KINDS = (("faculty", "sub-organisation"), ("school", "sub-organisation"), ("graduate school", "sub-organisation"),
              ("doctoral school", "sub-organisation"), ("organisational unit", "unit"))
PARTNERSHIP_KINDS = ("bilateral partnership", "student mobility agreement", "strategic partnership",
                     "exchange programme agreement", "cooperation", "joint strategic plan")
_NAMES = ("University of {}", "{} University", "{} Institute of Technology", "École supérieure de {}",
          "Universität {}", "{} Research Institute", "Università di {}", "Universidad de {}", "{} Tech")
_SYLLABLES = ("al", "ber", "ca", "dor", "el", "fen", "gra", "hal", "is", "jo", "ka", "lem", "mar", "nor", "os",
              "pra", "quen", "ros", "sal", "tor", "ul", "ven", "wes", "xa", "yor", "zé", "bø", "lüb")


def _date(rng: np.random.Generator, year: int) -> str:
    """A lexical date in ``year``: a year (70 %), a month (10 %) or a day (20 %)."""
    draw = rng.random()
    if draw < 0.7:
        return str(year)
    month = int(rng.integers(1, 13))
    return f"{year}-{month:02d}" if draw < 0.8 else f"{year}-{month:02d}-{int(rng.integers(1, 29)):02d}"


def _place(rng: np.random.Generator) -> str:
    parts = rng.choice(len(_SYLLABLES), size=int(rng.integers(2, 4)))
    return "".join(_SYLLABLES[p] for p in parts).capitalize()


def _sizes(rng: np.random.Generator, count: int, low: int, high: int, exponent: float) -> np.ndarray:
    """``count`` integers from a power law ``p(s) ~ s ** -exponent`` on ``[low, high]`` (inverse CDF)."""
    a = 1 - exponent
    u = rng.random(count)
    values = (low ** a + u * (high ** a - low ** a)) ** (1 / a)
    return np.clip(np.floor(values).astype(int), low, high)


class _Drawer:
    """Distinct indices drawn with probability proportional to fixed weights (``searchsorted`` on the
    cumulative weights, so each draw costs log n, not n)."""

    def __init__(self, rng: np.random.Generator, weights: np.ndarray, pool: np.ndarray | None = None) -> None:
        self.rng = rng
        self.pool = pool if pool is not None else np.arange(len(weights))
        cumulative = np.cumsum(weights[self.pool])
        self.cdf = cumulative / cumulative[-1]

    def distinct(self, k: int) -> list[int]:
        k = min(k, len(self.pool))
        chosen: dict[int, None] = {}
        while len(chosen) < k:
            draws = np.searchsorted(self.cdf, self.rng.random(2 * k + 4), side="right")
            for d in np.minimum(draws, len(self.pool) - 1):
                chosen.setdefault(int(self.pool[d]))
                if len(chosen) == k:
                    break
        return list(chosen)


def synthetic_ties(institutions: int, *, seed: int = 42, partnerships_per_institution: float = 5.0) -> TieSet:
    """A tie set of ``institutions`` institutions with alliances, partnerships, programmes, chairs and
    laboratories, and sub-organisations; see the module docstring for the shapes.

    Raises :class:`ValueError` when ``institutions < 20`` (there would be no alliance).

    >>> ties = synthetic_ties(40)
    >>> ties.label("https://w3id.org/alliancekg/id/alliance/synth-0001")
    'Synthetic alliance 1'
    """
    if institutions < 20:
        raise ValueError(f"institutions must be 20 or more, not {institutions}")
    rng = np.random.default_rng(seed)
    n = institutions
    records: set[Affiliation] = set()
    organisations: dict[str, Organisation] = {}
    hubs: dict[str, str] = {}
    sources = [f"{ID}source/synth-{i:05d}" for i in range(1, max(2, n // 10) + 1)]

    def source() -> str:
        return sources[int(rng.integers(len(sources)))]

    # institutions
    country_weights = 1 / np.arange(1, len(COUNTRIES) + 1) ** 0.9
    country = rng.choice(len(COUNTRIES), size=n, p=country_weights / country_weights.sum())
    kind = rng.choice(len(KINDS), size=n, p=[share for _, share in KINDS])
    activity = rng.lognormal(0.0, 1.1, size=n)
    iris = [f"{ID}org/synth-{i:06d}" for i in range(1, n + 1)]
    name_pattern = rng.integers(len(_NAMES), size=n)
    for i, iri in enumerate(iris):
        label = f"{_NAMES[name_pattern[i]].format(_place(rng))} ({i + 1})"
        organisations[iri] = Organisation(iri, label, (KINDS[kind[i]][0],), "organisation", COUNTRIES[country[i]])
    everyone = _Drawer(rng, activity)
    by_country = {c: _Drawer(rng, activity, np.flatnonzero(country == c)) for c in np.unique(country)}

    # sub-organisations: a quarter of the institutions, the active ones more often
    units: dict[int, list[str]] = {}
    for i in sorted(everyone.distinct(n // 4)):
        parent = iris[i]
        units[i] = []
        for u in range(1, int(rng.integers(1, 4)) + 1):
            unit_kind, relation = UNIT_KINDS[int(rng.integers(len(UNIT_KINDS)))]
            iri = f"{parent}-u{u}"
            organisations[iri] = Organisation(iri, f"{unit_kind.capitalize()} {u} of {organisations[parent].label}",
                                              (unit_kind,), "organisation", COUNTRIES[country[i]])
            units[i].append(iri)
            records.add(Affiliation(Layer.SUB_ORGANISATION, iri, parent, relation, source=source()))

    # alliances
    alliance_count = max(1, n // 20)
    sizes = _sizes(rng, alliance_count, 5, min(400, max(30, n // 4)), 2.3)
    alliances = [f"{ID}alliance/synth-{a:04d}" for a in range(1, alliance_count + 1)]
    founded = 1990 + np.floor(32 * rng.random(alliance_count) ** 0.6).astype(int)  # later years more likely
    for a, (alliance, size) in enumerate(zip(alliances, sizes, strict=True)):
        home = int(country[everyone.distinct(1)[0]])
        national = size <= min(30, len(by_country[home].pool)) and rng.random() < 1 / 3
        kinds = ("national network",) if national else (ALLIANCE_KINDS[int(rng.integers(len(ALLIANCE_KINDS)))],)
        hubs[alliance] = f"Synthetic alliance {a + 1}"
        organisations[alliance] = Organisation(alliance, hubs[alliance], kinds, "alliance",
                                               COUNTRIES[home] if national else "")
        members = by_country[home].distinct(int(size)) if national else everyone.distinct(int(size))
        founders = max(2, len(members) // 5)
        where = source()
        for rank, i in enumerate(members):
            start_year = int(founded[a]) if rank < founders else min(2025, int(founded[a]) + int(rng.geometric(0.15)))
            undated = rng.random() < 0.03
            start = "" if undated else _date(rng, start_year)
            end = ""
            if not undated and rng.random() < 0.06 and start_year < 2025:
                end = _date(rng, min(2025, start_year + int(rng.integers(1, 11))))
            role = "secretariat host" if rank == 0 else "founding member" if rank < founders else "member"
            records.add(Affiliation(Layer.MEMBERSHIP, iris[i], alliance, role, start, end, where))
    by_size = np.argsort(-sizes, kind="stable")
    for a in range(alliance_count):  # a few alliances join a larger one
        if rng.random() < 0.05 and sizes[a] < sizes[by_size[0]]:
            larger = alliances[int(by_size[int(rng.integers(max(1, alliance_count // 20)))])]
            if larger != alliances[a]:
                records.add(Affiliation(Layer.MEMBERSHIP, alliances[a], larger, "member",
                                        _date(rng, int(rng.integers(2000, 2026))), "", source()))

    # bilateral partnerships: both parties drawn by activity, a third within one country
    count = round(n * partnerships_per_institution / 2)
    first = np.minimum(np.searchsorted(everyone.cdf, rng.random(count), side="right"), n - 1)
    domestic = rng.random(count) < 1 / 3
    second = np.minimum(np.searchsorted(everyone.cdf, rng.random(count), side="right"), n - 1)
    starts = rng.integers(1990, 2026, size=count)
    for p in range(count):
        a = int(first[p])
        b = by_country[country[a]].distinct(1)[0] if domestic[p] else int(second[p])
        if a == b:
            continue
        tie = f"{ID}partnership/synth-{p + 1:06d}"
        kind_label = PARTNERSHIP_KINDS[int(rng.integers(len(PARTNERSHIP_KINDS)))]
        hubs[tie] = f"{kind_label.capitalize()} {organisations[iris[a]].label} - {organisations[iris[b]].label}"
        start = _date(rng, int(starts[p]))
        end = _date(rng, int(min(2030, starts[p] + rng.integers(2, 11)))) if rng.random() < 0.3 else ""
        where = source()
        for party in (a, b):
            records.add(Affiliation(Layer.PARTNERSHIP, iris[party], tie, kind_label, start, end, where))

    # joint programmes: 3 to 8 partners, one initiator, dated with the programme's period
    for p in range(1, max(1, n // 10) + 1):
        programme = f"{ID}programme/synth-{p:05d}"
        hubs[programme] = f"Synthetic joint programme {p}"
        start_year = int(rng.integers(1995, 2026))
        start = _date(rng, start_year)
        end = _date(rng, min(2031, start_year + int(rng.integers(3, 7)))) if rng.random() < 0.6 else ""
        where = source()
        for rank, i in enumerate(everyone.distinct(int(rng.integers(3, 9)))):
            node = iris[i]
            if i in units and rng.random() < 0.15:
                node = units[i][int(rng.integers(len(units[i])))]
            role = "initiator" if rank == 0 else ("applicant" if rng.random() < 0.1 else "partner")
            records.add(Affiliation(Layer.PROGRAMME, node, programme, role, start, end, where))

    # chairs, joint laboratories and shared infrastructures: 2 to 4 partners, or one that runs them
    for c in range(1, max(1, n // 50) + 1):
        kind_draw = rng.random()
        if kind_draw < 0.5:
            item, label, relation = f"{ID}laboratory/synth-lab-{c:05d}", f"Synthetic joint laboratory {c}", "partner"
        elif kind_draw < 0.8:
            item, label, relation = f"{ID}programme/synth-chair-{c:05d}", f"Synthetic chair programme {c}", "run by"
        else:
            item, label, relation = f"{ID}infrastructure/synth-infra-{c:05d}", f"Synthetic infrastructure {c}", "run by"
        hubs[item] = label
        start = _date(rng, int(rng.integers(2000, 2026))) if rng.random() < 0.7 else ""
        where = source()
        for i in everyone.distinct(int(rng.integers(2, 5))):
            records.add(Affiliation(Layer.CHAIR_LAB, iris[i], item, relation, start, "", where))

    return TieSet(tuple(sorted(records)), organisations, hubs)
