"""The shape every text model shares: embedding -> encoder (``features``) -> ``classifier`` head, plus a wide branch.

The optional wide branch (:class:`~textcnn.models.wide.NgramBag`) is a linear model over the text's
n-grams whose logits are added to the head's.
"""

from __future__ import annotations

import torch
from torch import nn

from .contract import Encoder, TextModel
from .embedding import WordEmbedding
from .parameters import ParameterGroup
from .wide import NgramBag


class TextClassifier(TextModel):
    """Token ids ``(B, L)`` and mask ``(B, L)`` -> class logits ``(B, num_classes)``.

    Any :class:`~textcnn.models.contract.Encoder` fits. ``max_norm`` is Kim's constraint: after each
    optimiser step, every class's weight vector is scaled back to an l2 norm of at most ``max_norm``.
    ``wide``: a linear n-gram branch whose logits are added to the head's.
    """

    def __init__(
        self,
        embedding: WordEmbedding,
        encoder: Encoder,
        num_classes: int,
        *,
        dropout: float = 0.5,
        max_norm: float | None = None,
        wide: NgramBag | None = None,
    ) -> None:
        super().__init__()
        self.embedding = embedding
        self.encoder = encoder
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(encoder.out_dim, num_classes))
        self.max_norm = max_norm
        self.wide = wide

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.embedding(ids, mask), mask)  # (B, features)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        logits = self.classifier(self.forward_features(ids, mask))  # (B, num_classes)
        return logits if self.wide is None else logits + self.wide(ids, mask)

    def fit_counts(self, batches) -> None:
        if self.wide is not None:
            self.wide.fit(batches)

    def parameter_groups(self) -> list[ParameterGroup]:
        groups = self.embedding.parameter_groups()
        if self.wide is not None:
            groups.append(ParameterGroup("wide", [self.wide.weight.weight], sparse=self.wide.weight.sparse))
        # nn.Module.parameters() would also yield the frozen table; only trainable ones go to the optimiser.
        taken = {id(p) for g in groups for p in g.params}
        rest = [p for p in self.parameters() if p.requires_grad and id(p) not in taken]
        return [*groups, ParameterGroup("network", rest)]

    def load_vectors(self, vectors: torch.Tensor) -> None:
        self.embedding.load_vectors(vectors)

    def load_regions(self, table: torch.Tensor, bias: torch.Tensor) -> None:
        if self.embedding.regions is None:
            raise ValueError("this model has no region embedding (model.region_dim: 0)")
        self.embedding.regions.load(table, bias)

    @torch.no_grad()
    def apply_constraints(self) -> None:
        if self.max_norm is not None:
            weight = self.classifier[-1].weight  # (num_classes, features): one row per class
            weight.copy_(torch.renorm(weight, p=2, dim=0, maxnorm=self.max_norm))
