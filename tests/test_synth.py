"""``alliancekg synth``: the escaping it relies on, determinism, a build that passes every check,
the shapes of the generated graph, and the query catalogue on it."""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from alliancekg import Settings, StoreEngine, build, run_query
from alliancekg.build import BuildResult, input_paths
from alliancekg.cli import main
from alliancekg.errors import UsageError
from alliancekg.loading import input_files, load_graph
from alliancekg.passages import read_source
from alliancekg.provenance import verify_sources
from alliancekg.queryfile import catalogue
from alliancekg.synth import SynthResult, default_partnerships, generate
from alliancekg.synth_names import ALLIANCE_KINDS
from alliancekg.synth_turtle import Document, SynthDate, relative_iri, turtle_string

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/alliancekg/id/"
PREFIXES = """PREFIX akg: <https://w3id.org/alliancekg/ontology#> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX time: <http://www.w3.org/2006/time#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> """


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _store(folder: Path) -> ox.Store:
    store = ox.Store()
    for path in sorted((folder / "data").glob("*.ttl")):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def _select(store: ox.Store, query: str) -> list[tuple]:
    return [tuple(None if t is None else t.value for t in row) for row in store.query(PREFIXES + query)]


# ---------------------------------------------------------------- writing primitives


@pytest.mark.parametrize("value", ['plain', 'a "quoted" \\ back\\slash', "lines\nand\r\nreturns\tand tabs",
                                   "controls \x00\x01\x1f\x7f\x08\x0c", "École – 北京 – 𝔘𝔫𝔦 – e\u0301", ""])
def test_turtle_string_round_trips_through_a_parser(value: str) -> None:
    document = f"<urn:s> <urn:p> {turtle_string(value)} .\n".encode()
    [quad] = list(ox.parse(document, format=ox.RdfFormat.TURTLE))
    assert quad.object.value == value


def test_turtle_string_refuses_lone_surrogates() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        turtle_string("bad \ud800 text")


@pytest.mark.parametrize("path", ["org/a b", "org/<x>", "/org/x", 'org/"x"', "org/x{y}", ""])
def test_relative_iri_refuses_unsafe_paths(path: str) -> None:
    with pytest.raises(ValueError):
        relative_iri(path)


def test_passage_offsets_count_code_points() -> None:
    doc = Document("synth-offsets", "Offsets")
    doc.heading("𝔘𝔫𝔦 北京 É")  # astral, CJK and accented characters before the passage
    passage = doc.paragraph("Université de Kalemos (FR) joined Norvena European University in 2019.")
    start, end = (int(x) for x in passage.rsplit("/", 1)[1].split("-"))
    text = doc.text().encode("utf-8").decode("utf-8")
    assert text[start:end] == "Université de Kalemos (FR) joined Norvena European University in 2019."
    assert doc.length == len(text)


def test_dates_are_declared_at_their_precision() -> None:
    doc = Document("synth-dates", "Dates")
    interval = doc.interval(SynthDate(2011, 3), SynthDate(2014))
    assert interval == "<time/2011-03--2014>"
    turtle = doc.turtle("dates")
    assert 'time:inXSDgYearMonth "2011-03"^^xsd:gYearMonth' in turtle
    assert 'time:inXSDgYear "2014"^^xsd:gYear' in turtle
    assert SynthDate(2012, 5, 6).phrase == "on 6 May 2012"


# ---------------------------------------------------------------- determinism and the folder


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", institutions=150, seed=5)
    generate(tmp_path / "b", institutions=150, seed=5)
    generate(tmp_path / "c", institutions=150, seed=6)
    first, again, other = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert len(first) >= 10 and first == again
    assert first.keys() == other.keys() and first != other


def test_layout_and_counted_triples(tmp_path: Path) -> None:
    result = generate(tmp_path / "s", institutions=150, seed=1)
    folder = result.out_dir
    assert sorted(p.name for p in folder.iterdir()) == ["data", "seeds", "synth.json"]
    data = {p.stem for p in (folder / "data").glob("*.ttl")}
    seeds = {p.stem for p in (folder / "seeds").glob("*.txt")}
    assert data == seeds | {"sources"} and len(seeds) == result.counts["sources"]
    assert len(_store(folder)) == result.triples  # the reported count is the distinct triples


def test_refuses_bad_usage_and_leaves_no_half_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError):
        generate(tmp_path / "x", institutions=0)
    with pytest.raises(UsageError):
        generate(tmp_path / "x", institutions=10, partnerships_per_institution=10)  # more partners than others
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        generate(tmp_path / "full", institutions=20)
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"

    from alliancekg import synth

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(synth, "write_registers", broken)
    with pytest.raises(OSError):
        generate(tmp_path / "new", institutions=30)
    with pytest.raises(OSError):
        generate(tmp_path / "full", institutions=30, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]  # no target, no temporary folder
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_cli_summary_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["synth", "--institutions", "40", "-o", str(tmp_path / "s")])
    assert ok.exit_code == 0, ok.output
    assert "triples" in ok.output and "40 institutions" in ok.output
    again = runner.invoke(main, ["synth", "--institutions", "40", "-o", str(tmp_path / "s")])
    assert again.exit_code == 2 and "not empty" in again.output
    assert runner.invoke(main, ["synth", "--institutions", "40", "-o", str(tmp_path / "s"), "--force"]).exit_code == 0
    assert runner.invoke(main, ["synth", "--institutions", "0", "-o", str(tmp_path / "t")]).exit_code == 2
    assert runner.invoke(main, ["synth", "-o", str(tmp_path / "t")]).exit_code == 2


def test_default_partnerships_reach_36_at_large_sizes() -> None:
    assert default_partnerships(10_000) == default_partnerships(100_000) == 36
    assert default_partnerships(1_000) == 28
    assert default_partnerships(2) == 1 and default_partnerships(1) == 0


# ---------------------------------------------------------------- the generated data builds


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate(tmp_path_factory.mktemp("synth") / "small", institutions=60, seed=42)


@pytest.fixture(scope="module")
def small_build(small: SynthResult, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    settings = Settings(root=ROOT, data_dir_override=small.out_dir / "data", seeds_dir_override=small.out_dir / "seeds",
                        dist_dir_override=tmp_path_factory.mktemp("synth-build") / "dist")
    return build(settings)


def test_generated_data_builds_and_passes_every_check(small: SynthResult, small_build: BuildResult) -> None:
    assert small_build.validation.conforms  # SHACL; the quality checks raise if a row comes back
    assert small_build.sources_checked  # every hash, length and passage re-read from seeds/
    ontology = load_graph([p for p in input_files(ROOT / "ontology") if p.name != "shapes.ttl"])
    assert small_build.asserted_triples == small.triples + len(ontology)
    counts = small_build.counts
    assert counts["sources"] == small.counts["sources"]
    assert counts["memberships"] == small.counts["memberships"] > 0
    assert counts["partnerships"] == small.counts["partnerships"] > 0


@pytest.mark.parametrize("data", [".", "data"])
def test_build_finds_the_sources_in_or_beside_the_data_folder(data: str, small: SynthResult, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLIANCEKG_SEEDS", raising=False)
    out = tmp_path / "dist"
    done = CliRunner().invoke(main, ["build", "--data", str(small.out_dir / data), "--out", str(out), "-q"])
    assert done.exit_code == 0, done.output
    assert (out / "store").is_dir()
    checked = CliRunner().invoke(main, ["verify-sources", "--data", str(small.out_dir / data)])
    assert checked.exit_code == 0, checked.output
    elsewhere = CliRunner().invoke(main, ["verify-sources", "--data", str(small.out_dir / data),
                                          "--seeds", str(ROOT / "tests")])
    assert elsewhere.exit_code == 1, elsewhere.output  # --seeds wins: these are not the sources


def test_source_check_catches_a_changed_source(small: SynthResult, tmp_path: Path) -> None:
    settings = Settings(root=ROOT, data_dir_override=small.out_dir / "data")
    graph = load_graph(input_paths(settings))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in (small.out_dir / "seeds").iterdir():
        (seeds / path.name).write_bytes(path.read_bytes())
    assert verify_sources(graph, seeds) == []
    register = seeds / "synth-agreements-0001.txt"
    text = read_source(register)
    register.write_text(text.replace("a", "q"), encoding="utf-8")  # same length, names no longer there
    problems = verify_sources(graph, seeds)
    assert any("SHA-256" in p.message for p in problems)
    assert any("do not mention" in p.message for p in problems)
    assert not any("characters, not" in p.message for p in problems)


def test_facts_not_sentences(small: SynthResult) -> None:
    """As for the reference data: no run of 12 words of a generated source is stored in the data."""
    corpus = " ".join(" ".join(p.read_text(encoding="utf-8") for p in (small.out_dir / "data").glob("*.ttl")).split())
    corpus = corpus.casefold()
    for source in sorted((small.out_dir / "seeds").glob("*.txt")):
        words = read_source(source).split()
        for i in range(max(0, len(words) - 12)):
            assert " ".join(words[i:i + 12]).casefold() not in corpus, f"{source.name}: words {i}-{i + 12} are copied"


def _probes(store: ox.Store) -> dict[str, str]:
    """One generated IRI for each parameter of the catalogue queries."""
    def first(query: str) -> str:
        return _select(store, query)[0][0]

    membership = first("SELECT ?m WHERE { ?m a org:Membership } ORDER BY ?m LIMIT 1")
    passage, source = _select(store, f"SELECT ?p ?s WHERE {{ <{membership}> akg:passage ?p ; prov:wasDerivedFrom ?s }}")[0]
    a, b = _select(store, """SELECT ?a ?b WHERE { ?m1 org:organization ?a ; org:member ?x . ?m2 org:organization ?b ;
        org:member ?x . FILTER (STR(?a) < STR(?b)) } ORDER BY ?a ?b LIMIT 1""")[0]
    return {
        "alliance": first("""SELECT ?a WHERE { ?m org:organization ?a } GROUP BY ?a ORDER BY DESC(COUNT(?m)) ?a LIMIT 1"""),
        "institution": first("""SELECT ?i WHERE { ?m org:member ?i . ?i a ?k . ?k rdfs:subClassOf* akg:Institution }
            GROUP BY ?i ORDER BY DESC(COUNT(?m)) ?i LIMIT 1"""),
        "organisation": first("SELECT ?o WHERE { ?u org:subOrganizationOf ?o } ORDER BY ?o LIMIT 1"),
        "fact": membership, "passage": passage, "source": source, "a": a, "b": b,
        "partnership": first("SELECT ?p WHERE { ?p a akg:Partnership } ORDER BY ?p LIMIT 1"),
        "programme": first("SELECT ?p WHERE { ?p a akg:JointDegreeProgramme } ORDER BY ?p LIMIT 1"),
        "at": "2020-06-30", "from": "2000-01-01", "to": "2025-12-31",
    }


def test_catalogue_queries_run_on_the_built_store(small_build: BuildResult) -> None:
    store = ox.Store.read_only(str(small_build.dist_dir / "store"))
    probes = _probes(store)
    del store
    engine = StoreEngine(small_build.dist_dir / "store")
    queries = [q for q in catalogue(ROOT / "queries", "cq") if q.kind == "select"]
    assert len(queries) >= 25
    answered = {}
    for query in queries:
        params = {name: probes[name] for name, kind in query.params.items() if not kind.endswith("?")}
        answered[query.name] = len(run_query(query, params, engine=engine, timeout=60).rows)
    for name in ("alliance-members", "alliance-countries", "alliance-founding", "institution-alliances",
                 "institution-partnerships", "fact-source", "passage-facts", "programme-partners", "shared-members",
                 "source-facts", "sources-summary", "sub-organisations", "themes", "joint-degrees", "events",
                 "observations", "places", "institutions-in-several-alliances", "membership-changes",
                 "alliance-members-at"):
        assert answered[f"cq/{name}"] > 0, name


# ---------------------------------------------------------------- shapes of a larger graph


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthResult, ox.Store]:
    result = generate(tmp_path_factory.mktemp("synth") / "large", institutions=1000, seed=42)
    return result, _store(result.out_dir)


def test_memberships_are_heavy_tailed_dated_and_role_typed(large: tuple[SynthResult, ox.Store]) -> None:
    result, store = large
    per_institution = Counter(row[0] for row in _select(store, """SELECT ?i WHERE { ?m org:member ?i .
        FILTER STRSTARTS(STR(?i), "https://w3id.org/alliancekg/id/org/") }"""))
    counts = [per_institution.get(f"{ID}org/synth-{i:06d}", 0) for i in range(1, 1001)]
    assert max(counts) >= 5 * max(1, statistics.median(counts))
    sizes = sorted(int(r[0]) for r in _select(store, "SELECT (COUNT(?m) AS ?n) WHERE { ?m org:organization ?a } GROUP BY ?a"))
    assert sizes[-1] >= 4 * statistics.median(sizes)  # alliance sizes: a long tail of large ones
    roles = Counter(r[0].rsplit("/", 1)[1] for r in _select(store, "SELECT ?r WHERE { ?m org:role ?r }"))
    assert {"coordinator", "secretariat-host", "founding-member", "member", "participant"} <= set(roles)
    [(dated,)] = _select(store, "SELECT (COUNT(?m) AS ?n) WHERE { ?m org:memberDuring ?p }")
    assert int(dated) >= 0.9 * result.counts["memberships"]
    [(ended,)] = _select(store, "SELECT (COUNT(?m) AS ?n) WHERE { ?m org:memberDuring/time:hasEnd ?e }")
    assert 0 < int(ended) < 0.2 * result.counts["memberships"]


def test_every_alliance_kind_and_many_countries(large: tuple[SynthResult, ox.Store]) -> None:
    result, store = large
    kinds = {r[0].rsplit("#", 1)[1] for r in _select(store, """SELECT ?k WHERE { ?a a ?k .
        FILTER STRSTARTS(STR(?a), "https://w3id.org/alliancekg/id/alliance/") }""")}
    assert kinds == {k[0] for k in ALLIANCE_KINDS}
    assert result.counts["alliances"] == 50
    countries = _select(store, "SELECT DISTINCT ?c WHERE { ?i akg:country ?c }")
    assert len(countries) >= 15
    [(units,)] = _select(store, "SELECT (COUNT(?u) AS ?n) WHERE { ?u org:subOrganizationOf|org:unitOf ?o }")
    assert int(units) >= 150


def test_partners_per_institution_near_the_requested_rate(large: tuple[SynthResult, ox.Store]) -> None:
    result, store = large
    partners = Counter(r[0] for r in _select(store, "SELECT ?o WHERE { ?p akg:partner ?o ; akg:partnershipKind ?k }"))
    counts = [partners.get(f"{ID}org/synth-{i:06d}", 0) for i in range(1, 1001)]
    assert abs(statistics.mean(counts) - result.partnerships_per_institution) < 0.05
    assert result.partnerships_per_institution == 28
    assert max(counts) >= 3 * statistics.median(counts)


def test_programmes_have_three_to_eight_partners(large: tuple[SynthResult, ox.Store]) -> None:
    _, store = large
    sizes = [int(r[0]) for r in _select(store, """SELECT (COUNT(?x) AS ?n) WHERE { ?x akg:programme ?p }
        GROUP BY ?p""")]
    assert len(sizes) == 100 and min(sizes) == 3 and max(sizes) == 8


def test_every_fact_and_named_resource_cites_its_source(large: tuple[SynthResult, ox.Store]) -> None:
    result, store = large
    unsourced = _select(store, """SELECT ?x WHERE { ?x a ?type .
        FILTER (STRSTARTS(STR(?x), "https://w3id.org/alliancekg/id/"))
        FILTER (?type NOT IN (akg:SourceDocument, akg:SourcePassage, time:Instant, time:Interval))
        FILTER NOT EXISTS { ?x prov:wasDerivedFrom ?s ; akg:passage ?p } } LIMIT 5""")
    assert unsourced == []
    [(facts,)] = _select(store, "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x akg:passage ?p }")
    assert int(facts) == sum(n for kind, n in result.counts.items() if kind not in ("sources", "passages")) > 15_000


def test_every_class_property_and_concept_used_is_defined(large: tuple[SynthResult, ox.Store]) -> None:
    """What the data links to but does not declare (classes, roles, kinds, countries, statuses...)
    is declared in ontology/, so rarely drawn terms are checked too, not only those a small build meets."""
    _, store = large
    ontology = ox.Store()
    for path in input_files(ROOT / "ontology"):
        if path.name != "shapes.ttl":
            ontology.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    declared = {q.subject.value for q in ontology} | {q.subject.value for q in store}
    linked = {r[0] for r in _select(store, "SELECT DISTINCT ?o WHERE { ?s ?p ?o . FILTER isIRI(?o) }")}
    assert len(linked) > 1000 and linked <= declared, sorted(linked - declared)[:5]
    properties = {r[0] for r in _select(store, """SELECT DISTINCT ?p WHERE { ?s ?p ?o .
        FILTER STRSTARTS(STR(?p), "https://w3id.org/alliancekg/ontology#") }""")}
    assert properties <= declared, sorted(properties - declared)


def test_identifiers_are_synthetic(large: tuple[SynthResult, ox.Store]) -> None:
    _, store = large
    minted = _select(store, """SELECT DISTINCT ?x WHERE { ?x ?p ?o . FILTER (STRSTARTS(STR(?x), "https://w3id.org/alliancekg/id/")
        && !STRSTARTS(STR(?x), "https://w3id.org/alliancekg/id/time/") && !CONTAINS(STR(?x), "/synth-")) } LIMIT 5""")
    assert minted == []
    registries = _select(store, """SELECT ?o WHERE { ?s ?p ?o . FILTER (isIRI(?o) && ?p != rdf:type
        && !STRSTARTS(STR(?o), "https://w3id.org/alliancekg/")) } LIMIT 5""")
    assert registries == []  # no ROR, Wikidata, ISNI or other outside identifier
