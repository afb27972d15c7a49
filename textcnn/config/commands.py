"""The options of the commands other than ``train``: their fields with help become the commands' flags
(:mod:`.options`). Kept beside the run config so that each default has one home and the command line
needs no torch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .options import option


@dataclass
class Word2VecOptions:
    """word2vec's settings (gensim ``Word2Vec`` arguments under clearer names)."""

    dim: int = option(300, "vector size (Kim's vectors have 300)")
    window: int = option(5, "context words on each side")
    epochs: int = option(5, "passes over the text")
    min_count: int = option(5, "words seen fewer times get no vector")
    architecture: str = option(
        "skipgram",
        "skipgram predicts the context from each word (better for rare words); cbow predicts each word from its "
        "context (faster)",
        choices=("skipgram", "cbow"),
    )
    negative: int = option(5, "negative samples per word")
    sample: float = option(1e-3, "down-sampling threshold for very frequent words")
    workers: int = option(
        0, "worker threads: 0 is one per CPU core; 1 gives the same vectors on every run, more slowly"
    )
    seed: int = option(0, "random seed of the initial vectors")

    def __post_init__(self) -> None:
        for key in ("dim", "window", "epochs", "min_count", "negative"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: {getattr(self, key)!r} is not allowed; expected >= 1")
        if self.architecture not in ("skipgram", "cbow"):
            raise ConfigError(f"architecture: {self.architecture!r} is not allowed; expected skipgram or cbow")
        if self.workers < 0:
            raise ConfigError(f"workers: {self.workers!r} is not allowed; expected >= 0 (0: one per core)")
        if self.sample < 0:
            raise ConfigError(f"sample: {self.sample!r} is not allowed; expected >= 0")


DEFAULT_BENCH_CONFIGS = ("configs/textcnn_imdb.yaml", "configs/lstm_imdb.yaml")


@dataclass
class BenchOptions:
    """What ``textcnn bench`` compares and how; the fields with help are its command-line options."""

    configs: list[str]
    overrides: list[str]
    out: Path
    quick: bool = option(
        False, "a small subset and 2 epochs (1,500 training texts, 300 for validation): a smoke test, not a measurement"
    )
    repeats: int = option(1, "training runs per model, with seeds seed..seed+N-1, interleaved")
    evals_per_epoch: int = option(4, "validations per epoch, the resolution of the accuracy-vs-time curve")
    target_accuracy: float | None = option(
        None, "validation accuracy for 'time to target' (none: the best the slowest model reaches)", metavar="ACC"
    )
    milestones: tuple[float, ...] = option(
        (0.85, 0.88, 0.90), "also report the training seconds to each of these validation accuracies", metavar="ACC"
    )
    infer_texts: int = option(5000, "test texts for the large-batch inference timing")
    infer_batch_size: int = option(512, "the large inference batch")
    latency_texts: int = option(200, "texts timed one at a time for batch-1 latency")
    peers: tuple[str, ...] = option(
        (),
        "classical baselines trained on the same splits in the same run: tfidf (TF-IDF + logistic regression), "
        "fasttext (needs the fasttext module; skipped with a note without it); space- or comma-separated",
        metavar="PEER",
    )
    progress: bool = True

    def __post_init__(self) -> None:
        self.peers = tuple(name.strip() for item in self.peers for name in item.split(",") if name.strip())
        unknown = [name for name in self.peers if name not in ("tfidf", "fasttext")]
        if unknown:
            raise ConfigError(f"--peers: {', '.join(unknown)} unknown; expected tfidf and/or fasttext")
        for key in ("repeats", "evals_per_epoch", "infer_texts", "infer_batch_size", "latency_texts"):
            if getattr(self, key) < 1:
                raise ConfigError(f"--{key.replace('_', '-')}: {getattr(self, key)!r} is not allowed; expected >= 1")


@dataclass
class ServeLimits:
    """What ``textcnn serve`` accepts per request (texts longer than data.max_length tokens are cut, as in training)."""

    max_texts: int = 256  # texts per /predict or /explain request
    max_body_bytes: int = 2_000_000  # request body size
    max_explain_texts: int = 16  # /explain costs far more per text than /predict

    def __post_init__(self) -> None:
        for key in ("max_texts", "max_body_bytes", "max_explain_texts"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: {getattr(self, key)!r} is not allowed; expected >= 1")
