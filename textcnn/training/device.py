"""Where and in what precision to compute, and the random seeds."""

from __future__ import annotations

import random

import numpy as np
import torch

from ..errors import ConfigError


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy's global generator and torch (textcnn's own NumPy randomness uses explicit Generators)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (the global generator third-party code may draw from)
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    """``auto`` is CUDA when present, else CPU; an explicit CUDA device must exist."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} was asked for but no CUDA GPU is available; use auto or cpu")
    try:
        return torch.device(name)
    except RuntimeError:
        raise ConfigError(f"device {name!r} is not a device; use auto, cpu, cuda or cuda:N") from None


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto`` is bf16 where the hardware computes it natively (AMX / AVX512-BF16 CPUs, bf16 GPUs), else fp32."""
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"


def autocast(device: torch.device, precision: str):
    """bf16 autocast (matrix work in bfloat16: AMX / AVX512-BF16 CPUs, recent GPUs) or a no-op for fp32."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


def rng_state() -> dict:
    """Every global random generator's state: Python's, NumPy's and torch's (CPU and CUDA)."""
    state = {
        "python": random.getstate(),
        # As plain lists, so that a checkpoint loads with torch.load(weights_only=True).
        "numpy": [v.tolist() if isinstance(v, np.ndarray) else v for v in np.random.get_state()],  # noqa: NPY002
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), *rest))  # noqa: NPY002
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
