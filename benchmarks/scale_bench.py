"""Benchmark of the whole pipeline on synthetic datasets: generate, build (ours beside the naive
rdflib + pySHACL pipeline), query the catalogue, analyse the network.

For each size, every stage runs in a fresh Python process, so its wall time and peak memory are
its own; the naive pipeline runs on the same files in the same invocation, so the ratios hold on
a noisy machine:

- ``synth``: ``alliancekg synth --institutions N --seed S`` into a work folder;
- ``naive``: rdflib parses the ontology and the data into one ``Graph``, pySHACL validates it with
  the options the build uses, rdflib serialises it as Turtle (skipped above ``--naive-max``
  institutions: rdflib cannot hold ~17 M triples in this machine's memory);
- ``build``: :func:`alliancekg.build.build` on the generated folder, with its own stage timings;
- ``queries``: every ``queries/cq`` query on the built store through the server's worker pool
  (the store open in a long-lived worker), ``--repeats`` times after one warm-up, parameters bound
  to heavy values of the generated data (the largest alliances, the most-connected institution);
- ``network``: ``alliancekg network`` (the institution projection, every layer, all exports).

    python benchmarks/scale_bench.py [--sizes 1000,10000] [--naive-max 10000] [--network-max 30000]
                                     [--seed 42] [--repeats 5] [--budget 3600] [--out benchmarks/results]
                                     [--work DIR] [--keep]

Results go to ``scale.json`` and ``scale.md`` in ``--out``; a stage that runs past ``--budget``
seconds is killed and reported so.
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

STAGES = ("synth", "naive", "build", "queries", "network")
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


# ---------------------------------------------------------------- stages, each in its own process


def stage_synth(size: int, seed: int, work: Path) -> dict[str, Any]:
    from alliancekg.cli import main

    started = time.perf_counter()
    main(["synth", "--institutions", str(size), "--seed", str(seed), "-o", str(work / "synth")],
         standalone_mode=False)
    return {"seconds": time.perf_counter() - started}


def stage_naive(work: Path) -> dict[str, Any]:
    """rdflib parse, pySHACL validate, rdflib serialise: what a project without our pipeline does."""
    import rdflib
    from pyshacl import validate

    from alliancekg.build import input_paths

    settings = _settings(work)
    steps: dict[str, float] = {}
    started = time.perf_counter()
    graph = rdflib.Graph()
    for path in input_paths(settings):
        graph.parse(path, format=rdflib.util.guess_format(str(path)))
    steps["load"] = time.perf_counter() - started
    shapes = rdflib.Graph().parse(settings.shapes_file)
    started = time.perf_counter()
    conforms, _, _ = validate(graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    steps["validate"] = time.perf_counter() - started
    started = time.perf_counter()
    graph.serialize(work / "naive.ttl", format="turtle")
    steps["dumps"] = time.perf_counter() - started
    return {"steps": steps, "triples": len(graph), "conforms": bool(conforms), "seconds": sum(steps.values())}


def stage_build(work: Path) -> dict[str, Any]:
    from alliancekg.build import build

    started = time.perf_counter()
    result = build(_settings(work))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "steps": dict(getattr(result, "timings", {}) or {}),
            "triples": result.asserted_triples + result.inferred_triples, "asserted": result.asserted_triples,
            "conforms": result.validation.conforms}


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
    elif stage == "naive":
        figures = stage_naive(work)
    elif stage == "build":
        figures = stage_build(work)
    elif stage == "queries":
        figures = stage_queries(work, repeats)
    else:
        figures = stage_network(work)
    figures["peak_rss_mib"] = _peak_mib()
    report.write_text(json.dumps(figures), encoding="utf-8")


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
        return {"status": f"over the {budget:g} s budget", "wall": time.perf_counter() - started}
    wall = time.perf_counter() - started
    if process.returncode or not report.is_file():
        return {"status": f"failed (exit {process.returncode}): {process.stderr.strip()[-400:]}", "wall": wall}
    return {"status": "ok", "wall": wall, **json.loads(report.read_text(encoding="utf-8"))}


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work) / f"size-{size}" if args.work else Path(tempfile.mkdtemp(prefix=f"scale-{size}-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    row: dict[str, Any] = {"institutions": size, "stages": {}}
    try:
        for stage in STAGES:
            if stage == "naive" and size > args.naive_max:
                row["stages"][stage] = {"status": f"skipped above {args.naive_max:,} institutions"}
                continue
            if stage == "network" and size > args.network_max:
                row["stages"][stage] = {"status": f"skipped above {args.network_max:,} institutions"}
                continue
            print(f"{size:>7,} {stage:<8}", end=" ", file=sys.stderr, flush=True)
            figures = run_stage(stage, size, args.seed, work, args.repeats, args.budget)
            row["stages"][stage] = figures
            print(f"{figures.get('wall', 0):8.1f} s  {figures.get('peak_rss_mib', 0):8.0f} MiB  {figures['status']}",
                  file=sys.stderr, flush=True)
            if figures["status"] != "ok" and stage in ("synth", "build"):
                break  # nothing after it can run
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return row


# ---------------------------------------------------------------- the report


def _cell(value: float | None, unit: str = "s", digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f} {unit}".strip()


def _stage(row: dict[str, Any], name: str) -> dict[str, Any]:
    return row["stages"].get(name, {})


def ratios(row: dict[str, Any]) -> dict[str, Any]:
    """Naive over ours: time and peak memory of the whole build, and the load rate."""
    naive, ours = _stage(row, "naive"), _stage(row, "build")
    if ours.get("status") == "ok" and str(naive.get("status", "")).startswith("over the"):
        # the naive pipeline ran out of its budget: its wall time so far gives a lower bound
        return {"time": naive["wall"] / ours["seconds"], "memory": None, "load": None, "lower_bound": True}
    if naive.get("status") != "ok" or ours.get("status") != "ok":
        return {"time": None, "memory": None, "load": None}
    load = None
    if ours.get("steps", {}).get("load") and naive["steps"].get("load"):
        load = naive["steps"]["load"] / ours["steps"]["load"]
    return {"time": naive["seconds"] / ours["seconds"], "memory": naive["peak_rss_mib"] / ours["peak_rss_mib"],
            "load": load}


def markdown(rows: list[dict[str, Any]], about: dict[str, Any], args: argparse.Namespace) -> str:
    lines = ["# The pipeline at scale", "",
             (f"{about['date']}, commit {about['commit']}: {about['cpu']}, {about['usable_cores']} cores, "
             f"{about['ram_gib']} GiB RAM, load average at start {', '.join(map(str, about['load_average_at_start']))}; "
             f"Python {about['python']}. Seed {args.seed}; each stage in its own process; query times are the "
             f"median (p50) and 95th percentile of {args.repeats} runs after a warm-up."), "",
             "## Build: ours beside the naive pipeline", "",
             ("| institutions | triples | naive: load | validate | dumps | total | peak | ours: total | peak "
             "| faster | leaner |"),
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        naive, ours = _stage(row, "naive"), _stage(row, "build")
        steps = naive.get("steps", {})
        ratio = ratios(row)
        lines.append(
            f"| {row['institutions']:,} | {ours.get('triples', naive.get('triples', 0)):,} "
            f"| {_cell(steps.get('load'))} | {_cell(steps.get('validate'))} | {_cell(steps.get('dumps'))} "
            f"| {_cell(naive.get('seconds')) if naive.get('status') == 'ok' else naive.get('status', '–')} "
            f"| {_cell(naive.get('peak_rss_mib'), 'MiB', 0)} "
            f"| {_cell(ours.get('seconds')) if ours.get('status') == 'ok' else ours.get('status', '–')} "
            f"| {_cell(ours.get('peak_rss_mib'), 'MiB', 0)} "
            f"| {'> ' if ratio.get('lower_bound') else ''}{_cell(ratio['time'], '×')} | {_cell(ratio['memory'], '×')} |")
    stages = sorted({name for row in rows for name in _stage(row, "build").get("steps", {})})
    if stages:
        lines += ["", "Our build, stage by stage:", "",
                  "| institutions | " + " | ".join(stages) + " |", "|---:|" + "---:|" * len(stages)]
        for row in rows:
            steps = _stage(row, "build").get("steps", {})
            lines.append(f"| {row['institutions']:,} | " + " | ".join(_cell(steps.get(s)) for s in stages) + " |")
    lines += ["", "## Catalogue queries on the built store (ms)", ""]
    names = sorted({name for row in rows for name in _stage(row, "queries").get("queries", {})})
    header = " | ".join(f"{row['institutions']:,}: p50 | p95" for row in rows)
    lines += [f"| query | {header} |", "|---|" + "---:|---:|" * len(rows)]
    for name in names:
        cells = []
        for row in rows:
            found = _stage(row, "queries").get("queries", {}).get(name, {})
            if found.get("error"):
                cells += ["error", "–"]
            else:
                cells += [_cell(found["p50"] * 1000 if found.get("p50") is not None else None, "", 1),
                          _cell(found["p95"] * 1000 if found.get("p95") is not None else None, "", 1)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "## Other stages", "", "| institutions | synth | queries (all runs) | network | network peak |",
              "|---:|---:|---:|---:|---:|"]
    for row in rows:
        synth, network = _stage(row, "synth"), _stage(row, "network")
        lines.append(f"| {row['institutions']:,} | {_cell(synth.get('seconds'))} "
                     f"| {_cell(_stage(row, 'queries').get('seconds'))} "
                     f"| {_cell(network.get('seconds')) if network.get('status') == 'ok' else network.get('status', '–')} "
                     f"| {_cell(network.get('peak_rss_mib'), 'MiB', 0)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="institutions per run, comma-separated")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each catalogue query")
    parser.add_argument("--naive-max", type=int, default=10_000, help="largest size the naive pipeline runs at")
    parser.add_argument("--network-max", type=int, default=30_000, help="largest size alliancekg network runs at")
    parser.add_argument("--budget", type=float, default=3600, help="seconds allowed per stage")
    parser.add_argument("--out", default=str(HERE / "results"), help="folder for scale.json and scale.md")
    parser.add_argument("--work", help="work folder (default: a temporary folder per size)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and builds")
    parser.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.child:
        child(args.child, sizes[0], args.seed, Path(args.work), args.repeats, Path(args.work) / f"{args.child}.json")
        return 0
    about = machine()
    rows = [run_size(size, args) for size in sizes]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps({"machine": about, "seed": args.seed, "repeats": args.repeats,
                                                "rows": rows}, indent=1) + "\n", encoding="utf-8")
    text = markdown(rows, about, args)
    (out / "scale.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
