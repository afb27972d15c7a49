"""Drawing the image demo's figures with matplotlib's object API on the Agg canvas (headless, no pyplot).

Each ``*_figure`` function takes arrays already computed (by :mod:`.filtering`, :mod:`.digits`),
draws one labelled PNG at ``path`` and returns ``path``. The pieces they share (colour scales,
numbered cells, insets, saving) are in :mod:`.figure_parts`; its public names are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import SubFigure

from ..util.figures import figure
from .figure_parts import (
    DPI,
    GRAY_CMAP,
    ROBUST_PERCENTILE,
    SIGNED_CMAP,
    DisplayStyle,
    Zoom,
    box,
    display_style,
    kernel_inset,
    kernel_label,
    matrix,
    no_ticks,
    save,
    text_color,
    zoom_inset,
)
from .kernels import Filter

__all__ = [
    "DPI",
    "GRAY_CMAP",
    "ROBUST_PERCENTILE",
    "SIGNED_CMAP",
    "DisplayStyle",
    "Zoom",
    "classic_filters_figure",
    "digits_figure",
    "display_style",
    "pooling_figure",
    "rgb_figure",
    "worked_example_figure",
]


# --- 1. the seed's worked example --------------------------------------------------------------


def _feature_map(ax, fmap: np.ndarray, title: str, vmax: float, *, second: int) -> None:
    """A feature map with its first cell boxed, and the cell the filter's second window gives (at column ``second``)."""
    matrix(ax, fmap, title, cmap="Oranges", vmin=0, vmax=vmax)
    box(ax, 0, 0, 1)
    if fmap.shape[1] > second:
        box(ax, 0, second, 1, color="tab:blue", linestyle="--", lw=2.5)


def worked_example_figure(
    image: np.ndarray, kernel: np.ndarray, fmap_stride1: np.ndarray, fmap_stride2: np.ndarray, path: str | Path
) -> Path:
    """The 3x3 filter over the 6x6 array, the 4x4 map at stride 1 and the 2x2 map at stride 2, numbers in cells."""
    k = kernel.shape[0]
    fig = figure(figsize=(15, 5.8), dpi=DPI, layout="constrained")
    grid = fig.add_gridspec(1, 4, width_ratios=[image.shape[1], k, fmap_stride1.shape[1], fmap_stride2.shape[1]])
    axes = [fig.add_subplot(grid[0, i]) for i in range(4)]
    matrix(axes[0], image, f"input image {image.shape[0]}\u00d7{image.shape[1]}", fmt="{:.0f}", vmax=4)
    box(axes[0], 0, 0, k)
    if image.shape[1] >= k + 2:  # the second window at stride 2, two columns to the right
        box(axes[0], 0, 2, k, color="tab:blue", linestyle="--", lw=2.5)
    matrix(axes[1], kernel, f"filter {k}\u00d7{k}", cmap="Blues", vmin=0, vmax=2)
    vmax = float(fmap_stride1.max()) * 1.6  # both maps on one scale
    shape1, shape2 = fmap_stride1.shape, fmap_stride2.shape
    _feature_map(axes[2], fmap_stride1, f"feature map, stride 1: {shape1[0]}\u00d7{shape1[1]}", vmax, second=2)
    _feature_map(axes[3], fmap_stride2, f"stride 2: {shape2[0]}\u00d7{shape2[1]}", vmax, second=1)
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
    return save(fig, path)


# --- 2. classic filters on a grayscale photo ---------------------------------------------------


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
    fig = figure(figsize=(4.1 * cols, (3.6 * aspect + 0.75) * rows + 0.5), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    panels = [(None, gray)] + list(results)
    for ax, (filt, fmap) in zip(axes, panels):
        if filt is None:
            style = DisplayStyle(GRAY_CMAP, 0.0, 1.0, "0.2989 R + 0.5870 G + 0.1140 B\nshown on 0..1")
            title = "grayscale photo"
        else:
            style = display_style(fmap, filt.display)
            title = f"{filt.name} ({kernel_label(filt)})"
            if filt.combine == "single":  # a magnitude has two kernels: its title names them instead
                kernel_inset(ax, filt)
        image = ax.imshow(fmap, cmap=style.cmap, vmin=style.vmin, vmax=style.vmax)
        if zoom is not None and fmap.shape == gray.shape:  # 'valid' maps are smaller: no common window
            zoom_inset(ax, fmap, zoom, cmap=style.cmap, vmin=style.vmin, vmax=style.vmax)
        ax.set_title(f"{title}\n{style.caption}", fontsize=9)
        no_ticks(ax)
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
    return save(fig, path)


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
    fig = figure(figsize=(16, 2 * (16 / 3.2) * aspect + 2.4), dpi=DPI, layout="constrained")
    top, bottom = fig.subfigures(2, 1, hspace=0.04)
    axes = top.subplots(1, 1 + len(per_channel), squeeze=False)[0]
    panels = [(f"RGB photo, {rgb.shape[0]}\u00d7{rgb.shape[1]}\u00d73" + (f" {note}" if note else ""), rgb)]
    for (title, image), ax in zip([*panels, *per_channel], axes):
        image = np.clip(image, 0, 1)
        ax.imshow(image)
        if zoom is not None and image.shape == rgb.shape:
            zoom_inset(ax, image, zoom)
        ax.set_title(title)
        no_ticks(ax)
    top.suptitle(
        "Per channel: one 2-D filter applied to R, G and B separately gives 3 maps, i.e. again a colour image"
        + ("; bottom left: the gold window enlarged" if zoom is not None else ""),
        fontsize=13,
    )

    grid = bottom.add_gridspec(1, 5, width_ratios=[1, 1, 1, 0.15, 3.2])
    limit = float(np.abs(kernel3).max()) or 1.0
    for c, (name, color) in enumerate(zip("RGB", ("tab:red", "tab:green", "tab:blue"))):
        ax = bottom.add_subplot(grid[0, c])
        matrix(
            ax, kernel3[c], f"slice {c + 1}: \u00d7 {name}", fmt="{:+.2f}", cmap=SIGNED_CMAP, vmin=-limit, vmax=limit
        )
        ax.title.set_color(color)
        ax.title.set_fontweight("bold")
    ax = bottom.add_subplot(grid[0, 4])
    style = display_style(summed, "signed")
    image = ax.imshow(summed, cmap=style.cmap, vmin=style.vmin, vmax=style.vmax)
    ax.set_title(f"{summed_title}\n{style.caption}", fontsize=10)
    no_ticks(ax)
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
    return save(fig, path)


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
    fig = figure(figsize=(17, 11), dpi=DPI, layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.0], hspace=0.03)
    _pooling_windows(top, crop, max_pooled, avg_pooled, crop_label)
    pooled = (global_max, global_avg, channel_max, channel_avg)
    _global_and_channel_pooling(bottom, maps, map_names, pooled)
    return save(fig, path)


def _pooling_windows(
    top: SubFigure, crop: np.ndarray, max_pooled: np.ndarray, avg_pooled: np.ndarray, crop_label: str
) -> None:
    """The pooling figure's top: the crop with its 2x2 windows outlined, and the two pooled maps."""
    # Width ratios in cells: every cell is the same size, so the halving is visible.
    axes = top.subplots(1, 3, width_ratios=[crop.shape[1], max_pooled.shape[1], avg_pooled.shape[1]])
    vmax = (float(crop.max()) or 1.0) * 1.5  # light colours: black numbers stay readable
    matrix(
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
            box(axes[0], r, c, 2, color="tab:blue", lw=2.5)
    for ax, pooled, kind in ((axes[1], max_pooled, "max"), (axes[2], avg_pooled, "average")):
        title = f"{kind} pool 2\u00d72, stride 2: {pooled.shape[0]}\u00d7{pooled.shape[1]}"
        matrix(ax, pooled, title, fmt="{:.2f}", vmin=0, vmax=vmax, fontsize=10)
    top.suptitle(
        "Pooling a feature map: each blue 2\u00d72 window becomes one cell, its largest value (max) or its mean "
        "(average); the map halves in each direction",
        fontsize=13,
    )


def _global_and_channel_pooling(
    bottom: SubFigure, maps: np.ndarray, map_names: Sequence[str], pooled: tuple[np.ndarray, ...]
) -> None:
    """The pooling figure's bottom: the stack of maps, its channel-pooled maps and its global-pooled numbers.

    ``pooled``: (global max, global average, channel max, channel average).
    """
    global_max, global_avg, channel_max, channel_avg = pooled
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
        no_ticks(ax)
    ax = bottom.add_subplot(grid[1, :n])
    table = np.stack([global_max, global_avg])
    matrix(
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
    fig = figure(figsize=(2.0 * n + 3.5, 6), dpi=DPI, layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[3.5, 2.0 * n], wspace=0.02)
    ax = left.subplots()
    ax.imshow(digit, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(f"a test digit {digit.shape[0]}\u00d7{digit.shape[1]}\nlabel {label}, predicted {predicted}")
    no_ticks(ax)

    axes = right.subplots(2, n, squeeze=False)
    f_limit = float(np.abs(filters).max()) or 1.0
    m_limit = float(np.abs(maps).max()) or 1.0
    for c in range(n):
        f_image = axes[0, c].imshow(filters[c], cmap=SIGNED_CMAP, vmin=-f_limit, vmax=f_limit, interpolation="nearest")
        for (i, j), v in np.ndenumerate(filters[c]):
            color = text_color(f_image.cmap, f_image.norm, v)
            axes[0, c].text(j, i, f"{v:+.2f}", ha="center", va="center", fontsize=8, color=color)
        axes[0, c].set_title(f"filter {c + 1}", fontsize=10)
        m_image = axes[1, c].imshow(maps[c], cmap=SIGNED_CMAP, vmin=-m_limit, vmax=m_limit, interpolation="nearest")
        axes[1, c].set_title(f"map {c + 1}", fontsize=10)
        no_ticks(axes[0, c])
        no_ticks(axes[1, c])
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
    return save(fig, path)
