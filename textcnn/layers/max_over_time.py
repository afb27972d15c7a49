"""Convolution, ReLU and max-over-time pooling in one step, with a backward that reads only the kept windows.

Max-over-time pooling keeps one position per filter and text, so the gradient reaching each filter's
feature map is zero everywhere but there. Autograd's convolution backward does not know that: it
multiplies the whole map, every position, with the input and the filters, twice the forward's
arithmetic. This backward gathers each kept window instead and works only on the filters whose kept
value passed ReLU (and, in training, dropout): for a text of ``L`` tokens, about ``1 / L`` of the
dense backward's multiply-adds. The gradients are the same (up to the order of float sums), and so is
the forward.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .correlate import autocast_operands, correlate
from .padding import same_padding


def conv_max_over_time(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, mask: torch.Tensor
) -> torch.Tensor:
    """``max over real positions of ReLU(correlate(x, weight, bias, 'same'))``: ``(B, L, D) -> (B, F)``.

    Args:
        x: ``(B, L, D)`` vectors, positions first (as an embedding gives them).
        weight: ``(F, D, K)`` filters of ``K`` taps; ``bias``: ``(F,)`` or None.
        mask: ``(B, L)`` bool, True at real positions; a row with none pools to 0.

    Equal to ``global_pool(relu(correlate(x.transpose(1, 2), weight, bias, padding='same')), 'max',
    mask=mask)``, with the backward described in the module docstring. Under autocast the
    convolution runs in the autocast dtype, as :class:`~textcnn.layers.ConvBank` does.
    """
    if x.dim() != 3 or weight.dim() != 3 or x.shape[2] != weight.shape[1]:
        raise ValueError(f"x must be (B, L, D) and weight (F, D, K); got {tuple(x.shape)} and {tuple(weight.shape)}")
    if mask.dtype != torch.bool or tuple(mask.shape) != tuple(x.shape[:2]):
        raise ValueError(f"mask must be a bool (B, L) = {tuple(x.shape[:2])} tensor, got {tuple(mask.shape)}")
    return _ConvMaxOverTime.apply(*autocast_operands(x, weight, bias), mask)


class _ConvMaxOverTime(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, mask):  # noqa: ANN001, ANN205 (autograd's signature)
        maps = correlate(x.transpose(1, 2), weight, bias, padding="same")  # (B, L, D) -> (B, F, L)
        maps.masked_fill_(~mask.unsqueeze(1), float("-inf"))  # a fresh tensor: nothing else reads it
        values, positions = maps.max(dim=2)  # (B, F) each; ReLU after the max is the same as before it
        ctx.save_for_backward(x, weight, values, positions)
        ctx.has_bias = bias is not None
        return values.clamp(min=0)  # a row with no real position: -inf -> 0

    @staticmethod
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        x, weight, values, positions = ctx.saved_tensors
        batch, length, dim = x.shape
        num_filters, _, taps = weight.shape
        before, after = same_padding(1, taps)
        padded_length = length + taps - 1
        compute = torch.promote_types(x.dtype, torch.float32)  # bf16 in, fp32 sums; fp64 stays fp64
        grad = grad.to(compute) * (values > 0)  # ReLU's gradient: zero where the kept value was not positive
        rows, filters = grad.nonzero(as_tuple=True)  # (N,) each: the (text, filter) pairs with a gradient
        scale = grad[rows, filters]  # (N,)
        starts = positions[rows, filters]  # (N,) first tap's position, counted in the padded text
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[1]:
            padded = F.pad(x.to(compute), (0, 0, before, after))  # (B, L + K - 1, D)
            # (B, L, D, K) view -> (B, L, K, D): each window is K * D consecutive floats -> (N, K, D) kept windows
            windows = padded.unfold(1, taps, 1).transpose(2, 3)[rows, starts]
            # Filter f's gradient sums its kept windows, each times its scale: a sparse (F, N) matrix product.
            by_filter = _sparse(filters, torch.arange(len(rows), device=x.device), scale, (num_filters, len(rows)))
            grad_weight = torch.sparse.mm(by_filter, windows.reshape(len(rows), taps * dim))  # (F, K * D)
            grad_weight = grad_weight.view(num_filters, taps, dim).transpose(1, 2).to(weight.dtype)  # (F, D, K)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_bias = grad.sum(dim=0).to(weight.dtype)
        if ctx.needs_input_grad[0]:
            # Tap k of filter f, kept at start s of text b, sends scale * weight[f, :, k] to padded position s + k:
            # a sparse (B * (L + K - 1), F * K) matrix of scales times the filters laid out as (F * K, D).
            tap = torch.arange(taps, device=x.device)
            target = ((rows * padded_length + starts).unsqueeze(1) + tap).reshape(-1)  # (N * K,)
            source = (filters.unsqueeze(1) * taps + tap).reshape(-1)  # (N * K,)
            spread = _sparse(target, source, scale.repeat_interleave(taps), (batch * padded_length, num_filters * taps))
            by_tap = weight.to(compute).permute(0, 2, 1).reshape(num_filters * taps, dim)  # (F, D, K) -> (F * K, D)
            grad_padded = torch.sparse.mm(spread, by_tap).view(batch, padded_length, dim)
            grad_x = grad_padded[:, before : before + length].to(x.dtype)  # (B, L, D): drop the padding
        return grad_x, grad_weight, grad_bias, None


def _sparse(rows: torch.Tensor, columns: torch.Tensor, values: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """A COO matrix with ``values`` at (``rows``, ``columns``); repeated positions add up."""
    return torch.sparse_coo_tensor(torch.stack([rows, columns]), values, shape, check_invariants=False)
