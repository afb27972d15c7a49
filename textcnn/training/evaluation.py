"""Forward passes over whole splits without gradients: logits (and labels) for evaluation and prediction."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from ..util.progress import progress_bar
from .contract import Batch
from .device import autocast
from .distributed import SINGLE, Distributed


@torch.inference_mode()
def forward_all(
    model: nn.Module,
    batches: Iterable[Batch],
    device: torch.device,
    *,
    precision: str = "fp32",
    progress: bool = False,
    desc: str = "eval",
    distributed: Distributed = SINGLE,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Logits ``(N, C)`` and labels ``(N,)`` (None when unlabelled) in dataset order, whatever the batch order.

    With several processes each passes its own share of the batches, and every process gets all the rows.
    """
    model.eval()
    parts: list[tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]] = []
    for batch in progress_bar(batches, enabled=progress, desc=desc, leave=False):
        with autocast(device, precision):
            logits = model(*batch.to(device).inputs)
        labels = None if batch.labels is None else batch.labels.cpu()
        parts.append((logits.float().cpu(), labels, torch.from_numpy(batch.index)))
    if distributed.enabled:  # each process's rows, in rank order: disjoint shards, so every row once
        parts = [part for shard in distributed.all_gather(parts) for part in shard]
    if not parts:
        raise ValueError("no texts to predict")
    index = torch.cat([i for _, _, i in parts])  # (N,) dataset rows, in batch order
    logits = torch.empty(len(index), parts[0][0].shape[1])
    logits[index] = torch.cat([x for x, _, _ in parts])
    if parts[0][1] is None:
        return logits, None
    values = torch.cat([y.cpu() for _, y, _ in parts])  # (N,) classes, or (N, C) label sets
    labels = torch.empty_like(values)
    labels[index] = values
    return logits, labels


def predict_logits(model: nn.Module, batches: Iterable[Batch], device: torch.device, **kwargs) -> torch.Tensor:
    """Logits ``(N, num_classes)`` for every example, in dataset order."""
    return forward_all(model, batches, device, **kwargs)[0]
