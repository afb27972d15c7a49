"""The package's log lines: each module logs to its own ``logging`` logger, under ``textcnn``.

Nothing is shown until a handler is installed: the command line installs one with :func:`show_logs`,
and so does :func:`textcnn.train` unless ``quiet``. Lines are the messages as they are, warnings with
``warning: `` before them, on standard error (looked up at each line, so a redirected stream is honoured).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

ROOT = "textcnn"


class _PlainLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        return f"warning: {message}" if record.levelno == logging.WARNING else message


class _Streams(logging.StreamHandler):
    """Information on whatever ``sys.stdout`` is when a line is written, warnings and errors on ``sys.stderr``."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout if record.levelno < logging.WARNING else sys.stderr
        super().emit(record)


def show_logs(level: int = logging.INFO) -> None:
    """Show the package's log lines from ``level`` up (once: calling again changes the level)."""
    logger = logging.getLogger(ROOT)
    logger.setLevel(level)
    if not any(isinstance(h, _Streams) for h in logger.handlers):
        handler = _Streams()
        handler.setFormatter(_PlainLines())
        logger.addHandler(handler)


@contextlib.contextmanager
def quiet_logs(quiet: bool = True) -> Iterator[None]:
    """Within the block, only warnings and errors (when ``quiet``)."""
    logger = logging.getLogger(ROOT)
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
