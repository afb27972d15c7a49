"""A run's temperature scaling: fitted on its validation split, then scored once on its test split."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import torch

from ..training.calibration import fit_temperature, reliability, scaled_probabilities
from .records import Calibration

logger = logging.getLogger(__name__)

RELIABILITY_FIGURE = "reliability.png"


def fit_calibration(val_logits: torch.Tensor, val_labels: np.ndarray) -> Calibration:
    """The temperature that best fits the validation split (``val_logits`` ``(N, C)``), and its ECE before and
    after scaling."""
    temperature = fit_temperature(val_logits, val_labels)
    before = reliability(scaled_probabilities(val_logits, 1.0), val_labels).ece
    after = reliability(scaled_probabilities(val_logits, temperature), val_labels).ece
    logger.info(f"calibration: temperature {temperature:.3f}, validation ECE {before:.4f} -> {after:.4f}")
    return Calibration(temperature=temperature, ece_before=round(before, 6), ece_after=round(after, 6))


def score_calibration(
    calibration: Calibration,
    test_logits: torch.Tensor,
    test_labels: np.ndarray,
    figure: Path | None = None,
    title: str = "",
) -> Calibration:
    """``calibration`` with the test split's ECE before and after scaling; the reliability diagram at ``figure``."""
    before = reliability(scaled_probabilities(test_logits, 1.0), test_labels)
    after = reliability(scaled_probabilities(test_logits, calibration.temperature), test_labels)
    if figure is not None:
        from .curves import plot_reliability

        plot_reliability(before, after, figure, title=title)
    return dataclasses.replace(calibration, test_ece_before=round(before.ece, 6), test_ece=round(after.ece, 6))
