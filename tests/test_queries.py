"""Every catalogue query runs against the built data and gives its expected answer.

Expected answers live in ``tests/expected/<folder>/<name>.json``: a list of cases, each with
``params`` and either ``rows`` (SELECT; compared in order when the query has ORDER BY) or
``triples`` (CONSTRUCT: the number of triples). Quality checks must return no rows. Adding a
``.rq`` file without its expected answer fails :func:`test_every_query_has_expected_results`.
SELECT queries run on both pyoxigraph (the embedded store) and rdflib (the N-Triples dump).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from alliancekg.loading import to_rdflib
from alliancekg.params import bind_params
from alliancekg.queryfile import QueryFile, catalogue
from alliancekg.sparql import term_text

ROOT = Path(__file__).resolve().parents[1]
QUERIES = catalogue(ROOT / "queries")
EXPECTED = Path(__file__).parent / "expected"
CHECKED = [q for q in QUERIES if q.kind in ("select", "construct") and not q.name.startswith("inference/")]


def expected_path(query: QueryFile) -> Path:
    return EXPECTED / f"{query.name}.json"


def test_catalogue_is_found() -> None:
    assert len(QUERIES) >= 15
    assert len([q for q in QUERIES if q.name.startswith("cq/")]) >= 6


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


@pytest.fixture(scope="module")
def store(built) -> ox.Store:
    return ox.Store.read_only(str(built.dist_dir / "store"))


@pytest.fixture(scope="module")
def rdflib_graph(built) -> Graph:
    return Graph().parse(built.dist_dir / "alliancekg.nt", format="nt")


def _store_rows(store: ox.Store, query: QueryFile, params: dict[str, str]) -> list[dict[str, str]]:
    terms = bind_params(query.params, params)
    solutions = store.query(query.text, substitutions={ox.Variable(k): v for k, v in terms.items()})
    names = [v.value for v in solutions.variables]
    return [{n: term_text(row[n]) for n in names} for row in solutions]


def _rdflib_rows(graph: Graph, query: QueryFile, params: dict[str, str]) -> list[dict[str, str]]:
    terms = bind_params(query.params, params)
    result = graph.query(query.text, initBindings={k: to_rdflib(v) for k, v in terms.items()})
    names = [str(v) for v in result.vars]
    return [{n: ("" if row[i] is None else str(row[i])) for i, n in enumerate(names)} for row in result]


def _compare(query: QueryFile, actual: list[dict[str, str]], expected: list[list[str]]) -> None:
    columns = list(query.columns)
    got = [[row.get(c, "") for c in columns] for row in actual]
    if "ORDER BY" in query.text:
        assert got == expected
    else:
        assert Counter(map(tuple, got)) == Counter(map(tuple, expected))


@pytest.mark.parametrize("query", [q for q in CHECKED if q.kind == "select"], ids=lambda q: q.name)
def test_select_query_answers(query: QueryFile, store: ox.Store, rdflib_graph: Graph) -> None:
    cases = _cases(query)
    assert cases
    for case in cases:
        _compare(query, _store_rows(store, query, case["params"]), case["rows"])
        _compare(query, _rdflib_rows(rdflib_graph, query, case["params"]), case["rows"])


@pytest.mark.parametrize("query", [q for q in CHECKED if q.kind == "construct"], ids=lambda q: q.name)
def test_construct_query_answers(query: QueryFile, store: ox.Store) -> None:
    for case in _cases(query):
        assert len(list(store.query(query.text))) == case["triples"]


@pytest.mark.parametrize("query", [q for q in QUERIES if q.kind == "violation"], ids=lambda q: q.name)
def test_quality_check_finds_nothing_in_the_data(query: QueryFile, store: ox.Store) -> None:
    assert _store_rows(store, query, {}) == []
