"""The pool of long-lived query workers behind ``alliancekg serve``: the same answers as the
one-shot worker, a worker past its deadline killed and replaced, failures that keep the worker,
and a rebuilt store picked up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancekg.engines import Dataset, StoreEngine
from alliancekg.errors import QueryError, QueryTimeout
from alliancekg.worker_pool import StorePool

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _store(path: Path, values: range, graph: str | None = None) -> Path:
    store = ox.Store(str(path))
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    store.extend(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:value"), ox.Literal(i), target) for i in values)
    store.flush()
    del store
    return path


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return _store(tmp_path / "store", range(60))


@pytest.mark.parametrize(("query", "kind"), [
    ("SELECT ?s ?o WHERE { ?s <urn:value> ?o } ORDER BY ?o", "select"),
    ("ASK { <urn:s3> ?p 3 }", "ask"),
    ("CONSTRUCT WHERE { ?s <urn:value> ?o }", "construct"),
])
def test_the_pool_answers_as_the_one_shot_worker(store_path: Path, query: str, kind: str) -> None:
    with StorePool(store_path, workers=2) as pool:
        pooled = pool.evaluate(query, kind=kind, terms={}, timeout=10, max_rows=None)
    assert pooled == StoreEngine(store_path).evaluate(query, kind=kind, terms={}, timeout=10, max_rows=None)


def test_bound_terms_caps_and_datasets_reach_the_worker(tmp_path: Path) -> None:
    path = _store(tmp_path / "store", range(10), graph="urn:g")
    with StorePool(path, workers=1) as pool:
        bound = pool.evaluate("SELECT ?s ?o WHERE { ?s <urn:value> ?o }", kind="select", terms={"s": ox.NamedNode("urn:s4")},
                              timeout=10, max_rows=None, dataset=Dataset(default_graphs=("urn:g",)))
        capped = pool.evaluate("CONSTRUCT WHERE { ?s <urn:value> ?o }", kind="construct", terms={}, timeout=10,
                               max_rows=None, dataset=Dataset(default_graphs=("urn:g",)), max_triples=3)
    assert b'"value":"4"' in bound
    assert len(capped.splitlines()) == 3


def test_a_worker_past_its_deadline_is_killed_and_replaced(store_path: Path) -> None:
    with StorePool(store_path, workers=2) as pool:
        before = pool.worker_pids()
        with pytest.raises(QueryTimeout, match="0.5 s timeout"):
            pool.evaluate(SLOW, kind="select", terms={}, timeout=0.5, max_rows=None)
        after = pool.worker_pids()
        killed = before - after
        assert len(killed) == 1 and len(after) == 2
        assert not any(Path(f"/proc/{pid}").exists() for pid in killed)
        assert pool.evaluate("ASK { ?s ?p 7 }", kind="ask", terms={}, timeout=10, max_rows=None).endswith(b"true}")


def test_a_failing_query_keeps_its_worker(store_path: Path) -> None:
    with StorePool(store_path, workers=1) as pool:
        before = pool.worker_pids()
        with pytest.raises(QueryError, match="syntax error"):
            pool.evaluate("SELECT ?x WHERE {", kind="select", terms={}, timeout=10, max_rows=None)
        assert pool.worker_pids() == before


def test_a_rebuilt_store_is_picked_up(tmp_path: Path) -> None:
    path = _store(tmp_path / "store", range(5))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with StorePool(path, workers=1) as pool:
        assert b'"value":"5"' in pool.evaluate(count, kind="select", terms={}, timeout=10, max_rows=None)
        _store(tmp_path / "rebuilt", range(12))
        shutil.rmtree(path)
        (tmp_path / "rebuilt").rename(path)  # as `alliancekg build` swaps its output folder in
        assert b'"value":"12"' in pool.evaluate(count, kind="select", terms={}, timeout=10, max_rows=None)


def test_closing_stops_every_worker(store_path: Path) -> None:
    pool = StorePool(store_path, workers=3)
    pids = pool.worker_pids()
    assert len(pids) == 3
    pool.close()
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    with pytest.raises(QueryError, match="closed"):
        pool.evaluate("ASK {}", kind="ask", terms={}, timeout=10, max_rows=None)
