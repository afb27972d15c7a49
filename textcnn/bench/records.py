"""The bench's results, typed: ``bench.json`` is a ``BenchReport``, written and read back in one place.

Read back with the lenient ``read_record`` of ``textcnn.runs.records``: keys of older versions are skipped and
a field added later takes its default, so a ``bench.json`` written by an older version still loads.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from ..runs.records import JsonRecord


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
    inference_onnx: InferenceResult | None = None  # the same through ONNX Runtime (the onnx extra; CPU)


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
    """The machine the bench ran on, so that its figures are read against the hardware that made them."""

    cpu: str
    cores: int | None
    threads: int
    torch: str
    device: str
    python: str
    textcnn: str
    gpu: str | None = None
    isa: list[str] = field(default_factory=list)  # the instruction sets that matter here: avx2, avx512, bf16, amx
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
    """The shared data every model trained on: its source and size."""

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
