"""Ties, projections, snapshots and exports: a small hand-made tie set whose graphs are known, the
reference data's projection cross-checked against the RDF itself, and the command line."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDF

from alliancekg.cli import main
from alliancekg.errors import LoadError, UsageError
from alliancekg.namespaces import AKG
from alliancekg.network import analyse, snapshots, write_analysis
from alliancekg.projection import country_projection, hub_projection, one_mode, two_mode
from alliancekg.settings import Settings
from alliancekg.ties import TIE_TABLES, TIES_DIR, Affiliation, Layer, Organisation, TieSet, fetch_ties

M, P, S = Layer.MEMBERSHIP, Layer.PROGRAMME, Layer.SUB_ORGANISATION
NASTY = '=HYPERLINK("x")</label>&<script>\x01\x1b'


@pytest.fixture()
def ties() -> TieSet:
    """a, b, c in alliance X (from 2010); b, c in Y (2015-2018); c, d in programme Q (undated); e is a unit of a."""
    records = [
        Affiliation(M, "urn:a", "urn:X", "member", "2010", "", "urn:s1"),
        Affiliation(M, "urn:b", "urn:X", "member", "2010", "", "urn:s1"),
        Affiliation(M, "urn:c", "urn:X", "founding member", "2010", "", "urn:s1"),
        Affiliation(M, "urn:b", "urn:Y", "member", "2015", "2018", "urn:s2"),
        Affiliation(M, "urn:c", "urn:Y", "member", "2015", "2018", "urn:s2"),
        Affiliation(P, "urn:c", "urn:Q", "partner", source="urn:s3"),
        Affiliation(P, "urn:d", "urn:Q", "partner", source="urn:s3"),
        Affiliation(S, "urn:e", "urn:a", "sub-organisation", source="urn:s1"),
    ]
    organisations = {
        "urn:a": Organisation("urn:a", NASTY, ("university",), country="FR"),
        "urn:b": Organisation("urn:b", "-B", ("university",), country="FR"),
        "urn:c": Organisation("urn:c", "C", ("school",), country="DE"),
        "urn:d": Organisation("urn:d", "D", ("company",)),
        "urn:X": Organisation("urn:X", "Alliance X", ("alliance",), "alliance"),
    }
    return TieSet(tuple(records), organisations, {"urn:Y": "Network Y", "urn:Q": "Programme Q"})


def test_one_mode_counts_and_normalisations(ties: TieSet) -> None:
    graph = one_mode(ties)
    assert sorted(graph) == ["urn:a", "urn:b", "urn:c", "urn:d", "urn:e"]
    bc = graph.edges["urn:b", "urn:c"]
    assert (bc["shared"], bc["via"], bc["layers"], bc["membership"]) == (2, ("urn:X", "urn:Y"), ("membership",), 2)
    assert bc["overlap"] == 1.0 and bc["jaccard"] == pytest.approx(2 / 3)  # b: {X, Y}; c: {X, Y, Q}
    assert bc["sources"] == ("urn:s1", "urn:s2") and (bc["start"], bc["end"]) == ("2010", "")
    assert graph.edges["urn:a", "urn:e"]["layers"] == ("sub-organisation",)  # a unit is tied to its parent only
    assert not graph.has_edge("urn:b", "urn:e")
    assert graph.edges["urn:c", "urn:d"]["via"] == ("urn:Q",)
    assert graph.nodes["urn:c"]["alliances"] == 2 and graph.nodes["urn:d"]["alliances"] == 0
    jaccard = one_mode(ties, weighting="jaccard")
    assert jaccard.edges["urn:b", "urn:c"]["weight"] == pytest.approx(2 / 3)


def test_other_projections(ties: TieSet) -> None:
    two = two_mode(ties)
    assert {n for n, side in two.nodes(data="bipartite") if side == 1} == {"urn:X", "urn:Y"}
    assert two.edges["urn:c", "urn:X"]["roles"] == ("founding member",)
    alliances = hub_projection(ties)
    assert list(alliances.edges(data="via")) == [("urn:X", "urn:Y", ("urn:b", "urn:c"))]
    assert alliances.nodes["urn:X"]["members"] == 3
    countries = country_projection(one_mode(ties, layers=[M]))
    assert list(countries.edges(data="ties")) == [("DE", "FR", 2)]  # a-c and b-c
    assert countries.nodes["FR"]["internal_ties"] == 1 and countries.graph["unplaced"] == 0


def test_snapshots_follow_the_periods(ties: TieSet) -> None:
    per_year = snapshots(ties, per_year=True, layers=[M])
    assert [a.snapshot for a in per_year] == [str(y) for y in range(2010, 2019)]
    edges = {a.snapshot: a.graph.edges["urn:b", "urn:c"]["shared"] for a in per_year}
    assert edges["2014"] == 1 and edges["2015"] == 2 and edges["2018"] == 2
    assert analyse(ties, at="2009").summary["edges"] == 2  # only the undated programme and unit ties
    assert analyse(ties, at="2009", undated=False).summary["edges"] == 0
    with pytest.raises(UsageError, match="no tie of these layers has a date"):
        snapshots(ties, per_year=True, layers=[P])
    with pytest.raises(UsageError, match="not a date"):
        analyse(ties, at="2020-02-30T")


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_exports_are_safe_and_readable(ties: TieSet, tmp_path: Path) -> None:
    analysis = analyse(ties)
    written = write_analysis(analysis, tmp_path, picture=False, html=False)
    assert {p.name for p in written} == {"nodes.csv", "edges.csv", "metrics.csv", "dictionary.csv", "summary.json",
                                         "network.graphml", "network.gexf", "network.json", "metrics.ttl"}
    nodes = {row["Id"]: row for row in read_csv(tmp_path / "nodes.csv")}
    assert nodes["urn:a"]["Label"].startswith("'=HYPERLINK") and nodes["urn:b"]["Label"] == "'-B"
    edges = read_csv(tmp_path / "edges.csv")
    assert list(edges[0])[:5] == ["Source", "Target", "Type", "Id", "Weight"] and edges[0]["Type"] == "Undirected"
    assert float(nodes["urn:a"]["betweenness"]) >= 0  # numbers stay numbers
    dictionary = {(r["file"], r["column"]) for r in read_csv(tmp_path / "dictionary.csv")}
    for name in ("nodes.csv", "edges.csv", "metrics.csv"):
        header = next(csv.reader(io.StringIO((tmp_path / name).read_text(encoding="utf-8"))))
        assert {(name, column) for column in header} <= dictionary, name
    for name in ("network.graphml", "network.gexf"):
        ET.parse(tmp_path / name)  # well-formed whatever the labels hold
    back = nx.read_graphml(tmp_path / "network.graphml")
    assert back.nodes["urn:a"]["label"] == '=HYPERLINK("x")</label>&<script>'
    assert nx.read_gexf(tmp_path / "network.gexf").number_of_edges() == analysis.graph.number_of_edges()
    linked = nx.node_link_graph(json.loads((tmp_path / "network.json").read_text()), edges="edges")
    assert linked.edges["urn:b", "urn:c"]["via"] == ["urn:X", "urn:Y"]
    rdf = Graph().parse(tmp_path / "metrics.ttl")
    records = set(rdf.subjects(RDF.type, AKG.NodeMetrics))
    assert len(records) == 5 and {rdf.value(r, AKG.node) for r in records} == {URIRef(f"urn:{n}") for n in "abcde"}
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["projection"] == "institution" and summary["nodes"] == 5


def test_exports_are_reproducible(ties: TieSet, tmp_path: Path) -> None:
    html = (Path(__file__).resolve().parents[1] / "node_modules" / "cytoscape").is_dir()
    first = write_analysis(analyse(ties), tmp_path / "one", html=html)
    second = write_analysis(analyse(ties), tmp_path / "two", html=html)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_reference_projection_matches_the_rdf(built) -> None:
    """Co-membership counted straight from the dump's org:Membership triples, without SPARQL."""
    dump = Graph().parse(built.dist_dir / "alliancekg.nt", format="nt")
    members: dict[str, set[str]] = {}
    for membership in dump.subjects(RDF.type, ORG.Membership):
        members.setdefault(str(dump.value(membership, ORG.organization)), set()).add(str(dump.value(membership, ORG.member)))
    expected: dict[tuple[str, str], int] = {}
    for group in members.values():
        for a in group:
            for b in group:
                if a < b:
                    expected[(a, b)] = expected.get((a, b), 0) + 1
    from alliancekg.query import open_engine

    settings = Settings(root=Path(__file__).resolve().parents[1], dist_dir_override=built.dist_dir)
    ties = fetch_ties([M], engine=open_engine("store", settings=settings), settings=settings)
    graph = one_mode(ties)
    assert {(a, b) if a < b else (b, a): s for a, b, s in graph.edges(data="shared")} == expected
    assert set(graph) == set().union(*members.values())
    assert len(expected) > 50


def test_network_command(built, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"ALLIANCEKG_DIST": str(built.dist_dir)}
    result = runner.invoke(main, ["network", "-o", str(tmp_path / "all"), "--no-html", "--no-picture"], env=env)
    assert result.exit_code == 0, result.output
    assert "Wrote 9 files" in result.output
    nodes = read_csv(tmp_path / "all" / "nodes.csv")
    ipgp = next(row for row in nodes if row["Id"].endswith("/org/ipgp"))
    assert ipgp["Label"] == "Institut de physique du globe de Paris" and ipgp["country"] == "FR"
    result = runner.invoke(main, ["network", "-o", str(tmp_path / "years"), "--per-year", "--dated-only",
                                  "--layers", "membership", "--no-html", "--no-picture"], env=env)
    assert result.exit_code == 0, result.output
    evolution = read_csv(tmp_path / "years" / "evolution.csv")
    assert evolution[0]["snapshot"] == "2012" and (tmp_path / "years" / "2012" / "edges.csv").is_file()
    result = runner.invoke(main, ["network", "-o", str(tmp_path / "bad"), "--layers", "friends"], env=env)
    assert result.exit_code == 2 and "unknown layer 'friends'" in result.output
    assert not (tmp_path / "bad").exists()
    result = runner.invoke(main, ["network", "-o", str(tmp_path / "csv"), "--formats", "csv", "--no-html"], env=env)
    assert result.exit_code == 0 and "Wrote 6 files" in result.output, result.output
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "dictionary.csv", "edges.csv", "metrics.csv", "network.png", "nodes.csv", "summary.json"]
    result = runner.invoke(main, ["network", "-o", str(tmp_path / "bad"), "--formats", "csv,xlsx"], env=env)
    assert result.exit_code == 2 and "unknown export format 'xlsx'" in result.output
    assert not (tmp_path / "bad").exists()


def _store_settings(dist: Path) -> Settings:
    return Settings(root=Path(__file__).resolve().parents[1], dist_dir_override=dist)


def test_tie_tables_hold_the_answers_of_the_store(built) -> None:
    """The build's tie tables give the ties the queries give on the built store and on rdflib."""
    settings = _store_settings(built.dist_dir)
    tables = built.dist_dir / TIES_DIR
    assert TIES_DIR in built.files
    assert sorted(p.name for p in tables.iterdir()) == sorted(TIE_TABLES)
    with (tables / "ties.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    ipgp = [r for r in rows if r["organisation"].endswith("/org/ipgp") and r["layer"] == "membership"]
    assert ipgp and all(r["hub"].startswith("https://w3id.org/alliancekg/id/") and r["source"] for r in ipgp)
    from_tables = fetch_ties(settings=settings, tables=tables)
    assert from_tables == fetch_ties(settings=settings, engine="store") == fetch_ties(settings=settings, engine="memory")
    assert from_tables.layers() == (M, Layer.PARTNERSHIP, P, Layer.CHAIR_LAB, S)
    assert fetch_ties([P], settings=settings, tables=tables) == fetch_ties([P], settings=settings, engine="store")


@pytest.mark.parametrize("text", [
    "a,b\r\n,\r\nc,d",  # no quote: split at commas
    'a,b\r\n"c,d",e\r\n"f\r\ng",""\r\n',  # quoted: the csv module
    "a,b\nc,d\n",  # line feeds alone
    "a,b\rc,d\r",  # carriage returns alone: the csv module
    "",
])
def test_tie_table_rows_are_the_csv_modules(text: str) -> None:
    """Whichever way a tie table is parsed, its rows are the csv module's."""
    from alliancekg.ties import _csv_rows

    assert _csv_rows(text)[0] == list(csv.reader(io.StringIO(text, newline="")))


def test_reference_tie_tables_parse_as_the_csv_module_reads_them(built) -> None:
    """The reference's tables (labels with commas and quotes among them) read as the csv module reads them."""
    from alliancekg.ties import _csv_rows

    for name in TIE_TABLES:
        text = (built.dist_dir / TIES_DIR / name).read_bytes().decode("utf-8")
        assert _csv_rows(text)[0] == list(csv.reader(io.StringIO(text, newline=""))), name


def test_tie_tables_of_synthetic_data(settings, tmp_path: Path) -> None:
    """Hundreds of ties with every kind of period, role and kind: the same from the tables as
    from the queries on the built store."""
    from dataclasses import replace

    from alliancekg import build
    from alliancekg.synth import generate

    generate(tmp_path / "synth", institutions=80, seed=5)
    result = build(replace(settings, data_dir_override=tmp_path / "synth" / "data", dist_dir_override=tmp_path / "dist",
                           seeds_dir_override=tmp_path / "synth" / "seeds"))
    store_settings = replace(settings, dist_dir_override=result.dist_dir)
    from_tables = fetch_ties(settings=store_settings, tables=result.dist_dir / TIES_DIR)
    assert from_tables == fetch_ties(settings=store_settings, engine="store")
    assert len(from_tables.affiliations) > 300 and from_tables.layers() == tuple(Layer)


def test_damaged_tie_tables_are_named(built, tmp_path: Path) -> None:
    import shutil

    dist = tmp_path / "dist"
    shutil.copytree(built.dist_dir, dist)
    hubs = dist / TIES_DIR / "hubs.csv"
    hubs.write_text("hub,name\nurn:x,X\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"hubs.csv:1: the columns are \['hub', 'name'\], not \['hub', 'label'\]"):
        fetch_ties(settings=_store_settings(dist), tables=dist / TIES_DIR)
    runner = CliRunner()
    result = runner.invoke(main, ["network", "-o", str(tmp_path / "out"), "--no-html", "--no-picture"],
                           env={"ALLIANCEKG_DIST": str(dist)})
    assert result.exit_code == 2 and "hubs.csv" in result.output and "rebuild" in result.output
    assert not (tmp_path / "out").exists()
    hubs.write_text("hub,label\nurn:x,X,Y\n", encoding="utf-8")
    with pytest.raises(LoadError, match="hubs.csv:2: 3 values where the table has 2 columns"):
        fetch_ties(settings=_store_settings(dist), tables=dist / TIES_DIR)
    hubs.write_text('hub,label\r\nurn:x,"X\r\nthe second line"\r\nurn:y\r\n', encoding="utf-8", newline="")
    with pytest.raises(LoadError, match="hubs.csv:4: 1 values where the table has 2 columns"):
        fetch_ties(settings=_store_settings(dist), tables=dist / TIES_DIR)
    ties = dist / TIES_DIR / "ties.csv"
    kept = ties.read_text(encoding="utf-8")
    ties.write_text(kept.replace("membership,", "friendship,", 1), encoding="utf-8")
    with pytest.raises(LoadError, match=r"ties.csv:\d+: unknown layer 'friendship'"):
        fetch_ties(settings=_store_settings(dist), tables=dist / TIES_DIR)
    ties.write_text(kept, encoding="utf-8")
    hubs.unlink()
    with pytest.raises(LoadError, match="hubs.csv: cannot read the tie table"):
        fetch_ties(settings=_store_settings(dist), tables=dist / TIES_DIR)
    result = runner.invoke(main, ["network", "-o", str(tmp_path / "out"), "--no-html", "--no-picture", "--requery"],
                           env={"ALLIANCEKG_DIST": str(dist)})
    assert result.exit_code == 0, result.output


def test_build_can_store_the_metrics(settings, tmp_path: Path) -> None:
    from dataclasses import replace

    import pyoxigraph as ox

    from alliancekg import build
    from alliancekg.network_rdf import METRICS_GRAPH

    result = build(replace(settings, dist_dir_override=tmp_path / "dist"), check_sources=False, with_metrics=True)
    assert "metrics.ttl" in result.files
    store = ox.Store.read_only(str(result.dist_dir / "store"))
    answer = store.query(f"ASK {{ GRAPH <{METRICS_GRAPH}> {{ ?m <{AKG.betweenness}> ?b }} }}")
    assert bool(answer)
    dump = (result.dist_dir / "alliancekg.nt").read_text(encoding="utf-8")
    assert "/id/network-analysis/" not in dump  # the dumps keep the data alone


def test_network_from_an_endpoint_equals_the_store(built, oxigraph_server, tmp_path: Path) -> None:
    """The same analysis from a real Oxigraph server the data was published to: identical files."""
    from alliancekg.publish import publish

    publish(Settings(root=Path(__file__).resolve().parents[1], dist_dir_override=built.dist_dir),
            endpoint=oxigraph_server.store_url)
    runner = CliRunner()
    env = {"ALLIANCEKG_DIST": str(built.dist_dir)}
    common = ["--no-html", "--no-picture", "--at", "2022"]
    local = runner.invoke(main, ["network", "-o", str(tmp_path / "store"), *common], env=env)
    requeried = runner.invoke(main, ["network", "-o", str(tmp_path / "requery"), *common, "--requery"], env=env)
    remote = runner.invoke(main, ["network", "-o", str(tmp_path / "remote"), *common,
                                  "--endpoint", oxigraph_server.query_url], env=env)
    assert local.exit_code == 0 and requeried.exit_code == 0 and remote.exit_code == 0, remote.output
    for name in ("nodes.csv", "edges.csv", "summary.json", "network.graphml", "metrics.ttl"):
        assert (tmp_path / "store" / name).read_bytes() == (tmp_path / "remote" / name).read_bytes(), name
        assert (tmp_path / "store" / name).read_bytes() == (tmp_path / "requery" / name).read_bytes(), name


def _projections(ties: TieSet) -> list:
    odd = TieSet(ties.affiliations, {**ties.organisations, "urn:d": Organisation("urn:d", 'D\tx\ny\rz "q" é', ("company",))},
                 {**ties.hubs, "urn:Q": '=Programme, "Q"\n\r\t<&>'})
    special = analyse(ties)  # an attribute GEXF makes the element's own: networkx's writers take over
    for _, _, attrs in special.graph.edges(data=True):
        attrs["label"] = "a tie"
    return [analyse(ties), analyse(odd), analyse(ties, projection="two-mode"), analyse(ties, projection="alliance"),
            analyse(ties, projection="country"), analyse(ties, layers=[P]), special, analyse(TieSet(()))]


def test_streamed_exports_are_the_bytes_networkx_writes(ties: TieSet) -> None:
    """GraphML, GEXF, node-link JSON, edges.csv and metrics.ttl are streamed; on every projection, odd labels (quotes, tab,
    newline, carriage return, markup) and an empty graph they are byte for byte what networkx's
    writers give for the flattened graph and the node-link document."""
    from alliancekg.network_exports import (
        _edge_columns,
        csv_table,
        edges_csv,
        flat_graph,
        gexf,
        node_link,
        write_graphml,
    )
    from alliancekg.network_formats import write_graphml_and_gexf, write_node_link
    from alliancekg.network_rdf import metrics_turtle, turtle

    for analysis in _projections(ties):
        flat = flat_graph(analysis)
        expected = io.BytesIO()
        write_graphml(flat, expected)
        graphml, gexf_file, linked, lines = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.BytesIO()
        write_graphml_and_gexf(analysis, graphml, gexf_file, edges_csv=lines)
        write_node_link(analysis, linked)
        assert graphml.getvalue() == expected.getvalue(), analysis.name
        assert gexf_file.getvalue() == gexf(flat), analysis.name
        assert linked.getvalue() == node_link(analysis), analysis.name
        columns = _edge_columns(analysis.graph)
        rows = ([a, b, "Undirected", f"e{i}", attrs.get("weight", 1.0), *(attrs.get(c) for c in columns)]
                for i, (a, b, attrs) in enumerate(sorted(analysis.graph.edges(data=True))))
        assert edges_csv(analysis) == csv_table(["Source", "Target", "Type", "Id", "Weight", *columns], rows)
        assert lines.getvalue() == edges_csv(analysis), analysis.name
        assert metrics_turtle(analysis) == turtle(analysis), analysis.name
    back = nx.read_gexf(io.BytesIO(gexf_file.getvalue()))
    assert back.number_of_nodes() == 0


def test_parallel_writing_gives_the_same_files(ties: TieSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large graphs have GraphML, GEXF and edges.csv written by a forked process: same files; a failure
    there is raised in the caller."""
    from alliancekg import network_exports

    analysis = analyse(ties)
    sequential = write_analysis(analysis, tmp_path / "one", picture=False, html=False)
    monkeypatch.setattr(network_exports, "PARALLEL_EDGES", 1)
    parallel = write_analysis(analysis, tmp_path / "two", picture=False, html=False)
    assert [p.name for p in parallel] == [p.name for p in sequential]
    for one, two in zip(sequential, parallel, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name

    def broken(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(network_exports, "_write_largest", broken)
    with pytest.raises(OSError, match="edges.csv, network.graphml, network.gexf into"):
        write_analysis(analysis, tmp_path / "three", picture=False, html=False)
    assert (tmp_path / "three" / "metrics.ttl").is_file() and not (tmp_path / "three" / "edges.csv").exists()


@pytest.mark.parametrize("forked", [False, True])
def test_chosen_formats_are_written_alone_with_the_same_bytes(ties: TieSet, tmp_path: Path, forked: bool,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from alliancekg import network_exports

    analysis = analyse(ties)
    every = {p.name: p.read_bytes() for p in write_analysis(analysis, tmp_path / "all", picture=False, html=False)}
    if forked:
        monkeypatch.setattr(network_exports, "PARALLEL_EDGES", 1)
    for formats, names in ((["csv"], {"nodes.csv", "edges.csv", "metrics.csv", "dictionary.csv"}),
                           (["graphml"], {"network.graphml"}), (["gexf", "rdf"], {"network.gexf", "metrics.ttl"}),
                           (["json"], {"network.json"}), (["rdf"], {"metrics.ttl"})):
        folder = tmp_path / "-".join(formats)
        written = write_analysis(analysis, folder, picture=False, html=False, formats=formats)
        assert {p.name for p in written} == {p.name for p in folder.iterdir()} == names | {"summary.json"}
        for path in written:
            assert path.read_bytes() == every[path.name], path.name
