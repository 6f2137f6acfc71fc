"""The scale benchmark's arithmetic and report: ratios, lower bounds when the naive pipeline runs
out of budget, and a real run of every stage on a tiny dataset."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import ModuleType

import pytest
from benchmark_modules import load_benchmark

MIB = 2**20


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_benchmark("scale_bench")


def _row(naive: dict) -> dict:
    return {"institutions": 1000, "stages": {
        "oxload": {"status": "ok", "seconds": 2.0, "triples": 1_000_000, "rss_before_mib": 100,
                   "rss_after_load_mib": 100 + 400_000_000 / MIB},
        "naive": naive,
        "build": {"status": "ok", "seconds": 50.0, "peak_rss_mib": 1000.0, "triples": 1_300_000,
                  "asserted": 1_000_000, "rss_before_mib": 150, "steps": {"load": 2.5, "validate": 3.0},
                  "stage_peak_mib": {"load": 150 + 300_000_000 / MIB, "validate": 700}}}}


FINISHED = {"status": "ok", "seconds": 600.0, "peak_rss_mib": 3000.0, "triples": 1_000_000,
            "steps": {"load": 25.0, "validate": 500.0, "dumps": 75.0}, "rss_before_mib": 100,
            "rss_after_load_mib": 100 + 1_200_000_000 / MIB}


def test_ratios_of_a_finished_naive_run(bench: ModuleType) -> None:
    ratio = bench.ratios(_row(FINISHED))
    assert ratio["time"] == pytest.approx(12.0)
    assert ratio["memory"] == pytest.approx(3.0)
    assert ratio["load_vs_rdflib"] == pytest.approx(10.0)
    assert ratio["load_vs_pyoxigraph"] == pytest.approx(0.8)
    assert ratio["memory_per_triple"] == pytest.approx(4.0)  # 1,200 against 300 bytes per triple
    assert ratio["lower_bound"] is False


def test_a_naive_run_out_of_budget_gives_lower_bounds(bench: ModuleType) -> None:
    stopped = {"status": "over the 900 s budget", "wall": 900.0,
               "so_far": {"steps": {"load": 25.0}, "step": "validate", "peak_rss_mib": 2500.0,
                          "triples": 1_000_000, "rss_before_mib": 100, "rss_after_load_mib": 1000}}
    row = _row(stopped)
    ratio = bench.ratios(row)
    assert ratio["lower_bound"] is True
    assert ratio["time"] == pytest.approx(18.0) and ratio["memory"] == pytest.approx(2.5)
    args = argparse.Namespace(seed=42, repeats=5, naive_budget=900, naive_factor=12)
    about = {"date": "today", "commit": "abc", "cpu": "cpu", "usable_cores": 2, "ram_gib": 24,
             "load_average_at_start": [1.0], "python": "3.11"}
    text = bench.markdown([row], about, args)
    line = next(li for li in text.splitlines() if li.startswith("| 1,000 | 1,300,000"))
    assert "> 875.0 s (stopped)" in line and "not reached" in line and "> 900.0 s" in line
    assert "≥ 2,500 MiB" in line and "> 18.0 ×" in line and "≥ 2.5 ×" in line
    assert not bench.ratios({"institutions": 1, "stages": {"naive": {"status": "over the 9 s budget", "wall": 9}}}).get(
        "time")
    assert "earlier runs" not in text
    kept = {**row, "institutions": 100_000, "machine": {**about, "date": "yesterday", "commit": "def",
                                                        "load_average_at_start": [3.0, 2.5]}}
    text = bench.markdown([{**row, "machine": about}, kept], about, args)
    assert "Kept from earlier runs, with the code of their commit: 100,000 institutions on yesterday, commit def, " \
           "load average at start 3.0, 2.5." in text


@pytest.mark.slow
def test_every_stage_runs_on_a_tiny_dataset(bench: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert bench.main(["--sizes", "12", "--repeats", "1", "--naive-factor", "100", "--out", str(out),
                       "--work", str(tmp_path / "work"), "--keep"]) == 0
    found = json.loads((out / "scale.json").read_text(encoding="utf-8"))
    stages = found["rows"][0]["stages"]
    assert {name: stages[name]["status"] for name in bench.STAGES} == dict.fromkeys(bench.STAGES, "ok")
    assert stages["naive"]["conforms"] and stages["build"]["conforms"]
    assert stages["oxload"]["triples"] == stages["naive"]["triples"] == stages["build"]["asserted"]
    assert all(t["p50"] is not None and not t["error"] for t in stages["queries"]["queries"].values())
    assert "## Loading" in (out / "scale.md").read_text(encoding="utf-8")
    first = stages

    # the catalogue timed again on what the first run left; the other stages' figures are kept
    assert bench.main(["--sizes", "12", "--repeats", "1", "--out", str(out), "--work", str(tmp_path / "work"),
                       "--stages", "queries", "--append"]) == 0
    again = json.loads((out / "scale.json").read_text(encoding="utf-8"))["rows"]
    assert len(again) == 1 and again[0]["stages"]["build"] == first["build"]
    assert again[0]["stages"]["queries"]["status"] == "ok" and "machine" in again[0]["stages"]["queries"]
    assert "timed in a later run" in (out / "scale.md").read_text(encoding="utf-8")
    assert "`network` was timed in a later run" not in (out / "scale.md").read_text(encoding="utf-8")

    # the network command timed again, named as such under its table
    assert bench.main(["--sizes", "12", "--out", str(out), "--work", str(tmp_path / "work"),
                       "--stages", "network", "--append"]) == 0
    report = (out / "scale.md").read_text(encoding="utf-8")
    assert "At 12 institutions `network` was timed in a later run, commit" in report

    # the build timed again: named under the whole-build table, beside the naive run it is compared with
    assert bench.main(["--sizes", "12", "--out", str(out), "--work", str(tmp_path / "work"),
                       "--stages", "oxload,build", "--append"]) == 0
    report = (out / "scale.md").read_text(encoding="utf-8")
    whole_build = report[report.index("## Whole build"):report.index("## Loading")]
    assert "At 12 institutions `build` was timed in a later run, commit" in whole_build
    assert "`oxload` was timed in a later run" in whole_build and "`naive`" not in whole_build
