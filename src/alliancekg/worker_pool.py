"""A pool of query workers that keep the store open.

:class:`~alliancekg.engines.StoreEngine` forks a worker and opens the store for every query, which
costs tens of milliseconds before the query even starts. A server answering many small queries
keeps ``workers`` processes instead, each with the store open read-only. A worker still answers
one query at a time and is killed at the deadline, exactly like the one-shot worker, and a new
worker takes its place. A worker notices a rebuilt store (its ``CURRENT`` file replaced) and opens
the new one.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp()) / "store"
>>> store = ox.Store(str(folder))
>>> store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("x")))
>>> store.flush(); del store
>>> with StorePool(folder, workers=1) as pool:
...     pool.evaluate("ASK { ?s ?p 'x' }", kind="ask", terms={}, timeout=10, max_rows=None)
b'{"head":{},"boolean":true}'
"""

from __future__ import annotations

import ctypes
import faulthandler
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Self

import pyoxigraph as ox

from alliancekg.engines import DEFAULT_MEMORY, Dataset, StoreEngine, Term, _limit_memory, _store_answer
from alliancekg.errors import QueryError, QueryTimeout

__all__ = ["StorePool"]

_MAX_MESSAGE = 1 << 30
_OK, _FAILED, _FAILED_AND_EXITING = b"\x00", b"\x01", b"\x02"


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the server process dies (best effort elsewhere)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _store_key(path: Path) -> tuple[int, int]:
    current = (path / "CURRENT").stat()
    return current.st_ino, current.st_mtime_ns


def _work(connection: Connection, path: Path, memory: int | None) -> None:
    """A worker's life: open the store, then answer requests until the pipe closes."""
    _die_with_parent()
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)  # an engine's abort message is noise; the server reports the failure
    faulthandler.disable()
    _limit_memory(memory)
    store: ox.Store | None = None
    opened: tuple[int, int] | None = None
    while True:
        try:
            text, kind, terms, max_rows, dataset, base_iri, max_triples = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            key = _store_key(path)
            if store is None or key != opened:
                store, opened = ox.Store.read_only(str(path)), key
            answer = _store_answer(store, text, kind, terms, max_rows, dataset, base_iri, max_triples)
            connection.send_bytes(_OK + answer)
        except MemoryError:
            connection.send_bytes(_FAILED_AND_EXITING + b"query stopped: it needed more than its memory allowance")
            os._exit(0)
        except BaseException as error:  # noqa: BLE001 - report every failure; the worker carries on
            connection.send_bytes(_FAILED + str(error).encode("utf-8", "replace"))


class _Worker:
    def __init__(self, context: Any, path: Path, memory: int | None) -> None:
        self.connection, child_end = context.Pipe(duplex=True)
        self.process = context.Process(target=_work, args=(child_end, path, memory), daemon=True)
        self.process.start()
        child_end.close()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


class StorePool:
    """An on-disk store served by ``workers`` long-lived query processes; the same ``evaluate``
    as :class:`~alliancekg.engines.StoreEngine`. ``memory`` is how many bytes more than the
    server each worker may use. Use it as a context manager, or call :meth:`close`."""

    name = "store"

    def __init__(self, path: Path, *, workers: int = 4, memory: int | None = DEFAULT_MEMORY) -> None:
        self._engine = StoreEngine(path)  # checks the store is there; answers graphs()
        self.path = Path(path)
        self.memory = memory
        self._context = multiprocessing.get_context("fork")
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._closed = False
        for _ in range(workers):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.path, self.memory)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._workers.discard(worker)
        if not self._closed:
            self._idle.put(self._start())

    def graphs(self) -> set[str]:
        return self._engine.graphs()

    def worker_pids(self) -> set[int]:
        """The process ids of the live workers."""
        with self._lock:
            return {w.process.pid for w in self._workers if w.process.pid is not None}

    def evaluate(self, text: str, *, kind: str, terms: Mapping[str, Term], timeout: float | None,
                 max_rows: int | None, dataset: Dataset | None = None, base_iri: str | None = None,
                 max_triples: int | None = None) -> bytes:
        """Evaluate on the next free worker; kill and replace it at ``timeout`` seconds."""
        if self._closed:
            raise QueryError("the query pool is closed")
        worker = self._idle.get()
        try:
            worker.connection.send((text, kind, dict(terms), max_rows, dataset, base_iri, max_triples))
            if not worker.connection.poll(timeout):
                self._replace(worker)
                raise QueryTimeout(f"query stopped after the {timeout:g} s timeout")
            message = worker.connection.recv_bytes(_MAX_MESSAGE)
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise QueryError(f"query stopped: its worker died ({error.__class__.__name__}), most likely on "
                             f"reaching its memory allowance of {(self.memory or 0) >> 20} MiB") from None
        status, body = message[:1], message[1:]
        if status == _FAILED_AND_EXITING:
            self._replace(worker)
        else:
            self._idle.put(worker)
        if status != _OK:
            raise QueryError(body.decode("utf-8", "replace"))
        return body

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
