"""Scores of predictions against labels: accuracy and per-class metrics, and for label sets micro- and
macro-F1, exact match and the decision threshold chosen on validation."""

from __future__ import annotations

import numpy as np

from ..errors import RunFolderError

THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)  # the grid a multi-label threshold is chosen from


def require_finite(probs: np.ndarray, model: str = "the model") -> np.ndarray:
    """``probs (N, C)`` unchanged, or a one-line error naming the first text whose probabilities are NaN or
    infinite: finite weights can still overflow, and NaN is neither JSON nor an answer."""
    rows = np.flatnonzero(~np.isfinite(probs).all(axis=1))
    if rows.size:
        raise RunFolderError(
            f"{model} gave non-finite probabilities for text {int(rows[0])}; its weights are broken "
            "(train again with a lower train.lr)"
        )
    return probs


def choose_threshold(probs: np.ndarray, labels: np.ndarray) -> float:
    """The threshold of ``THRESHOLDS`` with the best micro-F1 of ``probs (N, C)`` against 0/1 ``labels (N, C)``.

    Call it on the validation split only. Ties go to the threshold nearest 0.5.
    """
    from sklearn.metrics import f1_score

    scores = [f1_score(labels, probs >= t, average="micro", zero_division=0) for t in THRESHOLDS]
    best = max(scores)
    candidates = [t for t, s in zip(THRESHOLDS, scores) if s == best]
    return float(min(candidates, key=lambda t: abs(t - 0.5)))


def multi_label_scores(probs: np.ndarray, labels: np.ndarray, threshold: float, names: list[str]) -> dict:
    """Micro- and macro-F1, exact match (every label of a text right) and per-label P / R / F1."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    predicted = probs >= threshold  # (N, C)
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, zero_division=0)
    return {
        "threshold": threshold,
        "micro_f1": float(f1_score(labels, predicted, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "exact_match": float((predicted == labels.astype(bool)).all(axis=1).mean()),
        "per_label": _per_class(names, precision, recall, f1, support),
    }


def accuracy(logits, labels: np.ndarray) -> float:
    """Share of texts whose highest of ``logits (N, C)`` (a torch tensor or an array) is their label ``(N,)``.

    The single-label test accuracy of a run and of the bench, computed in one place so that they agree.
    """
    predicted = logits.argmax(dim=1).numpy() if hasattr(logits, "numpy") else np.asarray(logits).argmax(axis=1)
    return float((predicted == labels).mean())


def single_label_scores(probs: np.ndarray, labels: np.ndarray, names: list[str]) -> dict:
    """Accuracy, per-class P / R / F1, macro-F1 and the confusion matrix (rows true, columns predicted)."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    predicted = probs.argmax(axis=1)
    classes = list(range(len(names)))
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=classes, zero_division=0)
    return {
        "accuracy": float((predicted == labels).mean()),
        "macro_f1": float(f1_score(labels, predicted, labels=classes, average="macro", zero_division=0)),
        "per_class": _per_class(names, precision, recall, f1, support),
        "confusion_matrix": {
            "labels": names,
            "rows_true_columns_predicted": confusion_matrix(labels, predicted, labels=classes).tolist(),
        },
    }


def label_set(probs: np.ndarray, names: list[str], threshold: float) -> dict:
    """One multi-label prediction from ``probs (C,)``: the labels at or above ``threshold``, and every probability."""
    return {
        "labels": [n for n, p in zip(names, probs) if p >= threshold],
        "probabilities": {n: round(float(p), 6) for n, p in zip(names, probs)},
    }


def _per_class(names, precision, recall, f1, support) -> dict:
    return {
        name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(names, precision, recall, f1, support)
    }
