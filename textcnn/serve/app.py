"""``textcnn serve``: a trained run behind HTTP (FastAPI on uvicorn), and the page that shows it reading.

The run is loaded once. All model work goes through one worker thread, so requests never compete for
the CPU's cores with each other; concurrent ``/predict`` requests are micro-batched (:mod:`.batching`):
whatever arrives while the model is busy is run as one batch next, which is where a CNN's large-batch
speed pays. Errors are JSON everywhere (:mod:`.middleware`); :mod:`.server` puts the app on a socket.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..analysis.explain import explain_texts, slide
from ..config import ServeLimits
from ..errors import TextInputError, UserError
from ..models import is_textcnn
from ..runs.loaded import Run
from ..runs.scoring import label_set
from ..text.inputs import check_texts
from .batching import MicroBatcher
from .middleware import BodyLimit, InternalErrors, error_response
from .server import listen, serve  # re-exported: textcnn.cli imports serve from here

__all__ = ["MicroBatcher", "create_app", "listen", "serve"]

PAGE = Path(__file__).parent / "page"
logger = logging.getLogger(__name__)


class TextsRequest(BaseModel):
    texts: list[str] = Field(description="the texts, raw; each is cut at the run's data.max_length tokens")


class ExplainRequest(TextsRequest):
    top: int = Field(10, ge=1, le=100, description="filters listed per text")


class SlideRequest(BaseModel):
    text: str
    filter: int | None = Field(None, description="filter index (default: the one that pushed hardest)")
    max_tokens: int = Field(60, ge=1, le=200, description="tokens shown (the step-through is for short texts)")


@dataclass
class Served:
    """What the routes share: the run, the limits, and the one worker thread all model work goes through."""

    run: Run
    limits: ServeLimits
    executor: ThreadPoolExecutor
    batcher: MicroBatcher
    exact: bool = field(init=False)  # a TextCNN: exact explanations and the step-through

    def __post_init__(self) -> None:
        self.exact = is_textcnn(self.run.model)

    async def in_worker(self, call: Callable[[], object]):
        """``call()`` on the model's thread, so that it never competes with a batch for the cores."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)


def _check_texts(texts: list[str], most: int, option: str) -> None:
    if not texts:
        raise HTTPException(422, "texts: the list is empty; send at least one text")
    if len(texts) > most:
        raise HTTPException(413, f"texts: {len(texts)} texts, over the limit of {most} per request ({option})")
    _check_unicode(texts, "texts")


def _check_unicode(texts: list[str], name: str, *, indexed: bool = True) -> None:
    """A 422 naming the first text that is not valid Unicode (``texts.3: not valid Unicode: ...``).

    A lone surrogate (a JSON ``"\\ud800"``) passes the request's validation but makes the tokenizer raise;
    refused here, it never joins a micro-batch with other requests' texts.
    """
    try:
        check_texts(texts)
    except TextInputError as error:
        if error.index is None:
            raise HTTPException(422, f"{name}: {error}") from None
        where = f"{name}.{error.index}" if indexed else name
        raise HTTPException(422, f"{where}: {error.reason.removeprefix('is ')}") from None


# --- error handlers: every error a client sees is {"error": message} --------------------------------


async def _invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    if first.get("type") == "json_invalid":
        return error_response(400, f"the body is not valid JSON ({first.get('msg', '')})")
    return error_response(422, f"{where}: {first.get('msg', 'invalid')}")


async def _http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
    if error.status_code == 400 and "parsing the body" in str(error.detail):
        return error_response(400, "the body could not be read as JSON (is it UTF-8?)")
    return error_response(error.status_code, str(error.detail))


async def _bad_text(_: Request, error: TextInputError) -> JSONResponse:
    return error_response(422, str(error))


async def _broken_run(request: Request, error: UserError) -> JSONResponse:
    logger.error("%s %s: %s", request.method, request.url.path, error)
    return error_response(500, " ".join(str(error).split()))


def _add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # FastAPI's own, the body limit's, 404 / 405
    app.add_exception_handler(TextInputError, _bad_text)  # a bad text that got past the endpoint's own check
    app.add_exception_handler(UserError, _broken_run)  # any other is the run's, not the request's: a NaN


# --- the route bodies ---------------------------------------------------------------------------------


def _health(served: Served) -> dict:
    run, limits = served.run, served.limits
    return {
        "status": "ok",
        "run": run.path.name,
        "model": run.config.model.name,
        "wide_ngrams": run.config.model.wide_ngrams,  # 0: no linear n-gram branch beside the encoder
        "classes": run.class_names,
        "multi_label": run.multi_label,
        "explanation": "exact" if served.exact else "approximate (occlusion)",
        "max_tokens": run.config.data.max_length,
        "limits": {
            "max_texts": limits.max_texts,
            "max_explain_texts": limits.max_explain_texts,
            "max_body_bytes": limits.max_body_bytes,
        },
    }


async def _predict(served: Served, texts: list[str]) -> dict:
    run = served.run
    _check_texts(texts, served.limits.max_texts, "--max-texts")
    probs = await served.batcher.submit(texts)  # Run.predict_proba refuses NaN probabilities
    out = []
    for row in probs:
        chosen = label_set(row, run.class_names, run.threshold)  # {"labels", "probabilities"}
        if not run.multi_label:  # one label: the most probable, whatever the threshold
            chosen = {"label": run.class_names[int(np.argmax(row))], "probabilities": chosen["probabilities"]}
        out.append(chosen)
    return {"predictions": out}


async def _explain(served: Served, texts: list[str], top: int) -> dict:
    _check_texts(texts, served.limits.max_explain_texts, "--max-explain-texts")
    result = await served.in_worker(lambda: explain_texts(served.run, texts, top_filters=top))
    return {"explanations": result}


async def _step_through(served: Served, request: SlideRequest) -> dict:
    if not served.exact:
        raise HTTPException(422, "the step-through needs a TextCNN run")
    _check_unicode([request.text], "text", indexed=False)
    try:
        return await served.in_worker(
            lambda: slide(served.run, request.text, request.filter, max_tokens=request.max_tokens)
        )
    except ValueError as error:
        raise HTTPException(422, str(error)) from None


def _add_routes(app: FastAPI, served: Served) -> None:
    @app.get("/health")
    async def health() -> dict:
        return _health(served)

    @app.post("/predict")
    async def predict(request: TextsRequest) -> dict:
        """Each text's label (multi-label runs: labels) and every class's probability."""
        return await _predict(served, request.texts)

    @app.post("/explain")
    async def explain(request: ExplainRequest) -> dict:
        """What ``textcnn explain`` gives: exact n-gram contributions for a TextCNN, occlusion otherwise."""
        return await _explain(served, request.texts, request.top)

    @app.post("/slide")
    async def step_through(request: SlideRequest) -> dict:
        """One filter sliding over one text, every number of it (the page's step-through)."""
        return await _step_through(served, request)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(PAGE / "index.html")

    app.mount("/static", StaticFiles(directory=PAGE), name="static")


def create_app(run: Run, limits: ServeLimits | None = None) -> FastAPI:
    """The service for one loaded run (``textcnn serve`` runs it with uvicorn; tests use its TestClient)."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="textcnn-model")
    served = Served(run, limits or ServeLimits(), executor, MicroBatcher(run, executor))

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        task = asyncio.create_task(served.batcher.serve_forever())
        yield
        task.cancel()
        executor.shutdown(wait=False)

    app = FastAPI(
        title="textcnn",
        summary=f"{run.config.model.name} run {run.path.name}: classes {', '.join(run.class_names)}",
        lifespan=lifespan,
    )
    _add_error_handlers(app)
    _add_routes(app, served)
    app.add_middleware(BodyLimit, max_bytes=served.limits.max_body_bytes)
    app.add_middleware(InternalErrors)  # added last: the outermost, so it sees every other layer's errors
    return app
