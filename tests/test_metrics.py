"""Metrics on small graphs whose answers are known by hand, degenerate graphs, and a cross-check
of every metric against networkx's own functions on random weighted graphs."""

from __future__ import annotations

import math
import random

import networkx as nx
import pytest

from alliancekg.metrics import METRICS, MetricOptions, communities, graph_summary, node_metrics


def weighted(edges: list[tuple[int, int, float]]) -> nx.Graph:
    graph = nx.Graph()
    graph.add_weighted_edges_from(edges)
    return graph


def test_star() -> None:
    star = weighted([(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0)])
    rows = node_metrics(star)
    centre, leaf = rows[0], rows[1]
    assert (centre["degree"], centre["strength"], leaf["degree"]) == (3, 3.0, 1)
    assert centre["betweenness"] == pytest.approx(1.0) and leaf["betweenness"] == 0
    assert centre["closeness"] == pytest.approx(1.0) and leaf["closeness"] == pytest.approx(3 / 5)
    assert centre["eigenvector"] == pytest.approx(1 / math.sqrt(2)) and leaf["eigenvector"] == pytest.approx(1 / math.sqrt(6))
    assert centre["constraint"] == pytest.approx(1 / 3) and leaf["constraint"] == pytest.approx(1.0)
    assert centre["effective_size"] == pytest.approx(3.0) and leaf["effective_size"] == pytest.approx(1.0)
    assert {row["clustering"] for row in rows.values()} == {0.0}
    assert {row["core_number"] for row in rows.values()} == {1}
    assert sum(row["pagerank"] for row in rows.values()) == pytest.approx(1.0)
    summary = graph_summary(star)
    assert (summary["density"], summary["components"], summary["diameters"]) == (
        0.5, 1, [{"component": 0, "nodes": 4, "diameter": 2, "exact": True}])


def test_triangle() -> None:
    rows = node_metrics(weighted([(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0)]))
    for row in rows.values():
        assert row["clustering"] == 1.0 and row["core_number"] == 2 and row["betweenness"] == 0
        assert row["constraint"] == pytest.approx(2 * (1 / 2 + 1 / 4) ** 2)  # direct 1/2, indirect 1/2 * 1/2
        assert row["effective_size"] == pytest.approx(1.0)  # two contacts, each half redundant


def test_distances_are_inverse_weights() -> None:
    # a -(2)- b -(1)- c: a-b is 0.5 long, b-c is 1
    rows = node_metrics(weighted([(0, 1, 2.0), (1, 2, 1.0)]))
    assert [rows[n]["closeness"] for n in (0, 1, 2)] == pytest.approx([2 / 2.0, 2 / 1.5, 2 / 2.5])
    assert rows[1]["betweenness"] == pytest.approx(1.0)


def test_two_triangles_and_a_bridge() -> None:
    graph = weighted([(1, 2, 1), (2, 3, 1), (1, 3, 1), (4, 5, 1), (5, 6, 1), (4, 6, 1), (3, 4, 1)])
    assert communities(graph) == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1}
    summary = graph_summary(graph)
    assert summary["modularity"] == pytest.approx(2 * (3 / 7 - (7 / 14) ** 2))
    assert summary["average_clustering"] == pytest.approx((4 * 1 + 2 * (1 / 3)) / 6)
    rows = node_metrics(graph)
    assert rows[3]["betweenness"] == pytest.approx(6 / 10)  # {1, 2} to {4, 5, 6} pass node 3; over C(5, 2)


def test_assortativity_by_country() -> None:
    graph = weighted([(1, 2, 1), (3, 4, 1)])
    nx.set_node_attributes(graph, {1: "FR", 2: "FR", 3: "DE", 4: "DE"}, "country")
    assert graph_summary(graph)["assortativity_country"] == pytest.approx(1.0)
    nx.set_node_attributes(graph, {1: "FR", 2: "DE", 3: "FR", 4: "DE"}, "country")
    assert graph_summary(graph)["assortativity_country"] == pytest.approx(-1.0)


@pytest.mark.parametrize("graph", [nx.Graph(), nx.empty_graph(1), nx.empty_graph(3), weighted([(0, 1, 1.0)])],
                         ids=["empty", "one node", "no edges", "one edge"])
def test_degenerate_graphs_give_defined_values(graph: nx.Graph) -> None:
    notes: list[str] = []
    rows = node_metrics(graph, notes=notes)
    summary = graph_summary(graph)
    assert set(rows) == set(graph)
    for row in rows.values():
        assert set(row) == set(METRICS)
    if graph.number_of_edges() == 0:
        assert all(row["eigenvector"] is None and row["constraint"] is None for row in rows.values())
        assert summary["modularity"] is None and summary["assortativity_country"] is None
        if len(graph):
            assert any("eigenvector" in note for note in notes)
    assert summary["nodes"] == len(graph) and summary["edges"] == graph.number_of_edges()


def test_sampling_is_seeded_and_said() -> None:
    graph = nx.connected_watts_strogatz_graph(300, 6, 0.2, seed=3)
    nx.set_edge_attributes(graph, 1.0, "weight")
    options = MetricOptions(exact_limit=100, samples=40, seed=7)
    notes: list[str] = []
    first = node_metrics(graph, options=options, notes=notes)
    assert first == node_metrics(graph, options=options)
    assert any("betweenness sampled from 40 sources (seed 7)" in n for n in notes)
    assert any("closeness estimated from 40 pivots" in n for n in notes)
    exact = nx.closeness_centrality(graph)
    errors = sorted(abs(first[n]["closeness"] - exact[n]) / exact[n] for n in graph)
    assert errors[len(errors) // 2] < 0.05
    assert graph_summary(graph, options=options)["diameters"][0]["exact"] is False


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_agree_with_networkx(seed: int) -> None:
    """networkx's own functions on random weighted graphs with a second component and an isolate.
    Effective size is compared with networkx's per-node definition (``nodes=`` given): its sparse
    shortcut for weighted graphs (networkx 3.6) normalises by the wrong node's strongest tie."""
    graph = nx.gnm_random_graph(60, 150, seed=seed)
    graph.add_edge(100, 101)
    graph.add_node(102)
    rng = random.Random(seed)
    for a, b in graph.edges:
        graph.edges[a, b]["weight"] = rng.choice([0.5, 1.0, 2.0, 3.0])
    rows = node_metrics(graph)
    distances = graph.copy()
    for a, b, w in distances.edges(data="weight"):
        distances.edges[a, b]["distance"] = 1 / w
    nodes = list(graph)
    expected = {
        "closeness": nx.closeness_centrality(distances, distance="distance"),
        "betweenness": nx.betweenness_centrality(distances, weight="distance"),
        "clustering": nx.clustering(graph),
        "constraint": nx.constraint(graph, nodes=nodes, weight="weight"),
        "effective_size": nx.effective_size(graph, nodes=nodes, weight="weight"),
        "pagerank": nx.pagerank(graph, weight="weight"),
        "core_number": nx.core_number(graph),
        "degree": dict(graph.degree),
        "strength": dict(graph.degree(weight="weight")),
    }
    expected["eigenvector"] = {}
    for component in nx.connected_components(graph):
        if len(component) > 1:
            expected["eigenvector"].update(
                nx.eigenvector_centrality(graph.subgraph(component), weight="weight", max_iter=10_000, tol=1e-13))
        else:
            expected["eigenvector"].update(dict.fromkeys(component, 0.0))
    for metric, values in expected.items():
        for node in graph:
            want = values[node]
            if isinstance(want, float) and math.isnan(want):
                assert rows[node][metric] is None, (metric, node)
            else:
                assert rows[node][metric] == pytest.approx(want, abs=1e-9), (metric, node)


def _random_weighted(seed: int, nodes: int = 80, edges: int = 240) -> nx.Graph:
    """A random weighted graph with a second component, a triangle and an isolate; weights whose
    inverses make equal-length paths (1, 1/2, 1/4) and others that do not (1/3, 7)."""
    graph = nx.gnm_random_graph(nodes, edges, seed=seed)
    graph.add_edges_from([(1000, 1001), (1001, 1002), (1000, 1002), (1002, 1003)])
    graph.add_node(2000)
    rng = random.Random(seed)
    for a, b in graph.edges:
        graph.edges[a, b]["weight"] = rng.choice([0.5, 1.0, 2.0, 4.0, 3.0, 7.0])
    return graph


@pytest.mark.parametrize("seed", range(6))
def test_sampled_betweenness_is_networkx_with_the_same_sources(seed: int) -> None:
    """Above the exact limit the sources are the ones networkx draws with the same seed, so the
    values are networkx's own sampled estimate, not merely close to it."""
    graph = _random_weighted(seed)
    distances = nx.Graph()
    distances.add_nodes_from(sorted(graph))
    distances.add_weighted_edges_from(((a, b, 1 / w) for a, b, w in graph.edges(data="weight")), weight="distance")
    for samples in (1, 7, 40):
        options = MetricOptions(exact_limit=10, samples=samples, seed=seed)
        rows = node_metrics(graph, options=options)
        expected = nx.betweenness_centrality(distances, k=samples, weight="distance", seed=seed)
        for node in graph:
            if math.isnan(expected[node]):  # a sampled source when only one is sampled
                assert math.isnan(rows[node]["betweenness"])
            else:
                assert rows[node]["betweenness"] == pytest.approx(expected[node], abs=1e-12), (samples, node)


@pytest.mark.parametrize("seed", range(4))
def test_summary_agrees_with_networkx(seed: int) -> None:
    graph = _random_weighted(seed)
    graph.add_edge(5, 5, weight=2.0)  # a self-loop counts as networkx counts it
    countries = ["FR", "DE", "", "IT"]
    nx.set_node_attributes(graph, {node: countries[node % 4] for node in graph}, "country")
    nx.set_node_attributes(graph, {node: "university" if node % 3 else "school" for node in graph}, "kind")
    partition = communities(graph)
    summary = graph_summary(graph, partition=partition, metrics=node_metrics(graph.copy(), partition=partition))
    groups: dict[int, set[int]] = {}
    for node, community in partition.items():
        groups.setdefault(community, set()).add(node)
    assert summary["modularity"] == pytest.approx(nx.community.modularity(graph, list(groups.values())), abs=1e-12)
    for attribute in ("country", "kind"):
        placed = graph.subgraph([n for n, value in graph.nodes(data=attribute) if value])
        assert summary[f"assortativity_{attribute}"] == pytest.approx(
            nx.attribute_assortativity_coefficient(placed, attribute), abs=1e-12)
    parts = sorted(nx.connected_components(graph), key=len, reverse=True)
    assert (summary["components"], summary["largest_component"], summary["isolates"]) == (
        len(parts), len(parts[0]), nx.number_of_isolates(graph))
    assert [d["diameter"] for d in summary["diameters"]] == [nx.diameter(graph.subgraph(p)) for p in parts if len(p) > 1]
    sampled = graph_summary(graph, partition=partition, metrics={}, options=MetricOptions(exact_limit=10))
    estimate = nx.approximation.diameter(graph.subgraph(sorted(parts[0])), seed=42)
    assert sampled["diameters"][0] == {"component": 0, "nodes": len(parts[0]), "diameter": estimate, "exact": False}


def test_large_graph_communities_are_seeded_and_as_good_as_networkx() -> None:
    """Above the exact limit NetworKit's Louvain runs: the same seed gives the same partition, the
    numbering follows the sizes, a note says so, and the modularity is within 0.02 of networkx's."""
    graph = nx.planted_partition_graph(12, 40, 0.3, 0.01, seed=5)
    nx.set_edge_attributes(graph, 1.0, "weight")
    options = MetricOptions(exact_limit=100, seed=3)
    notes: list[str] = []
    found = communities(graph, options=options, notes=notes)
    assert found == communities(graph, options=options)
    assert any("NetworKit's Louvain (PLM, seed 3) above 100 nodes" in note for note in notes)
    sizes = [sum(1 for c in found.values() if c == i) for i in range(max(found.values()) + 1)]
    assert sizes == sorted(sizes, reverse=True)
    groups: dict[int, set[int]] = {}
    for node, community in found.items():
        groups.setdefault(community, set()).add(node)
    ours = nx.community.modularity(graph, list(groups.values()))
    theirs = nx.community.modularity(graph, nx.community.louvain_communities(graph, seed=3))
    assert ours == pytest.approx(theirs, abs=0.02) and ours > 0.6
    assert graph_summary(graph, partition=found, metrics={}, options=options)["modularity"] == pytest.approx(ours)


def test_forked_paths_give_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large graphs compute betweenness and closeness in a forked process: same rows and notes; a
    failure there is raised in the caller."""
    from alliancekg import matrix_metrics, metrics

    graph = _random_weighted(1)
    options = MetricOptions(exact_limit=30, samples=9)
    notes: list[str] = []
    expected = node_metrics(graph, options=options, notes=notes)
    monkeypatch.setattr(metrics, "PARALLEL_NODES", 1)
    forked_notes: list[str] = []
    assert node_metrics(graph, options=options, notes=forked_notes) == expected and forked_notes == notes

    def broken(*_: object) -> None:
        raise ValueError("no")

    monkeypatch.setattr(matrix_metrics, "_closeness", broken)
    with pytest.raises(RuntimeError, match="forked computation failed"):
        node_metrics(graph, options=options)


def _shuffled(seed: int) -> nx.Graph:
    """A random weighted graph whose nodes and edges were added in a random order, with self-loops
    and edges without a weight."""
    rng = random.Random(seed)
    source = _random_weighted(seed)
    nodes, edges = list(source), list(source.edges(data=True))
    rng.shuffle(nodes)
    rng.shuffle(edges)
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    for a, b, attrs in edges:
        graph.add_edge(a, b, **({} if rng.random() < 0.1 else attrs))
    graph.add_edge(nodes[0], nodes[0], weight=2.0)
    return graph


@pytest.mark.parametrize("seed", range(8))
def test_edges_are_read_in_the_order_networkx_walks_them(seed: int) -> None:
    """The metrics read the adjacency dictionaries directly: the same edges, weights (1 when
    missing) and order as ``graph.edges``, which sums over edges depend on to the last bit."""
    from alliancekg.metrics import _edge_ends

    graph = _shuffled(seed)
    nodes = sorted(graph)
    edges = _edge_ends(graph, nodes)
    found = [(nodes[a], nodes[b], w) for a, b, w in zip(edges.a.tolist(), edges.b.tolist(), edges.weight.tolist(),
                                                         strict=True)]
    assert found == list(graph.edges(data="weight", default=1))


@pytest.mark.parametrize("seed", range(8))
def test_the_diameter_sweep_ends_where_networkx_ends_it(seed: int) -> None:
    """The 2-sweep diameter starts from the last node a breadth-first search reaches: found on
    scipy, it is the node networkx's search reaches last, neighbours taken in insertion order."""
    from alliancekg.metrics import _edge_ends, _last_reached

    graph = _shuffled(seed)
    nodes = sorted(graph)
    edges = _edge_ends(graph, nodes)
    for source in random.Random(seed).sample(nodes, 10):
        *_, far = nx.single_source_shortest_path_length(graph, source)
        assert nodes[_last_reached(edges, nodes.index(source))] == far


@pytest.mark.parametrize("seed", range(6))
def test_brokerage_blocks_change_no_bit(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Constraint and effective size come from sums over common neighbours taken by blocks of
    rows: any block size gives the same floats, bit for bit."""
    import numpy as np

    from alliancekg import matrix_metrics
    from alliancekg.metrics import _adjacency

    graph = _shuffled(seed)
    adjacency = _adjacency(graph, sorted(graph))
    whole = matrix_metrics._brokerage(adjacency)
    for ties in (1, 7, 50):
        monkeypatch.setattr(matrix_metrics, "_BLOCK_TIES", ties)
        for expected, found in zip(whole, matrix_metrics._brokerage(adjacency), strict=True):
            assert np.array_equal(expected, found, equal_nan=True)


@pytest.mark.parametrize("forked", [False, True])
def test_metrics_started_on_the_ties_are_those_of_the_graph(forked: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """analyse starts the metrics on the one-mode ties while their graph is built: the same rows,
    summary and notes as from the graph, forked or not; a graph of other ties is refused."""
    from alliancekg import metrics
    from alliancekg.metrics import metrics_and_summary, start_metrics_and_summary
    from alliancekg.projection import one_mode_ties
    from alliancekg.ties import Affiliation, Layer, TieSet

    rng = random.Random(5)
    ties = TieSet(tuple(Affiliation(rng.choice([Layer.MEMBERSHIP, Layer.PARTNERSHIP]), f"urn:org/{rng.randrange(40):02d}",
                                    f"urn:hub/{rng.randrange(25)}") for _ in range(150)))
    if forked:
        monkeypatch.setattr(metrics, "PARALLEL_NODES", 1)
    options = MetricOptions(exact_limit=10, samples=5)
    found = one_mode_ties(ties, weighting="jaccard")
    notes: list[str] = []
    started = start_metrics_and_summary(found.nodes, found.a, found.b, found.weight, options=options, notes=notes)
    expected_notes: list[str] = []
    assert started.finish(found.graph()) == metrics_and_summary(found.graph(), options=options, notes=expected_notes)
    assert notes == expected_notes and any("sampled" in note for note in notes)
    other = start_metrics_and_summary(found.nodes, found.a[1:], found.b[1:], found.weight[1:], options=options)
    with pytest.raises(ValueError, match="does not hold the ties"):
        other.finish(found.graph())


def test_clustering_is_the_same_on_any_number_of_threads() -> None:
    import networkit
    import numpy as np

    from alliancekg import matrix_metrics
    from alliancekg.metrics import _adjacency

    graph = nx.planted_partition_graph(8, 30, 0.4, 0.05, seed=2)
    adjacency = _adjacency(graph, sorted(graph))
    threads = networkit.getMaxNumberOfThreads()
    try:
        found = []
        for count in (1, 2, 4):
            networkit.setNumberOfThreads(count)
            found.append(matrix_metrics._clustering(adjacency))
    finally:
        networkit.setNumberOfThreads(threads)
    assert all(np.array_equal(found[0], other) for other in found[1:])
    assert found[0].tolist() == pytest.approx([nx.clustering(graph)[node] for node in sorted(graph)])
