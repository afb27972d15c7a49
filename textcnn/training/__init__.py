"""Training: one trainer for every model, its contract, devices and precision, and signal handling."""

from ..models.parameters import ParameterGroup, dense_parameter_groups
from ..util.progress import progress_bar
from .contract import Batch, EpochBatches, Trainable
from .device import autocast, resolve_device, resolve_precision, seed_everything
from .distributed import SINGLE, Distributed, ShardedBatches, init_distributed, shutdown
from .evaluation import forward_all, predict_logits
from .objectives import MultiLabel, Objective, SingleLabel, objective_for
from .optim import WeightAverage, build_optimizers, clip_gradients, lr_factor
from .signals import Interrupted, pending_signal, signal_of, stop_on_signals
from .tensor_batches import TensorBatch, TensorBatches
from .trainer import EpochRecord, FitResult, Trainer

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
