"""Cross-correlation in 1-D and 2-D: the operation every deep-learning "convolution" computes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_fits, check_positive, spatial_dims
from .padding import PaddingSpec, resolve_padding, to_tuple

_CONV = {1: F.conv1d, 2: F.conv2d}


def autocast_operands(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """A convolution's operands in the autocast dtype when autocast is on (else unchanged).

    Casting once before the call, rather than inside it at every use, is what the filter banks do.
    """
    if not torch.is_autocast_enabled(x.device.type):
        return x, weight, bias
    dtype = torch.get_autocast_dtype(x.device.type)
    return x.to(dtype), weight.to(dtype), None if bias is None else bias.to(dtype)


def correlate(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
) -> torch.Tensor:
    """Slide ``weight`` over ``x`` and take the weighted sum at each position.

    ``out[n, o, i] = bias[o] + sum_{c, k} weight[o, c, k] * x_padded[n, c, i * stride + k * dilation]``
    (and likewise in 2-D). The filter is *not* flipped: this is cross-correlation, as in
    the worked example of a 3x3 filter over an image and as in every deep-learning
    framework; a mathematical convolution would flip it first.

    Args:
        x: ``(N, C_in, L)`` or ``(N, C_in, H, W)``.
        weight: ``(C_out, C_in, K)`` or ``(C_out, C_in, KH, KW)``: ``C_out`` filters, each spanning
            every input channel (an RGB image with one 3x3x3 filter is ``C_in=3, C_out=1``).
        bias: ``(C_out,)`` or None.
        stride, dilation: int or one int per spatial dim, >= 1.
        padding: int, tuple, ``"valid"`` or ``"same"`` (output ``ceil(size / stride)``, any stride).

    Returns:
        ``(N, C_out, L_out)`` or ``(N, C_out, H_out, W_out)``.
    """
    n_dims = spatial_dims(x, "x")
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"weight must be a torch.Tensor, got {type(weight).__name__}")
    if weight.dim() != n_dims + 2:
        raise ValueError(
            f"weight must be {n_dims + 2}-D (C_out, C_in{', K' if n_dims == 1 else ', KH, KW'}) for "
            f"{n_dims}-D input of shape {tuple(x.shape)}, got shape {tuple(weight.shape)}"
        )
    if weight.shape[1] != x.shape[1]:
        raise ValueError(
            f"weight has {weight.shape[1]} input channels (dim 1 of {tuple(weight.shape)}) "
            f"but x has {x.shape[1]} (dim 1 of {tuple(x.shape)})"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    strides = to_tuple(stride, n_dims, "stride")
    dilations = to_tuple(dilation, n_dims, "dilation")
    check_positive(strides, "stride")
    check_positive(dilations, "dilation")
    sizes = tuple(x.shape[2:])
    kernels = tuple(weight.shape[2:])
    pads = resolve_padding(padding, sizes, kernels, strides, dilations)
    extents = [(k - 1) * d + 1 for k, d in zip(kernels, dilations)]
    check_fits(sizes, pads, extents, f"the kernel {kernels} (dilation {dilations})")

    if all(before == after for before, after in pads):
        # Symmetric padding: let the backend pad inside the kernel (no extra copy).
        return _CONV[n_dims](x, weight, bias, stride=strides, padding=[p for p, _ in pads], dilation=dilations)
    # Asymmetric ('same' with an even kernel or stride > 1): pad explicitly.
    # F.pad takes pairs from the last dim backwards: (W_before, W_after, H_before, H_after).
    flat = [p for pair in reversed(pads) for p in pair]
    return _CONV[n_dims](F.pad(x, flat), weight, bias, stride=strides, padding=0, dilation=dilations)


class Conv(nn.Module):
    """A learnable bank of ``out_channels`` filters applied with :func:`correlate`.

    ``(N, in_channels, *S) -> (N, out_channels, *S_out)``, with ``len(S) == spatial_dims``.
    Initialised like ``torch.nn.Conv*d`` (Kaiming-uniform with a=sqrt(5)).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        *,
        spatial_dims: int = 2,
        stride: int | Sequence[int] = 1,
        padding: PaddingSpec = 0,
        dilation: int | Sequence[int] = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if spatial_dims not in (1, 2):
            raise ValueError(f"spatial_dims must be 1 or 2, got {spatial_dims!r}")
        kernel = to_tuple(kernel_size, spatial_dims, "kernel_size")
        check_positive(kernel, "kernel_size")
        check_positive((in_channels, out_channels), "channels")
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, *kernel))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight[0].numel()
            nn.init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return correlate(x, self.weight, self.bias, stride=self.stride, padding=self.padding, dilation=self.dilation)

    def extra_repr(self) -> str:
        out_c, in_c, *kernel = self.weight.shape
        return (
            f"{in_c}, {out_c}, kernel_size={tuple(kernel)}, stride={self.stride}, "
            f"padding={self.padding!r}, dilation={self.dilation}, bias={self.bias is not None}"
        )
