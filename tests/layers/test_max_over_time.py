import pytest
import torch
import torch.nn.functional as F

from textcnn.layers import conv_max_over_time, correlate, global_pool


def dense(x, weight, bias, mask):
    """The composition conv_max_over_time replaces, with autograd's dense backward."""
    return global_pool(torch.relu(correlate(x.transpose(1, 2), weight, bias, padding="same")), "max", mask=mask)


def inputs(taps, *, bias=True, seed=0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(5, 9, 4, generator=generator, dtype=dtype)
    weight = torch.randn(6, 4, taps, generator=generator, dtype=dtype) * 0.5
    b = torch.randn(6, generator=generator, dtype=dtype) if bias else None
    lengths = torch.tensor([9, 6, 1, 0, 3])  # full, cut, shorter than the filter, empty, short
    mask = torch.arange(9) < lengths.unsqueeze(1)
    return x, weight, b, mask


def forward_backward(fn, x, weight, bias, mask, upstream):
    leaves = [t.detach().requires_grad_() for t in (x, weight) + ((bias,) if bias is not None else ())]
    out = fn(leaves[0], leaves[1], leaves[2] if bias is not None else None, mask)
    (out * upstream).sum().backward()
    return out.detach(), [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("taps", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("bias", [True, False])
def test_forward_and_gradients_equal_the_dense_backward(taps, bias):
    x, weight, b, mask = inputs(taps, bias=bias, seed=taps)
    upstream = torch.randn(5, 6, dtype=torch.float64)
    upstream[upstream.abs() < 0.5] = 0  # as dropout leaves it: some pooled values get no gradient
    expected, expected_grads = forward_backward(dense, x, weight, b, mask, upstream)
    got, got_grads = forward_backward(conv_max_over_time, x, weight, b, mask, upstream)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
    assert (got[3] == 0).all()  # the empty text pools to 0, as global_pool's masked max does
    assert (expected > 0).any() and (expected == 0).any()  # both sides of ReLU are exercised
    for g, e in zip(got_grads, expected_grads):
        torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-12)


def test_gradcheck():
    x, weight, b, mask = inputs(3, seed=7)
    leaves = [t.detach().requires_grad_() for t in (x, weight, b)]
    assert torch.autograd.gradcheck(lambda x, w, b: conv_max_over_time(x, w, b, mask), leaves)


def test_tied_windows_get_the_same_total_gradient():
    """A repeated phrase gives equal responses: the dense max splits the gradient between the copies,
    this one gives it all to one. Filters, bias and each word's summed gradient come out the same."""
    x, weight, b, mask = inputs(3, seed=3)
    x[0, 5:8] = x[0, 0:3]  # the window centred on 1 reappears centred on 6 (padding differs only at 0)
    x[0, 3] = x[0, 8] = 0
    mask[0] = True
    upstream = torch.randn(5, 6, dtype=torch.float64)
    _, (dx_dense, dw_dense, db_dense) = forward_backward(dense, x, weight, b, mask, upstream)
    _, (dx_ours, dw_ours, db_ours) = forward_backward(conv_max_over_time, x, weight, b, mask, upstream)
    torch.testing.assert_close(dw_ours, dw_dense)
    torch.testing.assert_close(db_ours, db_dense)
    torch.testing.assert_close(dx_ours[0, 0:3] + dx_ours[0, 5:8], dx_dense[0, 0:3] + dx_dense[0, 5:8])
    torch.testing.assert_close(dx_ours[1:], dx_dense[1:])


def test_bf16_autocast_matches_the_dense_path_under_autocast():
    x, weight, b, mask = (t if t is None or t.dtype == torch.bool else t.float() for t in inputs(5, seed=11))
    upstream = torch.randn(5, 6)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        expected, expected_grads = forward_backward(dense, x, weight, b, mask, upstream)
        got, got_grads = forward_backward(conv_max_over_time, x, weight, b, mask, upstream)
    assert got.dtype == torch.bfloat16
    torch.testing.assert_close(got, expected)
    for g, e in zip(got_grads, expected_grads):
        assert g.dtype == torch.float32
        torch.testing.assert_close(g, e, rtol=0.02, atol=0.02)


def test_no_input_gradient_when_the_input_is_frozen():
    x, weight, b, mask = inputs(4)
    weight.requires_grad_()
    conv_max_over_time(x, weight, b, mask).sum().backward()
    assert weight.grad is not None and x.grad is None


@pytest.mark.parametrize(
    ("shape", "mask_shape", "message"),
    [((2, 5), (2, 5), "x must be"), ((2, 5, 3), (2, 4), "mask must be")],
)
def test_bad_shapes_name_the_argument(shape, mask_shape, message):
    with pytest.raises(ValueError, match=message):
        conv_max_over_time(torch.zeros(shape), torch.zeros(4, 3, 3), None, torch.ones(mask_shape, dtype=torch.bool))


def test_dropout_zeroed_filters_need_no_work():
    """Only (text, filter) pairs with a gradient are touched: an all-zero upstream gives zero gradients."""
    x, weight, b, mask = inputs(5)
    _, grads = forward_backward(conv_max_over_time, x, weight, b, mask, torch.zeros(5, 6, dtype=torch.float64))
    assert all((g == 0).all() for g in grads)
    out = conv_max_over_time(x, weight, b, mask)
    assert F.relu(out).equal(out)  # pooled ReLU responses are never negative
