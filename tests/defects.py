"""Breaking a dataset on purpose: random facts of a loaded store made wrong in the ways the shapes
catch (a missing label, a wrong datatype, a member of the wrong class, a missing passage, an
impossible date, ...), so that two validators can be compared on the same faulty data.

``inject(store, count, seed)`` applies ``count`` defects, kinds taken in turn, each to a target
drawn with ``random.Random(seed)`` from the nodes the kind applies to; it returns one line per
defect. The same store, count and seed give the same defects.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pyoxigraph as ox

AKG = "https://w3id.org/alliancekg/ontology#"
ORG = "http://www.w3.org/ns/org#"
OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREFIXES = f"""PREFIX akg: <{AKG}> PREFIX org: <{ORG}> PREFIX oa: <{OA}> PREFIX time: <{TIME}> PREFIX xsd: <{XSD}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
"""


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=_n(XSD + datatype))


class Injector:
    """Applies defects to one store with one random generator."""

    def __init__(self, store: ox.Store, seed: int) -> None:
        self.store = store
        self.rng = random.Random(seed)

    def pick(self, where: str) -> tuple[ox.NamedNode, ...] | None:
        """A random solution of ``where``: its variables' values in the order they first appear."""
        names = list(dict.fromkeys(re.findall(r"\?(\w+)", where)))
        query = PREFIXES + f"SELECT {' '.join('?' + n for n in names)} WHERE {{ {where} }}"
        rows = sorted((tuple(row[n] for n in names) for row in self.store.query(query)), key=str)
        return self.rng.choice(rows) if rows else None  # type: ignore[return-value]

    def set(self, subject: ox.NamedNode | ox.BlankNode, predicate: str, value: object) -> None:
        """Replace every value of ``predicate`` on ``subject`` by ``value`` (None: remove them)."""
        for quad in list(self.store.quads_for_pattern(subject, _n(predicate), None, ox.DefaultGraph())):
            self.store.remove(quad)
        if value is not None:
            self.store.add(ox.Quad(subject, _n(predicate), value))  # type: ignore[arg-type]

    def add(self, subject: ox.NamedNode | ox.BlankNode, predicate: str, value: object) -> None:
        self.store.add(ox.Quad(subject, _n(predicate), value))  # type: ignore[arg-type]

    # ---------------------------------------------------------------- the defects

    def drop_label(self) -> str | None:
        found = self.pick("?x a/rdfs:subClassOf* org:Organization ; rdfs:label ?l")
        if found:
            self.set(found[0], str(LABEL.value), None)
            return f"no label on {found[0].value}"
        return None

    def label_as_number(self) -> str | None:
        found = self.pick("?x a akg:Alliance ; rdfs:label ?l")
        if found:
            self.set(found[0], LABEL.value, _typed("42", "integer"))
            return f"numeric label on {found[0].value}"
        return None

    def start_as_string(self) -> str | None:
        found = self.pick("?x oa:start ?s")
        if found:
            self.set(found[0], OA + "start", ox.Literal("12"))
            return f"string offset on {found[0].value}"
        return None

    def negative_start(self) -> str | None:
        found = self.pick("?x oa:start ?s")
        if found:
            self.set(found[0], OA + "start", _typed("-5", "integer"))
            return f"negative offset on {found[0].value}"
        return None

    def start_after_end(self) -> str | None:
        found = self.pick("?x oa:start ?s ; oa:end ?e")
        if found:
            self.set(found[0], OA + "start", _typed(str(int(found[2].value) + 10), "integer"))
            return f"start after end on {found[0].value}"
        return None

    def end_past_document(self) -> str | None:
        found = self.pick("?x oa:end ?e ; dcterms:isPartOf/akg:characterCount ?n")
        if found:
            self.set(found[0], OA + "end", _typed(str(int(found[2].value) + 7), "integer"))
            return f"end past the document on {found[0].value}"
        return None

    def ill_typed_end(self) -> str | None:
        found = self.pick("?x oa:end ?e")
        if found:
            self.set(found[0], OA + "end", _typed("12a", "integer"))
            return f"ill-typed end on {found[0].value}"
        return None

    def unusual_integer(self) -> str | None:
        found = self.pick("?x oa:start ?s")
        if found:
            self.set(found[0], OA + "start", _typed(f"+0{found[1].value}", "integer"))
            return f"start written +0{found[1].value} on {found[0].value} (valid)"
        return None

    def bad_date(self) -> str | None:
        found = self.pick("?x a time:Instant ; time:inXSDDate ?d")
        if found:
            self.set(found[0], TIME + "inXSDDate", _typed("2021-02-30", "date"))
            return f"impossible date on {found[0].value}"
        return None

    def two_precisions(self) -> str | None:
        found = self.pick("?x a time:Instant ; time:inXSDgYear ?y")
        if found:
            self.add(found[0], TIME + "inXSDDate", _typed(f"{found[1].value}-01-01", "date"))
            return f"two precisions on {found[0].value}"
        return None

    def year_as_string(self) -> str | None:
        found = self.pick("?x a time:Instant ; time:inXSDgYear ?y")
        if found:
            self.set(found[0], TIME + "inXSDgYear", ox.Literal(found[1].value))
            return f"year as a string on {found[0].value}"
        return None

    def interval_backwards(self) -> str | None:
        found = self.pick("?x time:hasBeginning ?b . ?b time:inXSDgYear|time:inXSDDate|time:inXSDgYearMonth ?v")
        if found:
            end = ox.NamedNode(found[0].value + "/wrong-end")
            self.add(end, RDF_TYPE.value, _n(TIME + "Instant"))
            self.add(end, LABEL.value, ox.Literal("1900"))
            self.add(end, TIME + "inXSDgYear", _typed("1900", "gYear"))
            self.set(found[0], TIME + "hasEnd", end)
            return f"interval ending in 1900 on {found[0].value}"
        return None

    def member_of_wrong_class(self) -> str | None:
        found = self.pick("?m a org:Membership ; akg:passage ?p")
        if found:
            self.set(found[0], ORG + "member", found[1])
            return f"a passage as member of {found[0].value}"
        return None

    def member_is_organisation(self) -> str | None:
        found = self.pick("?m a org:Membership ; org:organization ?o")
        if found:
            self.set(found[0], ORG + "member", found[1])
            return f"member is the organisation in {found[0].value}"
        return None

    def second_member(self) -> str | None:
        found = self.pick("?m a org:Membership ; org:member ?a")
        other = found and self.pick(f"?x a/rdfs:subClassOf* org:Organization FILTER (?x != <{found[1].value}>)")
        if found and other:
            self.add(found[0], ORG + "member", other[0])
            return f"second member in {found[0].value}"
        return None

    def organisation_as_literal(self) -> str | None:
        found = self.pick("?m a org:Membership ; org:organization ?o")
        if found:
            self.set(found[0], ORG + "organization", ox.Literal("CESAER"))
            return f"organisation as text in {found[0].value}"
        return None

    def role_outside_vocabulary(self) -> str | None:
        found = self.pick("?m a org:Membership")
        role = self.pick("?r skos:inScheme ?s FILTER (?s != <https://w3id.org/alliancekg/id/scheme/role>)")
        if found and role:
            self.set(found[0], ORG + "role", role[0])
            return f"role {role[0].value} in {found[0].value}"
        return None

    def kind_outside_vocabulary(self) -> str | None:
        found = self.pick("?x akg:partnershipKind ?k")
        kind = self.pick("?r skos:inScheme ?s FILTER (?s != <https://w3id.org/alliancekg/id/scheme/partnership-kind>)")
        if found and kind:
            self.set(found[0], AKG + "partnershipKind", kind[0])
            return f"kind {kind[0].value} on {found[0].value}"
        return None

    def drop_passage(self) -> str | None:
        found = self.pick("?x akg:passage ?p ; prov:wasDerivedFrom ?d")
        if found:
            self.set(found[0], AKG + "passage", None)
            return f"no passage on {found[0].value}"
        return None

    def drop_source(self) -> str | None:
        found = self.pick("?x akg:passage ?p ; prov:wasDerivedFrom ?d")
        if found:
            self.set(found[0], "http://www.w3.org/ns/prov#wasDerivedFrom", None)
            return f"no source on {found[0].value}"
        return None

    def foreign_passage(self) -> str | None:
        found = self.pick("?x akg:passage ?p ; prov:wasDerivedFrom ?d")
        other = found and self.pick(f"?q dcterms:isPartOf ?other FILTER (?other != <{found[2].value}>)")
        if found and other:
            self.add(found[0], AKG + "passage", other[0])
            return f"passage of another document on {found[0].value}"
        return None

    def sub_organisation_cycle(self) -> str | None:
        found = self.pick("?unit org:subOrganizationOf ?parent")
        if found:
            self.add(found[1], ORG + "subOrganizationOf", found[0])
            return f"cycle between {found[0].value} and {found[1].value}"
        return None

    def no_country(self) -> str | None:
        found = self.pick("?x a akg:Institution ; akg:country ?c "
                          "FILTER NOT EXISTS { ?x org:subOrganizationOf ?p } FILTER NOT EXISTS { ?x akg:region ?r }")
        if found:
            self.set(found[0], AKG + "country", None)
            return f"no country on {found[0].value}"
        return None

    def lowercase_code(self) -> str | None:
        found = self.pick("?x a akg:Country ; skos:notation ?n")
        if found:
            self.set(found[0], "http://www.w3.org/2004/02/skos/core#notation", ox.Literal(found[1].value.lower()))
            return f"lowercase code on {found[0].value}"
        return None

    def uppercase_digest(self) -> str | None:
        found = self.pick("?x a akg:SourceDocument ; akg:sha256 ?h")
        if found:
            self.set(found[0], AKG + "sha256", ox.Literal(found[1].value.upper()))
            return f"uppercase digest on {found[0].value}"
        return None

    def proportion_above_one(self) -> str | None:
        found = self.pick("?x akg:proportion ?v")
        if found:
            self.set(found[0], AKG + "proportion", _typed("1.25", "decimal"))
            return f"proportion 1.25 on {found[0].value}"
        return None

    def decimal_count(self) -> str | None:
        found = self.pick("?x a akg:Observation ; akg:count ?v")
        if found:
            self.set(found[0], AKG + "count", _typed("2.5", "decimal"))
            return f"decimal count on {found[0].value}"
        return None

    def blank_membership(self) -> str | None:
        found = self.pick("?m a org:Membership ; ?p ?o")
        if found:
            blank = ox.BlankNode()
            for quad in list(self.store.quads_for_pattern(found[0], None, None, ox.DefaultGraph())):
                self.store.add(ox.Quad(blank, quad.predicate, quad.object))
            return f"a blank-node copy of {found[0].value}"
        return None

    KINDS: tuple[Callable[[Injector], str | None], ...] = (
        drop_label, label_as_number, start_as_string, negative_start, start_after_end, end_past_document,
        ill_typed_end, unusual_integer, bad_date, two_precisions, year_as_string, interval_backwards,
        member_of_wrong_class, member_is_organisation, second_member, organisation_as_literal,
        role_outside_vocabulary, kind_outside_vocabulary, drop_passage, drop_source, foreign_passage,
        sub_organisation_cycle, no_country, lowercase_code, uppercase_digest, proportion_above_one, decimal_count,
        blank_membership,
    )


def inject(store: ox.Store, count: int, seed: int, *, blank_nodes: bool = True) -> list[str]:
    """Apply ``count`` defects to ``store``, kinds taken in turn; return what was done."""
    injector = Injector(store, seed)
    kinds = [k for k in Injector.KINDS if blank_nodes or k is not Injector.blank_membership]
    done = []
    for number in range(count):
        line = kinds[number % len(kinds)](injector)
        if line:
            done.append(line)
    return done
