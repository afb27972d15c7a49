"""The objectives' losses, and the class weights a config asks for."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.utils.class_weight import compute_class_weight

from textcnn.config import load_config
from textcnn.errors import ConfigError
from textcnn.training.objectives import SingleLabel, class_weights_for

CLASSES = ["neg", "neu", "pos"]


def test_balanced_weights_are_scikit_learns():
    labels = np.array([0] * 70 + [1] * 20 + [2] * 10)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=labels)
    np.testing.assert_allclose(class_weights_for("balanced", CLASSES, labels), expected)


def test_a_mapping_names_classes_by_label_and_leaves_the_others_at_one():
    assert class_weights_for({"pos": 4.0}, CLASSES, np.zeros(3, dtype=int)) == (1.0, 1.0, 4.0)
    assert class_weights_for(None, CLASSES, np.zeros(3, dtype=int)) is None
    with pytest.raises(ConfigError, match=r"train.class_weight.good: no such label; the labels are neg, neu, pos"):
        class_weights_for({"good": 2.0}, CLASSES, np.zeros(3, dtype=int))
    with pytest.raises(ConfigError, match="class 'pos' has no training examples"):
        class_weights_for("balanced", CLASSES, np.array([0, 1, 1]))


def test_the_weighted_loss_is_cross_entropy_with_weights_and_one_member_per_ensemble_member():
    logits, labels = torch.randn(6, 2, 3), torch.tensor([0, 1, 2, 2, 2, 0])  # (B, M, C): two members
    weights = (1.0, 2.0, 0.5)
    loss = SingleLabel(class_weights=weights).loss(logits, labels)
    expected = sum(F.cross_entropy(logits[:, m], labels, weight=torch.tensor(weights)) for m in range(2))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert SingleLabel().loss(logits[:, 0], labels).item() == pytest.approx(
        F.cross_entropy(logits[:, 0], labels).item()
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[1, 2]", "train.class_weight: expected a string, got [1, 2]"),
        ("equal", "train.class_weight: 'equal' is not allowed; expected 'balanced'"),
        ("{pos: -1}", "train.class_weight.pos: -1.0 is not allowed; expected a weight > 0"),
        ("{pos: much}", "train.class_weight.pos: expected a number"),
    ],
)
def test_class_weight_config_errors_name_the_key(value, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(None, [f"train.class_weight={value}"])


def test_yaml_integer_labels_become_the_labels_names():
    assert load_config(None, ["train.class_weight={0: 1, 1: 5}"]).train.class_weight == {"0": 1.0, "1": 5.0}
