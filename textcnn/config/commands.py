"""The options of the commands other than ``train``: their fields with help become the commands' flags
(:mod:`.options`). Kept beside the run config so that each default has one home and the command line
needs no torch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .models import VECTOR_FORMATS
from .options import REQUIRED, option, port, positive_int, progress_option, set_option
from .sections import DataConfig, TrainConfig, Word2VecSettings

DATA_HELP = "dataset: a hub name, a folder of split files, or one file (sets data.path; default: the config's)"


@dataclass
class Word2VecOptions(Word2VecSettings):
    """``textcnn vectors``'s word2vec: the shared settings, plus the size, the rarest word kept, threads and seed."""

    dim: int = option(300, "vector size (Kim's vectors have 300)")
    min_count: int = option(5, "words seen fewer times get no vector")
    workers: int = option(
        0, "worker threads: 0 is one per CPU core; 1 gives the same vectors on every run, more slowly"
    )
    seed: int = option(0, "random seed of the initial vectors")


DEFAULT_BENCH_CONFIGS = ("configs/textcnn_imdb.yaml", "configs/lstm_imdb.yaml")
PEERS = ("tfidf", "nbsvm", "fasttext")  # textcnn.bench.peers trains them


@dataclass
class BenchOptions:
    """What ``textcnn bench`` compares and how; the fields with help are its command-line options."""

    configs: list[str] = option(
        None,
        f"a run config to compare (repeat for each; default: {' and '.join(DEFAULT_BENCH_CONFIGS)})",
        flag="--config",
        action="append",
        metavar="FILE",
    )
    data: str | None = option(None, DATA_HELP, metavar="PATH")
    overrides: list[str] = set_option("every config")
    out: Path | None = option(
        None, "folder for the results (default: runs/bench-DATE-TIME-RANDOM, unique)", metavar="DIR"
    )
    quick: bool = option(
        False, "a small subset and 2 epochs (1,500 training texts, 300 for validation): a smoke test, not a measurement"
    )
    repeats: int = option(1, "training runs per model, with seeds seed..seed+N-1, interleaved")
    evals_per_epoch: int = option(4, "validations per epoch, the resolution of the accuracy-vs-time curve")
    target_accuracy: float | None = option(
        None,
        "validation accuracy for 'time to target' (default: none, the best the slowest model reaches)",
        metavar="ACC",
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
        "nbsvm (NB-scaled n-grams + logistic regression), fasttext (needs the fasttext module; skipped with a note "
        "without it); space- or comma-separated",
        metavar="PEER",
    )
    progress: bool = progress_option()

    def __post_init__(self) -> None:
        self.configs = list(self.configs or DEFAULT_BENCH_CONFIGS)
        self.peers = tuple(name.strip() for item in self.peers for name in item.split(",") if name.strip())
        unknown = [name for name in self.peers if name not in PEERS]
        if unknown:
            raise ConfigError(f"--peers: {', '.join(unknown)} unknown; expected any of {', '.join(PEERS)}")
        for key in ("repeats", "evals_per_epoch", "infer_texts", "infer_batch_size", "latency_texts"):
            if getattr(self, key) < 1:
                raise ConfigError(f"--{key.replace('_', '-')}: {getattr(self, key)!r} is not allowed; expected >= 1")


@dataclass
class ServeLimits:
    """What ``textcnn serve`` accepts per request (texts longer than data.max_length tokens are cut, as in training)."""

    max_texts: int = option(256, "most texts per request", type=positive_int)
    max_explain_texts: int = option(16, "most texts per /explain request, which costs more per text", type=positive_int)
    max_body_bytes: int = option(2_000_000, "largest request body in bytes", type=positive_int)

    def __post_init__(self) -> None:
        for key in ("max_texts", "max_body_bytes", "max_explain_texts"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: {getattr(self, key)!r} is not allowed; expected >= 1")


# The options of each command, one dataclass a command (bench's and serve's are above; vectors adds
# Word2VecOptions). A field with help is a flag or an argument: see textcnn.config.options.


@dataclass(kw_only=True)
class TrainOptions:
    """``textcnn train``: a config to train, or a run to resume."""

    config: str | None = option(
        None, "YAML config, e.g. configs/textcnn_imdb.yaml (this or --resume)", metavar="FILE", one_of="source"
    )
    resume: str | None = option(
        None,
        "continue an unfinished run (interrupted or killed) from its last checkpoint, with its own config; "
        "--set may change only train.epochs and train.patience",
        metavar="RUN_DIR",
        one_of="source",
    )
    data: str | None = option(None, DATA_HELP, metavar="PATH")
    overrides: list[str] = set_option()
    out: str | None = option(
        None,
        "run folder to create; it must not exist or be empty (default: runs/MODEL-DATE-TIME-RANDOM, unique)",
        metavar="DIR",
    )
    progress: bool = progress_option(" (per-epoch lines still print)")


@dataclass(kw_only=True)
class CvOptions:
    """``textcnn cv``: k-fold cross-validation of a config."""

    config: str = option(REQUIRED, "YAML config, e.g. configs/textcnn_subj.yaml", metavar="FILE")
    data: str | None = option(None, DATA_HELP, metavar="PATH")
    folds: int = option(10, "number of folds (Kim's used 10)", metavar="K")
    overrides: list[str] = set_option("the config")
    out: str | None = option(None, "folder for the fold runs and cv.json (default: runs/cv-CONFIG-...)", metavar="DIR")
    out_of_fold: str | None = option(
        None,
        "also write each row's out-of-fold probabilities (from the fold that held it out) to this CSV file",
        metavar="FILE",
    )
    suspects: int | None = option(
        None,
        "list up to N likely labelling errors: rows the out-of-fold model predicts as another class, least likely "
        "given label first, marked where confident learning flags them too; printed and written to OUT/suspects.csv",
        metavar="N",
        type=positive_int,
    )
    progress: bool = progress_option(" (per-fold lines still print)")


def backend_option() -> Any:
    return option(
        "torch",
        "torch, or onnx: the graph 'textcnn export RUN --format onnx' wrote, run by ONNX Runtime (the onnx extra)",
        choices=("torch", "onnx"),
    )


@dataclass(kw_only=True)
class RunOptions:
    """A trained run to load, and where: every command that loads one."""

    run_dir: str = option(REQUIRED, "a folder written by 'textcnn train'", positional=True, metavar="RUN_DIR")
    device: str = option(TrainConfig.device, "auto (CUDA when present), cpu, cuda or cuda:N")


@dataclass(kw_only=True)
class InferenceOptions(RunOptions):
    """A run to load and how to batch its inputs: evaluate, predict, explain and filters."""

    batch_size: int | None = option(
        None, "most texts per model batch (default: the run's train.eval_batch_size)", type=positive_int
    )


@dataclass(kw_only=True)
class EvaluateOptions(InferenceOptions):
    """``textcnn evaluate``: a run scored on a labelled split."""

    data: str | None = option(None, "dataset to score (default: the run's data.path)", metavar="PATH")
    overrides: list[str] = set_option("the run's data section (data.KEY only)")
    backend: str = backend_option()
    split: str | None = option(
        None, "split to score (default: the run's test split: 'test', else 'validation')", metavar="NAME"
    )


@dataclass(kw_only=True)
class TextInputs(InferenceOptions):
    """Where predict and explain read their texts: arguments, else --file, else standard input."""

    text: list[str] = option(
        [], "texts (quote each one); else --file, else stdin (also: '-')", positional=True, metavar="TEXT"
    )
    file: str | None = option(
        None, "a table (.csv .tsv .jsonl .json .parquet) or a text file ('-': stdin)", metavar="FILE"
    )
    text_column: str | None = option(
        None, "the table's text column (default: the run's data.text_column)", metavar="COLUMN"
    )
    encoding: str | None = option(
        None, "of --file and stdin, e.g. latin-1 (default: the run's data.encoding)", metavar="NAME"
    )
    delimiter: str | None = option(
        None,
        "of a .csv --file, e.g. ';' or '\\t' (default: the run's data.delimiter, else the one its lines show)",
        metavar="CHAR",
    )


@dataclass(kw_only=True)
class PredictOptions(TextInputs):
    """``textcnn predict``: labels for new texts."""

    backend: str = backend_option()
    id_column: str | None = option(None, "a table column to use as each result's id", metavar="COLUMN")
    top_k: int | None = option(None, "also list the K most probable classes", metavar="K")
    all: bool = option(False, "also give every class's probability", action="store_true")
    output: str | None = option(None, "write to a .jsonl or .csv file instead of standard output", metavar="FILE")
    chunk_size: int = option(4096, "texts read, predicted and written at a time", type=positive_int)
    progress: bool = progress_option(" (a bar shows for --file and piped texts on a terminal)")


@dataclass(kw_only=True)
class ExplainOptions(TextInputs):
    """``textcnn explain``: why a run predicted what it did."""

    format: str = option("json", "output form", choices=("json", "text", "html", "png"))
    output: str | None = option(None, "write here instead of standard output (html, png: needed)", metavar="FILE")
    top_ngrams: int = option(10, "n-grams listed per text", type=positive_int, metavar="N", deprecated=("--top",))
    top_filters: int = option(10, "filters listed per text (TextCNN runs)", type=positive_int, metavar="N")
    colour: str = option(
        "auto",
        "terminal colours in --format text (auto: when writing to a terminal)",
        choices=("auto", "always", "never"),
    )


@dataclass(kw_only=True)
class FiltersOptions(InferenceOptions):
    """``textcnn filters``: what each filter of a TextCNN detects, over a corpus."""

    run_dir: str = option(
        REQUIRED, "a folder written by 'textcnn train' (a TextCNN)", positional=True, metavar="RUN_DIR"
    )
    data: str | None = option(None, "dataset to read (default: the run's data.path)", metavar="PATH")
    split: str | None = option(None, "split to read (default: the run's test split)", metavar="NAME")
    max_texts: int = option(5000, "texts read from the split", type=positive_int)
    top_filters: int = option(12, "filters listed", type=positive_int, metavar="N", deprecated=("--top",))
    top_ngrams: int = option(5, "n-grams shown per filter", type=positive_int, metavar="N", deprecated=("--show",))
    output: str | None = option(None, "also write PREFIX.md, PREFIX.json and PREFIX.png", metavar="PREFIX")
    progress: bool = progress_option()


@dataclass(kw_only=True)
class ServeOptions(RunOptions):
    """``textcnn serve``: where to listen (what each request may hold: ServeLimits)."""

    host: str = option("127.0.0.1", "address to listen on (default: 127.0.0.1, this machine)")
    port: int = option(8000, "port, 1-65535", type=port)
    backend: str = backend_option()


@dataclass(kw_only=True)
class ExportOptions(RunOptions):
    """``textcnn export``: a trained run as a graph for another runtime."""

    format: str = option("onnx", "what to write: onnx (model.onnx, labels.json)", choices=("onnx",))
    out: str | None = option(None, "folder to write to (default: the run folder)", metavar="DIR")
    lookup: str = option(
        "auto",
        "also write model.lookup.onnx, the first convolution looked up per word (auto: where it applies and "
        "its tables take at most 1 GiB)",
        choices=("auto", "on", "off"),
    )


@dataclass(kw_only=True)
class VectorsOptions:
    """``textcnn vectors``: which text word2vec reads and where the vectors go (its settings: Word2VecOptions)."""

    data: str = option(
        DataConfig.path,
        "dataset: a hub name, a folder of split files, or one file",
        metavar="PATH",
    )
    name: str | None = option(None, "the dataset's configuration name, if it has several", metavar="CONFIG")
    text_column: str = option(DataConfig.text_column, "column holding the text", metavar="COLUMN")
    splits: list[str] | None = option(
        None,
        "splits to read (default: all but test and validation); the test split is refused",
        nargs="+",
        metavar="SPLIT",
    )
    out: str | None = option(
        None,
        "vectors file; its name picks the format unless --format does: .bin word2vec binary, .kv gensim "
        "(a pickle: runs load it only with model.vectors_format: gensim), anything else word2vec text "
        "(default: vectors/DATASET-word2vec-DIMd.bin)",
        metavar="FILE",
    )
    format: str = option(
        VECTOR_FORMATS[0],
        f"file format (default: {VECTOR_FORMATS[0]}, by the file's name); glove is word2vec text without the "
        "header line",
        choices=VECTOR_FORMATS,
    )
    cased: bool = option(False, "keep letter case (only for runs whose data.lowercase is false)", action="store_true")
    keep_html: bool = option(
        False, "keep HTML tags (only for runs whose data.strip_html is false)", action="store_true"
    )
    progress: bool = progress_option()


@dataclass(kw_only=True)
class ConfigOptions:
    """``textcnn config``: every config key with its default and help, or one config fully resolved."""

    config: str | None = option(None, "YAML config to resolve, e.g. configs/textcnn_imdb.yaml", metavar="FILE")
    data: str | None = option(None, DATA_HELP, metavar="PATH")
    overrides: list[str] = set_option()
