"""The ``alliancekg`` command line: a thin layer over the library.

Exit codes: 0 ok, 1 the data failed a check, 2 usage or load error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from alliancekg.build import BuildResult, input_paths
from alliancekg.build import build as run_build
from alliancekg.errors import AllianceKGError
from alliancekg.loading import load_graph
from alliancekg.passages import find_span, passage_turtle, read_source
from alliancekg.provenance import verify_sources
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
                           help="Folder of source documents (default: ../shared/seeds).")(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="alliancekg")
def main() -> None:
    """alliancekg: a knowledge graph of academic alliances."""


@main.command()
@_path_options
@click.option("--out", "dist_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/); replaced only when the build succeeds.")
@click.option("--no-source-check", is_flag=True, help="Do not re-read the source documents.")
@click.option("--quiet", "-q", is_flag=True, help="Print no summary.")
def build(data_dir: Path | None, seeds_dir: Path | None, dist_dir: Path | None,
          no_source_check: bool, quiet: bool) -> None:
    """Validate the data and publish it: dumps, reports, VoID/DCAT and the embedded store."""
    settings = Settings.from_env(data_dir=data_dir, dist_dir=dist_dir, seeds_dir=seeds_dir)
    with _errors_to_exit_codes():
        if err.is_terminal and not quiet:
            with err.status("building") as status:
                result = run_build(settings, progress=lambda step: status.update(step),
                                   check_sources=not no_source_check)
        else:
            result = run_build(settings, check_sources=not no_source_check)
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
    out.print(f"  .venv/bin/python -c \"import pyoxigraph as ox; print(len(ox.Store.read_only('{where}/store')))\""
              "   # open the embedded store", soft_wrap=True)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@main.command("verify-sources")
@_path_options
def verify_sources_command(data_dir: Path | None, seeds_dir: Path | None) -> None:
    """Re-read the source documents: hashes, lengths, and that every passage names what it supports."""
    settings = Settings.from_env(data_dir=data_dir, seeds_dir=seeds_dir)
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
