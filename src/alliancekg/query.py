r"""Run a catalogue query, a query file or query text on any engine: the library behind
``alliancekg query``.

>>> import rdflib
>>> graph = rdflib.Graph().parse(data="<urn:ipgp> <urn:memberOf> <urn:circle-u> .", format="nt")
>>> text = ("#+ summary: What an institution is a member of\n#+ params: who (iri)\n"
...         "SELECT ?who ?what WHERE { ?who <urn:memberOf> ?what }")
>>> run_query(text, {"who": "urn:ipgp"}, engine=MemoryEngine(graph)).rows
(Row(who='urn:ipgp', what='urn:circle-u'),)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from alliancekg.engines import Engine, MemoryEngine, RemoteEngine, StoreEngine
from alliancekg.errors import QueryError
from alliancekg.gate import gate
from alliancekg.params import bind_params
from alliancekg.queryfile import QueryFile, catalogue
from alliancekg.results import QueryResult
from alliancekg.settings import Settings

__all__ = ["DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT", "find_query", "open_engine", "run_query"]

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_ROWS = 100_000


def find_query(name: str, *, queries_dir: Path) -> QueryFile:
    """A catalogue query by name (``cq/alliance-members``, or ``alliance-members`` when only one
    folder has it), or a ``.rq`` file by path. Unknown names suggest the nearest.

    >>> from alliancekg.settings import find_root
    >>> find_query("aliance-members", queries_dir=find_root() / "queries")
    Traceback (most recent call last):
    ...
    alliancekg.errors.QueryError: no query named 'aliance-members'; did you mean cq/alliance-members?
    """
    if name.endswith(".rq"):
        path = Path(name)
        if not path.is_file():
            raise QueryError(f"{name}: no such query file")
        return QueryFile.from_text(path.read_text(encoding="utf-8"), name=path.stem, path=path)
    queries = {q.name: q for q in catalogue(queries_dir)}
    if name in queries:
        return queries[name]
    by_stem = [q for q in queries.values() if q.name.rsplit("/", 1)[-1] == name]
    if len(by_stem) == 1:
        return by_stem[0]
    candidates = sorted(queries) + sorted({n.rsplit("/", 1)[-1] for n in queries})
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    close = [next(n for n in sorted(queries) if n == c or n.endswith("/" + c)) for c in close]
    hint = f"; did you mean {' or '.join(dict.fromkeys(close))}?" if close else "; `alliancekg queries` lists them"
    if len(by_stem) > 1:
        hint = f"; it is in several folders: {', '.join(q.name for q in by_stem)}"
    raise QueryError(f"no query named {name!r}{hint}")


def open_engine(engine: Engine | str | None = None, *, settings: Settings | None = None,
                graphs: Sequence[str] = (), **options: object) -> Engine:
    """An engine from a name: ``"store"`` (default: the built store), ``"memory"`` (rdflib over
    the N-Triples dump) or an ``http(s)://`` endpoint URL."""
    if engine is not None and not isinstance(engine, str):
        return engine
    settings = settings or Settings.from_env()
    if engine in (None, "store"):
        return StoreEngine(settings.dist_dir / "store")
    if engine == "memory":
        dump = settings.dist_dir / "alliancekg.nt"
        if not dump.is_file():
            raise QueryError(f"{dump}: no dump here; run `alliancekg build` first")
        return MemoryEngine.from_files([dump])
    if engine.startswith(("http://", "https://")):
        return RemoteEngine(engine, graphs=graphs, **options)
    raise QueryError(f"unknown engine {engine!r}: use store, memory or an http(s):// endpoint URL")


def run_query(query: QueryFile | str, params: Mapping[str, object] | None = None, *,
              engine: Engine | str | None = None, settings: Settings | None = None,
              timeout: float | None = DEFAULT_TIMEOUT, limit: int | None = None,
              max_rows: int = DEFAULT_MAX_ROWS) -> QueryResult:
    """Run a catalogue query (by name), a ``.rq`` file or SPARQL text and return typed rows.

    Parameters are checked against the query's declared types and bound by the engine. The
    query passes the gate first (read-only, no SERVICE, FROM only on the store's graphs), runs at
    most ``timeout`` seconds, and returns at most ``limit`` rows (``max_rows`` when no limit is
    given); ``result.truncated`` says when more existed.
    """
    settings = settings or Settings.from_env()
    if isinstance(query, str):
        if re.fullmatch(r"[\w./\-]+", query):  # a name or a path, not SPARQL text
            query = find_query(query, queries_dir=settings.queries_dir)
        elif query.lstrip().startswith("#+"):
            query = QueryFile.from_text(query, name="query")
        else:
            query = QueryFile(name="query", text=query, summary="", kind="select")
    terms = bind_params(query.params, dict(params or {}))
    engine = open_engine(engine, settings=settings)
    checked = gate(query.text, store_graphs=engine.graphs())
    cap = min(limit, max_rows) if limit is not None else max_rows
    answer = engine.evaluate(checked.text, kind=checked.kind, terms=terms, timeout=timeout, max_rows=cap)
    return QueryResult.from_bytes(answer, kind=checked.kind, limit=cap)
