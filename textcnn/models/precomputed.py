"""A trained TextCNN for inference only, with its first convolution looked up instead of computed.

Once training is over the embedding no longer changes, so the response of each filter tap to each
vocabulary word is fixed: ``table[v, t, f] = embedding[v] . weight[f, :, t]``. A filter's response at
position ``p`` is then ``bias[f] + sum_t table[ids[p - before + t], t, f]``: gathers and adds in place of
``L x taps x D`` multiply-adds per filter. The table costs ``vocab x taps x filters`` floats of memory
(:func:`table_bytes`), so :meth:`~textcnn.runs.loaded.Run.load` uses it only where it pays (see there).
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import RunFolderError
from ..layers.padding import same_padding
from .classifier import TextClassifier
from .textcnn import is_textcnn


def can_precompute(model: nn.Module) -> bool:
    """Whether ``model`` is a TextCNN whose position vectors depend on their token alone (no n-gram vectors)."""
    return is_textcnn(model) and model.embedding.reach == 0 and model.embedding.regions is None


def table_bytes(model: TextClassifier, vocab_size: int) -> int:
    """Bytes the lookup tables of ``model`` would hold (fp32): vocabulary x all taps x filters per branch."""
    convs = model.encoder.convs
    per_branch = convs.out_channels // len(convs.kernel_sizes)
    return 4 * vocab_size * sum(convs.kernel_sizes) * per_branch


PAD_RESPONSE = -1e30  # what a padded position's own tap adds: no real response can lose a max to it


class PrecomputedTextCNN(nn.Module):
    """``ids (B, L), mask (B, L) -> logits (B, C)``, equal to the TextCNN it was built from (to float rounding).

    One table per kernel size, ``(taps, vocab + 2, filters)``. Row ``vocab`` is zeros: what the taps that
    reach past a text's ends read (the TextCNN zeroes the vectors there). Row ``vocab + 1`` is what a
    padded position reads: zeros too, except at the tap on the position itself, which is ``PAD_RESPONSE``,
    so a padded position's sum never wins the max and needs no mask.

    Max-over-time pooling runs on the raw sums, before the bias and the ReLU: both are monotonic, so
    ``max_p relu(s_p + b) == relu(max_p s_p + b)`` exactly, and the ``(B, L, F)`` maps are never biased,
    rectified or concatenated, only reduced.
    """

    def __init__(self, model: TextClassifier) -> None:
        super().__init__()
        if not can_precompute(model):
            raise TypeError("only the first convolution of a TextCNN without n-gram vectors can be precomputed")
        convs = model.encoder.convs
        device = next(model.parameters()).device
        with torch.no_grad():
            vocab = model.embedding.trained or model.embedding.frozen
            ids = torch.arange(vocab.num_embeddings, device=device).unsqueeze(1)  # (V, 1): each word alone
            vectors = model.embedding(ids, torch.ones_like(ids, dtype=torch.bool))[:, 0].float()  # (V, D)
            vectors = torch.cat([vectors, vectors.new_zeros(2, vectors.shape[1])])  # (V + 2, D): + zero, pad rows
            tables, biases = [], []
            for k, conv in zip(convs.kernel_sizes, convs.convs):
                weight = conv.weight.float()  # (F, D, k)
                table = torch.einsum("vd,fdk->kvf", vectors, weight).contiguous()  # (k, V + 2, F)
                table[same_padding(1, k)[0], -1] = PAD_RESPONSE  # the pad row's tap on its own position
                tables.append(table)
                biases.append(conv.bias.float() if conv.bias is not None else weight.new_zeros(weight.shape[0]))
        self.tables = nn.ParameterList(nn.Parameter(t, requires_grad=False) for t in tables)
        self.biases = nn.ParameterList(nn.Parameter(b, requires_grad=False) for b in biases)
        self.kernel_sizes = convs.kernel_sizes
        self.zero_id = vectors.shape[0] - 2
        self.pad_id = vectors.shape[0] - 1
        self.classifier = model.classifier
        self.wide = model.wide  # computed as in the TextCNN: a gather per n-gram already
        self.out_dim = model.encoder.out_dim

    def _sums(self, ids: torch.Tensor, mask: torch.Tensor):
        """Per kernel size: ``(B, L, F)`` sums over the taps, before the bias (padded positions: about -1e30)."""
        ids = torch.where(mask, ids, self.pad_id)  # padded positions read the pad row
        batch, length = ids.shape
        for k, table, bias in zip(self.kernel_sizes, self.tables, self.biases):
            before, after = same_padding(1, k)
            padded = nn.functional.pad(ids, (before, after), value=self.zero_id)  # (B, L + k - 1)
            windows = padded.unfold(1, k, 1)  # (B, L, k): the token under each tap of each window
            # Tap t's rows live at t * rows_per_tap + id of the flattened (k * (V + 2), F) table.
            rows = windows + torch.arange(k, device=ids.device) * table.shape[1]  # (B, L, k)
            summed = nn.functional.embedding_bag(rows.reshape(-1, k), table.flatten(0, 1), mode="sum")  # (B*L, F)
            yield summed.view(batch, length, -1), bias

    def feature_maps(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, L) -> (B, L, K * F)``: every filter's ReLU response at every position (0 where padded)."""
        maps = [torch.relu(summed + bias) for summed, bias in self._sums(ids, mask)]  # (B, L, F) each
        return torch.cat(maps, dim=-1)  # (B, L, K * F)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # fp32 whatever the caller's precision: the tables hold fp32 sums already, autocast would only round them.
        with torch.autocast(ids.device.type, enabled=False):
            pooled = [torch.relu(summed.amax(dim=1) + bias) for summed, bias in self._sums(ids, mask)]  # (B, F) each
            logits = self.classifier(torch.cat(pooled, dim=1))  # (B, K * F) -> (B, num_classes)
            return logits if self.wide is None else logits + self.wide(ids, mask)


PRECOMPUTE_MAX_BYTES = 1 << 30  # most memory the first-layer lookup tables may take under precompute="auto"
PRECOMPUTE_CHOICES = ("auto", "on", "off")


def fast_inference_model(model: nn.Module, vocab_size: int, device: torch.device, precompute: str) -> nn.Module | None:
    """The precomputed TextCNN where ``precompute`` asks for it (see :meth:`~textcnn.runs.loaded.Run.load`), or None."""
    if precompute not in PRECOMPUTE_CHOICES:
        raise ValueError(f"precompute must be one of {PRECOMPUTE_CHOICES}, got {precompute!r}")
    possible = can_precompute(model)
    if precompute == "off" or not possible:
        if precompute == "on" and not possible:
            raise RunFolderError(
                "precompute: only the first convolution of a TextCNN without n-gram vectors (model.ngrams: 1) "
                "can be precomputed"
            )
        return None
    if precompute == "auto" and (device.type != "cpu" or table_bytes(model, vocab_size) > PRECOMPUTE_MAX_BYTES):
        return None
    return PrecomputedTextCNN(model).to(device).eval()
