"""The engines' common answer format: SPARQL 1.1 JSON results written cell by cell."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from alliancekg.engines import solutions_json

XSD = "http://www.w3.org/2001/XMLSchema#"
IPGP = ox.NamedNode("https://w3id.org/alliancekg/id/org/ipgp")
#: Each term beside the cell the SPARQL 1.1 JSON results format gives it.
CELLS = [
    (IPGP, {"type": "uri", "value": IPGP.value}),
    (ox.BlankNode("b0"), {"type": "bnode", "value": "b0"}),
    (ox.Literal("Institut de physique du globe", language="fr"),
     {"type": "literal", "value": "Institut de physique du globe", "xml:lang": "fr"}),
    (ox.Literal('quote " backslash \\ tab \t line \n nul \x00 é 中 😀 \u2028'),
     {"type": "literal", "value": 'quote " backslash \\ tab \t line \n nul \x00 é 中 😀 \u2028'}),
    (ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
     {"type": "literal", "value": "42", "datatype": XSD + "integer"}),
    (ox.Literal("2022-01", datatype=ox.NamedNode(XSD + "gYearMonth")),
     {"type": "literal", "value": "2022-01", "datatype": XSD + "gYearMonth"}),
    (ox.Literal("plain"), {"type": "literal", "value": "plain"}),
]
VARIABLES = ["iri", "blank", "french", "odd", "count", "month", "plain"]


def _document(rows: list[list[dict[str, str] | None]], cut_at: int | None) -> bytes:
    document: dict[str, object] = {"head": {"vars": VARIABLES}}
    if cut_at is not None:
        document["truncated"] = True
        document["limit"] = cut_at
    document["results"] = {"bindings": [{v: c for v, c in zip(VARIABLES, row) if c is not None} for row in rows]}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize("cut_at", [None, 3])
def test_results_are_the_bytes_json_dumps_writes(cut_at: int | None) -> None:
    terms = [term for term, _ in CELLS]
    cells = [cell for _, cell in CELLS]
    rows = [terms, terms[::-1], [IPGP] + [None] * 6, [None] * 7]  # repeated terms, unbound cells
    expected = [cells, cells[::-1], [cells[0]] + [None] * 6, [None] * 7]
    written = solutions_json(VARIABLES, rows, max_rows=None, cut_at=cut_at)
    assert written == _document(expected, cut_at)
    assert json.loads(written)["results"]["bindings"][1]["odd"] == cells[3]


def test_results_keep_one_row_past_the_cap() -> None:
    rows = [[IPGP, *([None] * 6)] for _ in range(5)]
    written = json.loads(solutions_json(VARIABLES, rows, max_rows=2))
    assert len(written["results"]["bindings"]) == 3  # the reader tells a cut answer by the extra row
