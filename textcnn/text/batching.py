"""Length-bucketed batches of token ids, padded, with a mask of real positions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..config import TrainConfig
from .token_store import TokenStore
from .tokenizer import PAD_ID


@dataclass
class TokenBatch:
    ids: torch.Tensor  # (B, L) int64, PAD_ID after each text's end
    mask: torch.Tensor  # (B, L) bool, True at real tokens
    labels: torch.Tensor | None  # (B,) int64
    index: np.ndarray  # (B,) positions of these texts in the dataset

    @property
    def inputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """What a text model takes: ``model(*batch.inputs)``."""
        return self.ids, self.mask

    def to(self, device: torch.device) -> TokenBatch:
        non_blocking = device.type == "cuda"
        labels = None if self.labels is None else self.labels.to(device, non_blocking=non_blocking)
        return TokenBatch(
            self.ids.to(device, non_blocking=non_blocking),
            self.mask.to(device, non_blocking=non_blocking),
            labels,
            self.index,
        )


def collate(
    sequences: Sequence[np.ndarray], labels: np.ndarray | None, index: np.ndarray, pad_multiple: int = 1
) -> TokenBatch:
    """Pad ``sequences`` to the longest one in the batch, rounded up to a multiple of ``pad_multiple``.

    Rounding keeps the number of distinct batch shapes small: oneDNN (torch's CPU kernels) builds and
    caches kernels per shape, and a new length every step grows memory by gigabytes over an epoch.
    """
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    width = -(-max(int(lengths.max()), 1) // pad_multiple) * pad_multiple
    ids = np.full((len(sequences), width), PAD_ID, dtype=np.int64)  # (B, L)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = seq
    mask = np.arange(ids.shape[1])[None, :] < lengths[:, None]  # (B, L)
    return TokenBatch(
        torch.from_numpy(ids),
        torch.from_numpy(mask),
        None if labels is None else torch.from_numpy(np.asarray(labels, dtype=np.int64)),
        index,
    )


class BucketedBatches:
    """Batches of texts of similar length, so that padding stays small.

    Training order (``shuffle=True``): shuffle all texts, cut them into chunks of
    ``chunk * batch_size``, sort each chunk by length, cut it into batches, then shuffle the
    batches. Evaluation order (``shuffle=False``): sorted by length, fixed, in batches of at most
    ``batch_size`` texts and, if set, ``max_tokens`` padded tokens. Each epoch's order comes from
    ``seed`` and the epoch number, so a run is repeatable.

    ``crop`` (training only) cuts each text longer than ``crop`` tokens to a window of ``crop`` tokens
    at a random start, drawn anew each epoch from ``seed`` and the epoch: shorter steps, and over the
    epochs every part of a long text is seen.
    """

    def __init__(
        self,
        sequences: Sequence[np.ndarray],
        labels: np.ndarray | None,
        batch_size: int,
        *,
        shuffle: bool,
        chunk: int = 50,
        seed: int = 0,
        pad_multiple: int = 1,
        max_tokens: int | None = None,
        crop: int | None = None,
    ) -> None:
        if crop is not None and (not shuffle or crop < 1):
            raise ValueError("crop applies to training batches (shuffle=True) and must be >= 1")
        self.sequences, self.labels = sequences, labels
        if isinstance(sequences, TokenStore):  # the lengths are the offsets' differences: no pass over the texts
            self.lengths = sequences.lengths
        else:
            self.lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
        self.crop = crop
        self._starts: tuple[int, np.ndarray] | None = None  # (epoch, each text's window start) under crop
        self.batch_size, self.shuffle, self.chunk, self.seed = batch_size, shuffle, chunk, seed
        self.pad_multiple, self.max_tokens = pad_multiple, max_tokens
        self.epoch = 0

    def __len__(self) -> int:
        if self.max_tokens is not None and not self.shuffle:
            return len(self.order())
        return -(-len(self.sequences) // self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def order(self) -> list[np.ndarray]:
        """The index arrays of this epoch's batches."""
        if not self.shuffle:
            return self._budgeted(np.argsort(self.lengths, kind="stable"))
        rng = np.random.default_rng([self.seed, self.epoch])
        perm = rng.permutation(len(self.sequences))
        lengths = self.lengths if self.crop is None else np.minimum(self.lengths, self.crop)
        span = self.chunk * self.batch_size
        batches = []
        for start in range(0, len(perm), span):
            piece = perm[start : start + span]
            piece = piece[np.argsort(lengths[piece], kind="stable")]
            batches.extend(piece[i : i + self.batch_size] for i in range(0, len(piece), self.batch_size))
        return [batches[i] for i in rng.permutation(len(batches))]

    def _budgeted(self, order: np.ndarray) -> list[np.ndarray]:
        """Cut length-sorted ``order`` into batches of at most ``batch_size`` texts and ``max_tokens`` padded tokens.

        Short texts then travel in big batches and long ones in small batches, which keeps every
        batch's tensors about the same size: faster than one fixed batch size, and bounded memory.
        """
        if self.max_tokens is None:
            return [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        batches, start = [], 0
        multiple = self.pad_multiple
        for stop in range(1, len(order) + 1):
            longest = -(-max(int(self.lengths[order[stop - 1]]), 1) // multiple) * multiple  # sorted: last is longest
            if stop - start > self.batch_size or (stop - start > 1 and (stop - start) * longest > self.max_tokens):
                batches.append(order[start : stop - 1])
                start = stop - 1
        batches.append(order[start:])
        return batches

    def window_starts(self) -> np.ndarray:
        """Under ``crop``: where this epoch's window of each text starts (0 for texts that fit)."""
        if self._starts is None or self._starts[0] != self.epoch:
            rng = np.random.default_rng([self.seed, self.epoch, 1])  # its own stream: the batch order stays as it was
            room = np.maximum(self.lengths - self.crop, 0) + 1  # possible starts per text
            self._starts = (self.epoch, (rng.random(len(self.lengths)) * room).astype(np.int64))
        return self._starts[1]

    def batch(self, index: np.ndarray) -> TokenBatch:
        """The texts at ``index``, padded into one batch (cut to this epoch's windows under ``crop``)."""
        labels = None if self.labels is None else self.labels[index]
        texts = [self.sequences[i] for i in index]
        if self.crop is not None:
            starts = self.window_starts()
            texts = [text[starts[i] : starts[i] + self.crop] for i, text in zip(index, texts)]
        return collate(texts, labels, index, self.pad_multiple)

    def __iter__(self) -> Iterator[TokenBatch]:
        for index in self.order():
            yield self.batch(index)


def train_batches(ids: Sequence[np.ndarray], labels: np.ndarray, train: TrainConfig, seed: int) -> BucketedBatches:
    """Shuffled, length-bucketed training batches as the train config says."""
    return BucketedBatches(
        ids,
        labels,
        train.batch_size,
        shuffle=True,
        chunk=train.bucket_chunk,
        seed=seed,
        pad_multiple=train.pad_multiple,
        crop=train.crop_length,
    )


def eval_batches(ids: Sequence[np.ndarray], labels: np.ndarray | None, train: TrainConfig) -> BucketedBatches:
    """Length-sorted evaluation / prediction batches, capped in texts and in padded tokens."""
    return BucketedBatches(
        ids,
        labels,
        train.eval_batch_size,
        shuffle=False,
        pad_multiple=train.pad_multiple,
        max_tokens=train.eval_max_tokens,
    )
