"""The measurement scripts run end to end (on tiny data / few steps; no timing is asserted)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import TINY_OVERRIDES

ROOT = Path(__file__).parents[1]


def test_sweep_reports_validation_only(tiny_data):
    sets = [
        f"data.path={tiny_data}",
        "tokenizer.min_frequency=1",
        "model.embedding_dim=16",
        "model.num_filters=8",
        "train.epochs=2",
        "train.device=cpu",
    ]
    argv = [sys.executable, str(ROOT / "scripts/sweep.py"), "--config", str(ROOT / "configs/textcnn_imdb.yaml")]
    argv += [x for s in sets for x in ("--set", s)] + ["--variant", "train.lr=0.01"]
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["variant"] for r in rows] == ["(config as is)", ["train.lr=0.01"]]
    assert all(0 <= r["val_accuracy"] <= 1 and "test_accuracy" not in r for r in rows)


def test_profile_step_times_variants():
    argv = [
        sys.executable,
        str(ROOT / "scripts/profile_step.py"),
        "--config",
        str(ROOT / "configs/textcnn_imdb.yaml"),
        "--steps",
        "2",
        "--variant",
        "train.precision=fp32",
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    assert "(config as is)" in out and "train.precision=fp32" in out and "x the config's speed" in out


def test_results_table_reads_run_folders(tiny_run, tmp_path):
    argv = [sys.executable, str(ROOT / "scripts/results_table.py"), str(tiny_run)]
    lines = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert len(lines) == 3 and lines[2].startswith(f"| {tiny_run.name} | textcnn | rand (16) |")
    assert f"{metrics['test_accuracy']:.2%} (test)" in lines[2]
    assert lines[2].endswith(f"| 1 x {metrics['threads']} |")  # processes x threads
    failed = subprocess.run([*argv[:2], str(tmp_path)], capture_output=True, text=True)
    assert failed.returncode == 2 and "no metrics.json" in failed.stderr
    figure = tmp_path / "accuracies.png"
    subprocess.run([*argv, "--plot", str(figure), "--labels", "tiny CNN"], check=True, capture_output=True)
    with Image.open(figure) as image:
        assert image.size[0] > 500
    wrong = subprocess.run([*argv, "--plot", str(figure), "--labels", "a", "b"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "--labels gives 2 names for 1 runs" in wrong.stderr


def test_baselines_choose_c_on_validation(tiny_data):
    argv = [sys.executable, str(ROOT / "scripts/baselines.py"), "--config", str(ROOT / "configs/textcnn_imdb.yaml")]
    argv += ["--set", f"data.path={tiny_data}", "--C", "0.01", "10"]
    lines = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()
    result, summary = (json.loads(line) for line in lines)
    tried = result["tried"]
    assert [r["C"] for r in tried] == [0.01, 10.0]
    assert result["C"] == max(tried, key=lambda r: r["val_accuracy"])["C"]
    assert result["test_accuracy"] > 0.8 and result["test_split"] == "test"  # the tiny cues are easy
    assert summary["model"] == "tfidf-word-1-2gram-logreg" and summary["test_accuracy"] == result["test_accuracy"]


def test_baselines_nbsvm_chooses_its_ngrams_and_c_on_validation(tiny_data):
    argv = [sys.executable, str(ROOT / "scripts/baselines.py"), "--config", str(ROOT / "configs/textcnn_imdb.yaml")]
    argv += ["--set", f"data.path={tiny_data}", "--model", "nbsvm", "--C", "0.001", "1"]
    lines = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()
    result, summary = (json.loads(line) for line in lines)
    tried = result["tried"]
    assert [(r["ngrams"], r["C"]) for r in tried] == [(2, 0.001), (2, 1.0), (3, 0.001), (3, 1.0)]
    best = max(tried, key=lambda r: r["val_accuracy"])
    assert (result["ngrams"], result["C"]) == (best["ngrams"], best["C"])
    assert result["test_accuracy"] > 0.8 and summary["model"] == "nbsvm-word-ngram-logreg"


def test_baselines_fasttext_chooses_its_settings_on_validation(tiny_data):
    argv = [sys.executable, str(ROOT / "scripts/baselines.py"), "--config", str(ROOT / "configs/textcnn_imdb.yaml")]
    argv += ["--set", f"data.path={tiny_data}", "--model", "fasttext"]
    lines = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()
    result, summary = (json.loads(line) for line in lines)
    tried = [t for t in result["tried"] if t["val_accuracy"] is not None]
    best = max(tried, key=lambda t: t["val_accuracy"])
    assert (result["word_ngrams"], result["epochs"]) == (best["word_ngrams"], best["epochs"])
    assert result["test_accuracy"] > 0.8 and result["reviews_per_second"] > 0
    assert summary["model"] == "fasttext-supervised" and summary["test_accuracy"] == result["test_accuracy"]


def test_baselines_with_character_ngrams_on_the_folds_of_cv(tmp_path):
    from tests.conftest import make_reviews

    texts, labels = make_reviews(120, 5)
    path = tmp_path / "one.csv"
    path.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in zip(texts, labels)), encoding="utf-8")
    argv = [sys.executable, str(ROOT / "scripts/baselines.py"), "--config", str(ROOT / "configs/textcnn_imdb.yaml")]
    argv += ["--set", f"data.path={path}", "--analyzer", "char", "--folds", "3"]
    lines = [
        json.loads(x) for x in subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()
    ]
    folds, summary = lines[:-1], lines[-1]
    assert [f["fold"] for f in folds] == [1, 2, 3] and folds[0]["test_split"] == "fold 1 of 3 of 'train'"
    assert summary["model"] == "tfidf-char-1-3gram-logreg" and summary["folds"] == 3
    assert summary["test_accuracy"] == pytest.approx(sum(f["test_accuracy"] for f in folds) / 3, abs=1e-5)


def test_scale_bench_measures_every_size_in_its_own_process(tiny_data, tmp_path):
    argv = [sys.executable, str(ROOT / "scripts/scale_bench.py"), "--data", str(tiny_data), "--out", str(tmp_path)]
    argv += ["--sizes", "300,900", "--test-size", "40"]
    argv += [f"--set={s}" for s in ("model.embedding_dim=8", "model.num_filters=4", "train.device=cpu")]
    subprocess.run(argv, check=True, capture_output=True, text=True)
    report = json.loads((tmp_path / "scale.json").read_text())
    small, large = report["sizes"]
    assert [small["reviews"], large["reviews"]] == [340, 940]  # train (with its validation part) + test
    assert large["tokens"] > 2 * small["tokens"]
    for row in report["sizes"]:
        assert row["store_bytes_per_token"] < 4.5 and row["peak_rss"] > row["baseline_rss"] > 0
        assert row["epoch_seconds"] > 0 and 0 <= row["val_accuracy"] <= 1
    assert set(report["slopes"]) == {"tokenize_seconds", "epoch_seconds", "peak_rss"}
    assert "| 340 |" in (tmp_path / "scale.md").read_text()
    with Image.open(tmp_path / "scale.png") as image:
        assert image.size[0] > 500


def test_compare_revisions_trains_both_and_agrees_with_itself(tiny_data):
    """HEAD against this tree: the same code, so the accuracies must agree (the timings are not asserted)."""
    argv = [sys.executable, str(ROOT / "scripts/compare_revisions.py"), "HEAD", "--repeats", "1"]
    argv += ["--config", str(ROOT / "configs/textcnn_imdb.yaml")]
    sets = [f"data.path={tiny_data}", "data.max_length=32", "model.num_filters=4", "train.threads=1", *TINY_OVERRIDES]
    argv += [f"--set={s}" for s in [*sets, "train.epochs=1"]]
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| revision | prep s | s/epoch | peak RSS MiB | val acc | test acc |")
    head, tree = (line.split("|") for line in lines[2:4])
    assert head[1].strip() == "HEAD" and tree[1].strip() == "this tree"
    assert head[5:7] == tree[5:7]  # val and test accuracy
    assert float(tree[4]) > 50  # peak RSS in MiB, of the training process


def test_digits_spread_trains_each_setting_in_its_own_process():
    argv = [sys.executable, str(ROOT / "scripts/digits_spread.py"), "--seeds", "1", "--epochs", "1", "--threads", "1"]
    lines = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()
    rows = [json.loads(line) for line in lines[:-1]]
    assert [(r["kernels"], r["threads"], r["seed"]) for r in rows] == [("avx2", 1, 0), ("default", 1, 0)]
    assert all(0.1 < r["test"] <= 1 for r in rows) and lines[-1].startswith("test accuracy over 2 trainings: ")


def test_linear_check_puts_the_config_beside_the_peers_on_the_same_folds(tmp_path):
    from tests.conftest import TINY_OVERRIDES, make_reviews

    root = tmp_path / "data"
    texts, labels = make_reviews(150, 3)
    (root / "subj").mkdir(parents=True)
    (root / "subj" / "subj.csv").write_text(
        "text,label\n" + "".join(f'"{t}",{y}\n' for t, y in zip(texts, labels)), encoding="utf-8"
    )
    config = str(ROOT / "configs/starter.yaml")
    argv = [sys.executable, str(ROOT / "scripts/linear_check.py"), "--config", config, "--data-root", str(root)]
    argv += ["--only", "subj", "--out", str(tmp_path / "out"), "--seeds", "0", "1", "--folds", "2"]
    argv += [f"--set={s}" for s in [*TINY_OVERRIDES, "model.num_filters=4", "train.epochs=2"]]
    subprocess.run(argv, check=True, capture_output=True, text=True, cwd=ROOT)
    subj = json.loads((tmp_path / "out" / "linear_check.json").read_text())["subj"]
    assert set(subj) == {"tfidf", "nbsvm", "fasttext", config}
    assert len(subj[config]) == 2 and all(0.5 <= r["accuracy"] <= 1 and r["seconds"] > 0 for r in subj[config])
    assert subj["nbsvm"][0]["fold_sd"] is not None  # scored on the folds of cv, as the config was
    for seed in (0, 1):
        cv = json.loads((tmp_path / "out" / "subj" / f"starter-seed{seed}" / "cv.json").read_text())
        assert cv["folds"] == 2 and cv["mean_accuracy"] == subj[config][seed]["accuracy"]
    table = (tmp_path / "out" / "linear_check.md").read_text()
    assert "### subj (2-fold CV)" in table and "over 2 seeds" in table
