"""Word embeddings in Kim's four modes."""

from __future__ import annotations

import torch
from torch import nn

from ..config import EMBEDDING_MODES, ModelConfig
from .ngrams import NgramEmbedding
from .parameters import ParameterGroup
from .regions import RegionEmbedding


class WordEmbedding(nn.Module):
    """Token ids ``(B, L)`` -> vectors ``(B, L, channels * dim)``, zero at padded positions.

    Kim's modes: ``rand`` (learned from scratch), ``static`` (pretrained, frozen), ``non-static``
    (pretrained, fine-tuned), ``multichannel`` (a frozen and a fine-tuned copy side by side, so a
    filter spans both channels and sums them, as in the paper). The pretrained modes start from
    random values until :meth:`load_vectors` fills them; a saved run holds the vectors in its weights.

    ``ngrams > 1`` adds to each position a learned vector for every 2..``ngrams``-gram starting
    there (:class:`~textcnn.models.ngrams.NgramEmbedding`, ``(channels * dim)`` wide), so a
    position's vector reads :attr:`reach` tokens after its own.

    ``region_dim > 0`` appends to each position its region embedding (``region_dim`` wide, frozen,
    learned on unlabeled text: :mod:`~textcnn.models.regions`), which reads the ``region_size`` tokens
    centred on it: :attr:`reach_before` tokens before and up to :attr:`reach` after.
    """

    def __init__(
        self,
        vocab_size: int,
        dim: int,
        mode: str = "rand",
        *,
        init_std: float = 0.1,
        dropout: float = 0.0,
        sparse: bool = False,
        padding_idx: int = 0,
        ngrams: int = 1,
        ngram_buckets: int = ModelConfig.ngram_buckets,
        region_dim: int = 0,
        region_size: int = ModelConfig.region_size,
    ) -> None:
        super().__init__()
        if mode not in EMBEDDING_MODES:
            raise ValueError(f"mode must be one of {EMBEDDING_MODES}, got {mode!r}")
        self.mode, self.dim = mode, dim
        self.trained = (
            None if mode == "static" else nn.Embedding(vocab_size, dim, padding_idx=padding_idx, sparse=sparse)
        )
        self.frozen = None
        if mode in ("static", "multichannel"):
            self.frozen = nn.Embedding(vocab_size, dim, padding_idx=padding_idx)
            self.frozen.weight.requires_grad_(False)
        self.out_dim = dim * (2 if mode == "multichannel" else 1)
        self.ngrams = (
            NgramEmbedding(ngrams, ngram_buckets, self.out_dim, init_std=init_std, sparse=sparse)
            if ngrams > 1
            else None
        )
        self.regions = RegionEmbedding(vocab_size, region_dim, region_size) if region_dim else None
        self.out_dim += region_dim
        self.dropout = nn.Dropout(dropout)
        for table in (self.trained, self.frozen):
            if table is not None:
                # Small vectors: Adam's steps of ~lr move them meaningfully (N(0, 1) learns slowly).
                nn.init.normal_(table.weight, std=init_std)
                with torch.no_grad():
                    table.weight[padding_idx].zero_()

    @classmethod
    def from_config(cls, config: ModelConfig, vocab_size: int) -> WordEmbedding:
        return cls(
            vocab_size,
            config.embedding_dim,
            config.embedding_mode,
            init_std=config.embedding_init_std,
            dropout=config.embedding_dropout,
            sparse=config.sparse_embedding,
            ngrams=config.ngrams,
            ngram_buckets=config.ngram_buckets,
            region_dim=config.region_dim,
            region_size=config.region_size,
        )

    @property
    def reach(self) -> int:
        """How many tokens after its own a position's vector reads: 0, ``ngrams - 1``, or its region's."""
        ngrams = 0 if self.ngrams is None else self.ngrams.reach
        return max(ngrams, 0 if self.regions is None else self.regions.after)

    @property
    def reach_before(self) -> int:
        """How many tokens before its own a position's vector reads: 0 without a region embedding."""
        return 0 if self.regions is None else self.regions.before

    @torch.no_grad()
    def load_vectors(self, vectors: torch.Tensor) -> None:
        """Copy pretrained ``(vocab_size, dim)`` vectors into every channel."""
        for table in (self.trained, self.frozen):
            if table is not None:
                table.weight.copy_(vectors)
                table.weight[table.padding_idx].zero_()

    def parameter_groups(self) -> list[ParameterGroup]:
        """The fine-tuned tables, if any: sparse when they were built with sparse gradients."""
        groups = []
        if self.trained is not None:
            groups.append(ParameterGroup("embedding", [self.trained.weight], sparse=self.trained.sparse))
        if self.ngrams is not None:
            groups.append(ParameterGroup("ngrams", [self.ngrams.table.weight], sparse=self.ngrams.table.sparse))
        return groups

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        parts = [table(ids) for table in (self.frozen, self.trained) if table is not None]
        x = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)  # (B, L, channels * dim)
        if self.ngrams is not None:
            x = x + self.ngrams(ids, mask)  # (B, L, channels * dim)
        if self.regions is not None:
            x = torch.cat([x, self.regions(ids, mask).to(x.dtype)], dim=-1)  # (B, L, channels * dim + region_dim)
        x = self.dropout(x)
        # Zero vectors at padding whatever the table holds there, so padding cannot change an output.
        return x * mask.unsqueeze(-1).to(x.dtype)
