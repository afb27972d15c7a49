"""A linear branch over each text's set of n-grams, NB-weighted: the network contains NBSVM.

Wang & Manning's NBSVM (2012) gives each binary n-gram feature ``g`` its naive-Bayes log-count ratio
``r[g]`` (how much likelier ``g`` is in a class's texts than in the others') and fits a linear model on
the scaled features. Here that linear model is a branch of the network, added to the logits beside the
encoder's features (Cheng et al.'s wide & deep; in spirit Johnson & Zhang's seq2-bown-CNN):

    logit[c] = classifier(features)[c] + sum over distinct n-grams g of the text: w[g, c] * r[g, c]

``r`` is counted once from the training texts (:meth:`NgramBag.fit`) and kept in the weights; ``w``
is learned with the rest of the network. Scaling by ``r`` makes the evidence NB already sees start
strong: under Adam each ``w`` moves about ``lr`` a step, so a feature's effective weight moves ``|r|``
times that. Each n-gram's contribution is one term of a sum, so explanations of it are exact.

Unigrams take the rows ``0 .. vocab_size - 1`` (their token ids); 2- to ``ngrams``-grams are hashed
into the ``buckets`` rows after them, as :mod:`.ngrams` hashes its vectors.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from ..config import ModelConfig
from .ngrams import ngram_rows


def _rows_by_n(ids: torch.Tensor, mask: torch.Tensor, ngrams: int, vocab_size: int, buckets: int):
    """``(B, L)`` ids -> for n = 1..``ngrams``, the row of the n-gram starting at each position ``(B, L)``
    and whether all its tokens are real ``(B, L)``: unigrams are their ids, longer n-grams hashed after them."""
    length = ids.shape[1]
    rows, valid = [torch.where(mask, ids, torch.zeros_like(ids)).long()], [mask]
    if ngrams > 1:
        hashed = ngram_rows(ids, mask, ngrams, buckets) + vocab_size  # (ngrams - 1, B, L)
        for n in range(2, ngrams + 1):
            ends_real = torch.zeros_like(mask)  # (B, L): whether the n-gram's last token is real
            ends_real[:, : max(length - (n - 1), 0)] = mask[:, n - 1 :]
            rows.append(hashed[n - 2])
            valid.append(mask & ends_real)
    return rows, valid


def bag_rows(ids: torch.Tensor, mask: torch.Tensor, ngrams: int, vocab_size: int, buckets: int):
    """``(B, L)`` ids -> each text's distinct 1..``ngrams``-gram rows: ``rows (N,)`` and their text ``owners (N,)``.

    Sorted by text, then row. An n-gram counts only where all its tokens are real (``mask``), so a
    text's bag does not depend on its padding.
    """
    batch = ids.shape[0]
    rows, valid = _rows_by_n(ids, mask, ngrams, vocab_size, buckets)
    total = vocab_size + buckets
    texts = torch.arange(batch, device=ids.device).view(1, batch, 1)  # (1, B, 1)
    keys = (texts * total + torch.stack(rows))[torch.stack(valid)]  # (ngrams, B, L) -> (M,): text-major keys
    keys = torch.unique(keys)  # (N,) sorted: the distinct (text, row) pairs
    return keys % total, keys // total


class NgramBag(nn.Module):
    """Token ids ``(B, L)`` and mask -> ``(B, num_classes)`` logits of a linear model over NB-scaled n-grams.

    ``weight`` (rows, C) is learned (zeros at the start: the branch adds nothing until training moves
    it); ``ratios`` (rows, C) is a buffer that :meth:`fit` fills, saved with the weights.
    """

    def __init__(
        self, vocab_size: int, num_classes: int, ngrams: int, buckets: int, *, alpha: float = 1.0, sparse: bool = False
    ) -> None:
        super().__init__()
        self.vocab_size, self.ngrams, self.buckets, self.alpha = vocab_size, ngrams, buckets, alpha
        rows = vocab_size + (buckets if ngrams > 1 else 0)
        self.weight = nn.Embedding(rows, num_classes, sparse=sparse)
        nn.init.zeros_(self.weight.weight)
        self.register_buffer("ratios", torch.zeros(rows, num_classes))

    @classmethod
    def from_config(cls, config: ModelConfig, vocab_size: int, num_classes: int) -> NgramBag | None:
        """The branch ``model.wide_ngrams`` asks for; None when it is 0."""
        if config.wide_ngrams == 0:
            return None
        return cls(
            vocab_size,
            num_classes,
            config.wide_ngrams,
            config.wide_buckets,
            alpha=config.wide_alpha,
            sparse=config.sparse_embedding,
        )

    def bag(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each text's distinct n-gram rows and their owners (:func:`bag_rows`)."""
        return bag_rows(ids, mask, self.ngrams, self.vocab_size, self.buckets)

    def spans(self, ids: torch.Tensor) -> tuple[torch.Tensor, list[tuple[int, int]]]:
        """One text's ``(L,)`` ids -> its bag's rows ``(N,)`` and, per row, the tokens ``(first, last)`` it reads.

        A row the text holds more than once (a repeated n-gram, or two that hash alike) counts once,
        as in :meth:`forward`; it is placed at its first occurrence, shortest n-gram first.
        """
        mask = torch.ones(1, len(ids), dtype=torch.bool, device=ids.device)  # (1, L)
        rows_by_n, valid_by_n = _rows_by_n(ids[None], mask, self.ngrams, self.vocab_size, self.buckets)
        first: dict[int, tuple[int, int]] = {}
        for n, (rows, valid) in enumerate(zip(rows_by_n, valid_by_n), start=1):
            for i in valid[0].nonzero().flatten().tolist():  # the positions where an n-gram fits
                first.setdefault(int(rows[0, i]), (i, i + n - 1))
        rows = torch.tensor(list(first), dtype=torch.long, device=ids.device)
        return rows, list(first.values())

    def contributions(self, rows: torch.Tensor) -> torch.Tensor:
        """``(N,)`` rows -> ``(N, C)``: each n-gram's term ``w * r`` in every class's logit."""
        return self.weight(rows) * self.ratios[rows]

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        rows, owners = self.bag(ids, mask)  # (N,) each
        terms = self.contributions(rows)  # (N, C)
        return terms.new_zeros(ids.shape[0], terms.shape[1]).index_add_(0, owners, terms)  # (B, C)

    @torch.no_grad()
    def fit(self, batches: Iterable[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]) -> None:
        """Count the ratios from the training texts: ``(ids (B, L), mask (B, L), labels)`` batches.

        ``labels``: ``(B,)`` class indices, or ``(B, C)`` 0/1 for multi-label. Class ``c`` against the
        rest (one-vs-rest, as NBSVM does beyond two classes): with ``p``/``q`` the number of texts
        in / not in ``c`` that hold each n-gram, plus ``alpha``, ``r = log(p / |p|_1) - log(q / |q|_1)``
        over the n-grams seen in training; 0 for the rest.
        """
        rows_total, classes = self.ratios.shape
        inside = torch.zeros(classes, rows_total, dtype=torch.float64)  # texts of class c holding each row
        everywhere = torch.zeros(rows_total, dtype=torch.float64)  # texts holding each row
        for ids, mask, labels in batches:
            rows, owners = self.bag(ids.cpu(), mask.cpu())
            targets = labels.cpu()
            if targets.dim() == 1:
                targets = nn.functional.one_hot(targets.long(), classes)  # (B,) -> (B, C)
            everywhere += torch.bincount(rows, minlength=rows_total).double()
            for c in range(classes):
                weights = targets[owners, c].double()  # (N,): 1 where the row's text is in class c
                inside[c] += torch.bincount(rows, weights=weights, minlength=rows_total)
        seen = everywhere > 0  # (rows,)
        p = inside[:, seen] + self.alpha  # (C, seen)
        q = everywhere[seen] - inside[:, seen] + self.alpha  # (C, seen)
        ratios = torch.zeros(classes, rows_total, dtype=torch.float64)
        ratios[:, seen] = (p / p.sum(1, keepdim=True)).log() - (q / q.sum(1, keepdim=True)).log()
        self.ratios.copy_(ratios.T)  # (rows, C)
