import pytest
import torch

from textcnn.layers import ConvBank, correlate, global_pool


def test_conv_bank_1d_shapes_and_branches():
    bank = ConvBank(8, 5, (3, 4, 5))
    x = torch.randn(2, 8, 11)  # (N, C, L)
    out = bank(x)
    assert out.shape == (2, 15, 11) and bank.out_channels == 15
    for i, conv in enumerate(bank.convs):  # each block of channels is one branch with 'same' padding
        torch.testing.assert_close(out[:, 5 * i : 5 * (i + 1)], correlate(x, conv.weight, conv.bias, padding="same"))


@pytest.mark.parametrize("kernel_sizes", [(3, 4, 5), (2, 3), (1, 4), (5,)])
@pytest.mark.parametrize("dims", [1, 2])
def test_fused_bank_equals_one_conv_per_branch(kernel_sizes, dims):
    bank = ConvBank(3, 4, kernel_sizes, spatial_dims=dims).double()
    x = torch.randn(2, 3, *((9,) if dims == 1 else (6, 7)), dtype=torch.float64, requires_grad=True)
    fused = bank(x)
    bank.fused = False
    unfused = bank(x)
    torch.testing.assert_close(fused, unfused)
    grads_fused = torch.autograd.grad(fused.square().sum(), [x, *bank.parameters()])
    grads_unfused = torch.autograd.grad(unfused.square().sum(), [x, *bank.parameters()])
    for a, b in zip(grads_fused, grads_unfused):
        torch.testing.assert_close(a, b)


def test_conv_bank_2d():
    bank = ConvBank(3, 4, (1, 3), spatial_dims=2)
    assert bank(torch.randn(1, 3, 6, 7)).shape == (1, 8, 6, 7)


def test_conv_bank_ignores_zero_padding_at_real_positions():
    """Appending zero vectors (padding) leaves the features at real positions unchanged."""
    bank = ConvBank(4, 3, (2, 3, 5))
    x = torch.randn(1, 4, 6)
    padded = torch.cat([x, torch.zeros(1, 4, 9)], dim=2)
    torch.testing.assert_close(bank(padded)[..., :6], bank(x))
    mask = torch.tensor([[True] * 6 + [False] * 9])
    torch.testing.assert_close(global_pool(bank(padded), "max", mask=mask), global_pool(bank(x), "max"))


def test_conv_bank_handles_input_shorter_than_widest_kernel():
    bank = ConvBank(4, 3, (3, 4, 5))
    assert bank(torch.randn(2, 4, 1)).shape == (2, 9, 1)


def test_conv_bank_needs_a_kernel_size():
    with pytest.raises(ValueError, match="at least one kernel size"):
        ConvBank(4, 3, ())
