import numpy as np
import pytest
from scipy import ndimage

from textcnn.image import ImageError, describe_kernels, get_filter, get_kernel, list_kernels

ISSUE_FILTERS = ["cross_blur", "edge", "gaussian", "box", "sobel_x", "sobel_y", "sobel_magnitude", "sharpen", "emboss"]


def test_bank_has_every_filter_of_the_issue_each_described_in_one_line():
    assert list_kernels() == ISSUE_FILTERS
    descriptions = describe_kernels()
    assert list(descriptions) == ISSUE_FILTERS
    for name, text in descriptions.items():
        assert text.strip() and "\n" not in text, name


def test_seed_kernels_are_exactly_the_seeds():
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float)
    np.testing.assert_array_equal(get_kernel("cross_blur", normalize=False), cross)
    np.testing.assert_allclose(get_kernel("cross_blur"), cross / 5)
    np.testing.assert_array_equal(get_kernel("edge"), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])


@pytest.mark.parametrize("size,sigma", [(3, 1.0), (5, 1.0), (7, 2.5), (1, 0.3)])
def test_gaussian_matches_scipy_blurring_an_impulse(size, sigma):
    impulse = np.zeros((size, size))
    impulse[size // 2, size // 2] = 1.0
    # scipy samples and normalises the same Gaussian; truncate sets its radius to size // 2.
    radius = size // 2
    expected = ndimage.gaussian_filter(impulse, sigma, mode="constant", truncate=radius / sigma) if radius else impulse
    kernel = get_kernel("gaussian", size=size, sigma=sigma)
    np.testing.assert_allclose(kernel, expected, atol=1e-12)
    assert kernel.sum() == pytest.approx(1.0)


def test_box_sharpen_emboss_values():
    np.testing.assert_allclose(get_kernel("box", size=5), np.full((5, 5), 1 / 25))
    identity = np.zeros((3, 3))
    identity[1, 1] = 1
    np.testing.assert_array_equal(get_kernel("sharpen"), identity - get_kernel("edge"))
    np.testing.assert_array_equal(get_kernel("emboss"), [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])


def test_sobel_orientation_matches_scipy():
    # scipy.ndimage.sobel along axis 1 (x) is positive where values increase to the right.
    rng = np.random.default_rng(0)
    image = rng.random((9, 11))
    np.testing.assert_allclose(
        ndimage.correlate(image, get_kernel("sobel_x"), mode="constant"), ndimage.sobel(image, axis=1, mode="constant")
    )
    np.testing.assert_allclose(
        ndimage.correlate(image, get_kernel("sobel_y"), mode="constant"), ndimage.sobel(image, axis=0, mode="constant")
    )


def test_sobel_magnitude_is_two_kernels_not_one():
    filt = get_filter("sobel_magnitude")
    assert filt.combine == "magnitude" and len(filt.kernels) == 2
    np.testing.assert_array_equal(filt.kernels[0], get_kernel("sobel_x"))
    np.testing.assert_array_equal(filt.kernels[1], get_kernel("sobel_y"))
    with pytest.raises(ImageError, match="no single kernel"):
        get_kernel("sobel_magnitude")


@pytest.mark.parametrize(
    "name,params,display",
    [
        ("edge", {}, "signed"),
        ("sobel_x", {}, "signed"),
        ("gaussian", {}, "image"),
        ("cross_blur", {}, "image"),
        ("emboss", {}, "image"),
        ("sobel_magnitude", {}, "magnitude"),
        ("cross_blur", {"normalize": False}, "auto"),
    ],
)
def test_display_kind_follows_the_weights(name, params, display):
    assert get_filter(name, **params).display == display


def test_get_kernel_returns_a_fresh_copy():
    kernel = get_kernel("edge")
    kernel[:] = 7
    assert get_kernel("edge")[1, 1] == -4


def test_unknown_name_is_a_value_error_listing_valid_names():
    with pytest.raises(ValueError, match=r"unknown filter 'blurr'; choose from: cross_blur, edge, .*emboss"):
        get_kernel("blurr")
    with pytest.raises(ImageError, match="unknown filter"):
        get_filter(3)


@pytest.mark.parametrize(
    "name,params,message",
    [
        ("gaussian", {"size": 4}, "size must be an odd int >= 1"),
        ("gaussian", {"size": 0}, "size must be an odd int >= 1"),
        ("gaussian", {"size": True}, "size must be an odd int"),
        ("gaussian", {"sigma": 0}, "sigma must be a positive number"),
        ("gaussian", {"sigma": float("nan")}, "sigma must be a positive number"),
        ("gaussian", {"radius": 2}, "filter 'gaussian' takes size, sigma; got radius"),
        ("box", {"size": 2.0}, "size must be an odd int"),
        ("sobel_x", {"size": 3}, "filter 'sobel_x' takes no parameters; got size"),
    ],
)
def test_bad_parameters_name_the_problem(name, params, message):
    with pytest.raises(ImageError, match=message):
        get_filter(name, **params)


def test_filter_records_its_parameters():
    filt = get_filter("gaussian", sigma=2.0)
    assert filt.params == {"size": 5, "sigma": 2.0}
    assert filt.shape == (5, 5)
