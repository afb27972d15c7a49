"""Optimisation pieces the trainer composes: optimisers per parameter group, clipping, schedules, averaging."""

from __future__ import annotations

import contextlib
import math

import torch
from torch import nn

from ..config import TrainConfig
from ..errors import ConfigError
from ..models.parameters import ParameterGroup


def build_optimizer(params: list[nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    return torch.optim.Adadelta(params, lr=config.lr, weight_decay=config.weight_decay)


def build_optimizers(groups: list[ParameterGroup], config: TrainConfig) -> list[torch.optim.Optimizer]:
    """The configured optimiser for the dense groups, plus SparseAdam for the sparse ones.

    A sparse embedding gets gradients only for the rows a batch uses, and SparseAdam updates only
    those rows, so the step's cost follows the batch rather than the vocabulary size. SparseAdam
    has no weight decay.
    """
    dense = [p for g in groups if not g.sparse for p in g.params]
    sparse = [p for g in groups if g.sparse for p in g.params]
    optimizers = [build_optimizer(dense, config)] if dense else []
    if sparse:
        if config.optimizer not in ("adam", "adamw"):
            raise ConfigError(f"sparse embeddings need train.optimizer adam or adamw, not {config.optimizer!r}")
        optimizers.append(torch.optim.SparseAdam(sparse, lr=config.lr))
    return optimizers


def clip_gradients(params: list[nn.Parameter], max_norm: float) -> None:
    """Scale all gradients so that their global l2 norm is at most ``max_norm`` (sparse ones included)."""
    grads = [p.grad for p in params if p.grad is not None]
    squares = [(g.coalesce().values() if g.is_sparse else g).float().pow(2).sum() for g in grads]
    total = torch.stack(squares).sum().sqrt()
    scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale)


def lr_factor(step: int, total: int, config: TrainConfig) -> float:
    """Multiplier of the base learning rate at ``step``: linear warm-up, then the schedule."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(total - config.warmup_steps, 1)
    if config.schedule == "linear":
        return max(1.0 - progress, 0.0)
    if config.schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))
    return 1.0


class WeightAverage:
    """An exponential moving average of the trainable parameters (Polyak averaging).

    Validating and checkpointing the averaged weights instead of the last step's smooths out the
    noise of single steps; ``decay`` 0.998 averages over roughly the last 500 steps. Early updates
    use a smaller decay, ``(1 + t) / (10 + t)``, so the average is not dominated by the initial weights.
    """

    def __init__(self, params: list[nn.Parameter], decay: float) -> None:
        self.params, self.decay, self.updates = params, decay, 0
        self.shadow = [p.detach().clone() for p in params]

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for average, param in zip(self.shadow, self.params):
            average.lerp_(param, 1 - decay)

    @contextlib.contextmanager
    def applied(self):
        """Inside the block the model holds the averaged weights; afterwards its own again."""
        with torch.no_grad():
            backup = [p.detach().clone() for p in self.params]
            for param, average in zip(self.params, self.shadow):
                param.copy_(average)
        try:
            yield
        finally:
            with torch.no_grad():
                for param, saved in zip(self.params, backup):
                    param.copy_(saved)

    def state_dict(self) -> dict:
        return {"updates": self.updates, "shadow": [s.detach().cpu().clone() for s in self.shadow]}

    @torch.no_grad()
    def load_state_dict(self, state: dict) -> None:
        self.updates = state["updates"]
        for average, saved in zip(self.shadow, state["shadow"]):
            average.copy_(saved)
