"""Progress bars that stay out of log files."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from tqdm.auto import tqdm


def progress_bar(iterable: Iterable | None = None, *, enabled: bool = True, **kwargs) -> tqdm:
    """A tqdm bar on stderr, shown only when asked for and stderr is a terminal.

    Redirected to a file, a bar would write megabytes of carriage-return updates; the per-epoch
    log lines are what a log file wants.
    """
    return tqdm(iterable, disable=None if enabled else True, file=sys.stderr, **kwargs)
