"""Independent oracles for the primitives, built on SciPy, and the padding they expect.

Nothing here calls textcnn: 'same' padding is recomputed from TensorFlow's formula.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage, signal


def expected_pads(padding, sizes, kernels, strides, dilations):
    """Explicit (before, after) pads per dim, from the definitions in the issue."""
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    if padding == "same":
        pads = []
        for size, k, s, d in zip(sizes, kernels, strides, dilations):
            extent = d * (k - 1) + 1
            total = max((math.ceil(size / s) - 1) * s + extent - size, 0)
            pads.append((total // 2, total - total // 2))
        return pads
    if isinstance(padding, int):
        return [(padding, padding)] * len(sizes)
    return [(p, p) for p in padding]


def dilate(kernel: np.ndarray, dilations) -> np.ndarray:
    """Insert ``d - 1`` zeros between the taps of a kernel along each axis."""
    shape = [(k - 1) * d + 1 for k, d in zip(kernel.shape, dilations)]
    out = np.zeros(shape)
    out[tuple(slice(None, None, d) for d in dilations)] = kernel
    return out


def correlate_scipy(x, weight, bias, strides, pads, dilations):
    """Cross-correlation via scipy.signal.correlate on each (filter, channel) pair."""
    xp = np.pad(x, [(0, 0), (0, 0), *pads])
    outs = []
    for n in range(x.shape[0]):
        maps = []
        for o in range(weight.shape[0]):
            acc = sum(
                signal.correlate(xp[n, c], dilate(weight[o, c], dilations), mode="valid") for c in range(x.shape[1])
            )
            acc = acc[tuple(slice(None, None, s) for s in strides)]
            maps.append(acc + (0.0 if bias is None else bias[o]))
        outs.append(np.stack(maps))
    return np.stack(outs)


def pool_scipy(x, kind, kernels, strides, pads):
    """Windowed max / mean via scipy.ndimage filters over the padded input, then subsampling.

    Padding is NaN-free: for max we pad with -inf, for avg we divide window sums of x by
    window sums of an indicator of real elements.
    """

    def window_op(a, op):
        # ndimage filters are centred; origin shifts the window so that it starts at the index.
        origin = [-(k // 2) for k in kernels]
        full = op(a, size=kernels, mode="constant", cval=0.0, origin=origin)
        n_out = [(a.shape[i] - kernels[i]) // strides[i] + 1 for i in range(len(kernels))]
        return full[tuple(slice(0, n * s, s) for n, s in zip(n_out, strides))]

    out = np.zeros(
        (*x.shape[:2], *[(x.shape[2 + i] + sum(pads[i]) - kernels[i]) // strides[i] + 1 for i in range(len(kernels))])
    )
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            if kind == "max":
                xp = np.pad(x[n, c], pads, constant_values=-np.inf)
                out[n, c] = window_op(xp, ndimage.maximum_filter)
            else:
                xp = np.pad(x[n, c], pads)
                real = np.pad(np.ones_like(x[n, c]), pads)
                area = math.prod(kernels)
                out[n, c] = (
                    window_op(xp, ndimage.uniform_filter) * area / (window_op(real, ndimage.uniform_filter) * area)
                )
    return out
