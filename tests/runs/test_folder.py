"""Run folders: exclusive creation, unique default names, early path checks, verified weights, no temporaries."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import textcnn.runs.folder as runs
from textcnn.errors import RunFolderError, UserError
from textcnn.runs.folder import RunFolder, check_out_path, default_run_dir
from textcnn.runs.loaded import Run
from textcnn.util.files import atomic_write, file_mode, remove_stale_temporaries


def test_default_names_never_collide_within_a_second():
    names = {default_run_dir("textcnn") for _ in range(2000)}
    assert len(names) == 2000
    assert all(n.parent.name == "runs" and n.name.startswith("textcnn-") for n in names)


def test_a_folder_is_claimed_once(tmp_path):
    first = RunFolder.create(tmp_path / "run")
    with pytest.raises(RunFolderError, match="already holds a run"):
        RunFolder.create(tmp_path / "run")
    first.release()
    (tmp_path / "empty").mkdir()
    RunFolder.create(tmp_path / "empty").release()  # an empty folder the user made is fine


def test_the_lock_is_exclusive_while_held(tmp_path):
    folder = RunFolder.create(tmp_path / "run")
    folder.mark(runs.INTERRUPTED)
    with pytest.raises(RunFolderError, match="is in use by another training"):
        RunFolder.resume(tmp_path / "run")
    folder.release()
    RunFolder.resume(tmp_path / "run").release()


def test_out_path_checks(tmp_path, monkeypatch):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(RunFolderError, match="is a file, not a folder"):
        check_out_path(tmp_path / "file.txt")
    with pytest.raises(RunFolderError, match="file.txt is a file"):
        check_out_path(tmp_path / "file.txt" / "run")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.md").write_text("mine")
    with pytest.raises(RunFolderError, match="is a folder that is not empty"):
        check_out_path(tmp_path / "busy")
    monkeypatch.setattr(runs.os, "access", lambda *_: False)  # root ignores permissions: fake a read-only disk
    with pytest.raises(RunFolderError, match="is not writable"):
        check_out_path(tmp_path / "new" / "run")


def test_out_naming_a_file_fails_before_any_data_is_loaded(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "textcnn", "train", "--config", "configs/textcnn_imdb.yaml"]
        + ["--set", "data.path=/no/such/dataset", "--out", str(tmp_path / "file.txt")],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --out {tmp_path / 'file.txt'} is a file, not a folder; choose a folder for the run"
    ]


def test_flipped_bytes_in_the_weights_are_refused(tiny_run, tmp_path):
    run = tmp_path / "flipped"
    shutil.copytree(tiny_run, run)
    weights = run / "model.safetensors"
    data = bytearray(weights.read_bytes())
    header = 8 + int.from_bytes(data[:8], "little")  # flip only tensor bytes: the file still parses
    rng = np.random.default_rng(0)
    for i in rng.choice(np.arange(header, len(data)), size=min(1000, len(data) - header), replace=False):
        data[i] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(RunFolderError, match=r"model.safetensors does not match the sha256 recorded in run.json"):
        Run.load(run, device="cpu")
    result = subprocess.run(
        [sys.executable, "-m", "textcnn", "predict", str(run), "great"], capture_output=True, text=True
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "model.safetensors does not match the sha256" in result.stderr


def test_the_digest_is_the_weights_digest(tiny_run):
    import hashlib

    recorded = json.loads((tiny_run / "run.json").read_text())["weights_sha256"]
    assert recorded == hashlib.sha256((tiny_run / "model.safetensors").read_bytes()).hexdigest()


def test_an_interrupted_save_leaves_no_temporary_file(tmp_path, monkeypatch):
    folder = RunFolder.create(tmp_path / "run")

    def interrupted(*args, **kwargs):
        open(args[1], "wb").write(b"half")  # noqa: SIM115 - a partial write, then the interruption
        raise KeyboardInterrupt

    monkeypatch.setattr("safetensors.torch.save_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        folder.save_weights({}, {})
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [".lock", "run.json"]
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "run" / "history.csv", lambda tmp: (tmp.write_text("x"), interrupted(None, tmp)))
    assert not list((tmp_path / "run").glob(".*.tmp")) and not (tmp_path / "run" / "history.csv").exists()


def test_temporaries_a_kill_left_are_removed(tmp_path):
    (tmp_path / ".model.safetensors.1234.tmp").write_bytes(b"half")
    (tmp_path / "model.safetensors").write_bytes(b"whole")
    assert [p.name for p in remove_stale_temporaries(tmp_path)] == [".model.safetensors.1234.tmp"]
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_missing_run_json_is_a_one_line_error(tiny_run, tmp_path):
    legacy = tmp_path / "legacy"
    shutil.copytree(tiny_run, legacy)
    (legacy / "run.json").unlink()
    with pytest.raises(UserError, match="is not a textcnn run folder \\(no run.json\\)"):
        Run.load(legacy, device="cpu")


def test_every_run_file_has_the_mode_the_umask_gives(tiny_run):
    """model.safetensors too, which safetensors alone would create 0600: a run handed to another user is readable."""
    modes = {path.name: path.stat().st_mode & 0o777 for path in tiny_run.iterdir() if path.is_file()}
    assert "model.safetensors" in modes and "checkpoint.pt" in modes
    assert set(modes.values()) == {file_mode()}, modes


@pytest.mark.parametrize("umask", [0o002, 0o027, 0o077])
def test_atomic_writes_honour_the_umask(tmp_path, umask):
    import torch
    from safetensors.torch import save_file

    old = os.umask(umask)
    try:
        assert file_mode() == 0o666 & ~umask
        atomic_write(tmp_path / "w.safetensors", lambda tmp: save_file({"w": torch.zeros(2)}, str(tmp)))
        atomic_write(tmp_path / "c.pt", lambda tmp: torch.save({"step": 1}, tmp))
    finally:
        os.umask(old)
    assert {p.stat().st_mode & 0o777 for p in tmp_path.iterdir()} == {0o666 & ~umask}


def test_a_failed_write_on_a_full_disk_is_named_as_such(tmp_path, monkeypatch):
    """torch.save on a full disk swallows the OSError and raises "unexpected pos": the free space tells."""
    import errno
    from types import SimpleNamespace

    from textcnn.errors import DiskFull

    def torch_like(tmp):
        tmp.write_bytes(b"part")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 426816 vs 426720")

    with pytest.raises(RuntimeError, match="unexpected pos"):  # room left: a real failure, passed on as it is
        atomic_write(tmp_path / "a.pt", torch_like)
    monkeypatch.setattr(os, "statvfs", lambda _: SimpleNamespace(f_bavail=3, f_frsize=4096))
    with pytest.raises(DiskFull, match=f"^no space left on device: cannot write {tmp_path / 'a.pt'}$"):
        atomic_write(tmp_path / "a.pt", torch_like)

    def enospc(tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.undo()
    with pytest.raises(DiskFull):
        atomic_write(tmp_path / "b.txt", enospc)
    assert list(tmp_path.iterdir()) == []  # no partial file left either way
