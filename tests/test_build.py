"""``alliancekg build``: outputs, determinism, and bad input that leaves dist/ untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from alliancekg import CheckFailed, LoadError, Settings, build
from alliancekg.cli import main
from alliancekg.outputs import DISTRIBUTIONS

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_FILES = {
    "alliancekg.ttl", "alliancekg.nt", "alliancekg.jsonld", "alliancekg.rdf", "context.jsonld", "validation-report.ttl",
    "validation-report.txt", "void.ttl", "store", "ties",
}


def test_build_writes_every_output(built) -> None:
    assert set(built.files) == EXPECTED_FILES
    assert built.validation.conforms
    assert built.counts["sources"] == 5


def test_dumps_hold_the_same_graph(built) -> None:
    dist = built.dist_dir
    nt = Graph().parse(dist / "alliancekg.nt", format="nt")
    assert isomorphic(nt, Graph().parse(dist / "alliancekg.ttl", format="turtle"))
    assert isomorphic(nt, Graph().parse(dist / "alliancekg.jsonld", format="json-ld"))
    assert isomorphic(nt, Graph().parse(dist / "alliancekg.rdf", format="xml"))
    store = ox.Store.read_only(str(dist / "store"))
    assert len(store) == len(nt) == built.counts["triples"]


def test_inference_adds_inverse_links_and_superclasses(built) -> None:
    store = ox.Store.read_only(str(built.dist_dir / "store"))
    ask = lambda q: store.query(q)
    assert ask("""PREFIX org: <http://www.w3.org/ns/org#> ASK {
        ?m a org:Membership ; org:member ?x ; org:organization ?a . ?a org:hasMember ?x . ?x org:memberOf ?a }""")
    assert ask("""PREFIX org: <http://www.w3.org/ns/org#> ASK {
        ?x org:subOrganizationOf ?y . ?y org:hasSubOrganization ?x }""")
    assert ask("""PREFIX org: <http://www.w3.org/ns/org#> PREFIX akg: <https://w3id.org/alliancekg/ontology#>
        ASK { ?u a akg:University, akg:Institution, org:FormalOrganization, org:Organization }""")


def test_void_describes_the_dumps(built) -> None:
    void = Graph().parse(built.dist_dir / "void.ttl")
    rows = list(void.query("""PREFIX void: <http://rdfs.org/ns/void#> PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?triples (COUNT(?d) AS ?n) WHERE { ?ds void:triples ?triples ; dcat:distribution ?d } GROUP BY ?triples"""))
    assert [(int(r[0]), int(r[1])) for r in rows] == [(built.counts["triples"], len(DISTRIBUTIONS))]


def test_void_describes_the_tie_tables_as_a_derived_dataset(built) -> None:
    void = Graph().parse(built.dist_dir / "void.ttl")
    rows = void.query("""PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?url ?size ?type WHERE {
          ?tables prov:wasDerivedFrom <https://w3id.org/alliancekg/id/dataset/alliancekg> ;
                  dcat:distribution [ dcat:downloadURL ?url ; dcat:byteSize ?size ; dcat:mediaType ?type ] }""")
    found = {str(url).removeprefix("https://w3id.org/alliancekg/dist/"): (int(size), str(kind)) for url, size, kind in rows}
    csv = "https://www.iana.org/assignments/media-types/text/csv"
    assert found == {f"ties/{name}": ((built.dist_dir / "ties" / name).stat().st_size, csv)
                     for name in ("ties.csv", "organisations.csv", "hubs.csv")}


def test_jsonld_context_is_the_prefix_table(built) -> None:
    context = json.loads((built.dist_dir / "context.jsonld").read_text())["@context"]
    assert context["org"] == "http://www.w3.org/ns/org#"


def test_rebuild_is_byte_identical(built, tmp_path: Path) -> None:
    again = build(Settings(root=ROOT, dist_dir_override=tmp_path / "dist"))
    for name in EXPECTED_FILES - {"store", "ties"}:
        assert (again.dist_dir / name).read_bytes() == (built.dist_dir / name).read_bytes(), name
    tables = sorted(p.name for p in (built.dist_dir / "ties").iterdir())
    assert tables == sorted(p.name for p in (again.dist_dir / "ties").iterdir()) and len(tables) == 3
    for name in tables:
        assert (again.dist_dir / "ties" / name).read_bytes() == (built.dist_dir / "ties" / name).read_bytes(), name


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(ROOT / "data", copy)
    return copy


def _previous_dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "marker.txt").write_text("previous build")
    return dist


def test_syntax_error_names_file_and_line_and_keeps_dist(data_copy: Path, tmp_path: Path) -> None:
    dist = _previous_dist(tmp_path)
    bad = data_copy / "broken.ttl"
    bad.write_text('@base <https://w3id.org/alliancekg/id/> .\n<org/x> <urn:p> "unclosed .\n')
    with pytest.raises(LoadError, match=r"broken\.ttl:2: Turtle syntax error"):
        build(Settings(root=ROOT, data_dir_override=data_copy, dist_dir_override=dist))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "dist"]
    assert [p.name for p in dist.iterdir()] == ["marker.txt"]


def test_shape_violation_exits_1_with_one_line_per_violation(data_copy: Path, tmp_path: Path) -> None:
    dist = _previous_dist(tmp_path)
    (data_copy / "bad-membership.ttl").write_text(
        "@base <https://w3id.org/alliancekg/id/> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<membership/bad> a org:Membership ; rdfs:label \"bad membership\" ;\n"
        "    org:member <alliance/circle-u> ; org:organization <alliance/circle-u> ; org:role <role/member> .\n")
    result = CliRunner().invoke(main, ["build", "--data", str(data_copy), "--out", str(dist)])
    assert result.exit_code == 1, result.output
    assert "bad membership" in result.output and "MembershipShape" in result.output
    assert "SourcedShape" in result.output
    assert [p.name for p in dist.iterdir()] == ["marker.txt"]
    with pytest.raises(CheckFailed):
        build(Settings(root=ROOT, data_dir_override=data_copy, dist_dir_override=dist))


def test_cli_load_error_exits_2(data_copy: Path, tmp_path: Path) -> None:
    (data_copy / "broken.ttl").write_text("<urn:a> <urn:b> .\n")
    result = CliRunner().invoke(main, ["build", "--data", str(data_copy), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 2
    assert "broken.ttl:1" in result.output
    assert not (tmp_path / "dist").exists()


def test_cli_build_prints_the_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    for word in ("institutions", "alliances", "memberships", "programmes", "chairs", "sources", "Validation", "Next:"):
        assert word in result.output
