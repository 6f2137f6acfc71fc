"""The store validator against pySHACL: the same results and the same report graph.

:func:`alliancekg.validation.validate_store` runs the shapes as SPARQL queries on the store and
pySHACL only on the focus nodes they flag; :func:`alliancekg.validation.validate` runs pySHACL on
an rdflib graph of everything. They must agree on every fixture, on the reference data, and on
the reference data broken on purpose in the ways the shapes catch (``defects.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from defects import Injector, inject
from rdflib import Graph
from rdflib.compare import isomorphic

from alliancekg.build import input_paths
from alliancekg.loading import input_files, load_files, load_graph, rdflib_triples
from alliancekg.namespaces import bind_prefixes
from alliancekg.shacl_sparql import candidate_queries, uncompiled_shapes
from alliancekg.validation import ValidationReport, validate, validate_store

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "shapes").glob("*/*.ttl"))


def _assert_same(ours: ValidationReport, reference: ValidationReport) -> None:
    assert ours.conforms == reference.conforms
    assert ours.results == reference.results, "\n".join(
        [f"only pySHACL: {r.line()}" for r in sorted(set(reference.results) - set(ours.results))]
        + [f"only the store: {r.line()}" for r in sorted(set(ours.results) - set(reference.results))])
    assert isomorphic(ours.graph, reference.graph)


def test_every_shape_compiles_to_queries(settings, shapes: Graph) -> None:
    store = load_files(input_paths(settings))
    queries = candidate_queries(shapes, store)
    assert uncompiled_shapes(shapes, store) == []
    assert {str(q.shape).rsplit("#", 1)[-1] for q in queries} >= {
        "MembershipShape", "InstantShape", "IntervalShape", "LabelledShape", "InstitutionShape", "SourcedShape",
        "PassageShape", "SourceDocumentShape", "ObservationShape", "PartnershipShape", "SubOrganisationShape"}
    assert not [q for q in queries if q.constraint == "every focus node"], "a constraint fell back to every focus node"
    assert all(not q.focus_nodes(store) for q in queries), "the reference data conforms, so nothing is a candidate"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_gives_the_same_report(fixture: Path, shapes: Graph, ontology_files: list[Path]) -> None:
    files = [*ontology_files, fixture]
    _assert_same(validate_store(load_files(files), shapes), validate(load_graph(files), shapes))


def test_reference_data_gives_the_same_report(settings, shapes: Graph) -> None:
    files = input_paths(settings)
    ours = validate_store(load_files(files), shapes)
    assert ours.conforms
    _assert_same(ours, validate(load_graph(files), shapes))


def _assert_same_with_defects(store, shapes: Graph, *, count: int, seed: int, applied: int, results: int) -> None:
    """Inject ``count`` defects into ``store`` (at least ``applied`` must apply, giving at least
    ``results`` results); both validators must report them alike."""
    done = inject(store, count, seed)
    assert len(done) >= applied, done
    graph = bind_prefixes(Graph())
    graph.addN((s, p, o, graph) for s, p, o in rdflib_triples(store))
    reference = validate(graph, shapes)
    assert len(reference.results) >= results and len(reference.shapes_failed()) >= 10, reference.text()
    _assert_same(validate_store(store, shapes), reference)


@pytest.mark.parametrize("seed", [1, 2])
def test_injected_defects_give_the_same_report(seed: int, settings, shapes: Graph) -> None:
    store = load_files(input_paths(settings))
    _assert_same_with_defects(store, shapes, count=len(Injector.KINDS), seed=seed, applied=24, results=25)


def test_a_constraint_the_compiler_does_not_know_flags_every_focus_node(shapes: Graph, ontology_files: list[Path],
                                                                        settings) -> None:
    extra = Graph().parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix akg: <https://w3id.org/alliancekg/ontology#> .
        <https://w3id.org/alliancekg/shapes#ShortLabels> a sh:NodeShape ; sh:targetClass akg:Alliance ;
            sh:property [ sh:path <http://www.w3.org/2000/01/rdf-schema#label> ; sh:maxLength 12 ] .""",
                          format="turtle")
    files = input_paths(settings)
    store = load_files(files)
    queries = [q for q in candidate_queries(shapes + extra, store) if str(q.shape).endswith("ShortLabels")]
    assert [q.constraint for q in queries] == ["every focus node"]
    assert len(queries[0].focus_nodes(store)) >= 5
    _assert_same(validate_store(store, shapes + extra), validate(load_graph(files), shapes + extra))


@pytest.mark.slow
def test_synthetic_data_with_injected_defects_gives_the_same_report(settings, shapes: Graph,
                                                                     ontology_files: list[Path],
                                                                     tmp_path: Path) -> None:
    from alliancekg.synth import generate

    synthetic = generate(tmp_path / "synth", institutions=12, seed=7)
    store = load_files([*ontology_files, *input_files(synthetic.out_dir / "data")])
    _assert_same_with_defects(store, shapes, count=2 * len(Injector.KINDS), seed=3, applied=40,
                              results=40)
