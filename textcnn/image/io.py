"""Loading images with Pillow into float arrays in [0, 1], and the seed's grayscale conversion.

Arrays are NumPy float64: ``(H, W)`` for grayscale, ``(H, W, 3)`` for RGB. Every Pillow mode a
PNG or JPEG can carry is handled: bilevel (1), grayscale (L, LA), 16-bit (I;16, I), float (F),
palette (P, PA), RGB, RGBA and CMYK. Transparent pixels are composited over white, the way a
page shows them; 8-bit data is divided by 255 and 16-bit data by 65535.

    >>> to_grayscale(np.ones((2, 2, 3))).round(4).tolist()
    [[0.9999, 0.9999], [0.9999, 0.9999]]
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ImageError

__all__ = [
    "GRAY_WEIGHTS",
    "SAMPLE_IMAGES",
    "ImageError",
    "downscale",
    "load_image",
    "sample_image",
    "to_grayscale",
    "to_rgb",
]

#: Luminance weights of R, G, B used by the seed (ITU-R BT.601, rounded to 4 digits; they sum to 0.9999).
GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)

#: The photos bundled with scikit-learn (no download).
SAMPLE_IMAGES = ("china.jpg", "flower.jpg")

_MODES = ("auto", "gray", "rgb")
_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """``(H, W, 3) -> (H, W)`` as ``0.2989 R + 0.5870 G + 0.1140 B``; a 2-D image is returned as is."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        return image
    if image.ndim != 3 or image.shape[2] != 3:
        raise ImageError(f"expected a grayscale (H, W) or RGB (H, W, 3) image, got shape {image.shape}")
    return image @ np.array(GRAY_WEIGHTS)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """``(H, W) -> (H, W, 3)`` by repeating the gray channel; an RGB image is returned as is."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim != 2:
        raise ImageError(f"expected a grayscale (H, W) or RGB (H, W, 3) image, got shape {image.shape}")
    return np.repeat(image[:, :, None], 3, axis=2)


def _over_white(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite ``color`` (values in [0, 1]) with ``alpha`` (same shape, or one channel) over white."""
    return color * alpha + (1.0 - alpha)


def _scale_unknown(values: np.ndarray, full_scale: float) -> np.ndarray:
    """Integer or float data of no fixed bit depth: keep it if it fits ``[0, full_scale]``, else stretch."""
    values = values.astype(np.float64)
    lo, hi = float(values.min()), float(values.max())
    if lo >= 0 and hi <= full_scale:
        return values / full_scale
    return (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)


def _from_pil(img: Image.Image) -> np.ndarray:
    """A Pillow image of any mode as float64 in [0, 1]: ``(H, W)`` for gray modes, ``(H, W, 3)`` for colour."""
    mode = img.mode
    if mode in ("1", "L"):
        return np.asarray(img.convert("L"), dtype=np.float64) / 255.0
    if mode in _SIXTEEN_BIT:
        return np.asarray(img, dtype=np.float64) / 65535.0
    if mode == "I":  # 32-bit ints: what older Pillow versions give for a 16-bit PNG
        return _scale_unknown(np.asarray(img), 65535.0)
    if mode == "F":
        return _scale_unknown(np.asarray(img), 1.0)
    if mode == "LA":
        data = np.asarray(img, dtype=np.float64) / 255.0
        return _over_white(data[:, :, 0], data[:, :, 1])
    if mode == "P":
        # A palette may mark one index (or several, via a tRNS chunk) as transparent.
        img = img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
    elif mode == "PA":
        img = img.convert("RGBA")
    if img.mode == "RGBA":
        data = np.asarray(img, dtype=np.float64) / 255.0
        return _over_white(data[:, :, :3], data[:, :, 3:])
    try:
        rgb = img if img.mode == "RGB" else img.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX, ...
    except (ValueError, OSError) as exc:
        raise ImageError(f"cannot convert a {mode!r} image to RGB: {exc}") from None
    return np.asarray(rgb, dtype=np.float64) / 255.0


def _convert(image: np.ndarray, mode: str) -> np.ndarray:
    if mode == "gray":
        return to_grayscale(image)
    if mode == "rgb":
        return to_rgb(image)
    return image


def _check_mode(mode: str) -> None:
    if mode not in _MODES:
        raise ImageError(f"mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")


def downscale(image: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink ``image`` (Lanczos) so that its longer side is at most ``max_side``; smaller images are unchanged."""
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 2:
        raise ImageError(f"max_side must be an int >= 2, got {max_side!r}")
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # Pillow wants (width, height)
    channels = [image] if image.ndim == 2 else [image[:, :, c] for c in range(image.shape[2])]
    # Resize each channel in Pillow's 32-bit float mode: no quantisation to 8 bits on the way.
    resized = [
        np.asarray(Image.fromarray(c.astype(np.float32), mode="F").resize(size, Image.Resampling.LANCZOS))
        for c in channels
    ]
    out = resized[0] if image.ndim == 2 else np.stack(resized, axis=2)
    return np.clip(out.astype(np.float64), 0.0, 1.0)  # Lanczos overshoots a little at sharp edges


def _check_size(image: np.ndarray, min_size: int, what: str) -> None:
    height, width = image.shape[:2]
    if height < min_size or width < min_size:
        raise ImageError(
            f"{what} is {height}x{width} pixels (height x width); need at least {min_size}x{min_size} "
            "to filter and pool it"
        )


def load_image(
    path: str | os.PathLike[str],
    *,
    mode: str = "auto",
    max_side: int | None = None,
    min_size: int = 2,
) -> np.ndarray:
    """Read a PNG, JPEG (or any format Pillow reads) as float64 in [0, 1].

    Args:
        path: the image file.
        mode: ``"auto"`` keeps the file's kind: ``(H, W)`` for grayscale files, ``(H, W, 3)`` for colour;
            ``"gray"`` always gives ``(H, W)`` (colour converted with :data:`GRAY_WEIGHTS`);
            ``"rgb"`` always gives ``(H, W, 3)`` (gray repeated in the three channels).
        max_side: if given, shrink the image so its longer side is at most this many pixels.
        min_size: smallest height and width accepted (checked on the file, before shrinking).

    Raises:
        ImageError: missing file, a directory, not an image, unreadable or truncated data, too small.
    """
    _check_mode(mode)
    path = Path(path)
    if not path.exists():
        raise ImageError(f"no such file: {path}")
    if path.is_dir():
        raise ImageError(f"{path} is a directory, not an image file")
    try:
        with Image.open(path) as img:
            img.load()
            img = ImageOps.exif_transpose(img)  # phone photos: apply the EXIF rotation so 'up' is up
            image = _from_pil(img)
    except UnidentifiedImageError:
        raise ImageError(f"{path} is not an image Pillow can read (expected PNG, JPEG, ...)") from None
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path} is too large to load safely: {exc}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        # Truncated or corrupt data surfaces here, often with Pillow's own wording.
        raise ImageError(f"could not read image {path}: {exc}") from None
    _check_size(image, min_size, str(path))
    image = _convert(image, mode)
    return downscale(image, max_side) if max_side is not None else image


def sample_image(name: str = "china.jpg", *, mode: str = "auto", max_side: int | None = None) -> np.ndarray:
    """One of scikit-learn's bundled photos (``"china.jpg"`` or ``"flower.jpg"``), no download needed."""
    from sklearn.datasets import load_sample_image  # a heavy import, only when a sample is wanted

    _check_mode(mode)
    if name not in SAMPLE_IMAGES:
        raise ImageError(f"unknown sample image {name!r}; choose from: {', '.join(SAMPLE_IMAGES)}")
    data = load_sample_image(name)
    image = _convert(np.asarray(data, dtype=np.float64) / 255.0, mode)
    return downscale(image, max_side) if max_side is not None else image
