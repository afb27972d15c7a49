"""Convolution and pooling primitives shared by the image and text models.

Functions: :func:`correlate`, :func:`pool`, :func:`global_pool`, :func:`channel_pool`,
:func:`conv_max_over_time` (a TextCNN's convolution, ReLU and pooling, with a sparse backward).
Modules built on them: :class:`Conv`, :class:`ConvBank`, :class:`Pool`, :class:`GlobalPool`,
:class:`ChannelPool`. Padding helpers: :func:`resolve_padding`, :func:`same_padding`.
"""

from .conv_bank import ConvBank
from .correlate import Conv, correlate
from .max_over_time import conv_max_over_time
from .padding import output_size, resolve_padding, same_padding
from .pooling import ChannelPool, GlobalPool, Pool, channel_pool, global_pool, pool

__all__ = [
    "ChannelPool",
    "Conv",
    "ConvBank",
    "GlobalPool",
    "Pool",
    "channel_pool",
    "conv_max_over_time",
    "correlate",
    "global_pool",
    "output_size",
    "pool",
    "resolve_padding",
    "same_padding",
]
