"""Padding arithmetic shared by convolution and pooling (pure Python, no torch).

A padding spec is one of:

* an ``int`` ``p``: ``p`` zeros on both sides of every spatial dim;
* a tuple of ints, one per spatial dim (both sides of that dim);
* ``"valid"``: no padding, windows only where they fit entirely;
* ``"same"``: TensorFlow's definition, output size ``ceil(input / stride)`` for any
  stride; the total padding is split evenly, the odd element going to the end
  (right / bottom). torch's own ``padding="same"`` only allows stride 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

PaddingSpec = int | Sequence[int] | str


def to_tuple(value: int | Sequence[int], n: int, name: str) -> tuple[int, ...]:
    """Expand an int to an ``n``-tuple, or check that a sequence has ``n`` ints."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * n
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = tuple(value)
        if len(items) == n and all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            return items
    raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """(before, after) padding that makes the output ``ceil(size / stride)`` long."""
    extent = (kernel - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + extent - size, 0)
    return total // 2, total - total // 2


def resolve_padding(
    padding: PaddingSpec,
    sizes: Sequence[int],
    kernels: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int] | None = None,
) -> list[tuple[int, int]]:
    """Turn a padding spec into explicit ``(before, after)`` pairs, one per spatial dim."""
    n = len(sizes)
    dilations = dilations if dilations is not None else (1,) * n
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * n
        if padding == "same":
            return [same_padding(s, k, st, d) for s, k, st, d in zip(sizes, kernels, strides, dilations)]
        raise ValueError(f"padding must be an int, a tuple of ints, 'valid' or 'same', got {padding!r}")
    pads = to_tuple(padding, n, "padding")
    if any(p < 0 for p in pads):
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    return [(p, p) for p in pads]


def output_size(size: int, kernel: int, stride: int, dilation: int, pads: tuple[int, int]) -> int:
    """Number of window positions along one dim: ``floor((padded - extent) / stride) + 1``."""
    extent = (kernel - 1) * dilation + 1
    return (size + pads[0] + pads[1] - extent) // stride + 1
