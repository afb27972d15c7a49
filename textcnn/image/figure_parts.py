"""The image demo's shared drawing pieces: colour scales, numbered cells, boxes, insets, saving a PNG.

:mod:`.figures` puts them together into the demo's figures. How a map is coloured follows what its
numbers mean (see :func:`display_style`): blurs on the original's range, signed maps such as edges on
a symmetric diverging scale with white at 0, magnitudes from 0 up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from .kernels import Filter

DPI = 100
SIGNED_CMAP = "RdBu_r"  # red > 0, white = 0, blue < 0
GRAY_CMAP = "gray"
ROBUST_PERCENTILE = 99.0  # signed / magnitude maps: a few extreme pixels should not wash out the rest


@dataclass(frozen=True)
class DisplayStyle:
    """Colour map, range and a short caption saying what the range is."""

    cmap: str
    vmin: float
    vmax: float
    caption: str


def display_style(values: np.ndarray, display: str, original_range: tuple[float, float] = (0.0, 1.0)) -> DisplayStyle:
    """How to colour a feature map honestly.

    ``"image"`` (weights sum to 1): gray on the original's range, so a blur looks as bright as the
    photo and values pushed past it (sharpen, emboss) are visibly clipped. ``"signed"`` (weights sum
    to 0): diverging, symmetric about 0. ``"magnitude"``: gray from 0. Anything else: its own min..max.
    """
    values = np.asarray(values, dtype=np.float64)
    lo, hi = float(values.min()), float(values.max())
    span = f"values {lo:.2f} to {hi:.2f}\n"
    if display == "image":
        a, b = original_range
        clipped = " (clipped)" if lo < a - 1e-9 or hi > b + 1e-9 else ""
        return DisplayStyle(GRAY_CMAP, a, b, f"{span}shown on the original's {a:g}..{b:g}{clipped}")
    if display == "signed":
        if max(abs(lo), abs(hi)) < 1e-9:  # only rounding noise: do not blow it up to full colour
            return DisplayStyle(SIGNED_CMAP, -1.0, 1.0, "all values are 0 (up to rounding)")
        limit = float(np.percentile(np.abs(values), ROBUST_PERCENTILE)) or max(abs(lo), abs(hi))
        return DisplayStyle(SIGNED_CMAP, -limit, limit, f"{span}0 is white; colour saturates at \u00b1{limit:.2f}")
    if display == "magnitude":
        limit = float(np.percentile(values, ROBUST_PERCENTILE)) or max(hi, 1e-12)
        return DisplayStyle(GRAY_CMAP, 0.0, limit, f"{span}black at 0, white at {limit:.2f} and above")
    return DisplayStyle(GRAY_CMAP, lo, hi if hi > lo else lo + 1, f"{span}shown on its own range")


def save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    # The figure is opaque, so its alpha channel is dead weight: RGB files are smaller.
    with Image.open(buffer) as image:
        image.convert("RGB").save(path, format="PNG")
    return path


def no_ticks(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def text_color(cmap, norm: Normalize, value: float) -> str:
    r, g, b, _ = cmap(norm(value))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def matrix(
    ax: Axes,
    values: np.ndarray,
    title: str,
    *,
    fmt: str = "{:.1f}",
    cmap: str = "Greys",
    vmin: float | None = None,
    vmax: float | None = None,
    fontsize: float = 12,
) -> None:
    """A small array drawn as cells with its numbers written in them."""
    values = np.asarray(values, dtype=np.float64)
    vmin = float(values.min()) if vmin is None else vmin
    vmax = float(values.max()) if vmax is None else vmax
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1, interpolation="nearest")
    for (i, j), v in np.ndenumerate(values):
        color = text_color(image.cmap, image.norm, v)
        ax.text(j, i, fmt.format(v + 0.0), ha="center", va="center", fontsize=fontsize, color=color)  # +0.0: no "-0.0"
    rows, cols = values.shape
    # Cell borders drawn as lines (a minor-tick grid silently drops lines that fall on major ticks).
    ax.hlines(np.arange(1, rows) - 0.5, -0.5, cols - 0.5, color="0.6", linewidth=0.8)
    ax.vlines(np.arange(1, cols) - 0.5, -0.5, rows - 0.5, color="0.6", linewidth=0.8)
    no_ticks(ax)
    ax.set_title(title, fontsize=11)


def box(ax: Axes, row: float, col: float, size: int, color: str = "red", **kw) -> None:
    ax.add_patch(
        Rectangle((col - 0.5, row - 0.5), size, size, fill=False, edgecolor=color, linewidth=kw.pop("lw", 3), **kw)
    )


def kernel_label(filt: Filter) -> str:
    if filt.combine == "magnitude":
        return "sqrt(sobel_x\u00b2 + sobel_y\u00b2)"
    kh, kw = filt.shape
    # The size is already in 'KHxKW'; other parameters (sigma) are worth a mention.
    params = [f"{key}={value:g}" for key, value in filt.params.items() if key != "size" and not isinstance(value, bool)]
    return ", ".join([f"{kh}\u00d7{kw}", *params])


def kernel_inset(ax: Axes, filt: Filter) -> None:
    """A small picture of the (first) kernel in the top-right corner of ``ax``, numbers in it when 3x3."""
    kernel = filt.kernels[0]
    inset = ax.inset_axes([0.76, 0.66, 0.23, 0.33])
    limit = float(np.abs(kernel).max()) or 1.0
    image = inset.imshow(kernel, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
    if kernel.shape == (3, 3):
        for (i, j), v in np.ndenumerate(kernel):
            color = text_color(image.cmap, image.norm, v)
            inset.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=6.5, color=color)
    no_ticks(inset)


@dataclass(frozen=True)
class Zoom:
    """A square window of the photo, ``size`` pixels from ``(top, left)``, drawn enlarged in a corner."""

    top: int
    left: int
    size: int


def zoom_inset(ax: Axes, image: np.ndarray, zoom: Zoom, **imshow_kw) -> None:
    """Enlarge ``zoom``'s window of ``image`` in the bottom-left corner of ``ax`` and outline where it comes from."""
    window = image[zoom.top : zoom.top + zoom.size, zoom.left : zoom.left + zoom.size]
    inset = ax.inset_axes([0.0, 0.0, 0.40, 0.40 * image.shape[1] / image.shape[0]])
    inset.imshow(window, interpolation="nearest", **imshow_kw)
    no_ticks(inset)
    for spine in inset.spines.values():
        spine.set_edgecolor("gold")
        spine.set_linewidth(2)
    box(ax, zoom.top, zoom.left, zoom.size, color="gold", lw=1.5)
