"""One trainer for every text model: it sees ``model(ids, mask) -> logits`` and nothing else.

Early stopping and the best checkpoint follow validation accuracy only; the test split never
reaches this module.
"""

from __future__ import annotations

import copy
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .config import TrainConfig
from .errors import UserError
from .text.batching import BucketedBatches


def seed_everything(seed: int) -> None:
    """Seed Python and torch (textcnn's own NumPy randomness uses explicit Generators)."""
    random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    """``auto`` is CUDA when present, else CPU; an explicit CUDA device must exist."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"train.device: {name!r} was asked for but no CUDA GPU is available; use auto or cpu")
    return torch.device(name)


def build_optimizer(params: list[nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    return torch.optim.Adadelta(params, lr=config.lr, weight_decay=config.weight_decay)


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


@torch.no_grad()
def predict_logits(
    model: nn.Module, batches: BucketedBatches, device: torch.device, *, progress: bool = False, desc: str = "eval"
) -> torch.Tensor:
    """Logits ``(N, num_classes)`` for every text, in dataset order (batches may be in any order)."""
    model.eval()
    out: torch.Tensor | None = None
    for batch in tqdm(batches, desc=desc, leave=False, disable=not progress, file=sys.stderr):
        batch = batch.to(device)
        logits = model(batch.ids, batch.mask).float().cpu()
        if out is None:
            out = torch.empty(len(batches.sequences), logits.shape[1])
        out[torch.from_numpy(batch.index)] = logits
    assert out is not None, "no texts to predict"
    return out


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float  # training time of this epoch (validation excluded)
    lr: float


@dataclass
class FitResult:
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    best_val_accuracy: float = -1.0
    interrupted: bool = False
    stopped_early: bool = False


class Trainer:
    """Fit a model on training batches, select the epoch with the best validation accuracy."""

    def __init__(self, config: TrainConfig, *, progress: bool = True, log: Callable[[str], None] = print) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        self.progress = progress
        self.log = log
        if config.threads is not None:
            torch.set_num_threads(config.threads)

    def evaluate(self, model: nn.Module, batches: BucketedBatches) -> tuple[float, float]:
        """(mean loss, accuracy) over ``batches``, whose labels must be set."""
        logits = predict_logits(model, batches, self.device, progress=self.progress, desc="validate")
        labels = torch.from_numpy(batches.labels)
        loss = F.cross_entropy(logits, labels).item()
        return loss, (logits.argmax(dim=1) == labels).float().mean().item()

    def fit(
        self,
        model: nn.Module,
        train: BucketedBatches,
        validation: BucketedBatches,
        *,
        on_improve: Callable[[nn.Module, EpochRecord], None] | None = None,
    ) -> FitResult:
        """Train for up to ``epochs``; on return ``model`` holds the best validation epoch's weights.

        Ctrl-C stops after the current step and keeps the best epoch so far (``interrupted=True``).
        ``on_improve`` runs whenever validation accuracy improves, e.g. to save a checkpoint.
        """
        config = self.config
        model.to(self.device)
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = build_optimizer(params, config)
        total_steps = config.epochs * len(train)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(step, total_steps, config))
        constrain = getattr(model, "apply_constraints", None)
        result = FitResult()
        best_state = None
        stale = 0
        for epoch in range(1, config.epochs + 1):
            train.set_epoch(epoch)
            model.train()
            loss_sum, correct, seen = 0.0, 0, 0
            start = time.perf_counter()
            bar = tqdm(
                train, desc=f"epoch {epoch}/{config.epochs}", leave=False, disable=not self.progress, file=sys.stderr
            )
            try:
                for batch in bar:
                    batch = batch.to(self.device)
                    logits = model(batch.ids, batch.mask)
                    loss = F.cross_entropy(logits, batch.labels)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    if config.grad_clip is not None:
                        nn.utils.clip_grad_norm_(params, config.grad_clip)
                    optimizer.step()
                    scheduler.step()
                    if constrain is not None:
                        constrain()
                    n = batch.labels.shape[0]
                    loss_sum += loss.item() * n
                    correct += (logits.argmax(dim=1) == batch.labels).sum().item()
                    seen += n
                    bar.set_postfix(loss=f"{loss_sum / seen:.4f}", refresh=False)
            except KeyboardInterrupt:
                bar.close()
                self.log(f"interrupted in epoch {epoch}: keeping the best epoch so far ({result.best_epoch})")
                result.interrupted = True
                break
            seconds = time.perf_counter() - start
            val_loss, val_accuracy = self.evaluate(model, validation)
            record = EpochRecord(
                epoch, loss_sum / seen, correct / seen, val_loss, val_accuracy, seconds, scheduler.get_last_lr()[0]
            )
            result.history.append(record)
            improved = val_accuracy > result.best_val_accuracy
            self.log(
                f"epoch {epoch:>2}  train loss {record.train_loss:.4f}  acc {record.train_accuracy:.4f}  "
                f"val loss {val_loss:.4f}  val acc {val_accuracy:.4f}  {seconds:.1f}s{'  *' if improved else ''}"
            )
            if improved:
                result.best_epoch, result.best_val_accuracy, stale = epoch, val_accuracy, 0
                best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
                if on_improve is not None:
                    on_improve(model, record)
            else:
                stale += 1
                if config.patience is not None and stale >= config.patience:
                    self.log(f"early stop: no better validation accuracy for {stale} epochs")
                    result.stopped_early = True
                    break
        if best_state is not None:
            model.load_state_dict(best_state)
        return result
