"""The query gate and parameter binding keep every engine read-only, local and bounded.

A recorder on 127.0.0.1 proves that no refused query sends a request anywhere: the same SERVICE
query given to pyoxigraph directly does reach it, so the recorder would notice a leak.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest
import rdflib

from alliancekg import MemoryEngine, QueryError, RemoteEngine, Settings, StoreEngine, run_query
from alliancekg.gate import gate
from alliancekg.namespaces import DATA_GRAPH
from alliancekg.publish import publish

LABELS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


class Recorder(ThreadingHTTPServer):
    """An HTTP server that answers nothing useful and remembers every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append(self.path)
                self.send_response(500)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def local_engines(built) -> dict[str, object]:
    return {"store": StoreEngine(built.dist_dir / "store"),
            "memory": MemoryEngine.from_files([built.dist_dir / "alliancekg.nt"])}


@pytest.fixture(scope="module")
def engines(built, local_engines, oxigraph_session) -> dict[str, object]:
    """The local engines and a live Oxigraph server holding the published dataset."""
    publish(Settings(root=built.dist_dir.parent, dist_dir_override=built.dist_dir),
            endpoint=oxigraph_session.store_url)
    return {**local_engines, "remote": RemoteEngine(oxigraph_session.query_url, graphs=[DATA_GRAPH])}


def refused_queries(url: str) -> dict[str, str]:
    return {
        "service": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "service-silent-in-exists": f"ASK {{ FILTER EXISTS {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }}",
        "service-in-subquery": f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        "service-escaped": f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        "service-in-construct": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "load": f"LOAD <{url}>",
        "insert": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "delete-where": "DELETE WHERE { ?s ?p ?o }",
        "drop": "DROP ALL",
        "from-file": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "from-web": f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "from-named": f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    }


def test_the_recorder_sees_a_service_call_made_without_the_gate(recorder: Recorder) -> None:
    with pytest.raises(OSError):
        list(ox.Store().query(refused_queries(recorder.url)["service"]))
    assert recorder.requests


@pytest.mark.parametrize("case", sorted(refused_queries("http://x/")))
@pytest.mark.parametrize("engine_name", ["store", "memory"])
def test_refused_before_evaluation_on_local_engines(case: str, engine_name: str, local_engines, recorder: Recorder) -> None:
    with pytest.raises(QueryError, match="refused"):
        run_query(refused_queries(recorder.url)[case], engine=local_engines[engine_name])
    assert recorder.requests == []


@pytest.mark.parametrize("case", sorted(refused_queries("http://x/")))
def test_refused_before_any_request_to_an_endpoint(case: str, scripted_endpoint, recorder: Recorder) -> None:
    engine = RemoteEngine(scripted_endpoint.url, graphs=[DATA_GRAPH])
    with pytest.raises(QueryError, match="refused"):
        run_query(refused_queries(recorder.url)[case], engine=engine)
    assert scripted_endpoint.requests == [] and recorder.requests == []


def test_gate_reads_the_parse_not_the_text() -> None:
    # The word SERVICE in a string or a comment is not a SERVICE call.
    assert gate('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" } # SERVICE <http://x/>').kind == "select"


def test_from_a_graph_of_the_store_is_allowed() -> None:
    assert gate("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }", store_graphs={"urn:g"}).from_graphs == ("urn:g",)


def test_syntax_errors_name_line_and_column() -> None:
    with pytest.raises(QueryError, match=r"syntax error at line 2, column \d+"):
        gate("SELECT ?s WHERE {\n  ?s ?p }")


def test_oversized_queries_are_refused() -> None:
    with pytest.raises(QueryError, match="limit"):
        gate("SELECT * WHERE { ?s ?p ?o }" + " " * 200_000)


INJECTION = """#+ summary: Things with a given English name
#+ params: name (string)
#+ columns: name, thing
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?name ?thing WHERE { ?thing rdfs:label ?label FILTER (STR(?label) = ?name) }"""

IRI_PARAM = """#+ summary: What a resource is
#+ params: thing (iri)
#+ columns: thing, type
SELECT ?thing ?type WHERE { ?thing a ?type }"""


@pytest.mark.parametrize("engine_name", ["store", "memory", "remote"])
def test_string_injection_matches_nothing(engine_name: str, engines) -> None:
    engine = engines[engine_name]
    assert len(run_query(INJECTION, {"name": "Aarhus University"}, engine=engine)) == 1
    assert len(run_query(INJECTION, {"name": 'x" || true || "'}, engine=engine)) == 0
    assert len(run_query(INJECTION, {"name": "x') || true || ('"}, engine=engine)) == 0


@pytest.mark.parametrize("value", ["urn:a> ?p ?o } #", "id:org/x> . ?s ?p ?o", "not an iri", "<urn:a>"])
@pytest.mark.parametrize("engine_name", ["store", "memory", "remote"])
def test_iri_injection_is_a_clear_error(value: str, engine_name: str, engines) -> None:
    with pytest.raises(QueryError, match="parameter 'thing' expects an absolute IRI"):
        run_query(IRI_PARAM, {"thing": value}, engine=engines[engine_name])


@pytest.mark.parametrize("engine_name", ["store", "memory", "remote"])
def test_a_bound_iri_answers_on_every_engine(engine_name: str, engines) -> None:
    result = run_query(IRI_PARAM, {"thing": "id:org/ipgp"}, engine=engines[engine_name])
    assert "https://w3id.org/alliancekg/ontology#ResearchInstitute" in {row.type for row in result.rows}


@pytest.mark.parametrize("engine_name", ["store", "memory"])
def test_a_slow_query_is_really_stopped(engine_name: str, local_engines) -> None:
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    with pytest.raises(QueryError, match="stopped after the 1 s timeout"):
        run_query(endless, engine=local_engines[engine_name], timeout=1)
    assert time.monotonic() - started < 5
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("engine_name", ["store", "memory"])
def test_a_greedy_query_is_stopped_at_its_memory_allowance(engine_name: str, built) -> None:
    greedy = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f"
    engine = (StoreEngine(built.dist_dir / "store", memory=256 << 20) if engine_name == "store" else
              MemoryEngine(rdflib.Graph().parse(built.dist_dir / "alliancekg.nt"), memory=64 << 20))
    with pytest.raises(QueryError, match="memory allowance"):
        run_query(greedy, engine=engine, timeout=60)


def test_rows_are_typed_and_named(local_engines) -> None:
    text = LABELS + """PREFIX akg: <https://w3id.org/alliancekg/ontology#>
    SELECT ?entity ?count WHERE { ?o akg:observedEntity ?entity ; akg:count ?count } ORDER BY ?count ?entity"""
    result = run_query(text, engine=local_engines["store"])
    assert result.columns == ("entity", "count")
    assert all(isinstance(row.count, int) and isinstance(row.entity, str) for row in result.rows)
    assert result.rows == run_query(text, engine=local_engines["memory"]).rows


def test_limit_says_when_rows_were_left_out(local_engines) -> None:
    text = "SELECT ?s WHERE { ?s a ?t }"
    result = run_query(text, engine=local_engines["store"], limit=5)
    assert len(result) == 5 and result.truncated
    everything = run_query(text, engine=local_engines["store"])
    assert not everything.truncated and len(everything) > 5


def test_dataframe(local_engines) -> None:
    pytest.importorskip("pandas")
    frame = run_query("SELECT ?s ?t WHERE { ?s a ?t } LIMIT 3", engine=local_engines["memory"]).to_dataframe()
    assert list(frame.columns) == ["s", "t"] and len(frame) == 3


def test_memory_engine_never_reads_files_named_in_from(tmp_path) -> None:
    secret = tmp_path / "secret.nt"
    secret.write_text("<urn:secret> <urn:p> <urn:o> .\n")
    engine = MemoryEngine(rdflib.Dataset())
    with pytest.raises(QueryError, match="refused: FROM"):
        run_query(f"SELECT * FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}", engine=engine)


def _store_with_graph(path, graph: str) -> None:
    store = ox.Store(str(path))
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"), ox.NamedNode(graph)))
    store.flush()
    del store


def test_from_follows_the_graphs_of_a_rebuilt_store(tmp_path) -> None:
    path = tmp_path / "store"
    _store_with_graph(path, "urn:g1")
    engine = StoreEngine(path)
    assert len(run_query("SELECT ?s FROM <urn:g1> WHERE { ?s ?p ?o }", engine=engine)) == 1
    fresh = tmp_path / "fresh"
    _store_with_graph(fresh, "urn:g2")
    path.rename(tmp_path / "old")
    fresh.rename(path)
    assert len(run_query("SELECT ?s FROM <urn:g2> WHERE { ?s ?p ?o }", engine=engine)) == 1
    with pytest.raises(QueryError, match="refused: FROM <urn:g1>"):
        run_query("SELECT ?s FROM <urn:g1> WHERE { ?s ?p ?o }", engine=engine)
