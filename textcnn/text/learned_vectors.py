"""Word vectors a run learns from its own text (``model.vectors_from_train``), cached by what they come from.

word2vec reads token ids, not words: the training texts and any unlabeled texts encoded by the
run's tokenizer, so the vectors are of the vocabulary's own tokens whatever the tokenizer's kind
(words, CJK characters, subwords), and a token with a space in it cannot split a sentence.

The cache key is a sha256 of everything the vectors depend on: the tokenizer (its vocabulary and
settings), every token id of every text read, in order, the vector size, the seed and the word2vec
settings. The same text and config give the same key, so a rerun reads the vectors back instead of
learning them again; any change to the text, the vocabulary or a setting gives a new key. Files are
``<key>.bin`` (word2vec binary, keyed by token id) with ``<key>.bin.json`` saying what they were
learned from, in ``$TEXTCNN_CACHE/vectors`` (default ``~/.cache/textcnn/vectors``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Word2VecConfig, Word2VecOptions
from ..errors import UserError
from .token_store import TokenStore
from .vectors import load_vectors, save_vectors, train_word2vec, write_vectors_info

if TYPE_CHECKING:
    from gensim.models import KeyedVectors
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

CACHE_VERSION = 1  # part of every key: a change to how vectors are learned must not reuse older files


def cache_folder() -> Path:
    """Where learned vectors are kept: ``$TEXTCNN_CACHE/vectors``, else ``~/.cache/textcnn/vectors``."""
    root = os.environ.get("TEXTCNN_CACHE") or Path.home() / ".cache" / "textcnn"
    return Path(root) / "vectors"


def word2vec_options(config: Word2VecConfig, *, dim: int, seed: int) -> Word2VecOptions:
    """gensim's settings for a run's vectors: the run's word2vec section, its vector size and its seed.

    ``min_count`` is 1: the tokenizer has already dropped the rare words (``tokenizer.min_frequency``),
    so every token of the vocabulary that occurs gets a vector.
    """
    shared = {f.name: getattr(config, f.name) for f in dataclasses.fields(Word2VecOptions) if hasattr(config, f.name)}
    return Word2VecOptions(**{**shared, "dim": dim, "min_count": 1, "seed": seed})


def vectors_key(tokenizer: Tokenizer, texts: Sequence[TokenStore], options: Word2VecOptions) -> str:
    """The sha256 (hex) of what learned vectors depend on; ``workers`` counts too, as more threads change them."""
    digest = hashlib.sha256()
    settings = {"version": CACHE_VERSION, **dataclasses.asdict(options)}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    digest.update(tokenizer.to_str().encode())
    for store in texts:
        digest.update(str(store.ids.dtype).encode())
        digest.update(store.offsets.tobytes())  # where each text starts: the sentence boundaries
        digest.update(store.ids.tobytes())
    return digest.hexdigest()


def learn_vectors(
    tokenizer: Tokenizer,
    texts: Sequence[TokenStore],
    options: Word2VecOptions,
    *,
    cache: Path | None,
    progress: bool = False,
) -> tuple[KeyedVectors, dict]:
    """word2vec on ``texts`` (token ids, one store per source), keyed by token: read from ``cache`` when there.

    Returns the vectors and what to record of them (key, texts, tokens, whether cached, seconds).
    """
    started = time.perf_counter()
    key = vectors_key(tokenizer, texts, options)
    path = None if cache is None else cache / f"{key}.bin"
    by_id = _read_cached(path)
    info = {"key": key, "cached": by_id is not None}
    if by_id is None:
        by_id, stats = _word2vec_on_ids(texts, options, progress=progress)
        info.update(stats)
        if path is not None:
            _write_cached(by_id, path, {**info, "options": dataclasses.asdict(options)})
    info["seconds"] = round(time.perf_counter() - started, 1)
    return _keyed_by_token(by_id, tokenizer), info


def _word2vec_on_ids(texts: Sequence[TokenStore], options: Word2VecOptions, *, progress: bool) -> tuple:
    sentences = (list(map(str, text.tolist())) for store in texts for text in store)
    return train_word2vec(sentences, options, num_sentences=sum(len(s) for s in texts), progress=progress)


def _keyed_by_token(by_id: KeyedVectors, tokenizer: Tokenizer) -> KeyedVectors:
    """The vectors keyed by the tokens their ids stand for (as :func:`~.vectors.vectors_for_vocab` reads them)."""
    from gensim.models import KeyedVectors

    vectors = KeyedVectors(by_id.vector_size)
    vectors.add_vectors([tokenizer.id_to_token(int(key)) for key in by_id.index_to_key], by_id.vectors)
    return vectors


def _read_cached(path: Path | None) -> KeyedVectors | None:
    """The cached vectors at ``path``, or None when there are none or they cannot be read (then learned again)."""
    if path is None or not path.is_file():
        return None
    try:
        vectors = load_vectors(path, "word2vec-binary")
    except (UserError, OSError, ValueError, EOFError) as error:
        logger.warning(f"vectors: the cached {path.name} cannot be read ({error}); learning them again")
        return None
    logger.info(f"vectors: read from the cache ({path}), learned before from the same text and settings")
    return vectors


def _write_cached(vectors: KeyedVectors, path: Path, info: dict) -> None:
    """Save to the cache; a cache that cannot be written costs a relearn next time, never this run."""
    try:
        save_vectors(vectors, path, "word2vec-binary")
        write_vectors_info(path, info)
    except OSError as error:
        logger.warning(f"vectors: not cached, {path.parent} cannot be written ({error.strerror or error})")
    else:
        logger.info(f"vectors: cached as {path}")
