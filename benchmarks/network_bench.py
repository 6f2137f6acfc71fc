"""Benchmark of the whole ``alliancekg network`` run on synthetic tie sets of several sizes.

For each size, in a fresh Python process (so memory is measured per size), it times the stages of
the command after the SPARQL fetch: generating the ties (in place of ``fetch_ties``), ``analyse``
(institution projection, every layer, default :class:`~alliancekg.metrics.MetricOptions`) and
``write_analysis`` with the picture and, when cytoscape.js is installed, the HTML page, into a
temporary folder. Inside those stages it also times the main steps (the projection, Louvain, each
node metric, the summary's parts, each export file) by wrapping the library's functions with
timers in the child process; the library's code is not changed and nothing is computed twice.

    python benchmarks/network_bench.py [--sizes 1000,10000,30000] [--out benchmarks/results]
                                       [--seed 42] [--budget 1800]

A size that runs past ``--budget`` seconds is killed; its row says "over budget" and which step
was running. Results go to ``network.json`` and ``network.md`` in ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STAGES = ("generate", "analyse", "write")

# Steps timed inside each stage: (stage, label, module, attribute or "Class.method", parent label or "").
# Nested steps (a parent is given) are part of their parent's time. The institution projection starts
# its metrics on the ties (forked) while its graph is built, and finishes them on the graph.
STEPS: tuple[tuple[str, str, str, str, str], ...] = (
    ("analyse", "ties as numbers", "alliancekg.network", "one_mode_ties", ""),
    ("analyse", "metrics started", "alliancekg.network", "start_metrics_and_summary", ""),
    ("analyse", "graph built", "alliancekg.projection", "OneModeTies.graph", ""),
    ("analyse", "metrics finished", "alliancekg.metrics", "StartedMetrics.finish", ""),
    ("analyse", "communities (Louvain)", "alliancekg.metrics", "_communities", "metrics finished"),
    ("analyse", "betweenness", "alliancekg.matrix_metrics", "_betweenness", "metrics finished"),
    ("analyse", "closeness", "alliancekg.matrix_metrics", "_closeness", "metrics finished"),
    ("analyse", "eigenvector", "alliancekg.matrix_metrics", "_eigenvector", "metrics finished"),
    ("analyse", "pagerank", "alliancekg.matrix_metrics", "_pagerank", "metrics finished"),
    ("analyse", "constraint, effective size", "alliancekg.matrix_metrics", "_brokerage", "metrics finished"),
    ("analyse", "clustering", "alliancekg.matrix_metrics", "_clustering", "metrics finished"),
    ("analyse", "core number", "alliancekg.matrix_metrics", "_core_number", "metrics finished"),
    ("analyse", "graph_summary", "alliancekg.metrics", "_summary", "metrics finished"),
    ("analyse", "modularity", "alliancekg.metrics", "_modularity", "metrics finished"),
    ("analyse", "assortativity", "alliancekg.metrics", "_assortativity", "metrics finished"),
    ("analyse", "diameters", "alliancekg.metrics", "_diameters", "metrics finished"),
    ("write", "nodes.csv", "alliancekg.network_exports", "nodes_csv", ""),
    ("write", "edges.csv", "alliancekg.network_exports", "edges_csv", ""),
    ("write", "metrics.csv", "alliancekg.network_exports", "metrics_csv", ""),
    ("write", "dictionary.csv", "alliancekg.network_exports", "dictionary_rows", ""),
    ("write", "summary.json", "alliancekg.network_exports", "summary_json", ""),
    ("write", "edges.csv + network.graphml + network.gexf", "alliancekg.network_formats", "write_graphml_and_gexf", ""),
    ("write", "network.json", "alliancekg.network_formats", "write_node_link", ""),
    ("write", "metrics.ttl", "alliancekg.network_rdf", "metrics_turtle", ""),
    ("write", "layout", "alliancekg.pictures", "layout", ""),
    ("write", "network.png", "alliancekg.pictures", "write_png", ""),
    ("write", "network.html", "alliancekg.pictures", "write_html", ""),
)


# ---------------------------------------------------------------- child: one size


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process and of the processes it forked."""
    own, forked = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + forked.ru_utime + forked.ru_stime


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class _Recorder:
    """Writes one JSON line per event to ``path`` (so a killed run still tells how far it got) and
    adds the time of every call of the wrapped library functions to the running stage."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("a", encoding="utf-8")
        self.stage = ""
        self.missing: list[str] = []

    def emit(self, **event: Any) -> None:
        self.file.write(json.dumps(event) + "\n")
        self.file.flush()

    def wrap(self, stage: str, label: str, module_name: str, attribute: str) -> None:
        import importlib

        owner: Any = importlib.import_module(module_name)
        *classes, name = attribute.split(".")  # "Class.method" wraps a method
        for part in classes:
            owner = getattr(owner, part, None)
        original = getattr(owner, name, None)
        if original is None:
            self.missing.append(f"{module_name}.{attribute}")
            return

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.stage != stage:
                return original(*args, **kwargs)
            self.emit(event="step", stage=stage, step=label, t=time.time(), pid=os.getpid())
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.emit(event="step done", stage=stage, step=label, seconds=time.perf_counter() - start,
                          pid=os.getpid())

        setattr(owner, name, timed)

    def run(self, stage: str, action: Callable[[], Any]) -> Any:
        self.stage = stage
        self.emit(event="start", stage=stage, t=time.time())
        start = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - start
        self.emit(event="done", stage=stage, seconds=seconds, peak_rss_mib=_peak_mib())
        print(f"  {stage:<9} {seconds:9.2f} s   peak RSS {_peak_mib():8.0f} MiB", file=sys.stderr, flush=True)
        self.stage = ""
        return result


def _cytoscape_installed() -> bool:
    return (ROOT / "node_modules" / "cytoscape" / "dist" / "cytoscape.min.js").is_file()


def child(size: int, seed: int, events: Path, work: Path) -> None:
    """Run the three stages for one size, reporting to ``events`` and writing the exports into ``work``."""
    sys.path.insert(0, str(HERE))
    from synthetic_ties import synthetic_ties

    from alliancekg.metrics import MetricOptions
    from alliancekg.network import analyse, write_analysis

    recorder = _Recorder(events)
    for stage, label, module, attribute, _ in STEPS:
        recorder.wrap(stage, label, module, attribute)
    html = _cytoscape_installed()
    options = MetricOptions(seed=seed)
    try:
        ties = recorder.run("generate", lambda: synthetic_ties(size, seed=seed))
        analysis = recorder.run("analyse", lambda: analyse(ties, projection="institution", layers=None,
                                                           options=options))
        recorder.emit(event="graph", tie_records=len(ties.affiliations), nodes=analysis.summary["nodes"],
                      edges=analysis.summary["edges"])
        written = recorder.run("write", lambda: write_analysis(analysis, work, picture=True, html=html))
    except Exception as error:
        recorder.emit(event="error", stage=recorder.stage, error=f"{type(error).__name__}: {error}")
        raise
    files = {path.name: path.stat().st_size for path in written}
    summary = analysis.summary
    recorder.emit(event="result", size=size, seed=seed, communities=summary["communities"],
                  largest_component=summary["largest_component"], notes=list(summary["notes"]),
                  html=html, files=files, peak_rss_mib=_peak_mib(), missing_steps=recorder.missing, pid=os.getpid(),
                  writer_peak_rss_mib=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  cpu_seconds=_cpu_seconds(), load_average_after=[round(x, 2) for x in os.getloadavg()])


# ---------------------------------------------------------------- parent: every size


def _hwm_mib(pid: int) -> float | None:
    """The peak resident memory of a running process, from /proc (None when unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_size(size: int, seed: int, budget: float) -> dict[str, Any]:
    """One size in a child process, killed after ``budget`` seconds."""
    with tempfile.TemporaryDirectory(prefix="network-bench-") as folder:
        events_path = Path(folder) / "events.jsonl"
        events_path.touch()
        command = [sys.executable, str(Path(__file__).resolve()), "--child", str(size), "--seed", str(seed),
                   "--events", str(events_path), "--work", str(Path(folder) / "out")]
        env = {**os.environ, "MPLBACKEND": "Agg"}
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        peak = 0.0
        status = "ok"
        killed_at = time.time()
        try:
            while process.poll() is None:
                peak = max(peak, _hwm_mib(process.pid) or 0.0)
                if time.perf_counter() - start > budget:
                    killed_at = time.time()
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    status = "over budget"
                    break
                time.sleep(0.5)
        finally:  # interrupted: do not leave the child running
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        wall = time.perf_counter() - start
        if status == "ok" and process.returncode != 0:
            status = f"failed (exit code {process.returncode})"
        events = [json.loads(line) for line in events_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    row: dict[str, Any] = {"size": size, "status": status, "wall_seconds": wall, "stages": {}, "steps": []}
    steps: dict[tuple[str, str, bool], list[float]] = {}
    main_pid = next((e["pid"] for e in events if e["event"] == "result"), None)
    for event in events:
        if event["event"] == "done":
            row["stages"][event["stage"]] = event["seconds"]
            peak = max(peak, event["peak_rss_mib"])
        elif event["event"] == "graph":
            row.update({k: v for k, v in event.items() if k != "event"})
        elif event["event"] == "step done":
            forked = main_pid is not None and event.get("pid") != main_pid
            steps.setdefault((event["stage"], event["step"], forked), []).append(event["seconds"])
        elif event["event"] == "error":
            row["error"] = event["error"]
        elif event["event"] == "result":
            row.update({k: v for k, v in event.items() if k not in ("event", "peak_rss_mib", "pid")})
            peak = max(peak, event["peak_rss_mib"])
    row["steps"] = [{"stage": stage, "step": step, "seconds": sum(times), "calls": len(times), "forked": forked}
                    for (stage, step, forked), times in steps.items()]
    if status != "ok":
        open_events: list[dict[str, Any]] = []  # the stage and the steps started and not finished
        for event in events:
            if event["event"] in ("start", "step"):
                open_events.append(event)
            elif event["event"] in ("done", "step done") and open_events:
                open_events.pop()
        if open_events:
            last = open_events[-1]
            row["running"] = {"stage": last["stage"], "step": last.get("step", ""),
                              "seconds_in_step": round(killed_at - last["t"], 1)}
    row["total_seconds"] = sum(row["stages"].values()) if status == "ok" else None
    row["output_mib"] = sum(row.get("files", {}).values()) / 2**20
    row["peak_rss_mib"] = peak
    return row


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import matplotlib
    import networkit
    import networkx
    import numpy
    import scipy

    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // 1024
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout.strip()
        if changed:
            commit += " (with uncommitted changes in src/)"
    except (OSError, subprocess.CalledProcessError):
        commit = ""
    return {
        "cpu": cpu or platform.processor(), "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
        "ram_gib": round(memory / 1024, 1), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(), "python": platform.python_version(), "networkx": networkx.__version__, "networkit": networkit.__version__,
        "scipy": scipy.__version__, "numpy": numpy.__version__, "matplotlib": matplotlib.__version__,
        "commit": commit, "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _seconds(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _stage_cell(row: dict[str, Any], stage: str) -> str:
    if stage in row["stages"]:
        return _seconds(row["stages"][stage])
    running = row.get("running")
    if running and running["stage"] == stage:
        return row["status"]
    return "" if row["status"] == "ok" else "not run"


def _forked(row: dict[str, Any], stage: str, label: str) -> bool:
    return any(s.get("forked") for s in row["steps"] if s["stage"] == stage and s["step"] == label)


def _step_seconds(row: dict[str, Any], stage: str, label: str) -> float | None:
    found = [s["seconds"] for s in row["steps"] if s["stage"] == stage and s["step"] == label]
    return found[0] if found else None


def markdown(rows: list[dict[str, Any]], about: dict[str, Any], *, seed: int, budget: float) -> str:
    """The results as a Markdown page: one table of stages, one of steps, and the machine."""
    html = any(r.get("html") for r in rows)
    lines = [
        "# `alliancekg network` on synthetic tie sets",
        "",
        (f"Made by `python benchmarks/network_bench.py`: synthetic ties of each size (seed {seed}), the "
        "institution projection of every layer, default metric options, every export with the picture"
        f"{' and the HTML page' if html else ''}, one fresh process per size. Wall-clock seconds per stage; "
        f"the budget was {budget:.0f} s per size. *CPU s* adds up the CPU time of the size's process and of "
        "the processes it forks (two run at once at the larger sizes); *load after* is the machine's load "
        "average (1, 5, 15 minutes) when the size finished: above 2, other work shared the two cores."),
        "",
        ("| institutions | tie records | nodes | edges | generate s | analyse s | write s | total s "
        "| CPU s | load after | peak RSS MiB | writer RSS MiB | output MiB | status |"),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        status = r["status"]
        if r.get("running"):
            running = r["running"]
            status += f" (in {running['stage']}{': ' + running['step'] if running['step'] else ''})"
        if r.get("error"):
            status += f": {r['error']}"
        counts = [f"{r[k]:,}" if k in r else "" for k in ("tie_records", "nodes", "edges")]
        cells = [f"{r['size']:,}", *counts, *(_stage_cell(r, s) for s in STAGES), _seconds(r["total_seconds"]),
                 _seconds(r.get("cpu_seconds")), " ".join(f"{x:.1f}" for x in r.get("load_average_after", [])),
                 f"{r['peak_rss_mib']:.0f}", f"{r['writer_peak_rss_mib']:.0f}" if r.get("writer_peak_rss_mib") else "",
                 f"{r['output_mib']:.0f}" if r.get("files") else "", status]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Steps", "",
              ("Seconds spent in the main steps, timed by wrapping the library's functions in the benchmark's "
              "process; an indented step is part of the step above it, and *rest* is the stage's time outside "
              "the listed steps. From 100,000 ties GraphML, GEXF and edges.csv are written by a forked process "
              "beside the other files (marked ∥, not part of *rest*; its peak memory is the *writer RSS*)."), ""]
    lines.append("| stage | step | " + " | ".join(f"{r['size']:,}" for r in rows) + " |")
    lines.append("|---|---|" + "---:|" * len(rows))
    for stage in STAGES[1:]:
        for step_stage, label, _, _, parent in STEPS:
            if step_stage != stage:
                continue
            cells = [_seconds(_step_seconds(r, stage, label), 2) + (" ∥" if _forked(r, stage, label) else "")
                     for r in rows]
            if any(cells):
                name = label if not parent else f"↳ {label}" + (f" (in {parent})" if "+" in parent else "")
                lines.append(f"| {stage} | {name} | " + " | ".join(cells) + " |")
        rest = []
        for r in rows:
            if stage not in r["stages"]:
                rest.append("")
                continue
            top = sum(_step_seconds(r, stage, label) or 0.0
                      for s, label, _, _, parent in STEPS if s == stage and not parent and not _forked(r, s, label))
            rest.append(_seconds(r["stages"][stage] - top, 2))
        lines.append(f"| {stage} | *rest* | " + " | ".join(rest) + " |")
    notes = [f"- {r['size']:,}: " + "; ".join(r["notes"]) + "." for r in rows if r.get("notes")]
    if notes:
        lines += ["", "Notes of the analyses:", "", *notes]
    if not html:
        lines += ["", "network.html was not written: cytoscape.js is not installed (`make install`)."]
    lines += ["", "## Machine", ""]
    lines += [f"- {key.replace('_', ' ')}: {value}" for key, value in about.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,10000,30000", help="institutions per run, comma-separated")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="folder for network.json and network.md")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds allowed per size")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--events", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        child(args.child, args.seed, args.events, args.work)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so a stopped run kills its child too
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    about = machine()
    if not _cytoscape_installed():
        print("cytoscape.js is not installed: network.html is skipped (run `make install` to include it)",
              file=sys.stderr)
    header = f"{'institutions':>12} {'nodes':>8} {'edges':>10} " + " ".join(f"{s:>9}" for s in STAGES) + \
        f" {'total':>9} {'RSS MiB':>8}  status"
    rows = []
    for size in sizes:
        print(f"{size:,} institutions:", file=sys.stderr, flush=True)
        row = run_size(size, args.seed, args.budget)
        rows.append(row)
        if len(rows) == 1:
            print(header)
        cells = " ".join(f"{_stage_cell(row, s):>9}" for s in STAGES)
        print(f"{size:>12,} {row.get('nodes', 0):>8,} {row.get('edges', 0):>10,} {cells} "
              f"{_seconds(row['total_seconds']):>9} {row['peak_rss_mib']:>8.0f}  {row['status']}"
              + (f" in {row['running']['stage']} {row['running']['step']}".rstrip() if row.get("running") else "")
              + (f": {row['error']}" if row.get("error") else ""), flush=True)
        args.out.mkdir(parents=True, exist_ok=True)  # written after each size, so a stopped run keeps its rows
        document = {"machine": about, "seed": args.seed, "budget_seconds": args.budget, "runs": rows}
        (args.out / "network.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        (args.out / "network.md").write_text(markdown(rows, about, seed=args.seed, budget=args.budget),
                                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
