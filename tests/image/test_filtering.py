"""Filters and pooling against independent oracles: scipy.ndimage and plain NumPy reductions."""

import numpy as np
import pytest
from scipy import ndimage

import textcnn.layers
from textcnn.image import (
    ImageError,
    apply_filter,
    channel_pool_maps,
    filter_gray,
    filter_rgb,
    get_filter,
    get_kernel,
    global_pool_maps,
    list_kernels,
    pool_map,
)

LINEAR = [name for name in list_kernels() if name != "sobel_magnitude"]
SHAPES = [(12, 17), (9, 8), (5, 5)]


def gray_image(shape, seed=0):
    return np.random.default_rng(seed).random(shape)


def rgb_image(shape, seed=1):
    return np.random.default_rng(seed).random((*shape, 3))


def scipy_same(image, kernel):
    """Cross-correlation with zeros outside, window centred: 'same' for odd kernels at stride 1."""
    return ndimage.correlate(image, kernel, mode="constant", cval=0.0)


def scipy_valid(image, kernel):
    ry, rx = kernel.shape[0] // 2, kernel.shape[1] // 2
    full = scipy_same(image, kernel)
    return full[ry : image.shape[0] - ry, rx : image.shape[1] - rx]


@pytest.mark.parametrize("name", LINEAR)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_gray_filters_match_scipy(name, shape, padding):
    image, kernel = gray_image(shape), get_kernel(name)
    ours = apply_filter(image, name, padding=padding)
    oracle = scipy_same(image, kernel) if padding == "same" else scipy_valid(image, kernel)
    assert ours.shape == oracle.shape
    np.testing.assert_allclose(ours, oracle, atol=1e-12)
    np.testing.assert_allclose(filter_gray(image, kernel, padding=padding), oracle, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_with_parameters_matches_scipy(shape):
    image = gray_image(shape, seed=3)
    ours = apply_filter(image, "gaussian", size=5, sigma=1.7)
    np.testing.assert_allclose(ours, scipy_same(image, get_kernel("gaussian", size=5, sigma=1.7)), atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_sobel_magnitude_matches_scipy(shape):
    image = gray_image(shape, seed=4)
    oracle = np.hypot(ndimage.sobel(image, axis=1, mode="constant"), ndimage.sobel(image, axis=0, mode="constant"))
    np.testing.assert_allclose(apply_filter(image, "sobel_magnitude"), oracle, atol=1e-12)


@pytest.mark.parametrize("name", ["edge", "gaussian", "sobel_x", "emboss"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_rgb_per_channel_matches_scipy_on_each_channel(name, shape, padding):
    image, kernel = rgb_image(shape), get_kernel(name)
    ours = apply_filter(image, name, padding=padding, how="per_channel")
    oracle = np.stack(
        [(scipy_same if padding == "same" else scipy_valid)(image[:, :, c], kernel) for c in range(3)], axis=2
    )
    assert ours.shape == oracle.shape
    np.testing.assert_allclose(ours, oracle, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_rgb_3x3x3_filter_matches_scipy_3d_correlation(shape):
    image = rgb_image(shape, seed=5)
    kernel3 = np.random.default_rng(6).standard_normal((3, 3, 3))  # (channel, KH, KW)
    ours = filter_rgb(image, kernel3, how="summed", padding="same")
    # In HWC layout the filter is (KH, KW, 3); centred on the middle channel, a 3-D correlation
    # with zeros outside sums exactly the three channels.
    oracle = ndimage.correlate(image, np.moveaxis(kernel3, 0, 2), mode="constant")[:, :, 1]
    assert ours.shape == shape
    np.testing.assert_allclose(ours, oracle, atol=1e-12)


def test_rgb_summed_2d_kernel_is_the_sum_of_the_channels_maps():
    image = rgb_image((10, 13))
    kernel = get_kernel("sobel_y")
    summed = filter_rgb(image, kernel, how="summed")
    per_channel = filter_rgb(image, kernel, how="per_channel")
    assert summed.shape == (10, 13) and per_channel.shape == (10, 13, 3)
    np.testing.assert_allclose(summed, per_channel.sum(axis=2), atol=1e-12)


def test_seed_worked_example_and_strides():
    image = np.random.default_rng(0).integers(0, 3, size=(6, 6)).astype(float)
    image[:3, :3] = [[1, 0, 1], [0, 2, 0], [1, 0, 1]]
    kernel = np.array([[0.4, 0.2, 1.0], [0.7, 0.1, 0.2], [0.7, 0.3, 1.0]])
    stride1 = filter_gray(image, kernel, padding="valid")
    stride2 = filter_gray(image, kernel, padding="valid", stride=2)
    oracle = scipy_valid(image, kernel)
    assert stride1.shape == (4, 4) and stride2.shape == (2, 2)
    assert stride1[0, 0] == pytest.approx(3.3)
    np.testing.assert_allclose(stride1, oracle, atol=1e-12)
    np.testing.assert_allclose(stride2, oracle[::2, ::2], atol=1e-12)


def test_same_with_stride_2_on_an_odd_size_is_the_centred_result_subsampled():
    image = gray_image((11, 9))
    kernel = get_kernel("edge")
    np.testing.assert_allclose(
        filter_gray(image, kernel, padding="same", stride=2), scipy_same(image, kernel)[::2, ::2], atol=1e-12
    )


def test_filtering_goes_through_textcnn_layers(monkeypatch):
    calls = []
    original = textcnn.layers.correlate

    def spy(*args, **kwargs):
        calls.append(tuple(args[1].shape))
        return original(*args, **kwargs)

    monkeypatch.setattr(textcnn.layers, "correlate", spy)
    apply_filter(gray_image((6, 6)), "edge")
    filter_rgb(rgb_image((6, 6)), get_kernel("box"), how="per_channel")
    filter_rgb(rgb_image((6, 6)), get_kernel("box"), how="summed")
    apply_filter(gray_image((6, 6)), "sobel_magnitude")
    assert calls == [(1, 1, 3, 3), (1, 1, 3, 3), (1, 3, 3, 3), (1, 1, 3, 3), (1, 1, 3, 3)]


@pytest.mark.parametrize(
    "shape,name,params,message",
    [
        ((4, 4), "gaussian", {}, r"image is 4x4 pixels but the gaussian filter is 5x5: 'valid' borders need"),
        ((2, 9), "edge", {}, r"image is 2x9 pixels but the edge filter is 3x3"),
        ((6, 6), "gaussian", {"size": 7}, r"image is 6x6 pixels but the gaussian filter is 7x7"),
    ],
)
def test_image_smaller_than_filter_in_valid_mode(shape, name, params, message):
    with pytest.raises(ImageError, match=message):
        apply_filter(gray_image(shape), name, padding="valid", **params)
    with pytest.raises(ImageError, match=message):
        apply_filter(rgb_image(shape), name, padding="valid", **params)
    # 'same' borders pad, so the same image is fine.
    assert apply_filter(gray_image(shape), name, padding="same", **params).shape == shape


def test_bad_arguments_name_the_problem():
    gray, rgb = gray_image((6, 6)), rgb_image((6, 6))
    with pytest.raises(ImageError, match="padding must be 'same' or 'valid', got 'full'"):
        apply_filter(gray, "edge", padding="full")
    with pytest.raises(ImageError, match="stride must be an int >= 1, got 0"):
        filter_gray(gray, get_kernel("edge"), stride=0)
    with pytest.raises(ImageError, match="unknown filter 'edges'"):
        apply_filter(gray, "edges")
    with pytest.raises(ImageError, match="how must be 'per_channel' or 'summed'"):
        filter_rgb(rgb, get_kernel("edge"), how="sum")
    with pytest.raises(ImageError, match="per-channel filtering takes a 2-D"):
        filter_rgb(rgb, np.zeros((3, 3, 3)), how="per_channel")
    with pytest.raises(ImageError, match="filter_gray needs a grayscale"):
        filter_gray(rgb, get_kernel("edge"))
    with pytest.raises(ImageError, match="filter_rgb needs an RGB"):
        filter_rgb(gray, get_kernel("edge"))
    with pytest.raises(ImageError, match=r"expected a grayscale \(H, W\) or RGB \(H, W, 3\) image"):
        apply_filter(np.zeros((4, 4, 2)), "edge")
    with pytest.raises(ImageError, match="parameters sigma given with a ready-built filter"):
        apply_filter(gray, get_filter("gaussian"), sigma=2.0)


# --- pooling -----------------------------------------------------------------------------------------


def blocks(maps, size):
    """(C, H, W) -> (C, H//size, W//size, size*size): the non-overlapping windows, via reshape (no textcnn)."""
    c, h, w = maps.shape
    h, w = h - h % size, w - w % size
    cut = maps[:, :h, :w].reshape(c, h // size, size, w // size, size)
    return cut.transpose(0, 1, 3, 2, 4).reshape(c, h // size, w // size, size * size)


@pytest.mark.parametrize("shape", [(8, 8), (7, 10), (3, 9, 6)])
@pytest.mark.parametrize("size", [2, 3])
def test_pool_map_matches_numpy_blocks(shape, size):
    maps = np.random.default_rng(7).standard_normal(shape)
    windows = blocks(maps if maps.ndim == 3 else maps[None], size)
    for kind, reduce in (("max", np.max), ("avg", np.mean)):
        expected = reduce(windows, axis=-1)
        ours = pool_map(maps, kind, size)
        np.testing.assert_allclose(ours, expected if maps.ndim == 3 else expected[0], atol=1e-12)


def test_pool_map_overlapping_windows_match_scipy():
    fmap = np.random.default_rng(8).standard_normal((9, 11))
    # maximum_filter centred on (i+1, j+1) is the 3x3 window starting at (i, j).
    oracle = ndimage.maximum_filter(fmap, size=3, mode="constant", cval=-np.inf)[1:-1, 1:-1]
    np.testing.assert_allclose(pool_map(fmap, "max", 3, stride=1), oracle)
    np.testing.assert_allclose(pool_map(fmap, "max", 3, stride=2), oracle[::2, ::2])


def test_global_and_channel_pooling():
    maps = np.random.default_rng(9).standard_normal((4, 5, 6))
    np.testing.assert_allclose(global_pool_maps(maps, "max"), maps.max(axis=(1, 2)))
    np.testing.assert_allclose(global_pool_maps(maps, "avg"), maps.mean(axis=(1, 2)))
    np.testing.assert_allclose(channel_pool_maps(maps, "max"), maps.max(axis=0))
    np.testing.assert_allclose(channel_pool_maps(maps, "avg"), maps.mean(axis=0))
    assert global_pool_maps(maps[0], "max").shape == (1,)
    assert channel_pool_maps(maps, "max").shape == (5, 6)


def test_pooling_errors():
    with pytest.raises(ImageError, match="feature map is 3x3 but the pooling window is 4x4"):
        pool_map(np.zeros((3, 3)), "max", 4)
    with pytest.raises(ImageError, match="pooling kind must be 'max' or 'avg', got 'min'"):
        pool_map(np.zeros((4, 4)), "min")
    with pytest.raises(ImageError, match="pooling stride must be an int >= 1"):
        pool_map(np.zeros((4, 4)), "max", 2, stride=0)
    with pytest.raises(ImageError, match=r"expected a feature map \(H, W\) or a stack"):
        global_pool_maps(np.zeros((1, 2, 3, 4)), "max")
    with pytest.raises(ImageError, match="pooling kind must be 'max' or 'avg'"):
        channel_pool_maps(np.zeros((2, 3, 3)), "median")
