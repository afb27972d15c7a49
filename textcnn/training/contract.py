"""What the trainer may call on a model and a batch, and nothing more.

Any ``nn.Module`` with :meth:`Trainable.parameter_groups` and :meth:`Trainable.apply_constraints`
trains with :class:`~textcnn.training.Trainer`: the text models and the digits CNN alike. A batch
is anything with ``inputs`` (the model's positional arguments), ``labels``, ``index`` and ``to``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from ..models.parameters import ParameterGroup


@runtime_checkable
class Trainable(Protocol):
    """The model side of the trainer's contract (an ``nn.Module`` besides)."""

    def parameter_groups(self) -> list[ParameterGroup]:
        """The trainable parameters, grouped; frozen parameters are left out."""
        ...

    def apply_constraints(self) -> None:
        """Called after every optimiser step (e.g. Kim's max-norm); a no-op for most models."""
        ...


class Batch(Protocol):
    """The batch side: ``model(*batch.inputs) -> logits (B, C)``, ``labels (B,)``, dataset rows ``index (B,)``."""

    inputs: tuple[torch.Tensor, ...]
    labels: torch.Tensor | None
    index: np.ndarray

    def to(self, device: torch.device) -> Batch: ...


class EpochBatches(Protocol):
    """Training batches: a fixed number per epoch, in an order that ``set_epoch`` makes repeatable."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Batch]: ...

    def set_epoch(self, epoch: int) -> None: ...
