"""A read-only rdflib view of a pyoxigraph store, for code that needs the rdflib API on a few nodes
(pySHACL on a handful of focus nodes, labels in a report) without copying the store into rdflib.

Each lookup goes to the store, so the view suits pointed questions, not scans of the whole data.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x")))
>>> graph = store_view(store)
>>> [str(o) for o in graph.objects(URIRef("urn:a"), URIRef("urn:p"))], len(graph)
(['x'], 1)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.store import Store
from rdflib.term import Node

from alliancekg.loading import to_oxigraph, to_rdflib
from alliancekg.namespaces import bind_prefixes

__all__ = ["StoreView", "store_view"]


class StoreView(Store):
    """An rdflib store answering from the default graph of a pyoxigraph store; writes raise."""

    context_aware = True  # pySHACL wraps data graphs in a Dataset; every context is the default graph
    formula_aware = False
    transaction_aware = False
    graph_aware = True

    #: The name of the one graph the view holds.
    identifier = URIRef("urn:x-alliancekg:store-view")

    def __init__(self, store: ox.Store) -> None:
        super().__init__()
        self._store = store
        self._prefixes: dict[str, URIRef] = {}
        self._namespaces: dict[URIRef, str] = {}
        self._graph: Graph | None = None

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[tuple[tuple[Node, Node, Node], Iterator[Graph]]]:
        if context is None:  # a caller asking every graph gets the view's one graph as context
            if self._graph is None:
                self._graph = Graph(store=self, identifier=self.identifier)
            context = self._graph
        s, p, o = (None if term is None else to_oxigraph(term) for term in triple_pattern)
        for quad in self._store.quads_for_pattern(s, p, o, ox.DefaultGraph()):  # type: ignore[arg-type]
            yield (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)), iter([context])

    def __len__(self, context: Any = None) -> int:
        return len(self._store)

    def contexts(self, triple: Any = None) -> Iterator[Any]:
        return iter([])

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        raise TypeError("a store view is read-only")

    def addN(self, quads: Any) -> None:
        raise TypeError("a store view is read-only")

    def remove(self, triple: Any, context: Any = None) -> None:
        raise TypeError("a store view is read-only")

    def bind(self, prefix: str, namespace: URIRef, override: bool = True) -> None:
        namespace = URIRef(namespace)
        if not override and (prefix in self._prefixes or namespace in self._namespaces):
            return
        self._namespaces.pop(self._prefixes.get(prefix, URIRef("")), None)
        self._prefixes.pop(self._namespaces.get(namespace, ""), None)
        self._prefixes[prefix] = namespace
        self._namespaces[namespace] = prefix

    def prefix(self, namespace: URIRef) -> str | None:
        return self._namespaces.get(URIRef(namespace))

    def namespace(self, prefix: str) -> URIRef | None:
        return self._prefixes.get(prefix)

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        yield from self._prefixes.items()


def store_view(store: ox.Store) -> Graph:
    """An rdflib graph, with the project's prefixes, that reads the default graph of ``store``."""
    return bind_prefixes(Graph(store=StoreView(store), identifier=StoreView.identifier))
