"""A bank of named classic image filters: blurs, edge detectors, sharpen, emboss.

Every kernel is applied by cross-correlation (no flip), as in :func:`textcnn.layers.correlate`,
so a kernel reads the way it is written: ``sobel_x`` has its positive column on the right and
responds positively where brightness increases from left to right.

    >>> get_kernel("edge")
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    >>> get_kernel("gaussian", size=3, sigma=1.0).sum().round(12)
    np.float64(1.0)
    >>> "sobel_magnitude" in list_kernels()
    True
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import ImageError


def _odd_size(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1 or value % 2 == 0:
        raise ImageError(f"{name} must be an odd int >= 1 (so the window has a centre pixel), got {value!r}")
    return int(value)


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ImageError(f"{name} must be a positive number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ImageError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _cross_blur(normalize: bool = True) -> np.ndarray:
    kernel = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    # The raw weights sum to 5 and would make the image 5x brighter; dividing keeps its range.
    return kernel / kernel.sum() if normalize else kernel


def _edge() -> np.ndarray:
    return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def _gaussian(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    size, sigma = _odd_size(size, "size"), _positive(sigma, "sigma")
    offsets = np.arange(size) - size // 2
    row = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel = np.outer(row, row)
    return kernel / kernel.sum()  # sums to 1: a weighted average, brightness unchanged


def _box(size: int = 3) -> np.ndarray:
    size = _odd_size(size, "size")
    return np.full((size, size), 1.0 / size**2)


def _sobel_x() -> np.ndarray:
    return np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def _sobel_y() -> np.ndarray:
    return _sobel_x().T.copy()


def _sharpen() -> np.ndarray:
    # The identity minus the seed's edge filter: the image plus its local contrast.
    return np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])


def _emboss() -> np.ndarray:
    return np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])


@dataclass(frozen=True)
class _Entry:
    builders: tuple[Callable[..., np.ndarray], ...]  # one kernel, or two combined as a magnitude
    description: str


# Insertion order is the display order (figures, --help).
_REGISTRY: dict[str, _Entry] = {
    "cross_blur": _Entry((_cross_blur,), "the seed's cross-shaped blur [[0,1,0],[1,1,1],[0,1,0]], divided by 5"),
    "edge": _Entry((_edge,), "the seed's edge filter [[0,1,0],[1,-4,1],[0,1,0]] (a 4-neighbour Laplacian)"),
    "gaussian": _Entry((_gaussian,), "Gaussian blur, size x size (odd, default 5) with std sigma (default 1.0)"),
    "box": _Entry((_box,), "box blur: the plain mean of a size x size window (odd, default 3)"),
    "sobel_x": _Entry((_sobel_x,), "Sobel x: positive where brightness increases left to right (vertical edges)"),
    "sobel_y": _Entry((_sobel_y,), "Sobel y: positive where brightness increases top to bottom (horizontal edges)"),
    "sobel_magnitude": _Entry((_sobel_x, _sobel_y), "gradient magnitude sqrt(sobel_x^2 + sobel_y^2), >= 0"),
    "sharpen": _Entry((_sharpen,), "sharpen [[0,-1,0],[-1,5,-1],[0,-1,0]]: the image minus the seed's edge filter"),
    "emboss": _Entry((_emboss,), "emboss [[-2,-1,0],[-1,1,1],[0,1,2]]: relief lit from the top left"),
}


@dataclass(frozen=True, eq=False)
class Filter:
    """A named filter: one kernel, or two (``sobel_x``, ``sobel_y``) combined as a magnitude.

    Attributes:
        name: registry name.
        kernels: tuple of 2-D float64 arrays ``(KH, KW)``, all the same shape.
        combine: ``"single"`` (the one kernel's response) or ``"magnitude"`` (``sqrt(sum of squares)``).
        description: one line.
        params: the parameters it was built with (defaults filled in).
    """

    name: str
    kernels: tuple[np.ndarray, ...]
    combine: str
    description: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.kernels[0].shape)  # type: ignore[return-value]

    @property
    def display(self) -> str:
        """How to show its output honestly.

        ``"image"``: weights sum to 1, so the output lives on the input's range (blurs, sharpen, emboss);
        ``"signed"``: weights sum to 0, so flat regions give 0 and the sign matters (edges);
        ``"magnitude"``: a non-negative strength; ``"auto"``: anything else (e.g. an unnormalised blur).
        """
        if self.combine == "magnitude":
            return "magnitude"
        total = float(self.kernels[0].sum())
        if abs(total) < 1e-9:
            return "signed"
        if abs(total - 1.0) < 1e-9:
            return "image"
        return "auto"


def list_kernels() -> list[str]:
    """Names accepted by :func:`get_filter`, in display order."""
    return list(_REGISTRY)


def describe_kernels() -> dict[str, str]:
    """``{name: one-line description}`` for every named filter."""
    return {name: entry.description for name, entry in _REGISTRY.items()}


def _check_name(name: object) -> _Entry:
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ImageError(f"unknown filter {name!r}; choose from: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def _build(name: str, entry: _Entry, params: dict[str, object]) -> tuple[tuple[np.ndarray, ...], dict[str, object]]:
    builder = entry.builders[0]
    accepted = inspect.signature(builder).parameters
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        takes = f"takes {', '.join(accepted)}" if accepted else "takes no parameters"
        raise ImageError(f"filter {name!r} {takes}; got {', '.join(unknown)}")
    filled = {key: p.default for key, p in accepted.items()} | params
    # Every builder of one entry takes the same parameters (the first one's signature).
    kernels = tuple(np.asarray(b(**params), dtype=np.float64) for b in entry.builders)
    return kernels, filled


def get_filter(name: str, **params: object) -> Filter:
    """The named filter, built with ``params`` (e.g. ``size=7, sigma=2.0`` for ``"gaussian"``).

    Raises:
        ImageError: unknown name (the message lists the valid ones), unknown or invalid parameter.
    """
    entry = _check_name(name)
    kernels, filled = _build(name, entry, params)
    combine = "magnitude" if len(kernels) > 1 else "single"
    return Filter(name, kernels, combine, entry.description, filled)


def get_kernel(name: str, **params: object) -> np.ndarray:
    """The single 2-D kernel ``(KH, KW)`` of a named filter, as float64.

    ``"sobel_magnitude"`` is not one kernel (it combines two responses non-linearly): use
    :func:`get_filter` for it, or apply it with :func:`textcnn.image.apply_filter`.
    """
    filt = get_filter(name, **params)
    if filt.combine != "single":
        raise ImageError(
            f"filter {name!r} combines {len(filt.kernels)} kernels non-linearly, so it has no single kernel; "
            "use get_filter() or apply_filter()"
        )
    return filt.kernels[0].copy()
