"""Process-wide settings and facts read before torch is imported (the commands import it lazily)."""

from __future__ import annotations

import os


def limit_kernel_cache() -> None:
    """Cap oneDNN's kernel cache at 64 entries, unless the environment already sets it.

    oneDNN (torch's CPU kernels) caches up to 1,024 kernels, one per input shape, with their buffers;
    bucketed batches have many shapes, so a smaller cache holds less memory at the same speed.
    """
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64")


def launched_by_torchrun() -> bool:
    """True when this process is one of several that ``torchrun`` started (it sets ``WORLD_SIZE``)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1
