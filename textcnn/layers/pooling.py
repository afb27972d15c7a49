"""Pooling: windowed (:func:`pool`), over all positions (:func:`global_pool`), across channels
(:func:`channel_pool`).

Two different operations are both called "global pooling" in the wild:

* :func:`global_pool` reduces every *position* of each channel to one number,
  ``(N, C, *S) -> (N, C)``. This is what a TextCNN does after its convolutions
  (max-over-time pooling) and what "global average pooling" means in image CNNs.
* :func:`channel_pool` reduces the *channels* at each position,
  ``(N, C, *S) -> (N, 1, *S)``: "reduce the 3 channels into 1 channel".
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_fits, check_kind, check_positive, spatial_dims
from .padding import PaddingSpec, resolve_padding, to_tuple

_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d}


def pool(
    x: torch.Tensor,
    kind: str,
    kernel_size: int | Sequence[int],
    *,
    stride: int | Sequence[int] | None = None,
    padding: PaddingSpec = 0,
) -> torch.Tensor:
    """Max or average over a window sliding with a stride (default stride: the window size).

    Padded positions never win a max and never count in an average: the average is over
    the real elements inside each window.

    Args:
        x: ``(N, C, L)`` or ``(N, C, H, W)``.
        kind: ``"max"`` or ``"avg"``.
        kernel_size: window size, int or one per spatial dim.
        stride: int or one per spatial dim; None means ``kernel_size`` (non-overlapping windows).
        padding: int, tuple, ``"valid"`` or ``"same"``; each side must be smaller than the window.

    Returns:
        ``(N, C, L_out)`` or ``(N, C, H_out, W_out)``.
    """
    check_kind(kind)
    n_dims = spatial_dims(x, "x")
    kernels = to_tuple(kernel_size, n_dims, "kernel_size")
    strides = kernels if stride is None else to_tuple(stride, n_dims, "stride")
    check_positive(kernels, "kernel_size")
    check_positive(strides, "stride")
    sizes = tuple(x.shape[2:])
    pads = resolve_padding(padding, sizes, kernels, strides)
    if any(max(pair) >= k for pair, k in zip(pads, kernels)):
        raise ValueError(f"padding {padding!r} must be smaller than the window {kernels} on each side")
    check_fits(sizes, pads, kernels, f"the pooling window {kernels}")

    if kind == "max":
        if any(p for pair in pads for p in pair):
            flat = [p for pair in reversed(pads) for p in pair]
            x = F.pad(x, flat, value=float("-inf"))  # padding never wins a max
        return _MAX_POOL[n_dims](x, kernels, strides)

    if not any(p for pair in pads for p in pair):
        return _AVG_POOL[n_dims](x, kernels, strides)
    # Average over real elements only: (sum of x in window) / (number of real elements in window).
    flat = [p for pair in reversed(pads) for p in pair]
    ones = torch.ones((1, 1, *sizes), dtype=x.dtype, device=x.device)
    total = _AVG_POOL[n_dims](F.pad(x, flat), kernels, strides)
    count = _AVG_POOL[n_dims](F.pad(ones, flat), kernels, strides)
    return total / count


def global_pool(x: torch.Tensor, kind: str, *, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Max or average over all positions of each channel: ``(N, C, *S) -> (N, C)``.

    Args:
        x: ``(N, C, L)`` or ``(N, C, H, W)``.
        kind: ``"max"`` or ``"avg"``.
        mask: optional bool ``(N, *S)``, True at real positions. Masked positions never win
            a max and never count in a mean. A row with no real position pools to 0
            (a defined value rather than an error, so that an empty text in a batch is harmless).
    """
    check_kind(kind)
    spatial_dims(x, "x")
    if mask is None:
        flat = x.flatten(2)  # (N, C, P)
        return flat.amax(dim=2) if kind == "max" else flat.mean(dim=2)
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError("mask must be a bool tensor, True at real positions")
    if tuple(mask.shape) != (x.shape[0], *x.shape[2:]):
        raise ValueError(
            f"mask must have shape (N, *S) = {(x.shape[0], *x.shape[2:])} for x of shape "
            f"{tuple(x.shape)}, got {tuple(mask.shape)}"
        )
    flat = x.flatten(2)  # (N, C, P)
    keep = mask.flatten(1).unsqueeze(1)  # (N, 1, P)
    count = keep.sum(dim=2)  # (N, 1)
    if kind == "max":
        # where() writes the masked copy in one pass (masked_fill would clone first, then fill).
        pooled = torch.where(keep, flat, float("-inf")).amax(dim=2)  # (N, C)
        return torch.where(count > 0, pooled, torch.zeros_like(pooled))
    total = (flat * keep).sum(dim=2)  # (N, C)
    return total / count.clamp(min=1)


def channel_pool(x: torch.Tensor, kind: str) -> torch.Tensor:
    """Max or average across channels at each position: ``(N, C, *S) -> (N, 1, *S)``."""
    check_kind(kind)
    spatial_dims(x, "x")
    return x.amax(dim=1, keepdim=True) if kind == "max" else x.mean(dim=1, keepdim=True)


class Pool(nn.Module):
    """Module form of :func:`pool`."""

    def __init__(
        self,
        kind: str,
        kernel_size: int | Sequence[int],
        *,
        stride: int | Sequence[int] | None = None,
        padding: PaddingSpec = 0,
    ) -> None:
        super().__init__()
        self.kind = check_kind(kind)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pool(x, self.kind, self.kernel_size, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        return f"{self.kind!r}, kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding!r}"


class GlobalPool(nn.Module):
    """Module form of :func:`global_pool`: ``(N, C, *S), mask (N, *S) -> (N, C)``."""

    def __init__(self, kind: str = "max") -> None:
        super().__init__()
        self.kind = check_kind(kind)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return global_pool(x, self.kind, mask=mask)

    def extra_repr(self) -> str:
        return repr(self.kind)


class ChannelPool(nn.Module):
    """Module form of :func:`channel_pool`: ``(N, C, *S) -> (N, 1, *S)``."""

    def __init__(self, kind: str = "max") -> None:
        super().__init__()
        self.kind = check_kind(kind)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_pool(x, self.kind)

    def extra_repr(self) -> str:
        return repr(self.kind)
