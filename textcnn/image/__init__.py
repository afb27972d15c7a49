"""Convolution on images: classic filters, feature maps, pooling, and filters a small CNN learns.

Built on :mod:`textcnn.layers` (one convolution implementation for the whole package).

* :mod:`.kernels`: named classic kernels (:func:`get_kernel`, :func:`get_filter`, :func:`list_kernels`).
* :mod:`.io`: loading PNG / JPEG into float arrays in [0, 1], the seed's grayscale conversion.
* :mod:`.filtering`: filters on gray and RGB images, pooling of feature maps.
* :mod:`.digits`: a small CNN trained on scikit-learn's digits, and its first-layer filters.
* :mod:`.figures`: drawing the figures that ``scripts/image_demo.py`` puts together.
"""

from ..errors import ImageError
from .digits import DigitsCNN, DigitsResult, first_layer_maps, load_digits_split, train_digits_cnn
from .filtering import (
    apply_filter,
    channel_pool_maps,
    filter_gray,
    filter_rgb,
    global_pool_maps,
    pool_map,
)
from .io import GRAY_WEIGHTS, SAMPLE_IMAGES, downscale, load_image, sample_image, to_grayscale, to_rgb
from .kernels import Filter, describe_kernels, get_filter, get_kernel, list_kernels

__all__ = [
    "GRAY_WEIGHTS",
    "SAMPLE_IMAGES",
    "DigitsCNN",
    "DigitsResult",
    "Filter",
    "ImageError",
    "apply_filter",
    "channel_pool_maps",
    "describe_kernels",
    "downscale",
    "filter_gray",
    "filter_rgb",
    "first_layer_maps",
    "get_filter",
    "get_kernel",
    "global_pool_maps",
    "list_kernels",
    "load_digits_split",
    "load_image",
    "pool_map",
    "sample_image",
    "to_grayscale",
    "to_rgb",
    "train_digits_cnn",
]
