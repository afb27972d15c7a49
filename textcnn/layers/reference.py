"""The readable definition of the primitives, in NumPy with plain loops.

Each function here computes exactly what its namesake in :mod:`textcnn.layers` computes,
written as the weighted sums and window reductions a textbook would draw. It is slow on
purpose: this is the definition the fast path is tested against, and what a learner reads.

Worked example (a 3x3 filter over a 6x6 image, stride 1, no padding)::

    >>> import numpy as np
    >>> image = np.zeros((6, 6)); image[:3, :3] = [[1, 0, 1], [0, 2, 0], [1, 0, 1]]
    >>> kernel = np.array([[0.4, 0.2, 1.0], [0.7, 0.1, 0.2], [0.7, 0.3, 1.0]])
    >>> fmap = correlate(image[None, None], kernel[None, None])   # (N=1, C=1, 6, 6) -> (1, 1, 4, 4)
    >>> round(float(fmap[0, 0, 0, 0]), 6)   # 1*0.4 + 1*1.0 + 2*0.1 + 1*0.7 + 1*1.0
    3.3
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from .padding import PaddingSpec, output_size, resolve_padding, to_tuple


def _pad(x: np.ndarray, pads: Sequence[tuple[int, int]], value: float) -> np.ndarray:
    """Pad the spatial dims of ``(N, C, *S)`` with ``value``."""
    return np.pad(x, [(0, 0), (0, 0), *pads], constant_values=value)


def correlate(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """Cross-correlation (the filter is not flipped). x ``(N, C_in, *S)``, weight ``(C_out, C_in, *K)``.

    For every output position, lay the filter over the (padded) input at that position,
    multiply element by element, and add everything up, across all input channels.
    """
    n_dims = x.ndim - 2
    strides = to_tuple(stride, n_dims, "stride")
    dilations = to_tuple(dilation, n_dims, "dilation")
    kernels = weight.shape[2:]
    pads = resolve_padding(padding, x.shape[2:], kernels, strides, dilations)
    xp = _pad(x.astype(np.float64), pads, 0.0)
    out_shape = [output_size(s, k, st, d, p) for s, k, st, d, p in zip(x.shape[2:], kernels, strides, dilations, pads)]
    n_batch, c_out = x.shape[0], weight.shape[0]
    out = np.zeros((n_batch, c_out, *out_shape))
    for n, o in itertools.product(range(n_batch), range(c_out)):
        for pos in itertools.product(*map(range, out_shape)):  # each output cell
            total = 0.0 if bias is None else float(bias[o])
            for c in range(x.shape[1]):  # each input channel
                for k in itertools.product(*map(range, kernels)):  # each filter tap
                    src = tuple(p * st + kk * d for p, st, kk, d in zip(pos, strides, k, dilations))
                    total += weight[(o, c, *k)] * xp[(n, c, *src)]
            out[(n, o, *pos)] = total
    return out


def pool(
    x: np.ndarray,
    kind: str,
    kernel_size: int | Sequence[int],
    *,
    stride: int | Sequence[int] | None = None,
    padding: PaddingSpec = 0,
) -> np.ndarray:
    """Max or average over each window; padded positions are left out of every window."""
    n_dims = x.ndim - 2
    kernels = to_tuple(kernel_size, n_dims, "kernel_size")
    strides = kernels if stride is None else to_tuple(stride, n_dims, "stride")
    pads = resolve_padding(padding, x.shape[2:], kernels, strides)
    xp = _pad(x.astype(np.float64), pads, np.nan)  # NaN marks "not a real element"
    out_shape = [output_size(s, k, st, 1, p) for s, k, st, p in zip(x.shape[2:], kernels, strides, pads)]
    out = np.zeros((*x.shape[:2], *out_shape))
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for pos in itertools.product(*map(range, out_shape)):
            window = xp[(n, c, *(slice(p * st, p * st + k) for p, st, k in zip(pos, strides, kernels)))]
            real = window[~np.isnan(window)]
            out[(n, c, *pos)] = real.max() if kind == "max" else real.mean()
    return out


def global_pool(x: np.ndarray, kind: str, *, mask: np.ndarray | None = None) -> np.ndarray:
    """Max or average over all (real) positions of each channel: ``(N, C, *S) -> (N, C)``.

    A row whose mask has no True position pools to 0.
    """
    out = np.zeros(x.shape[:2])
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        values = x[n, c] if mask is None else x[n, c][mask[n]]
        if values.size == 0:
            continue
        out[n, c] = values.max() if kind == "max" else values.mean()
    return out


def channel_pool(x: np.ndarray, kind: str) -> np.ndarray:
    """Max or average across channels at each position: ``(N, C, *S) -> (N, 1, *S)``."""
    out = np.zeros((x.shape[0], 1, *x.shape[2:]))
    for n in range(x.shape[0]):
        for pos in itertools.product(*map(range, x.shape[2:])):
            column = x[(n, slice(None), *pos)]  # every channel at this position
            out[(n, 0, *pos)] = column.max() if kind == "max" else column.mean()
    return out
