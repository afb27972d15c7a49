"""Region embeddings a run learns from its own text (``model.region_dim > 0``), cached by what they come from.

The key is the same kind of sha256 as learned word vectors' (:func:`~textcnn.text.learned_vectors.vectors_key`):
the tokenizer, every token id read, and the settings (:class:`~textcnn.models.regions.RegionOptions`).
Files are ``<key>.safetensors`` (``table`` and ``bias``) in ``$TEXTCNN_CACHE/regions``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch
from tokenizers import Tokenizer

from ..config import RunConfig
from ..models.regions import RegionOptions, learn_regions
from ..text.learned_vectors import cache_folder, vectors_key
from ..text.token_store import TokenStore
from ..util.files import atomic_write

logger = logging.getLogger(__name__)


def regions_folder() -> Path:
    """``$TEXTCNN_CACHE/regions``, beside the learned vectors."""
    return cache_folder().parent / "regions"


def learn_run_regions(
    config: RunConfig, tokenizer: Tokenizer, corpus: tuple[list[TokenStore], str], *, progress: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """The region embedding's ``table (V, dim)`` and ``bias (dim,)``: read from the cache, or learned on ``corpus``."""
    from safetensors.torch import load_file, save_file

    texts, what = corpus
    options = RegionOptions.from_config(config)
    key = vectors_key(tokenizer, texts, options)
    path = regions_folder() / f"{key}.safetensors" if config.regions.cache else None
    if path is not None and path.is_file():
        try:
            saved = load_file(str(path))
            logger.info(f"regions: read from the cache ({path}), learned before from the same text and settings")
            return saved["table"], saved["bias"]
        except (OSError, KeyError, ValueError) as error:  # noqa: PERF203 (once)
            logger.warning(f"regions: the cached {path.name} cannot be read ({error}); learning them again")
    logger.info(f"regions: {options.size}-token regions, {options.dim} dims, {options.epochs} epochs on {what}")
    started = time.perf_counter()
    table, bias = learn_regions(texts, tokenizer.get_vocab_size(), options, progress=progress)
    logger.info(f"regions: learned in {time.perf_counter() - started:.0f} s")
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, lambda tmp: save_file({"table": table, "bias": bias}, str(tmp)))
            logger.info(f"regions: cached as {path}")
        except OSError as error:
            logger.warning(f"regions: not cached, {path.parent} cannot be written ({error.strerror or error})")
    return table, bias
