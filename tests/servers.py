"""Real HTTP servers for tests, on 127.0.0.1 and a free port.

``oxigraph_server`` runs the Oxigraph server (the ``oxigraph`` package) on an empty store;
``scripted_endpoint`` is a small threaded HTTP server whose answers a test scripts (status,
headers, body, delays) and which records every request it received.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

__all__ = [
    "OxigraphServer",
    "Recorded",
    "Reply",
    "ScriptedEndpoint",
    "oxigraph_server",
    "oxigraph_session",
    "running_oxigraph",
    "scripted_endpoint",
    "select_json",
]

_START_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command next to the running Python, else on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


@dataclass(frozen=True)
class OxigraphServer:
    """A running Oxigraph server: ``base`` and its SPARQL query, update and graph store URLs."""

    base: str
    location: Path
    process: subprocess.Popen[bytes] = field(repr=False, compare=False)

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base}/update"

    @property
    def store_url(self) -> str:
        return f"{self.base}/store"


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_oxigraph(location: Path, *, extra: Iterable[str] = ()) -> OxigraphServer:
    """Start ``oxigraph serve`` on ``location`` and wait until it answers a query."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    last = ""
    for _ in range(3):  # another process may take the port between probe and bind
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(base):
                return OxigraphServer(base, location, process)
            time.sleep(0.05)
        _stop(process)
        last = process.stderr.read().decode(errors="replace") if process.stderr else ""
    raise RuntimeError(f"oxigraph serve did not start: {last.strip()[-500:]}")


@contextmanager
def running_oxigraph(location: Path, *, extra: Iterable[str] = ()) -> Iterator[OxigraphServer]:
    server = start_oxigraph(location, extra=extra)
    try:
        yield server
    finally:
        _stop(server.process)
        if server.process.stderr:
            server.process.stderr.close()


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    """An Oxigraph server on a new empty store, stopped after the test."""
    with running_oxigraph(tmp_path / "oxigraph") as server:
        yield server


@pytest.fixture(scope="session")
def oxigraph_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """One Oxigraph server shared by the session; tests must use their own graph names."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


@dataclass
class Reply:
    """One scripted answer: ``delay`` before the status line, then the body in ``chunk``-byte
    pieces with ``chunk_delay`` between them. ``content_length`` overrides the announced length
    (``None``: the true length; ``-1``: no Content-Length, the body ends when the connection
    closes)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str | None = "application/sparql-results+json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunk: int = 64 * 1024
    chunk_delay: float = 0.0
    content_length: int | None = None


@dataclass(frozen=True)
class Recorded:
    """One request the scripted endpoint received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, list[str]]:
        """Query-string parameters merged with those of a form-encoded body."""
        merged = {key: list(values) for key, values in self.query.items()}
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            for key, values in urllib.parse.parse_qs(self.body.decode(), keep_blank_values=True).items():
                merged.setdefault(key, []).extend(values)
        return merged


class ScriptedEndpoint:
    """A threaded HTTP server answering with scripted :class:`Reply` objects in order; when they
    run out, ``then`` answers every further request (default: HTTP 500 "script exhausted")."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._replies: list[Reply] = []
        self._then: Reply | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = f"{self.base}/sparql"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def script(self, *replies: Reply, then: Reply | None = None) -> None:
        with self._lock:
            self._replies = list(replies)
            self._then = then
            self.requests.clear()

    def _next(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._replies:
                return self._replies.pop(0)
            return self._then or Reply(500, b"script exhausted", content_type="text/plain")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(endpoint: ScriptedEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urllib.parse.urlsplit(self.path)
            recorded = Recorded(
                self.command,
                split.path,
                urllib.parse.parse_qs(split.query, keep_blank_values=True),
                {key.lower(): value for key, value in self.headers.items()},
                body,
            )
            reply = endpoint._next(recorded)
            try:
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up: that is the test's point
                pass
            self.close_connection = True

        def _send(self, reply: Reply) -> None:
            time.sleep(reply.delay)
            payload = reply.body if isinstance(reply.body, bytes) else b"".join(reply.body)
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.content_length is None:
                self.send_header("Content-Length", str(len(payload)))
            elif reply.content_length >= 0:
                self.send_header("Content-Length", str(reply.content_length))
            self.send_header("Connection", "close")
            self.end_headers()
            for start in range(0, len(payload), reply.chunk):
                if start and reply.chunk_delay:
                    time.sleep(reply.chunk_delay)
                self.wfile.write(payload[start : start + reply.chunk])
                self.wfile.flush()

        do_GET = do_POST = do_PUT = _serve

    return Handler


@pytest.fixture
def scripted_endpoint() -> Iterator[ScriptedEndpoint]:
    """A scripted HTTP endpoint, closed after the test."""
    endpoint = ScriptedEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.close()


def select_json(rows: int, var: str = "x") -> bytes:
    """A SPARQL JSON results document with ``rows`` solutions binding ``var``.

    >>> json.loads(select_json(2))["results"]["bindings"][1]
    {'x': {'type': 'uri', 'value': 'http://example.org/1'}}
    """
    bindings = [{var: {"type": "uri", "value": f"http://example.org/{i}"}} for i in range(rows)]
    return json.dumps({"head": {"vars": [var]}, "results": {"bindings": bindings}}).encode()


@dataclass
class AllianceKGServer:
    """``alliancekg serve`` (uvicorn, in a background thread) on 127.0.0.1 and a free port."""

    base: str
    app: object = field(repr=False)

    @property
    def sparql_url(self) -> str:
        return f"{self.base}/sparql"


@contextmanager
def running_alliancekg(store: Path, *, options: object | None = None, root: Path | None = None) -> Iterator[AllianceKGServer]:
    """Serve ``store`` (a built ``dist/store``) with ``options`` (:class:`ServerOptions`) until the
    block ends; ``root`` is the project folder (for the catalogue and the ontology)."""
    import uvicorn

    from alliancekg.settings import Settings, find_root
    from alliancekg.web import ServerOptions, create_app

    options = options or ServerOptions()
    app = create_app(Settings(root=root or find_root(Path(__file__).parent)), options=options, store=store)
    with socket.socket() as sock:  # bind first, so the port cannot be taken between probe and use
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off",
                                h11_max_incomplete_event_size=options.max_url_chars + 16_384)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("alliancekg serve did not start")
            time.sleep(0.02)
        try:
            yield AllianceKGServer(f"http://127.0.0.1:{port}", app)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            app.state.service.close()


@pytest.fixture(scope="session")
def reference_server(built) -> Iterator[AllianceKGServer]:
    """The reference data's store, served for the whole session with the default limits."""
    with running_alliancekg(built.dist_dir / "store") as server:
        yield server
