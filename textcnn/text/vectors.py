"""Word vectors: train word2vec on a dataset's own text, read vectors files, map them onto a vocabulary.

Files are read and written through gensim's ``KeyedVectors``, in the usual formats:

- ``word2vec-binary``: word2vec's binary format (``.bin``), with a ``count dim`` header;
- ``word2vec-text``: the same as text, one ``word v1 ... vD`` line per word after the header;
- ``glove``: GloVe's text files, the same lines without a header;
- ``gensim``: gensim's own ``KeyedVectors.save`` files (``.kv``), a Python pickle: loading one can run any
  code, so it loads only when named explicitly, never by ``auto``.

``auto`` goes by the file's name (see :func:`format_for_name`), never by its bytes: of a text file it
reads only the first line, as text, to tell a word2vec header from a glove file without one.

Words are cut out of text exactly as the run's tokenizer cuts them (same cleaning, lowercasing and
splitting), so the words word2vec learns are the words the vocabulary holds.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..config import VECTOR_FORMATS, Word2VecOptions  # Word2VecOptions: re-exported, its home is the config
from ..errors import UserError
from ..util.files import atomic_write
from ..util.progress import progress_bar
from .tokenizer import WORD_PATTERN, build_tokenizer

if TYPE_CHECKING:  # gensim is imported where it is used: it is slow to import
    from gensim.models import KeyedVectors

logger = logging.getLogger(__name__)


def word_cutter(*, lowercase: bool = True, strip_html: bool = True) -> Callable[[str], list[str]]:
    """A function from one text to the list of words a run's tokenizer would see (no truncation, no vocabulary).

    The tokenizer's own normalizer cleans the text; the words are then cut by WORD_PATTERN with the
    ``regex`` module, which gives the pre-tokenizer's pieces (tested) without building an offset pair
    per word, which matters when word2vec reads tens of millions of words. Build it once and call it per
    text: building the normalizer costs as much as cutting a short review.
    """
    import regex

    normalize = build_tokenizer(lowercase=lowercase, strip_html=strip_html).normalizer.normalize_str
    find_words = regex.compile(WORD_PATTERN).findall
    return lambda text: find_words(normalize(text or ""))


def words_of(texts: Iterable[str], *, lowercase: bool = True, strip_html: bool = True) -> Iterator[list[str]]:
    """Each text as the list of words a run's tokenizer would see (:func:`word_cutter` over ``texts``)."""
    cut = word_cutter(lowercase=lowercase, strip_html=strip_html)
    for text in texts:
        yield cut(text)


# --------------------------------------------------------------------------------------------- training


def _write_corpus(
    sentences: Iterable[list[str]], corpus: Path, *, progress: bool, total: int | None
) -> tuple[int, int]:
    """One line of space-separated words per non-empty sentence; returns (texts, words) written."""
    num_texts = num_words = 0
    with open(corpus, "w", encoding="utf-8") as f:
        for words in progress_bar(sentences, enabled=progress, total=total, desc="tokenize", unit="text"):
            if words:
                f.write(" ".join(words) + "\n")
                num_texts += 1
                num_words += len(words)
    if num_words == 0:
        raise UserError("the corpus has no words to train word vectors on")
    return num_texts, num_words


def _EachEpoch(on_epoch_end):  # noqa: N802 - builds a class: gensim's callback base is imported lazily
    """A gensim callback calling ``on_epoch_end()`` after each epoch (for the progress bar)."""
    from gensim.models.callbacks import CallbackAny2Vec

    class EachEpoch(CallbackAny2Vec):
        def on_epoch_end(self, model) -> None:
            on_epoch_end()

    return EachEpoch()


def train_word2vec(
    sentences: Iterable[list[str]],
    options: Word2VecOptions,
    *,
    num_sentences: int | None = None,
    progress: bool = True,
) -> tuple[KeyedVectors, dict]:
    """Train word2vec on tokenized ``sentences`` and return its ``KeyedVectors`` and corpus statistics.

    The corpus goes to a temporary file first: gensim's ``corpus_file`` mode reads it from every
    worker thread at once, without the Python iterator that caps the other mode at about one core.
    """
    from gensim.models import Word2Vec

    workers = options.workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="textcnn-w2v-") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        num_texts, num_words = _write_corpus(sentences, corpus, progress=progress, total=num_sentences)
        threads = f"{workers} thread{'s' if workers > 1 else ''}"
        logger.info(f"corpus: {num_texts:,} texts, {num_words:,} words; training word2vec on {threads}")
        started = time.perf_counter()
        model = Word2Vec(
            vector_size=options.dim,
            window=options.window,
            min_count=options.min_count,
            sg=int(options.architecture == "skipgram"),
            negative=options.negative,
            sample=options.sample,
            workers=workers,
            seed=options.seed,
        )
        model.build_vocab(corpus_file=str(corpus))
        if len(model.wv) == 0:
            raise UserError(f"no word occurs {options.min_count} times (min_count); lower --min-count")
        bar = progress_bar(enabled=progress, total=options.epochs, desc="word2vec", unit="epoch")
        callback = _EachEpoch(bar.update)
        model.train(
            corpus_file=str(corpus), total_words=model.corpus_total_words, epochs=options.epochs, callbacks=[callback]
        )
        bar.close()
    stats = {
        "texts": num_texts,
        "words": num_words,
        "vocabulary": len(model.wv),
        "train_seconds": round(time.perf_counter() - started, 1),
        "workers": workers,
    }
    return model.wv, stats


# ------------------------------------------------------------------------------------------- file formats


# Names whose files are gensim's ``KeyedVectors.save`` format: a Python pickle, which runs code as it loads.
_PICKLE_SUFFIXES = (".kv", ".model", ".pkl", ".pickle")
_FIRST_LINE_LIMIT = 1 << 16  # bytes read to find a text file's first line; a header is far shorter


def format_for_name(path: str | Path) -> str:
    """The format a vectors file's name implies, the name alone: ``.bin`` word2vec-binary, ``.kv``, ``.model``,
    ``.pkl`` and ``.pickle`` gensim, anything else word2vec-text.

    Reading a text file, :func:`load_vectors` also looks at its first line: without a ``count dim``
    header it reads the file as glove. Writing, :func:`save_vectors` uses this format as is.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".bin":
        return "word2vec-binary"
    return "gensim" if suffix in _PICKLE_SUFFIXES else "word2vec-text"


def _text_format(path: Path) -> str:
    """word2vec-text or glove, by the first line read as text: a ``count dim`` header or not. Never unpickles."""
    with open(path, "rb") as f:
        first = f.readline(_FIRST_LINE_LIMIT)
    try:  # incremental: a line cut at the limit may end inside a character
        line = codecs.getincrementaldecoder("utf-8")().decode(first, final=False)
    except UnicodeDecodeError as error:
        raise UserError(
            f"cannot read {path} as word2vec-text or glove word vectors: its first line is not UTF-8 text "
            f"({error.reason} at byte {error.start}); word2vec binary files must be named .bin"
        ) from None
    return "word2vec-text" if re.fullmatch(r"[0-9]+[ \t]+[0-9]+\s*", line) else "glove"


def load_vectors(path: str | Path, fmt: str = "auto") -> KeyedVectors:
    """Read a vectors file into gensim ``KeyedVectors`` (see the module docstring for the formats).

    ``auto`` picks the format by the file's name (:func:`format_for_name`), never by its bytes, and
    refuses gensim's pickle-based files: those load only with ``fmt="gensim"``.
    """
    from gensim.models import KeyedVectors

    path = Path(path).expanduser()
    if fmt not in VECTOR_FORMATS:
        raise UserError(f"vectors format {fmt!r} is not one of {VECTOR_FORMATS}")
    if not path.is_file():
        raise UserError(f"word vectors file not found: {path} (train one with 'textcnn vectors')")
    if fmt == "auto":
        fmt = format_for_name(path)
        if fmt == "gensim":
            raise UserError(
                f"{path}: a {path.suffix} file is gensim's KeyedVectors.save format, a Python pickle that can run "
                "code as it loads; it loads only when named explicitly (model.vectors_format: gensim), "
                "for a file you trust"
            )
        if fmt == "word2vec-text":
            fmt = _text_format(path)
    try:
        if fmt == "gensim":
            vectors = KeyedVectors.load(str(path))
        else:
            vectors = KeyedVectors.load_word2vec_format(
                str(path), binary=fmt == "word2vec-binary", no_header=fmt == "glove", unicode_errors="replace"
            )
    except Exception as error:  # gensim raises ValueError, EOFError, UnpicklingError, ... on a bad file
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        message = message if len(message) <= 200 else message[:200] + "..."  # it may quote a whole line
        raise UserError(f"cannot read {path} as {fmt} word vectors: {message}") from None
    if not isinstance(vectors, KeyedVectors):  # fmt="gensim": a pickle of something else
        raise UserError(f"cannot read {path} as gensim word vectors: it holds a {type(vectors).__name__}")
    if len(vectors) == 0:
        raise UserError(f"{path} holds no word vectors")
    if vectors.vector_size < 1:  # glove lines with a word and no numbers: not a vectors file
        raise UserError(f"cannot read {path} as {fmt} word vectors: its lines hold no numbers")
    return vectors


def save_vectors(vectors: KeyedVectors, path: str | Path, fmt: str = "auto") -> str:
    """Write ``KeyedVectors`` (``auto``: by name, see :func:`format_for_name`); returns the format written.

    Written to a temporary name and renamed, so an interrupted save never leaves a partial file; the
    temporary file is removed when writing fails or is interrupted.
    """
    path = Path(path)
    fmt = format_for_name(path) if fmt == "auto" else fmt
    if fmt not in VECTOR_FORMATS[1:]:
        raise UserError(f"vectors format {fmt!r} is not one of {VECTOR_FORMATS[1:]}")
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        if fmt == "gensim":
            # Through a handle, so gensim writes one file: given a name, it stores large arrays in
            # separate "<name>.<attr>.npy" files, which the rename would leave under the temporary name.
            with open(tmp, "wb") as f:
                vectors.save(f)
        elif fmt == "glove":
            vectors.save_word2vec_format(str(tmp), binary=False, write_header=False)
        else:
            vectors.save_word2vec_format(str(tmp), binary=fmt == "word2vec-binary")

    atomic_write(path, write)  # a temporary name, then a rename; removed if writing fails or is interrupted
    return fmt


# ------------------------------------------------------------------------------------ onto a vocabulary


@dataclass
class Coverage:
    """How much of a vocabulary a vectors file covers."""

    vocabulary: int  # words in the vocabulary, special tokens excluded
    found: int  # words with a vector (exact or case-insensitive match)
    case_insensitive: int  # of those, found only by a case-insensitive match
    random_std: float  # std of the N(0, std^2) start of the words without a vector
    token_coverage: float | None = None  # share of training tokens whose word has a vector, when counted

    def describe(self) -> str:
        share = self.found / max(self.vocabulary, 1)
        text = f"vectors: {self.found:,} of {self.vocabulary:,} vocabulary words found ({share:.1%})"
        if self.case_insensitive:
            text += f", {self.case_insensitive:,} of them case-insensitively"
        if self.token_coverage is not None:
            text += f"; they cover {self.token_coverage:.1%} of training tokens"
        missing = self.vocabulary - self.found
        return text + f"; {missing:,} start random, N(0, {self.random_std:.3f}^2)"

    def as_dict(self) -> dict:
        return asdict(self)


def vectors_for_vocab(
    vectors: KeyedVectors,
    vocab: dict[str, int],
    *,
    special_ids: Sequence[int] = (0, 1),
    padding_idx: int | None = 0,
    token_counts: np.ndarray | None = None,
    seed: int = 0,
) -> tuple[torch.Tensor, Coverage]:
    """A ``(len(vocab), dim)`` float32 table: row ``i`` holds the vector of the word with id ``i``.

    Lookup is exact first, then case-insensitive (the most frequent casing wins, as vectors files list
    words by frequency). Words without a vector, and the special tokens, start as N(0, s^2) with ``s``
    the std of the found vectors' entries, so they are on the same scale (Kim 2014 drew them uniformly
    with the same variance as the pretrained vectors). The padding row is zero. ``token_counts``
    (occurrences per id in the training texts) adds the share of training tokens covered.
    """
    size = max(vocab.values(), default=-1) + 1
    keys = vectors.key_to_index
    lower: dict[str, int] = {}
    for word, index in keys.items():  # most frequent first: keep the first casing of each word
        lower.setdefault(word.lower(), index)
    rows, sources, case_insensitive = [], [], 0
    for word, i in vocab.items():
        if i in special_ids:
            continue
        index = keys.get(word)
        if index is None:
            index = lower.get(word.lower())
            case_insensitive += index is not None
        if index is not None:
            rows.append(i)
            sources.append(index)
    found = vectors.vectors[np.asarray(sources, dtype=np.int64)].astype(np.float32) if sources else None
    std = float(found.std()) if found is not None and found.size > 1 else 0.1
    std = std if std > 0 else 0.1
    generator = np.random.default_rng(seed)
    table = generator.normal(0.0, std, size=(size, vectors.vector_size)).astype(np.float32)
    if found is not None:
        table[np.asarray(rows, dtype=np.int64)] = found
    if padding_idx is not None:
        table[padding_idx] = 0.0
    words = sum(1 for i in vocab.values() if i not in special_ids)
    coverage = Coverage(vocabulary=words, found=len(rows), case_insensitive=case_insensitive, random_std=std)
    if token_counts is not None and token_counts.sum() > 0:
        covered = token_counts[np.asarray(rows, dtype=np.int64)].sum()
        coverage.token_coverage = float(covered / token_counts.sum())
    return torch.from_numpy(table), coverage


def vectors_info_path(path: str | Path) -> Path:
    """Where the record of a vectors file's settings, corpus and seconds lives: ``<file>.json`` beside it."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def write_vectors_info(path: str | Path, info: dict) -> Path:
    """The settings and corpus behind a vectors file, as JSON beside it (:func:`vectors_info_path`)."""
    target = vectors_info_path(path)
    target.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return target
