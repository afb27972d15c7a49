"""Kim (2014): parallel 1-D convolutions over word embeddings, then max-over-time pooling."""

from __future__ import annotations

import torch
from torch import nn

from ..config import TextCNNConfig
from ..layers import ConvBank, global_pool
from .classifier import TextClassifier
from .embedding import WordEmbedding
from .registry import register_model


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


@register_model("textcnn")
def build_textcnn(config: TextCNNConfig, vocab_size: int, num_classes: int) -> TextClassifier:
    embedding = WordEmbedding.from_config(config, vocab_size)
    encoder = CNNEncoder(embedding.out_dim, config.num_filters, config.kernel_sizes)
    return TextClassifier(embedding, encoder, num_classes, dropout=config.dropout, max_norm=config.max_norm)
