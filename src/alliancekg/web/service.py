"""What every request handler shares: the store, the limits, and a gated, capped, killable way to
run a query off the event loop.

A query never runs inside the async handler: the gate parses it in a worker thread, and the store
evaluates it in one of ``max_concurrent`` long-lived worker processes that keep the store open; a
worker past the deadline is killed and replaced (see :mod:`alliancekg.worker_pool`). At most
``max_concurrent`` queries run at once; past that the request is refused at once with
:class:`Busy` (HTTP 429) instead of queueing unboundedly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread

from alliancekg.engines import Dataset, Term
from alliancekg.errors import AllianceKGError, QueryError
from alliancekg.gate import GatedQuery, gate
from alliancekg.namespaces import DATA_GRAPH
from alliancekg.settings import Settings
from alliancekg.worker_pool import StorePool

__all__ = ["Busy", "GraphRefused", "QueryAnswer", "ServerOptions", "Service", "StoreUnreadable"]


class Busy(AllianceKGError):
    """Every query slot is taken; the client should retry later (HTTP 429)."""


class StoreUnreadable(AllianceKGError):
    """The store could not be read (its files moved or are damaged): the server's fault, not the
    query's (HTTP 500, with the details in the log and not in the answer)."""


class GraphRefused(QueryError):
    """A protocol ``default-graph-uri`` / ``named-graph-uri`` names a graph the store does not hold."""


@dataclass(frozen=True)
class ServerOptions:
    """Limits of the linked-data server (the everyday ones are ``serve`` options).

    ``max_query_chars`` bounds the text the gate parses: parsing runs before any timeout can
    apply, one query at a time, and pathological texts cost seconds per ten thousand characters.

    >>> ServerOptions().max_rows
    10000
    """

    timeout: float = 30.0
    max_rows: int = 10_000
    max_concurrent: int = 4
    max_body_bytes: int = 1 << 20
    max_url_chars: int = 16_384
    max_query_chars: int = 20_000
    query_memory: int = 2 << 30
    retry_after: int = 2
    max_connections: int = 256


@dataclass(frozen=True)
class QueryAnswer:
    """An evaluated query: its gated form and the engine's bytes (SPARQL JSON or N-Triples)."""

    query: GatedQuery
    data: bytes


@dataclass
class Service:
    """The store behind the server and the limits it runs under."""

    settings: Settings
    options: ServerOptions = field(default_factory=ServerOptions)
    store_path: Path | None = None
    running: int = 0

    def __post_init__(self) -> None:
        path = self.store_path or self.settings.dist_dir / "store"
        self.store_path = Path(path)
        self.engine = StorePool(self.store_path, workers=self.options.max_concurrent,
                                memory=self.options.query_memory)

    def close(self) -> None:
        """Stop the query workers."""
        self.engine.close()

    @property
    def dist_dir(self) -> Path:
        """The folder of the dumps and descriptions the store was built with."""
        assert self.store_path is not None
        return self.store_path.parent

    def graphs(self) -> set[str]:
        """The graphs a request may name: the store's named graphs, and the data graph's name for
        its default graph (so clients configured for a published store work here unchanged)."""
        return self.engine.graphs() | {DATA_GRAPH}

    def check_dataset(self, dataset: Dataset) -> None:
        """Refuse protocol graph IRIs that are not graphs of the store."""
        held = self.graphs()
        for iri in dataset.graphs():
            if iri not in held:
                names = ", ".join(f"<{g}>" for g in sorted(held)) or "no named graphs"
                raise GraphRefused(f"refused: graph <{iri}> is not a graph of this store (it holds {names})")

    async def check(self, text: str) -> GatedQuery:
        """Pass ``text`` through the gate (in a worker thread: parsing is CPU work); raise
        :class:`QueryError` with the reason it is refused."""
        held = await anyio.to_thread.run_sync(self.graphs)
        return await anyio.to_thread.run_sync(lambda: gate(text, store_graphs=held))

    async def evaluate(self, checked: GatedQuery, *, terms: Mapping[str, Term] | None = None,
                       dataset: Dataset | None = None, max_rows: int | None = None,
                       base_iri: str | None = None) -> bytes:
        """Evaluate a gated query in a killable worker under the timeout and row cap: SPARQL JSON
        results or N-Triples, at most the cap + 1 rows or triples, so a cut can be told. Relative IRIs of
        the query resolve against ``base_iri`` (the protocol's service-defined base).

        Raise :class:`Busy` when every slot is taken, :class:`alliancekg.errors.QueryTimeout`
        when the query runs out of time, and :class:`StoreUnreadable` when the worker fails on the
        store's files rather than on the query.
        """
        if self.running >= self.options.max_concurrent:
            raise Busy(f"the server is running {self.running} queries, its limit; retry in a moment")
        self.running += 1
        try:
            cap = self.options.max_rows if max_rows is None else max_rows
            graph = checked.kind in ("construct", "describe")
            return await anyio.to_thread.run_sync(
                lambda: self.engine.evaluate(checked.text, kind=checked.kind, terms=dict(terms or {}),
                                             timeout=self.options.timeout, max_rows=cap, dataset=dataset,
                                             base_iri=base_iri, max_triples=cap + 1 if graph else None))
        except QueryError as error:
            assert self.store_path is not None
            if any(str(path) in str(error) for path in (self.store_path, self.store_path.resolve())):
                raise StoreUnreadable("the store could not be read") from error
            raise
        finally:
            self.running -= 1

    async def run(self, text: str, *, terms: Mapping[str, Term] | None = None,
                  max_rows: int | None = None) -> QueryAnswer:
        """Check and evaluate ``text`` (a catalogue query, with ``terms`` bound by the engine)."""
        checked = await self.check(text)
        return QueryAnswer(checked, await self.evaluate(checked, terms=terms, max_rows=max_rows))
