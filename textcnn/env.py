"""Process-wide settings that must be made before torch is imported (the commands import it lazily)."""

from __future__ import annotations

import os


def limit_kernel_cache() -> None:
    """Cap oneDNN's kernel cache at 64 entries, unless the environment already sets it.

    oneDNN (torch's CPU kernels) caches up to 1,024 kernels, one per input shape, with their buffers.
    Measured on one IMDB epoch: peak RSS 1.99 GB with the default, 1.55 GB with 64, at the same speed.
    """
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64")
