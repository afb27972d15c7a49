"""Calibrated probabilities: temperature scaling (Guo et al. 2017) and the calibration error it is judged by.

A network trained to a low cross-entropy on its training split is over-confident on new text: its softmax
says 0.99 where it is right 90% of the time. Temperature scaling divides the logits by one number ``T``,
chosen to minimise the negative log-likelihood of the validation split. Dividing by a positive number keeps
every logit's order, so no prediction changes, only how sure it says it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

logger = logging.getLogger(__name__)

BINS = 15  # equal-width confidence bins, as Guo et al. count the expected calibration error
LIMITS = (0.05, 20.0)  # the temperatures allowed: beyond them the validation split says more about itself


def fit_temperature(logits: torch.Tensor, labels: np.ndarray | torch.Tensor, *, steps: int = 100) -> float:
    """The temperature ``T > 0`` that minimises the NLL of ``softmax(logits / T)`` for ``labels``.

    ``logits`` ``(N, C)``; ``labels`` ``(N,)`` class indices. Fitted in log T, so T stays positive, by
    L-BFGS from T = 1: one parameter, a few dozen evaluations of a convex function. Where every
    validation text is predicted right, the likelihood grows without end as T shrinks to 0: there is
    nothing to fit, and T stays 1. A fitted T is kept within ``LIMITS``.
    """
    logits = logits.detach().double()  # (N, C)
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)  # (N,)
    if bool((logits.argmax(dim=1) == labels).all()):
        logger.info("temperature scaling: every validation text is predicted right; nothing to fit (T = 1)")
        return 1.0
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.5, max_iter=steps, line_search_fn="strong_wolfe")

    def nll() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    optimizer.step(nll)
    temperature = float(log_t.detach().exp())
    if not np.isfinite(temperature):  # degenerate validation logits: leave them as they are
        logger.warning(f"temperature scaling gave {temperature}; keeping the softmax as it is (T = 1)")
        return 1.0
    return float(np.clip(temperature, *LIMITS))


@dataclass(frozen=True)
class Reliability:
    """Per confidence bin: how many predictions fell in it, their mean confidence, and how many were right."""

    edges: np.ndarray  # (BINS + 1,) from 0 to 1
    counts: np.ndarray  # (BINS,)
    confidence: np.ndarray  # (BINS,) mean top probability in the bin (0 where empty)
    accuracy: np.ndarray  # (BINS,) fraction right in the bin (0 where empty)

    @property
    def ece(self) -> float:
        """Expected calibration error: the count-weighted mean gap between confidence and accuracy."""
        total = self.counts.sum()
        return float(np.sum(self.counts * np.abs(self.accuracy - self.confidence)) / total) if total else 0.0


def reliability(probs: np.ndarray, labels: np.ndarray, bins: int = BINS) -> Reliability:
    """Bin each prediction by its top probability (``probs`` ``(N, C)``, ``labels`` ``(N,)``)."""
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels)
    confidence = probs.max(axis=1)  # (N,)
    right = (probs.argmax(axis=1) == labels).astype(np.float64)  # (N,)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)  # (N,) bin (lo, hi]
    counts = np.bincount(which, minlength=bins).astype(np.int64)
    safe = np.maximum(counts, 1)
    return Reliability(
        edges=edges,
        counts=counts,
        confidence=np.bincount(which, weights=confidence, minlength=bins) / safe,
        accuracy=np.bincount(which, weights=right, minlength=bins) / safe,
    )


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = BINS) -> float:
    """ECE of ``probs`` ``(N, C)`` for ``labels`` ``(N,)`` over ``bins`` equal-width confidence bins."""
    return reliability(probs, labels, bins).ece


def scaled_probabilities(logits: torch.Tensor, temperature: float) -> np.ndarray:
    """``softmax(logits / T)`` as a NumPy array ``(N, C)``."""
    return torch.softmax(logits.double() / temperature, dim=1).numpy()
