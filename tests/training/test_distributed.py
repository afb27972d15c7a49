"""Data-parallel training (textcnn.training.distributed): sharding, signals, and torchrun runs on 2 CPU processes.

The torchrun tests compare 2 processes (1 thread each) with 1 process (1 thread) on the same global
batch. Averaging two half-batch gradients equals the whole batch's gradient up to the order of float
sums, so the tolerance is float32 rounding: losses within 1e-4, weights within 1e-5, and the same
validation accuracy at every validation point.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from safetensors.torch import load_file

from tests.conftest import write_dataset
from tests.runs.test_resume import history_without_time, wait_for_validations
from textcnn.config import load_config
from textcnn.runs.folder import FollowerFolder, RunFolder
from textcnn.runs.training import train_run
from textcnn.text.batching import BucketedBatches
from textcnn.training import Distributed, ShardedBatches, pending_signal, stop_on_signals

# ------------------------------------------------------------------------------------ sharding


def _bucketed(n: int, batch_size: int, *, shuffle: bool, seed: int = 0) -> BucketedBatches:
    rng = np.random.default_rng(seed)
    sequences = [np.arange(1, 1 + rng.integers(1, 40)) for _ in range(n)]
    return BucketedBatches(
        sequences, np.zeros(n, dtype=np.int64), batch_size, shuffle=shuffle, chunk=3, seed=seed, max_tokens=200
    )


@pytest.mark.parametrize("world", [2, 3])
def test_training_shards_split_every_global_batch(world):
    batches = _bucketed(101, 8, shuffle=True)  # 101 = 12 * 8 + 5: the last batch is short
    shards = [ShardedBatches(batches, Distributed(rank, world), split_batches=True) for rank in range(world)]
    for epoch in (1, 2):
        for shard in shards:
            shard.set_epoch(epoch)
        per_rank = [shard.shards() for shard in shards]
        kept = [index for index in batches.order() if len(index) >= world]
        assert all(len(steps) == len(kept) for steps in per_rank)  # every process takes the same number of steps
        assert len(shards[0]) == len(kept)
        for step, index in enumerate(kept):  # at each step, the processes' texts are exactly the global batch
            parts = [steps[step] for steps in per_rank]
            assert sorted(np.concatenate(parts).tolist()) == sorted(index.tolist())
            assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1


def test_a_global_batch_shorter_than_the_process_count_is_skipped_by_all():
    batches = _bucketed(17, 8, shuffle=True)  # 8 + 8 + 1: the last batch has 1 text for 2 processes
    shards = [ShardedBatches(batches, Distributed(rank, 2), split_batches=True) for rank in range(2)]
    assert [len(s) for s in shards] == [2, 2]
    seen = np.concatenate([i for s in shards for i in s.shards()])
    assert len(seen) == 16 and len(set(seen.tolist())) == 16


@pytest.mark.parametrize("world", [2, 3, 7])
def test_evaluation_shards_count_each_text_once(world):
    batches = _bucketed(50, 8, shuffle=False)
    rows = [
        row
        for rank in range(world)
        for batch in ShardedBatches(batches, Distributed(rank, world), split_batches=False)
        for row in batch.index.tolist()
    ]
    assert sorted(rows) == list(range(50))  # all rows, none twice, even when some process gets no batch


# ------------------------------------------------------------------------------------- signals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_deferred_signals_are_noted_not_raised(signum):
    before = signal.getsignal(signum)
    with stop_on_signals(defer=True):
        assert pending_signal() is None
        os.kill(os.getpid(), signum)
        time.sleep(0.05)  # the handler runs between bytecodes of the main thread
        assert pending_signal() == signum
    assert pending_signal() is None
    assert signal.getsignal(signum) is before  # the previous handler is back


def test_follower_folder_reads_but_never_writes(tmp_path):
    with RunFolder.create(tmp_path / "run") as folder:
        folder.write_text("config.yaml", "seed: 0\n")
        follower = FollowerFolder(folder.path)
        follower.write_text("history.csv", "x")
        follower.write_with("tokenizer.json", lambda tmp: tmp.write_text("{}"))
        follower.save_checkpoint({"x": 1})
        follower.mark("finished")
        follower.discard()
        assert sorted(p.name for p in folder.path.iterdir()) == [".lock", "config.yaml", "run.json"]
        assert follower.manifest().status == "training"


# ------------------------------------------------------------------------------ torchrun, 2 processes


def torchrun(nproc: int = 2) -> list[str]:
    """``torchrun --standalone --nproc_per_node=N -m textcnn`` (with this Python), to be followed by its arguments."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", "-m", "textcnn"]


def run_torchrun(*args: str, nproc: int = 2) -> subprocess.CompletedProcess:
    """One torchrun, asserted to succeed; run again once, with a warning, when a process died of a native crash.

    A process killed by SIGSEGV inside torch or gloo (seen once in CI, never here in 67 runs, with and
    without contention and AVX2-only kernels) is not something the package's Python can cause or catch;
    the warning carries faulthandler's tracebacks so that a recurrence says where it happened.
    """
    command = [*torchrun(nproc=nproc), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, env=_quiet_env())
    if result.returncode != 0 and "Signal 11 (SIGSEGV)" in result.stderr and "--out" in args:
        crash = result.stderr[-4000:]
        warnings.warn(f"a torchrun process crashed (SIGSEGV); running it once more:\n{crash}", stacklevel=2)
        shutil.rmtree(args[args.index("--out") + 1], ignore_errors=True)  # the crashed run's folder
        result = subprocess.run(command, capture_output=True, text=True, timeout=240, env=_quiet_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _quiet_env() -> dict:
    # PYTHONFAULTHANDLER: a process that dies of a native crash prints every thread's Python traceback.
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TORCH_CPP_LOG_LEVEL": "ERROR", "PYTHONFAULTHANDLER": "1"}


def _config(folder: Path, data: Path, **model) -> Path:
    settings = {
        "data": {"path": str(data), "max_length": 64},
        "tokenizer": {"vocab_size": 200, "min_frequency": 1},
        "model": {"name": "textcnn", "embedding_dim": 32, "num_filters": 24, "sparse_embedding": True, **model},
        "train": {
            "epochs": 2,
            "batch_size": 16,
            "lr": 0.003,
            "patience": None,
            "device": "cpu",
            "evals_per_epoch": 2,
            "threads": 1,
        },
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


@pytest.fixture(scope="module")
def noisy_data(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("ddp") / "data", {"train": 1500, "test": 150}, seed=5, label_noise=0.2)


def test_two_processes_train_as_one_process_does_on_the_same_global_batch(noisy_data, tmp_path):
    # No dropout: then the only difference between the runs is the order of float sums.
    config = _config(tmp_path, noisy_data, dropout=0.0, embedding_dropout=0.0)
    single, double = tmp_path / "single", tmp_path / "double"
    train_run(load_config(config), single, progress=False)
    result = run_torchrun("train", "--config", str(config), "--out", str(double))

    one, two = history_without_time(single), history_without_time(double)
    assert [r["val_accuracy"] for r in one] == [r["val_accuracy"] for r in two]
    for a, b in zip(one, two):
        for key in ("train_loss", "val_loss", "train_accuracy"):
            assert float(a[key]) == pytest.approx(float(b[key]), abs=1e-4), key
    weights_one, weights_two = load_file(single / "model.safetensors"), load_file(double / "model.safetensors")
    for name, value in weights_one.items():
        assert (value - weights_two[name]).abs().max().item() < 1e-5, name
    metrics = json.loads((double / "metrics.json").read_text())
    assert metrics["processes"] == 2 and metrics["threads"] == 1
    assert metrics["num_validation"] == 150 and metrics["num_test"] == 150  # every text counted once
    assert metrics["test_accuracy"] == json.loads((single / "metrics.json").read_text())["test_accuracy"]

    # Rank 0 alone writes: the same files as one process, and each log line once.
    assert sorted(p.name for p in double.iterdir()) == sorted(p.name for p in single.iterdir())
    assert result.stdout.count("best epoch") == 1 and result.stdout.count("val acc") == 1 + len(two)
    assert result.stdout.count('"val_accuracy"') == 1


def test_two_processes_stopped_by_sigterm_resume_exactly(noisy_data, tmp_path):
    # Dropout on: an exact resume needs every process's own random state back.
    config = _config(tmp_path, noisy_data, dropout=0.5, embedding_dropout=0.2)
    reference, stopped = tmp_path / "reference", tmp_path / "stopped"
    run_torchrun("train", "--config", str(config), "--out", str(reference))

    process = subprocess.Popen(
        [*torchrun(), "train", "--config", str(config), "--out", str(stopped), "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_quiet_env(),
    )
    wait_for_validations(stopped, 1, process)
    process.send_signal(signal.SIGTERM)  # torchrun passes it on to both processes
    out, err = process.communicate(timeout=120)
    assert "interrupted (SIGTERM)" in out, out + err
    assert "torchrun --standalone --nproc_per_node=2 -m textcnn train --resume" in out
    assert json.loads((stopped / "run.json").read_text())["status"] == "interrupted"
    assert json.loads((stopped / "metrics.json").read_text())["epochs_run"] < 4

    run_torchrun("train", "--resume", str(stopped))
    assert history_without_time(stopped) == history_without_time(reference)  # losses too, to the last digit
    assert load_file(stopped / "model.safetensors").keys() == load_file(reference / "model.safetensors").keys()
    for name, value in load_file(stopped / "model.safetensors").items():
        assert value.equal(load_file(reference / "model.safetensors")[name]), name
    assert json.loads((stopped / "metrics.json").read_text())["resumed"] == 1


def test_other_commands_refuse_to_run_under_torchrun(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "textcnn", "evaluate", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**_quiet_env(), "WORLD_SIZE": "2"},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: only 'textcnn train' runs on several processes; run 'textcnn evaluate' without torchrun"
    )


def test_a_taken_run_folder_stops_every_process_with_its_error(noisy_data, tmp_path):
    config = _config(tmp_path, noisy_data)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "run.json").write_text("{}")
    result = subprocess.run(
        [*torchrun(), "train", "--config", str(config), "--out", str(taken)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_quiet_env(),
    )
    assert result.returncode != 0
    # Rank 0 hands its error to the other process, which stops with it instead of waiting for a folder.
    assert result.stderr.count(f"error: {taken} already holds a run") == 2, result.stderr
