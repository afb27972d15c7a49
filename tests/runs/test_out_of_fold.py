"""Out-of-fold probabilities and label suspects from textcnn cv."""

import csv

import numpy as np
import pytest

from tests.conftest import TINY_OVERRIDES, make_reviews
from textcnn.cli.main import main
from textcnn.errors import UserError
from textcnn.runs.cv import cross_validate
from textcnn.runs.out_of_fold import OutOfFold, confident_classes, label_suspects


def test_confident_classes_use_each_classs_mean_self_confidence_as_its_threshold():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.65, 0.35]])
    labels = np.array([0, 0, 1, 1, 1])  # thresholds: class 0 0.85, class 1 (0.7 + 0.6 + 0.35) / 3 = 0.55
    np.testing.assert_array_equal(confident_classes(probs, labels), [0, -1, 1, 1, -1])


def test_suspects_are_the_rows_predicted_otherwise_least_likely_label_first():
    probs = np.array([[0.95, 0.05], [0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.97, 0.03], [0.45, 0.55], [0.6, 0.4]])
    labels = np.array([0, 0, 1, 1, 1, 0, 1])  # 4 and 6 are predicted otherwise, 5 too but barely
    oof = OutOfFold(np.arange(7) * 10, np.ones(7, int), [f"t{i}" for i in range(7)], labels, probs, ["a", "b"])
    suspects = label_suspects(oof, top=5)
    assert [s["row"] for s in suspects] == [40, 60, 50] and [s["predicted"] for s in suspects] == ["a", "a", "b"]
    assert suspects[0]["p_label"] == pytest.approx(0.03) and suspects[0]["label"] == "b"
    # thresholds: a (0.95 + 0.9 + 0.45) / 3 = 0.767, b (0.8 + 0.9 + 0.03 + 0.4) / 4 = 0.533: row 6's 0.6 misses a's
    assert [s["confident"] for s in suspects] == [True, False, True]
    assert len(label_suspects(oof, top=1)) == 1


def test_cv_finds_most_of_the_planted_label_errors(tmp_path, capsys):
    texts, labels = make_reviews(400, 7)
    rng = np.random.default_rng(0)
    planted = set(rng.choice(len(texts), size=20, replace=False).tolist())  # 5% of the labels flipped
    given = [1 - y if i in planted else y for i, y in enumerate(labels)]
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in zip(texts, given)), encoding="utf-8")
    argv = [
        "cv",
        "--config",
        "configs/starter.yaml",
        "--data",
        str(data),
        "--folds",
        "4",
        "--out",
        str(tmp_path / "cv"),
    ]
    argv += ["--out-of-fold", str(tmp_path / "oof.csv"), "--suspects", "30", "--no-progress"]
    argv += [f"--set={s}" for s in [*TINY_OVERRIDES, "model.num_filters=8", "train.epochs=4", "train.patience=null"]]
    assert main(argv) == 0
    with open(tmp_path / "oof.csv", encoding="utf-8", newline="") as f:
        oof = list(csv.DictReader(f))
    assert [int(r["row"]) for r in oof] == list(range(400))  # every row once, scored by the fold that held it out
    assert {r["fold"] for r in oof} == {"1", "2", "3", "4"}
    assert all(abs(float(r["p_0"]) + float(r["p_1"]) - 1) < 1e-5 for r in oof)
    with open(tmp_path / "cv" / "suspects.csv", encoding="utf-8", newline="") as f:
        suspects = [int(r["row"]) for r in csv.DictReader(f)]
    assert len(planted & set(suspects[:20])) >= 15, (sorted(planted), suspects)
    assert "label suspects, least likely label first" in capsys.readouterr().out


def test_the_out_of_fold_file_may_not_be_the_data(tmp_path):
    texts, labels = make_reviews(40, 1)
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in zip(texts, labels)), encoding="utf-8")
    before = data.read_bytes()
    with pytest.raises(UserError, match="--out-of-fold: .* is the training data"):
        cross_validate("configs/starter.yaml", 2, tmp_path / "cv", [f"data.path={data}"], out_of_fold_file=data)
    assert data.read_bytes() == before and not (tmp_path / "cv" / "cv.json").exists()
