"""Runs killed, terminated or interrupted mid-epoch, then resumed, end exactly like uninterrupted ones (CPU)."""

import csv
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import write_dataset
from textcnn.config import load_config
from textcnn.errors import ConfigError, RunFolderError, UserError
from textcnn.runs.loaded import Run
from textcnn.runs.training import resume_run, train_run

# Noisy labels keep accuracy below 1, so every validation point carries information; one thread,
# so that the subprocess and this process compute alike.
SETTINGS = {
    "data": {"max_length": 64},
    "tokenizer": {"vocab_size": 200, "min_frequency": 1},
    "model": {"name": "textcnn", "embedding_dim": 64, "num_filters": 64, "embedding_dropout": 0.2},
    "train": {
        "epochs": 3,
        "batch_size": 16,
        "lr": 0.003,
        "patience": None,
        "device": "cpu",
        "evals_per_epoch": 3,
        "threads": 1,
    },
}


@pytest.fixture(scope="module")
def noisy_config(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("resume")
    data = write_dataset(folder / "data", {"train": 4000, "test": 200}, seed=3, label_noise=0.25)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump({**SETTINGS, "data": {**SETTINGS["data"], "path": str(data)}}))
    return path


@pytest.fixture(scope="module")
def reference(noisy_config, tmp_path_factory) -> Path:
    """The same config trained without interruption."""
    out = tmp_path_factory.mktemp("reference") / "run"
    train_run(load_config(noisy_config), out, progress=False)
    return out


def history_without_time(run: Path) -> list[dict]:
    with open(run / "history.csv") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


def accuracies(run: Path) -> dict:
    metrics = json.loads((run / "metrics.json").read_text())
    return {k: metrics[k] for k in ("val_accuracy", "test_accuracy", "best_epoch", "epochs_run")}


# As from a terminal: a background job of a non-interactive shell (CI) inherits SIGINT ignored, and
# Python then never turns it into KeyboardInterrupt; restore the default handler before the CLI runs.
AS_FROM_A_TERMINAL = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from textcnn.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def start_training(config: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            AS_FROM_A_TERMINAL,
            "train",
            "--config",
            str(config),
            "--out",
            str(out),
            "--no-progress",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_validations(out: Path, count: int, process: subprocess.Popen, timeout: float = 120) -> None:
    """Block until the training in ``out`` has checkpointed ``count`` validation points."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if (out / "checkpoint.pt").exists():
            if count == 1:
                return
            import torch

            try:
                state = torch.load(out / "checkpoint.pt", weights_only=True)
            except Exception:  # replaced while reading: try again
                continue
            if len(state["trainer"]["result"]["history"]) >= count:
                return
        time.sleep(0.02)
    raise AssertionError("training did not reach its validation points in time")


def test_kill_9_mid_epoch_then_resume_equals_an_uninterrupted_run(noisy_config, reference, tmp_path, log_lines):
    out = tmp_path / "killed"
    process = start_training(noisy_config, out)
    wait_for_validations(out, 2, process)
    time.sleep(0.15)  # into the next segment of the epoch, between validation points
    process.kill()  # SIGKILL: no handler runs, no file is finished
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (out / "metrics.json").exists()
    assert json.loads((out / "run.json").read_text())["status"] == "training"  # visibly unfinished

    # The unfinished folder loads with a warning, and blocks a new training into it.
    Run.load(out, device="cpu")
    (warning,) = log_lines(logging.WARNING)
    assert "unfinished run" in warning and "--resume" in warning
    with pytest.raises(RunFolderError, match="already holds a run"):
        train_run(load_config(noisy_config), out, progress=False)
    metrics = resume_run(out, progress=False)
    assert any(line.startswith("resuming at epoch") for line in log_lines())
    assert metrics.resumed == 1 and not metrics.interrupted
    assert accuracies(out) == accuracies(reference)
    assert history_without_time(out) == history_without_time(reference)  # losses too, to the last digit
    assert json.loads((out / "run.json").read_text())["status"] == "finished"
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("signum,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signals_keep_the_best_point_exit_non_zero_and_resume_exactly(noisy_config, reference, tmp_path, signum, code):
    out = tmp_path / "signalled"
    process = start_training(noisy_config, out)
    wait_for_validations(out, 1, process)
    time.sleep(0.15)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and f"interrupted ({signal.Signals(signum).name})" in stdout + stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["interrupted"] is True and metrics["interrupted_by"] == signal.Signals(signum).name
    assert 0 < metrics["epochs_run"] < 9 and 0.0 < metrics["test_accuracy"] <= 1.0
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["interrupted_by"] == signal.Signals(signum).name

    resume_run(out, progress=False)
    assert accuracies(out) == accuracies(reference)
    assert history_without_time(out) == history_without_time(reference)


def test_resume_refuses_finished_runs_and_unsafe_overrides(reference, tmp_path):
    with pytest.raises(RunFolderError, match="is a finished run; there is nothing to resume"):
        resume_run(reference, progress=False)
    with pytest.raises(ConfigError, match="--resume cannot change train.lr; it may change only train.epochs"):
        resume_run(reference, ["train.lr=0.1"], progress=False)
    with pytest.raises(RunFolderError, match="run folder not found"):
        resume_run(tmp_path / "nothing", progress=False)


def test_resume_may_train_longer(noisy_config, tmp_path):
    """A run interrupted by Ctrl-C after its first validation point, then given more epochs."""
    out = tmp_path / "longer"
    config = load_config(noisy_config, ["train.epochs=1", "train.evals_per_epoch=1"])
    train_run(config, out, progress=False)
    (out / "run.json").write_text((out / "run.json").read_text().replace('"finished"', '"interrupted"'))
    metrics = resume_run(out, ["train.epochs=2"], progress=False)
    assert metrics.epochs_completed == 2 and metrics.epochs_run == 2
    assert load_config(out / "config.yaml").train.epochs == 2


def test_two_trainings_into_one_folder(noisy_config, tmp_path):
    out = tmp_path / "shared"
    first = start_training(noisy_config, out)
    wait_for_validations(out, 1, first)
    second = start_training(noisy_config, out)
    _, stderr = second.communicate(timeout=60)
    assert second.returncode == 2
    assert stderr.strip().splitlines() == [
        f"error: {out} already holds a run; choose another --out, or continue it with --resume"
    ]
    first.send_signal(signal.SIGTERM)  # the first one was untouched: it stops as it would have
    first.communicate(timeout=60)
    assert first.returncode == 143
    assert json.loads((out / "metrics.json").read_text())["interrupted_by"] == "SIGTERM"


def test_two_trainings_started_at_once_into_one_folder(noisy_config, tmp_path):
    out = tmp_path / "race"
    config = tmp_path / "short.yaml"
    tree = yaml.safe_load(noisy_config.read_text())
    tree["train"]["epochs"] = 1
    config.write_text(yaml.safe_dump(tree))
    processes = [start_training(config, out) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in processes]
    codes = sorted(p.returncode for p in processes)
    assert codes == [0, 2], results
    loser = next(err for p, (_, err) in zip(processes, results) if p.returncode == 2)
    assert loser.strip().startswith("error: ") and len(loser.strip().splitlines()) == 1
    assert json.loads((out / "run.json").read_text())["status"] == "finished"
    Run.load(out, device="cpu")  # the winner's weights match its digest


def test_run_folder_never_exists_half_made_after_an_early_failure(noisy_config, tmp_path):
    config = load_config(noisy_config, ["data.path=/no/such/data"])
    with pytest.raises(Exception, match="cannot load dataset"):
        train_run(config, tmp_path / "early", progress=False)
    assert not (tmp_path / "early").exists()  # the same --out works once the data path is fixed
    assert os.listdir(tmp_path) == [] or "early" not in os.listdir(tmp_path)


def test_sigterm_before_the_first_validation_point_leaves_nothing(noisy_config, tmp_path):
    config = tmp_path / "slow.yaml"
    tree = yaml.safe_load(noisy_config.read_text())
    tree["train"]["evals_per_epoch"] = 1  # the first checkpoint comes a whole epoch after the data is loaded
    config.write_text(yaml.safe_dump(tree))
    out = tmp_path / "early"
    process = start_training(config, out)
    deadline = time.monotonic() + 60
    while not (out / "run.json").exists():  # the folder is claimed: SIGTERM is handled from here on
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted (SIGTERM) before anything was saved"
    assert not out.exists()  # nothing to resume: the same --out can be used again


def test_resume_stops_when_the_data_changed(noisy_config, tmp_path):
    out = tmp_path / "changed"
    config = load_config(noisy_config, ["train.epochs=1", "train.evals_per_epoch=1"])
    train_run(config, out, progress=False)
    recorded = json.loads((out / "splits.json").read_text())
    assert len(recorded["validation"]["rows"]) == 400 and recorded["validation"]["from"] == "train"
    recorded["validation"]["rows"][0] += 1  # as if the file had been edited since
    (out / "splits.json").write_text(json.dumps(recorded))
    (out / "run.json").write_text((out / "run.json").read_text().replace('"finished"', '"interrupted"'))
    with pytest.raises(UserError, match="the data changed since .* held-out rows differ from splits.json"):
        resume_run(out, progress=False)


def _interrupted_run(noisy_config: Path, out: Path, *overrides: str) -> Path:
    """One epoch trained, then marked interrupted, as if stopped before its end."""
    config = load_config(noisy_config, ["train.epochs=1", "train.evals_per_epoch=1", *overrides])
    train_run(config, out, progress=False)
    (out / "run.json").write_text((out / "run.json").read_text().replace('"finished"', '"interrupted"'))
    return out


def test_resume_refuses_a_checkpoint_that_does_not_fit_the_config(noisy_config, tmp_path):
    edited = _interrupted_run(noisy_config, tmp_path / "edited")
    tree = yaml.safe_load((edited / "config.yaml").read_text())
    tree["model"]["num_filters"] = 32
    (edited / "config.yaml").write_text(yaml.safe_dump(tree))
    message = r"checkpoint.pt does not match config.yaml \(encoder.convs.convs.0.weight: checkpoint \(64, 64, 3\)"
    with pytest.raises(RunFolderError, match=message):
        resume_run(edited, progress=False)

    other = _interrupted_run(noisy_config, tmp_path / "other", "model.embedding_dim=32")
    mine = _interrupted_run(noisy_config, tmp_path / "mine")
    (mine / "checkpoint.pt").write_bytes((other / "checkpoint.pt").read_bytes())
    with pytest.raises(RunFolderError, match="copied from another run"):
        resume_run(mine, progress=False)


def test_resume_in_a_read_only_folder_is_a_one_line_error(noisy_config, tmp_path, monkeypatch):
    import errno

    import textcnn.runs.folder

    out = _interrupted_run(noisy_config, tmp_path / "ro")

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(textcnn.runs.folder.os, "open", read_only)  # as root, chmod alone would not stop the write
    with pytest.raises(RunFolderError, match=f"cannot train in {out}: read-only file system"):
        resume_run(out, progress=False)


def test_a_full_disk_keeps_the_last_checkpoint_and_resume_ends_as_if_nothing_happened(
    noisy_config, reference, tmp_path, monkeypatch
):
    import errno

    import torch

    save, calls = torch.save, []

    def full_on_the_second(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            f.write(b"PK\x03\x04 part of a checkpoint")
            raise OSError(errno.ENOSPC, "No space left on device")
        return save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", full_on_the_second)
    out = tmp_path / "full"
    with pytest.raises(UserError, match=r"^no space left on device: cannot write .*checkpoint.pt; .* keeps its last"):
        train_run(load_config(noisy_config), out, progress=False)
    monkeypatch.setattr(torch, "save", save)
    assert not any(p.name.endswith(".tmp") for p in out.iterdir())  # the half-written one is gone
    assert json.loads((out / "run.json").read_text())["status"] == "training"  # unfinished: --resume takes it
    resume_run(out, progress=False)  # from the first validation point's checkpoint
    assert history_without_time(out) == history_without_time(reference)


def test_a_zeroed_checkpoint_is_refused_without_advice_to_load_it_unsafely(noisy_config, tmp_path):
    out = _interrupted_run(noisy_config, tmp_path / "zeroed")
    size = (out / "checkpoint.pt").stat().st_size
    (out / "checkpoint.pt").write_bytes(b"\0" * size)
    message = "checkpoint.pt is not a readable training checkpoint: it is damaged"
    with pytest.raises(RunFolderError, match=message) as info:
        resume_run(out, progress=False)
    assert "weights_only" not in str(info.value)
