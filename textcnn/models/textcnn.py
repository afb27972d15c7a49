"""Kim (2014): parallel 1-D convolutions over word embeddings, then max-over-time pooling."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..config import ConfigError
from ..layers import ConvBank, global_pool
from .classifier import TextClassifier
from .embedding import EmbeddingConfig, WordEmbedding
from .registry import register_model


@dataclass
class TextCNNConfig(EmbeddingConfig):
    name: str = "textcnn"
    kernel_sizes: list[int] = field(default_factory=lambda: [3, 4, 5])  # filter widths in tokens
    num_filters: int = 100  # filters per width
    max_norm: float | None = 3.0  # l2 cap on each class's output weights (Kim); null: none

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.kernel_sizes or any(k < 1 for k in self.kernel_sizes):
            raise ConfigError(f"model.kernel_sizes: {self.kernel_sizes!r} is not allowed; expected widths >= 1")
        if self.num_filters < 1:
            raise ConfigError(f"model.num_filters: {self.num_filters!r} is not allowed; expected >= 1")
        if self.max_norm is not None and self.max_norm <= 0:
            raise ConfigError(f"model.max_norm: {self.max_norm!r} is not allowed; expected > 0 or null")


class CNNEncoder(nn.Module):
    """``(B, L, in_dim), mask (B, L) -> (B, len(kernel_sizes) * num_filters)``.

    Each filter slides over every window of ``k`` consecutive words ('same' padding, so a text
    shorter than the widest filter still has one window per word), ReLU, then keeps its largest
    response over the real positions of the text: max-over-time pooling.
    """

    def __init__(self, in_dim: int, num_filters: int, kernel_sizes: list[int]) -> None:
        super().__init__()
        self.convs = ConvBank(in_dim, num_filters, kernel_sizes, spatial_dims=1)
        self.out_dim = self.convs.out_channels

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2)  # (B, L, D) -> (B, D, L): channels first, positions last
        maps = torch.relu(self.convs(x))  # (B, K * F, L)
        return global_pool(maps, "max", mask=mask)  # (B, K * F)


@register_model("textcnn", TextCNNConfig)
def build_textcnn(config: TextCNNConfig, vocab_size: int, num_classes: int) -> TextClassifier:
    embedding = WordEmbedding.from_config(config, vocab_size)
    encoder = CNNEncoder(embedding.out_dim, config.num_filters, config.kernel_sizes)
    return TextClassifier(embedding, encoder, num_classes, dropout=config.dropout, max_norm=config.max_norm)
