#!/usr/bin/env python
"""Convolution on images, drawn: the seed's worked example, classic filters, RGB filters, pooling, learned filters.

    python scripts/image_demo.py                     # scikit-learn's bundled china.jpg -> outputs/image_demo/
    python scripts/image_demo.py --image photo.png --out figs
    python scripts/image_demo.py --quick             # a few seconds: smaller photo, shorter CNN training

Writes five PNGs and prints where each went. The library (``textcnn.image``) computes each figure's
arrays and draws them; this script only puts them together (:func:`run_demo`). Bad input (a missing or
unreadable file, an image too small, an unknown filter) gives one ``error: ...`` line on stderr and
exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from textcnn.errors import ImageError
from textcnn.image import (
    apply_filter,
    channel_pool_maps,
    describe_kernels,
    figures,
    filter_gray,
    filter_rgb,
    first_layer_maps,
    get_filter,
    global_pool_maps,
    list_kernels,
    load_image,
    pool_map,
    sample_image,
    to_grayscale,
    to_rgb,
    train_digits_cnn,
)

#: The seed's worked example: this filter over a 6x6 image whose top-left 3x3 patch is SEED_PATCH.
SEED_KERNEL = np.array([[0.4, 0.2, 1.0], [0.7, 0.1, 0.2], [0.7, 0.3, 1.0]])
SEED_PATCH = np.array([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0], [1.0, 0.0, 1.0]])

FIGURE_FILES = (
    "1_worked_example.png",
    "2_classic_filters.png",
    "3_rgb_filters.png",
    "4_pooling.png",
    "5_learned_digit_filters.png",
)
DEFAULT_IMAGE = "china.jpg"  # bundled with scikit-learn
FULL_MAX_SIDE, QUICK_MAX_SIDE = 640, 160
FULL_EPOCHS, QUICK_EPOCHS = 25, 6

# One 3x3x3 filter no single-channel filter can imitate: the red channel's local mean minus the
# green channel's. Positive where the photo is redder than it is green, negative where greener.
RED_MINUS_GREEN = np.stack([np.full((3, 3), 1 / 9), np.full((3, 3), -1 / 9), np.zeros((3, 3))])


def worked_example_input() -> tuple[np.ndarray, np.ndarray]:
    """The seed's 6x6 image (top-left patch fixed, other cells seeded integers 0..2) and its 3x3 filter."""
    image = np.random.default_rng(0).integers(0, 3, size=(6, 6)).astype(np.float64)
    image[:3, :3] = SEED_PATCH
    return image, SEED_KERNEL.copy()


def _interesting_crop(fmap: np.ndarray, size: int) -> tuple[np.ndarray, int, int]:
    """The ``size x size`` window whose values vary most: an edge, where max and mean differ.

    The outer ``margin`` pixels are skipped when the map is large enough: with 'same' borders the
    zero padding makes an artificial edge along a bright border, which is not what the figure is about.
    """
    margin = 2 if min(fmap.shape) >= size + 4 else 0
    inner = fmap[margin : fmap.shape[0] - margin, margin : fmap.shape[1] - margin]
    # Window means and mean squares through the same pooling primitive the figure is about.
    mean = pool_map(inner, "avg", size, stride=2)
    variance = pool_map(inner**2, "avg", size, stride=2) - mean**2
    row, col = np.unravel_index(int(np.argmax(variance)), variance.shape)
    top, left = margin + 2 * int(row), margin + 2 * int(col)
    return fmap[top : top + size, left : left + size], top, left


def _zoom_window(gray: np.ndarray) -> figures.Zoom | None:
    """A square window where the photo has the most contrast (largest variance): edges, not sky.

    About 40 pixels, so that in a corner inset a 3x3 filter's effect is several screen pixels wide.
    """
    size = min(40, min(gray.shape) // 3)
    if size < 4:
        return None
    stride = max(1, size // 4)
    mean = pool_map(gray, "avg", size, stride=stride)
    variance = pool_map(gray**2, "avg", size, stride=stride) - mean**2
    row, col = np.unravel_index(int(np.argmax(variance)), variance.shape)
    return figures.Zoom(int(row) * stride, int(col) * stride, size)


def run_demo(
    out_dir: str | os.PathLike[str],
    *,
    image_path: str | os.PathLike[str] | None = None,
    quick: bool = False,
    seed: int = 0,
    filters: Sequence[str] | None = None,
    padding: str = "same",
    max_side: int | None = None,
    progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> list[Path]:
    """Compute and draw the five figures into ``out_dir``; return their paths in order.

    Args:
        out_dir: folder for the PNGs (created if missing).
        image_path: the photo; None uses scikit-learn's bundled ``china.jpg``.
        quick: a smaller photo and a 6-epoch digits CNN, for a run of a few seconds.
        seed: seeds the digits CNN (split, weights, batches).
        filters: names for the classic-filter figure; None means all of :func:`list_kernels`.
        padding: ``"same"`` or ``"valid"`` borders for the photo's filters.
        max_side: shrink the photo so its longer side is at most this (default 640, or 160 with quick).
        progress: show a progress bar while the CNN trains.
        log: called with a line as each step finishes.

    Raises:
        ImageError: unreadable or too small image, unknown filter name, bad padding, or an image
            smaller than a filter with ``"valid"`` borders; raised before any file is written.
    """
    names = list(filters) if filters is not None else list_kernels()
    if not names:
        raise ImageError("no filters given; choose from: " + ", ".join(list_kernels()))
    bank = [get_filter(name) for name in names]  # unknown names fail here, before any work
    if padding not in ("same", "valid"):
        raise ImageError(f"padding must be 'same' or 'valid', got {padding!r}")
    max_side = max_side if max_side is not None else (QUICK_MAX_SIDE if quick else FULL_MAX_SIDE)
    if image_path is None:
        photo, source = sample_image(DEFAULT_IMAGE, max_side=max_side), f"scikit-learn's {DEFAULT_IMAGE}"
    else:
        photo, source = load_image(image_path, max_side=max_side), str(image_path)
    log(f"image: {source}, {photo.shape[0]}x{photo.shape[1]} pixels" + (" (RGB)" if photo.ndim == 3 else " (gray)"))

    # Everything that can fail on the user's input is computed before the first figure is drawn.
    gray = to_grayscale(photo)
    classic = [(filt, apply_filter(gray, filt, padding=padding)) for filt in bank]
    rgb = to_rgb(photo)
    note = "" if photo.ndim == 3 else "(a grayscale file: R = G = B)"
    # The 5x5 Gaussian of figure 2, or a 3x3 one where a tiny image with 'valid' borders cannot fit 5x5.
    blur = get_filter("gaussian", size=5 if padding == "same" or min(gray.shape) >= 5 else 3)
    per_channel_blur = apply_filter(rgb, blur, padding=padding, how="per_channel")
    per_channel_edges = apply_filter(rgb, "sobel_magnitude", padding=padding, how="per_channel")
    edge_limit = float(np.percentile(per_channel_edges, figures.ROBUST_PERCENTILE)) or 1.0
    summed = filter_rgb(rgb, RED_MINUS_GREEN, how="summed", padding=padding)
    # Pooling in a CNN comes after a ReLU, so the stack for global / channel pooling is non-negative.
    signed_names = ["sobel_x", "sobel_y", "edge"]
    stack = np.stack([np.maximum(apply_filter(gray, name, padding=padding), 0) for name in signed_names])  # (3, H, W)
    magnitude = apply_filter(gray, "sobel_magnitude", padding=padding)
    if min(magnitude.shape) < 2:
        raise ImageError(
            f"with '{padding}' borders the {gray.shape[0]}x{gray.shape[1]} image gives {magnitude.shape[0]}x"
            f"{magnitude.shape[1]} feature maps, too small for 2x2 pooling; use a larger image or 'same' borders"
        )

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ImageError(f"the output folder {out} is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImageError(f"cannot create the output folder {out}: {exc.strerror or exc}") from None
    paths = [out / name for name in FIGURE_FILES]

    image6, kernel3 = worked_example_input()
    figures.worked_example_figure(
        image6,
        kernel3,
        filter_gray(image6, kernel3, padding="valid", stride=1),
        filter_gray(image6, kernel3, padding="valid", stride=2),
        paths[0],
    )
    log(f"figure 1, the seed's worked example: {paths[0]}")

    zoom = _zoom_window(gray)
    figures.classic_filters_figure(gray, classic, paths[1], padding=padding, zoom=zoom)
    log(f"figure 2, classic filters: {paths[1]}")

    figures.rgb_figure(
        rgb,
        [
            (
                f"Gaussian {blur.shape[0]}\u00d7{blur.shape[1]}, \u03c3={blur.params['sigma']:g}, on each channel",
                per_channel_blur,
            ),
            (
                f"sobel_magnitude on each channel\n(\u00f7 {edge_limit:.2f}, clipped at 1)",
                per_channel_edges / edge_limit,
            ),
        ],
        RED_MINUS_GREEN,
        summed,
        paths[2],
        summed_title="red minus green: > 0 where redder than green"
        + ("" if photo.ndim == 3 else "\n(a grayscale file has R = G, so this map is 0)"),
        note=note,
        zoom=zoom,
    )
    log(f"figure 3, RGB filters: {paths[2]}")

    size = min(8, *(s - s % 2 for s in magnitude.shape))  # 8x8, or the largest even square that fits
    crop, top, left = _interesting_crop(magnitude, size)
    figures.pooling_figure(
        crop,
        pool_map(crop, "max", 2, stride=2),
        pool_map(crop, "avg", 2, stride=2),
        stack,
        [f"ReLU({name})" for name in signed_names],
        global_pool_maps(stack, "max"),
        global_pool_maps(stack, "avg"),
        channel_pool_maps(stack, "max"),
        channel_pool_maps(stack, "avg"),
        paths[3],
        crop_label=f"sobel_magnitude, rows {top}\u2013{top + size - 1}, cols {left}\u2013{left + size - 1}",
    )
    log(f"figure 4, pooling: {paths[3]}")

    result = train_digits_cnn(seed, epochs=QUICK_EPOCHS if quick else FULL_EPOCHS, progress=progress)
    log(
        f"digits CNN: test accuracy {result.test_accuracy:.2%} on {len(result.split.test_y)} images "
        f"(validation {result.val_accuracy:.2%}), {result.epochs} epochs in {result.seconds:.1f} s"
    )
    digit, label = result.split.test_x[0], int(result.split.test_y[0])
    with torch.no_grad():
        predicted = int(result.model.eval()(digit[None]).argmax())
    weights, maps = first_layer_maps(result.model, digit)
    figures.digits_figure(
        digit[0].numpy(),
        label,
        predicted,
        weights,
        maps,
        paths[4],
        accuracy=result.test_accuracy,
        n_test=len(result.split.test_y),
        seed=seed,
        epochs=result.epochs,
    )
    log(f"figure 5, learned digit filters: {paths[4]}")
    return paths


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    filters = "\n".join(f"  {name:<16} {text}" for name, text in describe_kernels().items())
    parser = argparse.ArgumentParser(
        description="Draw five figures about convolution on images, print where each went:\n"
        "  1. the seed's 3x3 filter over a 6x6 array, at stride 1 and stride 2\n"
        "  2. classic filters on a grayscale photo\n"
        "  3. an RGB photo filtered per channel, and with one 3x3x3 filter\n"
        "  4. max and average pooling of a feature map, global and channel pooling\n"
        "  5. the first-layer filters of a small CNN trained on scikit-learn's digits",
        epilog=f"filters (for --filters):\n{filters}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--image",
        metavar="PATH",
        help="photo to filter: any PNG or JPEG (gray, RGB, RGBA, palette, 16-bit). "
        "Default: scikit-learn's bundled china.jpg, so nothing is downloaded.",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="outputs/image_demo",
        help="folder for the five PNGs, created if missing (default: %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a run of a few seconds: photo shrunk to at most {QUICK_MAX_SIDE} px and the digits CNN trained "
        f"for {QUICK_EPOCHS} epochs instead of {FULL_EPOCHS} (lower accuracy; the figures are the same kind)",
    )
    parser.add_argument(
        "--seed",
        type=_int_at_least(0),
        default=0,
        help="seed of the digits CNN: data split, initial weights, batch order (default: %(default)s)",
    )
    parser.add_argument(
        "--filters",
        metavar="NAMES",
        help="comma-separated filters for figure 2, e.g. edge,gaussian,sobel_x (default: all; names below)",
    )
    parser.add_argument(
        "--padding",
        choices=("same", "valid"),
        default="same",
        help="borders for the photo's filters: 'same' pads with zeros and keeps the size, 'valid' keeps only "
        "windows that fit, so maps shrink by the filter size minus 1 (default: %(default)s)",
    )
    parser.add_argument(
        "--max-side",
        type=_int_at_least(16),
        metavar="PX",
        help=f"shrink the photo so its longer side is at most PX pixels (default: {FULL_MAX_SIDE}, "
        f"or {QUICK_MAX_SIDE} with --quick); smaller photos are left as they are",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    filters = None
    if args.filters is not None:
        filters = [name.strip() for name in args.filters.split(",") if name.strip()]
        if not filters:
            print(f"error: --filters is empty; choose from: {', '.join(list_kernels())}", file=sys.stderr)
            return 2
    try:
        paths = run_demo(
            args.out,
            image_path=args.image,
            quick=args.quick,
            seed=args.seed,
            filters=filters,
            padding=args.padding,
            max_side=args.max_side,
            progress=sys.stderr.isatty(),
            log=lambda line: print(line, flush=True),
        )
    except ImageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the output folder is not writable, or the disk is full
        print(f"error: could not write the figures to {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    print(f"wrote {len(paths)} figures to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
