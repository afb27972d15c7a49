"""SIGTERM handled like Ctrl-C: training stops after the current step and keeps what it has."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Interrupted(KeyboardInterrupt):
    """Training was stopped by a signal; ``signum`` says which (the exit code is ``128 + signum``)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def signal_of(error: KeyboardInterrupt) -> int:
    """SIGINT for a plain Ctrl-C, else the signal an :class:`Interrupted` carries."""
    return getattr(error, "signum", signal.SIGINT)


_pending: int | None = None  # a signal noted by stop_on_signals(defer=True), not yet acted on


def pending_signal() -> int | None:
    """The signal a deferring :func:`stop_on_signals` noted (SIGINT or SIGTERM), or None."""
    return _pending


@contextlib.contextmanager
def stop_on_signals(*, defer: bool = False) -> Iterator[None]:
    """Inside the block SIGTERM (what ``timeout``, ``kill`` and schedulers send) raises :class:`Interrupted`.

    SIGINT raises KeyboardInterrupt as usual. ``defer=True`` (several training processes) raises
    nothing: SIGINT and SIGTERM are only noted, and :func:`pending_signal` hands them to the trainer,
    which stops every process at the same step. Outside the main thread signals cannot be caught: no-op.
    """
    global _pending
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted(signum)

    def note(signum, frame):
        global _pending
        _pending = _pending or signum

    _pending = None
    caught = (signal.SIGINT, signal.SIGTERM) if defer else (signal.SIGTERM,)
    previous = {signum: signal.signal(signum, note if defer else handler) for signum in caught}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        _pending = None
