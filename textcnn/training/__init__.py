"""Training: one trainer for every model, its contract, devices and precision, and signal handling."""

from ..util.progress import progress_bar
from .contract import Batch, EpochBatches, ParameterGroup, Trainable, dense_parameter_groups
from .device import autocast, resolve_device, resolve_precision, seed_everything
from .distributed import SINGLE, Distributed, ShardedBatches, init_distributed, shutdown
from .objectives import MultiLabel, Objective, SingleLabel, objective_for
from .signals import Interrupted, pending_signal, signal_of, stop_on_signals
from .tensor_batches import TensorBatch, TensorBatches
from .trainer import (
    EpochRecord,
    FitResult,
    Trainer,
    WeightAverage,
    build_optimizers,
    clip_gradients,
    forward_all,
    lr_factor,
    predict_logits,
)

__all__ = [
    "SINGLE",
    "Batch",
    "Distributed",
    "EpochBatches",
    "EpochRecord",
    "FitResult",
    "Interrupted",
    "MultiLabel",
    "Objective",
    "ParameterGroup",
    "ShardedBatches",
    "SingleLabel",
    "objective_for",
    "TensorBatch",
    "TensorBatches",
    "Trainable",
    "Trainer",
    "WeightAverage",
    "autocast",
    "build_optimizers",
    "clip_gradients",
    "dense_parameter_groups",
    "forward_all",
    "init_distributed",
    "lr_factor",
    "predict_logits",
    "progress_bar",
    "resolve_device",
    "resolve_precision",
    "pending_signal",
    "seed_everything",
    "shutdown",
    "signal_of",
    "stop_on_signals",
]
