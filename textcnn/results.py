"""Typed results, written to JSON and read back in one place: a run's metrics."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RunFolderError
from .files import atomic_write_text


@dataclass
class JsonRecord:
    """A dataclass that writes itself to a JSON file atomically and reads itself back."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path):
        try:
            values = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RunFolderError(f"cannot read {path}: {error}") from None
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})  # keys of older versions are skipped


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
    interrupted_by: str | None  # SIGINT | SIGTERM
    resumed: int  # how many times training continued with --resume
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
    extra: dict[str, Any] = field(default_factory=dict)
