"""Kim (2014): parallel 1-D convolutions over word embeddings, then max-over-time pooling."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..config import TextCNNConfig
from ..layers import ConvBank, conv_max_over_time, global_pool
from ..layers.padding import same_padding
from .classifier import TextClassifier
from .embedding import WordEmbedding
from .registry import register_model
from .wide import NgramBag


class CNNEncoder(nn.Module):
    """``(B, L, in_dim), mask (B, L) -> (B, len(kernel_sizes) * num_filters)``.

    Each filter slides over every window of ``k`` consecutive words ('same' padding, so a text
    shorter than the widest filter still has one window per word), ReLU, then keeps its largest
    response over the real positions of the text: max-over-time pooling.

    ``pool_backward="winners"`` trains with :func:`~textcnn.layers.conv_max_over_time`, whose backward
    reads only the window each filter kept (the same gradients, a fraction of the work); ``"dense"``
    with autograd's backward over every position. Only CPU tensors take the winners' path, where it was
    measured and checked to give the same bits run after run; CUDA keeps the cuDNN backward.
    """

    def __init__(self, in_dim: int, num_filters: int, kernel_sizes: list[int], pool_backward: str = "winners") -> None:
        super().__init__()
        self.convs = ConvBank(in_dim, num_filters, kernel_sizes, spatial_dims=1)
        self.out_dim = self.convs.out_channels
        self.pool_backward = pool_backward

    def feature_maps(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, L, D) -> (B, K * F, L)``: every filter's ReLU response at every position."""
        x = x.transpose(1, 2)  # (B, L, D) -> (B, D, L): channels first, positions last
        return torch.relu(self.convs(x))  # (B, K * F, L)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.pool_backward == "winners" and x.device.type == "cpu":
            weight, bias = self.convs.fused_weight()
            return conv_max_over_time(x, weight, bias, mask)  # (B, L, D) -> (B, K * F)
        return global_pool(self.feature_maps(x), "max", mask=mask)  # (B, K * F)

    def peaks(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """What max pooling kept and where: ``(B, K * F)`` pooled values and the positions they came from.

        The values equal :meth:`forward`'s. Position ``p`` of a filter of width ``k`` is the window of
        tokens given by :meth:`filter_windows` (its 'same' padding), cut to the text.
        """
        maps = self.feature_maps(x).masked_fill(~mask.unsqueeze(1), float("-inf"))  # (B, K * F, L)
        values, positions = maps.max(dim=2)  # (B, K * F) each
        return values.clamp(min=0), positions

    def peak_spans(
        self, positions: np.ndarray, lengths: np.ndarray | int, reach: int = 0, reach_before: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """The first and last token (inclusive) each filter read at its pooled ``positions``, cut to the text.

        ``positions``: ``(..., K * F)`` as :meth:`peaks` gives them; ``lengths``: the texts' token counts,
        broadcastable against it (``(N, 1)`` for a batch, an int for one text). ``reach`` and
        ``reach_before``: how many tokens after and before its own each input vector reads (the
        embedding's n-gram vectors, its region embedding), which the window spans too.
        """
        before, after = np.asarray(self.filter_windows()).T  # (K * F,) each
        lengths = np.asarray(lengths)
        first = np.maximum(positions - before - reach_before, 0)
        return first, np.minimum(positions + after + reach, lengths - 1)

    def filter_windows(self) -> list[tuple[int, int]]:
        """Each feature's window ``(before, after)``: at position ``p`` it reads tokens ``p - before .. p + after``."""
        per_size = self.out_dim // len(self.convs.kernel_sizes)
        return [same_padding(1, k) for k in self.convs.kernel_sizes for _ in range(per_size)]


def is_textcnn(model: nn.Module) -> bool:
    """Whether ``model`` is a classifier over a :class:`CNNEncoder`: what explain, filters and the lookup need."""
    return isinstance(model, TextClassifier) and isinstance(model.encoder, CNNEncoder)


@register_model("textcnn")
def build_textcnn(config: TextCNNConfig, vocab_size: int, num_classes: int) -> TextClassifier:
    embedding = WordEmbedding.from_config(config, vocab_size)
    encoder = CNNEncoder(embedding.out_dim, config.num_filters, config.kernel_sizes, config.pool_backward)
    return TextClassifier(
        embedding,
        encoder,
        num_classes,
        dropout=config.dropout,
        max_norm=config.max_norm,
        wide=NgramBag.from_config(config, vocab_size, num_classes),
    )
