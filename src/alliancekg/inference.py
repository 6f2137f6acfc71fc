"""Forward-chaining of the ``queries/inference/*.rq`` CONSTRUCT rules until nothing new appears."""

from __future__ import annotations

import pyoxigraph as ox

from alliancekg.errors import CheckFailed
from alliancekg.queryfile import QueryFile
from alliancekg.sparql import construct_triples

__all__ = ["infer"]


def infer(store: ox.Store, rules: list[QueryFile], *, max_rounds: int = 10) -> int:
    """Add the rules' conclusions to ``store`` until a fixpoint; return how many triples were added.

    >>> store = ox.Store()
    >>> rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    >>> store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode(rdfs + "subClassOf"), ox.NamedNode("urn:b")))
    >>> store.add(ox.Quad(ox.NamedNode("urn:b"), ox.NamedNode(rdfs + "subClassOf"), ox.NamedNode("urn:c")))
    >>> rule = QueryFile.from_text('''#+ summary: s
    ... #+ kind: construct
    ... CONSTRUCT { ?a <%ssubClassOf> ?c } WHERE { ?a <%ssubClassOf>/<%ssubClassOf> ?c }''' % (rdfs, rdfs, rdfs), name="r")
    >>> infer(store, [rule])
    1
    """
    added = 0
    for _ in range(max_rounds):
        before = len(store)
        for rule in rules:
            store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in construct_triples(store, rule)])
        if len(store) == before:
            return added
        added += len(store) - before
    raise CheckFailed(f"inference did not reach a fixpoint in {max_rounds} rounds")
