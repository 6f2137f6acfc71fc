"""Benchmark of the whole pipeline on synthetic datasets: generate, build (ours beside the naive
rdflib + pySHACL pipeline), query the catalogue, analyse the network.

For each size, every stage runs in a fresh Python process, so its wall time and peak memory are
its own; the naive pipeline runs on the same files in the same invocation, so the ratios hold on
a noisy machine:

- ``synth``: ``alliancekg synth --institutions N --seed S`` into a work folder;
- ``oxload``: the reference load rate, pyoxigraph's ``Store.bulk_load`` of the same files into an
  in-memory store, nothing else;
- ``build``: :func:`alliancekg.build.build` on the generated folder, with its own stage timings;
- ``naive``: rdflib parses the ontology and the data into one ``Graph``, pySHACL validates it with
  the options the build uses, rdflib serialises it as Turtle (skipped above ``--naive-max``
  institutions: rdflib cannot hold ~17 M triples in this machine's memory); it is stopped after
  ``--naive-factor`` times our build's seconds (at most ``--naive-budget``), when its finished steps
  and its peak memory so far are lower bounds;
- ``queries``: every ``queries/cq`` query on the built store through the server's worker pool
  (the store open in a long-lived worker), ``--repeats`` times after one warm-up, parameters bound
  to heavy values of the generated data (the largest alliances, the most-connected institution);
- ``network``: ``alliancekg network`` (the institution projection, every layer, all exports).

    python benchmarks/scale_bench.py [--sizes 1000,10000] [--naive-max 10000] [--network-max 30000]
                                     [--queries-max 30000] [--seed 42] [--repeats 5] [--budget 3600]
                                     [--naive-factor 12] [--naive-budget 1800] [--out benchmarks/results]
                                     [--work DIR] [--keep] [--append]

Results go to ``scale.json`` and ``scale.md`` in ``--out`` (rewritten after each size); a stage
that runs past ``--budget`` seconds is killed and reported so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from network_bench import machine

STAGES = ("synth", "oxload", "build", "naive", "queries", "network")
# Heavy but real values for the catalogue's parameters, chosen in the generated data by one-line
# probes: the largest alliances, the most-connected organisation, any fact, passage or source.
PROBES = {
    "alliance": "SELECT ?v (COUNT(?m) AS ?n) WHERE { ?m org:organization ?v } GROUP BY ?v ORDER BY DESC(?n) ?v LIMIT 2",
    "organisation": "SELECT ?v (COUNT(?m) AS ?n) WHERE { ?m org:member ?v } GROUP BY ?v ORDER BY DESC(?n) ?v LIMIT 1",
    "fact": "SELECT ?v WHERE { ?v a org:Membership } ORDER BY ?v LIMIT 1",
    "passage": "SELECT ?v WHERE { ?v a akg:SourcePassage } ORDER BY ?v LIMIT 1",
    "source": "SELECT ?v (COUNT(?p) AS ?n) WHERE { ?p dcterms:isPartOf ?v } GROUP BY ?v ORDER BY DESC(?n) ?v LIMIT 1",
    "programme": "SELECT ?v WHERE { ?v a akg:Programme } ORDER BY ?v LIMIT 1",
    "partnership": "SELECT ?v WHERE { ?v a akg:Partnership } ORDER BY ?v LIMIT 1",
}
# Which probe answers which parameter name; dates are fixed; optional parameters stay unbound.
PARAMETER_PROBES = {"alliance": ("alliance", 0), "a": ("alliance", 0), "b": ("alliance", 1),
                    "institution": ("organisation", 0), "organisation": ("organisation", 0),
                    "fact": ("fact", 0), "passage": ("passage", 0), "source": ("source", 0),
                    "programme": ("programme", 0), "partnership": ("partnership", 0)}
DATES = {"from": "2015-01-01", "to": "2020-12-31", "at": "2020-06-30"}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _rss_mib() -> float:
    """This process's resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---------------------------------------------------------------- stages, each in its own process


def stage_synth(size: int, seed: int, work: Path) -> dict[str, Any]:
    from alliancekg.cli import main

    started = time.perf_counter()
    main(["synth", "--institutions", str(size), "--seed", str(seed), "-o", str(work / "synth")],
         standalone_mode=False)
    return {"seconds": time.perf_counter() - started}


def stage_oxload(work: Path) -> dict[str, Any]:
    """pyoxigraph's bulk loader alone on the build's input files: the rate to match."""
    import pyoxigraph as ox

    from alliancekg.build import input_paths
    from alliancekg.loading import FORMATS

    paths = input_paths(_settings(work))
    before = _rss_mib()
    started = time.perf_counter()
    store = ox.Store()
    for path in paths:
        store.bulk_load(path.read_bytes(), format=FORMATS[path.suffix])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "triples": len(store), "rss_before_mib": before, "rss_after_load_mib": _rss_mib()}


def stage_naive(work: Path, report: Path) -> dict[str, Any]:
    """rdflib parse, pySHACL validate, rdflib serialise: what a project without our pipeline does.

    Its figures so far go to ``report`` every few seconds, so a run stopped at the budget still
    gives its finished steps and a lower bound of its peak memory."""
    import threading

    import rdflib
    from pyshacl import validate

    from alliancekg.build import input_paths

    settings = _settings(work)
    steps: dict[str, float] = {}
    figures: dict[str, Any] = {"steps": steps, "partial": True}
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.wait(2):
            _write_json(report, {**figures, "peak_rss_mib": _peak_mib(), "step": figures.get("step")})

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    try:
        figures["step"] = "load"
        figures["rss_before_mib"] = _rss_mib()
        started = time.perf_counter()
        graph = rdflib.Graph()
        for path in input_paths(settings):
            graph.parse(path, format=rdflib.util.guess_format(str(path)))
        steps["load"] = time.perf_counter() - started
        figures["triples"] = len(graph)
        figures["rss_after_load_mib"] = _rss_mib()
        shapes = rdflib.Graph().parse(settings.shapes_file)
        figures["step"] = "validate"
        started = time.perf_counter()
        conforms, _, _ = validate(graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
        steps["validate"] = time.perf_counter() - started
        figures["step"] = "dumps"
        started = time.perf_counter()
        graph.serialize(work / "naive.ttl", format="turtle")
        steps["dumps"] = time.perf_counter() - started
    finally:
        stop.set()
        writer.join()
    return {**figures, "partial": False, "conforms": bool(conforms), "seconds": sum(steps.values())}


def _write_json(path: Path, value: Any) -> None:
    """Write ``value`` as JSON atomically (a reader never sees half a file)."""
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(value), encoding="utf-8")
    partial.replace(path)


def stage_build(work: Path) -> dict[str, Any]:
    from alliancekg.build import build

    before = _rss_mib()
    started = time.perf_counter()
    result = build(_settings(work))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "steps": dict(result.timings), "stage_peak_mib": dict(result.peak_memory),
            "triples": result.asserted_triples + result.inferred_triples, "asserted": result.asserted_triples,
            "conforms": result.validation.conforms, "rss_before_mib": before}


def _probe_values(pool: Any) -> dict[str, list[str]]:
    from alliancekg.namespaces import PREFIXES

    header = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
    values = {}
    for name, query in PROBES.items():
        answer = json.loads(pool.evaluate(header + query, kind="select", terms={}, timeout=600, max_rows=None))
        values[name] = [b["v"]["value"] for b in answer["results"]["bindings"]]
    return values


def stage_queries(work: Path, repeats: int) -> dict[str, Any]:
    from alliancekg.errors import QueryError
    from alliancekg.query import run_query
    from alliancekg.queryfile import catalogue
    from alliancekg.worker_pool import StorePool

    settings = _settings(work)
    timings: dict[str, Any] = {}
    with StorePool(settings.dist_dir / "store", workers=1) as pool:
        probes = _probe_values(pool)
        for query in catalogue(settings.queries_dir, "cq"):
            params: dict[str, str] = {}
            for name, kind in query.params.items():
                if name in DATES:
                    if not kind.endswith("?"):
                        params[name] = DATES[name]
                elif name in PARAMETER_PROBES:
                    probe, index = PARAMETER_PROBES[name]
                    found = probes.get(probe, [])
                    if len(found) > index:
                        params[name] = found[index]
            seconds, rows, error = [], 0, ""
            for attempt in range(repeats + 1):
                started = time.perf_counter()
                try:
                    rows = len(run_query(query, params, engine=pool, settings=settings, timeout=600))
                except QueryError as failure:
                    error = str(failure)[:200]
                    break
                if attempt:  # the first run warms the store's caches
                    seconds.append(time.perf_counter() - started)
            timings[query.name] = {"params": params, "rows": rows, "seconds": seconds, "error": error,
                                   "p50": statistics.median(seconds) if seconds else None,
                                   "p95": _percentile(seconds, 95) if seconds else None}
    return {"queries": timings, "seconds": sum(sum(t["seconds"]) for t in timings.values())}


def stage_network(work: Path) -> dict[str, Any]:
    from alliancekg.cli import main

    settings = _settings(work)
    os.environ["ALLIANCEKG_DIST"] = str(settings.dist_dir)
    started = time.perf_counter()
    try:
        main(["network", "-o", str(work / "network")], standalone_mode=False)
    except SystemExit as stop:
        if stop.code:
            raise
    return {"seconds": time.perf_counter() - started}


def _settings(work: Path) -> Any:
    from alliancekg.settings import Settings

    return Settings(root=ROOT, data_dir_override=work / "synth" / "data",
                    seeds_dir_override=work / "synth" / "seeds", dist_dir_override=work / "dist")


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * (len(ordered) - 1))))]


def child(stage: str, size: int, seed: int, work: Path, repeats: int, report: Path) -> None:
    """Run one stage and write its figures, with this process's peak memory, to ``report``."""
    if stage == "synth":
        figures = stage_synth(size, seed, work)
    elif stage == "oxload":
        figures = stage_oxload(work)
    elif stage == "naive":
        figures = stage_naive(work, report)
    elif stage == "build":
        figures = stage_build(work)
    elif stage == "queries":
        figures = stage_queries(work, repeats)
    else:
        figures = stage_network(work)
    figures["peak_rss_mib"] = _peak_mib()
    _write_json(report, figures)


# ---------------------------------------------------------------- the parent


def run_stage(stage: str, size: int, seed: int, work: Path, repeats: int, budget: float) -> dict[str, Any]:
    report = work / f"{stage}.json"
    report.unlink(missing_ok=True)
    command = [sys.executable, __file__, "--child", stage, "--sizes", str(size), "--seed", str(seed),
               "--work", str(work), "--repeats", str(repeats)]
    started = time.perf_counter()
    try:
        process = subprocess.run(command, cwd=ROOT, timeout=budget, capture_output=True, text=True, check=False)
    except subprocess.TimeoutExpired:
        over = {"status": f"over the {budget:g} s budget", "wall": time.perf_counter() - started}
        if report.is_file():  # what the stage had finished, and its peak memory so far
            over["so_far"] = json.loads(report.read_text(encoding="utf-8"))
        return over
    wall = time.perf_counter() - started
    if process.returncode or not report.is_file():
        return {"status": f"failed (exit {process.returncode}): {process.stderr.strip()[-400:]}", "wall": wall}
    return {"status": "ok", "wall": wall, **json.loads(report.read_text(encoding="utf-8"))}


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work) / f"size-{size}" if args.work else Path(tempfile.mkdtemp(prefix=f"scale-{size}-"))
    chosen = STAGES if args.stages is None else tuple(args.stages.split(","))
    if chosen == STAGES:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)  # some stages only: on what earlier stages left there
    row: dict[str, Any] = {"institutions": size, "stages": {}}
    limits = {"naive": args.naive_max, "network": args.network_max, "queries": args.queries_max}
    try:
        for stage in chosen:
            if stage in limits and size > limits[stage]:
                row["stages"][stage] = {"status": f"skipped above {limits[stage]:,} institutions"}
                continue
            print(f"{size:>7,} {stage:<8}", end=" ", file=sys.stderr, flush=True)
            budget = args.budget
            if stage == "naive":  # enough to show the ratio the targets ask for, no more
                built = row["stages"].get("build", {})
                budget = min(args.naive_budget, max(60.0, args.naive_factor * built.get("seconds", args.naive_budget)))
            figures = run_stage(stage, size, args.seed, work, args.repeats, budget)
            row["stages"][stage] = figures
            peak = figures.get("peak_rss_mib", figures.get("so_far", {}).get("peak_rss_mib", 0))
            print(f"{figures.get('wall', 0):8.1f} s  {peak:8.0f} MiB  {figures['status']}", file=sys.stderr, flush=True)
            if figures["status"] != "ok" and stage in ("synth", "build"):
                break  # nothing after it can run
    finally:
        if not args.keep and chosen == STAGES:
            shutil.rmtree(work, ignore_errors=True)
    return row


# ---------------------------------------------------------------- the report


def _cell(value: float | None, unit: str = "s", digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f} {unit}".strip()


def _stage(row: dict[str, Any], name: str) -> dict[str, Any]:
    return row["stages"].get(name, {})


def naive_figures(row: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The naive pipeline's figures, and whether they are lower bounds (it ran out of budget)."""
    naive = _stage(row, "naive")
    if naive.get("status") == "ok":
        return naive, False
    if str(naive.get("status", "")).startswith("over the") and naive.get("so_far"):
        return {**naive["so_far"], "seconds": naive["wall"]}, True
    return {}, False


def bytes_per_triple(figures: dict[str, Any], after: float | None = None) -> float | None:
    """Resident memory the loaded triples added, per triple."""
    after = figures.get("rss_after_load_mib") if after is None else after
    if not figures.get("triples") or after is None or figures.get("rss_before_mib") is None:
        return None
    return (after - figures["rss_before_mib"]) * 2**20 / figures["triples"]


def ratios(row: dict[str, Any]) -> dict[str, Any]:
    """Naive over ours: whole-build time and peak memory (lower bounds when the naive pipeline ran
    out of its budget), load rate, and memory per loaded triple."""
    naive, bound = naive_figures(row)
    ours, reference = _stage(row, "build"), _stage(row, "oxload")
    found: dict[str, Any] = {"lower_bound": bound}
    if ours.get("status") != "ok":
        return found
    if naive.get("seconds"):
        found["time"] = naive["seconds"] / ours["seconds"]
    if naive.get("peak_rss_mib"):
        found["memory"] = naive["peak_rss_mib"] / ours["peak_rss_mib"]
    load = ours["steps"].get("load")
    if load and naive.get("steps", {}).get("load"):
        found["load_vs_rdflib"] = naive["steps"]["load"] / load
    if load and reference.get("status") == "ok":
        found["load_vs_pyoxigraph"] = reference["seconds"] / load
    ours_bpt = bytes_per_triple({**ours, "triples": ours.get("asserted")}, ours.get("stage_peak_mib", {}).get("load"))
    naive_bpt = bytes_per_triple(naive)
    if ours_bpt and naive_bpt:
        found["memory_per_triple"] = naive_bpt / ours_bpt
    return found


def _earlier_runs(rows: list[dict[str, Any]], about: dict[str, Any]) -> list[str]:
    """A paragraph naming the sizes kept from earlier runs (``--append``), with their date, commit and load."""
    run = (about["commit"], about["date"])
    earlier = [(row["institutions"], row["machine"]) for row in rows
               if row.get("machine") and (row["machine"].get("commit"), row["machine"].get("date")) != run]
    if not earlier:
        return []
    runs = "; ".join(f"{size:,} institutions on {m['date']}, commit {m['commit']}, load average at start "
                     f"{', '.join(map(str, m['load_average_at_start']))}" for size, m in earlier)
    return [f"Kept from earlier runs, with the code of their commit: {runs}.", ""]


def markdown(rows: list[dict[str, Any]], about: dict[str, Any], args: argparse.Namespace) -> str:
    lines = ["# The pipeline at scale", "",
             (f"{about['date']}, commit {about['commit']}: {about['cpu']}, {about['usable_cores']} cores, "
              f"{about['ram_gib']} GiB RAM, load average at start {', '.join(map(str, about['load_average_at_start']))}; "
              f"Python {about['python']}. Made by `python benchmarks/scale_bench.py --sizes "
              f"{','.join(str(r['institutions']) for r in rows)} --naive-factor {args.naive_factor:g}`: seed "
              f"{args.seed}, each stage in its own process, the naive pipeline on the same files in the same run. "
              f"Query times are the median (p50) and 95th percentile of {args.repeats} runs after a warm-up."), "",
             *_earlier_runs(rows, about),
             "## Whole build: ours beside the naive pipeline", "",
             ("The naive pipeline is rdflib parse, pySHACL validate, rdflib Turtle. Figures after `>` or `≥` are "
             f"lower bounds: it was stopped after {args.naive_factor:g} times our build's time (at most "
             f"{args.naive_budget:g} s), so its time and peak memory can only be larger."), "",
             ("| institutions | triples | naive: load | validate | dumps | total | peak | ours: total | peak "
             "| faster | leaner |"),
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        naive, bound = naive_figures(row)
        ours = _stage(row, "build")
        steps = naive.get("steps", {})
        ratio = ratios(row)
        more = "> " if bound else ""
        if bound:
            running = naive.get("step")
            done = sum(steps.values())
            validate = f"> {_cell(naive['seconds'] - done)} (stopped)" if running == "validate" else _cell(steps.get("validate"))
            dumps = "not reached" if running in ("load", "validate") else _cell(steps.get("dumps"))
        else:
            validate, dumps = _cell(steps.get("validate")), _cell(steps.get("dumps"))
        naive_total = (more + _cell(naive.get("seconds"))) if naive else _stage(row, "naive").get("status", "–")
        lines.append(
            f"| {row['institutions']:,} | {ours.get('triples', naive.get('triples', 0)):,} "
            f"| {_cell(steps.get('load'))} | {validate} | {dumps} | {naive_total} "
            f"| {('≥ ' if bound else '') + _cell(naive.get('peak_rss_mib'), 'MiB', 0) if naive else '–'} "
            f"| {_cell(ours.get('seconds')) if ours.get('status') == 'ok' else ours.get('status', '–')} "
            f"| {_cell(ours.get('peak_rss_mib'), 'MiB', 0)} "
            f"| {more}{_cell(ratio.get('time'), '×')} | {('≥ ' if bound else '')}{_cell(ratio.get('memory'), '×')} |")

    lines += _later_runs(rows, ("oxload", "build", "naive"))
    lines += ["", "## Loading", "",
              ("Seconds to read the input files (ontology, vocabularies, data: the asserted triples), the rate, and "
              "the resident memory the loaded triples added, per triple. *pyoxigraph* is its bulk loader alone on "
              "the same files; *ours* is the build's load stage, which also gives literals rdflib's lexical forms "
              "and reads the shapes and the dataset description."), "",
              ("| institutions | triples | rdflib | k/s | B/triple | pyoxigraph | k/s | B/triple | ours | k/s "
              "| B/triple | ours/pyoxigraph rate | rdflib/ours memory |"),
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        naive, _ = naive_figures(row)
        reference, ours = _stage(row, "oxload"), _stage(row, "build")
        triples = ours.get("asserted") or reference.get("triples")
        if not triples:
            continue
        rdflib_load = naive.get("steps", {}).get("load")
        ours_load = ours.get("steps", {}).get("load")
        ours_bpt = bytes_per_triple({**ours, "triples": ours.get("asserted")}, ours.get("stage_peak_mib", {}).get("load"))
        ratio = ratios(row)

        def rate(seconds: float | None, triples: int = triples) -> str:
            return _cell(triples / seconds / 1000 if seconds else None, "", 0)

        lines.append(
            f"| {row['institutions']:,} | {triples:,} | {_cell(rdflib_load)} | {rate(rdflib_load)} "
            f"| {_cell(bytes_per_triple(naive), '', 0)} "
            f"| {_cell(reference.get('seconds'))} | {rate(reference.get('seconds'))} | {_cell(bytes_per_triple(reference), '', 0)} "
            f"| {_cell(ours_load)} | {rate(ours_load)} | {_cell(ours_bpt, '', 0)} "
            f"| {_cell(ratio.get('load_vs_pyoxigraph'), '×', 2)} | {_cell(ratio.get('memory_per_triple'), '×')} |")

    stages = [name for name in ("load", "validate", "qc", "sources", "inference", "ties", "dumps", "store")
              if any(name in _stage(row, "build").get("steps", {}) for row in rows)]
    if stages:
        lines += ["", "## Our build, stage by stage", "",
                  ("Seconds per stage, then the process's peak memory at the end of each (MiB), and the whole "
                  "build's seconds per million triples (flat or falling means it grows no worse than linearly)."), "",
                  "| institutions | " + " | ".join(stages) + " | total | s per M triples | "
                  + " | ".join(f"{name} peak" for name in stages) + " |",
                  "|---:|" + "---:|" * (2 * len(stages) + 2)]
        for row in rows:
            ours = _stage(row, "build")
            if ours.get("status") != "ok":
                continue
            steps, peaks = ours.get("steps", {}), ours.get("stage_peak_mib", {})
            per_million = ours["seconds"] / (ours["triples"] / 1e6)
            lines.append(f"| {row['institutions']:,} | " + " | ".join(_cell(steps.get(s)) for s in stages)
                         + f" | {_cell(ours['seconds'])} | {_cell(per_million)} | "
                         + " | ".join(_cell(peaks.get(s), '', 0) for s in stages) + " |")

    lines += ["", "## Catalogue queries on the built store (ms)", ""]
    timed = [row for row in rows if _stage(row, "queries").get("queries")]
    names = sorted({name for row in timed for name in _stage(row, "queries")["queries"]})
    for row in timed:
        found = _stage(row, "queries")["queries"]
        fast = sum(1 for t in found.values() if t.get("p50") is not None and t["p50"] < 0.1)
        again = _stage(row, "queries").get("machine")
        rerun = (f" (timed in a later run, commit {again['commit']}, load average "
                 f"{', '.join(map(str, again['load_average_at_start']))})") if again else ""
        lines.append(f"At {row['institutions']:,} institutions {fast} of {len(found)} queries have p50 under 100 ms"
                     f"{rerun}.")
    lines.append("")
    header = " | ".join(f"{row['institutions']:,}: p50 | p95 | rows" for row in timed)
    if timed:
        lines += [f"| query | {header} |", "|---|" + "---:|---:|---:|" * len(timed)]
    for name in names:
        cells = []
        for row in timed:
            found = _stage(row, "queries")["queries"].get(name, {})
            if found.get("error"):
                cells += ["error", "–", "–"]
            else:
                cells += [_cell(found["p50"] * 1000 if found.get("p50") is not None else None, "", 1),
                          _cell(found["p95"] * 1000 if found.get("p95") is not None else None, "", 1),
                          f"{found.get('rows', 0):,}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    errors = [(row["institutions"], name, t["error"]) for row in timed
              for name, t in _stage(row, "queries")["queries"].items() if t.get("error")]
    lines += [f"- {size:,}, {name}: {error}" for size, name, error in errors]

    lines += ["", "## Other stages", "",
              "| institutions | synth | queries (all runs) | network | network peak | load average at start |",
              "|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        synth, network, queries = _stage(row, "synth"), _stage(row, "network"), _stage(row, "queries")
        lines.append(f"| {row['institutions']:,} | {_cell(synth.get('seconds'))} "
                     f"| {_cell(queries.get('seconds')) if queries.get('status') == 'ok' else queries.get('status', '–')} "
                     f"| {_cell(network.get('seconds')) if network.get('status') == 'ok' else network.get('status', '–')} "
                     f"| {_cell(network.get('peak_rss_mib'), 'MiB', 0)} "
                     f"| {', '.join(map(str, row.get('machine', about)['load_average_at_start']))} |")
    lines += _later_runs(rows, ("synth", "network"))
    return "\n".join(lines) + "\n"


def _later_runs(rows: list[dict[str, Any]], names: tuple[str, ...]) -> list[str]:
    """A line for each of the stages ``names`` timed in a later run than the rest of its size (``--stages``)."""
    later = [(row["institutions"], name, again) for row in rows for name in names
             if (again := _stage(row, name).get("machine"))]
    return [""] + [f"At {size:,} institutions `{name}` was timed in a later run, commit {again['commit']}, "
                   f"{again['date']}, load average at start {', '.join(map(str, again['load_average_at_start']))}."
                   for size, name, again in later] if later else []


def write_results(rows: list[dict[str, Any]], about: dict[str, Any], args: argparse.Namespace) -> str:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "scale.json", {"machine": about, "seed": args.seed, "repeats": args.repeats,
                                     "naive_budget": args.naive_budget, "rows": rows})
    text = markdown(rows, about, args)
    partial = out / "scale.md.tmp"
    partial.write_text(text, encoding="utf-8")
    partial.replace(out / "scale.md")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="institutions per run, comma-separated")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each catalogue query")
    parser.add_argument("--naive-max", type=int, default=10_000, help="largest size the naive pipeline runs at")
    parser.add_argument("--network-max", type=int, default=30_000, help="largest size alliancekg network runs at")
    parser.add_argument("--queries-max", type=int, default=30_000, help="largest size the catalogue is timed at")
    parser.add_argument("--budget", type=float, default=3600, help="seconds allowed per stage")
    parser.add_argument("--naive-budget", type=float, default=1800, help="most seconds allowed to the naive pipeline")
    parser.add_argument("--naive-factor", type=float, default=12,
                        help="the naive pipeline stops after this many times our build's seconds")
    parser.add_argument("--append", action="store_true",
                        help="keep the other sizes already in --out/scale.json (this run's sizes replace theirs)")
    parser.add_argument("--out", default=str(HERE / "results"), help="folder for scale.json and scale.md")
    parser.add_argument("--work", help="work folder (default: a temporary folder per size)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and builds")
    parser.add_argument("--stages", help="run only these stages (comma-separated) in --work/size-N as earlier "
                                         "stages left it, e.g. queries after a change to the catalogue; with --append "
                                         "the size's other stages are kept")
    parser.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.child:
        child(args.child, sizes[0], args.seed, Path(args.work), args.repeats, Path(args.work) / f"{args.child}.json")
        return 0
    about = machine()
    rows: list[dict[str, Any]] = []
    earlier = Path(args.out) / "scale.json"
    kept: dict[int, dict[str, Any]] = {}
    if args.append and earlier.is_file():
        kept = {r["institutions"]: r for r in json.loads(earlier.read_text(encoding="utf-8"))["rows"]}
    if args.stages and set(args.stages.split(",")) - set(STAGES):
        parser.error(f"--stages: choose among {', '.join(STAGES)}")
    rows = [r for size, r in kept.items() if size not in sizes]
    for size in sizes:
        row = run_size(size, args)
        if args.stages and size in kept:  # the stages run now replace their earlier figures
            for figures in row["stages"].values():
                figures["machine"] = about
            row = {**kept[size], "stages": {**kept[size]["stages"], **row["stages"]}}
        else:
            row["machine"] = about
        rows = sorted([*rows, row], key=lambda r: r["institutions"])
        text = write_results(rows, about, args)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
