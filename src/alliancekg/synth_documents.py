"""The documents of a synthetic dataset: each writes its source text and the Turtle of its facts.

Four kinds of documents, as a curator would find them: a directory of institutions (by city, with
their faculties, schools and laboratories), one members page per alliance (founding, members with
their roles and dates, a member count, chair programmes), registers of international agreements
(the partnerships and agreements each institution reports) and catalogues of joint programmes and
laboratories. Every fact cites the paragraph that states it, and every paragraph names what the
facts citing it link to, as the build's source check requires.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from pathlib import Path

from alliancekg.synth_model import Alliance, World
from alliancekg.synth_names import (
    ALLIANCE_KINDS,
    COUNTRIES,
    DISCIPLINES,
    INITIATIVE_KINDS,
    INSTITUTION_KINDS,
    PARTNERSHIP_KINDS,
    PROGRAMME_KINDS,
    THEMES,
    UNIT_KINDS,
)
from alliancekg.synth_turtle import HEADER, Document, SynthDate, join_names, turtle_string

__all__ = ["Names", "Writer", "write_alliance", "write_catalogues", "write_directory", "write_registers",
           "write_themes"]

DISCLAIMER = ("This document is synthetic: alliancekg synth generated it (seed {seed}); its names, places "
              "and facts are invented.")
_PER_DIRECTORY = 250  # institutions per directory document (whole cities)
_PER_REGISTER = 100  # reporting institutions per register of agreements
_PER_CATALOGUE = 200  # programmes per catalogue
_GROUP = 5  # memberships per cited paragraph
_PARTNERS_GROUP = 8  # partnerships and agreements per cited paragraph


class Writer:
    """Writes documents into ``staging``; counts triples once per distinct time resource."""

    def __init__(self, staging: Path, seed: int) -> None:
        self.data = staging / "data"
        self.seeds = staging / "seeds"
        self.data.mkdir()
        self.seeds.mkdir()
        self.disclaimer = DISCLAIMER.format(seed=seed)
        self.triples = 0
        self.sources: list[str] = []
        self.counts: dict[str, int] = dict.fromkeys(
            ("institutions", "units", "cities", "alliances", "memberships", "partnerships", "agreements",
             "programmes", "participations", "laboratories", "chair programmes", "chairs", "initiatives",
             "observations", "events", "themes", "sources", "passages"), 0)
        self._times: set[str] = set()

    def open(self, slug: str, title: str, *, publisher: str | None = None, issued: SynthDate | None = None) -> Document:
        """A new document, its title and the synthetic-data notice already at the top of its text."""
        doc = Document(slug, title, publisher=publisher, issued=issued)
        doc.heading(title)
        doc.heading(self.disclaimer)
        return doc

    def close(self, doc: Document, comment: str) -> None:
        """Write the document's text and Turtle, and record it for ``sources.ttl``."""
        text = doc.text().encode("utf-8")
        (self.seeds / f"{doc.slug}.txt").write_bytes(text)
        (self.data / f"{doc.slug}.ttl").write_text(doc.turtle(comment), encoding="utf-8")
        self.triples += doc.triples + doc.passage_triples
        for iri, (_, triples) in doc.times.items():
            if iri not in self._times:
                self._times.add(iri)
                self.triples += triples
        self.counts["passages"] += doc.passage_triples // 5
        self.counts["sources"] += 1
        lines = ["a akg:SourceDocument", f"rdfs:label {turtle_string(doc.title)}@en",
                 f"dcterms:title {turtle_string(doc.title)}@en"]
        if doc.publisher:
            lines.append(f"dcterms:publisher {doc.publisher}")
        if doc.issued:
            lines.append(f'dcterms:issued "{doc.issued.lexical}"^^xsd:date')
        lines += ['dcterms:language "en"', f'akg:fileName "{doc.slug}.txt"',
                  f'akg:sha256 "{hashlib.sha256(text).hexdigest()}"', f"akg:characterCount {doc.length}"]
        self.sources.append(f"{doc.source} " + " ;\n    ".join(lines) + " .\n\n")
        self.triples += len(lines)

    def finish(self, comment: str) -> None:
        """Write ``data/sources.ttl``: every source document closed so far."""
        (self.data / "sources.ttl").write_text("".join((HEADER, "\n# ", comment, "\n\n", *self.sources)),
                                               encoding="utf-8")


def _lit(value: str) -> str:
    return f"{turtle_string(value)}@en"


class Names:
    """IRIs, labels and Turtle literals of the world's organisations, computed once."""

    def __init__(self, world: World) -> None:
        self.world = world
        width = max(6, len(str(world.n)))
        self.alliance_width = max(4, len(str(len(world.alliances))))
        self.slugs = [f"synth-{i + 1:0{width}d}" for i in range(world.n)]
        self.codes = [COUNTRIES[int(c)][0] for c in world.country]
        self.literals = [_lit(label) for label in world.labels]

    def alliance_slug(self, a: int) -> str:
        return f"synth-{a + 1:0{self.alliance_width}d}"

    def unit_name(self, i: int, unit: int) -> str:
        kind, discipline = self.world.units[i][unit - 1]
        return UNIT_KINDS[kind][2].format(DISCIPLINES[discipline])

    def org(self, i: int, unit: int = 0) -> tuple[str, str, str]:
        """Slug, label and the text naming an institution (``unit`` 0) or one of its units."""
        if unit == 0:
            label = self.world.labels[i]
            return self.slugs[i], label, f"{label} ({self.codes[i]})"
        label = f"{self.world.labels[i]}, {self.unit_name(i, unit)}"
        return f"{self.slugs[i]}-u{unit}", label, f"{label} ({self.codes[i]})"


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[k:k + size] for k in range(0, len(items), size)]


def _theme_iri(t: int) -> str:
    return f"<theme/synth-{THEMES[t].replace(' ', '-')}>"


def write_themes(w: Writer, world: World) -> None:
    """The themes the alliances and initiatives link to, declared once with their passage."""
    doc = w.open("synth-themes", "Synthetic collection: themes of cooperation", issued=world.as_of)
    passage = doc.paragraph(f"The alliances and initiatives of this collection work on {join_names(THEMES)}.")
    for t, theme in enumerate(THEMES):
        doc.fact(_theme_iri(t), f"a skos:Concept ;\n    skos:inScheme <scheme/theme> ;\n    rdfs:label {_lit(theme)} ;\n"
                 f"    skos:prefLabel {_lit(theme)} ;", 4, [passage])
    w.counts["themes"] += len(THEMES)
    w.close(doc, "Themes of the synthetic collection.")


def write_directory(w: Writer, world: World, names: Names) -> None:
    """Directories of about 250 institutions each, whole cities at a time: cities, institutions, units."""
    starts = [0] + [i for i in range(1, world.n) if world.city[i] != world.city[i - 1]] + [world.n]
    cities = list(itertools.pairwise(starts))
    part, chunk, size = 0, [], 0
    for index, (first, stop) in enumerate(cities):
        chunk.append((first, stop))
        size += stop - first
        if size < _PER_DIRECTORY and index < len(cities) - 1:
            continue
        part += 1
        doc = w.open(f"synth-directory-{part:04d}", f"Synthetic directory of institutions, part {part}",
                     issued=world.as_of)
        for first_i, stop_i in chunk:
            _write_city(w, doc, world, names, range(first_i, stop_i))
        w.close(doc, f"Institutions of the synthetic directory, part {part}.")
        chunk, size = [], 0


def _write_city(w: Writer, doc: Document, world: World, names: Names, members: range) -> None:
    c = int(world.city[members[0]])
    city, code = world.city_labels[c], COUNTRIES[int(world.city_country[c])]
    city_iri = f"<place/synth-{c + 1:05d}>"
    for g, group in enumerate(_chunks(members, 3)):
        entries = []
        for i in group:
            units = [names.unit_name(i, u + 1) for u in range(len(world.units[i]))]
            with_units = f" with {join_names('the ' + u for u in units)}" if units else ""
            entries.append(f"{world.labels[i]}, a {INSTITUTION_KINDS[int(world.kind[i])][1]}{with_units}")
        lead = f"In {city} ({code[1]}): " if g == 0 else f"Also in {city}: "
        passage = doc.paragraph(lead + "; ".join(entries) + ".")
        if g == 0:
            doc.fact(city_iri, f"a akg:City ;\n    rdfs:label {_lit(city)} ;\n    schema:containedInPlace <country/{code[0]}> ;",
                     3, [passage])
            w.counts["cities"] += 1
        for i in group:
            doc.fact(f"<org/{names.slugs[i]}>", f"a akg:{INSTITUTION_KINDS[int(world.kind[i])][0]} ;\n"
                     f"    rdfs:label {names.literals[i]} ;\n    akg:country <country/{code[0]}> ;\n"
                     f"    akg:city {city_iri} ;", 4, [passage])
            for u, (kind, _) in enumerate(world.units[i], start=1):
                slug, label, _ = names.org(i, u)
                doc.fact(f"<org/{slug}>", f"a akg:{UNIT_KINDS[kind][0]} ;\n    rdfs:label {_lit(label)} ;\n"
                         f"    skos:hiddenLabel {_lit(names.unit_name(i, u))} ;\n"
                         f"    {UNIT_KINDS[kind][1]} <org/{names.slugs[i]}> ;", 4, [passage])
            w.counts["institutions"] += 1
            w.counts["units"] += len(world.units[i])


_ROLE_SENTENCES = {
    "coordinator": ("{m} coordinates {a}, which it helped found {d}.", "{m} coordinates {a}."),
    "secretariat-host": ("{m} hosts the secretariat of {a}, which it helped found {d}.", "{m} hosts the secretariat of {a}."),
    "founding-member": ("{m} is a founding member of {a}, created {d}.", "{m} is a founding member of {a}."),
    "member": ("{m} joined {a} {d}.", "{m} is a member of {a}."),
    "participant": ("{m} has taken part in {a} since {w}.", "{m} takes part in {a}."),
}


def write_alliance(w: Writer, world: World, names: Names, a: int) -> None:
    """The members page of alliance ``a``: the alliance, its founding, memberships, member count, chairs."""
    alliance: Alliance = world.alliances[a]
    slug = names.alliance_slug(a)
    iri = f"<alliance/{slug}>"
    kind_class, kind_words = ALLIANCE_KINDS[alliance.kind][:2]
    doc = w.open(f"synth-alliance-{slug[6:]}", f"{alliance.label}: members", publisher=iri, issued=alliance.issued)
    intro = f"{alliance.label} is a {kind_words} founded {alliance.founded.phrase}."
    extra, triples = "", 2
    if alliance.theme >= 0:
        intro += f" It works on {THEMES[alliance.theme]}."
        extra += f"\n    akg:theme {_theme_iri(alliance.theme)} ;"
        triples += 1
    if alliance.country >= 0:
        intro += f" Its members are institutions of {COUNTRIES[alliance.country][1]}."
        extra += f"\n    akg:country <country/{COUNTRIES[alliance.country][0]}> ;"
        triples += 1
    if kind_class == "EuropeanUniversityAlliance":
        extra += "\n    akg:region <region/europe> ;"
        triples += 1
    passage = doc.paragraph(intro)
    label = _lit(alliance.label)
    doc.fact(iri, f"a akg:{kind_class} ;\n    rdfs:label {label} ;{extra}", triples, [passage])
    doc.fact(f"<event/synth-founding-{slug[6:]}>", f"a akg:FoundingEvent ;\n"
             f"    rdfs:label {_lit(f'Founding of {alliance.label}, {alliance.founded.lexical}')} ;\n"
             f"    akg:founded {iri} ;\n    akg:time {doc.instant(alliance.founded)} ;", 4, [passage])
    for group in _chunks(alliance.members, _GROUP):
        sentences, facts = [], []
        for member in group:
            if member.ref >= 0:
                member_slug, member_label, text = names.org(member.ref)
                member_iri = f"<org/{member_slug}>"
            else:
                member_slug, member_label = names.alliance_slug(-1 - member.ref), world.alliances[-1 - member.ref].label
                member_iri, text = f"<alliance/{member_slug}>", f"{member_label}, itself a network,"
            dated, undated = _ROLE_SENTENCES[member.role]
            if member.end is not None:
                sentence = f"{text} was a member of {alliance.label} from {member.start.words} to {member.end.words}."
            elif member.start is not None:
                sentence = dated.format(m=text, a=alliance.label, d=member.start.phrase, w=member.start.words)
            else:
                sentence = undated.format(m=text, a=alliance.label)
            sentences.append(sentence)
            during, count = "", 5
            if member.start is not None:
                during = f"\n    org:memberDuring {doc.interval(member.start, member.end)} ;"
                count = 6
            facts.append((f"<membership/{slug}/{member_slug}>", (f"a org:Membership ;\n"
                          f"    rdfs:label {_lit(f'{member_label} in {alliance.label}')} ;\n"
                          f"    org:member {member_iri} ;\n    org:organization {iri} ;\n"
                          f"    org:role <role/{member.role}> ;{during}"), count))
        passage = doc.paragraph(" ".join(sentences))
        for subject, body, count in facts:
            doc.fact(subject, body, count, [passage])
    current = sum(1 for m in alliance.members if m.end is None)
    passage = doc.paragraph(f"As of {alliance.issued.words}, {alliance.label} counts {current} members.")
    doc.fact(f"<observation/synth-member-count-{slug[6:]}>", f"a akg:Observation ;\n"
             f"    rdfs:label {_lit(f'{alliance.label}: number of members, {alliance.issued.lexical}')} ;\n"
             f"    akg:observedEntity {iri} ;\n    akg:measure <measure/member-count> ;\n    akg:count {current} ;\n"
             f"    akg:asOf {doc.instant(alliance.issued)} ;", 6, [passage])
    w.counts["alliances"] += 1
    w.counts["memberships"] += len(alliance.members)
    w.counts["observations"] += 1
    w.counts["events"] += 1
    if alliance.initiatives:
        _write_chairs(w, doc, alliance, slug, iri)
    w.close(doc, f"Facts of the synthetic alliance page of {alliance.label}.")


def _write_chairs(w: Writer, doc: Document, alliance: Alliance, slug: str, iri: str) -> None:
    programme = f"{alliance.label} Academic Chairs"
    labels = []
    for kind, theme in alliance.initiatives:
        words = THEMES[theme]
        labels.append(INITIATIVE_KINDS[kind][1].format(alliance.label, words[0].upper() + words[1:]))
    opened = alliance.chairs_opened or alliance.founded
    passage = doc.paragraph(f"{alliance.label} runs the {programme}, which drive "
                            f"{join_names('the ' + label for label in labels)}. "
                            f"The first chairs were opened {opened.phrase}.")
    initiatives = [f"<initiative/{slug}-{k}>" for k in range(1, len(labels) + 1)]
    drives = ", ".join(initiatives)
    programme_iri = f"<programme/{slug}-chairs>"
    doc.fact(programme_iri, f"a akg:ChairProgramme ;\n    rdfs:label {_lit(programme)} ;\n    akg:runBy {iri} ;\n"
             f"    akg:drives {drives} ;", 3 + len(initiatives), [passage])
    for initiative, label, (kind, theme) in zip(initiatives, labels, alliance.initiatives, strict=True):
        doc.fact(initiative, f"a akg:{INITIATIVE_KINDS[kind][0]} ;\n    rdfs:label {_lit(label)} ;\n"
                 f"    akg:theme {_theme_iri(theme)} ;\n    akg:runBy {iri} ;", 4, [passage])
    doc.fact(f"<chair/{slug}-{opened.lexical}>", f"a akg:AcademicChair ;\n"
             f"    rdfs:label {_lit(f'{programme} opened {opened.lexical}')} ;\n"
             f"    akg:chairProgramme {programme_iri} ;\n    akg:time {doc.instant(opened)} ;\n"
             f"    akg:drives {drives} ;", 4 + len(initiatives), [passage])
    w.counts["chair programmes"] += 1
    w.counts["chairs"] += 1
    w.counts["initiatives"] += len(initiatives)


def write_registers(w: Writer, world: World, names: Names) -> None:
    """Registers of the partnerships and agreements that each group of 100 institutions reports."""
    ties = world.partnerships
    first = ties.first
    bounds = first.searchsorted(range(world.n + 1)) if len(first) else [0] * (world.n + 1)
    serial = {"Partnership": 0, "Agreement": 0}
    statuses = ("", "in-preparation", "active")
    for part, low in enumerate(range(0, world.n, _PER_REGISTER), start=1):
        high = min(world.n, low + _PER_REGISTER)
        if bounds[high] == bounds[low]:
            continue
        doc = w.open(f"synth-agreements-{part:04d}", f"Synthetic register of international agreements, part {part}",
                     issued=world.as_of)
        for i in range(low, high):
            _, _, reporter = names.org(i)
            for g, group in enumerate(_chunks(range(int(bounds[i]), int(bounds[i + 1])), _PARTNERS_GROUP)):
                items, facts = [], []
                for p in group:
                    b = int(ties.second[p])
                    cls, concept, words, _ = PARTNERSHIP_KINDS[int(ties.kind[p])]
                    start, end, status = ties.start[p], ties.end[p], int(ties.status[p])
                    serial[cls] += 1
                    when, detail, count = "", "", 5
                    if cls == "Partnership":
                        subject = f"<partnership/synth-{serial[cls]:07d}>"
                        label = f"{words[0].upper()}{words[1:]} between {world.labels[i]} and {world.labels[b]}"
                        if start is not None:
                            when = f" from {start.words} to {end.words}" if end else f" since {start.words}"
                            detail = f"\n    akg:period {doc.interval(start, end)} ;"
                            count += 1
                    else:
                        subject = f"<agreement/synth-{serial[cls]:07d}>"
                        label = f"{world.labels[i]} – {world.labels[b]} {words}"
                        if start is not None:
                            label += f", {start.lexical}"
                            when = f" signed {start.phrase}"
                            detail = f"\n    akg:time {doc.instant(start)} ;"
                            count += 1
                        if status:
                            when += ", in preparation" if status == 1 else ", in force"
                            detail += f"\n    akg:status <status/{statuses[status]}> ;"
                            count += 1
                    items.append(f"with {world.labels[b]} ({names.codes[b]}), a {words}{when}")
                    facts.append((subject, (f"a akg:{cls} ;\n    rdfs:label {_lit(label)} ;\n"
                                  f"    akg:partner <org/{names.slugs[i]}>, <org/{names.slugs[b]}> ;\n"
                                  f"    akg:partnershipKind <partnership-kind/{concept}> ;{detail}"), count))
                lead = "reports these partnerships and agreements" if g == 0 else "also reports"
                passage = doc.paragraph(f"{reporter} {lead}: {'; '.join(items)}.")
                for subject, body, count in facts:
                    doc.fact(subject, body, count, [passage])
        w.close(doc, f"Partnerships and agreements of the synthetic register, part {part}.")
    w.counts["partnerships"] += serial["Partnership"]
    w.counts["agreements"] += serial["Agreement"]


def write_catalogues(w: Writer, world: World, names: Names) -> None:
    """Catalogues of 200 joint programmes (with their participations) and 20 joint laboratories each."""
    programmes, labs = world.programmes, world.labs
    parts = max(-(-len(programmes) // _PER_CATALOGUE), -(-len(labs) // (_PER_CATALOGUE // 10)))
    for part in range(1, parts + 1):
        doc = w.open(f"synth-programmes-{part:04d}", f"Synthetic catalogue of joint programmes, part {part}",
                     issued=world.as_of)
        low = (part - 1) * _PER_CATALOGUE
        for p in range(low, min(len(programmes), low + _PER_CATALOGUE)):
            _write_programme(w, doc, world, names, p)
        low = (part - 1) * (_PER_CATALOGUE // 10)
        for lab in range(low, min(len(labs), low + _PER_CATALOGUE // 10)):
            _write_lab(w, doc, world, names, lab)
        w.close(doc, f"Joint programmes and laboratories of the synthetic catalogue, part {part}.")


def _write_programme(w: Writer, doc: Document, world: World, names: Names, p: int) -> None:
    programme = world.programmes[p]
    cls, words = PROGRAMME_KINDS[programme.kind][:2]
    iri = f"<programme/synth-{p + 1:06d}>"
    parties = [names.org(i, unit) for i, unit in programme.participants]
    when, period, count = "", "", 3
    if programme.start is not None:
        end = programme.end
        when = f", running from {programme.start.words} to {end.words}" if end else f", running since {programme.start.words}"
        period = f"\n    akg:period {doc.interval(programme.start, end)} ;"
        count += 1
    passage = doc.paragraph(f"{programme.label} is a {words} coordinated by {parties[0][2]} with "
                            f"{join_names(text for _, _, text in parties[1:])}{when}.")
    doc.fact(iri, f"a akg:{cls} ;\n    rdfs:label {_lit(programme.label)} ;\n    akg:runBy <org/{parties[0][0]}> ;{period}",
             count, [passage])
    for rank, (slug, label, _) in enumerate(parties):
        role = "coordinator" if rank == 0 else "partner"
        doc.fact(f"<participation/synth-{p + 1:06d}/{slug}>", f"a akg:Participation ;\n"
                 f"    rdfs:label {_lit(f'{label} in {programme.label}')} ;\n    akg:participant <org/{slug}> ;\n"
                 f"    akg:programme {iri} ;\n    akg:participantRole <participant-role/{role}> ;", 5, [passage])
    w.counts["programmes"] += 1
    w.counts["participations"] += len(parties)


def _write_lab(w: Writer, doc: Document, world: World, names: Names, index: int) -> None:
    lab = world.labs[index]
    parties = [names.org(i) for i in lab.partners]
    when, period, count = "", "", 2 + len(parties)
    if lab.start is not None:
        when = f", set up {lab.start.phrase}"
        period = f"\n    akg:period {doc.interval(lab.start)} ;"
        count += 1
    passage = doc.paragraph(f"{lab.label} is a joint laboratory of {join_names(t for _, _, t in parties)}{when}.")
    partners = ", ".join(f"<org/{slug}>" for slug, _, _ in parties)
    doc.fact(f"<laboratory/synth-{index + 1:05d}>", f"a akg:JointLaboratory ;\n    rdfs:label {_lit(lab.label)} ;\n"
             f"    akg:partner {partners} ;{period}", count, [passage])
    w.counts["laboratories"] += 1
