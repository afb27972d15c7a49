"""A deep ensemble: several independently initialised copies of one text model, trained side by side.

``model.members: M`` builds M copies of the configured model from the seeded random stream, one after
another, so each starts from different weights and draws its own dropout masks. They read the same
batches, but each is scored on its own loss: the ensemble's loss is the sum of the members' losses, so
a member's gradient is exactly the one it would get alone. That keeps them an ensemble of independent
models rather than one wide model whose parts co-adapt. Early stopping selects the epoch on the
ensemble's validation accuracy.

It predicts with the members' mean logits: for softmax, the normalised geometric mean of their
probabilities; for sigmoids, the mean of their log-odds.
"""

from __future__ import annotations

import torch
from torch import nn

from .contract import TextModel
from .parameters import ParameterGroup


class Ensemble(TextModel):
    """Token ids ``(B, L)`` and mask ``(B, L)`` -> the members' logits.

    In training mode the output is ``(B, M, C)``, one row of logits per member, which the training
    objectives score member by member (:mod:`textcnn.training.objectives`); in eval mode it is their
    mean ``(B, C)``, what evaluation, prediction and serving read.
    """

    def __init__(self, members: list[TextModel]) -> None:
        super().__init__()
        if len(members) < 2:
            raise ValueError(f"an ensemble needs at least 2 members, got {len(members)}")
        self.members = nn.ModuleList(members)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        logits = torch.stack([member(ids, mask) for member in self.members], dim=1)  # M x (B, C) -> (B, M, C)
        return logits if self.training else logits.mean(dim=1)  # (B, M, C) or (B, C)

    def parameter_groups(self) -> list[ParameterGroup]:
        return [
            ParameterGroup(f"member{i}.{group.name}", group.params, group.sparse)
            for i, member in enumerate(self.members)
            for group in member.parameter_groups()
        ]

    def load_vectors(self, vectors: torch.Tensor) -> None:
        for member in self.members:
            member.load_vectors(vectors)

    def load_regions(self, table: torch.Tensor, bias: torch.Tensor) -> None:
        for member in self.members:
            member.load_regions(table, bias)

    def apply_constraints(self) -> None:
        for member in self.members:
            member.apply_constraints()

    def fit_counts(self, batches) -> None:
        batches = list(batches)  # every member reads them
        for member in self.members:
            member.fit_counts(batches)
