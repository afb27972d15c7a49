"""NBSVM, the logistic-regression variant (Wang and Manning 2012): binary n-grams scaled by their NB log-count ratio.

For each class c, with binary features x (an n-gram occurs in the text or not) and smoothing alpha:

    p = alpha + sum of x over the texts of class c,   q = alpha + sum of x over the others
    r = log((p / |p|_1) / (q / |q|_1))                  (V,): how much more often an n-gram is seen in c

and a logistic regression on x * r. Two classes need one r and one model; more classes take one of each
per class, one-vs-rest, and the class whose model is surest wins. A strong linear baseline for sentiment:
a TextCNN should not lose to it.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


def log_count_ratio(x, positive: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """r for the texts where ``positive`` is True against the rest; ``x`` (N, V) sparse binary features."""
    p = alpha + np.asarray(x[positive].sum(axis=0)).ravel()
    q = alpha + np.asarray(x[~positive].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression on NB-scaled binary features (``fit`` binarises ``x``); one model per class beyond two."""

    def __init__(self, C: float = 1.0, alpha: float = 1.0, max_iter: int = 2000) -> None:  # noqa: N803 (sklearn's C)
        self.C, self.alpha, self.max_iter = C, alpha, max_iter

    def fit(self, x, y) -> NBLogisticRegression:
        x = _binary(x)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        self.ratios_, self.models_ = [], []
        for target in targets:  # (the positive class of each binary model)
            r = log_count_ratio(x, y == target, self.alpha)
            model = LogisticRegression(C=self.C, max_iter=self.max_iter, solver="liblinear")
            self.ratios_.append(r)
            self.models_.append(model.fit(x.multiply(r).tocsr(), y == target))
        return self

    def decision_function(self, x) -> np.ndarray:
        """(N,) for two classes (positive: the second), else (N, C): each class's own model's score."""
        x = _binary(x)
        per_model = [m.decision_function(x.multiply(r).tocsr()) for m, r in zip(self.models_, self.ratios_)]
        scores = np.column_stack(per_model)
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, x) -> np.ndarray:
        scores = self.decision_function(x)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


def _binary(x):
    """``x`` with every stored count set to 1 (a copy; CSR)."""
    x = x.tocsr(copy=True).astype(np.float64)
    x.data[:] = 1.0
    return x
