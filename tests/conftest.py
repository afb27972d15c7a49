"""Shared fixtures: a tiny sentiment dataset made on the fly, read through datasets.load_dataset."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never touch the network
if os.environ.get("PYTEST_XDIST_WORKER"):
    import torch

    # One thread per xdist worker: two workers with two spinning OpenMP threads each on a
    # 2-core machine slow every test down several times over.
    torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def _cache_of_this_session(tmp_path_factory):
    """Learned word vectors go to a cache of the test session's own, never the user's ~/.cache (subprocesses too)."""
    previous = os.environ.get("TEXTCNN_CACHE")
    os.environ["TEXTCNN_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("TEXTCNN_CACHE", None)
    else:
        os.environ["TEXTCNN_CACHE"] = previous


POSITIVE = ["great", "wonderful", "superb", "loved", "brilliant", "moving", "delightful"]
NEGATIVE = ["awful", "terrible", "boring", "hated", "worst", "dull", "painful"]
FILLER = (
    "the movie film plot actor actress story scene was is and a an of it this that with director "
    "cast music ending script camera time character saw watched yesterday friends cinema"
).split()


def make_reviews(n: int, seed: int, label_noise: float = 0.0) -> tuple[list[str], list[int]]:
    """``n`` reviews of filler words with 1-3 sentiment words of their class; some hold <br /> tags.

    ``label_noise``: the fraction of reviews whose label is flipped, so that accuracy stays below 1.
    """
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(FILLER, size=rng.integers(3, 25)))
        cues = rng.choice(POSITIVE if label else NEGATIVE, size=rng.integers(1, 4))
        for cue in cues:
            words.insert(int(rng.integers(0, len(words) + 1)), str(cue))
        text = " ".join(words).capitalize() + "."
        if rng.random() < 0.3:
            text = text.replace(" ", " <br /><br />", 1)
        texts.append(text)
        labels.append(1 - label if rng.random() < label_noise else label)
    return texts, labels


def write_dataset(
    folder: Path, splits: dict[str, int], *, text_column: str = "text", seed: int = 0, label_noise: float = 0.0
) -> Path:
    """Parquet files with a ClassLabel, laid out so that ``load_dataset(folder)`` finds the splits."""
    from datasets import ClassLabel, Dataset, Features, Value

    folder.mkdir(parents=True, exist_ok=True)
    features = Features({text_column: Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    for i, (split, n) in enumerate(splits.items()):
        texts, labels = make_reviews(n, seed + i, label_noise)
        Dataset.from_dict({text_column: texts, "label": labels}, features=features).to_parquet(
            str(folder / f"{split}-00000-of-00001.parquet")
        )
    return folder


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    """A tiny IMDB look-alike: train 400 and test 120 reviews."""
    return write_dataset(tmp_path_factory.mktemp("tiny_imdb"), {"train": 400, "test": 120})


@pytest.fixture(scope="session")
def tiny_sst(tmp_path_factory) -> Path:
    """A tiny SST-2 look-alike: a 'sentence' column, train and validation splits, no test split."""
    return write_dataset(
        tmp_path_factory.mktemp("tiny_sst"), {"train": 300, "validation": 80}, text_column="sentence", seed=7
    )


TINY_OVERRIDES = [
    "tokenizer.vocab_size=200",
    "tokenizer.min_frequency=1",
    "model.embedding_dim=16",
    "train.epochs=6",
    "train.batch_size=16",
    "train.lr=0.01",
    "train.patience=null",
    "train.device=cpu",
]


def _train_tiny(data: Path, folder: Path, *overrides: str) -> Path:
    """The tiny TextCNN (a few seconds of training) on ``data``, with ``overrides``, into ``folder``."""
    from textcnn.config import load_config
    from textcnn.runs.training import train_run

    config = load_config(
        Path(__file__).parents[1] / "configs" / "textcnn_imdb.yaml",
        [f"data.path={data}", "data.max_length=64", "model.num_filters=8", *overrides, *TINY_OVERRIDES],
    )
    train_run(config, folder, progress=False)
    return folder


@pytest.fixture(scope="session")
def tiny_run(tiny_data, tmp_path_factory) -> Path:
    """A TextCNN trained on the tiny data (a few seconds), shared by the tests that only read it."""
    return _train_tiny(tiny_data, tmp_path_factory.mktemp("runs") / "tiny_textcnn")


@pytest.fixture(scope="session")
def tiny_wide_run(tiny_data, tmp_path_factory) -> Path:
    """The tiny TextCNN with a wide branch of NB-weighted 1-2-grams beside its filters."""
    return _train_tiny(tiny_data, tmp_path_factory.mktemp("runs") / "tiny_wide", "model.wide_ngrams=2")


@pytest.fixture(scope="session")
def tiny_vectors(tiny_data, tmp_path_factory):
    """word2vec (12 dims) trained on the tiny data's training text, as a word2vec binary file."""
    from textcnn.config import DataConfig
    from textcnn.text.data import load_corpus
    from textcnn.text.vectors import Word2VecOptions, save_vectors, train_word2vec, words_of

    texts, _ = load_corpus(DataConfig(path=str(tiny_data)))
    options = Word2VecOptions(dim=12, epochs=50, window=3, min_count=1, workers=1)
    vectors, _ = train_word2vec(words_of(texts), options, progress=False)
    path = tmp_path_factory.mktemp("vectors") / "tiny.bin"
    save_vectors(vectors, path)
    return path


@pytest.fixture
def log_lines(caplog):
    """The package's log messages so far in the test: ``log_lines()``, or ``log_lines(logging.WARNING)``."""
    caplog.set_level(logging.INFO, logger="textcnn")
    return lambda level=logging.INFO: [r.getMessage() for r in caplog.records if r.levelno >= level]
