"""Data-parallel training under ``torchrun``: one process per core or GPU, gradients averaged by DDP.

``torchrun --standalone --nproc_per_node=N -m textcnn train ...`` starts N copies of the command; each
reads ``RANK`` and ``WORLD_SIZE`` from its environment (:func:`init_distributed`). The backend is
``gloo`` on the CPU and ``nccl`` on CUDA.

- **Batches.** ``train.batch_size`` is the global batch. Every process builds the same epoch order
  from the shared seed and takes its own texts of each batch (:class:`ShardedBatches`), so N
  processes take the same optimiser steps, on the same texts, as one process does.
- **Gradients.** DDP averages them, sparse embedding gradients included (gloo reduces sparse
  tensors; NCCL cannot, so on CUDA the embedding falls back to dense gradients). Each process
  weights its loss by its share of the batch, so the average is the whole batch's mean exactly.
- **Evaluation** runs on whole batches spread over the processes, then every process gathers all
  the logits: each text is counted once.
- **Writes.** Only rank 0 writes the run folder, logs and shows progress.
- **Signals.** Ctrl-C or SIGTERM is noted and acted on at the next step by all processes together
  (:meth:`Distributed.agree_step`); stopping one process inside a collective would hang the others.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
import torch.distributed as dist

from ..errors import UserError
from ..util.env import launched_by_torchrun
from .contract import Batch


@dataclass(frozen=True)
class Distributed:
    """This process's place among the training processes (one process: rank 0 of 1)."""

    rank: int = 0
    world_size: int = 1
    backend: str | None = None  # gloo | nccl, once the process group is up

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that writes files, logs and shows progress."""
        return self.rank == 0

    # ------------------------------------------------------------------------------- collectives

    def share(self, value: Any) -> Any:
        """Rank 0's ``value`` on every process (any picklable object; the others pass anything)."""
        if not self.enabled:
            return value
        box = [value if self.is_main else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def all_gather(self, value: Any) -> list[Any]:
        """Every process's ``value``, in rank order (picklable objects)."""
        if not self.enabled:
            return [value]
        values: list[Any] = [None] * self.world_size
        dist.all_gather_object(values, value)
        return values

    def sum(self, values: list[float], device: torch.device) -> list[float]:
        """Element-wise sums over the processes."""
        if not self.enabled:
            return values
        tensor = torch.tensor(values, dtype=torch.float64, device=device)
        dist.all_reduce(tensor)
        return tensor.tolist()

    def agree_step(self, texts: int, pending: int | None, device: torch.device) -> tuple[int, int | None]:
        """Before a step: (texts in the whole batch, the signal that stops training on any process, or None).

        One small all-reduce per step carries both: the batch total weights each process's loss,
        and a signal noticed by any process stops every process at the same step.
        """
        flags = [texts, int(pending == signal.SIGINT), int(pending == signal.SIGTERM)]
        if not self.enabled:
            total, sigint, sigterm = flags
        else:
            tensor = torch.tensor(flags, dtype=torch.int64, device=device)
            dist.all_reduce(tensor)
            total, sigint, sigterm = tensor.tolist()
        stop = signal.SIGTERM if sigterm else signal.SIGINT if sigint else None
        return total, stop


SINGLE = Distributed()


def init_distributed(device: str = "auto") -> Distributed:
    """Join the process group ``torchrun`` set up (its ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK``); one process: SINGLE.

    On CUDA each process takes GPU ``LOCAL_RANK`` and the backend is nccl; on the CPU it is gloo.
    """
    if not launched_by_torchrun():
        return SINGLE
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if use_cuda:
        if local_rank >= torch.cuda.device_count():
            raise UserError(
                f"process {local_rank} has no GPU of its own: {torch.cuda.device_count()} GPUs for "
                f"--nproc_per_node={os.environ.get('LOCAL_WORLD_SIZE', world_size)}"
            )
        torch.cuda.set_device(local_rank)
    backend = "nccl" if use_cuda else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Distributed(rank, world_size, backend)


def shutdown(distributed: Distributed) -> None:
    if distributed.enabled and dist.is_initialized():
        dist.destroy_process_group()


# ------------------------------------------------------------------------------------------- batches


class IndexedBatches(Protocol):
    """Batches defined by index arrays: what :class:`ShardedBatches` splits (e.g. ``BucketedBatches``)."""

    def order(self) -> list[np.ndarray]: ...

    def batch(self, index: np.ndarray) -> Batch: ...

    def set_epoch(self, epoch: int) -> None: ...


class ShardedBatches:
    """This process's part of every batch of ``batches``.

    ``split_batches=True`` (training): process r of N takes texts r, r+N, r+2N, ... of each batch,
    so all processes step together on one global batch; a batch with fewer than N texts (at most
    one, the epoch's last) is skipped by all. ``split_batches=False`` (evaluation): process r takes
    whole batches r, r+N, ...; gathering the logits afterwards counts each text once.
    """

    def __init__(self, batches: IndexedBatches, distributed: Distributed, *, split_batches: bool) -> None:
        self.batches, self.distributed, self.split_batches = batches, distributed, split_batches

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)

    def shards(self) -> list[np.ndarray]:
        """The index arrays of this process's batches in this epoch."""
        rank, world = self.distributed.rank, self.distributed.world_size
        order = self.batches.order()
        if self.split_batches:
            return [index[rank::world] for index in order if len(index) >= world]
        return order[rank::world]

    def __len__(self) -> int:
        # Training: steps per epoch, equal on every process. Evaluation: this process's batches.
        return len(self.shards())

    def __iter__(self) -> Iterator[Batch]:
        for index in self.shards():
            yield self.batches.batch(index)
