"""Typed results, written to JSON and read back in one place: a run's metrics, cross-validation.

The bench's records (``bench.json``) live in ``textcnn.bench.records``, built on ``JsonRecord`` and ``read_record``.
"""

from __future__ import annotations

import dataclasses
import json
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
            return read_record(cls, values)
        except (OSError, ValueError, TypeError, AttributeError) as error:  # unreadable, or a required key missing
            raise RunFolderError(f"cannot read {path} as {cls.__name__}: {error}") from None


@dataclass
class Calibration:
    """Temperature scaling of a single-label run: T fitted on validation, and the calibration error it left.

    ECE is the expected calibration error over 15 confidence bins; the test split's figures are measured
    once, after T was chosen, and chose nothing.
    """

    temperature: float
    ece_before: float  # validation, softmax(logits)
    ece_after: float  # validation, softmax(logits / T)
    test_ece_before: float | None = None
    test_ece: float | None = None  # after scaling: what predict, serve and the API give


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
    calibration: Calibration | None = None  # single-label runs with train.calibrate
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ reading JSON back


def _rebuild(hint: Any, value: Any) -> Any:
    """``value`` as read from JSON, rebuilt into the type ``hint`` names: dataclasses, lists, tuples, dicts."""
    if value is None:
        return None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return read_record(hint, value)
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


def read_record(cls: type, values: dict[str, Any]):
    """A dataclass ``cls`` from the dict that ``dataclasses.asdict`` (then JSON) made of it, nested ones too.

    Lenient where :func:`textcnn.config.from_dict` is strict, and on purpose: a record is what an older
    version wrote, so keys the class no longer has are skipped; a config is what a user wrote, so such a
    key is a mistake to name.
    """
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: _rebuild(hints[k], v) for k, v in values.items() if k in names})


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
