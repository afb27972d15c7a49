"""Temperature scaling and the expected calibration error."""

import numpy as np
import pytest
import torch

from textcnn.training.calibration import (
    LIMITS,
    expected_calibration_error,
    fit_temperature,
    reliability,
    scaled_probabilities,
)


def _planted(temperature: float, n: int = 20000, classes: int = 3, seed: int = 0):
    """Logits, and labels drawn from softmax(logits / temperature): the temperature that explains them."""
    rng = np.random.default_rng(seed)
    logits = torch.from_numpy(rng.normal(scale=4.0, size=(n, classes)))
    probs = scaled_probabilities(logits, temperature)
    labels = np.array([rng.choice(classes, p=p) for p in probs])
    return logits, labels


@pytest.mark.parametrize("planted", [0.5, 2.0, 3.0])
def test_fit_temperature_recovers_the_temperature_the_labels_were_drawn_at(planted):
    logits, labels = _planted(planted)
    assert fit_temperature(logits, labels) == pytest.approx(planted, rel=0.08)


def test_scaling_brings_the_calibration_error_down_and_never_changes_a_prediction():
    logits, labels = _planted(2.5)
    temperature = fit_temperature(logits, labels)
    before, after = scaled_probabilities(logits, 1.0), scaled_probabilities(logits, temperature)
    assert expected_calibration_error(after, labels) < expected_calibration_error(before, labels) / 3
    np.testing.assert_array_equal(before.argmax(axis=1), after.argmax(axis=1))


def test_expected_calibration_error_by_hand():
    probs = np.array([[0.9, 0.1]] * 10 + [[0.3, 0.7]] * 10)  # bins (0.85, 0.9] and (0.667, 0.733]
    labels = np.array([0] * 9 + [1] + [1] * 5 + [0] * 5)  # 90% right at 0.9; 50% right at 0.7
    table = reliability(probs, labels)
    assert table.counts.sum() == 20 and (table.counts > 0).sum() == 2
    assert table.ece == pytest.approx(0.5 * 0.0 + 0.5 * 0.2)
    assert expected_calibration_error(np.array([[0.2, 0.8]] * 4), np.zeros(4)) == pytest.approx(0.8)


def test_a_validation_split_predicted_all_right_leaves_the_softmax_as_it_is():
    logits = torch.tensor([[3.0, -1.0], [-2.0, 0.5], [1.0, 0.0]])
    assert fit_temperature(logits, np.array([0, 1, 0])) == 1.0  # the likelihood would grow as T -> 0


def test_a_fitted_temperature_stays_within_the_limits():
    logits = torch.tensor([[30.0, -30.0], [30.0, -30.0], [-30.0, 30.0]])
    assert fit_temperature(logits, np.array([0, 1, 1])) == LIMITS[1]  # one confident mistake: T runs to infinity
