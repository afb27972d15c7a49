"""``textcnn serve``: a trained run behind HTTP (FastAPI on uvicorn), and the page that shows it reading.

The run is loaded once. All model work goes through one worker thread, so requests never compete for
the CPU's cores with each other; concurrent ``/predict`` requests are micro-batched: whatever arrives
while the model is busy is run as one batch next, which is where a CNN's large-batch speed pays.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..analysis.explain import explain_texts, slide
from ..config import ServeLimits
from ..errors import TextInputError, UserError
from ..models import is_textcnn
from ..runs.loaded import Run
from ..runs.scoring import label_set
from ..text.inputs import check_texts

PAGE = Path(__file__).parent / "page"
DRAIN_BYTES = 64 * 2**20  # most of an oversized body read and dropped so that the client hears the 413
logger = logging.getLogger(__name__)


class TextsRequest(BaseModel):
    texts: list[str] = Field(description="the texts, raw; each is cut at the run's data.max_length tokens")


class ExplainRequest(TextsRequest):
    top: int = Field(10, ge=1, le=100, description="filters listed per text")


class SlideRequest(BaseModel):
    text: str
    filter: int | None = Field(None, description="filter index (default: the one that pushed hardest)")
    max_tokens: int = Field(60, ge=1, le=200, description="tokens shown (the step-through is for short texts)")


def _error(status: int, message: str) -> JSONResponse:
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
            await _error(500, f"internal error: {detail}")(scope, receive, send)


class MicroBatcher:
    """Runs ``predict_proba`` on everything queued while the model was busy, as one call.

    ``submit`` returns the probabilities of its own texts. A request waits at most for the batch
    ahead of it, never for a timer: an idle server answers at once. A batch whose call raises is run
    again one request at a time, so one bad request fails alone.
    """

    def __init__(self, run: Run, executor: ThreadPoolExecutor, max_batch_texts: int = 2048) -> None:
        self.run, self.executor, self.max_batch_texts = run, executor, max_batch_texts
        self.queue: asyncio.Queue[tuple[list[str], asyncio.Future]] = asyncio.Queue()

    async def submit(self, texts: list[str]) -> np.ndarray:
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, future))
        return await future

    async def serve_forever(self) -> None:
        while True:
            await self._answer(await self._next_batch())

    async def _next_batch(self) -> list[tuple[list[str], asyncio.Future]]:
        """The oldest request and whatever queued behind it, up to ``max_batch_texts`` texts."""
        waiting = [await self.queue.get()]
        size = len(waiting[0][0])
        while not self.queue.empty() and size < self.max_batch_texts:
            waiting.append(self.queue.get_nowait())
            size += len(waiting[-1][0])
        return waiting

    async def _answer(self, waiting: list[tuple[list[str], asyncio.Future]]) -> None:
        """One ``predict_proba`` call for every waiting request; should it raise, one call per request.

        A failure is so charged to the request that caused it: the others in its batch are answered.
        """
        waiting = [(batch, future) for batch, future in waiting if not future.done()]  # gone: a cancelled future
        if not waiting:
            return
        texts = [t for batch, _ in waiting for t in batch]
        try:
            probs = await asyncio.get_running_loop().run_in_executor(self.executor, self.run.predict_proba, texts)
        except Exception as error:  # noqa: BLE001 - it goes to the request it belongs to
            if len(waiting) == 1:
                _settle(waiting[0][1], error=error)
                return
            logger.warning("a batch of %d requests failed (%s); running each on its own", len(waiting), error)
            for one in waiting:
                await self._answer([one])
            return
        start = 0
        for batch, future in waiting:
            _settle(future, probs[start : start + len(batch)])
            start += len(batch)


def _settle(future: asyncio.Future, result: np.ndarray | None = None, error: Exception | None = None) -> None:
    """Give ``future`` its result or error, unless its client went away (a cancelled future)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _check_texts(texts: list[str], most: int, option: str) -> None:
    if not texts:
        raise HTTPException(422, "texts: the list is empty; send at least one text")
    if len(texts) > most:
        raise HTTPException(413, f"texts: {len(texts)} texts, over the limit of {most} per request ({option})")
    _check_unicode(texts, "texts")


def _check_unicode(texts: list[str], field: str, *, indexed: bool = True) -> None:
    """A 422 naming the first text that is not valid Unicode (``texts.3: not valid Unicode: ...``).

    A lone surrogate (a JSON ``"\\ud800"``) passes the request's validation but makes the tokenizer raise;
    refused here, it never joins a micro-batch with other requests' texts.
    """
    try:
        check_texts(texts)
    except TextInputError as error:
        if error.index is None:
            raise HTTPException(422, f"{field}: {error}") from None
        where = f"{field}.{error.index}" if indexed else field
        raise HTTPException(422, f"{where}: {error.reason.removeprefix('is ')}") from None


def _require_finite(rows: Iterable[Iterable[float]]) -> None:
    """A 500 naming the first text whose probabilities are NaN or infinite (a diverged model), never a null."""
    for i, row in enumerate(rows):
        if not np.isfinite(np.asarray(list(row), dtype=np.float64)).all():
            message = f"the model gave non-finite probabilities for text {i}; the run is broken"
            logger.error("%s", message)
            raise HTTPException(500, f"{message} (retrain with a lower train.lr)")


def create_app(run: Run, limits: ServeLimits | None = None) -> FastAPI:
    """The service for one loaded run (``textcnn serve`` runs it with uvicorn; tests use its TestClient)."""
    limits = limits or ServeLimits()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="textcnn-model")
    batcher = MicroBatcher(run, executor)
    exact = is_textcnn(run.model)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        task = asyncio.create_task(batcher.serve_forever())
        yield
        task.cancel()
        executor.shutdown(wait=False)

    app = FastAPI(
        title="textcnn",
        summary=f"{run.config.model.name} run {run.path.name}: classes {', '.join(run.class_names)}",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
        if first.get("type") == "json_invalid":
            return _error(400, f"the body is not valid JSON ({first.get('msg', '')})")
        return _error(422, f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)  # FastAPI's own, the body limit's and 404 / 405
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and "parsing the body" in str(error.detail):
            return _error(400, "the body could not be read as JSON (is it UTF-8?)")
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(TextInputError)  # a bad text that got past the endpoint's own check
    async def bad_text(_: Request, error: TextInputError) -> JSONResponse:
        return _error(422, str(error))

    @app.exception_handler(UserError)  # any other is the run's, not the request's: a diverged model's NaN
    async def broken_run(request: Request, error: UserError) -> JSONResponse:
        logger.error("%s %s: %s", request.method, request.url.path, error)
        return _error(500, " ".join(str(error).split()))

    @app.get("/health")
    async def health() -> dict:
        return {
            "status": "ok",
            "run": run.path.name,
            "model": run.config.model.name,
            "classes": run.class_names,
            "multi_label": run.multi_label,
            "explanation": "exact" if exact else "approximate (occlusion)",
            "max_tokens": run.config.data.max_length,
            "limits": {
                "max_texts": limits.max_texts,
                "max_explain_texts": limits.max_explain_texts,
                "max_body_bytes": limits.max_body_bytes,
            },
        }

    @app.post("/predict")
    async def predict(request: TextsRequest) -> dict:
        """Each text's label (multi-label runs: labels) and every class's probability."""
        _check_texts(request.texts, limits.max_texts, "--max-texts")
        probs = await batcher.submit(request.texts)  # Run.predict_proba raises for NaN probabilities
        out = []
        for row in probs:
            chosen = label_set(row, run.class_names, run.threshold)  # {"labels", "probabilities"}
            if not run.multi_label:  # one label: the most probable, whatever the threshold
                chosen = {"label": run.class_names[int(np.argmax(row))], "probabilities": chosen["probabilities"]}
            out.append(chosen)
        return {"predictions": out}

    @app.post("/explain")
    async def explain(request: ExplainRequest) -> dict:
        """What ``textcnn explain`` gives: exact n-gram contributions for a TextCNN, occlusion otherwise."""
        _check_texts(request.texts, limits.max_explain_texts, "--max-explain-texts")
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(
            executor, lambda: explain_texts(run, request.texts, top_filters=request.top)
        )
        _require_finite(e["probabilities"].values() for e in result)  # explain_texts leaves them to us
        return {"explanations": result}

    @app.post("/slide")
    async def step_through(request: SlideRequest) -> dict:
        """One filter sliding over one text, every number of it (the page's step-through)."""
        if not exact:
            raise HTTPException(422, "the step-through needs a TextCNN run")
        _check_unicode([request.text], "text", indexed=False)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                executor, lambda: slide(run, request.text, request.filter, max_tokens=request.max_tokens)
            )
        except ValueError as error:
            raise HTTPException(422, str(error)) from None

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(PAGE / "index.html")

    app.mount("/static", StaticFiles(directory=PAGE), name="static")
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    app.add_middleware(InternalErrors)  # added last: the outermost, so it sees every other layer's errors
    return app


def serve(run_dir: str | Path, *, host: str, port: int, limits: ServeLimits, device: str = "auto") -> None:
    """Load the run once and serve it until interrupted; the ``serving`` line is printed once the port is ours."""
    import uvicorn

    sock = listen(host, port)
    try:
        run = Run.load(run_dir, device=device)
        print(json.dumps({"serving": str(run.path), "url": f"http://{host}:{port}/"}), flush=True)
        config = uvicorn.Config(create_app(run, limits), host=host, port=port, log_level="warning")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening; a taken port or a bad host is a one-line UserError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except socket.gaierror as error:
        raise UserError(f"--host {host}: not an address of this machine ({error.strerror})") from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UserError(
                f"--port {port}: address already in use on {host} (another server is running there; "
                "stop it or pick another --port)"
            ) from None
        raise UserError(f"--host {host} --port {port}: cannot listen there ({error.strerror or error})") from None
