import itertools
import zlib

import numpy as np
import pytest
import torch

from textcnn import layers
from textcnn.layers import Conv, correlate, reference

from .oracles import correlate_scipy, expected_pads

SEED_KERNEL = [[0.4, 0.2, 1.0], [0.7, 0.1, 0.2], [0.7, 0.3, 1.0]]
SEED_PATCH = [[1, 0, 1], [0, 2, 0], [1, 0, 1]]


def seed_image() -> np.ndarray:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 3, size=(6, 6)).astype(np.float64)
    image[:3, :3] = SEED_PATCH
    return image


def test_seed_example_first_cell_is_3_3():
    image, kernel = seed_image(), np.array(SEED_KERNEL)
    fast = correlate(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])
    slow = reference.correlate(image[None, None], kernel[None, None])
    assert fast.shape == (1, 1, 4, 4) and slow.shape == (1, 1, 4, 4)
    assert fast[0, 0, 0, 0].item() == pytest.approx(3.3, abs=1e-12)
    assert slow[0, 0, 0, 0] == pytest.approx(3.3, abs=1e-12)
    np.testing.assert_allclose(fast.numpy(), slow, atol=1e-12)


def test_seed_example_stride_2_gives_2x2():
    image, kernel = seed_image(), np.array(SEED_KERNEL)
    out = correlate(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None], stride=2)
    assert out.shape == (1, 1, 2, 2)
    assert out[0, 0, 0, 0].item() == pytest.approx(3.3)


def test_filter_is_not_flipped():
    x = torch.zeros(1, 1, 5)
    x[0, 0, 2] = 1.0  # an impulse
    w = torch.tensor([[[1.0, 2.0, 3.0]]])
    # Cross-correlation of an impulse reads the filter backwards; a convolution would read it forwards.
    assert correlate(x, w, padding="same")[0, 0].tolist() == [0.0, 3.0, 2.0, 1.0, 0.0]


CASES_2D = [(7, 8, 3, 2), (6, 5, 2, 3), (5, 5, 3, 3)]  # H, W, KH, KW: odd and even sizes
CASES_1D = [(9, 3), (10, 4), (7, 2)]  # L, K


def _random_case(shape, kernel, c_in, c_out, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, c_in, *shape))
    w = rng.standard_normal((c_out, c_in, *kernel))
    b = rng.standard_normal(c_out)
    return x, w, b


@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, "valid", "same"])
@pytest.mark.parametrize("dilation", [1, 2])
@pytest.mark.parametrize("case", range(3))
def test_correlate_matches_reference_and_scipy(dims, stride, padding, dilation, case):
    if dims == 1:
        size, k = CASES_1D[case]
        shape, kernel = (size,), (k,)
    else:
        h, w, kh, kw = CASES_2D[case]
        shape, kernel = (h, w), (kh, kw)
    c_in, c_out = (3, 4) if case != 1 else (1, 2)
    x, w, b = _random_case(
        shape, kernel, c_in, c_out, seed=zlib.crc32(repr((dims, stride, padding, dilation, case)).encode())
    )
    n = len(shape)
    pads = expected_pads(padding, shape, kernel, (stride,) * n, (dilation,) * n)
    if any(s + sum(p) < (k - 1) * dilation + 1 for s, p, k in zip(shape, pads, kernel)):
        pytest.skip("kernel wider than the padded input: covered by the error tests")

    fast = correlate(
        torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), stride=stride, padding=padding, dilation=dilation
    ).numpy()
    slow = reference.correlate(x, w, b, stride=stride, padding=padding, dilation=dilation)
    oracle = correlate_scipy(x, w, b, (stride,) * n, pads, (dilation,) * n)
    assert fast.shape == oracle.shape == slow.shape
    np.testing.assert_allclose(fast, oracle, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(slow, oracle, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("size,kernel,stride", list(itertools.product([1, 5, 6, 7, 12], [1, 2, 3, 4], [1, 2, 3])))
def test_same_padding_gives_ceil_of_size_over_stride(size, kernel, stride):
    x = torch.randn(1, 2, size, size + 1)
    w = torch.randn(3, 2, kernel, kernel)
    out = correlate(x, w, padding="same", stride=stride)
    assert out.shape[2:] == (-(-size // stride), -(-(size + 1) // stride))


def test_tuple_padding_stride_dilation_per_dim():
    x, w, b = _random_case((6, 7), (3, 2), 2, 3, seed=1)
    kwargs = dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1))
    fast = correlate(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kwargs).numpy()
    oracle = correlate_scipy(x, w, b, (1, 2), [(2, 2), (1, 1)], (2, 1))
    np.testing.assert_allclose(fast, oracle, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(reference.correlate(x, w, b, **kwargs), oracle, rtol=1e-10, atol=1e-10)


def test_rgb_image_with_one_3x3x3_filter_sums_channels():
    x = torch.randn(1, 3, 8, 8, dtype=torch.float64)
    w = torch.randn(1, 3, 3, 3, dtype=torch.float64)
    together = correlate(x, w)
    per_channel = sum(correlate(x[:, c : c + 1], w[:, c : c + 1]) for c in range(3))
    torch.testing.assert_close(together, per_channel)


@pytest.mark.parametrize("padding,stride,dilation", [("same", 2, 1), ("same", 1, 2), (1, 1, 1), ("valid", 3, 1)])
def test_correlate_gradcheck(padding, stride, dilation):
    x = torch.randn(2, 2, 6, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 2, 2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, w, b: correlate(x, w, b, stride=stride, padding=padding, dilation=dilation), (x, w, b)
    )
    x1 = torch.randn(2, 2, 7, dtype=torch.float64, requires_grad=True)
    w1 = torch.randn(3, 2, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, w: correlate(x, w, stride=stride, padding=padding, dilation=dilation), (x1, w1)
    )


@pytest.mark.parametrize(
    "x_shape,w_shape,kwargs,message",
    [
        ((1, 1, 4, 4), (1, 1, 5, 5), {}, "kernel .* spans 5 positions"),
        ((1, 1, 4, 4), (1, 1, 3, 3), {"dilation": 2}, "spans 5 positions"),
        ((1, 1, 4, 4), (1, 1, 3, 3, 3), {}, "weight must be 4-D"),
        ((1, 1, 8), (1, 1, 3, 3), {}, "weight must be 3-D"),
        ((1, 3, 8, 8), (1, 1, 3, 3), {}, "weight has 1 input channels .* x has 3"),
        ((4, 4), (1, 1, 3), {}, "x must be .*3-D or 4-D"),
        ((1, 1, 2, 2, 2), (1, 1, 1, 1, 1), {}, "x must be .*3-D or 4-D"),
        ((1, 1, 8), (1, 1, 3), {"stride": 0}, "stride must be >= 1"),
        ((1, 1, 8), (1, 1, 3), {"dilation": 0}, "dilation must be >= 1"),
        ((1, 1, 8), (1, 1, 3), {"padding": -1}, "padding must be >= 0"),
        ((1, 1, 8), (1, 1, 3), {"padding": "full"}, "padding must be an int, a tuple of ints, 'valid' or 'same'"),
    ],
)
def test_correlate_errors_name_the_problem(x_shape, w_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        correlate(torch.zeros(x_shape), torch.zeros(w_shape), **kwargs)


def test_correlate_type_errors():
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        correlate(np.zeros((1, 1, 5)), torch.zeros(1, 1, 3))
    with pytest.raises(TypeError, match="weight must be a torch.Tensor"):
        correlate(torch.zeros(1, 1, 5), [[[1.0, 2.0]]])
    with pytest.raises(TypeError, match="stride must be an int or a tuple of 2 ints"):
        correlate(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), stride=(1, 2, 3))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        correlate(torch.zeros(1, 1, 5), torch.zeros(2, 1, 3), torch.zeros(3))


def test_conv_module_matches_function_and_trains():
    conv = Conv(3, 5, (3, 2), spatial_dims=2, stride=2, padding="same")
    x = torch.randn(2, 3, 9, 8)
    out = conv(x)
    assert out.shape == (2, 5, 5, 4)
    torch.testing.assert_close(out, correlate(x, conv.weight, conv.bias, stride=2, padding="same"))
    out.sum().backward()
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="spatial_dims must be 1 or 2"):
        Conv(1, 1, 3, spatial_dims=3)
    with pytest.raises(TypeError, match="kernel_size must be an int or a tuple of 1 ints"):
        Conv(1, 1, (3, 3), spatial_dims=1)


def test_public_api_names():
    for name in ["correlate", "pool", "global_pool", "channel_pool", "Conv", "ConvBank", "GlobalPool", "Pool"]:
        assert hasattr(layers, name)
    for name in ["correlate", "pool", "global_pool", "channel_pool"]:
        assert callable(getattr(reference, name))
