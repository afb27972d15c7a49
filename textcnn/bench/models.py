"""Training and timing the bench's networks: every config once per repeat, and its first run measured further.

Each run records its epoch times, its validation curve against training seconds and its peak memory. The
first run of each model is also the one kept for inference: reviews per second from raw text at a large
batch and at batch size 1 (computed, and with a TextCNN's first convolution looked up), and the test
accuracy of its best-validation weights.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..config import BenchOptions, RunConfig, TrainConfig
from ..runs.loaded import Run
from ..runs.scoring import accuracy
from ..runs.setup import PreparedData, prepare_run
from ..runs.summary import seconds_per_epoch
from ..training import Trainer, predict_logits
from .machine import PeakMemory
from .records import InferenceResult, Latency, Spread, TrainingRun

logger = logging.getLogger(__name__)


class _Named(logging.LoggerAdapter):
    """Each line of one model's training starts with its name: ``[textcnn] epoch 1 ...``."""

    def __init__(self, logger: logging.Logger, name: str) -> None:
        super().__init__(logger, {"name": name})

    def process(self, msg, kwargs):
        return f"[{self.extra['name']}] {msg}", kwargs


@dataclass
class FirstRun:
    """What the bench takes from each model's first training run (the one it keeps for inference)."""

    precision: str
    parameters: int
    inference: InferenceResult
    inference_precomputed: InferenceResult | None
    inference_onnx: InferenceResult | None
    test_accuracy: float
    train_seconds: float  # training only, validation excluded
    device: torch.device  # where it trained (train.device is shared, so the same for every model)


@dataclass
class SharedVectors:
    """Word vectors the bench hands to every config that starts from them, and the seconds they took to make."""

    vectors: object  # gensim KeyedVectors
    seconds: float | None  # None: not recorded
    seconds_from: str  # where the seconds come from


def vectors_source(config: RunConfig) -> tuple:
    """What a config's vectors come from: its file, or the settings it learns them with (shared by configs alike)."""
    if config.model.vectors_from_train:
        return ("learned", config.model.embedding_dim, config.seed, json.dumps(dataclasses.asdict(config.word2vec)))
    return ("file", config.model.vectors, config.model.vectors_format)


@dataclass
class ModelRuns:
    """One model's training runs, every repeat, and what its first run measured."""

    runs: list[TrainingRun]
    first: FirstRun | None = None
    vectors: SharedVectors | None = None  # the word vectors it started from, if any


def train_models(
    names: list[str],
    configs: list[RunConfig],
    data: PreparedData,
    vectors: dict[tuple, SharedVectors],
    options: BenchOptions,
    out: Path,
) -> dict[str, ModelRuns]:
    """Train every config ``options.repeats`` times, seeds ``config.seed + repeat``, and measure the first runs.

    The repeats are interleaved (each model once, then each again), so that drift in the machine's speed hits
    every model alike.
    """
    results = {
        name: ModelRuns(runs=[], vectors=vectors.get(vectors_source(config)) if config.model.pretrained else None)
        for name, config in zip(names, configs)
    }
    for repeat in range(options.repeats):
        for name, config in zip(names, configs):
            model_vectors = results[name].vectors.vectors if results[name].vectors else None
            run, first = _train_once(name, config, repeat, data, model_vectors, options, out)
            results[name].runs.append(run)
            results[name].first = results[name].first or first
    return results


def bench_train_config(config: RunConfig, options: BenchOptions) -> TrainConfig:
    """The config's training settings with the bench's validations per epoch (patience counted in validations)."""
    patience = config.train.patience
    return dataclasses.replace(
        config.train,
        evals_per_epoch=options.evals_per_epoch,
        patience=None if patience is None else patience * options.evals_per_epoch,
    )


def _train_once(
    name: str, config: RunConfig, repeat: int, data: PreparedData, vectors, options: BenchOptions, out: Path
) -> tuple[TrainingRun, FirstRun | None]:
    """One training run of one model, and on the first repeat what its trained model measures."""
    seed = config.seed + repeat
    train_config = bench_train_config(config, options)
    prepared = prepare_run(dataclasses.replace(config, seed=seed, train=train_config), data=data, vectors=vectors)
    trainer = Trainer(train_config, progress=options.progress, logger=_Named(logger, name))
    with PeakMemory() as memory:
        fit = trainer.fit(prepared.model, prepared.train, prepared.validation)
    elapsed = np.cumsum([r.seconds for r in fit.history]).tolist()
    run = TrainingRun(
        seed=seed,
        epoch_seconds=seconds_per_epoch([r for r in fit.history if r.epoch <= int(fit.history[-1].epoch)]),
        curve=[(s, r.val_accuracy, r.epoch) for s, r in zip(elapsed, fit.history)],
        best_val_accuracy=fit.best_val_accuracy,
        peak_rss_mib=memory.peak_bytes / 2**20,
        rss_before_mib=memory.start_bytes / 2**20,
    )
    first = _measure_first(config, data, prepared, trainer, fit, options, out) if repeat == 0 else None
    return run, first


def _measure_first(config: RunConfig, data: PreparedData, prepared, trainer: Trainer, fit, options, out) -> FirstRun:
    """Inference speed (computed and precomputed) and test accuracy of a model's first trained run."""
    splits = data.splits
    model = prepared.model
    run = Run(out, config, data.tokenizer, model.eval(), splits.class_names, trainer.device)
    texts = splits.test.texts[: options.infer_texts]
    return FirstRun(
        precision=trainer.precision,
        parameters=prepared.num_parameters,
        inference=time_inference(run, texts, options),
        inference_precomputed=_precomputed_inference(run, texts, options),
        inference_onnx=_onnx_inference(run, texts, options, out),
        test_accuracy=_test_accuracy(model, prepared, trainer),
        train_seconds=sum(r.seconds for r in fit.history),
        device=trainer.device,
    )


def time_inference(run: Run, texts: list[str], options: BenchOptions) -> InferenceResult:
    """Reviews per second from raw text, tokenizing included, at a large batch and at batch size 1."""
    run.predict_proba(texts[:64], options.infer_batch_size)  # warm-up: allocator, kernels
    with PeakMemory() as memory:
        large = []
        for _ in range(3):
            start = time.perf_counter()
            run.predict_proba(texts, options.infer_batch_size)
            large.append(len(texts) / (time.perf_counter() - start))
        latencies = []
        for text in texts[: options.latency_texts]:
            start = time.perf_counter()
            run.predict_proba([text], 1)
            latencies.append(time.perf_counter() - start)
    return InferenceResult(
        texts=len(texts),
        batch_size=options.infer_batch_size,
        reviews_per_second_large_batch=Spread.of(large),
        reviews_per_second_batch_1=len(latencies) / sum(latencies),
        latency_ms_batch_1=Latency(
            median=1000 * statistics.median(latencies),
            p90=1000 * float(np.percentile(latencies, 90)),
            n=len(latencies),
        ),
        peak_rss_mib=memory.peak_bytes / 2**20,
        rss_before_mib=memory.start_bytes / 2**20,
    )


def _precomputed_inference(run: Run, texts: list[str], options: BenchOptions) -> InferenceResult | None:
    """The same inference timing with a TextCNN's first convolution looked up (CPU only; None otherwise)."""
    run.precompute = "auto"
    try:
        return None if run.fast_model() is None else time_inference(run, texts, options)
    finally:
        run.precompute = "off"


def _onnx_inference(run: Run, texts: list[str], options: BenchOptions, out: Path) -> InferenceResult | None:
    """The same timing through ONNX Runtime (the looked-up graph where it exports), on the CPU; None where the
    onnx extra is missing or the model does not export."""
    from ..export.graphs import exportable
    from ..export.onnx import export_graphs, onnx_available

    if run.device.type != "cpu" or not onnx_available() or exportable(run.model) is not None:
        return None
    with tempfile.TemporaryDirectory(dir=out) as folder:
        graphs = export_graphs(run.model, Path(folder), run.tokenizer.get_vocab_size())
        run.use_onnx(graphs[-1])
        try:
            return time_inference(run, texts, options)
        finally:
            run.use_torch()


def _test_accuracy(model, prepared, trainer: Trainer) -> float:
    """Accuracy of the best-validation weights (restored by fit) on the test split, scored once."""
    logits = predict_logits(model, prepared.test, trainer.device, precision=trainer.precision)
    return accuracy(logits, prepared.data.splits.test.labels)


def vectors_time(config: RunConfig) -> tuple[float | None, str]:
    """Seconds the config's word vectors took to make, from the ``.json`` record beside them (None: no vectors)."""
    if not config.model.pretrained:
        return None, ""
    from ..text.vectors import vectors_info_path

    record = vectors_info_path(config.model.vectors)
    try:
        info = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, f"not recorded ({record} missing): the total leaves the vectors out"
    if "total_seconds" in info:
        return float(info["total_seconds"]), f"{record}: total_seconds (reading the text + training + saving)"
    return float(info["train_seconds"]), f"{record}: train_seconds (word2vec training only)"
