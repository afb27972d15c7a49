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


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside the block SIGTERM (what ``timeout``, ``kill`` and schedulers send) raises :class:`Interrupted`.

    SIGINT raises KeyboardInterrupt as usual. Outside the main thread signals cannot be caught: no-op.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
