"""Holding rows out of a split: a stratified, seeded fraction (validation, test) or one of k folds (cv)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UserError

if TYPE_CHECKING:
    from .data import LabeledTexts


def _rarest_class(data: LabeledTexts, class_names: list[str]) -> tuple[str, int]:
    """The class with the fewest examples in ``data`` (single-label), and how many it has."""
    counts = np.bincount(data.labels, minlength=len(class_names))
    rarest = int(np.argmin(counts))
    return class_names[rarest], int(counts[rarest])


def hold_out(
    data: LabeledTexts, fraction: float, seed: int, *, key: str, what: str, class_names: list[str]
) -> tuple[LabeledTexts, LabeledTexts]:
    """A stratified, seeded ``fraction`` of ``data`` held out: (kept, held out), each in row order.

    Checked first, with one-line errors naming ``key``: every class needs two examples, and each side
    needs at least one row per class. Label sets are split at random (a row has several labels).
    """
    from sklearn.model_selection import train_test_split

    multi_label = data.labels.ndim == 2
    if not multi_label:
        name, count = _rarest_class(data, class_names)
        if count < 2:
            raise UserError(
                f"class {name!r} has {count} example(s) where {what} needs at least 2 per class (stratified); "
                "add examples of it, or remove the class"
            )
    held = math.ceil(fraction * len(data))
    kept = len(data) - held
    need = 1 if multi_label else len(class_names)
    if min(held, kept) < need:
        raise UserError(
            f"{key}: {fraction:g} of {len(data)} rows holds out {held} and keeps {kept}, but {what} needs at least "
            f"{need} on each side"
            + ("" if multi_label else " (one per class)")
            + "; the dataset is too small for this split"
        )
    keep, out = train_test_split(
        np.arange(len(data)), test_size=held, random_state=seed, stratify=None if multi_label else data.labels
    )
    return data.subset(np.sort(keep)), data.subset(np.sort(out))


def k_fold(
    data: LabeledTexts, folds: int, fold: int, seed: int, *, class_names: list[str]
) -> tuple[LabeledTexts, LabeledTexts]:
    """Fold ``fold`` of ``folds`` stratified, seeded folds held out: (the other folds, this fold), in row order.

    Label sets get plain shuffled folds.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    if data.labels.ndim == 2:
        splits = KFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(data)))
    else:
        name, count = _rarest_class(data, class_names)
        if count < folds:
            raise UserError(
                f"class {name!r} has {count} example(s), fewer than the {folds} folds; every fold needs one of each "
                "class (use fewer folds, or remove the class)"
            )
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
            np.zeros(len(data)), data.labels
        )
    keep, out = list(splits)[fold]
    return data.subset(np.sort(keep)), data.subset(np.sort(out))
