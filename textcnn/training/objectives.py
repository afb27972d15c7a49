"""What a model is trained to predict: one class per example, or a set of labels.

The trainer asks its objective for the loss, for the examples predicted right (the running train
accuracy) and nothing else; which one applies is a property of the data, not of the model.

Logits are ``(B, C)``, or ``(B, M, C)`` from a model of M members trained side by side (an
:class:`~textcnn.models.Ensemble` in training mode): then the loss is the sum of the members' losses,
so each member gets the gradient it would get alone, and "right" reads their mean logits, as the
ensemble predicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError


def _members(logits: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``(B, C)`` -> one ``(B, C)``; ``(B, M, C)`` -> the M members' ``(B, C)`` logits."""
    return logits.float().unbind(dim=1) if logits.dim() == 3 else (logits.float(),)


def _combined(logits: torch.Tensor) -> torch.Tensor:
    """``(B, C)`` as it is; ``(B, M, C)`` -> the members' mean ``(B, C)``, as the ensemble predicts."""
    return logits.float().mean(dim=1) if logits.dim() == 3 else logits.float()


@dataclass(frozen=True)
class SingleLabel:
    """One class per example: softmax cross-entropy; right when the top logit is the class.

    ``temperature``: the probabilities are ``softmax(logits / T)``, T fitted on validation after training
    (:mod:`.calibration`); the loss and the predicted class never depend on it. ``class_weights``: one
    weight per class in the loss, which is then the weighted mean over the batch (as ``cross_entropy``
    with ``weight``), so a batch of one class has the same loss whatever its weight.
    """

    temperature: float = 1.0
    class_weights: tuple[float, ...] | None = None
    name: str = "single-label"

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        # logits (B, C) or (B, M, C); labels (B,) class indices
        weight = None
        if self.class_weights is not None:
            weight = torch.tensor(self.class_weights, dtype=torch.float32, device=logits.device)  # (C,)
        return sum(F.cross_entropy(member, labels, weight=weight) for member in _members(logits))

    def correct(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (_combined(logits).argmax(dim=1) == labels).sum()

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.softmax(_combined(logits) / self.temperature, dim=1)


@dataclass(frozen=True)
class MultiLabel:
    """Any set of labels per example: one sigmoid and binary cross-entropy per label (fastText's ``-loss ova``).

    Right means the whole set is right at ``threshold`` (exact match, "subset accuracy"): that is the
    accuracy training reports and selects on; the decision threshold is chosen on validation afterwards.
    """

    threshold: float = 0.5
    name: str = "multi-label"

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        # logits (B, C) or (B, M, C); labels (B, C) of 0/1
        return sum(F.binary_cross_entropy_with_logits(member, labels.float()) for member in _members(logits))

    def correct(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        predicted = torch.sigmoid(_combined(logits)) >= self.threshold
        return (predicted == labels.bool()).all(dim=1).sum()

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(_combined(logits))


Objective = SingleLabel | MultiLabel


def objective_for(
    multi_label: bool,
    threshold: float = 0.5,
    temperature: float = 1.0,
    class_weights: tuple[float, ...] | None = None,
) -> Objective:
    """The objective of a task: :class:`MultiLabel` (at ``threshold``) for label sets, else :class:`SingleLabel`
    (its probabilities at ``temperature``, its loss weighted by ``class_weights``)."""
    return MultiLabel(threshold) if multi_label else SingleLabel(temperature, class_weights)


def class_weights_for(
    setting: str | dict[str, float] | None, class_names: Sequence[str], train_labels: np.ndarray
) -> tuple[float, ...] | None:
    """``train.class_weight`` as one weight per class, in ``class_names`` order (None: unweighted).

    ``balanced`` weighs class c by ``N / (K * count_c)`` over the training split's labels ``(N,)``, as
    scikit-learn does; a mapping names classes by their labels, and classes it leaves out weigh 1.
    """
    if setting is None:
        return None
    if setting == "balanced":
        counts = np.bincount(np.asarray(train_labels), minlength=len(class_names))
        if (counts == 0).any():
            missing = class_names[int(np.flatnonzero(counts == 0)[0])]
            raise ConfigError(f"train.class_weight: balanced: class {missing!r} has no training examples")
        return tuple(float(len(train_labels) / (len(class_names) * c)) for c in counts)
    unknown = sorted(set(setting) - set(class_names))
    if unknown:
        raise ConfigError(
            f"train.class_weight.{unknown[0]}: no such label; the labels are {', '.join(map(str, class_names))}"
        )
    return tuple(float(setting.get(name, 1.0)) for name in class_names)
