"""Shuffled mini-batches of in-memory tensors (images and the like), in the trainer's batch contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class TensorBatch:
    inputs: tuple[torch.Tensor, ...]  # the model's positional arguments, e.g. images (B, C, H, W)
    labels: torch.Tensor | None  # (B,) int64
    index: np.ndarray  # (B,) rows of these examples in the dataset

    def to(self, device: torch.device) -> TensorBatch:
        labels = None if self.labels is None else self.labels.to(device)
        return TensorBatch(tuple(x.to(device) for x in self.inputs), labels, self.index)


class TensorBatches:
    """Batches of ``batch_size`` rows of ``inputs``; with ``shuffle`` a new order each epoch from ``(seed, epoch)``."""

    def __init__(
        self, inputs: torch.Tensor, labels: torch.Tensor | None, batch_size: int, *, shuffle: bool, seed: int = 0
    ) -> None:
        self.inputs, self.labels = inputs, labels
        self.batch_size, self.shuffle, self.seed, self.epoch = batch_size, shuffle, seed, 0

    def __len__(self) -> int:
        return -(-len(self.inputs) // self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[TensorBatch]:
        n = len(self.inputs)
        order = np.random.default_rng([self.seed, self.epoch]).permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            rows = torch.from_numpy(index)
            labels = None if self.labels is None else self.labels[rows]
            yield TensorBatch((self.inputs[rows],), labels, index)
