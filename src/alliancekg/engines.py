"""Query engines: the embedded pyoxigraph store, rdflib in memory, and any remote SPARQL endpoint.

Every engine answers in the same standard bytes (SPARQL JSON results for SELECT and ASK,
N-Triples for CONSTRUCT and DESCRIBE), so one reader turns all three into the same result.
Parameters are bound as typed terms, never as text from the user: rdflib through
``initBindings``, the store and an endpoint through a ``VALUES`` block of validated, escaped terms
opening the WHERE group (on the store this lets the planner use the bound IRI; pyoxigraph's
``substitutions`` are applied too late for that).

Local engines evaluate in a forked worker process that is killed at the deadline: neither
pyoxigraph nor rdflib can cancel a running query, and a timeout must really stop it.

>>> engine = MemoryEngine(rdflib.Graph().parse(data="<urn:a> <urn:b> 1 .", format="turtle"))
>>> engine.evaluate("SELECT ?o WHERE { ?s ?p ?o }", kind="select", terms={}, timeout=10, max_rows=10)
b'{"head":{"vars":["o"]},"results":{"bindings":[{"o":{"type":"literal","value":"1","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}'
"""

from __future__ import annotations

import faulthandler
import itertools
import json
import multiprocessing
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as _json_string  # json.dumps's quoting, ASCII kept as is
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
import rdflib
import rdflib.plugins.sparql

from alliancekg.errors import QueryError, QueryTimeout
from alliancekg.loading import to_oxigraph, to_rdflib
from alliancekg.namespaces import DATA_GRAPH
from alliancekg.params import bind_in_text

__all__ = ["Dataset", "Engine", "MemoryEngine", "RemoteEngine", "StoreEngine", "Term", "boolean_json",
           "solutions_json", "term_json"]

Term = ox.NamedNode | ox.Literal
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# A result larger than this cannot come back through the worker's pipe in one message.
_MAX_MESSAGE = 1 << 30
# How much more memory than its parent a query worker may take.
DEFAULT_MEMORY = 4 << 30


class Engine(Protocol):
    """What the query runner needs from an engine."""

    name: str

    def graphs(self) -> set[str]:
        """The named graphs a query may name in FROM / FROM NAMED."""
        ...

    def evaluate(self, text: str, *, kind: str, terms: Mapping[str, Term], timeout: float | None,
                 max_rows: int | None) -> bytes:
        """Evaluate a gated query; SPARQL JSON results or N-Triples bytes."""
        ...


def term_json(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """A term as a SPARQL 1.1 JSON results cell, in compact JSON text.

    >>> term_json(ox.Literal("Grenoble", language="fr"))
    '{"type":"literal","value":"Grenoble","xml:lang":"fr"}'
    """
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _json_string(term.value) + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type":"bnode","value":' + _json_string(term.value) + "}"
    cell = '{"type":"literal","value":' + _json_string(term.value)
    if term.language:
        return cell + ',"xml:lang":' + _json_string(term.language) + "}"
    if term.datatype.value != _XSD_STRING:
        return cell + ',"datatype":' + _json_string(term.datatype.value) + "}"
    return cell + "}"


def solutions_json(variables: Sequence[str], rows: Iterable[Sequence[object]], *,
                   max_rows: int | None, cut_at: int | None = None) -> bytes:
    """SPARQL 1.1 JSON results for ``rows`` of pyoxigraph terms (``None`` when unbound), keeping at
    most ``max_rows`` + 1 rows so the reader can tell the answer was cut. ``cut_at`` says in the
    document that the rows were cut after that many (``"truncated": true`` and ``"limit"``).

    The text is built cell by cell, each distinct term written once: the same bytes as
    ``json.dumps`` of the whole document (compact, not ASCII-escaped), in well under half its time
    for thousands of rows.

    >>> solutions_json(["who"], [(ox.NamedNode("urn:a"),), (None,)], max_rows=None)
    b'{"head":{"vars":["who"]},"results":{"bindings":[{"who":{"type":"uri","value":"urn:a"}},{}]}}'
    """
    keys = [_json_string(v) + ":" for v in variables]
    cells: dict[object, str] = {}
    bindings: list[str] = []
    for row in rows:
        if max_rows is not None and len(bindings) > max_rows:
            break
        fields = []
        for key, term in zip(keys, row):
            if term is not None:
                cell = cells.get(term)
                if cell is None:
                    cell = cells[term] = term_json(term)  # type: ignore[arg-type]
                fields.append(key + cell)
        bindings.append("{" + ",".join(fields) + "}")
    cut = "" if cut_at is None else f',"truncated":true,"limit":{int(cut_at)}'
    head = '{"head":{"vars":[' + ",".join(_json_string(v) for v in variables) + "]}"
    return (head + cut + ',"results":{"bindings":[' + ",".join(bindings) + "]}}").encode()


def boolean_json(value: bool) -> bytes:
    """SPARQL 1.1 JSON results of an ASK query."""
    return json.dumps({"head": {}, "boolean": value}, separators=(",", ":")).encode()


def _limit_memory(allowance: int | None) -> None:
    """Cap this process's address space at its current size plus ``allowance`` bytes."""
    if allowance is None:
        return
    try:
        import resource

        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (current + allowance, current + allowance))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no rlimits on this platform: the timeout still applies


def _in_worker(function, timeout: float | None, memory: int | None = DEFAULT_MEMORY) -> bytes:
    """Run the zero-argument ``function`` in a forked child and return its bytes; kill the child at
    ``timeout`` seconds, and let it use at most ``memory`` more bytes than the parent."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return function()  # no fork on this platform: no hard timeout either
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        try:
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 2)  # an engine's abort message is noise; the parent reports the failure
            faulthandler.disable()
            _limit_memory(memory)
            sender.send_bytes(b"\x00" + function())
        except MemoryError:
            sender.send_bytes(b"\x01query stopped: it needed more than its memory allowance")
        except BaseException as error:  # noqa: BLE001 - report every failure to the parent, then exit
            sender.send_bytes(b"\x01" + str(error).encode("utf-8", "replace"))
        finally:
            sender.close()
            os._exit(0)

    process = context.Process(target=child, daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise QueryTimeout(f"query stopped after the {timeout:g} s timeout")
        message = receiver.recv_bytes(_MAX_MESSAGE)
    except EOFError:
        process.join()
        raise QueryError(f"query stopped: its worker died (exit code {process.exitcode}), most likely "
                         f"on reaching its memory allowance of {(memory or 0) >> 20} MiB") from None
    except OSError as error:
        raise QueryError(f"query result too large to return: {error}") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if message[:1] == b"\x01":
        raise QueryError(message[1:].decode("utf-8", "replace"))
    return message[1:]


def _store_answer(store: ox.Store, text: str, kind: str, terms: Mapping[str, Term],
                  max_rows: int | None, dataset: Dataset | None = None, base_iri: str | None = None,
                  max_triples: int | None = None) -> bytes:
    # Bound as a VALUES block of escaped terms opening the WHERE group, not as ``substitutions``:
    # pyoxigraph applies substitutions after planning, so a bound IRI cannot steer the joins (a
    # member list with its dates took 835 ms that way at 10k institutions, 30 ms with VALUES).
    graphs = dataset.arguments() if dataset else {}
    try:
        answer = store.query(bind_in_text(text, terms), base_iri=base_iri, **graphs)
    except SyntaxError as error:
        raise QueryError(f"syntax error: {error}") from None
    if isinstance(answer, ox.QueryBoolean):
        return boolean_json(bool(answer))
    if isinstance(answer, ox.QueryTriples):
        triples = answer if max_triples is None else itertools.islice(answer, max_triples)
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    variables = [v.value for v in answer.variables]
    return solutions_json(variables, (tuple(row) for row in answer), max_rows=max_rows)  # in variable order


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names (the SPARQL protocol's ``default-graph-uri`` and
    ``named-graph-uri``); it replaces any ``FROM`` / ``FROM NAMED`` of the query text.

    >>> Dataset(default_graphs=("urn:g",)).arguments()
    {'default_graph': [<NamedNode value=urn:g>], 'named_graphs': []}
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)

    def graphs(self) -> tuple[str, ...]:
        return self.default_graphs + self.named_graphs

    def arguments(self) -> dict[str, list[ox.NamedNode | ox.DefaultGraph]]:
        """Keyword arguments for :meth:`pyoxigraph.Store.query`; a dataset with only named graphs
        has an empty default graph, as the protocol says. The data graph's name
        (:data:`alliancekg.namespaces.DATA_GRAPH`, where ``publish`` puts the data in a remote
        store) names the built store's default graph, which holds the same data."""
        default: list[ox.NamedNode | ox.DefaultGraph] = [
            ox.DefaultGraph() if g == DATA_GRAPH else ox.NamedNode(g) for g in self.default_graphs]
        return {"default_graph": default, "named_graphs": [ox.NamedNode(g) for g in self.named_graphs]}


class StoreEngine:
    """The embedded pyoxigraph store: on disk (opened read-only in the worker) or in memory.
    ``memory`` is how many bytes more than this process a query may use.

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("x")))
    >>> StoreEngine(store=store).evaluate("ASK { ?s ?p 'x' }", kind="ask", terms={}, timeout=5, max_rows=None)
    b'{"head":{},"boolean":true}'
    """

    name = "store"

    def __init__(self, path: Path | None = None, *, store: ox.Store | None = None,
                 memory: int | None = DEFAULT_MEMORY) -> None:
        if (path is None) == (store is None):
            raise ValueError("give the path of a store or an open store, not both")
        if path is not None and not (Path(path) / "CURRENT").is_file():
            raise QueryError(f"{path}: no store here; run `alliancekg build` first")
        self.path = Path(path) if path is not None else None
        self._store = store
        self.memory = memory
        self._graphs: tuple[tuple[int, int], set[str]] | None = None

    def _open(self) -> ox.Store:
        return self._store if self._store is not None else ox.Store.read_only(str(self.path))

    def graphs(self) -> set[str]:
        """The store's named graphs; an on-disk store is opened again only after a rebuild (its
        ``CURRENT`` file is replaced), not once more for every query."""
        if self.path is None:
            return self._named_graphs()
        current = (self.path / "CURRENT").stat()
        key = (current.st_ino, current.st_mtime_ns)
        if self._graphs is None or self._graphs[0] != key:
            self._graphs = (key, self._named_graphs())
        return set(self._graphs[1])

    def _named_graphs(self) -> set[str]:
        return {g.value for g in self._open().named_graphs() if isinstance(g, ox.NamedNode)}

    def evaluate(self, text: str, *, kind: str, terms: Mapping[str, Term], timeout: float | None,
                 max_rows: int | None, dataset: Dataset | None = None, base_iri: str | None = None,
                 max_triples: int | None = None) -> bytes:
        """Evaluate in a killable worker; ``dataset`` replaces the query's FROM clauses, relative
        IRIs resolve against ``base_iri``, and a graph answer stops after ``max_triples`` triples."""
        return _in_worker(lambda: _store_answer(self._open(), text, kind, terms, max_rows, dataset, base_iri,
                                                max_triples), timeout, self.memory)


def _rdflib_answer(graph: rdflib.Graph, text: str, kind: str, terms: Mapping[str, Term],
                   max_rows: int | None) -> bytes:
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch or read FROM IRIs (in the worker)
    result = graph.query(text, initBindings={name: to_rdflib(term) for name, term in terms.items()})
    if result.type == "ASK":
        return boolean_json(bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        triples = (ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in result.graph)
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    variables = [str(v) for v in result.vars or ()]
    rows = ([None if t is None else to_oxigraph(t) for t in row] for row in result)
    return solutions_json(variables, rows, max_rows=max_rows)


class MemoryEngine:
    """rdflib in memory: for small graphs, and the engine validation already uses. ``memory`` is
    how many bytes more than this process a query may use."""

    name = "memory"

    def __init__(self, graph: rdflib.Graph, *, memory: int | None = DEFAULT_MEMORY) -> None:
        self.graph = graph
        self.memory = memory

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> MemoryEngine:
        """Parse RDF files (format guessed from the suffix) into one graph."""
        graph = rdflib.Graph()
        for path in paths:
            graph.parse(path, format=rdflib.util.guess_format(str(path)))
        return cls(graph)

    def graphs(self) -> set[str]:
        if isinstance(self.graph, rdflib.Dataset):
            return {str(g.identifier) for g in self.graph.graphs() if isinstance(g.identifier, rdflib.URIRef)}
        return set()

    def evaluate(self, text: str, *, kind: str, terms: Mapping[str, Term], timeout: float | None,
                 max_rows: int | None) -> bytes:
        return _in_worker(lambda: _rdflib_answer(self.graph, text, kind, terms, max_rows), timeout, self.memory)


class RemoteEngine:
    """Any SPARQL 1.1 endpoint, through :class:`alliancekg.remote.Endpoint`.

    ``graphs`` are the named graphs the dataset lives in on the server; they are sent as the
    protocol's ``default-graph-uri`` and are the only graphs FROM / FROM NAMED may name.
    """

    name = "remote"

    def __init__(self, url: str, *, graphs: Sequence[str] = (), **options: object) -> None:
        from alliancekg.remote import Endpoint

        self.url = url
        self._graphs = tuple(graphs)
        self.endpoint = Endpoint(url, default_graphs=self._graphs, **options)  # type: ignore[arg-type]

    def graphs(self) -> set[str]:
        return set(self._graphs)

    def evaluate(self, text: str, *, kind: str, terms: Mapping[str, Term], timeout: float | None,
                 max_rows: int | None) -> bytes:
        from alliancekg.gate import gate

        bound = bind_in_text(text, terms)
        gate(bound, store_graphs=self.graphs())  # the text that leaves is the text that was checked
        return self.endpoint.query(bound, kind=kind, deadline=timeout)
