"""Hashed n-gram vectors (fastText's bucket trick): each position also gets vectors for the n-grams it starts.

Most Chinese words are two characters, and English pairs such as "not good" mean more than their
words. With ``ngrams: 2`` the vector at position ``i`` is the token's own plus a learned vector for
the pair ``(token i, token i + 1)``; with 3, also for the triple. The n-grams are not counted into a
vocabulary: each is hashed into one of ``buckets`` rows, so any n-gram of any text has a vector, and
rare ones may share a row.
"""

from __future__ import annotations

import torch
from torch import nn

_PRIME = 1_000_003  # the hash's multiplier
_MODULUS = 2_147_483_647  # 2^31 - 1: (h * _PRIME + id) stays below 2^51, so int64 never overflows


def ngram_rows(ids: torch.Tensor, mask: torch.Tensor, ngrams: int, buckets: int) -> torch.Tensor:
    """``(B, L)`` token ids -> ``(ngrams - 1, B, L)`` table rows: row ``[n - 2, b, i]`` is the n-gram from token ``i``.

    Past the end of a text the n-gram reads padding (id 0) whatever the batch holds there, so a text's
    rows do not depend on how far it was padded.
    """
    real = torch.where(mask, ids, torch.zeros_like(ids)).long()  # (B, L)
    hashes, rows = real, []
    for n in range(2, ngrams + 1):
        following = torch.zeros_like(real)  # (B, L): the token n - 1 places on, 0 past the end
        following[:, : -(n - 1)] = real[:, n - 1 :]
        hashes = (hashes * _PRIME + following) % _MODULUS
        rows.append(hashes % buckets)
    return torch.stack(rows)  # (ngrams - 1, B, L)


class NgramEmbedding(nn.Module):
    """Token ids ``(B, L)`` and mask -> ``(B, L, dim)``: per token, the summed vectors of the n-grams it starts.

    One hashed table serves every n from 2 to ``ngrams``.
    """

    def __init__(self, ngrams: int, buckets: int, dim: int, *, init_std: float = 0.1, sparse: bool = False) -> None:
        super().__init__()
        if ngrams < 2:
            raise ValueError(f"ngrams must be >= 2 (1 is the tokens alone), got {ngrams}")
        self.ngrams, self.buckets = ngrams, buckets
        self.table = nn.Embedding(buckets, dim, sparse=sparse)
        nn.init.normal_(self.table.weight, std=init_std)

    @property
    def reach(self) -> int:
        """How many tokens after its own a position's vector reads."""
        return self.ngrams - 1

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        rows = ngram_rows(ids, mask, self.ngrams, self.buckets)  # (ngrams - 1, B, L)
        return self.table(rows).sum(dim=0)  # (ngrams - 1, B, L, dim) -> (B, L, dim)
