"""The build's store pipeline gives what the rdflib pipeline gave: the same triples after loading,
the same inferences, and the same dump bytes."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from alliancekg import Settings, build, loading
from alliancekg.build import STAGES, input_paths, load_store
from alliancekg.errors import LoadError
from alliancekg.inference import infer
from alliancekg.loading import load_files, load_graph, normalise_literals, rdflib_triples
from alliancekg.namespaces import bind_prefixes
from alliancekg.outputs import load_ntriples, write_jsonld, write_jsonld_dump, write_ntriples
from alliancekg.queryfile import catalogue

ROOT = Path(__file__).resolve().parents[1]
UNUSUAL = Path(__file__).parent / "fixtures" / "literals" / "unusual-forms.ttl"


def _quads(store: ox.Store) -> set[ox.Quad]:
    return set(store)


@pytest.mark.parametrize("files", ["reference", "unusual literals"])
def test_loading_gives_the_triples_of_the_rdflib_pipeline(files: str, settings) -> None:
    """Files loaded into the store equal the rdflib graph of the same files moved into a store."""
    paths = input_paths(settings) if files == "reference" else [UNUSUAL]
    assert _quads(load_files(paths)) == _quads(load_store(load_graph(paths)))


def test_unusual_literals_are_rewritten() -> None:
    store = ox.Store()
    store.bulk_load(path=str(UNUSUAL), format=ox.RdfFormat.TURTLE)
    assert normalise_literals(store) >= 5
    assert normalise_literals(store) == 0


def test_literals_found_while_loading_are_those_the_store_pass_finds(tmp_path: Path) -> None:
    """The reader of the files beside the load finds the literals the query over the store finds,
    in the store's form: a non-canonical number the store writes canonically is not one."""
    extra = tmp_path / "more.ttl"
    extra.write_text('<urn:a> <urn:p> "+7"^^<http://www.w3.org/2001/XMLSchema#integer>, '
                     '"2021-01-05Z"^^<http://www.w3.org/2001/XMLSchema#date>, "x"^^<urn:own-type> .\n')
    store = ox.Store()
    for path in (UNUSUAL, extra):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    in_store = {row[0] for row in store.query(loading._unusual_literals_query())}
    from_files = loading._unusual_literals_in([UNUSUAL, extra])
    assert from_files == in_store
    assert ox.Literal("2021-01-05Z", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")) in in_store
    assert _quads(load_files([UNUSUAL, extra])) == _quads(load_store(load_graph([UNUSUAL, extra])))


def _children() -> set[str]:
    """This process's children, running or not yet reaped (Linux)."""
    return set(Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split())


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="children are read from /proc")
def test_a_syntax_error_names_its_file_and_stops_the_literal_reader(tmp_path: Path) -> None:
    good, bad = tmp_path / "a.ttl", tmp_path / "b.ttl"
    good.write_text('<urn:a> <urn:p> " 5"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
    bad.write_text('<urn:a> <urn:p> "x .\n')
    before = _children()
    with pytest.raises(LoadError, match=r"b\.ttl:1: Turtle syntax error"):
        load_files([good, bad, good])
    assert _children() == before  # the forked reader of literals was stopped and reaped


def test_inference_as_updates_equals_inference_as_constructs(settings) -> None:
    rules = catalogue(settings.queries_dir, "inference")
    updated, constructed = load_files(input_paths(settings)), load_files(input_paths(settings))
    added = infer(updated, rules)
    as_constructs = [replace(r, text=r.text + "\nLIMIT 100000000") for r in rules]  # INSERT takes no LIMIT
    assert infer(constructed, as_constructs) == added > 1000
    assert _quads(updated) == _quads(constructed)


def test_sorted_ntriples_do_not_depend_on_the_run_size(built, tmp_path: Path) -> None:
    store = ox.Store()
    store.bulk_load(path=str(built.dist_dir / "alliancekg.nt"), format=ox.RdfFormat.N_TRIPLES)
    write_ntriples(store, tmp_path / "runs.nt", run_bytes=4096)
    data = (tmp_path / "runs.nt").read_bytes()
    assert data == (built.dist_dir / "alliancekg.nt").read_bytes()
    lines = data.splitlines()
    assert lines == sorted(set(lines)) and len(lines) == len(store)


@pytest.mark.parametrize("source", ["reference", "unusual literals"])
def test_streamed_jsonld_has_rdflib_bytes(source: str, built, tmp_path: Path) -> None:
    if source == "reference":
        nt = built.dist_dir / "alliancekg.nt"
    else:
        nt = tmp_path / "unusual.nt"
        write_ntriples(load_files([UNUSUAL]), nt)
    graph = bind_prefixes(Graph())
    graph.addN((s, p, o, graph) for s, p, o in rdflib_triples(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES)))
    write_jsonld(graph, tmp_path / "rdflib.jsonld")
    write_jsonld_dump(nt, tmp_path / "streamed.jsonld")
    assert (tmp_path / "streamed.jsonld").read_bytes() == (tmp_path / "rdflib.jsonld").read_bytes()


def test_chunked_store_load_holds_every_triple(built, tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    load_ntriples(store, built.dist_dir / "alliancekg.nt", chunk_bytes=50_000)
    assert len(store) == built.counts["triples"]


def test_build_reports_each_stage(built) -> None:
    assert list(built.timings) == list(STAGES) == list(built.peak_memory)
    assert all(seconds >= 0 for seconds in built.timings.values())


def test_pyshacl_validator_builds_the_same_dataset(built, tmp_path: Path) -> None:
    again = build(Settings(root=ROOT, dist_dir_override=tmp_path / "dist"), validator="pyshacl")
    assert again.validation.results == built.validation.results and again.validation.conforms
    for name in ("alliancekg.nt", "alliancekg.jsonld", "validation-report.ttl"):
        assert (again.dist_dir / name).read_bytes() == (built.dist_dir / name).read_bytes(), name
