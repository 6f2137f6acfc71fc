"""Network analytics of the ties between organisations: the library behind ``alliancekg network``.

:func:`analyse` takes ties (from :func:`alliancekg.ties.fetch_ties`, on the store or any endpoint),
keeps those that hold at a date, projects them and computes the metrics; :func:`snapshots` does
it as of a date or for every year; :func:`write_analysis` writes every export of one analysis.

>>> from alliancekg.ties import Affiliation, Layer, TieSet
>>> ties = TieSet(tuple(Affiliation(Layer.MEMBERSHIP, o, a, start=s) for o, a, s in
...     [("urn:a", "urn:X", "2019"), ("urn:b", "urn:X", "2019"), ("urn:b", "urn:Y", "2021"), ("urn:c", "urn:Y", "2021")]))
>>> [(a.snapshot, a.summary["edges"]) for a in snapshots(ties, per_year=True)]
[('2019', 1), ('2020', 1), ('2021', 2)]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from alliancekg.collector import collector_paused
from alliancekg.errors import UsageError
from alliancekg.metrics import DEFAULT_OPTIONS, MetricOptions, metrics_and_summary, start_metrics_and_summary
from alliancekg.projection import Projection, Weighting, one_mode_ties, project
from alliancekg.ties import Layer, TieSet, check_date

__all__ = ["EVOLUTION_COLUMNS", "Analysis", "analyse", "snapshots", "write_analysis", "write_evolution"]


@dataclass(frozen=True)
class Analysis:
    """One analysed graph: the graph with metrics as node attributes, the metric rows, the
    summary (with the method: projection, layers, weighting, snapshot, options, notes)."""

    graph: nx.Graph
    metrics: Mapping[Hashable, Mapping[str, Any]]
    summary: Mapping[str, Any]
    projection: Projection
    layers: tuple[Layer, ...]
    weighting: Weighting
    snapshot: str | None = None
    options: MetricOptions = field(default_factory=MetricOptions)

    @property
    def name(self) -> str:
        """A short name for files and IRIs: projection, snapshot (``all`` when undated)."""
        return f"{self.projection.value}-{self.snapshot or 'all'}"


def analyse(ties: TieSet, *, projection: Projection | str = Projection.INSTITUTION,
            layers: Iterable[Layer] | None = None, weighting: Weighting | str = Weighting.COUNT,
            at: str | None = None, undated: bool = True, options: MetricOptions = DEFAULT_OPTIONS) -> Analysis:
    """Project the ties of ``layers`` that hold at ``at`` and compute every metric.

    ``layers`` defaults to all layers (memberships for the two-mode and alliance projections);
    ``undated=False`` leaves out ties without a period.
    """
    projection = Projection(projection)
    weighting = Weighting(weighting)
    if at is not None:
        check_date(at)
    with collector_paused():
        return _analyse(ties, projection, layers, weighting, at, undated, options)


def _analyse(ties: TieSet, projection: Projection, layers: Iterable[Layer] | None, weighting: Weighting,
             at: str | None, undated: bool, options: MetricOptions) -> Analysis:
    snapshot = ties.select(at=at, undated=undated)
    notes: list[str] = []
    if projection is Projection.INSTITUTION:  # the metrics start on the ties while their graph is built
        found = one_mode_ties(snapshot, layers=layers, weighting=weighting, labelled=True)
        started = start_metrics_and_summary(found.nodes, found.a, found.b, found.weight, options=options, notes=notes)
        try:
            graph = found.graph()
        except BaseException:
            started.cancel()
            raise
        rows, summary = started.finish(graph)
    else:
        graph = project(snapshot, projection, layers=layers, weighting=weighting, labelled=True)
        rows, summary = metrics_and_summary(graph, options=options, notes=notes)  # communities too, from the same matrix
    chosen = tuple(layers) if layers is not None else (
        tuple(Layer) if projection in (Projection.INSTITUTION, Projection.COUNTRY) else (Layer.MEMBERSHIP,))
    for node, row in rows.items():
        graph.nodes[node].update(row)
    in_layers = snapshot.select(chosen)
    summary = {
        "projection": projection.value, "layers": [layer.value for layer in chosen], "weighting": weighting.value,
        "snapshot": at, "undated_ties": "included" if undated else "excluded",
        "tie_records": len(in_layers.affiliations),
        "undated_tie_records": sum(1 for a in in_layers.affiliations if not a.dated),
        **summary,
        "notes": notes + ([f"{graph.graph['unplaced']} organisation(s) without a country left out"]
                          if graph.graph.get("unplaced") else []),
    }
    return Analysis(graph, rows, summary, projection, chosen, weighting, at, options)


def snapshots(ties: TieSet, *, at: str | None = None, per_year: bool = False,
              **options: Any) -> list[Analysis]:
    """One analysis as of ``at`` (every tie when ``None``), or one per year from the earliest to
    the latest year the ties state when ``per_year``."""
    if per_year and at is not None:
        raise UsageError("choose --at DATE or --per-year, not both")
    if not per_year:
        return [analyse(ties, at=at, **options)]
    years = ties.select(options.get("layers")).years()
    if not years:
        raise UsageError("no tie of these layers has a date, so there is no year to take a snapshot of")
    return [analyse(ties, at=str(year), **options) for year in years]


def write_analysis(analysis: Analysis, out_dir: Path, *, picture: bool = True, html: bool = True,
                   formats: Iterable[str] | None = None) -> list[Path]:
    """Write the exports of ``analysis`` in ``formats`` (every one by default) into ``out_dir``
    (created if needed); see :func:`alliancekg.network_exports.write_all`. Returns the paths written."""
    from alliancekg import network_exports

    with collector_paused():
        return network_exports.write_all(analysis, out_dir, picture=picture, html=html, formats=formats)


#: The graph figures compared across snapshots in ``evolution.csv``.
EVOLUTION_COLUMNS = ("nodes", "edges", "density", "components", "largest_component", "isolates",
                     "average_clustering", "communities", "modularity", "assortativity_country", "assortativity_kind")


def write_evolution(analyses: Iterable[Analysis], out_dir: Path) -> Path:
    """``evolution.csv``: one row per snapshot with the graph figures, to compare them over time."""
    from alliancekg.network_exports import csv_table
    from alliancekg.outputs import write_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [[a.snapshot or "", *(a.summary[c] for c in EVOLUTION_COLUMNS)] for a in analyses]
    path = out_dir / "evolution.csv"
    write_atomic(path, csv_table(["snapshot", *EVOLUTION_COLUMNS], rows))
    return path
