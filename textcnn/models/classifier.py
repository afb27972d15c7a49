"""The shape every text model shares: embedding -> encoder -> classifier head."""

from __future__ import annotations

import torch
from torch import nn

from .embedding import WordEmbedding


class TextClassifier(nn.Module):
    """Token ids ``(B, L)`` and mask ``(B, L)`` -> class logits ``(B, num_classes)``.

    Any encoder with the contract ``(B, L, in_dim), mask (B, L) -> (B, encoder.out_dim)`` fits,
    which is what makes the TextCNN and the LSTM interchangeable. ``max_norm`` is Kim's constraint:
    after each optimiser step, every class's weight vector is scaled back to an l2 norm of at most
    ``max_norm`` (the trainer calls :meth:`apply_constraints`).
    """

    def __init__(
        self,
        embedding: WordEmbedding,
        encoder: nn.Module,
        num_classes: int,
        *,
        dropout: float = 0.5,
        max_norm: float | None = None,
    ) -> None:
        super().__init__()
        self.embedding = embedding
        self.encoder = encoder
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(encoder.out_dim, num_classes))
        self.max_norm = max_norm

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.embedding(ids, mask), mask)  # (B, features)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.forward_features(ids, mask))  # (B, num_classes)

    @torch.no_grad()
    def apply_constraints(self) -> None:
        if self.max_norm is not None:
            weight = self.classifier[-1].weight  # (num_classes, features): one row per class
            weight.copy_(torch.renorm(weight, p=2, dim=0, maxnorm=self.max_norm))
