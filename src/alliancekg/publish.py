"""Publishing the built dataset to a remote store with the SPARQL 1.1 Graph Store Protocol.

The whole N-Triples dump goes in one ``PUT``, which replaces the named graph: a store that
applies each request as one transaction never shows readers half a dataset.
"""

from __future__ import annotations

from alliancekg.errors import UsageError
from alliancekg.namespaces import DATA_GRAPH
from alliancekg.remote import PublishResult, put_graph
from alliancekg.settings import Settings

__all__ = ["publish"]


def publish(settings: Settings, *, endpoint: str, graph: str | None = DATA_GRAPH,
            timeout: float = 300.0) -> PublishResult:
    """Replace ``graph`` (``None``: the default graph) at the Graph Store URL ``endpoint`` with the
    built dataset (``dist/alliancekg.nt``, asserted and inferred triples)."""
    dump = settings.dist_dir / "alliancekg.nt"
    if not dump.is_file():
        raise UsageError(f"{dump}: nothing to publish; run `alliancekg build` first")
    return put_graph(endpoint, dump, graph=graph, content_type="application/n-triples", timeout=timeout)
