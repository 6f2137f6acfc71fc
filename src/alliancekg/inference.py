"""Forward-chaining of the ``queries/inference/*.rq`` CONSTRUCT rules until nothing new appears.

Each rule runs inside the store as the SPARQL update ``INSERT { template } WHERE { pattern }`` it
is equivalent to, so no conclusion passes through Python; a rule that cannot be written so (a
``CONSTRUCT WHERE`` short form, solution modifiers) is evaluated and its triples added.
"""

from __future__ import annotations

import re

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
    updates = [_as_insert(rule) for rule in rules]
    added = 0
    for _ in range(max_rounds):
        before = len(store)
        for rule, update in zip(rules, updates):
            if update is not None:
                store.update(update)
            else:
                store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in construct_triples(store, rule)])
        if len(store) == before:
            return added
        added += len(store) - before
    raise CheckFailed(f"inference did not reach a fixpoint in {max_rounds} rounds")


_CONSTRUCT = re.compile(r"^(\s*)CONSTRUCT(\s*\{)", re.IGNORECASE | re.MULTILINE)


def _as_insert(rule: QueryFile) -> str | None:
    """The rule as ``INSERT { ... } WHERE { ... }``, or None when it is not of that form.

    >>> _as_insert(QueryFile.from_text("#+ summary: s\\n#+ kind: construct\\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", name="r"))
    '#+ summary: s\\n#+ kind: construct\\nINSERT { ?s ?p ?o } WHERE { ?s ?p ?o }'
    """
    text, found = _CONSTRUCT.subn(r"\1INSERT\2", rule.text, count=1)
    if not found:
        return None
    try:
        ox.Store().update(text)
    except SyntaxError:
        return None
    return text
