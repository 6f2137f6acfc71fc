"""Network pictures: a reproducible layout, a PNG and an offline HTML page that stay safe with any label."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from alliancekg import pictures
from alliancekg.errors import LoadError, UsageError
from alliancekg.pictures import layout, write_html, write_png

ID = "https://w3id.org/alliancekg/id/"
NASTY = "</script><script>alert(1)</script> <!--<script> \x00\x07\x1b\u2028\u2029 \"'&<b> $x^2$ _u \u202e"


def network() -> nx.Graph:
    """Two alliances, four organisations, a programme and an isolate; one node with no attributes,
    one edge with none, and a label meant to break out of the page."""
    graph = nx.Graph()
    nodes = [
        ("alliance/una", "UNA Europa", "Alliance", "alliance", "", 0, 6.0),
        ("alliance/circle-u", "Circle U.", "Alliance", "alliance", "", 0, 5.0),
        ("org/ku-leuven", "KU Leuven", "University", "organisation", "BE", 1, 4.0),
        ("org/bologna", "Università di Bologna", "University", "organisation", "IT", 1, 3.5),
        ("org/nasty", NASTY, "University", "organisation", "FR", 2, 2.0),
        ("org/oslo", "Universitetet i Oslo", "University", "organisation", "NO", 2, 1.0),
        ("programme/erasmus", "Erasmus+ European Universities", "Programme", "programme", "", 3, 0.5),
    ]
    for key, label, kind, category, country, community, strength in nodes:
        graph.add_node(ID + key, label=label, kind=kind, category=category, country=country,
                       community=community, strength=strength, degree=0, betweenness=0.25, founded="2019")
    graph.add_node(ID + "org/isolate", label="Isolated institute", strength=0.0)
    graph.add_node(ID + "org/bare")
    ties = [("alliance/una", "org/ku-leuven", 3.0), ("alliance/una", "org/bologna", 2.0),
            ("alliance/circle-u", "org/oslo", 1.0), ("alliance/circle-u", "org/nasty", 1.5),
            ("org/ku-leuven", "org/bologna", 0.5), ("alliance/una", "programme/erasmus", 1.0)]
    for u, v, weight in ties:
        graph.add_edge(ID + u, ID + v, weight=weight, layers=("membership",), via=(ID + "alliance/una",),
                       via_labels=("UNA Europa",), sources=("https://una-europa.eu/members",))
    graph.add_edge(ID + "org/oslo", ID + "org/bare")
    return graph


def _reversed(graph: nx.Graph) -> nx.Graph:
    """The same graph with nodes and edges inserted in the opposite order."""
    other = nx.Graph()
    other.add_nodes_from(reversed(list(graph.nodes(data=True))))
    other.add_edges_from(reversed(list(graph.edges(data=True))))
    return other


# -- layout -----------------------------------------------------------------------------------------

def test_layout_is_reproducible_and_ignores_insertion_order() -> None:
    graph = network()
    positions = layout(graph, seed=7)
    assert positions == layout(graph, seed=7) == layout(_reversed(graph), seed=7)
    assert list(positions) == sorted(graph.nodes)
    ring = nx.cycle_graph([f"n{index:03}" for index in range(120)])  # large enough for the seeded spring layout
    assert layout(ring, seed=7) == layout(_reversed(ring), seed=7) != layout(ring, seed=8)


def test_layout_positions_are_rounded_and_in_the_unit_square() -> None:
    positions = layout(network())
    closest = min(math.dist(a, b) for a, b in itertools.combinations(positions.values(), 2))
    assert closest > 0.1, "two nodes almost at the same place"
    for x, y in positions.values():
        assert -1 <= x <= 1 and -1 <= y <= 1
        assert round(x, 6) == x and round(y, 6) == y
    assert max(max(abs(x), abs(y)) for x, y in positions.values()) == 1.0


@pytest.mark.parametrize(("graph", "expected"), [
    (nx.Graph(), {}),
    (nx.Graph([(ID + "a", ID + "a")]), {ID + "a": (0.0, 0.0)}),
    (nx.empty_graph([ID + "only"]), {ID + "only": (0.0, 0.0)}),
])
def test_layout_of_tiny_graphs(graph: nx.Graph, expected: dict) -> None:
    assert layout(graph) == expected


def test_layout_of_a_disconnected_graph_keeps_components_apart() -> None:
    graph = nx.Graph([("a1", "a2"), ("a2", "a3"), ("b1", "b2")])
    graph.add_nodes_from(["c", "d"])
    positions = layout(graph)
    assert sorted(positions) == ["a1", "a2", "a3", "b1", "b2", "c", "d"]
    assert len(set(positions.values())) == 7


def test_layout_caps_by_strength_with_ties_broken_by_id() -> None:
    graph = nx.Graph()
    graph.add_nodes_from([("e", {"strength": 9.0}), ("d", {"strength": 1.0}), ("c", {"strength": 1.0}),
                          ("b", {"strength": 1.0}), ("a", {}), ("f", {"strength": "n/a"})])
    assert list(layout(graph, max_nodes=3)) == ["b", "c", "e"]


@pytest.mark.parametrize("call", [
    lambda: layout(nx.Graph(), max_nodes=0),
    lambda: layout(nx.DiGraph([("a", "b")])),
    lambda: layout(nx.MultiGraph([("a", "b")])),
    lambda: write_png(nx.Graph(), Path("unused.png"), labels=-1),
])
def test_bad_options_are_usage_errors(call) -> None:
    with pytest.raises(UsageError):
        call()


# -- PNG ----------------------------------------------------------------------------------------------

def _png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        assert struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])[0] == zlib.crc32(kind + body)
        chunks.append(kind)
        offset += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    return chunks


def test_png_is_a_valid_reproducible_picture(tmp_path: Path) -> None:
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    write_png(network(), first, title="Alliances $and$ <members>")
    write_png(_reversed(network()), second, title="Alliances $and$ <members>")
    data = first.read_bytes()
    _png_chunks(data)
    assert data == second.read_bytes()
    assert b"Software" not in data and b"Matplotlib" not in data
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first.png", "second.png"], "a temporary file was left"


@pytest.mark.parametrize("graph", [nx.Graph(), nx.empty_graph([ID + "one"]), nx.Graph([("a", "b"), ("c", "d")])],
                         ids=["empty", "one-node", "disconnected"])
def test_png_of_small_graphs(tmp_path: Path, graph: nx.Graph) -> None:
    out = tmp_path / "net.png"
    write_png(graph, out, colour_by="country", size_by="betweenness", labels=0)
    _png_chunks(out.read_bytes())


def test_png_options_change_the_picture(tmp_path: Path) -> None:
    pictures_ = {}
    for name, options in {"plain": {}, "country": {"colour_by": "country"}, "no-labels": {"labels": 0},
                          "missing-attribute": {"colour_by": "nothing", "size_by": "nothing"}}.items():
        write_png(network(), tmp_path / f"{name}.png", **options)
        pictures_[name] = (tmp_path / f"{name}.png").read_bytes()
    assert len(set(pictures_.values())) == len(pictures_)


def test_capped_pictures_say_so(tmp_path: Path) -> None:
    graph = network()
    drawing = pictures._Drawing.of(graph, colour_by="community", size_by="strength", seed=42, max_nodes=3)
    assert drawing.nodes == sorted([ID + "alliance/una", ID + "alliance/circle-u", ID + "org/ku-leuven"])
    assert drawing.note() == "Drawn: the 3 nodes of highest strength out of 9, and the 1 tie among them out of 7."
    full = pictures._Drawing.of(graph, colour_by="community", size_by="strength", seed=42, max_nodes=2000)
    assert full.note() == "9 nodes, 7 ties."
    write_png(graph, tmp_path / "capped.png", max_nodes=3)
    write_png(graph, tmp_path / "full.png")
    assert (tmp_path / "capped.png").read_bytes() != (tmp_path / "full.png").read_bytes()
    write_html(graph, tmp_path / "capped.html", max_nodes=3)
    data = _page(tmp_path / "capped.html").data
    assert data["capped"] is True and data["note"] == drawing.note() and len(data["nodes"]) == 3


def test_legend_keeps_ten_colours_and_greys_the_rest() -> None:
    graph = nx.Graph()
    for index in range(14):
        graph.add_nodes_from((f"n{index}-{copy}", {"community": index}) for copy in range(20 - index))
    colours, legend = pictures._colours(graph, sorted(graph.nodes), "community")
    assert [label for label, _, _ in legend] == [str(index) for index in range(10)] + ["other or unknown"]
    assert legend[-1] == ("other or unknown", pictures.OTHER, 10 + 9 + 8 + 7)
    assert len(set(colours.values())) == 11


# -- HTML -------------------------------------------------------------------------------------------

class _Page(HTMLParser):
    """The tags, attributes, script bodies and styles of a page, as Python's HTML parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.ends: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = tag
            if tag == "script":
                self.scripts.append((dict(attrs), ""))
            else:
                self.styles.append("")

    def handle_endtag(self, tag) -> None:
        self.ends.append(tag)
        self._open = None

    def handle_data(self, data) -> None:
        if self._open == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self._open == "style":
            self.styles[-1] += data

    @property
    def data(self) -> dict:
        (text,) = [text for attrs, text in self.scripts if attrs.get("type") == "application/json"]
        return json.loads(text)


def _page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_html_embeds_the_graph_and_loads_nothing_external(tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    write_html(network(), out, title="Alliances <&> \"members\"")
    page, text = _page(out), out.read_text(encoding="utf-8")
    assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/json", None, None]
    assert page.ends.count("script") == 3 and page.ends[-2:] == ["body", "html"]
    for tag, attrs in page.tags:
        assert tag not in ("img", "iframe", "object", "embed", "frame", "base", "audio", "video", "source")
        assert "src" not in attrs, tag
        if tag == "link":
            assert attrs.get("href", "").startswith("data:"), attrs
    assert all("url(" not in style and "@import" not in style for style in page.styles)
    data = page.data
    assert {node["iri"] for node in data["nodes"]} == set(network().nodes)
    assert len(data["edges"]) == network().number_of_edges()
    # The only addresses outside the embedded data are in the licence comments of the inlined library.
    json_start = text.index('<script type="application/json"')
    json_end = text.index("</script>", json_start)
    outside = text[:json_start] + text[json_end:]
    comments = [match.span() for match in re.finditer(r"/\*!.*?\*/", outside, flags=re.DOTALL)]
    for match in re.finditer(r"https?://", outside):
        assert any(start <= match.start() < end for start, end in comments), outside[match.start():match.start() + 80]
    assert "<title>Alliances &lt;&amp;&gt; &quot;members&quot;</title>" in text


def test_html_keeps_any_label_inert(tmp_path: Path) -> None:
    graph = network()
    graph.add_node(ID + "org/surrogate", label="lone \ud800 surrogate", strength=0.1)
    out = tmp_path / "net.html"
    write_html(graph, out)
    text = out.read_text(encoding="utf-8")
    assert text.count("<script") == 3 and text.count("</script>") == 3
    assert "alert(1)" in text and "\u2028" not in text and "\u2029" not in text and "\x00" not in text
    page = _page(out)
    assert len(page.scripts) == 3 and page.ends.count("script") == 3
    (data_text,) = [body for attrs, body in page.scripts if attrs.get("type") == "application/json"]
    assert "<" not in data_text and ">" not in data_text and "&" not in data_text
    labels = {node["iri"]: node["label"] for node in page.data["nodes"]}
    assert labels[ID + "org/nasty"] == NASTY
    assert labels[ID + "org/surrogate"] == "lone \ud800 surrogate"
    assert labels[ID + "org/bare"] == "bare"


def test_html_side_panel_data(tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    write_html(network(), out, colour_by="country")
    data = _page(out).data
    assert data["colourBy"] == "country"
    assert [row[0] for row in data["legend"]] == ["BE", "FR", "IT", "NO", "other or unknown"]
    una = next(node for node in data["nodes"] if node["iri"] == ID + "alliance/una")
    assert una["attrs"] == [["kind", "Alliance"], ["category", "alliance"], ["country", ""], ["community", "0"],
                            ["strength", "6"], ["degree", "0"], ["betweenness", "0.25"], ["founded", "2019"]]
    assert una["named"] is True
    ids = {node["iri"]: node["id"] for node in data["nodes"]}
    tie = next(edge for edge in data["edges"] if {edge["source"], edge["target"]} == {una["id"], ids[ID + "org/bologna"]})
    assert tie["layers"] == ["membership"] and tie["via"] == ["UNA Europa"]
    assert tie["sources"] == ["https://una-europa.eu/members"]
    bare = next(edge for edge in data["edges"] if edge["via"] == [])
    assert bare["weight"] == "1" and bare["layers"] == [] and bare["sources"] == []


def test_html_is_reproducible(tmp_path: Path) -> None:
    write_html(network(), tmp_path / "a.html", title="T")
    write_html(_reversed(network()), tmp_path / "b.html", title="T")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_html_of_an_empty_graph(tmp_path: Path) -> None:
    write_html(nx.Graph(), tmp_path / "empty.html")
    data = _page(tmp_path / "empty.html").data
    assert data["nodes"] == [] and data["edges"] == [] and data["note"] == "0 nodes, 0 ties."


def test_html_without_cytoscape_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pictures, "find_root", lambda: tmp_path)
    with pytest.raises(LoadError, match=r"make install.*npm ci") as caught:
        write_html(network(), tmp_path / "net.html")
    assert "node_modules/cytoscape" in str(caught.value)
    assert not (tmp_path / "net.html").exists()
    with pytest.raises(LoadError, match="make install"):
        write_html(network(), tmp_path / "net.html", root=tmp_path / "elsewhere")


_SCRIPT = """
import hashlib, sys
sys.path.insert(0, {tests!r})
from test_pictures import network
from alliancekg.pictures import write_html, write_png
write_png(network(), {png!r}); write_html(network(), {html!r})
print(hashlib.sha256(open({png!r}, "rb").read() + open({html!r}, "rb").read()).hexdigest())
"""


def test_bytes_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    digests = set()
    for hash_seed in ("1", "2"):
        script = _SCRIPT.format(tests=str(Path(__file__).parent), png=str(tmp_path / f"{hash_seed}.png"),
                                html=str(tmp_path / f"{hash_seed}.html"))
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": hash_seed})
        digests.add(done.stdout.strip())
    write_png(network(), tmp_path / "here.png")
    write_html(network(), tmp_path / "here.html")
    here = hashlib.sha256((tmp_path / "here.png").read_bytes() + (tmp_path / "here.html").read_bytes()).hexdigest()
    assert digests == {here}
