"""Provenance against the source documents: hashes, lengths, spans and what they mention."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef

from alliancekg.build import input_paths
from alliancekg.cli import main
from alliancekg.loading import load_graph
from alliancekg.namespaces import AKG
from alliancekg.passages import read_source
from alliancekg.provenance import verify_sources

OA_END = URIRef("http://www.w3.org/ns/oa#end")


@pytest.fixture(scope="module")
def graph(settings):
    return load_graph(input_paths(settings))


def test_every_passage_names_what_it_supports(graph, seeds_dir: Path) -> None:
    assert verify_sources(graph, seeds_dir) == []


def test_every_fact_cites_a_passage(graph) -> None:
    assert len(set(graph.subjects(AKG.passage, None))) >= 100


def test_a_moved_passage_is_caught(graph, seeds_dir: Path) -> None:
    moved = graph.__class__()
    moved += graph
    membership = URIRef("https://w3id.org/alliancekg/id/membership/cesaer/ip-paris")
    passage = moved.value(membership, AKG.passage)
    end = int(moved.value(passage, OA_END))
    moved.set((passage, URIRef("http://www.w3.org/ns/oa#start"), Literal(end - 3)))
    problems = verify_sources(moved, seeds_dir)
    assert any(p.where == str(membership) for p in problems)


def test_a_changed_source_file_is_caught(graph, seeds_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "seeds"
    copy.mkdir()
    for path in seeds_dir.glob("*.txt"):
        (copy / path.name).write_text(read_source(path).replace("CESAER", "CESAR"), encoding="utf-8", newline="")
    problems = [p.line() for p in verify_sources(graph, copy)]
    assert any("SHA-256" in line for line in problems)
    assert any("do not mention" in line for line in problems)


def test_no_source_sentence_is_stored(settings, seeds_dir: Path) -> None:
    """Facts, not sentences: no run of 12 words (or 16 Chinese characters) of a source is in the data."""
    corpus = " ".join(p.read_text(encoding="utf-8") for p in input_paths(settings))
    corpus_cjk = _cjk(corpus)
    corpus = " ".join(corpus.split()).casefold()
    for source in sorted(seeds_dir.glob("*.txt")):
        words = read_source(source).split()
        for i in range(max(0, len(words) - 12)):
            window = " ".join(words[i:i + 12]).casefold()
            assert window not in corpus, f"{source.name}: words {i}-{i + 12} are copied"
        chinese = _cjk(read_source(source))
        for i in range(max(0, len(chinese) - 16)):
            assert chinese[i:i + 16] not in corpus_cjk, f"{source.name}: 16 Chinese characters at {i} are copied"


def _cjk(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def test_verify_sources_command(seeds_dir: Path) -> None:
    result = CliRunner().invoke(main, ["verify-sources", "--seeds", str(seeds_dir)])
    assert result.exit_code == 0, result.output
