"""NBSVM (textcnn.bench.nbsvm) against the same computation written out with numpy and scikit-learn."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from textcnn.bench.nbsvm import NBLogisticRegression, log_count_ratio

TEXTS = [
    "a great great film",
    "great acting and a moving story",
    "wonderful , moving and great",
    "a dull film",
    "dull and boring acting",
    "boring , awful story",
    "a great story but dull acting",
    "awful film , great music",
]
LABELS = np.array([1, 1, 1, 0, 0, 0, 1, 0])


def test_the_ratio_and_the_model_are_wang_and_mannings():
    counts = CountVectorizer(ngram_range=(1, 2)).fit_transform(TEXTS)
    binary = (counts.toarray() > 0).astype(float)  # "great great" counts once
    p = 1.0 + binary[LABELS == 1].sum(axis=0)
    q = 1.0 + binary[LABELS == 0].sum(axis=0)
    r = np.log((p / p.sum()) / (q / q.sum()))
    assert np.allclose(log_count_ratio(counts.tocsr().astype(bool).astype(float), LABELS == 1), r)

    direct = LogisticRegression(C=1.0, max_iter=2000, solver="liblinear").fit(binary * r, LABELS == 1)
    ours = NBLogisticRegression(C=1.0).fit(counts, LABELS)
    assert np.allclose(ours.decision_function(counts), direct.decision_function(binary * r))
    assert ours.predict(counts).tolist() == np.where(direct.predict(binary * r), 1, 0).tolist()
    assert ours.score(counts, LABELS) == pytest.approx(direct.score(binary * r, LABELS == 1))


def test_more_classes_take_one_model_each_and_string_labels_stay():
    labels = np.array(["pos", "pos", "pos", "neg", "neg", "neg", "mixed", "mixed"])
    counts = CountVectorizer().fit_transform(TEXTS)
    model = NBLogisticRegression(C=10.0).fit(counts, labels)
    assert model.classes_.tolist() == ["mixed", "neg", "pos"] and len(model.models_) == 3
    assert model.decision_function(counts).shape == (8, 3)
    assert set(model.predict(counts)) <= {"mixed", "neg", "pos"}
    assert np.mean(model.predict(counts) == labels) >= 0.75  # on its own training texts
