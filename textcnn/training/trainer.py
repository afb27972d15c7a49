"""One trainer for every model: it calls ``model(*batch.inputs)`` and the :class:`Trainable` contract, nothing else.

Early stopping and the best point follow validation accuracy only; the test split never reaches
this module. The trainer's whole state (weights, optimisers, schedules, random generators, the
position in the batch order, the history and the best point) is one dict, :meth:`Trainer.state_dict`,
handed out at every validation point, so a run killed at any moment can continue exactly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import math
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from ..config import TrainConfig
from ..errors import TrainingDiverged
from ..util.progress import progress_bar
from .contract import Batch, EpochBatches, Trainable
from .device import autocast, resolve_device, resolve_precision, rng_state, set_rng_state
from .distributed import SINGLE, Distributed
from .evaluation import forward_all
from .objectives import Objective, SingleLabel
from .optim import WeightAverage, build_optimizers, clip_gradients, lr_factor
from .signals import Interrupted, pending_signal, signal_of

STATE_FORMAT = 1  # bumped whenever the layout of Trainer.state_dict() changes

# ------------------------------------------------------------------------------------------------- fit


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
    signal: int | None = None  # what interrupted training: signal.SIGINT (Ctrl-C) or SIGTERM
    stopped_early: bool = False


class _Running:
    """Loss and accuracy summed over the steps since the last validation.

    The sums stay on the model's device (no ``.item()`` per step, which would make a GPU wait).
    """

    def __init__(self) -> None:
        self._loss: torch.Tensor | float = 0.0
        self._correct: torch.Tensor | int = 0
        self.seen, self.seconds = 0, 0.0

    def add(self, loss: torch.Tensor, correct: torch.Tensor, n: int) -> None:
        self._loss = self._loss + loss.detach().float() * n
        self._correct = self._correct + correct
        self.seen += n

    @property
    def loss(self) -> float:
        return float(self._loss)

    @property
    def correct(self) -> int:
        return int(self._correct)


Model = nn.Module  # an nn.Module that is also Trainable


class Trainer:
    """Fit a model on training batches, select the point with the best validation accuracy."""

    def __init__(
        self,
        config: TrainConfig,
        *,
        objective: Objective | None = None,
        progress: bool = True,
        distributed: Distributed = SINGLE,
        logger: logging.Logger | logging.LoggerAdapter | None = None,
    ) -> None:
        self.config = config
        self.distributed = distributed  # several processes: batches sharded, gradients averaged (see .distributed)
        self.objective = objective or SingleLabel()  # the objective's loss and "correct" are all the trainer uses
        self.device = resolve_device(config.device)
        self.precision = resolve_precision(config.precision, self.device)
        self.progress = progress
        self.logger = logger or logging.getLogger(__name__)  # the bench names its models with an adapter
        if config.threads is not None:
            torch.set_num_threads(config.threads)
        torch.backends.mkldnn.deterministic = config.deterministic

    def evaluate(self, model: Model, batches: Iterable[Batch]) -> tuple[float, float]:
        """(mean loss, accuracy) over labelled ``batches`` (for multi-label: exact-match accuracy)."""
        logits, labels = forward_all(
            model,
            batches,
            self.device,
            precision=self.precision,
            progress=self.progress,
            desc="validate",
            distributed=self.distributed,
        )
        loss = self.objective.loss(logits, labels).item()
        return loss, self.objective.correct(logits, labels).item() / len(labels)

    def fit(
        self,
        model: Model,
        train: EpochBatches,
        validation: Iterable[Batch],
        *,
        resume: dict | None = None,
        on_improve: Callable[[Model, EpochRecord], None] | None = None,
        on_checkpoint: Callable[[dict], None] | None = None,
    ) -> FitResult:
        """Train for up to ``epochs``; on return ``model`` holds the best validation point's weights.

        Validation runs ``evals_per_epoch`` times per epoch; early stopping counts validations.
        ``on_improve`` runs when validation accuracy improves (e.g. to save the weights), then
        ``on_checkpoint`` gets :meth:`state_dict` at every validation point; ``resume`` is such a
        state, and training continues from it exactly. Ctrl-C (or SIGTERM, see
        :mod:`~textcnn.training.signals`) stops after the current step and keeps the best point so far
        (``interrupted=True``).
        """
        if not isinstance(model, Trainable):
            raise TypeError(f"{type(model).__name__} does not keep the Trainable contract (parameter_groups, ...)")
        config, steps = self.config, len(train)
        self.prepare(model, total_steps=config.epochs * steps)
        result, self._best_state = FitResult(), None
        epoch, start = 1, 0  # the next step to run: epoch (1-based), after `start` steps of it
        if resume is not None:
            epoch, start = self.load_state_dict(model, resume, result)
            done = len(result.history)
            self.logger.info(f"resuming at epoch {epoch} step {start} of {steps} ({done} validations so far)")
        # Validate after these steps of each epoch (the last one always at the epoch's end).
        eval_steps = {max(1, round(steps * k / config.evals_per_epoch)) for k in range(1, config.evals_per_epoch + 1)}
        try:
            while epoch <= config.epochs and not result.stopped_early:
                self._epoch(model, train, validation, result, (epoch, start), eval_steps, on_improve, on_checkpoint)
                epoch, start = epoch + 1, 0
        except KeyboardInterrupt as error:
            result.interrupted, result.signal = True, signal_of(error)
            self.logger.info(
                f"interrupted ({signal.Signals(result.signal).name}): keeping the best validation point so far "
                f"(epoch {result.best_epoch:g})"
            )
        if self._best_state is not None:
            model.load_state_dict(self._best_state)
        return result

    def _epoch(self, model, train, validation, result, position, eval_steps, on_improve, on_checkpoint) -> None:
        """The rest of one epoch from ``position`` (epoch, steps already run), validating at ``eval_steps``."""
        (epoch, start), steps = position, len(train)
        train.set_epoch(epoch)
        model.train()
        running, tick = _Running(), time.perf_counter()
        batches = itertools.islice(train, start, None)
        desc = f"epoch {epoch}/{self.config.epochs}"
        bar = progress_bar(batches, enabled=self.progress, total=steps, initial=start, desc=desc, leave=False)
        for step, batch in enumerate(bar, start=start + 1):
            batch = batch.to(self.device)
            loss, logits = self.train_step(model, batch, share=self._share_of_batch(len(batch.labels)))
            running.add(loss, self.objective.correct(logits, batch.labels), len(batch.labels))
            if self._check_every_step:
                self._check_finite("training loss", float(loss), f"at epoch {epoch} step {step}")
            if self.progress and step % 20 == 0:  # reading the loss makes a GPU wait: not every step
                bar.set_postfix(loss=f"{running.loss / running.seen:.4f}", refresh=False)
            if step not in eval_steps:
                continue
            running.seconds = time.perf_counter() - tick
            self._validation_point(model, validation, result, epoch, step, steps, running, on_improve)
            next_position = (epoch + 1, 0) if step == steps else (epoch, step)
            if on_checkpoint is not None:
                on_checkpoint(self.state_dict(model, result, next_position))
            if result.stopped_early:
                break
            model.train()
            running, tick = _Running(), time.perf_counter()
        bar.close()

    def _share_of_batch(self, texts: int) -> float:
        """This process's weight in the step: 1 alone; with several, its share of the global batch times N.

        DDP averages the N gradients, so weighting each process's mean loss by ``N * texts / total``
        makes the average exactly the whole batch's mean, even when the shards differ in size. The
        same exchange stops every process at this step when any of them got Ctrl-C or SIGTERM.
        """
        if not self.distributed.enabled:
            return 1.0
        total, stop = self.distributed.agree_step(texts, pending_signal(), self.device)
        if stop is not None:
            raise Interrupted(stop)
        return texts * self.distributed.world_size / total

    @property
    def _check_every_step(self) -> bool:
        """Read each step's loss on one CPU process; a GPU would wait for it, and processes must stop together
        (they all see the summed loss at validation points)."""
        return self.device.type == "cpu" and not self.distributed.enabled

    def _check_finite(self, what: str, value: float, where: str) -> None:
        """Stop with a one-line error when ``value`` is NaN or infinite: nothing after it could be trusted."""
        if math.isfinite(value):
            return
        raise TrainingDiverged(
            f"training diverged: the {what} is {value} {where}; lower train.lr (now {self.config.lr:g})"
            + ("" if self.config.grad_clip is not None else " or set train.grad_clip")
        )

    def _validation_point(self, model, validation, result, epoch, step, steps, running, on_improve) -> None:
        # The training loss and accuracy over all processes' texts since the last validation point.
        loss_sum, correct, seen = self.distributed.sum([running.loss, running.correct, running.seen], self.device)
        where = f"epoch {epoch} step {step}"
        self._check_finite("training loss", loss_sum, f"in the steps up to {where}")
        averaged = self._average.applied() if self._average else contextlib.nullcontext()
        with averaged:  # validate and keep the averaged weights, when averaging
            val_loss, val_accuracy = self.evaluate(model, validation)
            self._check_finite("validation loss", val_loss, f"at {where}")
            record = EpochRecord(
                epoch=round(epoch - 1 + step / steps, 4),
                train_loss=loss_sum / seen,
                train_accuracy=correct / seen,
                val_loss=val_loss,
                val_accuracy=val_accuracy,
                seconds=running.seconds,
                lr=self._schedulers[0].get_last_lr()[0],
            )
            if self._improves(result, record):
                self._best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
                if on_improve is not None:
                    on_improve(model, record)

    def prepare(self, model: Model, total_steps: int) -> None:
        """Move ``model`` to the device and build its optimisers and learning-rate schedules."""
        model.to(self.device)
        groups = model.parameter_groups()
        self._params = [p for g in groups for p in g.params]
        self._optimizers = build_optimizers(groups, self.config)
        self._schedulers = [
            torch.optim.lr_scheduler.LambdaLR(opt, lambda step: lr_factor(step, total_steps, self.config))
            for opt in self._optimizers
        ]
        decay = self.config.weight_average
        self._average = None if decay is None else WeightAverage(self._params, decay)
        self._forward: nn.Module = model
        if self.distributed.enabled:
            from torch.nn.parallel import DistributedDataParallel

            # DDP copies rank 0's weights to every process now and averages gradients in backward().
            device_ids = [self.device] if self.device.type == "cuda" else None
            self._forward = DistributedDataParallel(model, device_ids=device_ids)
            if not self.distributed.is_main:  # dropout masks differ per process; rank 0 draws as one process would
                torch.manual_seed(torch.initial_seed() + self.distributed.rank)

    def train_step(self, model: Model, batch: Batch, share: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimiser step on ``batch`` (already on the device); returns (loss, logits).

        ``share`` weights this process's loss when several processes split the batch (see :meth:`_share_of_batch`).
        """
        with autocast(self.device, self.precision):
            logits = self._forward(*batch.inputs)
        loss = self.objective.loss(logits, batch.labels)
        for optimizer in self._optimizers:
            optimizer.zero_grad(set_to_none=True)
        (loss * share if share != 1.0 else loss).backward()
        if self.config.grad_clip is not None:
            clip_gradients(self._params, self.config.grad_clip)
        for optimizer, scheduler in zip(self._optimizers, self._schedulers):
            optimizer.step()
            scheduler.step()
        model.apply_constraints()
        if self._average is not None:
            self._average.update()
        return loss.detach(), logits.detach()

    def _improves(self, result: FitResult, record: EpochRecord) -> bool:
        """Log ``record``, add it to ``result``, and update the best point and early stopping."""
        result.history.append(record)
        improved = record.val_accuracy > result.best_val_accuracy
        self.logger.info(
            f"epoch {record.epoch:>5g}  train loss {record.train_loss:.4f}  acc {record.train_accuracy:.4f}  "
            f"val loss {record.val_loss:.4f}  val acc {record.val_accuracy:.4f}  {record.seconds:.1f}s"
            + ("  *" if improved else "")
        )
        if improved:
            result.best_epoch, result.best_val_accuracy = record.epoch, record.val_accuracy
        patience = self.config.patience
        since_best = sum(1 for r in reversed(result.history) if r.epoch > result.best_epoch)
        if patience is not None and since_best >= patience:
            self.logger.info(f"early stop: no better validation accuracy in the last {since_best} validations")
            result.stopped_early = True
        return improved

    # ------------------------------------------------------------------------------------ state

    def state_dict(self, model: Model, result: FitResult, position: tuple[int, int]) -> dict:
        """Everything needed to continue exactly from here (tensors on the CPU, ready for ``torch.save``)."""
        return {
            "format": STATE_FORMAT,
            "position": {"epoch": position[0], "step": position[1]},
            "model": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
            "best_model": self._best_state,
            "optimizers": [o.state_dict() for o in self._optimizers],
            "schedulers": [s.state_dict() for s in self._schedulers],
            "weight_average": None if self._average is None else self._average.state_dict(),
            # One state per process (their dropout masks differ), so that N processes resume exactly.
            "rng": rng_state() if not self.distributed.enabled else self.distributed.all_gather(rng_state()),
            "result": {
                "history": [dataclasses.asdict(r) for r in result.history],
                "best_epoch": result.best_epoch,
                "best_val_accuracy": result.best_val_accuracy,
                "stopped_early": result.stopped_early,
            },
        }

    def load_state_dict(self, model: Model, state: dict, result: FitResult) -> tuple[int, int]:
        """Restore :meth:`state_dict` into the prepared trainer, ``model`` and ``result``; returns the position."""
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"training state format {state.get('format')!r}, expected {STATE_FORMAT}")
        model.load_state_dict(state["model"])
        self._best_state = state["best_model"]
        for optimizer, saved in zip(self._optimizers, state["optimizers"]):
            optimizer.load_state_dict(saved)
        for scheduler, saved in zip(self._schedulers, state["schedulers"]):
            scheduler.load_state_dict(saved)
        if self._average is not None and state["weight_average"] is not None:
            self._average.load_state_dict(state["weight_average"])
        states = state["rng"] if isinstance(state["rng"], list) else [state["rng"]]
        if len(states) != self.distributed.world_size:
            self.logger.info(
                f"note: the checkpoint was written by {len(states)} process(es) and training resumes with "
                f"{self.distributed.world_size}: it continues from the same point, but its random state "
                "(dropout) is not the one an uninterrupted run would have"
            )
        set_rng_state(states[self.distributed.rank % len(states)])
        saved = state["result"]
        result.history = [EpochRecord(**r) for r in saved["history"]]
        result.best_epoch, result.best_val_accuracy = saved["best_epoch"], saved["best_val_accuracy"]
        result.stopped_early = saved["stopped_early"]
        return state["position"]["epoch"], state["position"]["step"]
