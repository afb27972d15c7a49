"""``textcnn serve``: a trained run behind HTTP (FastAPI on uvicorn), and the page that shows it reading.

The run is loaded once. All model work goes through one worker thread, so requests never compete for
the CPU's cores with each other; concurrent ``/predict`` requests are micro-batched: whatever arrives
while the model is busy is run as one batch next, which is where a CNN's large-batch speed pays.
"""

from __future__ import annotations

import asyncio
import json
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

from .config import ServeLimits
from .explain import explain_texts, slide
from .inference import Run
from .models import is_textcnn
from .scoring import label_set

PAGE = Path(__file__).parent / "page"


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
    Starlette's own RequestBodyLimitMiddleware answers in plain text; clients here always get JSON.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = f"request body over the {self.max_bytes:,}-byte limit (--max-body-bytes)"
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            return await _error(413, message)(scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            event = await receive()
            seen += len(event.get("body", b""))
            if seen > self.max_bytes:  # FastAPI passes an HTTPException from the body reader on to its handler
                raise StarletteHTTPException(413, message)
            return event

        await self.app(scope, counted, send)


class MicroBatcher:
    """Runs ``predict_proba`` on everything queued while the model was busy, as one call.

    ``submit`` returns the probabilities of its own texts. A request waits at most for the batch
    ahead of it, never for a timer: an idle server answers at once.
    """

    def __init__(self, run: Run, executor: ThreadPoolExecutor, max_batch_texts: int = 2048) -> None:
        self.run, self.executor, self.max_batch_texts = run, executor, max_batch_texts
        self.queue: asyncio.Queue[tuple[list[str], asyncio.Future]] = asyncio.Queue()

    async def submit(self, texts: list[str]) -> np.ndarray:
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, future))
        return await future

    async def serve_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            waiting = [await self.queue.get()]
            size = len(waiting[0][0])
            while not self.queue.empty() and size < self.max_batch_texts:
                waiting.append(self.queue.get_nowait())
                size += len(waiting[-1][0])
            texts = [t for batch, _ in waiting for t in batch]
            try:
                probs = await loop.run_in_executor(self.executor, self.run.predict_proba, texts)
            except Exception as error:  # noqa: BLE001 - every waiting request must hear of it
                for _, future in waiting:
                    if not future.done():
                        future.set_exception(error)
                continue
            start = 0
            for batch, future in waiting:
                if not future.done():  # a client that went away leaves a cancelled future
                    future.set_result(probs[start : start + len(batch)])
                start += len(batch)


def _check_texts(texts: list[str], most: int, option: str) -> None:
    if not texts:
        raise HTTPException(422, "texts: the list is empty; send at least one text")
    if len(texts) > most:
        raise HTTPException(413, f"texts: {len(texts)} texts, over the limit of {most} per request ({option})")


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
        probs = await batcher.submit(request.texts)
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
        return {"explanations": result}

    @app.post("/slide")
    async def step_through(request: SlideRequest) -> dict:
        """One filter sliding over one text, every number of it (the page's step-through)."""
        if not exact:
            raise HTTPException(422, "the step-through needs a TextCNN run")
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
    return app


def serve(run_dir: str | Path, *, host: str, port: int, limits: ServeLimits, device: str = "auto") -> None:
    """Load the run once and serve it until interrupted."""
    import uvicorn

    run = Run.load(run_dir, device=device)
    print(json.dumps({"serving": str(run.path), "url": f"http://{host}:{port}/"}), flush=True)
    uvicorn.run(create_app(run, limits), host=host, port=port, log_level="warning")
