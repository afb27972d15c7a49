"""Filtering and pooling images and feature maps, through :mod:`textcnn.layers` (no second implementation).

Images are NumPy arrays, ``(H, W)`` grayscale or ``(H, W, 3)`` RGB; feature-map stacks are
channel-first ``(C, H, W)`` like the layers. Every function converts to a float64 tensor, calls
:func:`textcnn.layers.correlate` or a pooling primitive, and converts back.

The seed's worked example (valid borders, stride 1), and the same filter at stride 2:

    >>> image = np.zeros((6, 6)); image[:3, :3] = [[1, 0, 1], [0, 2, 0], [1, 0, 1]]
    >>> kernel = np.array([[0.4, 0.2, 1.0], [0.7, 0.1, 0.2], [0.7, 0.3, 1.0]])
    >>> fmap = filter_gray(image, kernel, padding="valid")
    >>> fmap.shape, round(float(fmap[0, 0]), 6)
    ((4, 4), 3.3)
    >>> filter_gray(image, kernel, padding="valid", stride=2).shape
    (2, 2)
"""

from __future__ import annotations

import numpy as np
import torch

from textcnn import layers

from ..errors import ImageError
from .kernels import Filter, get_filter

PADDINGS = ("same", "valid")
RGB_MODES = ("per_channel", "summed")


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float64)
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ImageError(f"expected a grayscale (H, W) or RGB (H, W, 3) image, got shape {image.shape}")
    return image


def _check_options(padding: str, stride: int) -> None:
    if padding not in PADDINGS:
        raise ImageError(f"padding must be 'same' or 'valid', got {padding!r}")
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise ImageError(f"stride must be an int >= 1, got {stride!r}")


def _check_fits(image_shape: tuple[int, ...], kernel_shape: tuple[int, ...], padding: str, what: str) -> None:
    """'valid' borders only keep windows that lie inside the image, so the image must be at least the filter's size."""
    height, width = image_shape[:2]
    kh, kw = kernel_shape[-2:]
    if padding == "valid" and (height < kh or width < kw):
        raise ImageError(
            f"the image is {height}x{width} pixels but {what} is {kh}x{kw}: 'valid' borders need the image "
            "at least as large as the filter (use 'same' borders or a smaller filter)"
        )


def _correlate(x: torch.Tensor, weight: np.ndarray, padding: str, stride: int) -> torch.Tensor:
    return layers.correlate(x, _tensor(weight), padding=padding, stride=stride)


def filter_gray(image: np.ndarray, kernel: np.ndarray, *, padding: str = "same", stride: int = 1) -> np.ndarray:
    """Cross-correlate a grayscale image ``(H, W)`` with a kernel ``(KH, KW)``: ``-> (H_out, W_out)``.

    ``"same"`` keeps ``ceil(H / stride) x ceil(W / stride)`` by padding with zeros (TensorFlow's rule);
    ``"valid"`` keeps only the windows that fit, ``(H - KH) // stride + 1`` rows.
    """
    image, kernel = _check_image(image), np.asarray(kernel, dtype=np.float64)
    _check_options(padding, stride)
    if image.ndim != 2:
        raise ImageError(f"filter_gray needs a grayscale (H, W) image, got shape {image.shape}; use filter_rgb")
    if kernel.ndim != 2:
        raise ImageError(f"the kernel must be 2-D (KH, KW) for a grayscale image, got shape {kernel.shape}")
    _check_fits(image.shape, kernel.shape, padding, "the filter")
    return _correlate(_tensor(image)[None, None], kernel[None, None], padding, stride)[0, 0].numpy()


def filter_rgb(
    image: np.ndarray, kernel: np.ndarray, *, how: str = "per_channel", padding: str = "same", stride: int = 1
) -> np.ndarray:
    """Filter an RGB image ``(H, W, 3)``, per channel or as one filter spanning the three channels.

    Args:
        image: ``(H, W, 3)``.
        kernel: ``(KH, KW)``; with ``how="summed"`` also ``(3, KH, KW)``, one slice per channel.
        how: ``"per_channel"``: the 2-D kernel on each channel separately, ``-> (H_out, W_out, 3)``,
            a filtered colour image. ``"summed"``: one ``3 x KH x KW`` filter whose three slices are
            multiplied with R, G, B and everything summed, ``-> (H_out, W_out)``, one feature map, as
            in a CNN's first layer. A 2-D kernel is repeated in all three slices, so the map is then
            the sum of the three per-channel maps.
    """
    image, kernel = _check_image(image), np.asarray(kernel, dtype=np.float64)
    _check_options(padding, stride)
    if how not in RGB_MODES:
        raise ImageError(f"how must be 'per_channel' or 'summed', got {how!r}")
    if image.ndim != 3:
        raise ImageError(f"filter_rgb needs an RGB (H, W, 3) image, got shape {image.shape}; use filter_gray")
    x = _tensor(image).permute(2, 0, 1)  # (3, H, W)
    if how == "per_channel":
        if kernel.ndim != 2:
            raise ImageError(f"per-channel filtering takes a 2-D (KH, KW) kernel, got shape {kernel.shape}")
        _check_fits(image.shape, kernel.shape, padding, "the filter")
        # The channels become a batch of three one-channel images: one call filters them all alike.
        out = _correlate(x[:, None], kernel[None, None], padding, stride)  # (3, 1, H_out, W_out)
        return out[:, 0].permute(1, 2, 0).numpy()
    if kernel.ndim == 2:
        kernel = np.repeat(kernel[None], 3, axis=0)
    if kernel.ndim != 3 or kernel.shape[0] != 3:
        raise ImageError(f"a filter summed over RGB must be (3, KH, KW) or (KH, KW), got shape {kernel.shape}")
    _check_fits(image.shape, kernel.shape, padding, "the filter")
    return _correlate(x[None], kernel[None], padding, stride)[0, 0].numpy()  # weight (1, 3, KH, KW)


def apply_filter(
    image: np.ndarray,
    filt: str | Filter,
    *,
    padding: str = "same",
    stride: int = 1,
    how: str = "per_channel",
    **params: object,
) -> np.ndarray:
    """Apply a named filter (see :func:`textcnn.image.list_kernels`) to a grayscale or RGB image.

    ``params`` go to the filter (``size=7, sigma=2.0`` for ``"gaussian"``). ``how`` is used for
    RGB images only (see :func:`filter_rgb`). ``"sobel_magnitude"`` combines the two Sobel maps as
    ``sqrt(gx**2 + gy**2)``.

    Raises:
        ImageError: unknown filter or parameter, bad padding or stride, an image smaller than
            the filter with ``"valid"`` borders.
    """
    if isinstance(filt, Filter):
        if params:
            raise ImageError(f"parameters {', '.join(params)} given with a ready-built filter {filt.name!r}")
    else:
        filt = get_filter(filt, **params)
    image = _check_image(image)
    _check_options(padding, stride)
    _check_fits(image.shape, filt.shape, padding, f"the {filt.name} filter")
    if image.ndim == 2:
        maps = [filter_gray(image, k, padding=padding, stride=stride) for k in filt.kernels]
    else:
        maps = [filter_rgb(image, k, how=how, padding=padding, stride=stride) for k in filt.kernels]
    if filt.combine == "magnitude":
        return np.sqrt(sum(m**2 for m in maps))
    return maps[0]


def _check_maps(maps: np.ndarray) -> np.ndarray:
    """A feature map ``(H, W)`` or a stack ``(C, H, W)``, returned as ``(C, H, W)``."""
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim == 2:
        return maps[None]
    if maps.ndim != 3:
        raise ImageError(f"expected a feature map (H, W) or a stack of them (C, H, W), got shape {maps.shape}")
    return maps


def _check_kind(kind: str) -> None:
    if kind not in ("max", "avg"):
        raise ImageError(f"pooling kind must be 'max' or 'avg', got {kind!r}")


def pool_map(maps: np.ndarray, kind: str = "max", size: int = 2, stride: int | None = None) -> np.ndarray:
    """Max or average over ``size x size`` windows moved by ``stride`` (default: ``size``, no overlap).

    ``(H, W) -> (H_out, W_out)`` or ``(C, H, W) -> (C, H_out, W_out)``, with
    ``H_out = (H - size) // stride + 1``: a window that would hang over the edge is dropped.
    """
    squeeze = np.asarray(maps).ndim == 2
    maps = _check_maps(maps)
    _check_kind(kind)
    stride = size if stride is None else stride
    for name, value in (("size", size), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ImageError(f"pooling {name} must be an int >= 1, got {value!r}")
    height, width = maps.shape[1:]
    if height < size or width < size:
        raise ImageError(f"the feature map is {height}x{width} but the pooling window is {size}x{size}")
    out = layers.pool(_tensor(maps)[None], kind, size, stride=stride)[0].numpy()
    return out[0] if squeeze else out


def global_pool_maps(maps: np.ndarray, kind: str = "max") -> np.ndarray:
    """One number per feature map, the max or mean over all its positions: ``(C, H, W) -> (C,)``."""
    maps = _check_maps(maps)
    _check_kind(kind)
    return layers.global_pool(_tensor(maps)[None], kind)[0].numpy()


def channel_pool_maps(maps: np.ndarray, kind: str = "max") -> np.ndarray:
    """Max or mean across the feature maps at each position: ``(C, H, W) -> (H, W)``."""
    maps = _check_maps(maps)
    _check_kind(kind)
    return layers.channel_pool(_tensor(maps)[None], kind)[0, 0].numpy()
