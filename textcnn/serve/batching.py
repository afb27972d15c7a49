"""Micro-batching for ``textcnn serve``: concurrent ``/predict`` requests share one model call."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..runs.loaded import Run

logger = logging.getLogger(__name__)


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
