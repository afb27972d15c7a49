"""The notebook API: textcnn.train and textcnn.load."""

import numpy as np
import pytest

import textcnn
from textcnn.config import load_config
from textcnn.errors import ConfigError


def test_train_then_load_and_predict(tiny_data, tmp_path):
    run = textcnn.train(
        None,
        out=tmp_path / "run",
        quiet=True,
        progress=False,
        data__path=str(tiny_data),
        data__max_length=64,
        tokenizer__vocab_size=200,
        tokenizer__min_frequency=1,
        model__embedding_dim=16,
        model__num_filters=8,
        model__kernel_sizes=[2, 3],
        train__epochs=4,
        train__lr=0.01,
        train__batch_size=16,
        train__device="cpu",
    )
    assert run.metrics is not None and run.metrics.test_accuracy > 0.8
    assert run.config.model.kernel_sizes == [2, 3]
    labels = [p["label"] for p in run.predict(["superb, loved it", "dull and painful"])]
    assert labels == ["pos", "neg"]
    again = textcnn.load(tmp_path / "run", device="cpu")
    np.testing.assert_array_equal(again.predict_proba(["superb"]), run.predict_proba(["superb"]))


def test_train_takes_a_config_object_and_checks_overrides(tiny_data, tmp_path):
    config = load_config(None, [f"data.path={tiny_data}"])
    with pytest.raises(ConfigError, match="unknown key train.epoch"):
        textcnn.train(config, out=tmp_path / "run", train__epoch=3)
    assert not (tmp_path / "run").exists()
