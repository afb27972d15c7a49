import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from textcnn.cli import main

from .conftest import TINY_OVERRIDES

ROOT = Path(__file__).parents[1]


def test_help_explains_every_command(capsys):
    commands = ("train", "evaluate", "predict", "explain", "filters", "serve", "cv", "bench", "vectors")
    for argv in (["--help"], *([command, "--help"] for command in commands)):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--config",
        "--set",
        "--out",
        "--data",
        "--split",
        "--file",
        "--batch-size",
        "--device",
        "--format",
        "--max-body-bytes",
        "--max-texts",
        "--port",
    ):
        assert option in out


def test_console_script_version():
    out = subprocess.run(["textcnn", "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("textcnn ")


def test_train_evaluate_predict_end_to_end(tiny_data, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--config", str(ROOT / "configs/textcnn_imdb.yaml"), "--out", str(out), "--no-progress"]
    argv += [
        x
        for o in [f"data.path={tiny_data}", "data.max_length=64", "model.num_filters=8", *TINY_OVERRIDES]
        for x in ("--set", o)
    ]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["test_split"] == "test" and summary["test_accuracy"] > 0.8

    assert main(["evaluate", str(out)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["split"] == "test" and metrics["accuracy"] == pytest.approx(summary["test_accuracy"])

    assert main(["predict", str(out), "superb and brilliant", "awful, boring"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["label"] for x in lines] == ["pos", "neg"] and all(0.5 <= x["probability"] <= 1 for x in lines)


def test_predict_file_with_bad_bytes_and_stdin(tiny_run, tmp_path):
    path = tmp_path / "texts.txt"
    path.write_bytes(b"wonderful film\n\xff\xfe broken bytes \x80\n\n" + b"loved " * 200_000 + b"\n")
    result = subprocess.run(
        [sys.executable, "-m", "textcnn.cli", "predict", str(tiny_run), "--file", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 4
    result = subprocess.run(
        [sys.executable, "-m", "textcnn.cli", "predict", str(tiny_run)],
        input=b"awful\nsuperb\n",
        capture_output=True,
    )
    assert result.returncode == 0 and [json.loads(x)["label"] for x in result.stdout.splitlines()] == ["neg", "pos"]


@pytest.mark.parametrize(
    "argv,message",
    [
        (["predict", "no/such/run", "hi"], "run folder not found"),
        (["evaluate", "no/such/run"], "run folder not found"),
        (["train", "--config", "no/such.yaml"], "config file not found"),
        (
            ["train", "--config", str(ROOT / "configs/textcnn_imdb.yaml"), "--set", "train.lrr=1"],
            "unknown key train.lrr",
        ),
    ],
)
def test_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1


def test_missing_column_and_split_via_cli(tiny_run, tiny_data, capsys):
    assert main(["evaluate", str(tiny_run), "--split", "dev"]) == 2
    assert "no split 'dev'" in capsys.readouterr().err
    argv = [
        "train",
        "--config",
        str(ROOT / "configs/textcnn_imdb.yaml"),
        "--set",
        f"data.path={tiny_data}",
        "--set",
        "data.text_column=review",
        "--out",
        "unused",
    ]
    assert main(argv) == 2
    assert "has no column 'review'" in capsys.readouterr().err


def test_predict_file_missing(tiny_run, capsys):
    assert main(["predict", str(tiny_run), "--file", "nope.txt"]) == 2
    assert "file not found: nope.txt" in capsys.readouterr().err


def test_progress_bars_stay_out_of_log_files(tiny_data, tmp_path):
    """Progress is on by default, but stderr redirected to a file is not a terminal: epoch lines only."""
    log = tmp_path / "train.log"
    overrides = [f"data.path={tiny_data}", "data.max_length=64", "model.num_filters=8", *TINY_OVERRIDES]
    argv = [sys.executable, "-m", "textcnn", "train", "--config", str(ROOT / "configs/textcnn_imdb.yaml")]
    argv += ["--out", str(tmp_path / "run"), *[x for o in overrides for x in ("--set", o)]]
    with open(log, "w") as f:
        subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, check=True)
    text = log.read_text()
    assert "\r" not in text and "it/s" not in text
    assert sum(line.startswith("epoch ") for line in text.splitlines()) == 6  # one line per epoch


def test_train_needs_a_config_or_a_run_to_resume(tmp_path, capsys):
    assert main(["train"]) == 2
    assert capsys.readouterr().err.strip() == "error: train needs --config FILE (or --resume RUN_DIR)"
    argv = ["train", "--resume", str(tmp_path), "--config", "configs/textcnn_imdb.yaml"]
    assert main(argv) == 2
    assert "--resume takes its config and folder from RUN_DIR" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.strip() == f"error: run folder not found: {tmp_path / 'none'}"
