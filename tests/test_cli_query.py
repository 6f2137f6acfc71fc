"""`alliancekg queries`, `alliancekg query` and `alliancekg publish` from the command line."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from alliancekg.cli import main
from alliancekg.queryfile import catalogue

MEMBERS = ["cq/alliance-members", "-p", "alliance=id:alliance/circle-u"]


@pytest.fixture(scope="module")
def run(built):
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), env={"ALLIANCEKG_DIST": str(built.dist_dir)})

    return invoke


def test_queries_lists_the_catalogue(run, settings) -> None:
    result = run("queries")
    assert result.exit_code == 0
    names = [q.name for q in catalogue(settings.queries_dir)]
    assert len(names) >= 25
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == names


def test_query_writes_csv_when_not_on_a_terminal(run) -> None:
    result = run("query", *MEMBERS)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "alliance,member,memberLabel,role,start,end"
    assert len(lines) == 1 + 9
    assert "9 rows" in result.stderr


def test_table_format_shortens_iris(run) -> None:
    result = run("query", *MEMBERS, "--format", "table")
    assert result.exit_code == 0
    assert "┃ member" in result.stdout and "id:org/" in result.stdout and "https://" not in result.stdout


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_result_formats_read_back(run, fmt: str) -> None:
    result = run("query", *MEMBERS, "--format", fmt)
    assert result.exit_code == 0
    if fmt == "csv":  # lossy by design: read as plain CSV
        rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    else:
        rows = list(ox.parse_query_results(result.stdout_bytes, format=ox.QueryResultsFormat.from_extension(fmt)))
    assert len(rows) == 9


@pytest.mark.parametrize("fmt,rdf", [("turtle", "ttl"), ("ntriples", "nt"), ("jsonld", "jsonld")])
def test_graph_formats_read_back(run, fmt: str, rdf: str) -> None:
    result = run("query", "reports/void-statistics", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert len(list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.from_extension(rdf)))) > 10


def test_output_file_takes_its_format_from_the_suffix(run, tmp_path) -> None:
    target = tmp_path / "members.json"
    assert run("query", *MEMBERS, "-o", str(target)).exit_code == 0
    assert len(list(ox.parse_query_results(target.read_bytes(), format=ox.QueryResultsFormat.JSON))) == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["members.json"]


def test_at_binds_the_date(run) -> None:
    before = run("query", "cq/alliance-members-at", "-p", "alliance=id:alliance/cesaer", "--at", "2021-12-31")
    after = run("query", "cq/alliance-members-at", "-p", "alliance=id:alliance/cesaer", "--at", "2022-01-01")
    assert before.exit_code == after.exit_code == 0
    assert len(before.stdout.splitlines()) == 1
    assert "ip-paris" in after.stdout


def test_limit(run) -> None:
    result = run("query", *MEMBERS, "--limit", "2")
    assert len(result.stdout.splitlines()) == 3
    assert "more rows exist" in result.stderr


@pytest.mark.parametrize("args,message", [
    (["aliance-members"], "did you mean cq/alliance-members"),
    (["cq/alliance-members"], "missing parameter 'alliance': expects an absolute IRI"),
    ([*MEMBERS, "-p", "colour=red"], "unknown parameter 'colour'"),
    ([*MEMBERS, "--at", "2021-06-01"], "takes no 'at' parameter"),
    (["cq/alliance-members-at", "-p", "alliance=id:alliance/cesaer", "--at", "1st June"],
     "parameter 'at' expects a date"),
    ([*MEMBERS, "--format", "turtle"], "use table, csv, tsv, json or xml"),
    (["missing.rq"], "no such query file"),
])
def test_usage_errors_exit_2_with_a_clear_message(run, args: list[str], message: str) -> None:
    result = run("query", *args)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


@pytest.mark.parametrize("text,message", [
    ("#+ summary: broken\nSELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER (?s = }\n", "syntax error at line 4"),
    ("#+ summary: reaches out\nSELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }\n", "refused: SERVICE"),
])
def test_query_file_that_cannot_run(run, tmp_path, text: str, message: str) -> None:
    path = tmp_path / "query.rq"
    path.write_text(text)
    result = run("query", str(path))
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize("engine", ["store", "memory"])
def test_local_engines_agree(run, engine: str) -> None:
    assert run("query", *MEMBERS, "--engine", engine).stdout == run("query", *MEMBERS).stdout


def test_publish_then_query_the_endpoint(run, oxigraph_server) -> None:
    published = run("publish", "--endpoint", oxigraph_server.store_url)
    assert published.exit_code == 0, published.output
    assert "Published" in published.stdout
    remote = run("query", *MEMBERS, "--endpoint", oxigraph_server.query_url)
    assert remote.exit_code == 0, remote.output
    assert remote.stdout == run("query", *MEMBERS).stdout
    # Publishing again replaces the graph instead of adding to it.
    count = ["reports/summary", "--endpoint", oxigraph_server.query_url]
    first = run("query", *count).stdout
    assert run("publish", "--endpoint", oxigraph_server.store_url).exit_code == 0
    assert run("query", *count).stdout == first == run("query", "reports/summary").stdout


def test_unreachable_endpoint_is_a_clear_error(run) -> None:
    result = run("query", *MEMBERS, "--endpoint", "http://127.0.0.1:9/sparql", "--timeout", "2")
    assert result.exit_code == 2
    assert "127.0.0.1:9" in result.stderr
