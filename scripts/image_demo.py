#!/usr/bin/env python
"""Convolution on images, drawn: the seed's worked example, classic filters, RGB filters, pooling, learned filters.

    python scripts/image_demo.py                     # scikit-learn's bundled china.jpg -> outputs/image_demo/
    python scripts/image_demo.py --image photo.png --out figs
    python scripts/image_demo.py --quick             # a few seconds: smaller photo, shorter CNN training

Writes five PNGs and prints where each went. Bad input (a missing or unreadable file, an image too
small, an unknown filter) gives one ``error: ...`` line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")  # headless: never open a window

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from textcnn.image import ImageError, describe_kernels, list_kernels  # noqa: E402
from textcnn.image.demo import FULL_EPOCHS, FULL_MAX_SIDE, QUICK_EPOCHS, QUICK_MAX_SIDE, run_demo  # noqa: E402


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
