"""Every catalogue query runs against the built data and gives its expected answer.

Expected answers live in ``tests/expected/<folder>/<name>.json``: a list of cases, each with
``params`` and either ``rows`` (SELECT; compared in order when the query has ORDER BY) or
``triples`` (CONSTRUCT: the number of triples). Quality checks must return no rows. Adding a
``.rq`` file without its expected answer fails :func:`test_every_query_has_expected_results`.
Every query runs on the three engines: the embedded pyoxigraph store, rdflib in memory over the
N-Triples dump, and a real Oxigraph server the dataset was published to; all must give the same
expected answer.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from alliancekg import MemoryEngine, RemoteEngine, Settings, StoreEngine, run_query
from alliancekg.engines import Engine
from alliancekg.namespaces import DATA_GRAPH
from alliancekg.params import to_term
from alliancekg.publish import publish
from alliancekg.queryfile import QueryFile, catalogue

ROOT = Path(__file__).resolve().parents[1]
QUERIES = catalogue(ROOT / "queries")
EXPECTED = Path(__file__).parent / "expected"
CHECKED = [q for q in QUERIES if q.kind in ("select", "construct") and not q.name.startswith("inference/")]


def expected_path(query: QueryFile) -> Path:
    return EXPECTED / f"{query.name}.json"


def test_catalogue_is_found() -> None:
    assert len(QUERIES) >= 40
    assert len([q for q in QUERIES if q.name.startswith("cq/")]) >= 25
    assert len([q for q in QUERIES if q.name.startswith("network/")]) >= 5


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_every_query_has_a_header(query: QueryFile) -> None:
    assert query.text.startswith("#+ summary:")
    assert query.summary and query.kind
    if query.kind == "select":
        assert query.columns, "a SELECT query lists its columns"
        assert set(query.params) <= set(query.columns), "parameters are projected so every engine can bind them"


@pytest.mark.parametrize("query", CHECKED, ids=lambda q: q.name)
def test_every_query_has_expected_results(query: QueryFile) -> None:
    assert expected_path(query).is_file(), f"add {expected_path(query).relative_to(ROOT)}"


def _cases(query: QueryFile) -> list[dict]:
    return json.loads(expected_path(query).read_text(encoding="utf-8"))


@pytest.mark.parametrize("query", [q for q in CHECKED if any(not t.endswith("?") for t in q.params.values())],
                         ids=lambda q: q.name)
def test_a_query_with_parameters_names_a_tested_example(query: QueryFile) -> None:
    """The ``#+ example:`` values (the query UI opens the query with them) are a case of the
    expected answers that the data answers, so the example shown is one the tests run."""
    required = {name for name, kind in query.params.items() if not kind.endswith("?")}
    assert required <= set(query.example), "add a '#+ example: name=value, ...' header line"
    wanted = {name: to_term(value, query.params[name].rstrip("?")) for name, value in query.example.items()}
    cases = [c for c in _cases(query) if c["params"].keys() == wanted.keys()
             and all(to_term(str(v), query.params[n].rstrip("?")) == wanted[n] for n, v in c["params"].items())]
    assert cases, "the example is not one of the expected cases"
    assert cases[0].get("rows") or cases[0].get("triples"), "the example's case has an answer"


@pytest.mark.parametrize("query", [q for q in CHECKED if q.name.startswith(("cq/", "network/"))], ids=lambda q: q.name)
def test_every_question_is_answered_by_the_data(query: QueryFile) -> None:
    assert any(case.get("rows") for case in _cases(query)), "give a case the reference data answers"


ENGINES = ["store", "memory", "remote"]


@pytest.fixture(scope="module")
def engines(built, oxigraph_session) -> Iterator[dict[str, Engine]]:
    publish(Settings(root=ROOT, dist_dir_override=built.dist_dir), endpoint=oxigraph_session.store_url)
    yield {"store": StoreEngine(built.dist_dir / "store"),
           "memory": MemoryEngine.from_files([built.dist_dir / "alliancekg.nt"]),
           "remote": RemoteEngine(oxigraph_session.query_url, graphs=[DATA_GRAPH], timeout=30)}


def _compare(query: QueryFile, actual: list[list[str]], expected: list[list[str]]) -> None:
    if "ORDER BY" in query.text:
        assert actual == expected
    else:
        assert Counter(map(tuple, actual)) == Counter(map(tuple, expected))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query", [q for q in CHECKED if q.kind == "select"], ids=lambda q: q.name)
def test_select_query_answers(query: QueryFile, engine: str, engines: dict[str, Engine]) -> None:
    cases = _cases(query)
    assert cases
    for case in cases:
        result = run_query(query, case["params"], engine=engines[engine])
        assert result.columns == query.columns
        _compare(query, result.text_rows(), case["rows"])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query", [q for q in CHECKED if q.kind == "construct"], ids=lambda q: q.name)
def test_construct_query_answers(query: QueryFile, engine: str, engines: dict[str, Engine]) -> None:
    for case in _cases(query):
        assert len(run_query(query, case["params"], engine=engines[engine])) == case["triples"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query", [q for q in QUERIES if q.kind == "violation"], ids=lambda q: q.name)
def test_quality_check_finds_nothing_in_the_data(query: QueryFile, engine: str, engines: dict[str, Engine]) -> None:
    assert len(run_query(query, engine=engines[engine])) == 0
