"""Region embeddings (Johnson and Zhang 2015b's tv-embedding): each position's vector from the words around it.

A region is the ``size`` tokens centred on a position. Its embedding is ``relu(sum of U[token] over the
region's real tokens + b)``, ``(dim,)``: a bag of words, so it reads the region's words whatever their
order. :func:`learn_regions` fits ``U`` and ``b`` on unlabeled text, to predict the words of the two
neighbouring regions from the region's own (negative sampling). The supervised TextCNN then reads
each position's region embedding beside its word vector (:class:`RegionEmbedding`, frozen), so what
the unlabeled text taught about which words go together reaches the filters.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..layers.padding import same_padding

logger = logging.getLogger(__name__)


def region_sums(vectors: torch.Tensor, mask: torch.Tensor, before: int, after: int) -> torch.Tensor:
    """``(B, L, D)`` vectors -> ``(B, L, D)``: at each position, the sum over positions ``-before .. +after``.

    Padding (``mask`` False) and positions past either end add nothing.
    """
    x = vectors * mask.unsqueeze(-1).to(vectors.dtype)  # (B, L, D)
    padded = nn.functional.pad(x, (0, 0, before + 1, after))  # (B, 1 + before + L + after, D)
    totals = padded.cumsum(dim=1)  # (B, L + before + after + 1, D): running sums
    length = x.shape[1]
    return totals[:, before + after + 1 :][:, :length] - totals[:, :length]  # (B, L, D)


class RegionEmbedding(nn.Module):
    """Token ids ``(B, L)`` and mask -> ``(B, L, dim)``: each position's region embedding, zero at padding.

    ``table`` (V, dim) and ``bias`` (dim,) are buffers: learned on unlabeled text before training
    (:func:`learn_regions`), saved with the weights, never trained by the classifier's loss.
    """

    def __init__(self, vocab_size: int, dim: int, size: int) -> None:
        super().__init__()
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        self.before, self.after = same_padding(1, size)  # the tokens centred on a position, as a filter's window
        self.register_buffer("table", torch.zeros(vocab_size, dim))
        self.register_buffer("bias", torch.zeros(dim))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        summed = region_sums(self.table[ids], mask, self.before, self.after)  # (B, L, dim)
        return torch.relu(summed + self.bias) * mask.unsqueeze(-1).to(summed.dtype)

    @torch.no_grad()
    def load(self, table: torch.Tensor, bias: torch.Tensor) -> None:
        self.table.copy_(table)
        self.bias.copy_(bias)


@dataclass(frozen=True)
class RegionOptions:
    """What :func:`learn_regions` learns, and how: a run's ``regions`` section plus the model's sizes and seed."""

    size: int  # tokens per region
    dim: int
    epochs: int
    negatives: int
    lr: float
    batch_size: int  # regions per step
    stride: int  # one position in stride, drawn at random each epoch, is a region to learn from
    sample: float  # word2vec's down-sampling of frequent target words
    seed: int

    @classmethod
    def from_config(cls, config) -> RegionOptions:
        """From a :class:`~textcnn.config.RunConfig` with ``model.region_dim > 0``."""
        section = config.regions
        return cls(
            size=config.model.region_size,
            dim=config.model.region_dim,
            epochs=section.epochs,
            negatives=section.negatives,
            lr=section.lr,
            batch_size=section.batch_size,
            stride=section.stride,
            sample=section.sample,
            seed=config.seed,
        )


class _TvNet(nn.Module):
    """The unsupervised network: a region's bag of words -> a vector that scores its neighbours' words."""

    def __init__(self, vocab_size: int, dim: int) -> None:
        super().__init__()
        self.inputs = nn.EmbeddingBag(vocab_size, dim, mode="sum", sparse=True, padding_idx=0)
        self.outputs = nn.Embedding(vocab_size, dim, sparse=True, padding_idx=0)
        self.bias = nn.Parameter(torch.zeros(dim))
        nn.init.normal_(self.inputs.weight, std=0.5 / math.sqrt(dim))
        nn.init.zeros_(self.outputs.weight)
        with torch.no_grad():
            self.inputs.weight[0].zero_()

    def loss(self, regions: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
        """``regions (N, size)``, ``targets (N, T)`` and ``negatives (N, K)`` ids, 0 for none -> the mean loss."""
        h = torch.relu(self.inputs(regions) + self.bias)  # (N, dim)
        positive = torch.einsum("nd,ntd->nt", h, self.outputs(targets))  # (N, T)
        negative = torch.einsum("nd,nkd->nk", h, self.outputs(negatives))  # (N, K)
        real = (targets > 0).to(h.dtype)  # (N, T)
        per_region = -(nn.functional.logsigmoid(positive) * real).sum(1) - nn.functional.logsigmoid(-negative).sum(1)
        return per_region.mean()


def _frequencies(stores: Sequence, vocab_size: int) -> np.ndarray:
    counts = np.zeros(vocab_size, dtype=np.float64)
    for store in stores:
        counts += np.bincount(store.ids, minlength=vocab_size)[:vocab_size]
    counts[0] = 0  # padding
    return counts


def _spread(stores: Sequence, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Every text's ids in one int32 array with ``gap`` zeros (padding) before each text and at the end,
    so that no window reaches into another text; and where each real token landed."""
    pieces, where, shift = [], [], 0
    for store in stores:
        lengths = np.diff(store.offsets)
        text_of = np.repeat(np.arange(len(lengths)), lengths)  # (T,): each token's text
        at = np.arange(len(store.ids)) + gap * (text_of + 1)  # (T,): after each text's gap
        spread = np.zeros(len(store.ids) + gap * len(lengths), dtype=np.int32)
        spread[at] = store.ids
        pieces.append(spread)
        where.append(at + shift)
        shift += len(spread)
    pieces.append(np.zeros(gap, dtype=np.int32))
    return np.concatenate(pieces), np.concatenate(where)


def _batches(
    stores: Sequence, options: RegionOptions, keep: np.ndarray, noise: np.ndarray, rng: np.random.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Shuffled batches of (region ids ``(N, size)``, neighbour ids ``(N, 2 * size)``, negatives ``(N, K)``)."""
    size = options.size
    before, after = same_padding(1, size)  # as RegionEmbedding reads it
    flat, where = _spread(stores, gap=2 * size)
    centres = where[rng.permutation(len(where))[: (len(where) + options.stride - 1) // options.stride]]
    offsets = np.concatenate(
        [np.arange(-before, after + 1), np.arange(-before - size, -before), np.arange(after + 1, after + 1 + size)]
    )  # (3 * size,): the region, then the region before it and the region after it
    for i in range(0, len(centres), options.batch_size):
        chunk = centres[i : i + options.batch_size]
        ids = flat[chunk[:, None] + offsets[None]].astype(np.int64)  # (N, 3 * size); 0 outside the text
        region, targets = ids[:, :size], ids[:, size:]
        targets = np.where(rng.random(targets.shape) < keep[targets], targets, 0)  # down-sample frequent words
        negatives = rng.choice(len(noise), size=(len(chunk), options.negatives), p=noise)
        yield torch.from_numpy(region), torch.from_numpy(targets), torch.from_numpy(negatives)


def learn_regions(
    stores: Sequence, vocab_size: int, options: RegionOptions, *, progress: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fit the tv-embedding on ``stores`` (token ids of unlabeled or training text): ``table (V, dim)``, ``bias``.

    Each region (every ``stride``-th position) predicts the words of the ``size`` tokens before it and
    after it, within its text, against ``negatives`` words drawn from the unigram distribution to the
    0.75 (word2vec's), with frequent target words down-sampled as word2vec does.
    """
    from ..util.progress import progress_bar

    rng = np.random.default_rng(options.seed)
    torch.manual_seed(options.seed)
    counts = _frequencies(stores, vocab_size)
    ratio = options.sample / np.maximum(counts / max(counts.sum(), 1.0), 1e-12)  # threshold / each word's share
    keep = np.minimum(1.0, np.sqrt(ratio) + ratio)  # word2vec's chance of keeping a word
    noise = counts**0.75
    noise = noise / noise.sum()
    net = _TvNet(vocab_size, options.dim)
    sparse = torch.optim.SparseAdam([net.inputs.weight, net.outputs.weight], lr=options.lr)
    dense = torch.optim.Adam([net.bias], lr=options.lr)
    for epoch in range(options.epochs):
        total, steps = 0.0, 0
        for region, targets, negatives in progress_bar(
            _batches(stores, options, keep, noise, rng), enabled=progress, desc=f"regions {epoch + 1}"
        ):
            loss = net.loss(region, targets, negatives)
            sparse.zero_grad()
            dense.zero_grad()
            loss.backward()
            sparse.step()
            dense.step()
            total, steps = total + float(loss.detach()), steps + 1
        logger.info(f"regions: epoch {epoch + 1} of {options.epochs}, mean loss {total / max(steps, 1):.4f}")
    return net.inputs.weight.detach().clone(), net.bias.detach().clone()
