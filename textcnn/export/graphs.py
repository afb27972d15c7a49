"""A trained TextCNN rewritten for export: the same logits, in ops an ONNX graph holds for any batch and length.

The training modules pick kernels and paddings in Python from each input's shape (the fused convolution,
'same' padding, the winners' pooling), which is fast in eager PyTorch but freezes one length into an
exported graph. These modules fix everything that does not depend on the input at build time: the fused
filter bank becomes one constant weight with constant padding, and max-over-time pooling a masked
``amax``. :class:`ExportedTextCNN` computes the convolution; :class:`ExportedLookup` looks it up
(:class:`~textcnn.models.precomputed.PrecomputedTextCNN`'s tables, one gather per tap).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..layers.padding import same_padding
from ..models.classifier import TextClassifier
from ..models.precomputed import PrecomputedTextCNN
from ..models.textcnn import is_textcnn


def exportable(model: nn.Module) -> str | None:
    """Why ``model`` cannot be exported, or None when it can."""
    if not is_textcnn(model):
        return "only a TextCNN exports (model.name: textcnn; the LSTM and ensembles do not yet)"
    if model.embedding.ngrams is not None or model.embedding.regions is not None:
        return "a TextCNN with n-gram vectors (model.ngrams > 1) or region embeddings does not export yet"
    return None


def _pooled(maps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``(B, F, L)`` ReLU maps -> ``(B, F)``: each filter's largest response over the text's real positions.

    The maps are >= 0, so a padded position set to 0 never wins over a real one: the same maximum as
    masking with -inf, and a text of one real token still has its value.
    """
    return maps.masked_fill(~mask.unsqueeze(1), 0.0).amax(dim=2)


class ExportedTextCNN(nn.Module):
    """``ids (B, L) int64, mask (B, L) bool -> logits (B, C)``, equal to the TextCNN it was built from."""

    def __init__(self, model: TextClassifier) -> None:
        super().__init__()
        self.embedding = model.embedding
        with torch.no_grad():
            weight, bias = model.encoder.convs.fused_weight()  # (K * F, D, widest), (K * F,)
        self.register_buffer("weight", weight.detach().float().clone())
        self.register_buffer("bias", bias.detach().float().clone())
        self.padding = same_padding(1, weight.shape[-1])  # (before, after): the widest filter's 'same' split
        self.head = model.classifier[-1]  # dropout is the identity at inference
        self.wide = model.wide

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids, mask).transpose(1, 2)  # (B, L, D) -> (B, D, L)
        x = F.pad(x, self.padding)  # (B, D, L + widest - 1)
        maps = torch.relu(F.conv1d(x, self.weight, self.bias))  # (B, K * F, L)
        logits = self.head(_pooled(maps, mask))  # (B, C)
        return logits if self.wide is None else logits + self.wide(ids, mask)


class ExportedLookup(nn.Module):
    """The looked-up first convolution: per kernel size, the sum over taps of a gather from its table.

    The same arithmetic as :class:`~textcnn.models.precomputed.PrecomputedTextCNN`, written with one
    ``embedding`` per tap instead of ``unfold`` + ``embedding_bag``: that model exports as it is and gives
    the same logits, but ONNX Runtime runs its ``embedding_bag`` orders of magnitude slower than these
    gathers (scoring IMDB's test split: not done after 30 minutes, against 22 seconds here).
    """

    def __init__(self, model: TextClassifier) -> None:
        super().__init__()
        lookup = PrecomputedTextCNN(model)
        self.tables = lookup.tables  # per kernel size (k, V + 2, F): + the zero and the pad row
        self.biases = lookup.biases
        self.kernel_sizes = lookup.kernel_sizes
        self.zero_id, self.pad_id = lookup.zero_id, lookup.pad_id
        self.head = model.classifier[-1]
        self.wide = model.wide

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        length = ids.shape[1]
        looked_up = torch.where(mask, ids, torch.full_like(ids, self.pad_id))  # padded positions: the pad row
        pooled = []
        for k, table, bias in zip(self.kernel_sizes, self.tables, self.biases):
            before, after = same_padding(1, k)
            padded = F.pad(looked_up, (before, after), value=self.zero_id)  # (B, L + k - 1)
            summed = sum(F.embedding(padded[:, t : t + length], table[t]) for t in range(k))  # (B, L, F)
            pooled.append(torch.relu(summed.amax(dim=1) + bias))  # (B, F): max first, as the lookup model
        logits = self.head(torch.cat(pooled, dim=1))
        return logits if self.wide is None else logits + self.wide(ids, mask)
