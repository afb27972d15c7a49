"""The contract every text model keeps, as types: an :class:`Encoder` and a :class:`TextModel`.

An encoder maps word vectors ``(B, L, D)`` and a mask ``(B, L)`` to features ``(B, F)``; any encoder
fits any text model, which is what makes the TextCNN and the LSTM interchangeable. A text model maps
token ids ``(B, L)`` and the mask to class logits ``(B, C)``, and also tells the trainer how to train
it (:class:`~textcnn.training.Trainable`) and the pipeline how to load word vectors into it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from .parameters import ParameterGroup


@runtime_checkable
class Encoder(Protocol):
    """``(B, L, D), mask (B, L) -> (B, out_dim)``; positions where ``mask`` is False are never read."""

    out_dim: int

    def __call__(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor: ...


class TextModel(nn.Module, ABC):
    """Token ids ``(B, L)`` and mask ``(B, L)`` -> class logits ``(B, num_classes)``."""

    @abstractmethod
    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def parameter_groups(self) -> list[ParameterGroup]:
        """Trainable parameters, with the sparse ones (embedding tables with sparse gradients) in their own group."""

    @abstractmethod
    def load_vectors(self, vectors: torch.Tensor) -> None:
        """Start the word embedding from pretrained ``(vocab_size, dim)`` vectors."""

    def load_regions(self, table: torch.Tensor, bias: torch.Tensor) -> None:
        """Fill the region embedding (``model.region_dim``) with what was learned on unlabeled text."""
        raise ValueError(f"{type(self).__name__} has no region embedding (model.region_dim)")

    def apply_constraints(self) -> None:
        """Called by the trainer after every optimiser step; none by default."""

    def fit_counts(self, batches: Iterable[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]) -> None:
        """Statistics counted once from the training texts before training, ``(ids, mask, labels)`` batches.

        The wide branch's naive-Bayes ratios (:meth:`~textcnn.models.wide.NgramBag.fit`); none by default.
        """
