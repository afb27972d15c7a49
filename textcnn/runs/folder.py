"""Run folders: created exclusively, locked while training, marked until finished, weights verified on load.

A run folder holds::

    run.json            status (training | interrupted | failed | finished), the weights' sha256, versions
    config.yaml         the resolved config
    tokenizer.json      cleaning, vocabulary, truncation
    splits.json         which rows were held out of train for validation (and test), by row number
    model.safetensors   the best validation point's weights (+ class names and vocab size as metadata)
    checkpoint.pt       the whole training state at the last validation point (for --resume)
    metrics.json        test and validation accuracy and timings (see textcnn.runs.records.RunMetrics)
    history.csv         one row per validation point
    curves.png          loss and accuracy per epoch
    .lock               held (flock) by the process training into the folder

Every file is written to a temporary name and renamed, so a kill at any moment leaves each file
either old or new; the next training or resume removes the temporaries a kill left behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import RunFolderError
from ..util.files import atomic_write, atomic_write_text, remove_stale_temporaries, sha256_of

MANIFEST = "run.json"
WEIGHTS = "model.safetensors"
CHECKPOINT = "checkpoint.pt"
LOCK = ".lock"
TRAINING, INTERRUPTED, FAILED, FINISHED = "training", "interrupted", "failed", "finished"


def default_run_dir(model_name: str, root: str | Path = "runs") -> Path:
    """``runs/MODEL-DATE-TIME-RANDOM``: 12 random hex digits keep runs started in the same second apart.

    48 bits: 2,000 names in one second collide with probability about 1e-8 (3 bytes gave about 0.1).
    """
    return Path(root) / f"{model_name}-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(6)}"


def check_out_path(path: str | Path) -> Path:
    """A one-line error unless a new run could be created at ``path`` (checked before any data is loaded)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RunFolderError(f"--out {path} is a file, not a folder; choose a folder for the run")
    if path.is_dir() and any(path.iterdir()):
        if (path / MANIFEST).exists() or (path / WEIGHTS).exists():
            raise RunFolderError(f"{path} already holds a run; choose another --out, or continue it with --resume")
        raise RunFolderError(f"{path} is a folder that is not empty; choose a new or empty folder for --out")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise RunFolderError(f"cannot create {path}: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise RunFolderError(f"cannot create {path}: {existing} is not writable")
    return path


@dataclass
class Manifest:
    """``run.json``: the state of a run folder."""

    status: str = TRAINING
    weights_sha256: str | None = None
    created: str = ""
    updated: str = ""
    textcnn: str = __version__
    interrupted_by: str | None = None  # SIGINT or SIGTERM, while status is interrupted
    error: str | None = None  # why training stopped, while status is failed (e.g. it diverged)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2) + "\n"


class RunFolder:
    """One run folder. :meth:`create` and :meth:`resume` take its lock; :meth:`open` reads it without."""

    writes = True  # False for the processes other than rank 0 (FollowerFolder)

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = None

    # ----------------------------------------------------------------------------- claiming it

    @classmethod
    def create(cls, path: str | Path) -> RunFolder:
        """Create a new run folder and lock it; fails at once if another training holds or held it."""
        path = check_out_path(path)
        path.mkdir(parents=True, exist_ok=True)
        folder = cls(path)
        folder._lock()
        # Under the lock: a second process that passed check_out_path in the same instant finds this.
        if (path / MANIFEST).exists():
            folder.release()
            raise RunFolderError(f"{path} already holds a run; choose another --out, or continue it with --resume")
        now = _now()
        folder._write_manifest(Manifest(created=now, updated=now))
        return folder

    @classmethod
    def resume(cls, path: str | Path) -> RunFolder:
        """Lock an unfinished run folder to continue training in it."""
        folder = cls.open(path)
        manifest = folder.manifest()
        if manifest.status == FINISHED:
            raise RunFolderError(f"{folder.path} is a finished run; there is nothing to resume")
        if manifest.status == FAILED:
            raise RunFolderError(
                f"{folder.path} failed ({manifest.error}); resuming would repeat it exactly: train it again "
                "with the change the error suggests"
            )
        folder._lock()
        remove_stale_temporaries(folder.path)
        manifest.status, manifest.interrupted_by = TRAINING, None
        folder._write_manifest(manifest)
        return folder

    @classmethod
    def open(cls, path: str | Path) -> RunFolder:
        folder = cls(path)
        if not folder.path.is_dir():
            raise RunFolderError(f"run folder not found: {folder.path}")
        if not (folder.path / MANIFEST).is_file():
            raise RunFolderError(f"{folder.path} is not a textcnn run folder (no {MANIFEST})")
        return folder

    def _lock(self) -> None:
        try:
            fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:  # a read-only folder or file system: training could write nothing there
            raise RunFolderError(f"cannot train in {self.path}: {error.strerror.lower()}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunFolderError(f"{self.path} is in use by another training; choose another --out") from None
        self._lock_fd = fd  # the kernel releases the lock when this process ends, however it ends

    def discard(self) -> None:
        """Remove a folder that training never got going in: the files this package writes, then the folder
        if nothing else is left in it."""
        for name in (MANIFEST, "config.yaml", "tokenizer.json", "splits.json", WEIGHTS, LOCK):
            (self.path / name).unlink(missing_ok=True)
        self.release()
        try:
            self.path.rmdir()
        except OSError:
            pass  # not empty: something else lives there

    def release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    # ----------------------------------------------------------------------------- the manifest

    def manifest(self) -> Manifest:
        try:
            values = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
            return Manifest(**values)
        except (OSError, ValueError, TypeError) as error:
            raise RunFolderError(f"{self.path / MANIFEST} is unreadable: {error}") from None

    def _write_manifest(self, manifest: Manifest) -> None:
        manifest.updated = _now()
        atomic_write_text(self.path / MANIFEST, manifest.to_json())

    def mark(self, status: str, interrupted_by: str | None = None, *, error: str | None = None) -> None:
        manifest = self.manifest()
        manifest.status, manifest.interrupted_by, manifest.error = status, interrupted_by, error
        self._write_manifest(manifest)

    # ----------------------------------------------------------------------------- files

    def write_text(self, name: str, text: str) -> None:
        atomic_write_text(self.path / name, text)

    def write_with(self, name: str, write) -> None:
        """``write(tmp_path)`` then an atomic rename to ``name``."""
        atomic_write(self.path / name, write)

    def save_weights(self, state: dict[str, Any], metadata: dict[str, str]) -> None:
        """Write ``model.safetensors`` and record its sha256 in ``run.json``."""
        from safetensors.torch import save_file

        atomic_write(self.path / WEIGHTS, lambda tmp: save_file(state, str(tmp), metadata=metadata))
        manifest = self.manifest()
        manifest.weights_sha256 = sha256_of(self.path / WEIGHTS)
        self._write_manifest(manifest)

    def verified_weights(self) -> Path:
        """The weights file, after checking it against the sha256 that ``run.json`` records."""
        weights = self.path / WEIGHTS
        if not weights.is_file():
            raise RunFolderError(f"{self.path} has no {WEIGHTS} (training saved no weights yet)")
        expected = self.manifest().weights_sha256
        if expected is None:
            raise RunFolderError(f"{self.path / MANIFEST} records no sha256 for {WEIGHTS}")
        if sha256_of(weights) != expected:
            raise RunFolderError(
                f"{weights} does not match the sha256 recorded in {MANIFEST}: the file is corrupt or was changed"
            )
        return weights

    def save_checkpoint(self, state: dict) -> None:
        import torch

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as f:  # through a Python file a full disk is an OSError (ENOSPC), not "unexpected pos"
                torch.save(state, f)

        atomic_write(self.path / CHECKPOINT, write)

    def load_checkpoint(self) -> dict | None:
        """The last training state, or None when training never reached its first validation point."""
        import torch

        path = self.path / CHECKPOINT
        if not path.is_file():
            return None
        try:
            return torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain data only
        except Exception as error:  # torch raises RuntimeError, UnpicklingError, EOFError, ... on a bad file
            raise RunFolderError(f"{path} is not a readable training checkpoint: {_reason(error)}") from None


class FollowerFolder(RunFolder):
    """A run folder as the training processes other than rank 0 see it: they read it, rank 0 alone writes.

    Every process runs the same code (the collectives must line up), so the writes are skipped here
    rather than at each call site.
    """

    writes = False

    def write_text(self, name: str, text: str) -> None:
        pass

    def write_with(self, name: str, write) -> None:
        pass

    def save_weights(self, state: dict[str, Any], metadata: dict[str, str]) -> None:
        pass

    def save_checkpoint(self, state: dict) -> None:
        pass

    def mark(self, status: str, interrupted_by: str | None = None, *, error: str | None = None) -> None:
        pass

    def discard(self) -> None:
        pass


def _reason(error: Exception) -> str:
    """Why torch could not read a checkpoint, without its advice to retry with ``weights_only=False``:
    that would run whatever code the file holds, and a damaged file is no reason to trust it."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "weights_only" in message or "Weights only" in message:
        return "it is damaged, or holds more than tensors and plain data (textcnn writes only those)"
    return message


def weight_mismatches(state: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """How saved weights ``state`` differ from the model's own ``expected`` (names to tensors): shapes, gaps."""
    problems = [
        f"{k}: checkpoint {tuple(v.shape)} vs config {tuple(expected[k].shape)}"
        for k, v in state.items()
        if k in expected and v.shape != expected[k].shape
    ]
    problems += [f"{k}: missing from checkpoint" for k in expected if k not in state]
    return problems + [f"{k}: not in the model" for k in state if k not in expected]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
