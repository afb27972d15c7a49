"""A bank of parallel convolutions with different kernel sizes (Kim 2014's 3/4/5 filters)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .correlate import Conv


class ConvBank(nn.Module):
    """Parallel :class:`Conv` layers, one per kernel size, stacked along the channel dim.

    ``(N, in_channels, *S) -> (N, len(kernel_sizes) * out_channels, *S)``

    Every branch uses ``'same'`` padding at stride 1, so all feature maps keep the input's
    spatial size and line up position by position: position ``i`` of every map is a window
    centred on input position ``i``. That is what lets one mask serve every branch in a
    mask-aware global pool, and lets the maps be concatenated into a single tensor.
    With zero vectors at padded positions, a window hanging over the end of a text sees the
    same zeros whatever the padded length, so outputs at real positions do not depend on padding.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_sizes: Sequence[int] = (3, 4, 5),
        *,
        spatial_dims: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if len(kernel_sizes) == 0:
            raise ValueError("kernel_sizes must name at least one kernel size")
        self.kernel_sizes = tuple(kernel_sizes)
        self.out_channels = out_channels * len(self.kernel_sizes)
        self.convs = nn.ModuleList(
            Conv(in_channels, out_channels, k, spatial_dims=spatial_dims, padding="same", bias=bias)
            for k in self.kernel_sizes
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([conv(x) for conv in self.convs], dim=1)  # (N, K * C_out, *S)
