"""Drawing the image demo's figures with matplotlib's object API on the Agg canvas (headless, no pyplot).

Each ``*_figure`` function takes arrays already computed (by :mod:`.filtering`, :mod:`.digits`),
draws one labelled PNG at ``path`` and returns ``path``. How a map is coloured follows what its
numbers mean (see :func:`display_style`): blurs on the original's range, signed maps such as
edges on a symmetric diverging scale with white at 0, magnitudes from 0 up.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
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


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # attach the Agg canvas: works whatever backend pyplot would pick
    return fig


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    # The figure is opaque, so its alpha channel is dead weight: RGB files are about 10% smaller.
    with Image.open(buffer) as image:
        image.convert("RGB").save(path, format="PNG")
    return path


def _no_ticks(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _text_color(cmap, norm: Normalize, value: float) -> str:
    r, g, b, _ = cmap(norm(value))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _matrix(
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
        color = _text_color(image.cmap, image.norm, v)
        ax.text(j, i, fmt.format(v + 0.0), ha="center", va="center", fontsize=fontsize, color=color)  # +0.0: no "-0.0"
    rows, cols = values.shape
    # Cell borders drawn as lines (a minor-tick grid silently drops lines that fall on major ticks).
    ax.hlines(np.arange(1, rows) - 0.5, -0.5, cols - 0.5, color="0.6", linewidth=0.8)
    ax.vlines(np.arange(1, cols) - 0.5, -0.5, rows - 0.5, color="0.6", linewidth=0.8)
    _no_ticks(ax)
    ax.set_title(title, fontsize=11)


def _box(ax: Axes, row: float, col: float, size: int, color: str = "red", **kw) -> None:
    ax.add_patch(
        Rectangle((col - 0.5, row - 0.5), size, size, fill=False, edgecolor=color, linewidth=kw.pop("lw", 3), **kw)
    )


# --- 1. the seed's worked example --------------------------------------------------------------


def worked_example_figure(
    image: np.ndarray, kernel: np.ndarray, fmap_stride1: np.ndarray, fmap_stride2: np.ndarray, path: str | Path
) -> Path:
    """The 3x3 filter over the 6x6 array, the 4x4 map at stride 1 and the 2x2 map at stride 2, numbers in cells."""
    k = kernel.shape[0]
    fig = _figure(15, 5.8)
    grid = fig.add_gridspec(1, 4, width_ratios=[image.shape[1], k, fmap_stride1.shape[1], fmap_stride2.shape[1]])
    axes = [fig.add_subplot(grid[0, i]) for i in range(4)]
    _matrix(axes[0], image, f"input image {image.shape[0]}\u00d7{image.shape[1]}", fmt="{:.0f}", vmax=4)
    _box(axes[0], 0, 0, k)
    if image.shape[1] >= k + 2:  # the second window at stride 2, two columns to the right
        _box(axes[0], 0, 2, k, color="tab:blue", linestyle="--", lw=2.5)
    _matrix(axes[1], kernel, f"filter {k}\u00d7{k}", cmap="Blues", vmin=0, vmax=2)
    _matrix(
        axes[2],
        fmap_stride1,
        f"feature map, stride 1: {fmap_stride1.shape[0]}\u00d7{fmap_stride1.shape[1]}",
        cmap="Oranges",
        vmin=0,
        vmax=float(fmap_stride1.max()) * 1.6,
    )
    _box(axes[2], 0, 0, 1)
    if fmap_stride1.shape[1] >= 3:
        _box(axes[2], 0, 2, 1, color="tab:blue", linestyle="--", lw=2.5)
    _matrix(
        axes[3],
        fmap_stride2,
        f"stride 2: {fmap_stride2.shape[0]}\u00d7{fmap_stride2.shape[1]}",
        cmap="Oranges",
        vmin=0,
        vmax=float(fmap_stride1.max()) * 1.6,
    )
    _box(axes[3], 0, 0, 1)
    if fmap_stride2.shape[1] >= 2:
        _box(axes[3], 0, 1, 1, color="tab:blue", linestyle="--", lw=2.5)
    patch = image[:k, :k]
    terms = " + ".join(f"{p:g}\u00d7{w:.1f}" for p, w in zip(patch.ravel(), kernel.ravel()))
    fig.suptitle(
        "Sliding a 3\u00d73 filter over an image ('valid': only windows that fit), "
        "multiplying cell by cell and summing",
        fontsize=14,
    )
    fig.supxlabel(
        f"red: the top-left window, {terms} = {float((patch * kernel).sum()):.1f}\n"
        f"stride 1 moves the window one cell at a time ({image.shape[1]} \u2212 {k} + 1 = {fmap_stride1.shape[1]} "
        "positions per row); stride 2 moves it two cells, so it starts at rows and columns 0 and 2 only.\n"
        "Blue dashed: the window two columns to the right, the second cell of the stride-2 map "
        "(and the third of the stride-1 map)",
        fontsize=11,
    )
    return _save(fig, path)


# --- 2. classic filters on a grayscale photo ---------------------------------------------------


def _kernel_label(filt: Filter) -> str:
    if filt.combine == "magnitude":
        return "sqrt(sobel_x\u00b2 + sobel_y\u00b2)"
    kh, kw = filt.shape
    # The size is already in 'KHxKW'; other parameters (sigma) are worth a mention.
    params = [f"{key}={value:g}" for key, value in filt.params.items() if key != "size" and not isinstance(value, bool)]
    return ", ".join([f"{kh}\u00d7{kw}", *params])


def _kernel_inset(ax: Axes, filt: Filter) -> None:
    """A small picture of the (first) kernel in the top-right corner of ``ax``, numbers in it when 3x3."""
    kernel = filt.kernels[0]
    inset = ax.inset_axes([0.76, 0.66, 0.23, 0.33])
    limit = float(np.abs(kernel).max()) or 1.0
    image = inset.imshow(kernel, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
    if kernel.shape == (3, 3):
        for (i, j), v in np.ndenumerate(kernel):
            color = _text_color(image.cmap, image.norm, v)
            inset.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=6.5, color=color)
    _no_ticks(inset)


@dataclass(frozen=True)
class Zoom:
    """A square window of the photo, ``size`` pixels from ``(top, left)``, drawn enlarged in a corner."""

    top: int
    left: int
    size: int


def _zoom_inset(ax: Axes, image: np.ndarray, zoom: Zoom, **imshow_kw) -> None:
    """Enlarge ``zoom``'s window of ``image`` in the bottom-left corner of ``ax`` and outline where it comes from."""
    window = image[zoom.top : zoom.top + zoom.size, zoom.left : zoom.left + zoom.size]
    inset = ax.inset_axes([0.0, 0.0, 0.40, 0.40 * image.shape[1] / image.shape[0]])
    inset.imshow(window, interpolation="nearest", **imshow_kw)
    _no_ticks(inset)
    for spine in inset.spines.values():
        spine.set_edgecolor("gold")
        spine.set_linewidth(2)
    _box(ax, zoom.top, zoom.left, zoom.size, color="gold", lw=1.5)


def classic_filters_figure(
    gray: np.ndarray,
    results: Sequence[tuple[Filter, np.ndarray]],
    path: str | Path,
    *,
    padding: str = "same",
    zoom: Zoom | None = None,
) -> Path:
    """The grayscale photo and its feature map under each filter, each coloured by :func:`display_style`.

    Top right of each map: its kernel (red > 0, blue < 0). Bottom left, if ``zoom`` is given: the
    same window of every map enlarged, where a 3x3 filter's effect is visible at a glance.
    """
    n = len(results) + 1
    cols = 5 if n > 9 else math.ceil(math.sqrt(n))  # all ten: 2 rows of 5; fewer: close to square
    rows = -(-n // cols)
    aspect = gray.shape[0] / gray.shape[1]
    fig = _figure(4.1 * cols, (3.6 * aspect + 0.75) * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    panels = [(None, gray)] + list(results)
    for ax, (filt, fmap) in zip(axes, panels):
        if filt is None:
            style = DisplayStyle(GRAY_CMAP, 0.0, 1.0, "0.2989 R + 0.5870 G + 0.1140 B\nshown on 0..1")
            title = "grayscale photo"
        else:
            style = display_style(fmap, filt.display)
            title = f"{filt.name} ({_kernel_label(filt)})"
            if filt.combine == "single":  # a magnitude has two kernels: its title names them instead
                _kernel_inset(ax, filt)
        image = ax.imshow(fmap, cmap=style.cmap, vmin=style.vmin, vmax=style.vmax)
        if zoom is not None and fmap.shape == gray.shape:  # 'valid' maps are smaller: no common window
            _zoom_inset(ax, fmap, zoom, cmap=style.cmap, vmin=style.vmin, vmax=style.vmax)
        ax.set_title(f"{title}\n{style.caption}", fontsize=9)
        _no_ticks(ax)
        fig.colorbar(image, cax=ax.inset_axes([1.02, 0.0, 0.035, 1.0]))
    for ax in axes[n:]:
        ax.set_visible(False)
    zoomed = f"; bottom left: the gold {zoom.size}\u00d7{zoom.size} window enlarged" if zoom is not None else ""
    borders = (
        "'same' borders: zero padding keeps the size (and makes a bright border look like an edge)"
        if padding == "same"
        else "'valid' borders: only windows that fit, so each map is smaller by the kernel size minus 1"
    )
    fig.suptitle(
        f"Classic filters on a {gray.shape[0]}\u00d7{gray.shape[1]} grayscale photo, stride 1\n{borders}\n"
        f"top right: the kernel (red > 0, blue < 0){zoomed}",
        fontsize=13 if cols > 3 else 11,
    )
    return _save(fig, path)


# --- 3. an RGB image: per channel vs one 3x3x3 filter ------------------------------------------


def rgb_figure(
    rgb: np.ndarray,
    per_channel: Sequence[tuple[str, np.ndarray]],
    kernel3: np.ndarray,
    summed: np.ndarray,
    path: str | Path,
    *,
    summed_title: str,
    note: str = "",
    zoom: Zoom | None = None,
) -> Path:
    """Top: the photo and per-channel results (each still H x W x 3). Bottom: one 3x3x3 filter's slices and map."""
    aspect = rgb.shape[0] / rgb.shape[1]
    fig = _figure(16, 2 * (16 / 3.2) * aspect + 2.4)
    top, bottom = fig.subfigures(2, 1, hspace=0.04)
    axes = top.subplots(1, 1 + len(per_channel), squeeze=False)[0]
    panels = [(f"RGB photo, {rgb.shape[0]}\u00d7{rgb.shape[1]}\u00d73" + (f" {note}" if note else ""), rgb)]
    for (title, image), ax in zip([*panels, *per_channel], axes):
        image = np.clip(image, 0, 1)
        ax.imshow(image)
        if zoom is not None and image.shape == rgb.shape:
            _zoom_inset(ax, image, zoom)
        ax.set_title(title)
        _no_ticks(ax)
    top.suptitle(
        "Per channel: one 2-D filter applied to R, G and B separately gives 3 maps, i.e. again a colour image"
        + ("; bottom left: the gold window enlarged" if zoom is not None else ""),
        fontsize=13,
    )

    grid = bottom.add_gridspec(1, 5, width_ratios=[1, 1, 1, 0.15, 3.2])
    limit = float(np.abs(kernel3).max()) or 1.0
    for c, (name, color) in enumerate(zip("RGB", ("tab:red", "tab:green", "tab:blue"))):
        ax = bottom.add_subplot(grid[0, c])
        _matrix(
            ax, kernel3[c], f"slice {c + 1}: \u00d7 {name}", fmt="{:+.2f}", cmap=SIGNED_CMAP, vmin=-limit, vmax=limit
        )
        ax.title.set_color(color)
        ax.title.set_fontweight("bold")
    ax = bottom.add_subplot(grid[0, 4])
    style = display_style(summed, "signed")
    image = ax.imshow(summed, cmap=style.cmap, vmin=style.vmin, vmax=style.vmax)
    ax.set_title(f"{summed_title}\n{style.caption}", fontsize=10)
    _no_ticks(ax)
    bottom.colorbar(image, cax=ax.inset_axes([1.02, 0.0, 0.03, 1.0]))
    kh, kw = kernel3.shape[1:]
    bottom.suptitle(
        f"One {kernel3.shape[0]}\u00d7{kh}\u00d7{kw} filter: each slice multiplies its own channel and all "
        f"{kernel3.size} products are summed into 1 feature map, as in a CNN's first layer",
        fontsize=13,
    )
    bottom.supxlabel(
        "Here: the red channel's 3\u00d73 mean minus the green channel's, something no single gray filter can "
        "compute. Red where the photo is redder than green, blue where greener.",
        fontsize=11,
    )
    return _save(fig, path)


# --- 4. pooling ------------------------------------------------------------------------------------


def pooling_figure(
    crop: np.ndarray,
    max_pooled: np.ndarray,
    avg_pooled: np.ndarray,
    maps: np.ndarray,
    map_names: Sequence[str],
    global_max: np.ndarray,
    global_avg: np.ndarray,
    channel_max: np.ndarray,
    channel_avg: np.ndarray,
    path: str | Path,
    *,
    crop_label: str,
) -> Path:
    """Top: 2x2 / stride-2 max and average pooling of a small crop, numbers in cells.

    Bottom: a stack of ``C`` non-negative maps, what global pooling returns (``C`` numbers) and
    what channel pooling returns (one map).
    """
    fig = _figure(17, 11)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.0], hspace=0.03)
    # Width ratios in cells: every cell is the same size, so the halving is visible.
    axes = top.subplots(1, 3, width_ratios=[crop.shape[1], max_pooled.shape[1], avg_pooled.shape[1]])
    vmax = (float(crop.max()) or 1.0) * 1.5  # light colours: black numbers stay readable
    _matrix(
        axes[0],
        crop,
        f"{crop_label}: {crop.shape[0]}\u00d7{crop.shape[1]}",
        fmt="{:.2f}",
        vmin=0,
        vmax=vmax,
        fontsize=9,
    )
    for r in range(0, crop.shape[0] - 1, 2):  # outline the non-overlapping 2x2 windows
        for c in range(0, crop.shape[1] - 1, 2):
            _box(axes[0], r, c, 2, color="tab:blue", lw=2.5)
    for ax, pooled, kind in ((axes[1], max_pooled, "max"), (axes[2], avg_pooled, "average")):
        title = f"{kind} pool 2\u00d72, stride 2: {pooled.shape[0]}\u00d7{pooled.shape[1]}"
        _matrix(ax, pooled, title, fmt="{:.2f}", vmin=0, vmax=vmax, fontsize=10)
    top.suptitle(
        "Pooling a feature map: each blue 2\u00d72 window becomes one cell, its largest value (max) or its mean "
        "(average); the map halves in each direction",
        fontsize=13,
    )

    n = len(map_names)
    grid = bottom.add_gridspec(2, n + 2, height_ratios=[1, 0.4])
    limit = max(float(np.percentile(maps, ROBUST_PERCENTILE)), 1e-12)
    shown = [(f"map {c + 1}: {name}", maps[c]) for c, name in enumerate(map_names)]
    shown += [(f"channel max pooling:\n({n}, H, W) \u2192 (1, H, W)", channel_max)]
    shown += [(f"channel average pooling:\n({n}, H, W) \u2192 (1, H, W)", channel_avg)]
    for c, (title, image) in enumerate(shown):
        ax = bottom.add_subplot(grid[0, c])
        ax.imshow(image, cmap="magma", vmin=0, vmax=limit)
        ax.set_title(title, fontsize=10)
        _no_ticks(ax)
    ax = bottom.add_subplot(grid[1, :n])
    table = np.stack([global_max, global_avg])
    _matrix(
        ax,
        table,
        f"global pooling: ({n}, H, W) \u2192 ({n},), one number per map",
        fmt="{:.3f}",
        vmin=0,
        vmax=float(table.max()) * 1.5 or 1,
        fontsize=11,
    )
    ax.set_yticks([0, 1], ["global max", "global average"])
    ax.set_xticks(range(n), [f"map {c + 1}" for c in range(n)])
    ax.tick_params(length=0, labelleft=True, labelbottom=True)
    ax.set_aspect("auto")
    ax = bottom.add_subplot(grid[1, n:])
    ax.axis("off")
    ax.text(
        0.02,
        0.5,
        f"global pooling: all H\u00d7W positions of a map \u2192 1 number\n(a TextCNN's max-over-time pooling)\n"
        f"channel pooling: at each pixel, the max or mean of the {n} maps",
        va="center",
        fontsize=11,
    )
    bottom.suptitle(
        f"Global pooling reduces each map to one number; channel pooling reduces the {n} maps to one map "
        f"(colour: black at 0, bright at {limit:.2f} and above)",
        fontsize=13,
    )
    return _save(fig, path)


# --- 5. learned digit filters ----------------------------------------------------------------------


def digits_figure(
    digit: np.ndarray,
    label: int,
    predicted: int,
    filters: np.ndarray,
    maps: np.ndarray,
    path: str | Path,
    *,
    accuracy: float,
    n_test: int,
    seed: int,
    epochs: int,
) -> Path:
    """The input digit, the first layer's learned 3x3 filters and their feature maps for that digit."""
    n = len(filters)
    fig = _figure(2.0 * n + 3.5, 6)
    left, right = fig.subfigures(1, 2, width_ratios=[3.5, 2.0 * n], wspace=0.02)
    ax = left.subplots()
    ax.imshow(digit, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(f"a test digit {digit.shape[0]}\u00d7{digit.shape[1]}\nlabel {label}, predicted {predicted}")
    _no_ticks(ax)

    axes = right.subplots(2, n, squeeze=False)
    f_limit = float(np.abs(filters).max()) or 1.0
    m_limit = float(np.abs(maps).max()) or 1.0
    for c in range(n):
        f_image = axes[0, c].imshow(filters[c], cmap=SIGNED_CMAP, vmin=-f_limit, vmax=f_limit, interpolation="nearest")
        for (i, j), v in np.ndenumerate(filters[c]):
            color = _text_color(f_image.cmap, f_image.norm, v)
            axes[0, c].text(j, i, f"{v:+.2f}", ha="center", va="center", fontsize=8, color=color)
        axes[0, c].set_title(f"filter {c + 1}", fontsize=10)
        m_image = axes[1, c].imshow(maps[c], cmap=SIGNED_CMAP, vmin=-m_limit, vmax=m_limit, interpolation="nearest")
        axes[1, c].set_title(f"map {c + 1}", fontsize=10)
        _no_ticks(axes[0, c])
        _no_ticks(axes[1, c])
    axes[0, 0].set_ylabel("learned 3\u00d73\nfilters", fontsize=11)
    axes[1, 0].set_ylabel("feature maps\n(conv + bias,\nbefore ReLU)", fontsize=11)
    right.colorbar(f_image, ax=axes[0, :], fraction=0.02, pad=0.01)
    right.colorbar(m_image, ax=axes[1, :], fraction=0.02, pad=0.01)
    fig.supxlabel(
        "Each map is its filter slid over the digit ('same' borders, zeros outside) plus the filter's bias. "
        "Red > 0, blue < 0; filters share one colour scale, maps another.",
        fontsize=11,
    )
    fig.suptitle(
        f"First-layer filters a small CNN learned on scikit-learn digits: test accuracy {accuracy:.1%} "
        f"on {n_test} held-out images (seed {seed}, {epochs} epochs)",
        fontsize=14,
    )
    return _save(fig, path)
