"""textcnn.sklearn: the estimators under scikit-learn's own tools."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)
from sklearn.utils.validation import check_is_fitted

from tests.conftest import make_reviews
from textcnn.errors import ConfigError
from textcnn.sklearn import FROM_CONFIG, LSTMClassifier, TextCNNClassifier

TINY = {
    "tokenizer__vocab_size": 200,
    "tokenizer__min_frequency": 1,
    "model__embedding_dim": 16,
    "model__num_filters": 8,
    "train__epochs": 6,
    "train__batch_size": 16,
    "train__lr": 0.01,
    "train__patience": None,
    "train__device": "cpu",
}


@pytest.fixture(scope="module")
def reviews():
    texts, labels = make_reviews(160, 3)
    return texts, np.array(["bad", "good"])[labels]


@pytest.fixture(scope="module")
def fitted(reviews):
    texts, labels = reviews
    return TextCNNClassifier(**TINY).fit(pd.Series(texts), labels)


def test_fit_predict_score_with_string_labels(fitted, reviews):
    texts, labels = reviews
    check_is_fitted(fitted)
    assert list(fitted.classes_) == ["bad", "good"]
    assert list(fitted.predict(["a wonderful, brilliant film", "boring and awful"])) == ["good", "bad"]
    probs = fitted.predict_proba(texts)
    assert probs.shape == (160, 2) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert fitted.score(texts, labels) > 0.9 and fitted.metrics_["calibration"]["temperature"] > 0


def test_integer_labels_come_back_as_integers_in_classes_order(reviews):
    texts, labels = reviews
    y = np.where(labels == "good", 10, 2)  # "10" sorts before "2" as text: classes_ must stay numeric
    clf = TextCNNClassifier(**TINY).fit(texts, y)
    assert list(clf.classes_) == [2, 10]
    assert list(clf.predict(["a wonderful, brilliant film", "boring and awful"])) == [10, 2]
    assert clf.predict_proba(["a wonderful, brilliant film"])[0, 1] > 0.5


def test_pickles_as_the_runs_files(fitted, reviews):
    texts, _ = reviews
    fitted.predict(texts[:2])  # loads the run: the live model must not travel
    blob = pickle.dumps(fitted)
    again = pickle.loads(blob)
    assert "_run" not in again.__dict__ and b"torch._utils" not in blob
    np.testing.assert_array_equal(again.predict_proba(texts[:20]), fitted.predict_proba(texts[:20]))


def test_params_are_the_configs_keys():
    clf = TextCNNClassifier("configs/starter.yaml", model__num_filters=50)
    params = clf.get_params()
    assert params["config"] == "configs/starter.yaml" and params["model__num_filters"] == 50
    assert params["train__epochs"] is FROM_CONFIG and "model__name" not in params and "seed" in params
    resolved = clf.resolved_config()
    assert resolved.model.num_filters == 50 and resolved.model.wide_ngrams == 2 and resolved.train.epochs == 10
    assert repr(clf) == "TextCNNClassifier(config='configs/starter.yaml', model__num_filters=50)"
    copy = clone(clf.set_params(train__epochs=2))
    assert copy.get_params(deep=False)["train__epochs"] == 2 and copy is not clf
    with pytest.raises(ValueError, match="invalid parameter 'model__filters'"):
        clf.set_params(model__filters=3)
    with pytest.raises(ConfigError, match="train.epochs: expected an integer"):
        clf.set_params(train__epochs="many")
    assert clf.train__epochs == 2  # a refused value leaves the estimator as it was
    with pytest.raises(ValueError, match="invalid parameter 'epochs'"):
        TextCNNClassifier().set_params(epochs=3)
    with pytest.raises(NotFittedError):
        TextCNNClassifier().predict(["a text"])
    with pytest.raises(TypeError, match="not one string"):
        TextCNNClassifier().fit("one text", [0])
    assert (
        "model__hidden_size" in LSTMClassifier().get_params()
        and LSTMClassifier().resolved_config().model.name == "lstm"
    )


@pytest.mark.parametrize(
    "check", [check_parameters_default_constructible, check_no_attributes_set_in_init, check_get_params_invariance]
)
def test_scikit_learns_parameter_conventions(check):
    check(TextCNNClassifier.__name__, TextCNNClassifier(**TINY))


def test_in_a_pipeline_a_grid_search_cross_val_score_and_calibration(reviews):
    texts, labels = reviews
    pipeline = make_pipeline(FunctionTransformer(lambda x: [t.lower() for t in x]), TextCNNClassifier(**TINY))
    search = GridSearchCV(pipeline, {"textcnnclassifier__model__num_filters": [4, 8]}, cv=2, n_jobs=1)
    search.fit(texts, labels)
    assert search.best_params_["textcnnclassifier__model__num_filters"] in (4, 8) and search.best_score_ > 0.8
    assert cross_val_score(TextCNNClassifier(**TINY), texts, labels, cv=2).mean() > 0.8
    calibrated = CalibratedClassifierCV(TextCNNClassifier(**TINY), cv=2).fit(texts, labels)
    assert calibrated.predict_proba(texts[:4]).shape == (4, 2) and calibrated.score(texts, labels) > 0.8
