"""Typed results, written to JSON and read back in one place: a run's metrics, the bench report."""

from __future__ import annotations

import dataclasses
import json
import statistics
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RunFolderError
from ..util.files import atomic_write_text


@dataclass
class JsonRecord:
    """A dataclass that writes itself to a JSON file atomically and reads itself back."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path):
        """Read the file back, nested dataclasses included; keys of older versions are skipped."""
        try:
            values = json.loads(Path(path).read_text(encoding="utf-8"))
            return from_dict(cls, values)
        except (OSError, ValueError, TypeError, AttributeError) as error:  # unreadable, or a required key missing
            raise RunFolderError(f"cannot read {path} as {cls.__name__}: {error}") from None


@dataclass
class RunMetrics(JsonRecord):
    """``metrics.json``: what a training run reached and what it cost. Selection is on validation only."""

    model: str
    val_accuracy: float  # at the best validation point, the one saved
    test_accuracy: float  # of those weights, measured once at the end
    test_split: str
    validation_source: str
    best_epoch: float
    epochs_completed: int
    epochs_run: int  # validation points
    stopped_early: bool
    interrupted: bool  # stopped by Ctrl-C or SIGTERM before its epochs were done
    epoch_seconds: list[float]
    train_seconds: float
    prep_seconds: float
    total_seconds: float
    num_parameters: int
    trainable_parameters: int
    vocab_size: int
    num_train: int
    num_validation: int
    num_test: int
    mean_train_tokens: float
    embedding_mode: str
    vectors_coverage: dict | None
    class_names: list[str]
    device: str
    precision: str
    threads: int
    torch: str
    cpu: str
    textcnn: str
    interrupted_by: str | None = None  # SIGINT | SIGTERM (defaults: metrics.json files older than --resume lack them)
    resumed: int = 0  # how many times training continued with --resume
    task: str = "single-label"  # or multi-label: then the accuracies are exact-match ratios
    threshold: float | None = None  # multi-label: the decision threshold, chosen on validation micro-F1
    test_micro_f1: float | None = None  # multi-label, at the threshold
    test_macro_f1: float | None = None  # multi-label, at the threshold
    processes: int = 1  # training processes (torchrun); threads is per process
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ the bench report


def _rebuild(hint: Any, value: Any) -> Any:
    """``value`` as read from JSON, rebuilt into the type ``hint`` names: dataclasses, lists, tuples, dicts."""
    if value is None:
        return None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_dict(hint, value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return _rebuild(options[0], value) if len(options) == 1 else value
    if origin is list and args:
        return [_rebuild(args[0], item) for item in value]
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_rebuild(args[0], item) for item in value)
        return tuple(_rebuild(a, item) for a, item in zip(args, value))
    if origin is dict and args:
        return {key: _rebuild(args[1], item) for key, item in value.items()}
    return value


def from_dict(cls: type, values: dict[str, Any]):
    """A dataclass ``cls`` from the dict that ``dataclasses.asdict`` (then JSON) made of it, nested ones too.

    Keys the class does not have (from older versions) are skipped, as in ``JsonRecord.load``.
    """
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: _rebuild(hints[k], v) for k, v in values.items() if k in names})


@dataclass
class Spread:
    """The median and range of repeated measurements."""

    median: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(median=statistics.median(values), min=min(values), max=max(values), n=len(values))


@dataclass
class Latency:
    """Milliseconds per call: median and 90th percentile over ``n`` calls."""

    median: float
    p90: float
    n: int


@dataclass
class InferenceResult:
    """Reviews per second from raw text (tokenizing included), at a large batch and at batch size 1."""

    texts: int
    batch_size: int
    reviews_per_second_large_batch: Spread
    reviews_per_second_batch_1: float
    latency_ms_batch_1: Latency
    peak_rss_mib: float
    rss_before_mib: float


@dataclass
class TrainingRun:
    """One training run of a model in the bench, with one seed."""

    seed: int
    epoch_seconds: list[float]  # training seconds of each whole epoch
    curve: list[tuple[float, float, float]]  # (training seconds so far, validation accuracy, epoch) per validation
    best_val_accuracy: float
    peak_rss_mib: float
    rss_before_mib: float


@dataclass
class ModelBench:
    """One model's results: its runs, and the figures taken over them."""

    config: str  # the config file
    model: dict[str, Any]  # the model settings
    train_settings: dict[str, Any]
    runs: list[TrainingRun]
    precision: str
    num_parameters: int
    inference: InferenceResult
    epoch_seconds: Spread | None  # over every whole epoch of every run
    samples_per_second: float
    tokens_per_second: float
    best_val_accuracy: float
    peak_rss_mib_train: float
    seconds_to_target: float | None  # median over runs; None unless every run reached the target
    seconds_to_accuracy: dict[str, float | None]  # the same for each milestone accuracy ("0.8800")
    test_accuracy: float | None = None  # the first run's best-validation weights, scored once on the test split
    # Raw text to trained model: tokenizing + training (validation excluded) + the word vectors, if any.
    train_seconds_total: float | None = None
    vectors_seconds: float | None = None
    vectors_seconds_from: str = ""  # where the vectors' seconds come from (their .json record)
    inference_precomputed: InferenceResult | None = None  # a TextCNN with its first layer looked up (CPU)


@dataclass
class PeerResult:
    """One peer trained and scored on the same splits as the networks."""

    name: str
    description: str
    chosen: dict  # the settings validation chose
    tried: list[dict]  # every setting tried, with its validation accuracy
    val_accuracy: float
    test_accuracy: float
    train_seconds_total: float  # raw training text to trained model, every setting tried included
    reviews_per_second: float  # raw text to labels, on the bench's inference texts
    peak_rss_mib: float = 0.0
    note: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Speedup:
    """How many times faster one model is than the slowest, per measure."""

    epoch_time: float
    time_to_target: float | None
    inference_large_batch: float


@dataclass
class MachineInfo:
    cpu: str
    cores: int | None
    threads: int
    torch: str
    device: str
    python: str
    textcnn: str
    gpu: str | None = None
    isa: list[str] = field(
        default_factory=list
    )  # the instruction sets that matter here: avx2, avx512, avx512_bf16, amx
    precisions: list[str] = field(default_factory=list)  # what the models computed in (fp32, bf16)
    # What torch's own CPU kernels use (torch.backends.cpu.get_cpu_capability()), and oneDNN's cap if one is
    # set (ONEDNN_MAX_CPU_ISA): below the CPU's own instruction sets when limited, e.g. to time the AVX2 class.
    kernels: str = ""

    def describe(self) -> str:
        """One line naming the CPU, its instruction sets and the precision, for tables and figures."""
        isa = "/".join(self.isa) or "no AVX2"
        gpu = f", {self.gpu}" if self.gpu else ""
        kernels = f", kernels {self.kernels}" if self.kernels.startswith("limited") else ""
        return (
            f"{self.cpu} ({isa}{kernels}), {self.cores} cores, {self.threads} torch threads, "
            f"{'/'.join(self.precisions) or 'fp32'}, torch {self.torch}, device {self.device}{gpu}"
        )


@dataclass
class BenchData:
    path: str
    train_texts: int
    validation_texts: int
    train_tokens: int
    max_length: int


@dataclass
class BenchReport(JsonRecord):
    """``bench.json``: several models trained and timed side by side on the same data."""

    machine: MachineInfo
    data: BenchData
    quick: bool
    repeats: int
    evals_per_epoch: int
    target_accuracy: float
    target_from: str
    models: dict[str, ModelBench]
    speedups: dict[str, Speedup]  # "<model>_vs_<slowest>"
    prep_seconds: float = 0.0  # splits, tokenizer training and encoding, shared by every network
    peers: dict[str, PeerResult] = field(default_factory=dict)  # classical baselines on the same splits
    skipped_peers: dict[str, str] = field(default_factory=dict)  # peer -> why it did not run


# ------------------------------------------------------------------------------------- cross-validation


@dataclass
class FoldResult:
    fold: int  # 1-based
    run: str  # the fold's run folder
    test_accuracy: float  # on the fold, never seen in training or selection
    val_accuracy: float  # on the validation part held out of the other folds
    best_epoch: float
    train_seconds: float


@dataclass
class CrossValidation(JsonRecord):
    """``cv.json``: k-fold cross-validation of one config."""

    config: str
    data: str
    folds: int
    seed: int
    mean_accuracy: float
    std_accuracy: float  # sample standard deviation over the folds
    per_fold: list[FoldResult]
    mean_val_accuracy: float | None = None  # compare configs on this, never on the test folds

    def markdown(self) -> str:
        """One Markdown line: mean +- std and every fold's accuracy."""
        folds = ", ".join(f"{f.test_accuracy:.2%}" for f in self.per_fold)
        return (
            f"| {self.config} | {self.data} | {self.folds}-fold CV | {self.mean_accuracy:.2%} "
            f"± {self.std_accuracy:.2%} | {folds} |"
        )
