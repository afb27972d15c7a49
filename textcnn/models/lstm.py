"""The recurrent baseline: an LSTM over packed sequences, pooled over time."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..config import ConfigError
from ..layers import global_pool
from .classifier import TextClassifier
from .embedding import EmbeddingConfig, WordEmbedding
from .registry import register_model

LSTM_POOLING = ("max", "avg", "last")


@dataclass
class LSTMConfig(EmbeddingConfig):
    name: str = "lstm"
    hidden_size: int = 128  # per direction
    num_layers: int = 1
    bidirectional: bool = True
    pooling: str = "max"  # max | avg over time (mask-aware), or last: the final states
    lstm_dropout: float = 0.0  # between stacked layers

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.pooling not in LSTM_POOLING:
            raise ConfigError(f"model.pooling: {self.pooling!r} is not allowed; expected one of {LSTM_POOLING}")
        if self.hidden_size < 1 or self.num_layers < 1:
            raise ConfigError("model.hidden_size and model.num_layers must be >= 1")


class LSTMEncoder(nn.Module):
    """``(B, L, in_dim), mask (B, L) -> (B, directions * hidden_size)``.

    Sequences are packed, so the LSTM never reads padding and each direction starts at the
    text's real first or last word. Masks must be left-aligned (True then False), as the
    batcher makes them, and every row needs at least one real position.
    """

    def __init__(self, in_dim: int, config: LSTMConfig) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            in_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            bidirectional=config.bidirectional,
            dropout=config.lstm_dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.pooling = config.pooling
        self.out_dim = config.hidden_size * (2 if config.bidirectional else 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(dim=1).clamp(min=1).cpu()  # pack_padded_sequence wants CPU lengths
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        outputs, (h_n, _) = self.lstm(packed)
        if self.pooling == "last":
            last = h_n[-2:] if self.lstm.bidirectional else h_n[-1:]  # top layer: (directions, B, H)
            return last.transpose(0, 1).reshape(x.shape[0], -1)  # (B, directions * H)
        padded, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])  # (B, L, dirs * H)
        return global_pool(padded.transpose(1, 2), self.pooling, mask=mask)  # (B, dirs * H)


@register_model("lstm", LSTMConfig)
def build_lstm(config: LSTMConfig, vocab_size: int, num_classes: int) -> TextClassifier:
    embedding = WordEmbedding(
        vocab_size, config.embedding_dim, config.embedding_mode, init_std=config.embedding_init_std
    )
    encoder = LSTMEncoder(embedding.out_dim, config)
    return TextClassifier(embedding, encoder, num_classes, dropout=config.dropout)
