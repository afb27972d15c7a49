"""Token ids of many texts in one flat array: no Python object per text.

A list of per-text NumPy arrays costs about 100 bytes of object overhead per text on top of the ids,
and millions of small allocations. Here text ``i`` is ``ids[offsets[i]:offsets[i + 1]]``: 2 bytes per
token (uint16) when the vocabulary has at most 65,536 entries, as textcnn's default 30,000 does, else 4
(int32), plus 8 per text; indexing a text gives a view, not a copy.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np

ID_TYPES = (np.uint16, np.int32)


def id_dtype(vocab_size: int) -> type:
    """The smallest id type for a vocabulary: uint16 up to 65,536 entries, else int32."""
    return np.uint16 if vocab_size <= 1 << 16 else np.int32


class TokenStore(Sequence):
    """A read-only sequence of ``(L_i,)`` id arrays (uint16 or int32), stored flat: ``ids (T,)``, ``offsets (N+1,)``."""

    def __init__(self, ids: np.ndarray, offsets: np.ndarray) -> None:
        ids = np.asarray(ids)
        ids = ids if ids.dtype in ID_TYPES else ids.astype(np.int32)
        offsets = np.asarray(offsets, dtype=np.int64)
        if offsets.ndim != 1 or len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(ids):
            raise ValueError("offsets must start at 0 and end at len(ids)")
        if np.any(np.diff(offsets) < 0):
            raise ValueError("offsets must not decrease")
        self.ids, self.offsets = ids, offsets

    @classmethod
    def from_sequences(cls, sequences: Iterable[Sequence[int] | np.ndarray], dtype: type = np.int32) -> TokenStore:
        """Flatten per-text id sequences (the old list-of-arrays form) into a store."""
        arrays = [np.asarray(s, dtype=dtype) for s in sequences]
        lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        ids = np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)
        return cls(ids, offsets)

    @property
    def lengths(self) -> np.ndarray:
        """``(N,)`` tokens per text."""
        return np.diff(self.offsets)

    @property
    def nbytes(self) -> int:
        """Bytes held: the ids and the offsets."""
        return self.ids.nbytes + self.offsets.nbytes

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            i = int(index) + (len(self) if index < 0 else 0)
            if not 0 <= i < len(self):
                raise IndexError(f"text {index} out of range for {len(self)} texts")
            return self.ids[self.offsets[i] : self.offsets[i + 1]]  # a view
        return self.subset(np.arange(len(self))[index])

    def subset(self, indices: np.ndarray) -> TokenStore:
        """A new store holding the texts at ``indices``, in that order (a copy)."""
        indices = np.asarray(indices, dtype=np.int64)
        starts, lengths = self.offsets[indices], self.lengths[indices]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        # Every position of the new flat array maps back to one position of the old one.
        positions = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        return TokenStore(self.ids[positions], offsets)


class TokenStoreBuilder:
    """Appends chunks of texts' ids to one array that grows in place, then hands it over as a store.

    Growing uses ``ndarray.resize``, which reallocates: for large arrays the C library moves pages
    rather than copying them. Growing by a quarter at a time, building holds at most 1.25 copies of
    the ids (it zero-fills the new room), where collecting chunks and concatenating them holds two.
    """

    def __init__(self, capacity: int = 1 << 20, dtype: type = np.int32) -> None:
        self._ids = np.empty(capacity, dtype=dtype)
        self._size = 0
        self._lengths: list[np.ndarray] = []

    def extend(self, sequences: Sequence[Sequence[int]]) -> None:
        """Append one chunk of texts, each a sequence of ids."""
        lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
        total = int(lengths.sum())
        stop = self._size + total
        if stop > len(self._ids):
            self._ids.resize(max(stop, len(self._ids) * 5 // 4), refcheck=False)
        self._ids[self._size : stop] = np.fromiter(itertools.chain.from_iterable(sequences), self._ids.dtype, total)
        self._size = stop
        self._lengths.append(lengths)

    def build(self) -> TokenStore:
        """The store of everything appended (the builder is spent)."""
        self._ids.resize(self._size, refcheck=False)  # give the spare capacity back
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, dtype=np.int64)
        store = TokenStore(self._ids, np.concatenate([[0], np.cumsum(lengths)]))
        self._ids, self._lengths = np.empty(0, dtype=self._ids.dtype), []
        return store
