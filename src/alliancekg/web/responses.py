"""Short error answers (JSON or plain text, never a stack trace or a path), and reading a request
body under a size cap.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from alliancekg.web.conneg import negotiate

__all__ = ["MAX_MESSAGE", "BodyTooLarge", "problem", "read_body"]

#: The longest error message sent; a longer one (an engine's syntax error can list every token it
#: expected) is cut, so that errors stay short.
MAX_MESSAGE = 300


class BodyTooLarge(Exception):
    """The request body is larger than the server accepts (HTTP 413)."""


def problem(request: Request, status: int, message: str, *, headers: dict[str, str] | None = None) -> Response:
    """An error answer: ``{"error": ..., "status": ...}`` for clients that prefer JSON, else text;
    the message is cut to :data:`MAX_MESSAGE` characters."""
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1].rstrip() + "…"
    wanted = negotiate(request.headers.get("accept"), ["text/plain", "application/json"])
    if wanted == "application/json":
        return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or :class:`BodyTooLarge` as soon as it passes ``limit`` bytes (announced
    or streamed)."""
    announced = request.headers.get("content-length")
    if announced and announced.isdigit() and int(announced) > limit:
        raise BodyTooLarge(f"request body of {int(announced)} bytes is over the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"request body is over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)
