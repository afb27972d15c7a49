"""Writing files so that an interruption never leaves a half-written file or a stray temporary one."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import DiskFull

TMP_SUFFIX = ".tmp"
_UMASK_LOCK = threading.Lock()
FULL_BYTES = 1 << 20  # a failed write with less free space than this is taken for a full disk


def temporary_name(path: Path) -> Path:
    """``.NAME.PID.tmp`` beside ``path``: hidden, and unique to this process."""
    return path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it over ``path``.

    A rename is atomic: readers see the old file or the new one, never a partial one. If ``write``
    fails or is interrupted (Ctrl-C, SIGTERM), the temporary file is removed before the error goes on.
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        write(tmp)
        os.chmod(tmp, file_mode())  # some writers (safetensors) create their file 0600 whatever the umask
        os.replace(tmp, path)
    except BaseException as error:
        full = _is_disk_full(error, path.parent)  # before the partial file is removed, freeing its space
        tmp.unlink(missing_ok=True)
        if full:
            raise DiskFull(f"no space left on device: cannot write {path}") from None
        raise


def _is_disk_full(error: BaseException, folder: Path) -> bool:
    """ENOSPC, as an OSError or inside another library's error (safetensors wraps it in its own), or any
    failure while the disk is all but full: torch.save swallows the OSError and reports "unexpected pos"."""
    if isinstance(error, KeyboardInterrupt):
        return False
    if isinstance(error, OSError) and error.errno == errno.ENOSPC or "No space left on device" in str(error):
        return True
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < FULL_BYTES


def file_mode() -> int:
    """The mode a new file gets from ``open``: ``0o666`` less the process's umask (``0o644`` for umask 022)."""
    with _UMASK_LOCK:  # the umask can only be read by setting it: hold it still for other threads
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Delete the temporary files a killed process left in ``folder`` (kill -9 runs no cleanup)."""
    stale = sorted(Path(folder).glob(f".*{TMP_SUFFIX}"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def sha256_of(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()
