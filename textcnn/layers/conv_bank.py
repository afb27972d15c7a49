"""A bank of parallel convolutions with different kernel sizes (Kim 2014's 3/4/5 filters)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .correlate import Conv, autocast_operands, correlate
from .padding import same_padding


class ConvBank(nn.Module):
    """Parallel :class:`Conv` layers, one per kernel size, stacked along the channel dim.

    ``(N, in_channels, *S) -> (N, len(kernel_sizes) * out_channels, *S)``

    Every branch uses ``'same'`` padding at stride 1, so all feature maps keep the input's
    spatial size and line up position by position: position ``i`` of every map is a window
    centred on input position ``i``. That is what lets one mask serve every branch in a
    mask-aware global pool, and lets the maps be concatenated into a single tensor.
    With zero vectors at padded positions, a window hanging over the end of a text sees the
    same zeros whatever the padded length, so outputs at real positions do not depend on padding.

    ``fused=True`` (the default) computes the same maps with one convolution: each branch's
    filters are zero-padded to the widest kernel, placed where their 'same' window sits inside
    the widest one, and all filters run as a single bank. That costs more multiply-adds (a 3-tap
    filter becomes 5 taps) but reads the input once and skips the per-branch padding, format
    conversions and concatenation, which on a CPU cost more than the extra arithmetic.
    The parameters are the same either way (one :class:`Conv` per kernel size).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_sizes: Sequence[int] = (3, 4, 5),
        *,
        spatial_dims: int = 1,
        bias: bool = True,
        fused: bool = True,
    ) -> None:
        super().__init__()
        if len(kernel_sizes) == 0:
            raise ValueError("kernel_sizes must name at least one kernel size")
        self.kernel_sizes = tuple(kernel_sizes)
        self.spatial_dims = spatial_dims
        self.out_channels = out_channels * len(self.kernel_sizes)
        self.fused = fused
        self.convs = nn.ModuleList(
            Conv(in_channels, out_channels, k, spatial_dims=spatial_dims, padding="same", bias=bias)
            for k in self.kernel_sizes
        )

    def fused_weight(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """All branches' filters as one ``(K * C_out, C_in, *widest)`` weight (and the stacked bias)."""
        widest = max(self.kernel_sizes)
        before_widest, after_widest = same_padding(1, widest)  # 'same' split at stride 1 (size-independent)
        weights = []
        for k, conv in zip(self.kernel_sizes, self.convs):
            before, after = same_padding(1, k)
            # Zero taps around this kernel so its taps sit where its own 'same' window sits in the widest one.
            pad = [before_widest - before, after_widest - after] * self.spatial_dims
            weights.append(F.pad(conv.weight, pad))
        biases = [conv.bias for conv in self.convs]
        bias = None if biases[0] is None else torch.cat(biases)
        return torch.cat(weights), bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.fused:
            return torch.cat([conv(x) for conv in self.convs], dim=1)  # (N, K * C_out, *S)
        x, weight, bias = autocast_operands(x, *self.fused_weight())
        return correlate(x, weight, bias, padding="same")  # (N, K * C_out, *S)
