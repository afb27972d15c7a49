"""Word embeddings in Kim's four modes, and the options every text model shares."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..config import ConfigError

EMBEDDING_MODES = ("rand", "static", "non-static", "multichannel")


@dataclass
class EmbeddingConfig:
    """Options shared by every text model (each model's config extends this)."""

    name: str = ""
    embedding_dim: int = 128
    embedding_mode: str = "rand"  # rand | static | non-static | multichannel (Kim 2014)
    vectors: str | None = None  # word vectors file for the pretrained modes
    embedding_init_std: float = 0.1  # random vectors ~ N(0, std^2) (rand mode, and words without a vector)
    sparse_embedding: bool = False  # sparse gradients: the optimiser updates only the rows a batch uses
    embedding_dropout: float = 0.0  # dropout on the word vectors (a regulariser beyond Kim's paper)
    dropout: float = 0.5  # before the output layer

    def __post_init__(self) -> None:
        if self.embedding_mode not in EMBEDDING_MODES:
            raise ConfigError(
                f"model.embedding_mode: {self.embedding_mode!r} is not allowed; expected one of {EMBEDDING_MODES}"
            )
        if self.embedding_mode != "rand" and not self.vectors:
            raise ConfigError(
                f"model.vectors: embedding_mode {self.embedding_mode!r} needs a word vectors file "
                "(train one with 'textcnn vectors', or use embedding_mode: rand)"
            )
        if self.embedding_dim < 1:
            raise ConfigError(f"model.embedding_dim: {self.embedding_dim!r} is not allowed; expected >= 1")
        if self.embedding_init_std <= 0:
            raise ConfigError(f"model.embedding_init_std: {self.embedding_init_std!r} is not allowed; expected > 0")
        for key in ("dropout", "embedding_dropout"):
            if not 0.0 <= getattr(self, key) < 1.0:
                raise ConfigError(f"model.{key}: {getattr(self, key)!r} is not allowed; expected 0 <= {key} < 1")


class WordEmbedding(nn.Module):
    """Token ids ``(B, L)`` -> vectors ``(B, L, channels * dim)``, zero at padded positions.

    Kim's modes: ``rand`` (learned from scratch), ``static`` (pretrained, frozen), ``non-static``
    (pretrained, fine-tuned), ``multichannel`` (a frozen and a fine-tuned copy side by side, so a
    filter spans both channels and sums them, as in the paper). The pretrained modes start from
    random values until :meth:`load_vectors` fills them; a saved run holds the vectors in its weights.
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
        self.dropout = nn.Dropout(dropout)
        for table in (self.trained, self.frozen):
            if table is not None:
                # Small vectors: Adam's steps of ~lr move them meaningfully (N(0, 1) learns slowly).
                nn.init.normal_(table.weight, std=init_std)
                with torch.no_grad():
                    table.weight[padding_idx].zero_()

    @classmethod
    def from_config(cls, config: EmbeddingConfig, vocab_size: int) -> WordEmbedding:
        return cls(
            vocab_size,
            config.embedding_dim,
            config.embedding_mode,
            init_std=config.embedding_init_std,
            dropout=config.embedding_dropout,
            sparse=config.sparse_embedding,
        )

    @torch.no_grad()
    def load_vectors(self, vectors: torch.Tensor) -> None:
        """Copy pretrained ``(vocab_size, dim)`` vectors into every channel."""
        for table in (self.trained, self.frozen):
            if table is not None:
                table.weight.copy_(vectors)
                table.weight[table.padding_idx].zero_()

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        parts = [table(ids) for table in (self.frozen, self.trained) if table is not None]
        x = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)  # (B, L, channels * dim)
        x = self.dropout(x)
        # Zero vectors at padding whatever the table holds there, so padding cannot change an output.
        return x * mask.unsqueeze(-1).to(x.dtype)
