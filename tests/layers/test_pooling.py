import zlib

import numpy as np
import pytest
import torch

from textcnn.layers import ChannelPool, GlobalPool, Pool, channel_pool, global_pool, pool, reference

from .oracles import expected_pads, pool_scipy


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize("kernel", [2, 3])
@pytest.mark.parametrize("stride", [None, 1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, "valid", "same"])
@pytest.mark.parametrize("size", [7, 8])
def test_pool_matches_reference_and_scipy(kind, dims, kernel, stride, padding, size):
    rng = np.random.default_rng(zlib.crc32(repr((kind, dims, kernel, stride, padding, size)).encode()))
    shape = (size,) if dims == 1 else (size, size - 1)
    x = rng.standard_normal((2, 3, *shape))
    strides = (stride or kernel,) * dims
    pads = expected_pads(padding, shape, (kernel,) * dims, strides, (1,) * dims)

    fast = pool(torch.from_numpy(x), kind, kernel, stride=stride, padding=padding).numpy()
    slow = reference.pool(x, kind, kernel, stride=stride, padding=padding)
    oracle = pool_scipy(x, kind, (kernel,) * dims, strides, pads)
    assert fast.shape == slow.shape == oracle.shape
    np.testing.assert_allclose(fast, oracle, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(slow, oracle, rtol=1e-10, atol=1e-12)


def test_pool_default_stride_is_window_and_known_values():
    x = torch.tensor([[[[1.0, 2.0, 5.0, 6.0], [3.0, 4.0, 7.0, 8.0], [0.0, 0.0, 1.0, 1.0], [0.0, 4.0, 1.0, 1.0]]]])
    assert pool(x, "max", 2).tolist() == [[[[4.0, 8.0], [4.0, 1.0]]]]
    assert pool(x, "avg", 2).tolist() == [[[[2.5, 6.5], [1.0, 1.0]]]]


def test_avg_pool_counts_only_real_elements_in_padded_windows():
    x = torch.ones(1, 1, 4)
    # Every window holds only ones, so the mean is 1 everywhere, including the padded edges.
    assert pool(x, "avg", 3, stride=1, padding=1).tolist() == [[[1.0, 1.0, 1.0, 1.0]]]
    # Max pooling never lets padding win, even for all-negative input.
    assert pool(-x, "max", 3, stride=1, padding=1).tolist() == [[[-1.0, -1.0, -1.0, -1.0]]]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dims", [1, 2])
def test_global_pool_with_and_without_mask(kind, dims):
    rng = np.random.default_rng(3)
    shape = (9,) if dims == 1 else (4, 5)
    x = rng.standard_normal((4, 3, *shape))
    mask = rng.random((4, *shape)) < 0.5
    mask[0] = True  # a full row
    mask[1] = False
    mask[(1, *(0,) * dims)] = True  # a single real position
    fast_plain = global_pool(torch.from_numpy(x), kind).numpy()
    fast_masked = global_pool(torch.from_numpy(x), kind, mask=torch.from_numpy(mask)).numpy()
    np.testing.assert_allclose(fast_plain, reference.global_pool(x, kind), rtol=1e-12)
    np.testing.assert_allclose(fast_masked, reference.global_pool(x, kind, mask=mask), rtol=1e-12)
    # NumPy's own masked reductions as a second oracle.
    flat_x = x.reshape(4, 3, -1)
    flat_m = np.broadcast_to(mask.reshape(4, 1, -1), flat_x.shape)
    masked = np.ma.masked_array(flat_x, mask=~flat_m)
    expected = masked.max(axis=2) if kind == "max" else masked.mean(axis=2)
    np.testing.assert_allclose(fast_masked, expected.filled(0.0), rtol=1e-12)
    np.testing.assert_allclose(fast_masked[1], x[(1, slice(None), *(0,) * dims)], rtol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_global_pool_masked_positions_never_matter(kind):
    x = torch.randn(2, 4, 6)
    mask = torch.tensor([[True] * 4 + [False] * 2, [True] * 6])
    poisoned = x.clone()
    poisoned[0, :, 4:] = 1e6  # huge values at masked positions must not win or count
    torch.testing.assert_close(global_pool(x, kind, mask=mask), global_pool(poisoned, kind, mask=mask))


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_global_pool_empty_row_pools_to_zero_with_finite_gradient(kind):
    x = torch.randn(2, 3, 5, requires_grad=True)
    mask = torch.tensor([[False] * 5, [True, True, False, False, False]])
    out = global_pool(x, kind, mask=mask)
    assert out[0].tolist() == [0.0, 0.0, 0.0]
    out.sum().backward()
    assert torch.isfinite(x.grad).all()
    assert x.grad[0].abs().sum() == 0 and x.grad[1, :, 2:].abs().sum() == 0


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dims", [1, 2])
def test_channel_pool(kind, dims):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, *((6,) if dims == 1 else (4, 5))))
    fast = channel_pool(torch.from_numpy(x), kind).numpy()
    assert fast.shape == (2, 1, *x.shape[2:])
    np.testing.assert_allclose(fast, reference.channel_pool(x, kind), rtol=1e-12)
    np.testing.assert_allclose(fast[:, 0], x.max(axis=1) if kind == "max" else x.mean(axis=1), rtol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_gradcheck(kind):
    x = torch.randn(2, 2, 7, 6, dtype=torch.float64, requires_grad=True)  # continuous values: no ties
    assert torch.autograd.gradcheck(lambda x: pool(x, kind, 3, stride=2, padding="same"), (x,))
    assert torch.autograd.gradcheck(lambda x: pool(x, kind, 2, stride=1, padding=1), (x,))
    x1 = torch.randn(2, 3, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: pool(x, kind, 3), (x1,))


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_global_and_channel_pool_gradcheck(kind):
    x = torch.randn(3, 2, 6, dtype=torch.float64, requires_grad=True)
    mask = torch.tensor([[True] * 6, [True, False, True, False, False, False], [False] * 6])
    assert torch.autograd.gradcheck(lambda x: global_pool(x, kind, mask=mask), (x,))
    assert torch.autograd.gradcheck(lambda x: global_pool(x, kind), (x,))
    x2 = torch.randn(2, 3, 4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: channel_pool(x, kind), (x2,))


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: pool(torch.zeros(1, 1, 4), "min", 2), "kind must be 'max' or 'avg'"),
        (lambda: global_pool(torch.zeros(1, 1, 4), "median"), "kind must be 'max' or 'avg'"),
        (lambda: channel_pool(torch.zeros(1, 1, 4), "sum"), "kind must be 'max' or 'avg'"),
        (lambda: GlobalPool("mean"), "kind must be 'max' or 'avg'"),
        (lambda: pool(torch.zeros(1, 1, 4), "max", 5), "pooling window .* spans 5 positions"),
        (lambda: pool(torch.zeros(1, 1, 4, 4), "max", 2, padding=2), "must be smaller than the window"),
        (lambda: pool(torch.zeros(1, 1, 4), "max", 0), "kernel_size must be >= 1"),
        (lambda: pool(torch.zeros(1, 1, 4), "max", 2, stride=0), "stride must be >= 1"),
        (lambda: pool(torch.zeros(4, 4), "max", 2), "x must be .*3-D or 4-D"),
        (
            lambda: global_pool(torch.zeros(2, 1, 4), "max", mask=torch.ones(2, 5, dtype=torch.bool)),
            "mask must have shape",
        ),
        (lambda: global_pool(torch.zeros(4), "max"), "x must be .*3-D or 4-D"),
    ],
)
def test_pool_errors_name_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_global_pool_mask_must_be_bool():
    with pytest.raises(TypeError, match="mask must be a bool tensor"):
        global_pool(torch.zeros(2, 1, 4), "max", mask=torch.ones(2, 4))


def test_modules_match_functions():
    x = torch.randn(2, 3, 6, 6)
    mask = torch.rand(2, 6, 6) > 0.3
    torch.testing.assert_close(Pool("avg", 3, stride=2, padding="same")(x), pool(x, "avg", 3, stride=2, padding="same"))
    torch.testing.assert_close(GlobalPool("max")(x, mask), global_pool(x, "max", mask=mask))
    torch.testing.assert_close(ChannelPool("avg")(x), channel_pool(x, "avg"))
