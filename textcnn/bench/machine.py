"""What the bench's figures depend on besides the models: the machine (CPU model, the instruction sets that
decide the speed of the matrix work, torch's kernel level) and the memory the process holds while it runs.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import threading
from pathlib import Path

import torch

from .. import __version__
from .records import MachineInfo

logger = logging.getLogger(__name__)


class PeakMemory:
    """Peak resident set size of this process while the ``with`` block runs, sampled every 10 ms."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval, self.start_bytes, self.peak_bytes = interval, 0, 0
        self._stop = threading.Event()

    @staticmethod
    def rss_bytes() -> int:
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):  # not Linux: the lifetime peak is the best available
            import resource

            scale = 1 if platform.system() == "Darwin" else 1024
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, self.rss_bytes())

    def __enter__(self) -> PeakMemory:
        self.start_bytes = self.peak_bytes = self.rss_bytes()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self.rss_bytes())


# /proc/cpuinfo flags that decide the speed of the model's matrix work, as the figures name them.
ISA_FLAGS = {"avx2": "avx2", "avx512f": "avx512", "avx512_bf16": "avx512_bf16", "amx_tile": "amx"}


def cpu_model_and_isa() -> tuple[str, list[str]]:
    """The CPU's model name and which of AVX2, AVX-512, AVX-512 BF16 and AMX it has (from /proc/cpuinfo on Linux)."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        cpuinfo = ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    present = set(flags.group(1).split()) if flags else set()
    cpu = model.group(1).strip() if model else platform.processor() or platform.machine()
    return cpu, [name for flag, name in ISA_FLAGS.items() if flag in present]


def kernel_isa(isa: list[str]) -> str:
    """torch's CPU kernel level and oneDNN's cap, marked ``limited`` when they are below what the CPU has."""
    capability = torch.backends.cpu.get_cpu_capability()  # e.g. AVX512, AVX2 (ATEN_CPU_CAPABILITY lowers it)
    onednn = os.environ.get("ONEDNN_MAX_CPU_ISA", "")
    limited = ("avx512" in isa and capability == "AVX2") or (onednn.upper().startswith("AVX2") and "avx512" in isa)
    text = f"torch {capability}" + (f", oneDNN {onednn}" if onednn else "")
    return f"{'limited: ' if limited else ''}{text}"


def machine_info(device: torch.device, precisions: list[str] | None = None) -> MachineInfo:
    """The machine the bench runs on, and the precisions its models computed in."""
    cpu, isa = cpu_model_and_isa()
    return MachineInfo(
        isa=isa,
        kernels=kernel_isa(isa),
        precisions=sorted(set(precisions or [])),
        cpu=cpu,
        cores=os.cpu_count(),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        device=str(device),
        python=platform.python_version(),
        textcnn=__version__,
        gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else None,
    )
