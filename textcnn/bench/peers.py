"""The classical peers a practitioner would otherwise choose, trained on the same splits as the networks.

- ``tfidf``: TF-IDF over word 1-2 grams (scikit-learn's own word cutting) or character 1-3 grams, and
  logistic regression (scikit-learn), its regularisation C chosen on validation.
- ``nbsvm``: NBSVM's logistic-regression variant (:mod:`.nbsvm`) on binary word n-grams cut by scikit-learn's
  own ``CountVectorizer``, as its users run it; the n-gram range (1-2 or 1-3) and C chosen on validation.
- ``fasttext``: fastText supervised (the optional ``fasttext`` module, e.g. ``pip install -e ".[peers]"``) on
  text prepared as fastText's own tutorial prepares it (:func:`fasttext_line`), word n-grams 1 or 2 chosen
  on validation.

Both are timed as a user would meet them: wall time from raw training text to a trained model, every
setting tried on validation included; then reviews per second from raw text to labels.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..config import BenchOptions, DataConfig
from ..text.data import TextSplits
from .records import PeerResult

logger = logging.getLogger(__name__)


def cleaned_text(data: DataConfig):
    """The run's normalizer as a ``str -> str`` function (lowercase, markup stripped): what character n-grams read."""
    from ..text.tokenizer import build_tokenizer

    return build_tokenizer(lowercase=data.lowercase, strip_html=data.strip_html).normalizer.normalize_str


def tfidf_vectorizer(analyzer: str, data: DataConfig, min_df: int = 2):
    """TF-IDF over word 1-2 grams or character 1-3 grams, as scikit-learn's users run it.

    Words are cut by scikit-learn's own fast regular expression (lowercased as the run is); characters
    read the run's cleaned text (its normalizer: lowercase, markup stripped), which CJK text needs.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if analyzer == "char":
        return TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), preprocessor=cleaned_text(data), min_df=min_df, sublinear_tf=True
        )
    return TfidfVectorizer(ngram_range=(1, 2), lowercase=data.lowercase, min_df=min_df, sublinear_tf=True)


def logistic_regression(c: float, num_classes: int, multi_label: bool = False):
    """liblinear for two classes (fast) or one-vs-rest label sets; lbfgs fits a multinomial model otherwise."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    solver = "liblinear" if num_classes == 2 or multi_label else "lbfgs"
    model = LogisticRegression(C=c, max_iter=2000, solver=solver)
    return OneVsRestClassifier(model) if multi_label else model  # one sigmoid per label, as the TextCNN


def _rate(predict, texts: Sequence[str]) -> float:
    predict(texts[:64])  # warm-up
    start = time.perf_counter()
    predict(texts)
    return len(texts) / (time.perf_counter() - start)


def bench_tfidf(
    splits: TextSplits, data: DataConfig, infer_texts: Sequence[str], cs: Sequence[float] = (1.0, 4.0, 16.0)
) -> PeerResult:
    """Word 1-2 gram TF-IDF + logistic regression, C chosen on validation; test scored once."""
    start = time.perf_counter()
    vectorizer = tfidf_vectorizer("word", data)
    x_train = vectorizer.fit_transform(splits.train.texts)  # vocabulary and idf from the training texts only
    x_val = vectorizer.transform(splits.validation.texts)
    best, tried = None, []
    for c in cs:
        model = logistic_regression(c, len(splits.class_names)).fit(x_train, splits.train.labels)
        accuracy = float(np.mean(model.predict(x_val) == splits.validation.labels))
        tried.append({"C": c, "val_accuracy": round(accuracy, 4)})
        if best is None or accuracy > best[0]:
            best = (accuracy, c, model)
    seconds = time.perf_counter() - start
    val_accuracy, c, model = best
    test_accuracy = float(np.mean(model.predict(vectorizer.transform(splits.test.texts)) == splits.test.labels))
    return PeerResult(
        name="tfidf",
        description="TF-IDF word 1-2 grams + logistic regression (scikit-learn)",
        chosen={"C": c, "features": x_train.shape[1]},
        tried=tried,
        val_accuracy=val_accuracy,
        test_accuracy=test_accuracy,
        train_seconds_total=seconds,
        reviews_per_second=_rate(lambda texts: model.predict(vectorizer.transform(texts)), infer_texts),
    )


def bench_nbsvm(
    splits: TextSplits,
    infer_texts: Sequence[str],
    ngrams: Sequence[int] = (2, 3),
    cs: Sequence[float] = (0.1, 0.3, 1.0),
) -> PeerResult:
    """NBSVM (NB-scaled binary 1-n grams + logistic regression), n and C chosen on validation; test scored once."""
    from sklearn.feature_extraction.text import CountVectorizer

    from .nbsvm import NBLogisticRegression

    start = time.perf_counter()
    best, tried = None, []
    for n in ngrams:
        vectorizer = CountVectorizer(binary=True, ngram_range=(1, n))  # scikit-learn's own words, lowercased
        x_train = vectorizer.fit_transform(splits.train.texts)
        x_val = vectorizer.transform(splits.validation.texts)
        for c in cs:
            model = NBLogisticRegression(C=c).fit(x_train, splits.train.labels)
            accuracy = float(np.mean(model.predict(x_val) == splits.validation.labels))
            tried.append({"ngrams": n, "C": c, "val_accuracy": round(accuracy, 4)})
            if best is None or accuracy > best[0]:
                best = (accuracy, (n, c, x_train.shape[1]), vectorizer, model)
    seconds = time.perf_counter() - start
    val_accuracy, (n, c, features), vectorizer, model = best
    test_accuracy = float(np.mean(model.predict(vectorizer.transform(splits.test.texts)) == splits.test.labels))
    return PeerResult(
        name="nbsvm",
        description=f"NBSVM: NB-scaled binary word 1-{n} grams + logistic regression (scikit-learn)",
        chosen={"ngrams": n, "C": c, "features": features},
        tried=tried,
        val_accuracy=val_accuracy,
        test_accuracy=test_accuracy,
        train_seconds_total=seconds,
        reviews_per_second=_rate(lambda texts: model.predict(vectorizer.transform(texts)), infer_texts),
    )


_PUNCTUATION = re.compile(r"([.!?,'/()\"])")
_NEWLINES = re.compile(r"[\r\n]+")
_MARKUP_OR_NEWLINES = re.compile(r"<[^>]{0,100}>|[\r\n]+")


def fasttext_line(lowercase: bool = True, strip_html: bool = True, characters: bool = False) -> Callable[[str], str]:
    """A function from one text to the line a fastText user feeds it: punctuation spaced out, lowercased.

    fastText splits on whitespace only; its tutorial spaces out punctuation and lowercases with ``sed`` and
    ``tr`` first. This does the same with compiled regular expressions, lowercasing and stripping markup
    (IMDB's ``<br />``) as the run does, and turns newlines into spaces: a newline would end fastText's line.
    ``characters``: every character a word, for text without spaces between words (Chinese, Japanese).
    """
    blank = _MARKUP_OR_NEWLINES if strip_html else _NEWLINES

    def line(text: str) -> str:
        text = blank.sub(" ", text or "")
        text = " ".join(text.replace(" ", "")) if characters else _PUNCTUATION.sub(r" \1 ", text)
        return text.lower() if lowercase else text

    return line


def fasttext_available() -> bool:
    try:
        import fasttext  # noqa: F401
    except ImportError:
        return False
    return True


def bench_fasttext(
    splits: TextSplits,
    data: DataConfig,
    infer_texts: Sequence[str],
    *,
    threads: int | None = None,
    settings: Sequence[tuple[int, int]] = ((1, 5), (2, 5), (2, 10)),
    seed: int = 0,
    characters: bool = False,
) -> PeerResult:
    """fastText supervised on the text as its users prepare it (:func:`fasttext_line`; ``characters``: each
    character a word); (word n-grams, epochs) chosen on validation; test scored once.

    fastText reads a file of ``__label__N word word ...`` lines: writing it is part of its training time.
    The lines are shuffled (seeded): fastText reads the file in order with a decaying learning rate, and a
    file sorted by label, as IMDB's train split is, trains a model that knows mostly the last label.
    """
    import fasttext

    threads = threads or len(os.sched_getaffinity(0))
    line = fasttext_line(data.lowercase, data.strip_html, characters)

    def lines(texts: Sequence[str]) -> list[str]:
        return [line(text) for text in texts]

    def predict(model, texts: Sequence[str]) -> np.ndarray:
        labels, _ = model.predict(lines(texts))
        return np.array([int(label[0].removeprefix("__label__")) for label in labels])

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        train_file = Path(folder) / "train.txt"
        _write_fasttext_file(train_file, lines(splits.train.texts), splits.train.labels, seed)
        best, tried = None, []
        for n, epochs in settings:
            try:
                model = fasttext.train_supervised(
                    str(train_file), epoch=epochs, wordNgrams=n, thread=threads, seed=seed, verbose=0
                )
            except RuntimeError as error:  # fastText stops with "Encountered NaN." when its loss diverges
                tried.append({"word_ngrams": n, "epochs": epochs, "val_accuracy": None, "error": str(error)})
                continue
            accuracy = float(np.mean(predict(model, splits.validation.texts) == splits.validation.labels))
            tried.append({"word_ngrams": n, "epochs": epochs, "val_accuracy": round(accuracy, 4)})
            if best is None or accuracy > best[0]:
                best = (accuracy, (n, epochs), model)
    seconds = time.perf_counter() - start
    if best is None:
        raise RuntimeError(f"fastText failed with every setting tried: {tried}")
    val_accuracy, (n, epochs), model = best
    return PeerResult(
        name="fasttext",
        description=f"fastText supervised, {threads} threads",
        chosen={"word_ngrams": n, "epochs": epochs},
        tried=tried,
        val_accuracy=val_accuracy,
        test_accuracy=float(np.mean(predict(model, splits.test.texts) == splits.test.labels)),
        train_seconds_total=seconds,
        reviews_per_second=_rate(lambda texts: predict(model, texts), infer_texts),
        note="fastText trains with Hogwild threads: its figures vary a little from run to run",
    )


def _write_fasttext_file(path: Path, lines: list[str], labels: np.ndarray, seed: int) -> None:
    """fastText's training file: ``__label__N word word ...`` lines, shuffled with ``seed`` (see bench_fasttext)."""
    order = np.random.default_rng(seed).permutation(len(lines))
    path.write_text("".join(f"__label__{labels[i]} {lines[i]}\n" for i in order), encoding="utf-8")


def run_peers(
    options: BenchOptions, splits: TextSplits, data_config: DataConfig
) -> tuple[dict[str, PeerResult], dict[str, str]]:
    """Train and time each peer ``options.peers`` names on the bench's splits: the results, and why any was skipped.

    A peer that fails is skipped with the reason, so that it does not cost the networks' run.
    """
    import torch

    from .machine import PeakMemory  # here, not at the top: the scripts import the peers without torch

    peers, skipped = {}, {}
    texts = splits.test.texts[: options.infer_texts]
    for name in options.peers:
        if name == "fasttext" and not fasttext_available():
            skipped[name] = "the fasttext module is not installed (pip install -e '.[peers]')"
            logger.info(f"bench: skipping fasttext: {skipped[name]}")
            continue
        logger.info(f"bench: training peer {name}")
        try:
            with PeakMemory() as memory:
                if name == "tfidf":
                    result = bench_tfidf(splits, data_config, texts)
                elif name == "nbsvm":
                    result = bench_nbsvm(splits, texts)
                else:
                    result = bench_fasttext(splits, data_config, texts, threads=torch.get_num_threads())
        except (RuntimeError, ValueError, MemoryError) as error:  # a peer's failure must not cost the networks' run
            skipped[name] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
            logger.info(f"bench: peer {name} {skipped[name]}")
            continue
        result.peak_rss_mib = memory.peak_bytes / 2**20
        peers[name] = result
        logger.info(
            f"[{name}] val acc {result.val_accuracy:.4f}, test acc {result.test_accuracy:.4f}, "
            f"{result.train_seconds_total:.1f} s to train, {result.reviews_per_second:,.0f} reviews/s"
        )
    return peers, skipped
