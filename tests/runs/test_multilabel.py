"""Multi-label runs: label sets from JSON Lines arrays or separated strings, end to end."""

import json

import numpy as np
import pytest

from tests.conftest import TINY_OVERRIDES, make_reviews
from textcnn.cli.main import main
from textcnn.config import load_config
from textcnn.errors import ConfigError
from textcnn.runs.loaded import Run
from textcnn.runs.scoring import choose_threshold
from textcnn.runs.training import train_run

TOPICS = {"acting": ["performances", "portrayal", "casting"], "music": ["soundtrack", "melodies", "songs"]}


def labelled_reviews(n: int, seed: int) -> list[dict]:
    """Reviews whose label set is their sentiment plus any topics they mention."""
    rng = np.random.default_rng(seed)
    texts, sentiments = make_reviews(n, seed)
    rows = []
    for text, sentiment in zip(texts, sentiments):
        labels = [["negative", "positive"][sentiment]]
        for topic, cues in TOPICS.items():
            if rng.random() < 0.4:
                text += f" {rng.choice(cues)}."
                labels.append(topic)
        rows.append({"text": text, "labels": labels})
    return rows


@pytest.fixture(scope="module")
def multi_label_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multilabel")
    path = folder / "reviews.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in labelled_reviews(500, 0)))
    overrides = [f"data.path={path}", "data.label_column=labels", "data.test_size=0.2", *TINY_OVERRIDES]
    config = load_config(None, [*overrides, "model.num_filters=16", "train.epochs=8"])
    metrics = train_run(config, folder / "run", progress=False)
    return folder / "run", metrics


def test_training_learns_label_sets(multi_label_run):
    run_dir, metrics = multi_label_run
    assert metrics.task == "multi-label" and metrics.class_names == ["acting", "music", "negative", "positive"]
    assert metrics.test_micro_f1 > 0.9 and metrics.test_macro_f1 > 0.85 and metrics.test_accuracy > 0.7
    assert 0.05 <= metrics.threshold <= 0.95


def test_evaluate_and_predict_give_sets(multi_label_run, capsys):
    run_dir, metrics = multi_label_run
    run = Run.load(run_dir, device="cpu")
    assert run.multi_label and run.threshold == metrics.threshold
    report = run.evaluate()  # the held-out test rows, read back from splits.json
    assert report["split"] == "the 100 test rows of 'train' the run scored (splits.json)"
    assert report["num_examples"] == 100
    assert report["micro_f1"] == pytest.approx(metrics.test_micro_f1)
    assert report["exact_match"] == pytest.approx(metrics.test_accuracy)
    [prediction] = run.predict(["superb and brilliant, soundtrack."])
    assert set(prediction["labels"]) == {"positive", "music"}
    assert set(prediction["probabilities"]) == set(metrics.class_names)
    assert main(["predict", str(run_dir), "awful and dull, casting."]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record["labels"]) == {"negative", "acting"} and record["id"] == "1"


@pytest.mark.parametrize("model", ["textcnn", "lstm"])
def test_labels_split_by_a_separator(tmp_path, model):
    rows = labelled_reviews(400, 1)
    path = tmp_path / "reviews.csv"
    path.write_text("text,tags\n" + "".join(f'"{r["text"]}",{"|".join(r["labels"])}\n' for r in rows))
    overrides = [f"data.path={path}", "data.label_column=tags", "data.label_separator=|", "data.test_size=0.2"]
    extra = ["model.hidden_size=16"] if model == "lstm" else ["model.num_filters=16"]
    config = load_config(None, [*overrides, *TINY_OVERRIDES, f"model.name={model}", *extra, "train.epochs=8"])
    metrics = train_run(config, tmp_path / "run", progress=False)
    assert metrics.task == "multi-label" and metrics.test_micro_f1 > 0.8


def test_a_multi_label_run_refuses_class_weights(tmp_path):
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in labelled_reviews(60, 2)))
    overrides = [f"data.path={path}", "data.label_column=labels", "data.test_size=0.2", "train.class_weight=balanced"]
    with pytest.raises(ConfigError, match="train.class_weight: a multi-label run weighs no classes"):
        train_run(load_config(None, [*overrides, *TINY_OVERRIDES]), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_the_threshold_is_chosen_for_micro_f1():
    labels = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    probs = np.array([[0.3, 0.1], [0.2, 0.35], [0.4, 0.32], [0.1, 0.05]])  # every true label above 0.25
    assert choose_threshold(probs, labels) in (0.2, 0.25, 0.3)
    assert choose_threshold(labels * 0.9, labels) == 0.5  # perfect at many thresholds: the one nearest 0.5
