"""One trainer for every text model: it sees ``model(ids, mask) -> logits`` and nothing else.

Early stopping and the best checkpoint follow validation accuracy only; the test split never
reaches this module.
"""

from __future__ import annotations

import contextlib
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


def build_optimizers(model: nn.Module, config: TrainConfig) -> list[torch.optim.Optimizer]:
    """The configured optimiser for the dense parameters, plus SparseAdam for sparse embeddings.

    An ``nn.Embedding(sparse=True)`` gets gradients only for the rows a batch uses, and SparseAdam
    updates only those rows, so the step's cost follows the batch rather than the vocabulary size
    (with IMDB's 30,000 words it is a wash; see README). SparseAdam has no weight decay.
    """
    sparse = {
        id(p)
        for m in model.modules()
        if isinstance(m, nn.Embedding) and m.sparse
        for p in m.parameters()
        if p.requires_grad
    }
    dense = [p for p in model.parameters() if p.requires_grad and id(p) not in sparse]
    optimizers = [build_optimizer(dense, config)] if dense else []
    if sparse:
        if config.optimizer not in ("adam", "adamw"):
            raise UserError(f"sparse embeddings need train.optimizer adam or adamw, not {config.optimizer!r}")
        params = [p for p in model.parameters() if id(p) in sparse]
        optimizers.append(torch.optim.SparseAdam(params, lr=config.lr))
    return optimizers


def clip_gradients(params: list[nn.Parameter], max_norm: float) -> None:
    """Scale all gradients so that their global l2 norm is at most ``max_norm`` (sparse ones included)."""
    grads = [p.grad for p in params if p.grad is not None]
    squares = [(g.coalesce().values() if g.is_sparse else g).float().pow(2).sum() for g in grads]
    total = torch.stack(squares).sum().sqrt()
    scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale)


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


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto`` is bf16 where the hardware computes it natively (AMX / AVX512-BF16 CPUs, bf16 GPUs), else fp32."""
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"


def autocast(device: torch.device, precision: str):
    """bf16 autocast (matrix work in bfloat16: AMX / AVX512-BF16 CPUs, recent GPUs) or a no-op for fp32."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


@torch.inference_mode()
def predict_logits(
    model: nn.Module,
    batches: BucketedBatches,
    device: torch.device,
    *,
    precision: str = "fp32",
    progress: bool = False,
    desc: str = "eval",
) -> torch.Tensor:
    """Logits ``(N, num_classes)`` for every text, in dataset order (batches may be in any order)."""
    model.eval()
    out: torch.Tensor | None = None
    for batch in tqdm(batches, desc=desc, leave=False, disable=not progress, file=sys.stderr):
        batch = batch.to(device)
        with autocast(device, precision):
            logits = model(batch.ids, batch.mask)
        logits = logits.float().cpu()
        if out is None:
            out = torch.empty(len(batches.sequences), logits.shape[1])
        out[torch.from_numpy(batch.index)] = logits
    assert out is not None, "no texts to predict"
    return out


@dataclass
class EpochRecord:
    """One validation point: ``epoch`` is fractional when validating several times per epoch."""

    epoch: float
    train_loss: float  # mean over the steps since the previous record
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float  # training time since the previous record (validation excluded)
    lr: float


@dataclass
class FitResult:
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: float = 0
    best_val_accuracy: float = -1.0
    interrupted: bool = False
    stopped_early: bool = False


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


class _Running:
    """Loss and accuracy summed over the steps since the last validation.

    The sums stay on the model's device (no ``.item()`` per step, which would make a GPU wait).
    """

    def __init__(self) -> None:
        self._loss: torch.Tensor | float = 0.0
        self._correct: torch.Tensor | int = 0
        self.seen, self.seconds = 0, 0.0

    def add(self, loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        n = labels.shape[0]
        self._loss = self._loss + loss.detach().float() * n
        self._correct = self._correct + (logits.argmax(dim=1) == labels).sum()
        self.seen += n

    @property
    def loss(self) -> float:
        return float(self._loss)

    @property
    def correct(self) -> int:
        return int(self._correct)


class Trainer:
    """Fit a model on training batches, select the point with the best validation accuracy."""

    def __init__(self, config: TrainConfig, *, progress: bool = True, log: Callable[[str], None] = print) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        self.precision = resolve_precision(config.precision, self.device)
        self.progress = progress
        self.log = log
        if config.threads is not None:
            torch.set_num_threads(config.threads)

    def evaluate(self, model: nn.Module, batches: BucketedBatches) -> tuple[float, float]:
        """(mean loss, accuracy) over ``batches``, whose labels must be set."""
        logits = predict_logits(
            model, batches, self.device, precision=self.precision, progress=self.progress, desc="validate"
        )
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
        """Train for up to ``epochs``; on return ``model`` holds the best validation point's weights.

        Validation runs ``evals_per_epoch`` times per epoch; early stopping counts validations.
        Ctrl-C stops after the current step and keeps the best point so far (``interrupted=True``).
        ``on_improve`` runs whenever validation accuracy improves, e.g. to save a checkpoint.
        """
        config = self.config
        self.prepare(model, total_steps=config.epochs * len(train))
        steps = len(train)
        # Validate after these steps of each epoch (the last one always at the epoch's end).
        eval_steps = {max(1, round(steps * k / config.evals_per_epoch)) for k in range(1, config.evals_per_epoch + 1)}
        result, best_state = FitResult(), None
        try:
            for epoch in range(1, config.epochs + 1):
                train.set_epoch(epoch)
                model.train()
                running, tick = _Running(), time.perf_counter()
                bar = tqdm(
                    train,
                    desc=f"epoch {epoch}/{config.epochs}",
                    leave=False,
                    disable=not self.progress,
                    file=sys.stderr,
                )
                for step, batch in enumerate(bar, start=1):
                    batch = batch.to(self.device)
                    loss, logits = self.train_step(model, batch)
                    running.add(loss, logits, batch.labels)
                    if self.progress and step % 20 == 0:  # reading the loss makes a GPU wait: not every step
                        bar.set_postfix(loss=f"{running.loss / running.seen:.4f}", refresh=False)
                    if step not in eval_steps:
                        continue
                    running.seconds = time.perf_counter() - tick
                    averaged = self._average.applied() if self._average else contextlib.nullcontext()
                    with averaged:  # validate and checkpoint the averaged weights, when averaging
                        record = self._validate(model, validation, epoch - 1 + step / steps, running)
                        if self._improves(result, record):
                            best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
                            if on_improve is not None:
                                on_improve(model, record)
                    if result.stopped_early:
                        bar.close()
                        break
                    model.train()
                    running, tick = _Running(), time.perf_counter()
                if result.stopped_early:
                    break
        except KeyboardInterrupt:
            self.log(f"interrupted: keeping the best validation point so far (epoch {result.best_epoch:g})")
            result.interrupted = True
        if best_state is not None:
            model.load_state_dict(best_state)
        return result

    def prepare(self, model: nn.Module, total_steps: int) -> None:
        """Move ``model`` to the device and build its optimisers and learning-rate schedules."""
        model.to(self.device)
        self._params = [p for p in model.parameters() if p.requires_grad]
        self._optimizers = build_optimizers(model, self.config)
        self._schedulers = [
            torch.optim.lr_scheduler.LambdaLR(opt, lambda step: lr_factor(step, total_steps, self.config))
            for opt in self._optimizers
        ]
        self._constrain = getattr(model, "apply_constraints", None)  # e.g. Kim's max-norm on the output layer
        decay = self.config.weight_average
        self._average = None if decay is None else WeightAverage(self._params, decay)

    def train_step(self, model: nn.Module, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimiser step on ``batch`` (already on the device); returns (loss, logits)."""
        with autocast(self.device, self.precision):
            logits = model(batch.ids, batch.mask)
        loss = F.cross_entropy(logits.float(), batch.labels)
        for optimizer in self._optimizers:
            optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.grad_clip is not None:
            clip_gradients(self._params, self.config.grad_clip)
        for optimizer, scheduler in zip(self._optimizers, self._schedulers):
            optimizer.step()
            scheduler.step()
        if self._constrain is not None:
            self._constrain()
        if self._average is not None:
            self._average.update()
        return loss.detach(), logits.detach()

    def _improves(self, result: FitResult, record: EpochRecord) -> bool:
        """Log ``record``, add it to ``result``, and update the best point and early stopping."""
        result.history.append(record)
        improved = record.val_accuracy > result.best_val_accuracy
        self.log(
            f"epoch {record.epoch:>5g}  train loss {record.train_loss:.4f}  acc {record.train_accuracy:.4f}  "
            f"val loss {record.val_loss:.4f}  val acc {record.val_accuracy:.4f}  {record.seconds:.1f}s"
            + ("  *" if improved else "")
        )
        if improved:
            result.best_epoch, result.best_val_accuracy = record.epoch, record.val_accuracy
        patience = self.config.patience
        since_best = sum(1 for r in reversed(result.history) if r.epoch > result.best_epoch)
        if patience is not None and since_best >= patience:
            self.log(f"early stop: no better validation accuracy in the last {since_best} validations")
            result.stopped_early = True
        return improved

    def _validate(self, model: nn.Module, validation: BucketedBatches, epoch: float, running: _Running) -> EpochRecord:
        val_loss, val_accuracy = self.evaluate(model, validation)
        return EpochRecord(
            epoch=round(epoch, 4),
            train_loss=running.loss / running.seen,
            train_accuracy=running.correct / running.seen,
            val_loss=val_loss,
            val_accuracy=val_accuracy,
            seconds=running.seconds,
            lr=self._schedulers[0].get_last_lr()[0],
        )
