"""Input checks that turn a user's mistake into a message naming it (not a torch traceback)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

POOL_KINDS = ("max", "avg")


def spatial_dims(x: torch.Tensor, name: str = "x") -> int:
    """Number of spatial dims of ``x`` shaped ``(N, C, *S)``; only 1 or 2 are supported."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() not in (3, 4):
        raise ValueError(f"{name} must be (N, C, L) or (N, C, H, W), i.e. 3-D or 4-D, got shape {tuple(x.shape)}")
    return x.dim() - 2


def check_kind(kind: str) -> str:
    if kind not in POOL_KINDS:
        raise ValueError(f"kind must be 'max' or 'avg', got {kind!r}")
    return kind


def check_positive(values: Sequence[int], name: str) -> None:
    if any(v < 1 for v in values):
        raise ValueError(f"{name} must be >= 1, got {tuple(values)}")


def check_fits(
    sizes: Sequence[int],
    pads: Sequence[tuple[int, int]],
    extents: Sequence[int],
    what: str,
) -> None:
    """Raise when a window is wider than the padded input along some dim."""
    for dim, (size, (before, after), extent) in enumerate(zip(sizes, pads, extents)):
        padded = size + before + after
        if extent > padded:
            raise ValueError(
                f"{what} spans {extent} positions along spatial dim {dim} but the padded input "
                f"has only {padded} (size {size} + padding {before}+{after}); "
                "use a smaller kernel, more padding, or padding='same'"
            )
