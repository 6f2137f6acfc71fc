"""Load test of ``alliancekg serve``: catalogue queries from several client threads, with one
pathological query hogging a slot the whole time.

It runs the real command (``alliancekg serve`` as a subprocess on 127.0.0.1 and a free port) over a
built store: ``--store``, else the reference build in ``dist/store``, else one built into a
temporary folder. The workload is every competency question (``queries/cq/*.rq``), each with the
example values of its ``#+ example:`` header (which the tests check) bound by a ``VALUES`` block,
as a remote engine binds them; ``--concurrency`` threads send them in turn (direct POST, SPARQL JSON
asked; after a 429 a client pauses ``--pause-after-429`` seconds) until ``--requests`` have been
sent or ``--duration-limit`` seconds have passed. Alongside, one thread sends a query that would
count ~4·10^14 solutions, again and again, for the whole run: the server must stop each after its
``--server-timeout`` with 503, while the others are answered.

    python benchmarks/serve_load.py [--requests 2000] [--concurrency 8] [--duration-limit 120]
                                    [--server-timeout 5] [--max-concurrent 4] [--pause-after-429 0.1]
                                    [--store DIR] [--out benchmarks/results/serve.json]

The results go to ``--out`` (JSON) and the same name with ``.md`` (tables): throughput, latency
percentiles per query and overall, status counts (429, the answers "every slot is taken", counted
apart), and each pathological run's status and duration, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Every triple of the store four times over, counted: ~4e14 solutions at 4,400 triples.
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
RESULTS = "application/sparql-results+json"
_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Job:
    """One query of the workload: its catalogue name and its text with parameters bound."""

    name: str
    text: str


def workload(root: Path = ROOT) -> list[Job]:
    """Every ``queries/cq`` query, with its ``#+ example:`` values bound in a ``VALUES`` block."""
    from alliancekg.params import bind_in_text, bind_params
    from alliancekg.queryfile import catalogue

    jobs = []
    for query in catalogue(root / "queries", "cq"):
        terms = bind_params(query.params, dict(query.example))
        jobs.append(Job(query.name.removeprefix("cq/"), bind_in_text(query.text, terms)))
    return jobs


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    beside = Path(sys.executable).with_name("alliancekg")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("alliancekg")
    return [found] if found else [sys.executable, "-c", "from alliancekg.cli import main; main()"]


def _answers(base: str) -> bool:
    split = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=2)
    try:
        connection.request("GET", "/sparql?query=ASK%7B%7D", headers={"Accept": RESULTS})
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def serving(store: Path, *, timeout: float, max_concurrent: int, root: Path = ROOT) -> Iterator[str]:
    """Run ``alliancekg serve`` on ``store`` until the block ends; yield its base URL."""
    env = dict(os.environ, ALLIANCEKG_ROOT=str(root))
    with tempfile.TemporaryFile() as log:
        for _ in range(3):  # another process may take the port between probe and bind
            port = _free_port()
            process = subprocess.Popen(
                [*_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--store", str(store),
                 "--timeout", str(timeout), "--max-concurrent", str(max_concurrent)],
                cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log)
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + _START_TIMEOUT
            while time.monotonic() < deadline and process.poll() is None and not _answers(base):
                time.sleep(0.1)
            if process.poll() is None and _answers(base):
                break
            _stop(process)
        else:
            log.seek(0)
            raise RuntimeError(f"alliancekg serve did not start: {log.read().decode(errors='replace')[-500:]}")
        try:
            yield base
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# ---------------------------------------------------------------- the clients


@dataclass(frozen=True)
class Record:
    """One answered (or failed: status 0) request."""

    name: str
    status: int
    seconds: float
    valid: bool  # a 200 whose body is SPARQL JSON results; other statuses: True


class _Client:
    """A keep-alive connection that reopens after an error."""

    def __init__(self, base: str, timeout: float) -> None:
        split = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = split.hostname, split.port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def post(self, text: str) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.connection.request("POST", "/sparql", body=text.encode("utf-8"),
                                    headers={"Content-Type": "application/sparql-query", "Accept": RESULTS})
            response = self.connection.getresponse()
            body = response.read()
            if response.will_close:
                self.close()
            return response.status, body
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b""

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _valid(body: bytes) -> bool:
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return isinstance(document, dict) and ("results" in document or "boolean" in document)


def _load(base: str, jobs: Sequence[Job], *, requests: int, concurrency: int, deadline: float,
          client_timeout: float, pause_after_429: float) -> list[Record]:
    records: list[Record] = []
    lock = threading.Lock()
    issued = 0

    def client() -> None:
        nonlocal issued
        connection = _Client(base, client_timeout)
        try:
            while True:
                with lock:
                    if issued >= requests or time.monotonic() >= deadline:
                        return
                    job = jobs[issued % len(jobs)]
                    issued += 1
                started = time.perf_counter()
                status, body = connection.post(job.text)
                seconds = time.perf_counter() - started
                with lock:
                    records.append(Record(job.name, status, seconds, status != 200 or _valid(body)))
                if status == 429:
                    time.sleep(pause_after_429)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records


def _hog(base: str, stop: threading.Event, runs: list[dict[str, Any]], client_timeout: float) -> None:
    """Send the pathological query back to back until ``stop`` is set."""
    connection = _Client(base, client_timeout)
    try:
        while not stop.is_set():
            started = time.perf_counter()
            status, body = connection.post(PATHOLOGICAL)
            runs.append({"status": status, "seconds": round(time.perf_counter() - started, 3),
                         "message": body.decode("utf-8", "replace").strip()[:120]})
            if status == 429:
                time.sleep(0.02)  # every slot was taken: try again at once, to hold a slot all the time
    finally:
        connection.close()


# ---------------------------------------------------------------- figures


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile by the nearest-rank method (``None`` without values).

    >>> percentile([1, 2, 3, 4], 50), percentile([1, 2, 3, 4], 99), percentile([], 50)
    (2, 4, None)
    """
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def latency(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50, p95, p99, max and mean of ``seconds``, in milliseconds."""
    figures = {f"p{p}": percentile(seconds, p) for p in (50, 95, 99)}
    figures["max"] = max(seconds) if seconds else None
    figures["mean"] = sum(seconds) / len(seconds) if seconds else None
    return {key: None if value is None else round(value * 1000, 1) for key, value in figures.items()}


def _statuses(records: Sequence[Record]) -> dict[str, int]:
    return {str(status): count for status, count in sorted(Counter(r.status for r in records).items())}


def summarise(records: Sequence[Record], jobs: Sequence[Job], seconds: float) -> dict[str, Any]:
    """Throughput, status counts and latencies, overall and per query."""
    ok = [r for r in records if r.status == 200]
    per_query = {}
    for job in jobs:
        mine = [r for r in records if r.name == job.name]
        per_query[job.name] = {"requests": len(mine), "statuses": _statuses(mine),
                               "latency_ms_200": latency([r.seconds for r in mine if r.status == 200])}
    return {
        "requests": len(records),
        "seconds": round(seconds, 2),
        "throughput_rps": round(len(records) / seconds, 1) if seconds else None,
        "throughput_200_rps": round(len(ok) / seconds, 1) if seconds else None,
        "statuses": _statuses(records),
        "busy_429": sum(1 for r in records if r.status == 429),
        "failed_connections": sum(1 for r in records if r.status == 0),
        "invalid_200_bodies": sum(1 for r in records if not r.valid),
        "latency_ms_200": latency([r.seconds for r in ok]),
        "latency_ms_all": latency([r.seconds for r in records]),
        "per_query": per_query,
    }


def machine(root: Path = ROOT) -> dict[str, Any]:
    """What the figures were measured on."""
    import pyoxigraph
    import uvicorn

    cpu, memory = "", 0
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // 1024
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        if subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True,
                          text=True, check=True).stdout.strip():
            commit += " (with uncommitted changes in src/)"
    except (OSError, subprocess.CalledProcessError):
        commit = ""
    return {
        "cpu": cpu or platform.processor(), "nproc": len(os.sched_getaffinity(0)),
        "ram_gib": round(memory / 1024, 1), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(), "python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
        "uvicorn": uvicorn.__version__, "commit": commit,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# ---------------------------------------------------------------- the run


def _triples(store: Path) -> int:
    import pyoxigraph as ox

    return len(ox.Store.read_only(str(store)))


def run_load(store: Path, *, requests: int = 2000, concurrency: int = 8, duration_limit: float = 120.0,
             server_timeout: float = 5.0, max_concurrent: int = 4, pause_after_429: float = 0.1,
             root: Path = ROOT) -> dict[str, Any]:
    """Serve ``store``, run the load with the pathological query alongside, and return the report.
    A client told 429 waits ``pause_after_429`` seconds before its next request."""
    jobs = workload(root)
    client_timeout = server_timeout + 30
    runs: list[dict[str, Any]] = []
    stop = threading.Event()
    with serving(store, timeout=server_timeout, max_concurrent=max_concurrent, root=root) as base:
        hog = threading.Thread(target=_hog, args=(base, stop, runs, client_timeout), daemon=True)
        hog.start()
        time.sleep(0.3)  # the pathological query holds its slot before the load starts
        started = time.monotonic()
        records = _load(base, jobs, requests=requests, concurrency=concurrency,
                        deadline=started + duration_limit, client_timeout=client_timeout,
                        pause_after_429=pause_after_429)
        seconds = time.monotonic() - started
        stop.set()
        hog.join(timeout=client_timeout)
    finished = list(runs)
    return {
        "machine": machine(root),
        "settings": {"requests": requests, "concurrency": concurrency, "duration_limit_s": duration_limit,
                     "server_timeout_s": server_timeout, "max_concurrent": max_concurrent,
                     "pause_after_429_s": pause_after_429,
                     "store_triples": _triples(store), "queries": len(jobs), "pathological": PATHOLOGICAL},
        "stopped_by": "request count" if len(records) >= requests else "duration limit",
        "load": summarise(records, jobs, seconds),
        "pathological": {
            "runs": len(finished),
            "statuses": dict(sorted(Counter(str(run["status"]) for run in finished).items())),
            "seconds_min": min((run["seconds"] for run in finished if run["status"] == 503), default=None),
            "seconds_max": max((run["seconds"] for run in finished if run["status"] == 503), default=None),
            "message": next((run["message"] for run in finished if run["status"] == 503), None),
            "each": finished,
        },
    }


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown tables."""
    m, s, load, hog = report["machine"], report["settings"], report["load"], report["pathological"]
    lines = [
        "# `alliancekg serve` under load",
        "",
        (f"{m['date']}, commit {m['commit']}: {m['cpu']}, nproc {m['nproc']}, {m['ram_gib']} GiB RAM, "
        f"load average at start {', '.join(map(str, m['load_average_at_start']))}; Python {m['python']}, "
        f"pyoxigraph {m['pyoxigraph']}, uvicorn {m['uvicorn']}."),
        "",
        (f"Store of {s['store_triples']:,} triples; {s['queries']} catalogue queries (`queries/cq`) in turn from "
        f"{s['concurrency']} client threads, at most {s['requests']:,} requests or {s['duration_limit_s']:g} s "
        f"(stopped by the {report['stopped_by']}); server `--timeout {s['server_timeout_s']:g} --max-concurrent "
        f"{s['max_concurrent']}`; a client told 429 pauses {s['pause_after_429_s']:g} s; one pathological query (`{s['pathological']}`) sent again and again "
        "alongside for the whole run."),
        "",
        "| requests | seconds | req/s (all) | req/s (200) | statuses | 429 | failed | invalid 200 |",
        "|---:|---:|---:|---:|---|---:|---:|---:|",
        (f"| {load['requests']:,} | {load['seconds']} | {load['throughput_rps']} | {load['throughput_200_rps']} | "
        f"{', '.join(f'{k}: {v}' for k, v in load['statuses'].items())} | {load['busy_429']} | "
        f"{load['failed_connections']} | {load['invalid_200_bodies']} |"),
        "",
        "Latency in milliseconds:",
        "",
        "| answers | p50 | p95 | p99 | max | mean |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, key in (("200 only", "latency_ms_200"), ("all (with 429)", "latency_ms_all")):
        figures = load[key]
        lines.append(f"| {label} | " + " | ".join(_cell(figures[k]) for k in ("p50", "p95", "p99", "max", "mean"))
                     + " |")
    lines += ["", "Per query (latency of its 200 answers, ms):", "",
              "| query | requests | 200 | 429 | p50 | p95 | p99 | max |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in sorted(report["load"]["per_query"].items()):
        figures = row["latency_ms_200"]
        lines.append(f"| {name} | {row['requests']} | {row['statuses'].get('200', 0)} | "
                     f"{row['statuses'].get('429', 0)} | "
                     + " | ".join(_cell(figures[k]) for k in ("p50", "p95", "p99", "max")) + " |")
    lines += ["", "The pathological query:", "",
              "| runs | statuses | seconds to the answer (503) | message |", "|---:|---|---|---|",
              (f"| {hog['runs']} | {', '.join(f'{k}: {v}' for k, v in hog['statuses'].items())} | "
              f"{_cell(hog['seconds_min'])} – {_cell(hog['seconds_max'])} | {_cell(hog['message'])} |"), ""]
    return "\n".join(lines)


def write_report(report: dict[str, Any], out: Path) -> Path:
    """Write ``out`` (JSON) and its ``.md`` twin; return the Markdown path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    md = out.with_suffix(".md")
    md.write_text(markdown(report), encoding="utf-8")
    return md


@contextmanager
def built_store(store: Path | None, root: Path = ROOT) -> Iterator[Path]:
    """``store``, else the reference build's ``dist/store``, else a build into a temporary folder."""
    if store is not None:
        yield store
        return
    reference = root / "dist" / "store"
    if (reference / "CURRENT").is_file():
        yield reference
        return
    from alliancekg import Settings, build

    with tempfile.TemporaryDirectory(prefix="serve-load-") as folder:
        result = build(Settings(root=root, dist_dir_override=Path(folder) / "dist"))
        yield result.dist_dir / "store"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a built store (default: dist/store, else a fresh build)")
    parser.add_argument("--requests", type=int, default=2000, help="catalogue requests to send (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--duration-limit", type=float, default=120.0, help="seconds before the load stops")
    parser.add_argument("--server-timeout", type=float, default=5.0, help="the server's --timeout (default 5)")
    parser.add_argument("--max-concurrent", type=int, default=4, help="the server's --max-concurrent (default 4)")
    parser.add_argument("--pause-after-429", type=float, default=0.1,
                        help="seconds a client waits after a 429 before its next request (default 0.1)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "serve.json",
                        help="JSON report; the Markdown goes next to it (default benchmarks/results/serve.json)")
    args = parser.parse_args(argv)
    with built_store(args.store) as store:
        report = run_load(store, requests=args.requests, concurrency=args.concurrency,
                          duration_limit=args.duration_limit, server_timeout=args.server_timeout,
                          max_concurrent=args.max_concurrent, pause_after_429=args.pause_after_429)
    md = write_report(report, args.out)
    print(md.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
