import numpy as np
import pytest
from PIL import Image

from textcnn.image import GRAY_WEIGHTS, ImageError, downscale, load_image, sample_image, to_grayscale, to_rgb

RNG = np.random.default_rng(0)
GRAY8 = RNG.integers(0, 256, size=(5, 7), dtype=np.uint8)
RGB8 = RNG.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
ALPHA8 = RNG.integers(0, 256, size=(5, 7), dtype=np.uint8)


def save(tmp_path, image: Image.Image, name: str, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


def test_grayscale_8bit_png_exact(tmp_path):
    path = save(tmp_path, Image.fromarray(GRAY8, mode="L"), "gray.png")
    image = load_image(path)
    assert image.shape == (5, 7) and image.dtype == np.float64
    np.testing.assert_array_equal(image, GRAY8 / 255.0)


def test_rgb_png_exact(tmp_path):
    image = load_image(save(tmp_path, Image.fromarray(RGB8, mode="RGB"), "rgb.png"))
    assert image.shape == (5, 7, 3)
    np.testing.assert_array_equal(image, RGB8 / 255.0)


def test_rgba_png_is_composited_over_white(tmp_path):
    rgba = np.dstack([RGB8, ALPHA8])
    image = load_image(save(tmp_path, Image.fromarray(rgba, mode="RGBA"), "rgba.png"))
    alpha = ALPHA8[:, :, None] / 255.0
    np.testing.assert_allclose(image, RGB8 / 255.0 * alpha + (1 - alpha), atol=1e-12)
    # Fully transparent pixels are white whatever their colour values.
    clear = np.dstack([RGB8, np.zeros_like(ALPHA8)])
    np.testing.assert_allclose(load_image(save(tmp_path, Image.fromarray(clear, mode="RGBA"), "clear.png")), 1.0)


def test_la_png_is_composited_over_white(tmp_path):
    la = Image.merge("LA", [Image.fromarray(GRAY8, "L"), Image.fromarray(ALPHA8, "L")])
    image = load_image(save(tmp_path, la, "la.png"))
    alpha = ALPHA8 / 255.0
    np.testing.assert_allclose(image, GRAY8 / 255.0 * alpha + (1 - alpha), atol=1e-12)


def _palette_image() -> tuple[Image.Image, np.ndarray]:
    palette = np.array([[255, 0, 0], [0, 128, 0], [10, 20, 30], [255, 255, 255]], dtype=np.uint8)
    indices = RNG.integers(0, 4, size=(5, 7), dtype=np.uint8)
    img = Image.fromarray(indices, mode="P")
    img.putpalette(palette.ravel().tolist())
    return img, palette[indices] / 255.0


def test_palette_png_gives_its_colours(tmp_path):
    img, expected = _palette_image()
    path = save(tmp_path, img, "palette.png")
    assert Image.open(path).mode == "P"
    np.testing.assert_array_equal(load_image(path), expected)


def test_palette_png_with_a_transparent_index_is_white_there(tmp_path):
    img, expected = _palette_image()
    path = save(tmp_path, img, "palette_t.png", transparency=0)  # index 0 (red) is transparent
    image = load_image(path)
    red = np.all(expected == [1.0, 0.0, 0.0], axis=2)
    assert red.any()
    np.testing.assert_allclose(image[red], 1.0)
    np.testing.assert_allclose(image[~red], expected[~red])


def test_16bit_png_keeps_its_precision(tmp_path):
    data = (np.arange(35, dtype=np.uint16).reshape(5, 7) * 1871 + 3).astype(np.uint16)  # uses all 16 bits
    path = save(tmp_path, Image.fromarray(data), "deep.png")
    assert Image.open(path).mode in ("I;16", "I")
    image = load_image(path)
    assert image.shape == (5, 7)
    np.testing.assert_allclose(image, data / 65535.0, atol=1e-12)
    assert len(np.unique(image)) == 35  # not squashed to 8 bits


def test_bilevel_and_float_images(tmp_path):
    bits = GRAY8 > 127
    image = load_image(save(tmp_path, Image.fromarray(bits), "bits.png"))
    np.testing.assert_array_equal(image, bits.astype(float))
    floats = np.linspace(0, 1, 35, dtype=np.float32).reshape(5, 7)
    np.testing.assert_allclose(load_image(save(tmp_path, Image.fromarray(floats), "f.tiff")), floats, atol=1e-7)


@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK"])
def test_jpeg_matches_pillows_own_decoding(tmp_path, mode):
    source = Image.fromarray(RGB8, "RGB").convert(mode).resize((21, 15))
    path = save(tmp_path, source, f"photo_{mode}.jpg", quality=95)
    image = load_image(path)
    decoded = np.asarray(Image.open(path).convert("L" if mode == "L" else "RGB"), dtype=np.float64) / 255.0
    assert image.shape == ((15, 21) if mode == "L" else (15, 21, 3))
    np.testing.assert_array_equal(image, decoded)


def test_jpeg_exif_rotation_is_applied(tmp_path):
    img = Image.fromarray(RGB8, "RGB")  # 7 wide, 5 high
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to display
    path = save(tmp_path, img, "rotated.jpg", exif=exif)
    assert load_image(path).shape == (7, 5, 3)


def test_modes_gray_and_rgb_convert(tmp_path):
    rgb_path = save(tmp_path, Image.fromarray(RGB8, "RGB"), "rgb.png")
    gray_path = save(tmp_path, Image.fromarray(GRAY8, "L"), "gray.png")
    np.testing.assert_allclose(load_image(rgb_path, mode="gray"), RGB8 / 255.0 @ np.array(GRAY_WEIGHTS))
    as_rgb = load_image(gray_path, mode="rgb")
    assert as_rgb.shape == (5, 7, 3)
    for c in range(3):
        np.testing.assert_array_equal(as_rgb[:, :, c], GRAY8 / 255.0)
    with pytest.raises(ImageError, match="mode must be one of 'auto', 'gray', 'rgb'"):
        load_image(gray_path, mode="grey")


def test_grayscale_uses_the_seeds_weights():
    assert GRAY_WEIGHTS == (0.2989, 0.5870, 0.1140)
    primaries = np.eye(3)[None]  # one row: pure red, green, blue
    np.testing.assert_allclose(to_grayscale(primaries), [[0.2989, 0.5870, 0.1140]])
    np.testing.assert_array_equal(to_grayscale(GRAY8 / 255.0), GRAY8 / 255.0)  # already gray: unchanged
    np.testing.assert_array_equal(to_rgb(RGB8 / 255.0), RGB8 / 255.0)
    with pytest.raises(ImageError, match="got shape"):
        to_grayscale(np.zeros((4, 4, 4)))


def test_max_side_shrinks_keeping_the_aspect_ratio(tmp_path):
    big = np.tile(np.linspace(0, 255, 200, dtype=np.uint8), (100, 1))
    image = load_image(save(tmp_path, Image.fromarray(big, "L"), "wide.png"), max_side=50)
    assert image.shape == (25, 50)
    assert 0.0 <= image.min() and image.max() <= 1.0
    # A horizontal ramp stays a ramp.
    assert np.all(np.diff(image[12]) >= -1e-6)
    small = RGB8 / 255.0
    assert downscale(small, 50) is small  # already small enough: untouched


def test_sample_image_is_bundled():
    china = sample_image("china.jpg")
    assert china.shape == (427, 640, 3) and 0 <= china.min() < china.max() <= 1
    assert sample_image("flower.jpg", mode="gray", max_side=64).shape == (43, 64)
    with pytest.raises(ImageError, match="unknown sample image 'lena.png'"):
        sample_image("lena.png")


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match="no such file: .*nope.png"):
        load_image(tmp_path / "nope.png")


def test_directory(tmp_path):
    with pytest.raises(ImageError, match="is a directory"):
        load_image(tmp_path)


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture\n")
    with pytest.raises(ImageError, match="is not an image Pillow can read"):
        load_image(path)


def test_truncated_image(tmp_path):
    path = save(tmp_path, Image.fromarray(RGB8, "RGB").resize((64, 64)), "whole.png")
    cut = tmp_path / "cut.png"
    cut.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ImageError, match="cut.png"):
        load_image(cut)


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1)])
def test_too_small(tmp_path, shape):
    path = save(tmp_path, Image.fromarray(np.zeros(shape, dtype=np.uint8), "L"), "tiny.png")
    with pytest.raises(ImageError, match=rf"is {shape[0]}x{shape[1]} pixels .*need at least 2x2"):
        load_image(path)
    assert load_image(path, min_size=1).shape == shape
