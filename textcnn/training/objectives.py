"""What a model is trained to predict: one class per example, or a set of labels.

The trainer asks its objective for the loss, for the examples predicted right (the running train
accuracy) and nothing else; which one applies is a property of the data, not of the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class SingleLabel:
    """One class per example: softmax cross-entropy; right when the top logit is the class."""

    name: str = "single-label"

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.float(), labels)  # logits (B, C), labels (B,) class indices

    def correct(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (logits.argmax(dim=1) == labels).sum()

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.softmax(logits.float(), dim=1)


@dataclass(frozen=True)
class MultiLabel:
    """Any set of labels per example: one sigmoid and binary cross-entropy per label (fastText's ``-loss ova``).

    Right means the whole set is right at ``threshold`` (exact match, "subset accuracy"): that is the
    accuracy training reports and selects on; the decision threshold is chosen on validation afterwards.
    """

    threshold: float = 0.5
    name: str = "multi-label"

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits.float(), labels.float())  # both (B, C); labels 0/1

    def correct(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        predicted = torch.sigmoid(logits.float()) >= self.threshold
        return (predicted == labels.bool()).all(dim=1).sum()

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits.float())


Objective = SingleLabel | MultiLabel


def objective_for(multi_label: bool, threshold: float = 0.5) -> Objective:
    """The objective of a task: :class:`MultiLabel` (at ``threshold``) for label sets, else :class:`SingleLabel`."""
    return MultiLabel(threshold) if multi_label else SingleLabel()
