"""ASGI middleware for ``textcnn serve``: every error a client sees is JSON, oversized bodies included."""

from __future__ import annotations

import logging

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DRAIN_BYTES = 64 * 2**20  # most of an oversized body read and dropped so that the client hears the 413
logger = logging.getLogger(__name__)


def error_response(status: int, message: str) -> JSONResponse:
    """The service's one error shape: ``{"error": message}``."""
    return JSONResponse({"error": message}, status_code=status)


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets a 413 JSON error before any of it is parsed.

    It checks Content-Length first, then counts the bytes as they arrive (chunked bodies have no length).
    Before answering it reads and drops the rest of the body, up to ``drain_bytes``: a server that answers
    and closes while the client is still sending resets the connection, and clients such as urllib then see
    a ConnectionResetError instead of the 413. A client that sent ``Expect: 100-continue`` has sent no body
    yet: it gets the 413 at once. Starlette's own RequestBodyLimitMiddleware answers in plain text.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, drain_bytes: int | None = None) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.drain_bytes = max(DRAIN_BYTES, 4 * max_bytes) if drain_bytes is None else drain_bytes
        self.message = f"request body over the {max_bytes:,}-byte limit (--max-body-bytes)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            waiting = headers.get(b"expect", b"").lower() == b"100-continue"  # nothing sent yet: keep it so
            drained = not waiting and int(length) <= self.drain_bytes and await self._drain(receive, 0)
            closing = {} if drained else {"connection": "close"}
            response = JSONResponse({"error": self.message}, status_code=413, headers=closing)
            return await response(scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            event = await receive()
            seen += len(event.get("body", b""))
            if seen > self.max_bytes:  # FastAPI passes an HTTPException from the body reader on to its handler
                if event.get("more_body", False):
                    await self._drain(receive, seen)
                raise StarletteHTTPException(413, self.message)
            return event

        await self.app(scope, counted, send)

    async def _drain(self, receive: Receive, seen: int) -> bool:
        """Read and drop the body's chunks until it ends (True), or the client goes or ``drain_bytes`` pass."""
        while seen <= self.drain_bytes:
            event = await receive()
            if event["type"] != "http.request":  # http.disconnect
                return False
            seen += len(event.get("body", b""))
            if not event.get("more_body", False):
                return True
        return False


class InternalErrors:
    """ASGI middleware: an exception no handler took becomes a 500 JSON error, logged with its traceback.

    Without it Starlette answers such a request in plain text ("Internal Server Error").
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:  # noqa: BLE001 - the one place that answers for every bug
            logger.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if started:  # too late for a JSON answer: the server closes the connection
                raise
            detail = " ".join(f"{type(error).__name__}: {error}".split())
            await error_response(500, f"internal error: {detail}")(scope, receive, send)
