"""The ``alliancekg`` command line: a thin layer over the library.

Exit codes: 0 ok, 1 the data failed a check, 2 usage or load error.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from alliancekg.build import BuildResult, input_paths
from alliancekg.build import build as run_build
from alliancekg.engines import Engine
from alliancekg.errors import AllianceKGError, QueryError
from alliancekg.loading import load_graph
from alliancekg.namespaces import DATA_GRAPH, shorten
from alliancekg.outputs import write_atomic
from alliancekg.params import parse_assignments
from alliancekg.passages import find_span, passage_turtle, read_source
from alliancekg.provenance import verify_sources
from alliancekg.query import DEFAULT_TIMEOUT, find_query, open_engine, run_query
from alliancekg.queryfile import catalogue
from alliancekg.results import Format, QueryResult
from alliancekg.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)


@contextmanager
def _errors_to_exit_codes() -> Iterator[None]:
    try:
        yield
    except AllianceKGError as error:
        err.print(f"[bold red]error:[/] {error}", markup=True, soft_wrap=True)
        for line in getattr(error, "problems", []):
            err.print(f"  {line}", markup=False, soft_wrap=True)
        sys.exit(error.exit_code)


def _path_options(command: F) -> F:
    command = click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
                           help="Folder of reference data (default: data/).")(command)
    command = click.option("--seeds", "seeds_dir", type=click.Path(file_okay=False, path_type=Path),
                           help="Folder of source documents (default: a seeds/ folder in or beside --data, "
                                "else ../shared/seeds).")(command)
    return command


def _path_settings(data_dir: Path | None, seeds_dir: Path | None, **others: Path | None) -> Settings:
    """Settings for the ``--data`` and ``--seeds`` options: a data folder that carries its own
    sources (``DATA/seeds`` or ``DATA/../seeds``, as ``alliancekg synth`` writes them) is checked
    against them unless ``--seeds`` or ``ALLIANCEKG_SEEDS`` says otherwise."""
    if data_dir is not None and seeds_dir is None and not os.environ.get("ALLIANCEKG_SEEDS"):
        seeds_dir = next((d for d in (data_dir / "seeds", data_dir.parent / "seeds") if d.is_dir()), None)
    return Settings.from_env(data_dir=data_dir, seeds_dir=seeds_dir, **others)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="alliancekg")
def main() -> None:
    """alliancekg: a knowledge graph of academic alliances."""


@main.command()
@_path_options
@click.option("--out", "dist_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/); replaced only when the build succeeds.")
@click.option("--no-source-check", is_flag=True, help="Do not re-read the source documents.")
@click.option("--with-metrics", is_flag=True,
              help="Also store the network metrics as the named graph https://w3id.org/alliancekg/graph/metrics.")
@click.option("--quiet", "-q", is_flag=True, help="Print no summary.")
def build(data_dir: Path | None, seeds_dir: Path | None, dist_dir: Path | None,
          no_source_check: bool, with_metrics: bool, quiet: bool) -> None:
    """Validate the data and publish it: dumps, reports, VoID/DCAT and the embedded store."""
    settings = _path_settings(data_dir, seeds_dir, dist_dir=dist_dir)
    with _errors_to_exit_codes():
        if err.is_terminal and not quiet:
            with err.status("building") as status:
                result = run_build(settings, progress=lambda step: status.update(step),
                                   check_sources=not no_source_check, with_metrics=with_metrics)
        else:
            result = run_build(settings, check_sources=not no_source_check, with_metrics=with_metrics)
    if not quiet:
        print_summary(result)


def print_summary(result: BuildResult) -> None:
    """The short summary ``make demo`` shows."""
    table = Table(title="alliancekg", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("institutions", "alliances", "memberships", "partnerships", "programmes", "chairs",
                "observations", "events", "sources", "passages"):
        table.add_row(key, str(result.counts.get(key, 0)))
    table.add_row("triples (asserted + inferred)",
                  f"{result.asserted_triples} + {result.inferred_triples} = {result.counts.get('triples', 0)}")
    out.print(table)
    checked = "passages re-read from the sources" if result.sources_checked else "sources not re-read (folder absent)"
    out.print(f"Validation: conforms to the SHACL shapes, quality checks pass, {checked}.")
    where = _relative(result.dist_dir)
    out.print(f"Outputs in {where}/: {', '.join(n for n in result.files)}")
    out.print("Next:")
    out.print("  .venv/bin/alliancekg verify-sources   # re-check every passage against its source", soft_wrap=True)
    out.print(f"  cat {where}/validation-report.txt   # the SHACL report", soft_wrap=True)
    out.print("  .venv/bin/alliancekg queries   # the query catalogue", soft_wrap=True)
    out.print("  .venv/bin/alliancekg query institution-alliances -p institution=id:org/ipgp   # ask one",
              soft_wrap=True)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@main.command("verify-sources")
@_path_options
def verify_sources_command(data_dir: Path | None, seeds_dir: Path | None) -> None:
    """Re-read the source documents: hashes, lengths, and that every passage names what it supports."""
    settings = _path_settings(data_dir, seeds_dir)
    with _errors_to_exit_codes():
        if not settings.seeds_dir.is_dir():
            raise click.UsageError(f"no source folder at {settings.seeds_dir}")
        graph = load_graph(input_paths(settings))
        problems = verify_sources(graph, settings.seeds_dir)
    for problem in problems:
        out.print(problem.line(), markup=False, soft_wrap=True)
    if problems:
        err.print(f"{len(problems)} problems")
        sys.exit(1)
    out.print("Every source file matches its hash and every passage names what it supports.")


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", required=True, help="The source document's slug, as in id:source/SLUG.")
@click.option("--from", "start", required=True, help="The first words of the passage.")
@click.option("--to", "end", help="The last words of the passage (default: the --from words only).")
@click.option("--occurrence", default=1, show_default=True, help="Which occurrence of --from to use.")
def passage(source: Path, slug: str, start: str, end: str | None, occurrence: int) -> None:
    """Print the Turtle declaration of a passage of SOURCE, for curators adding facts."""
    with _errors_to_exit_codes():
        span = find_span(read_source(source), start=start, end=end, occurrence=occurrence)
    click.echo(passage_turtle(slug, span), nl=False)


@main.command("queries")
@click.argument("folder", required=False)
def queries_command(folder: str | None) -> None:
    """List the query catalogue (or one FOLDER of it): name, summary and parameters."""
    settings = Settings.from_env()
    with _errors_to_exit_codes():
        if folder and not (settings.queries_dir / folder).is_dir():
            raise QueryError(f"no query folder {folder!r} in {settings.queries_dir.name}/")
        queries = catalogue(settings.queries_dir, folder)
    rows = [(q.name, q.summary, ", ".join(f"{name} ({kind})" for name, kind in q.params.items()))
            for q in queries]
    if not out.is_terminal:  # one tab-separated line per query for scripts
        for row in rows:
            click.echo("\t".join(row))
        return
    table = Table(show_header=True, show_lines=False)
    for column in ("name", "summary", "params"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out.print(table)


_SUFFIX_FORMATS = {".csv": Format.CSV, ".tsv": Format.TSV, ".json": Format.JSON, ".srj": Format.JSON,
                   ".xml": Format.XML, ".srx": Format.XML, ".ttl": Format.TURTLE, ".nt": Format.NTRIPLES,
                   ".jsonld": Format.JSONLD}


def _output_format(requested: str | None, output: str | None, kind: str) -> Format:
    if requested:
        return Format(requested)
    if output and output != "-":
        suffix = Path(output).suffix.lower()
        if suffix in _SUFFIX_FORMATS:
            return _SUFFIX_FORMATS[suffix]
    elif out.is_terminal and kind in ("select", "ask"):
        return Format.TABLE
    return Format.TURTLE if kind in ("construct", "describe") else Format.CSV


def _engine(endpoint: str | None, graphs: tuple[str, ...], engine: str, settings: Settings,
            **remote: Any) -> Engine:
    """The endpoint when one is given (on ``graphs``, default the published data graph; ``default``
    for the endpoint's default graph), else the local ``engine``."""
    if endpoint:
        graph_iris = [g for g in (graphs or (DATA_GRAPH,)) if g != "default"]
        return open_engine(endpoint, graphs=graph_iris, **remote)
    return open_engine(engine, settings=settings)


def print_table(result: QueryResult) -> None:
    """Rows as a table on the terminal, IRIs shortened with the project's prefixes."""
    if result.kind == "ask":
        out.print("yes" if result.boolean else "no")
        return
    table = Table(show_header=True)
    for column in result.columns:
        table.add_column(column, overflow="fold")
    for row in result.terms:
        table.add_row(*("" if t is None else shorten(t.value) if isinstance(t, ox.NamedNode) else t.value
                        for t in row))
    out.print(table)


@main.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter; repeat for several. IRIs may use prefixes (id:org/ipgp).")
@click.option("--at", metavar="DATE", help="Shorthand for -p at=DATE (YYYY-MM-DD) on dated queries.")
@click.option("--format", "-f", "fmt", type=click.Choice([f.value for f in Format]),
              help="Output format (default: a table on a terminal, else CSV or Turtle, or from -o's suffix).")
@click.option("--endpoint", metavar="URL", help="Query a remote SPARQL endpoint instead of the embedded store.")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help=f"With --endpoint: the graph holding the data (default: {DATA_GRAPH}; 'default' for the "
                   "server's default graph).")
@click.option("--engine", type=click.Choice(["store", "memory"]), default="store", show_default=True,
              help="Local engine: the embedded pyoxigraph store, or rdflib in memory.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds before the query is stopped.")
@click.option("--limit", type=click.IntRange(min=0), help="Return at most N rows.")
@click.option("--row-cap", type=click.IntRange(min=1), metavar="N",
              help="With --endpoint: the server's row cap; an answer of exactly N rows is reported as partial.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
def query(name: str, params: tuple[str, ...], at: str | None, fmt: str | None, endpoint: str | None,
          graphs: tuple[str, ...], engine: str, timeout: float, limit: int | None, row_cap: int | None,
          output: str | None) -> None:
    """Run a catalogue query NAME (see `alliancekg queries`) or a FILE.rq."""
    settings = Settings.from_env()
    with _errors_to_exit_codes():
        query_file = find_query(name, queries_dir=settings.queries_dir)
        values = parse_assignments(params)
        if at is not None:
            if "at" not in query_file.params:
                raise QueryError(f"{query_file.name} takes no 'at' parameter (it takes: "
                                 f"{', '.join(query_file.params) or 'none'})")
            values["at"] = at
        chosen = _engine(endpoint, graphs, engine, settings, timeout=timeout, row_cap=row_cap)
        result = run_query(query_file, values, engine=chosen, settings=settings, timeout=timeout, limit=limit)
        chosen_format = _output_format(fmt, output, result.kind)
        if chosen_format is Format.TABLE:
            if output and output != "-":
                raise QueryError("a table is for the terminal: choose csv, tsv, json or xml with -o")
            print_table(result)
        else:
            data = result.serialize(chosen_format)
            if output and output != "-":
                write_atomic(Path(output), data)
            else:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
    if result.kind == "select":
        more = " (more rows exist: raise --limit)" if result.truncated else ""
        err.print(f"{len(result)} row{'' if len(result) == 1 else 's'}{more}", style="dim" if not result.truncated else "yellow")


@main.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="The remote store's Graph Store Protocol URL (Oxigraph: http://HOST:7878/store).")
@click.option("--graph", default=DATA_GRAPH, show_default=True, metavar="IRI",
              help="The named graph to replace ('default' for the store's default graph).")
@click.option("--dist", "dist_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The built folder to publish (default: dist/).")
@click.option("--timeout", type=click.FloatRange(min=1), default=300, show_default=True,
              help="Seconds to wait on each network operation, including the store's load.")
def publish(endpoint: str, graph: str, dist_dir: Path | None, timeout: float) -> None:
    """Load the built dataset into a remote store, replacing the graph in one request."""
    from alliancekg.publish import publish as run_publish

    settings = Settings.from_env(dist_dir=dist_dir)
    with _errors_to_exit_codes():
        result = run_publish(settings, endpoint=endpoint, graph=None if graph == "default" else graph,
                             timeout=timeout)
    where = "the default graph" if result.graph is None else f"<{result.graph}>"
    out.print(f"Published {result.bytes_sent:,} bytes to {where} at {result.url} "
              f"(HTTP {result.status}, {result.seconds:.1f} s).", soft_wrap=True)
    out.print(f"Query it: alliancekg query NAME --endpoint SPARQL_QUERY_URL"
              f"{'' if graph == DATA_GRAPH else ' --graph ' + graph}", soft_wrap=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path),
              help="The built store to serve (default: dist/store); its folder's dumps are served too.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30, show_default=True,
              help="Seconds a query may run before it is stopped.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows (or triples) an answer may hold; a cut answer says so.")
@click.option("--max-concurrent", type=click.IntRange(min=1), default=4, show_default=True,
              help="Queries run at once; more get HTTP 429.")
@click.option("--max-body", type=click.IntRange(min=1), default=1 << 20, show_default=True,
              help="Largest request body in bytes (HTTP 413 above).")
def serve(host: str, port: int, store: Path | None, timeout: float, max_rows: int, max_concurrent: int,
          max_body: int) -> None:
    """Serve the store read-only: SPARQL endpoint, query UI, linked-data pages, VoID and dumps."""
    import uvicorn

    from alliancekg.web import ServerOptions, create_app

    options = ServerOptions(timeout=timeout, max_rows=max_rows, max_concurrent=max_concurrent,
                            max_body_bytes=max_body)
    with _errors_to_exit_codes():
        app = create_app(Settings.from_env(), options=options, store=store)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    for what, path in (("query UI", "/"), ("SPARQL endpoint", "/sparql"), ("VoID and DCAT", "/.well-known/void"),
                       ("ontology docs", "/ontology"), ("resources", "/id/...")):
        out.print(f"{what:>16}  {base}{path}", soft_wrap=True, markup=False)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False,
                            h11_max_incomplete_event_size=options.max_url_chars + 16_384,
                            limit_concurrency=options.max_connections, timeout_keep_alive=5)
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down cleanly
        pass
    finally:
        app.state.service.close()


@main.command()
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the exports to (created if needed; files are replaced atomically).")
@click.option("--layers", default="all", show_default=True, metavar="LIST",
              help="Comma-separated tie layers: membership, partnership, programme, chair-lab, sub-organisation.")
@click.option("--projection", type=click.Choice(["institution", "two-mode", "alliance", "country"]),
              default="institution", show_default=True,
              help="institution: organisation x organisation; two-mode: organisation x alliance (or hub); "
                   "alliance: alliance x alliance; country: country x country.")
@click.option("--weighting", type=click.Choice(["count", "overlap", "jaccard"]), default="count", show_default=True,
              help="Weight of an organisation x organisation tie: hubs shared, or that count normalised.")
@click.option("--at", metavar="DATE", help="Take the ties that hold at DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--per-year", is_flag=True, help="One analysis per year the ties span, each in its own folder.")
@click.option("--dated-only", is_flag=True, help="Leave out ties whose source gives no period.")
@click.option("--endpoint", metavar="URL", help="Read the ties from a remote SPARQL endpoint instead of the store.")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="With --endpoint: the graph(s) holding the data (default: the published data graph).")
@click.option("--engine", type=click.Choice(["store", "memory"]), default="store", show_default=True,
              help="The local engine when no --endpoint is given.")
@click.option("--requery", is_flag=True,
              help="On the store, run the tie queries instead of reading the tie tables the build wrote beside it.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of community detection and sampling.")
@click.option("--exact-limit", type=click.IntRange(min=2), default=1000, show_default=True,
              help="Above this many nodes, betweenness and closeness are sampled and diameters estimated.")
@click.option("--samples", type=click.IntRange(min=1), default=100, show_default=True,
              help="Sources (betweenness) and pivots (closeness) sampled above --exact-limit.")
@click.option("--formats", default="all", show_default=True, metavar="LIST",
              help="Comma-separated exports: csv (nodes, edges, metrics, dictionary), graphml, gexf, json "
                   "(node-link), rdf (metrics.ttl). summary.json is always written.")
@click.option("--no-picture", is_flag=True, help="Do not draw network.png.")
@click.option("--no-html", is_flag=True, help="Do not write the interactive network.html.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=600, show_default=True,
              help="Seconds each tie query may run.")
def network(out_dir: Path, layers: str, projection: str, weighting: str, at: str | None, per_year: bool,
            dated_only: bool, endpoint: str | None, graphs: tuple[str, ...], engine: str, requery: bool, seed: int,
            exact_limit: int, samples: int, formats: str, no_picture: bool, no_html: bool, timeout: float) -> None:
    """Analyse the network of ties between organisations and write Gephi, pandas and RDF exports.

    On the built store the ties are read from the tie tables the build wrote beside it (``ties/``
    in the build folder): the ties the same queries give, gathered from the same triples.
    """
    from alliancekg.metrics import MetricOptions
    from alliancekg.network import snapshots, write_analysis, write_evolution
    from alliancekg.network_exports import parse_formats
    from alliancekg.ties import TIES_DIR, fetch_ties, parse_layers

    settings = Settings.from_env()
    with _errors_to_exit_codes():
        chosen_layers = None if layers == "all" else parse_layers(layers)
        chosen_formats = parse_formats(formats)
        tables = settings.dist_dir / TIES_DIR
        if endpoint or engine != "store" or requery or not tables.is_dir():
            tables = None
        chosen = None if tables else _engine(endpoint, graphs, engine, settings, timeout=timeout)
        ties = fetch_ties(chosen_layers, engine=chosen, settings=settings, timeout=timeout, tables=tables)
        analyses = snapshots(ties, at=at, per_year=per_year, projection=projection, layers=chosen_layers,
                             weighting=weighting, undated=not dated_only,
                             options=MetricOptions(seed=seed, exact_limit=exact_limit, samples=samples))
        gc.freeze()  # the ties and graphs last until the command ends: spare them the collector's full passes
        written = []
        for analysis in analyses:
            folder = out_dir / analysis.snapshot if per_year and analysis.snapshot else out_dir
            written += write_analysis(analysis, folder, picture=not no_picture, html=not no_html,
                                      formats=chosen_formats)
        if per_year:
            written.append(write_evolution(analyses, out_dir))
    print_network_summary(analyses, out_dir, written)


def print_network_summary(analyses: list[Any], out_dir: Path, written: list[Path]) -> None:
    table = Table(title="Network", title_justify="left")
    for column in ("snapshot", "nodes", "edges", "density", "components", "largest", "communities", "modularity"):
        table.add_column(column, justify="left" if column == "snapshot" else "right")
    for analysis in analyses:
        s = analysis.summary
        table.add_row(analysis.snapshot or "all periods", str(s["nodes"]), str(s["edges"]), f"{s['density']:.3f}",
                      str(s["components"]), str(s["largest_component"]), str(s["communities"]),
                      "" if s["modularity"] is None else f"{s['modularity']:.3f}")
    out.print(table)
    last = analyses[-1]
    brokers = sorted(last.metrics.items(), key=lambda item: (-item[1]["betweenness"], str(item[0])))[:5]
    if brokers and brokers[0][1]["betweenness"] > 0:
        out.print("Highest betweenness: " + "; ".join(
            f"{last.graph.nodes[n].get('label', n)} ({row['betweenness']:.3f})" for n, row in brokers
            if row["betweenness"] > 0), soft_wrap=True)
    for note in last.summary["notes"]:
        out.print(f"note: {note}", style="dim", soft_wrap=True)
    names = sorted({path.name for path in written})
    out.print(f"Wrote {len(written)} files to {_relative(out_dir)}/: {', '.join(names)}", soft_wrap=True)


@main.command()
@click.option("--institutions", "-n", required=True, type=int, help="Number of institutions (at least 1).")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of every random draw.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder to write data/, seeds/ and synth.json to (must be empty or absent).")
@click.option("--partnerships-per-institution", "rate", type=float,
              help="Mean number of bilateral partners of an institution (default: 36 from 10,000 institutions, fewer below).")
@click.option("--force", is_flag=True, help="Replace the folder if it is not empty.")
def synth(institutions: int, seed: int, out_dir: Path, rate: float | None, force: bool) -> None:
    """Generate a synthetic dataset, with its source documents, that builds like the reference data."""
    import time

    from alliancekg.synth import generate

    started = time.perf_counter()
    with _errors_to_exit_codes():
        result = generate(out_dir, institutions=institutions, seed=seed, partnerships_per_institution=rate,
                          force=force)
    seconds = time.perf_counter() - started
    counts = result.counts
    out.print(f"Wrote {result.files} files to {_relative(result.out_dir)}/ in {seconds:.1f} s: "
              f"{result.triples:,} triples from {counts['sources']:,} source documents.", soft_wrap=True)
    out.print(", ".join(f"{value:,} {key}" for key, value in counts.items() if key not in ("sources",)), soft_wrap=True)
    out.print(f"Build it: alliancekg build --data {_relative(result.out_dir)} --out DIR", soft_wrap=True)
