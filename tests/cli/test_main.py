import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TINY_OVERRIDES
from textcnn.cli.main import main

ROOT = Path(__file__).parents[2]


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
        [sys.executable, "-m", "textcnn", "predict", str(tiny_run), "--file", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1  # no silent U+FFFD
    assert "is not utf-8 text: byte 15 (0xff, line 2)" in result.stderr and "--encoding" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "textcnn", "predict", str(tiny_run), "--file", str(path), "--encoding", "latin-1"],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 4
    result = subprocess.run(
        [sys.executable, "-m", "textcnn", "predict", str(tiny_run)],
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
    with pytest.raises(SystemExit) as stopped:  # argparse: the usage line shows one of the two as required
        main(["train"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "(--config FILE | --resume RUN_DIR)" in err
    assert err.strip().endswith("error: one of the arguments --config --resume is required")
    with pytest.raises(SystemExit):
        main(["train", "--resume", str(tmp_path), "--config", "configs/textcnn_imdb.yaml"])
    assert "not allowed with argument" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.strip() == f"error: run folder not found: {tmp_path / 'none'}"


def _train_argv(tiny_data, out, *overrides: str) -> list[str]:
    argv = ["train", "--config", str(ROOT / "configs/textcnn_imdb.yaml"), "--out", str(out), "--no-progress"]
    tiny = [f"data.path={tiny_data}", "data.max_length=64", "model.num_filters=8", *TINY_OVERRIDES, *overrides]
    return argv + [x for o in tiny for x in ("--set", o)]


def test_a_diverging_training_is_a_one_line_failure_not_a_finished_run(tiny_data, tmp_path, capsys):
    out = tmp_path / "nan"
    diverging = ("train.optimizer=sgd", "model.sparse_embedding=false", "train.lr=1e6", "model.max_norm=null")
    assert main(_train_argv(tiny_data, out, *diverging)) == 2
    captured = capsys.readouterr()
    assert "run saved" not in captured.out and "nan" not in captured.out
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: training diverged: the training loss is nan at epoch 1 step ")
    assert "lower train.lr (now 1e+06)" in err[0] and "marked failed and holds no weights" in err[0]
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"].startswith("training diverged")
    assert main(["train", "--resume", str(out)]) == 2
    assert "resuming would repeat it" in capsys.readouterr().err
    assert main(["predict", str(out), "a film"]) == 2
    assert "is a failed run with no weights to load: training diverged" in capsys.readouterr().err


def _on_a_terminal(argv: list[str], stdin: Path) -> str:
    """Run ``argv`` with stdin from a file and stderr on a pseudo-terminal (80 columns); what reached the terminal."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # 0x0 would draw no bar
    with open(stdin, "rb") as source:
        process = subprocess.Popen(argv, stdin=source, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=60)
    os.close(leader)
    return shown.decode(errors="replace")


def test_texts_piped_into_predict_get_a_progress_bar_on_a_terminal(tiny_run, tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("a superb film\nawful and boring\n" * 3000)
    shown = _on_a_terminal([sys.executable, "-m", "textcnn", "predict", str(tiny_run)], texts)
    assert "predict: 6000text" in shown  # tqdm's count once all 6,000 texts are written (no total: a pipe)


@pytest.mark.parametrize("name", ["in.csv", "in.jsonl"])
def test_output_is_never_the_input(tiny_run, tmp_path, capsys, name):
    source = tmp_path / name
    rows = [{"text": "a superb film"}, {"text": "awful"}]
    if name.endswith(".csv"):
        source.write_text("text\n" + "".join(r["text"] + "\n" for r in rows))
    else:
        source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = source.read_bytes()
    os.link(source, tmp_path / f"also-{name}")  # the same file under another name
    for output in (source, tmp_path / f"also-{name}", tmp_path / "sub" / ".." / name):
        (tmp_path / "sub").mkdir(exist_ok=True)
        argv = ["predict", str(tiny_run), "--file", str(source), "--text-column", "text", "--output", str(output)]
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == (
            f"error: --output: {output} is the file being read (--file); writing it would destroy its texts"
        )
        assert main(["explain", str(tiny_run), "--file", str(source), "--output", str(output)]) == 2
        assert "is the file being read" in capsys.readouterr().err
    assert source.read_bytes() == before


def test_output_into_a_missing_folder_is_a_one_line_error(tiny_run, tmp_path, capsys):
    output = tmp_path / "no" / "such" / "out.jsonl"
    assert main(["predict", str(tiny_run), "a film", "--output", str(output)]) == 2
    expected = f"error: --output: the folder {output.parent} does not exist; create it first"
    assert capsys.readouterr().err.strip() == expected


def test_bytes_that_are_not_utf8_in_a_text_argument_are_a_one_line_error(tiny_run):
    for command in ("predict", "explain"):
        argv = [sys.executable, "-m", "textcnn", command, str(tiny_run), "fine", b"bad\xffbyte"]
        result = subprocess.run(argv, capture_output=True, text=True)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == (
            "error: text 2 is not valid Unicode: character 3 is a lone surrogate (U+DCFF; from bytes that are not "
            "UTF-8, or a broken \\u escape)"
        )


def test_every_command_shows_examples_and_no_repository_path(capsys):
    for command in ("train", "evaluate", "predict", "explain", "filters", "serve", "cv", "bench", "vectors"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        shown = capsys.readouterr().out
        assert f"textcnn {command} " in shown.partition("examples:\n")[2], command
        assert "../shared" not in shown, command
        if command in ("train", "evaluate", "filters", "cv", "bench", "vectors"):  # the commands that read data
            assert "--data PATH" in shown, command


def test_old_option_spellings_still_work_with_a_warning(tiny_run, capsys):
    assert main(["filters", str(tiny_run), "--top", "2", "--show", "1", "--max-texts", "30", "--no-progress"]) == 0
    old = capsys.readouterr()
    assert "warning: --top is deprecated and will be removed in the next release; use --top-filters" in old.err
    assert "warning: --show is deprecated and will be removed in the next release; use --top-ngrams" in old.err
    argv = ["filters", str(tiny_run), "--top-filters", "2", "--top-ngrams", "1", "--max-texts", "30", "--no-progress"]
    assert main(argv) == 0
    new = capsys.readouterr()
    assert new.out == old.out and "deprecated" not in new.err


def test_data_names_the_dataset_on_train_and_resume_refuses_it(tiny_data, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--config", str(ROOT / "configs/textcnn_imdb.yaml"), "--data", str(tiny_data), "--out", str(out)]
    argv += [x for o in ["data.max_length=64", "model.num_filters=8", *TINY_OVERRIDES] for x in ("--set", o)]
    assert main([*argv, "--no-progress"]) == 0
    assert json.loads((out / "metrics.json").read_text())["num_test"] == 120
    assert "path: " + str(tiny_data) in (out / "config.yaml").read_text()
    assert main(["train", "--resume", str(out), "--data", str(tiny_data)]) == 2
    assert "leave out --data and --out" in capsys.readouterr().err
