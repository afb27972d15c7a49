"""Per-class scores read the way softmax reads them: only the differences between classes count.

A contribution shared by every class pushes towards none, so a score's push is its value minus the mean
over classes; the class it pushes towards is where that centred score is largest. Explanations, their
views and the filter report all rank by this one rule.
"""

from __future__ import annotations

import numpy as np


def centre(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """``scores`` minus their mean over the classes along ``axis``."""
    scores = np.asarray(scores)
    return scores - scores.mean(axis=axis, keepdims=True)


def strongest_class(scores: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """The class (an index) the centred ``scores`` push towards along ``axis``, and by how much.

    One vector of class scores gives two scalars; a ``(C, F)`` matrix with ``axis=0`` gives two ``(F,)`` arrays.
    """
    centred = centre(scores, axis)
    best = np.argmax(centred, axis=axis)
    strength = np.take_along_axis(centred, np.expand_dims(best, axis), axis).squeeze(axis)
    return best, strength
