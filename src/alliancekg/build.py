"""``alliancekg build``: load, validate, check, infer, and publish the dataset atomically.

Outputs are written to a temporary folder beside the target and swapped in only when every step
succeeded, so a failed build leaves the previous ``dist/`` as it was.

The data lives in one pyoxigraph store from loading to publishing: the shapes run as queries on it
(pySHACL checks only the focus nodes they flag), the quality checks, the source check and the
inference rules are queries and updates on it, and the dumps stream out of it. No step builds an
rdflib graph of the data. :attr:`BuildResult.timings` gives the seconds each stage took.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from alliancekg.errors import CheckFailed, Finding, LoadError
from alliancekg.inference import infer
from alliancekg.loading import input_files, load_files, load_graph, rdflib_triples, to_oxigraph
from alliancekg.namespaces import bind_prefixes
from alliancekg.outputs import (
    dataset_description,
    jsonld_context,
    load_ntriples,
    write_dumps,
    write_ntriples,
    write_turtle,
)
from alliancekg.provenance import verify_sources
from alliancekg.quality import run_checks, violation_queries
from alliancekg.queryfile import QueryFile, catalogue
from alliancekg.settings import Settings
from alliancekg.sparql import construct_triples, select_rows
from alliancekg.ties import TIE_TABLES, TIES_DIR, write_tie_tables
from alliancekg.validation import ValidationReport, validate, validate_store

__all__ = ["STAGES", "BuildResult", "Validator", "build", "input_paths", "load_store"]

Progress = Callable[[str], None]
#: The stages of a build, in order, as keys of :attr:`BuildResult.timings`.
STAGES = ("load", "validate", "qc", "sources", "inference", "ties", "dumps", "store")


class Validator(str, Enum):
    """How the build runs the SHACL shapes."""

    #: The shapes as queries on the store; pySHACL on the focus nodes they flag (the default).
    STORE = "store"
    #: pySHACL on an rdflib graph of the whole data: the reference, slow on large data.
    PYSHACL = "pyshacl"


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    dist_dir: Path
    counts: dict[str, int]
    asserted_triples: int
    inferred_triples: int
    validation: ValidationReport
    sources_checked: bool
    files: tuple[str, ...] = field(default=())
    #: Wall-clock seconds of each stage (:data:`STAGES`), in order.
    timings: dict[str, float] = field(default_factory=dict)
    #: Peak resident memory of the process (MiB) at the end of each stage.
    peak_memory: dict[str, float] = field(default_factory=dict)


def input_paths(settings: Settings) -> list[Path]:
    """The ontology, vocabularies and data files, in load order (the shapes are not data)."""
    for folder in (settings.ontology_dir, settings.data_dir):
        if not folder.is_dir():
            raise LoadError("folder not found", path=str(folder))
    ontology = [p for p in input_files(settings.ontology_dir) if p.resolve() != settings.shapes_file.resolve()]
    return ontology + input_files(settings.data_dir)


def load_store(graph: Graph) -> ox.Store:
    """An in-memory pyoxigraph store holding ``graph``."""
    store = ox.Store()
    store.extend([ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph])  # type: ignore[arg-type]
    return store


def _report(settings: Settings, name: str) -> QueryFile:
    return QueryFile.from_path(settings.queries_dir / "reports" / f"{name}.rq", root=settings.queries_dir)


def _replace_dir(new: Path, target: Path) -> None:
    """Swap ``new`` into place as ``target``, removing the previous folder afterwards."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        new.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _network_metrics(tables: Path, settings: Settings) -> bytes:
    """The default network analysis of the tie tables in ``tables``, as Turtle."""
    from alliancekg.network import analyse
    from alliancekg.network_rdf import turtle
    from alliancekg.ties import fetch_ties

    return turtle(analyse(fetch_ties(settings=settings, tables=tables)))


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc's ``malloc_trim``;
    nothing more elsewhere), so that a large store just dropped stops counting in the resident
    memory of the stages after it.

    >>> release_memory()
    """
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):  # not glibc
        pass


def _peak_mib() -> float:
    """The peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if os.uname().sysname == "Darwin" else peak / 1024


def build(settings: Settings, *, progress: Progress | None = None, check_sources: bool = True,
          with_metrics: bool = False, validator: Validator | str = Validator.STORE) -> BuildResult:
    """Build the dataset into ``settings.dist_dir``.

    ``with_metrics`` adds the network metrics of the institution projection (every layer and
    period, default options) as the named graph ``graph/metrics`` of the store, and as
    ``metrics.ttl``; the dumps keep the data alone. ``validator`` chooses how the shapes run
    (:class:`Validator`); both give the same report.

    Raises :class:`~alliancekg.errors.LoadError` (exit 2) on unreadable input and
    :class:`~alliancekg.errors.CheckFailed` (exit 1) when validation, a quality check or the source
    check fails; in both cases nothing under ``dist_dir`` changes.
    """
    say = progress or (lambda _step: None)
    validator = Validator(validator)
    timings: dict[str, float] = {}
    peaks: dict[str, float] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - started
        peaks[name] = _peak_mib()

    dist = settings.dist_dir
    dist.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}.tmp-", dir=dist.parent))
    staging.chmod(0o755)
    try:
        with stage("load"):
            say("loading ontology, vocabularies and data")
            store = load_files(input_paths(settings))
            shapes = load_graph([settings.shapes_file])
            static_description = load_graph(input_files(settings.root / "metadata"))
            asserted = len(store)

        with stage("validate"):
            say(f"validating {asserted} triples against the SHACL shapes")
            if validator is Validator.PYSHACL:
                data = bind_prefixes(Graph())
                data.addN((s, p, o, data) for s, p, o in rdflib_triples(store))
                report = validate(data, shapes)
                del data
            else:
                report = validate_store(store, shapes, progress=say)
            if not report.conforms:
                raise CheckFailed(f"the data does not conform to the shapes ({len(report.results)} results)",
                                  problems=[r.line() for r in report.results])

        with stage("qc"):
            say("running quality checks")
            violations: list[Finding] = run_checks(store, violation_queries(settings.queries_dir))
            if violations:
                raise CheckFailed(f"{len(violations)} quality-check violations", problems=[v.line() for v in violations])

        sources_checked = check_sources and settings.seeds_dir.is_dir()
        with stage("sources"):
            if sources_checked:
                say(f"re-reading source documents in {settings.seeds_dir.name}/")
                problems: list[Finding] = verify_sources(store, settings.seeds_dir)
                if problems:
                    raise CheckFailed(f"{len(problems)} passages disagree with their sources",
                                      problems=[p.line() for p in problems])

        with stage("inference"):
            say("adding inferred triples")
            inferred = infer(store, catalogue(settings.queries_dir, "inference"))
            counts = {k: int(v) for k, v in select_rows(store, _report(settings, "summary"))[0].items()}

        with stage("ties"):
            say("writing the tie tables of the network")
            write_tie_tables(store, settings.queries_dir, staging / TIES_DIR)

        with stage("dumps"):
            say("writing N-Triples, Turtle, JSON-LD, RDF/XML and the dataset description")
            nt = staging / "alliancekg.nt"
            statistics = construct_triples(store, _report(settings, "void-statistics"))
            write_ntriples(store, nt)
            del store  # from here on the sorted dump stands for it
            release_memory()
            write_dumps(nt, staging)
            (staging / "context.jsonld").write_text(json.dumps(jsonld_context(), indent=1) + "\n", encoding="utf-8")
            (staging / "validation-report.txt").write_text(report.text(), encoding="utf-8")
            write_turtle(report.graph, staging / "validation-report.ttl")
            tables = {f"{TIES_DIR}/{name}": columns for name, columns in TIE_TABLES.items()}
            write_turtle(dataset_description(static_description, statistics, staging, tables), staging / "void.ttl")

        with stage("store"):
            say("loading the embedded store")
            disk = ox.Store(str(staging / "store"))
            load_ntriples(disk, nt)
            if with_metrics:
                from alliancekg.network_rdf import METRICS_GRAPH  # the network stack, only when asked for

                say("computing the network metrics")
                metrics = _network_metrics(staging / TIES_DIR, settings)
                (staging / "metrics.ttl").write_bytes(metrics)
                disk.bulk_load(metrics, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(METRICS_GRAPH))
            disk.flush()
            del disk
        files = tuple(sorted(p.name for p in staging.iterdir()))
        _replace_dir(staging, dist)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say("done")
    return BuildResult(dist_dir=dist, counts=counts, asserted_triples=asserted, inferred_triples=inferred,
                       validation=report, sources_checked=sources_checked, files=files, timings=timings,
                       peak_memory=peaks)
