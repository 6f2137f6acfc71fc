"""Remote SPARQL 1.1 endpoints: queries through SPARQLWrapper, uploads by the Graph Store Protocol.

:class:`Endpoint` sends a finished query text (checked and bound by the caller, never rewritten
here) and returns the answer as bytes in one promised format: SPARQL 1.1 Query Results JSON for
``select`` and ``ask``, N-Triples for ``construct`` and ``describe``. The answer is read in chunks
under a byte cap and a deadline, and is returned only when it is known to be complete: HTTP 206, an
``X-SQL-State`` header (Virtuoso's partial answers), a body shorter than announced or one that does
not parse, and a row count equal to a known server row cap all raise :class:`PartialResult`.

:func:`put_graph` replaces one graph of a Graph Store with one HTTP PUT.
"""

from __future__ import annotations

import ast
import http.client
import math
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NoReturn

from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper import SPARQLExceptions as swx

from alliancekg.answers import N_TRIPLES, PARTIAL_ADVICE, RESULTS_JSON, normalise, shape_of
from alliancekg.errors import EndpointError, LoadError, PartialResult, UsageError

__all__ = ["Endpoint", "PublishResult", "graph_store_url", "put_graph"]


_ACCEPT: Final = {
    "results": f"{RESULTS_JSON}, application/sparql-results+xml;q=0.8, text/tab-separated-values;q=0.5",
    "graph": f"{N_TRIPLES}, text/turtle;q=0.9, application/rdf+xml;q=0.5",
}
_AGENT: Final = "alliancekg (SPARQLWrapper)"
_RETRY_STATUSES: Final = frozenset({429, 503})
_RETRY_AFTER_CAP: Final = 10.0  # seconds; a longer Retry-After is cut to this
_DEFAULT_BUDGET: Final = 10  # without a deadline, a call may take this many times the socket timeout
_GET_LIMIT: Final = 2000  # longer encoded queries are sent by POST
_CHUNK: Final = 64 * 1024
_ERROR_BODY: Final = 64 * 1024  # bytes read from an error answer
_MESSAGE_CHARS: Final = 300
# SPARQLWrapper raises its own exceptions for these statuses and plain urllib HTTPError for others.
_WRAPPER_STATUS: Final[Mapping[type[Exception], int]] = {
    swx.QueryBadFormed: 400,
    swx.Unauthorized: 401,
    swx.EndPointNotFound: 404,
    swx.URITooLong: 414,
    swx.EndPointInternalError: 500,
}


@dataclass(frozen=True)
class PublishResult:
    """What :func:`put_graph` sent: the request URL, the graph (``None`` for the default graph),
    the body size, the HTTP status and the wall time."""

    url: str
    graph: str | None
    bytes_sent: int
    status: int
    seconds: float


class _Retry(Exception):
    """An answer worth another try (429, 503)."""

    def __init__(self, status: int, message: str, retry_after: float | None) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class Endpoint:
    """A SPARQL 1.1 query endpoint at ``url``.

    ``timeout`` bounds each socket operation (connect, each read); ``retries`` is the number of
    further attempts after an HTTP 429 or 503, waiting ``backoff`` seconds doubled each time (or a
    ``Retry-After`` of at most 10 s); ``max_bytes`` caps the answer's size; ``row_cap`` is the
    server's known row limit (a SELECT answer with exactly that many rows is reported as partial);
    ``default_graphs`` and ``named_graphs`` are sent as ``default-graph-uri`` and
    ``named-graph-uri``.

    >>> import socket
    >>> with socket.socket() as s:
    ...     s.bind(("127.0.0.1", 0))
    ...     port = s.getsockname()[1]
    >>> Endpoint(f"http://127.0.0.1:{port}/query", timeout=2).query("ASK {}", kind="ask")
    Traceback (most recent call last):
    alliancekg.errors.EndpointError: http://127.0.0.1:.../query: cannot connect (connection refused)
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int = 256 * 2**20,
        row_cap: int | None = None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> None:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise UsageError(f"{url}: an endpoint URL must start with http:// or https://")
        if timeout <= 0 or retries < 0 or backoff < 0 or max_bytes <= 0 or (row_cap is not None and row_cap <= 0):
            raise UsageError(f"{url}: timeout, max_bytes and row_cap must be positive, retries and backoff >= 0")
        self.url = url
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_bytes = int(max_bytes)
        self.row_cap = row_cap
        self.default_graphs = tuple(default_graphs)
        self.named_graphs = tuple(named_graphs)

    def __repr__(self) -> str:
        return f"Endpoint({self.url!r}, timeout={self.timeout}, retries={self.retries})"

    def query(self, text: str, *, kind: str, deadline: float | None = None) -> bytes:
        """Run ``text`` and return the complete answer: Query Results JSON for ``kind`` ``select``
        or ``ask``, N-Triples for ``construct`` or ``describe``.

        ``deadline`` is the number of seconds the whole call may take, retries and waits included
        (default: ten times ``timeout``).

        :raises UsageError: for an unknown ``kind`` or a text that is an update, not a query.
        :raises PartialResult: when the server answered with less than the whole result.
        :raises EndpointError: when the endpoint cannot be reached, times out, answers with an
            HTTP error (the message carries the status and the start of the server's text), or
            sends more than ``max_bytes``.
        """
        shape = shape_of(kind)
        budget = self.timeout * _DEFAULT_BUDGET if deadline is None else float(deadline)
        end = time.monotonic() + budget
        attempt = 0
        while True:
            try:
                data, content_type = self._attempt(text, shape, end, budget)
            except _Retry as retry:
                if attempt >= self.retries:
                    tries = "1 attempt" if attempt == 0 else f"{attempt + 1} attempts"
                    raise EndpointError(
                        f"HTTP {retry.status} after {tries}: {retry.message}", url=self.url, status=retry.status
                    ) from None
                wait = self.backoff * 2**attempt
                if retry.retry_after is not None:
                    wait = min(retry.retry_after, _RETRY_AFTER_CAP)
                if time.monotonic() + wait >= end:
                    raise EndpointError(
                        f"HTTP {retry.status} and no time left in the {budget:g} s deadline to retry: {retry.message}",
                        url=self.url,
                        status=retry.status,
                    ) from None
                time.sleep(wait)
                attempt += 1
                continue
            return normalise(data, kind=kind, content_type=content_type, row_cap=self.row_cap, source=self.url)

    def _wrapper(self, text: str, shape: str, per_op: float) -> SPARQLWrapper:
        sw = SPARQLWrapper(self.url, agent=_AGENT)
        sw.setOnlyConneg(True)  # no format=/output= parameters: only the query and the graphs are sent
        sw.setQuery(text)
        if sw.isSparqlUpdateRequest():
            raise UsageError(f"{self.url}: the text is a SPARQL update, not a query")
        sw.setReturnFormat(JSON if shape == "results" else TURTLE)
        sw.addCustomHttpHeader("Accept", _ACCEPT[shape])
        for graph in self.default_graphs:
            sw.addDefaultGraph(graph)
        for graph in self.named_graphs:
            sw.addNamedGraph(graph)
        # setTimeout() truncates to whole seconds, and 0 would disable the timeout altogether.
        sw.timeout = per_op  # type: ignore[assignment]
        if len(urllib.parse.quote_plus(text)) > _GET_LIMIT:
            sw.setMethod(POST)
            sw.setRequestMethod(URLENCODED)
        return sw

    def _attempt(self, text: str, shape: str, end: float, budget: float) -> tuple[bytes, str | None]:
        """One request: the body and its content type, or an exception."""
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise EndpointError(f"no answer within the {budget:g} s deadline", url=self.url)
        sw = self._wrapper(text, shape, min(self.timeout, remaining))
        try:
            response = sw.query().response
        except urllib.error.HTTPError as exc:
            self._http_failure(exc.code, exc.headers, _read_error_body(exc))
        except swx.SPARQLWrapperException as exc:
            context = exc.__context__
            status = context.code if isinstance(context, urllib.error.HTTPError) else _WRAPPER_STATUS.get(type(exc), 0)
            headers: Any = context.headers if isinstance(context, urllib.error.HTTPError) else {}
            self._http_failure(status, headers, _wrapper_body(exc))
        except (OSError, http.client.HTTPException) as exc:
            raise EndpointError(_describe(exc, min(self.timeout, remaining)), url=self.url) from None
        try:
            return self._read(response, end, budget), response.headers.get("Content-Type")
        finally:
            response.close()

    def _http_failure(self, status: int, headers: Any, body: bytes) -> NoReturn:
        message = _snippet(body) or "(no message)"
        if status in _RETRY_STATUSES:
            raise _Retry(status, message, _retry_after(headers.get("Retry-After") if headers else None))
        raise EndpointError(f"HTTP {status}: {message}", url=self.url, status=status) from None

    def _read(self, response: http.client.HTTPResponse, end: float, budget: float) -> bytes:
        status = response.status
        if status == 206:
            raise PartialResult(f"HTTP 206 Partial Content: the answer is incomplete; {PARTIAL_ADVICE}", url=self.url)
        sql_state = response.headers.get("X-SQL-State")
        if sql_state is not None:
            detail = response.headers.get("X-SQL-Message") or "the server stopped early"
            raise PartialResult(
                f"X-SQL-State {sql_state} ({_snippet(detail.encode())}): the answer is incomplete; {PARTIAL_ADVICE}",
                url=self.url,
            )
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding != "identity":
            raise EndpointError(f"unexpected Content-Encoding {encoding!r}", url=self.url)
        announced = response.length  # None unless Content-Length was sent
        if announced is not None and announced > self.max_bytes:
            raise EndpointError(self._too_big(f"{announced} bytes announced"), url=self.url)
        chunks: list[bytes] = []
        size = 0
        late = f"answer not complete within the {budget:g} s deadline"
        remaining = end - time.monotonic()
        try:
            while True:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise EndpointError(f"{late} ({size} bytes read)", url=self.url)
                _shrink_timeout(response, min(self.timeout, remaining))
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise EndpointError(self._too_big(f"more than {size} bytes read"), url=self.url)
                chunks.append(chunk)
        except http.client.IncompleteRead:
            raise PartialResult(f"the connection closed mid-answer; {PARTIAL_ADVICE}", url=self.url) from None
        except TimeoutError:
            if remaining < self.timeout:  # the read was bounded by the deadline, not the socket timeout
                raise EndpointError(f"{late} ({size} bytes read)", url=self.url) from None
            raise EndpointError(
                f"no data for {self.timeout:g} s (timed out) after {size} bytes", url=self.url
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            what = _describe(exc, self.timeout)
            raise EndpointError(f"{what} while reading the answer ({size} bytes read)", url=self.url) from None
        if response.length:  # bytes announced by Content-Length that never came
            raise PartialResult(
                f"the connection closed after {size} of {announced} announced bytes; {PARTIAL_ADVICE}", url=self.url
            )
        return b"".join(chunks)

    def _too_big(self, what: str) -> str:
        return f"the answer is larger than max_bytes={self.max_bytes} ({what}); add a LIMIT or raise max_bytes"


def graph_store_url(url: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of ``graph`` (``None``: the default graph) at store ``url``.

    >>> graph_store_url("http://127.0.0.1:7878/store", "https://example.org/g?v=1")
    'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fexample.org%2Fg%3Fv%3D1'
    >>> graph_store_url("http://127.0.0.1:7878/store", None)
    'http://127.0.0.1:7878/store?default'
    """
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{sep}default" if graph is None else f"{url}{sep}graph={urllib.parse.quote(graph, safe='')}"


def put_graph(
    url: str,
    data: Path | bytes,
    *,
    graph: str | None,
    content_type: str = N_TRIPLES,
    timeout: float = 300.0,
) -> PublishResult:
    """Replace ``graph`` (``None``: the default graph) in the Graph Store at ``url`` with ``data``
    (a file, streamed, or bytes) by one HTTP PUT; ``timeout`` bounds each socket operation,
    including the wait for the store to finish loading.

    :raises EndpointError: when the store cannot be reached or answers other than 200, 201 or 204.
    :raises LoadError: when the file cannot be read.
    """
    target = graph_store_url(url, graph)
    start = time.perf_counter()
    if isinstance(data, (bytes, bytearray, memoryview)):
        body = bytes(data)
        return _put(target, graph, body, len(body), content_type, timeout, start)
    path = Path(data)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            return _put(target, graph, handle, size, content_type, timeout, start)
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None


def _put(
    target: str, graph: str | None, body: Any, size: int, content_type: str, timeout: float, start: float
) -> PublishResult:
    request = urllib.request.Request(
        target, data=body, method="PUT", headers={"Content-Type": content_type, "Content-Length": str(size)}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            response.read(_ERROR_BODY)
    except urllib.error.HTTPError as exc:
        raise EndpointError(
            f"PUT refused: HTTP {exc.code}: {_snippet(_read_error_body(exc)) or '(no message)'}",
            url=target,
            status=exc.code,
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        raise EndpointError(f"PUT failed: {_describe(exc, timeout)}", url=target) from None
    if status not in (200, 201, 204):
        raise EndpointError(f"PUT answered HTTP {status}, expected 200, 201 or 204", url=target, status=status)
    return PublishResult(target, graph, size, status, time.perf_counter() - start)


def _read_error_body(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read(_ERROR_BODY) or b""
    except (OSError, http.client.HTTPException):
        return b""


def _wrapper_body(exc: Exception) -> bytes:
    """The server's text inside a SPARQLWrapper exception ("Name: msg. \\n\\nResponse:\\n<repr>")."""
    text = str(exc)
    _, sep, tail = text.partition("Response:\n")
    if sep:
        try:
            value = ast.literal_eval(tail.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return tail.encode()
        return value if isinstance(value, bytes) else str(value).encode()
    return b""


def _snippet(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:  # an HTTP date: use the backoff instead
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _describe(exc: BaseException, timeout: float) -> str:
    """A one-line account of a transport failure."""
    reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ConnectionRefusedError):
        return "cannot connect (connection refused)"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host name ({reason.strerror})"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s (timed out)"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(reason, OSError) and reason.strerror:
        return f"connection failed ({reason.strerror})"
    return f"connection failed ({reason})"


def _shrink_timeout(response: http.client.HTTPResponse, seconds: float) -> None:
    """Bound the next socket read by what is left of the deadline (best effort)."""
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(max(seconds, 0.001))
