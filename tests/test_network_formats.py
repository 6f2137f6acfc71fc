"""The streamed tie formats (GraphML, GEXF, node-link JSON, edges.csv) written a run of ties at a
time and column by column: byte for byte what networkx's writers and ``csv.writer`` give, whatever
the attribute values, their mix of types from tie to tie, and the length of the runs."""

from __future__ import annotations

import io
import random
from dataclasses import replace

import networkx as nx
import pytest

from alliancekg import network_exports
from alliancekg.network import Analysis, analyse
from alliancekg.network_exports import (
    SortedTies,
    _edge_columns,
    csv_table,
    edges_csv,
    flat_graph,
    gexf,
    node_link,
    write_graphml,
)
from alliancekg.network_formats import write_graphml_and_gexf, write_node_link
from alliancekg.ties import Affiliation, Layer, TieSet

# characters that need cleaning (XML controls), escaping (markup, quotes, tab, line breaks),
# quoting (commas) or neutralising (formula starts), and some that need none
NASTY = ["a", "&", "<", ">", '"', "'", "\t", "\n", "\r", "\x01", "\x0b", "\xa0", "\u2028", "é", "=", "+", "-", "@",
         ",", ";", " ", "%", "%s", "\ufffe", "\U0001f600", "\x85"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(NASTY) for _ in range(rng.randint(0, 5)))


def _analysis(graph: nx.Graph) -> Analysis:
    base = analyse(TieSet((Affiliation(Layer.MEMBERSHIP, "urn:a", "urn:X"), Affiliation(Layer.MEMBERSHIP, "urn:b", "urn:X"))))
    return replace(base, graph=graph, metrics={})


def _odd_ties() -> nx.Graph:
    """Ties whose attributes differ in names and types from tie to tie: undefined values, a missing
    weight, numbers of every kind, signed zeros, tuples of numbers that are equal but written
    differently, a list, a self-loop; nodes with and without labels."""
    graph = nx.Graph()
    values = [{"weight": 1.0, "extra": (1, 1.0, True), "via": ("urn:X",)}, {"weight": -0.0, "extra": (1.0,)},
              {"weight": 0.0, "extra": (1,), "start": None}, {"extra": (True,), "flag": True},
              {"weight": None, "flag": False, "shared": 2}, {"weight": 2, "shared": 2.0, "big": 10**30},
              {"weight": 0.5, "items": ["list", 2], "count": -1}, {"weight": 1e-20, "via": (), "half": 0.5, "count": 7},
              {"weight": 12345678901234.5, "via": ("=x", "a,b"), "note": 'say "hi"\n'}]
    for i, attrs in enumerate(values * 3):  # a path: each tie its own attributes, in this order
        graph.add_edge(f"urn:n{i:02d}", f"urn:n{i + 1:02d}", **attrs)
    graph.add_edge("urn:loop", "urn:loop", weight=1.0, note="self 'loop' & <x>")
    graph.nodes["urn:n01"]["label"] = "One & <only>"
    graph.nodes["urn:n02"]["label"] = None
    return graph


def _nasty_ties(count: int, seed: int) -> nx.Graph:
    """``count`` ties with strings, tuples of strings and floats that are mostly new from tie to tie."""
    rng = random.Random(seed)
    graph = nx.Graph()
    nodes = [f"urn:m{i}{_word(rng)}" for i in range(max(count // 10, 5))]
    for i in range(count):
        u, v = rng.sample(nodes, 2)
        graph.add_edge(u, v, weight=rng.choice([1.0, 2.0, 0.5]), text=f"t{i}{_word(rng)}",
                       via=tuple(f"v{i}{_word(rng)}" for _ in range(rng.randint(0, 3))),
                       sources=tuple(f"s{i % 7}" for _ in range(rng.randint(1, 2))), count=rng.randint(0, 3),
                       flag=rng.random() < 0.5, share=rng.choice([0.0, -0.0, 5e-324, 1e300]) if i % 40 == 0
                       else rng.random() * 10 ** rng.randint(-8, 8))
    for node in graph:
        graph.nodes[node]["label"] = _word(rng)
        graph.nodes[node]["strength"] = rng.random()
    return graph


def _check(analysis: Analysis) -> None:
    flat = flat_graph(analysis)
    expected = io.BytesIO()
    write_graphml(flat, expected)
    graphml, gexf_file, linked, lines = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.BytesIO()
    write_graphml_and_gexf(analysis, graphml, gexf_file, edges_csv=lines)
    write_node_link(analysis, linked)
    assert graphml.getvalue() == expected.getvalue()
    assert gexf_file.getvalue() == gexf(flat)
    assert linked.getvalue() == node_link(analysis)
    columns = _edge_columns(analysis.graph)
    rows = ([a, b, "Undirected", f"e{i}", attrs.get("weight", 1.0), *(attrs.get(c) for c in columns)]
            for i, (a, b, attrs) in enumerate(sorted((min(u, v), max(u, v), attrs)
                                                     for u, v, attrs in analysis.graph.edges(data=True))))
    expected_csv = csv_table(["Source", "Target", "Type", "Id", "Weight", *columns], rows)
    assert edges_csv(analysis) == expected_csv
    assert lines.getvalue() == expected_csv


@pytest.mark.parametrize("chunk", [1, 3, network_exports.CHUNK])
def test_ties_of_mixed_signatures(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network_exports, "CHUNK", chunk)
    _check(_analysis(_odd_ties()))


@pytest.mark.parametrize("chunk", [1000, 1300])
def test_ties_with_mostly_new_strings(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of mostly new values are written without remembering them: the same bytes."""
    monkeypatch.setattr(network_exports, "CHUNK", chunk)
    _check(_analysis(_nasty_ties(4000, seed=7)))


def test_a_float_that_is_not_finite_is_left_out_of_its_tie() -> None:
    """GraphML leaves out a NaN or infinite value: the ties as networkx writes them for the same
    graph without that value (the keys are declared as for every other tie)."""
    graph = _odd_ties()
    reference = graph.copy()
    first, second = sorted(graph.edges(data=True))[:2]
    first[2]["weight"], second[2]["half"] = float("nan"), float("inf")
    del reference.edges[first[0], first[1]]["weight"]
    reference.edges[second[0], second[1]].pop("half", None)
    streamed, expected = io.BytesIO(), io.BytesIO()
    write_graphml_and_gexf(_analysis(graph), streamed, io.BytesIO())
    write_graphml(flat_graph(_analysis(reference)), expected)
    ties = streamed.getvalue()[streamed.getvalue().index(b"<edge "):]
    assert ties == expected.getvalue()[expected.getvalue().index(b"<edge "):]
    assert b">nan<" not in ties and b">inf<" not in ties


def test_sorted_ties_are_sorted_by_their_ends() -> None:
    graph = nx.Graph()
    graph.add_edges_from([("c", "a", {"w": 1}), ("b", "b", {"w": 2}), ("a", "b", {"w": 3}), ("d", "c", {})])
    graph.add_node("e")
    ties = SortedTies.of(graph)
    assert ties.edges() == sorted((min(u, v), max(u, v), attrs) for u, v, attrs in graph.edges(data=True))
    assert [ties.nodes[i] for i in ties.ends[0]] == ties.sources and ties.names() == {"w"}
    assert len(SortedTies.of(nx.Graph())) == 0


def _odd_nodes() -> Analysis:
    """Nodes without a label or with one of any type, an ``id`` attribute, tuples, numbers of
    several types, undefined values and signed zeros; metric rows with undefined values."""
    from alliancekg.metrics import METRICS

    graph = nx.Graph()
    for i in range(30):
        graph.add_edge(f"urn:p{i:02d}", f"urn:p{(i * 7 + 3) % 30:02d}", weight=1.0)
    labels = [None, 3, True, "plain", 'q"uote\t&<x>\n', "=formula", "a,b", "\x01ctl", (1, "t"), 2.5]
    metrics = {}
    for i, node in enumerate(sorted(graph)):
        attrs = graph.nodes[node]
        if i % 11:
            attrs["label"] = labels[i % len(labels)]
        if i % 5 == 0:
            attrs["id"] = "ignored"
        attrs["kind"] = ("university", "school")[: i % 3]
        attrs["degree"] = i if i % 4 else float(i)
        attrs["strength"] = -0.0 if i % 6 == 0 else 0.0 if i % 6 == 1 else i / 3
        attrs["alliances"] = None if i % 7 == 0 else i % 3
        metrics[node] = {m: i if m in ("degree", "community", "core_number") else None if i % 9 == 0 else i / 7
                         for m in METRICS}
    return replace(_analysis(graph), metrics=metrics)


@pytest.mark.parametrize("chunk", [4, network_exports.CHUNK])
def test_node_tables_are_what_csv_writer_writes(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from alliancekg.metrics import METRICS
    from alliancekg.network_exports import _node_columns, metrics_csv, nodes_csv

    monkeypatch.setattr(network_exports, "CHUNK", chunk)
    analysis = _odd_nodes()
    graph, columns = analysis.graph, _node_columns(analysis.graph)
    rows = ([node, graph.nodes[node].get("label", node), *(graph.nodes[node].get(c) for c in [*columns, *METRICS])]
            for node in sorted(graph))
    assert nodes_csv(analysis) == csv_table(["Id", "Label", *columns, *METRICS], rows)
    rows = ([node, graph.nodes[node].get("label", node), *(row[m] for m in METRICS)]
            for node, row in sorted(analysis.metrics.items()))
    assert metrics_csv(analysis) == csv_table(["id", "label", *METRICS], rows)
    _check(analysis)
