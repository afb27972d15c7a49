"""What a finished training records: ``metrics.json`` (:class:`RunMetrics`) and ``history.csv``."""

from __future__ import annotations

import csv
import dataclasses
import io
import platform

import numpy as np
import torch

from .. import __version__
from ..config import RunConfig
from ..training import EpochRecord, FitResult, Trainer
from .records import Calibration, RunMetrics
from .scoring import accuracy, multi_label_scores
from .setup import PreparedRun


def history_csv(history: list[EpochRecord]) -> str:
    """``history.csv``: one row per validation point."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in dataclasses.fields(EpochRecord)], lineterminator="\n")
    writer.writeheader()
    writer.writerows(dataclasses.asdict(r) for r in history)
    return buffer.getvalue()


def seconds_per_epoch(history: list[EpochRecord]) -> list[float]:
    """Training seconds of each whole epoch (summing the segments between validations)."""
    totals: dict[int, float] = {}
    for record in history:
        epoch = int(np.ceil(record.epoch - 1e-9))
        totals[epoch] = totals.get(epoch, 0.0) + record.seconds
    return [totals[e] for e in sorted(totals)]


def run_metrics(
    config: RunConfig,
    prepared: PreparedRun,
    result: FitResult,
    trainer: Trainer,
    test_logits: torch.Tensor,
    run_info: dict,
    interrupted_by: str | None,
    threshold: float | None,
    calibration: Calibration | None = None,
) -> RunMetrics:
    """The run's metrics: the best validation point, the test score (once), timings, sizes and versions."""
    splits = prepared.data.splits
    epoch_seconds = seconds_per_epoch(result.history)
    extra: dict = {}
    if splits.multi_label:
        probs = torch.sigmoid(test_logits).numpy()
        scores = multi_label_scores(probs, splits.test.labels, threshold, splits.class_names)
        test_accuracy = scores["exact_match"]
        extra = {"task": "multi-label", "threshold": threshold}
        extra.update(test_micro_f1=scores["micro_f1"], test_macro_f1=scores["macro_f1"])
    else:
        test_accuracy = accuracy(test_logits, splits.test.labels)
    return RunMetrics(
        **extra,
        model=config.model.name,
        val_accuracy=result.best_val_accuracy,
        test_accuracy=test_accuracy,
        test_split=splits.test_split,
        validation_source=splits.validation_source,
        best_epoch=result.best_epoch,
        epochs_completed=len(epoch_seconds),
        epochs_run=len(result.history),
        stopped_early=result.stopped_early,
        interrupted=result.interrupted,
        interrupted_by=interrupted_by,
        resumed=run_info["resumed"],
        epoch_seconds=epoch_seconds,
        train_seconds=sum(r.seconds for r in result.history),
        prep_seconds=0.0,
        total_seconds=0.0,
        num_parameters=prepared.num_parameters,
        trainable_parameters=prepared.trainable_parameters,
        vocab_size=prepared.data.vocab_size,
        num_train=len(splits.train),
        num_validation=len(splits.validation),
        num_test=len(splits.test),
        mean_train_tokens=prepared.data.train_tokens / len(prepared.data.train_ids),
        embedding_mode=config.model.embedding_mode,
        vectors_coverage=run_info["vectors_coverage"],
        class_names=splits.class_names,
        device=str(trainer.device),
        precision=trainer.precision,
        threads=torch.get_num_threads(),
        processes=trainer.distributed.world_size,
        calibration=calibration,
        torch=torch.__version__,
        cpu=platform.processor() or platform.machine(),
        textcnn=__version__,
    )
