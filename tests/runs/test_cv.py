"""``textcnn cv``: stratified k-fold cross-validation over a single file."""

import json

import pandas as pd
import pytest

from tests.conftest import TINY_OVERRIDES, make_reviews
from textcnn.cli.main import main
from textcnn.config import load_config
from textcnn.errors import ConfigError, UserError
from textcnn.runs.cv import cross_validate, unused_test_settings
from textcnn.runs.records import CrossValidation


@pytest.fixture(scope="module")
def subj_like(tmp_path_factory):
    """One CSV file, no split, string labels: like Subj."""
    texts, labels = make_reviews(150, 4)
    path = tmp_path_factory.mktemp("cv") / "reviews.csv"
    pd.DataFrame({"text": texts, "label": [["objective", "subjective"][y] for y in labels]}).to_csv(path, index=False)
    config = path.parent / "config.yaml"
    overrides = [*TINY_OVERRIDES, "model.num_filters=8", "data.max_length=64"]
    config.write_text(f"data: {{path: {path}}}\n")
    return config, overrides


def test_folds_cover_the_data_once_and_the_summary_is_saved(subj_like, tmp_path, capsys):
    config, overrides = subj_like
    argv = ["cv", "--config", str(config), "--folds", "3", "--out", str(tmp_path / "cv"), "--no-progress"]
    assert main([*argv, *[x for o in overrides for x in ("--set", o)]]) == 0
    printed = capsys.readouterr().out.splitlines()
    summary = CrossValidation.load(tmp_path / "cv" / "cv.json")
    assert summary.folds == 3 and len(summary.per_fold) == 3 and summary.mean_accuracy > 0.75
    assert summary.mean_accuracy == pytest.approx(sum(f.test_accuracy for f in summary.per_fold) / 3)
    assert any(line.startswith("| ") and "3-fold CV" in line for line in printed)
    # Each row is tested in exactly one fold, and never in that fold's validation part.
    tested = []
    for fold in summary.per_fold:
        splits = json.loads((tmp_path / "cv" / f"fold-{fold.fold}" / "splits.json").read_text())
        assert not set(splits["test"]["rows"]) & set(splits["validation"]["rows"])
        tested += splits["test"]["rows"]
    assert sorted(tested) == list(range(150))


def test_a_second_run_reads_finished_folds_back(subj_like, tmp_path, log_lines):
    config, overrides = subj_like
    first = cross_validate(str(config), 2, tmp_path / "cv", overrides, progress=False)
    again = cross_validate(str(config), 2, tmp_path / "cv", overrides, progress=False)
    assert again == first and sum("finished earlier, read back" in line for line in log_lines()) == 2
    with pytest.raises(UserError, match="holds a fold of another config"):
        cross_validate(str(config), 2, tmp_path / "cv", [*overrides, "seed=1"], progress=False)


def test_fold_errors(subj_like, tmp_path):
    config, overrides = subj_like
    with pytest.raises(UserError, match="class 'objective' has 75 example\\(s\\), fewer than the 80 folds"):
        cross_validate(str(config), 80, tmp_path / "cv", overrides, progress=False)
    with pytest.raises(ConfigError, match="data.fold: 3 is not allowed; expected 0 to 2"):
        load_config(config, ["data.folds=3", "data.fold=3"])
    with pytest.raises(ConfigError, match="data.fold: None is not allowed; expected set together with data.folds"):
        load_config(config, ["data.folds=3"])


def test_test_settings_that_cv_leaves_aside_are_named(subj_like):
    config, overrides = subj_like
    assert unused_test_settings(load_config(config, overrides)) == []
    notes = unused_test_settings(load_config(config, [*overrides, "data.test_size=0.2", "data.test_split=dev"]))
    assert notes == [
        "note: data.test_size: 0.2 is not used by cv; each fold in turn is the test split, cut from 'train'",
        "note: data.test_split: 'dev' is not used by cv; each fold in turn is the test split, cut from 'train'",
    ]
