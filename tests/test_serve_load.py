"""A short run of the load benchmark (``benchmarks/serve_load.py``): the real ``alliancekg serve``
over the reference build, 40 catalogue requests from 4 threads beside the pathological query."""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from types import ModuleType

import pytest
from benchmark_modules import load_benchmark

TIMEOUT = 1.5


@pytest.fixture(scope="module")
def serve_load() -> ModuleType:
    return load_benchmark("serve_load")


def test_the_examples_in_its_docstrings(serve_load: ModuleType) -> None:
    assert doctest.testmod(serve_load).failed == 0


def test_the_workload_is_every_competency_question_with_its_parameters_bound(serve_load: ModuleType) -> None:
    jobs = serve_load.workload()
    assert len(jobs) >= 25
    assert all("VALUES" in job.text for job in jobs if job.name in ("alliance-members", "institution-alliances"))


def test_a_short_load_run(serve_load: ModuleType, built, tmp_path: Path) -> None:
    report = serve_load.run_load(built.dist_dir / "store", requests=40, concurrency=4, duration_limit=30,
                                 server_timeout=TIMEOUT, max_concurrent=4)
    load = report["load"]
    assert report["stopped_by"] == "request count" and load["requests"] == 40
    # every catalogue answer is a 200 with SPARQL JSON results, or a 429 when every slot was taken
    assert set(load["statuses"]) <= {"200", "429"}
    assert load["statuses"].get("200", 0) >= 10
    assert load["invalid_200_bodies"] == 0 and load["failed_connections"] == 0
    assert load["busy_429"] == load["statuses"].get("429", 0)
    for figures in (load["latency_ms_200"], load["latency_ms_all"]):
        assert 0 < figures["p50"] <= figures["p95"] <= figures["p99"] <= figures["max"]
    per_query = load["per_query"]
    assert len(per_query) == report["settings"]["queries"]
    assert sum(row["requests"] for row in per_query.values()) == 40
    # the pathological query ran beside the load the whole time and was stopped each time
    hog = report["pathological"]
    assert hog["runs"] >= 1 and hog["statuses"].get("503", 0) >= 1
    assert set(hog["statuses"]) <= {"503", "429"}
    assert TIMEOUT <= hog["seconds_min"] <= hog["seconds_max"] < TIMEOUT + 3
    assert "timeout" in hog["message"]
    assert report["machine"]["nproc"] >= 1 and report["machine"]["python"]
    md = serve_load.write_report(report, tmp_path / "serve.json")
    assert json.loads((tmp_path / "serve.json").read_text())["load"]["requests"] == 40
    text = md.read_text()
    assert "| p50 | p95 | p99 | max |" in text and "alliance-members" in text
