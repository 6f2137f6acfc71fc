"""The remote SPARQL client against a real Oxigraph server and a scripted HTTP endpoint."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import OxigraphServer, Reply, ScriptedEndpoint, free_port, select_json

from alliancekg.answers import normalise
from alliancekg.errors import EndpointError, LoadError, PartialResult, QueryError, UsageError
from alliancekg.remote import Endpoint, PublishResult, put_graph

G = "https://example.org/graph/alliances"
P = "https://example.org/member"
THREE = "".join(f"<https://example.org/a{i}> <{P}> <https://example.org/u{i}> .\n" for i in range(3)).encode()
ONE = f"<https://example.org/a9> <{P}> <https://example.org/u9> .\n".encode()
SELECT = f"SELECT ?a ?u WHERE {{ ?a <{P}> ?u }} ORDER BY ?a"
CONSTRUCT = f"CONSTRUCT {{ ?a <{P}> ?u }} WHERE {{ ?a <{P}> ?u }}"


def fast(url: str, **options: object) -> Endpoint:
    """An endpoint with test-sized waits."""
    settings: dict[str, object] = {"timeout": 5.0, "retries": 3, "backoff": 0.01}
    settings.update(options)
    return Endpoint(url, **settings)  # type: ignore[arg-type]


def rows(answer: bytes) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(answer)["results"]["bindings"]]


# --- a real Oxigraph server ------------------------------------------------------------------


def test_put_graph_then_select_and_construct(oxigraph_server: OxigraphServer, tmp_path: Path) -> None:
    source = tmp_path / "three.nt"
    source.write_bytes(THREE)
    published = put_graph(oxigraph_server.store_url, source, graph=G)
    assert isinstance(published, PublishResult)
    assert (published.graph, published.bytes_sent) == (G, len(THREE))
    assert published.status in (200, 201, 204)

    in_graph = fast(oxigraph_server.query_url, default_graphs=[G])
    assert [r["u"] for r in rows(in_graph.query(SELECT, kind="select"))] == [
        f"https://example.org/u{i}" for i in range(3)
    ]
    assert json.loads(in_graph.query(f"ASK {{ ?a <{P}> ?u }}", kind="ask"))["boolean"] is True
    graph = in_graph.query(CONSTRUCT, kind="construct")
    assert set(ox.parse(graph, format=ox.RdfFormat.N_TRIPLES)) == set(ox.parse(THREE, format=ox.RdfFormat.N_TRIPLES))

    # Without default-graph-uri the store's (empty) default graph is queried.
    assert rows(fast(oxigraph_server.query_url).query(SELECT, kind="select")) == []
    named = fast(oxigraph_server.query_url, named_graphs=[G])
    assert rows(named.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?a <{P}> ?u }} }}", kind="select")) == [{"g": G}]


def test_second_put_replaces_the_graph(oxigraph_server: OxigraphServer) -> None:
    put_graph(oxigraph_server.store_url, THREE, graph=G)
    again = put_graph(oxigraph_server.store_url, ONE, graph=G)
    assert again.status in (200, 204)  # 201 would mean the graph was created anew
    answer = fast(oxigraph_server.query_url, default_graphs=[G]).query(SELECT, kind="select")
    assert rows(answer) == [{"a": "https://example.org/a9", "u": "https://example.org/u9"}]


def test_put_default_graph(oxigraph_server: OxigraphServer) -> None:
    put_graph(oxigraph_server.store_url, ONE, graph=None)
    assert len(rows(fast(oxigraph_server.query_url).query(SELECT, kind="select"))) == 1


def test_bad_data_and_bad_query_messages_pass_through(oxigraph_server: OxigraphServer) -> None:
    with pytest.raises(EndpointError, match=r"PUT refused: HTTP 400: .*") as put_error:
        put_graph(oxigraph_server.store_url, b"<https://example.org/s> <broken", graph=G)
    assert put_error.value.status == 400
    with pytest.raises(EndpointError, match=r"/query: HTTP 400: .+") as query_error:
        fast(oxigraph_server.query_url).query("SELECT ?x WHERE { ?x ", kind="select")
    assert query_error.value.status == 400
    assert "Traceback" not in str(query_error.value)


def test_missing_file_is_a_load_error(oxigraph_server: OxigraphServer, tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="absent.nt"):
        put_graph(oxigraph_server.store_url, tmp_path / "absent.nt", graph=G)


# --- what is sent ----------------------------------------------------------------------------


def test_query_text_and_graphs_are_sent_unchanged(scripted_endpoint: ScriptedEndpoint) -> None:
    text = "# a comment\nPREFIX ex: <https://example.org/>\nSELECT ?x WHERE { ?x ex:p 'é' }"
    scripted_endpoint.script(Reply(body=select_json(1)))
    fast(scripted_endpoint.url, default_graphs=["urn:d1", "urn:d2"], named_graphs=["urn:n"]).query(text, kind="select")
    (request,) = scripted_endpoint.requests
    assert request.method == "GET"
    assert request.params == {"query": [text], "default-graph-uri": ["urn:d1", "urn:d2"], "named-graph-uri": ["urn:n"]}
    assert request.headers["accept"].startswith("application/sparql-results+json")


def test_long_query_goes_by_post(scripted_endpoint: ScriptedEndpoint) -> None:
    text = "SELECT ?x WHERE { ?x ?p ?o } # " + "x" * 5000
    scripted_endpoint.script(Reply(body=select_json(1)))
    fast(scripted_endpoint.url).query(text, kind="select")
    (request,) = scripted_endpoint.requests
    assert request.method == "POST"
    assert request.params == {"query": [text]}


def test_graph_answers_ask_for_n_triples(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(Reply(body=ONE, content_type="application/n-triples"))
    assert fast(scripted_endpoint.url).query(CONSTRUCT, kind="construct") == ONE
    assert scripted_endpoint.requests[0].headers["accept"].startswith("application/n-triples")


def test_update_text_is_refused_before_sending(scripted_endpoint: ScriptedEndpoint) -> None:
    with pytest.raises(UsageError, match="update"):
        fast(scripted_endpoint.url).query("INSERT DATA { <urn:a> <urn:b> <urn:c> }", kind="select")
    with pytest.raises(UsageError, match="kind"):
        fast(scripted_endpoint.url).query(SELECT, kind="table")
    assert scripted_endpoint.requests == []


# --- retries ---------------------------------------------------------------------------------


def test_retries_429_then_answers(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(Reply(429, b"slow down", headers={"Retry-After": "0"}), Reply(body=select_json(2)))
    assert len(rows(fast(scripted_endpoint.url).query(SELECT, kind="select"))) == 2
    assert len(scripted_endpoint.requests) == 2


def test_retries_503_with_backoff_and_retry_after(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(
        Reply(503), Reply(503, headers={"Retry-After": "0.2"}), Reply(body=select_json(1)), then=Reply(500)
    )
    start = time.monotonic()
    assert len(rows(fast(scripted_endpoint.url, backoff=0.05).query(SELECT, kind="select"))) == 1
    assert time.monotonic() - start >= 0.05 + 0.2
    assert len(scripted_endpoint.requests) == 3
    assert len({r.params["query"][0] for r in scripted_endpoint.requests}) == 1


def test_fails_after_retries(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(then=Reply(503, b"Service busy, try later", content_type="text/plain"))
    with pytest.raises(EndpointError, match=r"HTTP 503 after 3 attempts: Service busy, try later") as error:
        fast(scripted_endpoint.url, retries=2).query(SELECT, kind="select")
    assert error.value.status == 503
    assert len(scripted_endpoint.requests) == 3


def test_no_retry_on_other_errors(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(then=Reply(500, b"Virtuoso 37000 Error SP030: SPARQL compiler", content_type="text/plain"))
    with pytest.raises(EndpointError, match=r"HTTP 500: Virtuoso 37000 Error SP030"):
        fast(scripted_endpoint.url).query(SELECT, kind="select")
    assert len(scripted_endpoint.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 414, 418, 502])
def test_http_errors_carry_status_and_message(scripted_endpoint: ScriptedEndpoint, status: int) -> None:
    message = f"status {status}: " + "explanation " * 60
    scripted_endpoint.script(then=Reply(status, message.encode(), content_type="text/plain"))
    with pytest.raises(EndpointError, match=rf"/sparql: HTTP {status}: status {status}: explanation") as error:
        fast(scripted_endpoint.url).query(SELECT, kind="select")
    assert error.value.status == status
    assert len(str(error.value)) < 400


# --- partial answers -------------------------------------------------------------------------


def test_http_206_is_partial(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(Reply(206, select_json(3)))
    with pytest.raises(PartialResult, match="206.*LIMIT/OFFSET"):
        fast(scripted_endpoint.url).query(SELECT, kind="select")


def test_virtuoso_sql_state_is_partial(scripted_endpoint: ScriptedEndpoint) -> None:
    headers = {"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results, query interrupted"}
    scripted_endpoint.script(Reply(200, select_json(5), headers=headers))
    with pytest.raises(PartialResult, match="S1TAT.*incomplete.*ResultSetMaxRows"):
        fast(scripted_endpoint.url).query(SELECT, kind="select")


@pytest.mark.parametrize(
    ("body", "kind", "content_type"),
    [
        (select_json(3)[:-20], "select", "application/sparql-results+json"),
        (select_json(3) + b" trailing", "select", "application/sparql-results+json"),
        (THREE[:-5], "construct", "application/n-triples"),
        (
            b"<?xml version='1.0'?><sparql xmlns='http://www.w3.org/2005/sparql-results#'><head>",
            "select",
            "application/sparql-results+xml",
        ),
    ],
    ids=["json-cut", "json-trailing", "ntriples-cut", "xml-cut"],
)
def test_truncated_body_is_partial(
    scripted_endpoint: ScriptedEndpoint, body: bytes, kind: str, content_type: str
) -> None:
    scripted_endpoint.script(Reply(body=body, content_type=content_type))
    with pytest.raises(PartialResult, match="does not parse"):
        fast(scripted_endpoint.url).query(CONSTRUCT if kind == "construct" else SELECT, kind=kind)


def test_body_shorter_than_announced_is_partial(scripted_endpoint: ScriptedEndpoint) -> None:
    # The cut falls on a line end, so the N-Triples still parse: only the length gives it away.
    scripted_endpoint.script(Reply(body=THREE[: THREE.index(b"\n") + 1], content_length=len(THREE)))
    with pytest.raises(PartialResult, match=rf"after \d+ of {len(THREE)} announced bytes"):
        fast(scripted_endpoint.url).query(CONSTRUCT, kind="construct")


def test_exact_row_cap_is_partial(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(Reply(body=select_json(10)), Reply(body=select_json(9)))
    capped = fast(scripted_endpoint.url, row_cap=10)
    with pytest.raises(PartialResult, match="10 rows, exactly the server's row cap"):
        capped.query(SELECT, kind="select")
    assert len(rows(capped.query(SELECT, kind="select"))) == 9


def test_partial_results_are_query_errors() -> None:
    assert issubclass(PartialResult, QueryError) and issubclass(EndpointError, QueryError)


# --- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "until-close"])
def test_byte_cap(scripted_endpoint: ScriptedEndpoint, announced: bool) -> None:
    big = select_json(5000)
    scripted_endpoint.script(Reply(body=big, content_length=None if announced else -1))
    with pytest.raises(EndpointError, match="larger than max_bytes=100000"):
        fast(scripted_endpoint.url, max_bytes=100_000).query(SELECT, kind="select")
    scripted_endpoint.script(Reply(body=big, content_length=None if announced else -1))
    assert len(rows(fast(scripted_endpoint.url, max_bytes=len(big)).query(SELECT, kind="select"))) == 5000


def test_deadline_on_a_slow_body(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(Reply(body=select_json(50), chunk=20, chunk_delay=0.1))
    start = time.monotonic()
    with pytest.raises(EndpointError, match=r"not complete within the 0.5 s deadline"):
        fast(scripted_endpoint.url).query(SELECT, kind="select", deadline=0.5)
    assert time.monotonic() - start < 1.5


def test_read_timeout_on_a_silent_server(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(Reply(body=select_json(1), delay=2.0))
    start = time.monotonic()
    with pytest.raises(EndpointError, match=r"/sparql: no answer within 0.3 s \(timed out\)"):
        fast(scripted_endpoint.url, timeout=0.3).query(SELECT, kind="select")
    assert time.monotonic() - start < 1.5


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(EndpointError, match=r"127\.0\.0\.1:\d+/sparql: cannot connect \(connection refused\)"):
        fast(url).query(SELECT, kind="select")
    with pytest.raises(EndpointError, match=r"PUT failed: cannot connect \(connection refused\)"):
        put_graph(url, ONE, graph=G, timeout=2)


def test_put_graph_errors_and_request(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(
        Reply(204, content_type=None), then=Reply(403, b"read-only store", content_type="text/plain")
    )
    result = put_graph(scripted_endpoint.url, ONE, graph=G, content_type="text/turtle", timeout=2)
    (request,) = scripted_endpoint.requests
    assert (request.method, request.params, request.body) == ("PUT", {"graph": [G]}, ONE)
    assert request.headers["content-type"] == "text/turtle"
    assert (result.status, result.bytes_sent) == (204, len(ONE))
    with pytest.raises(EndpointError, match="PUT refused: HTTP 403: read-only store"):
        put_graph(scripted_endpoint.url, ONE, graph=None, timeout=2)
    assert scripted_endpoint.requests[-1].query == {"default": [""]}


# --- formats ---------------------------------------------------------------------------------


def test_other_formats_are_converted(scripted_endpoint: ScriptedEndpoint) -> None:
    xml = (
        b"<?xml version='1.0'?><sparql xmlns='http://www.w3.org/2005/sparql-results#'><head><variable name='x'/>"
        b"</head><results><result><binding name='x'><uri>https://example.org/x</uri></binding></result></results></sparql>"
    )
    turtle = b"@prefix ex: <https://example.org/> . ex:a ex:member ex:u ."
    scripted_endpoint.script(
        Reply(body=xml, content_type="application/sparql-results+xml; charset=utf-8"),
        Reply(body=turtle, content_type="text/turtle"),
    )
    assert rows(fast(scripted_endpoint.url).query(SELECT, kind="select")) == [{"x": "https://example.org/x"}]
    graph = fast(scripted_endpoint.url).query(CONSTRUCT, kind="construct")
    assert graph == f"<https://example.org/a> <{P}> <https://example.org/u> .\n".encode()


def test_unexpected_answers_are_errors(scripted_endpoint: ScriptedEndpoint) -> None:
    scripted_endpoint.script(
        Reply(body=b"<html>login</html>", content_type="text/html"), Reply(body=b'{"head":{},"boolean":true}')
    )
    with pytest.raises(EndpointError, match="unexpected content type 'text/html'"):
        fast(scripted_endpoint.url).query(SELECT, kind="select")
    with pytest.raises(EndpointError, match="SELECT query was answered with a boolean"):
        fast(scripted_endpoint.url).query(SELECT, kind="select")


def test_normalise_keeps_a_complete_answer() -> None:
    assert normalise(select_json(2), kind="select") == select_json(2)
    assert normalise(ONE, kind="describe", content_type="text/plain") == ONE
