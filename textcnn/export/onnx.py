"""ONNX export of a trained TextCNN, and ONNX Runtime as a prediction backend.

``textcnn export RUN --format onnx`` writes, beside the run's ``tokenizer.json``:

- ``model.onnx``: ``ids (B, L) int64, mask (B, L) bool -> logits (B, C) float32``, any batch and length;
- ``model.lookup.onnx`` where the run's first convolution can be looked up (no n-gram vectors, tables
  under ``PRECOMPUTE_MAX_BYTES``): the same logits from per-word tables, the faster graph on a CPU;
- ``labels.json``: the class names and how logits become probabilities (softmax at the run's
  temperature, or one sigmoid per label at its threshold).

Padding positions must hold id 0 with ``mask`` false, as ``textcnn.text.batching`` pads. Each graph is
checked against the torch model on texts of several lengths before it is kept. onnx, onnxscript and
onnxruntime are the optional ``onnx`` extra.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import RunFolderError, UserError
from ..models.precomputed import PRECOMPUTE_MAX_BYTES, can_precompute, table_bytes
from ..util.files import atomic_write, atomic_write_text
from .graphs import ExportedLookup, ExportedTextCNN, exportable

logger = logging.getLogger(__name__)

ONNX_FILE = "model.onnx"
LOOKUP_FILE = "model.lookup.onnx"
LABELS_FILE = "labels.json"
OPSET = 18
TOLERANCE = 1e-4  # largest |onnxruntime - torch| logit difference an export may show


def require_onnx() -> None:
    """A one-line error naming the extra when onnx, onnxscript or onnxruntime is missing."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as error:
        raise UserError(f"ONNX needs the onnx extra: pip install 'textcnn[onnx]' ({error.name} is missing)") from None


def export_onnx(run, out: str | Path | None = None, *, lookup: str = "auto") -> list[Path]:
    """Write the run's ONNX graphs and ``labels.json`` to ``out`` (default: the run folder); returns their paths.

    ``lookup``: ``auto`` writes the looked-up graph where it applies and its tables fit; ``on`` where it
    applies at all; ``off`` never.
    """
    out = Path(out) if out is not None else run.path
    written = export_graphs(run.model, out, run.tokenizer.get_vocab_size(), lookup=lookup)
    labels = {
        "class_names": run.class_names,
        "task": "multi-label" if run.multi_label else "single-label",
        "threshold": run.threshold if run.multi_label else None,
        "temperature": run.temperature,
        "probabilities": "sigmoid(logits) >= threshold" if run.multi_label else "softmax(logits / temperature)",
        "inputs": {"ids": "int64 (batch, length), 0 at padding", "mask": "bool (batch, length), false at padding"},
    }
    atomic_write_text(out / LABELS_FILE, json.dumps(labels, indent=2) + "\n")
    if out.resolve() != run.path.resolve():
        atomic_write_text(out / "tokenizer.json", (run.path / "tokenizer.json").read_text(encoding="utf-8"))
    return [*written, out / LABELS_FILE]


def export_graphs(model: nn.Module, out: Path, vocab_size: int, *, lookup: str = "auto") -> list[Path]:
    """Write ``model.onnx`` (and ``model.lookup.onnx``, see :func:`export_onnx`) of a TextCNN to ``out``."""
    require_onnx()
    reason = exportable(model)
    if reason:
        raise UserError(f"export: {reason}")
    out.mkdir(parents=True, exist_ok=True)
    model = model.to("cpu").float().eval()
    graphs = [(ExportedTextCNN, ONNX_FILE)]
    fits = table_bytes(model, vocab_size) <= PRECOMPUTE_MAX_BYTES
    if can_precompute(model) and (lookup == "on" or (lookup == "auto" and fits)):
        graphs.append((ExportedLookup, LOOKUP_FILE))
    written = []
    for build, name in graphs:
        _export(build(model).eval(), model, out / name, vocab_size)
        written.append(out / name)
        logger.info(f"export: {out / name} ({(out / name).stat().st_size / 2**20:.1f} MiB)")
    return written


def onnx_available() -> bool:
    try:
        require_onnx()
    except UserError:
        return False
    return True


def _sample(vocab_size: int, lengths: list[int], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded ids and mask for texts of ``lengths``: what the check runs through both models."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, vocab_size, (len(lengths), max(lengths)), generator=generator)  # (B, L)
    mask = torch.arange(max(lengths))[None, :] < torch.tensor(lengths)[:, None]  # (B, L)
    return ids.masked_fill(~mask, 0), mask


def _export(graph: nn.Module, model: nn.Module, path: Path, vocab_size: int) -> None:
    """Export ``graph`` with a dynamic batch and length, then check it against ``model`` before keeping it."""
    import onnxruntime

    example = _sample(vocab_size, [7, 12])
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("length")}

    def write(tmp: Path) -> None:
        with _quiet_exporter():
            program = torch.onnx.export(
                graph,
                example,
                input_names=["ids", "mask"],
                output_names=["logits"],
                dynamic_shapes=(dims, dims),
                opset_version=OPSET,
                dynamo=True,
                verbose=False,
            )
            program.save(str(tmp))
        session = onnxruntime.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        ids, mask = _sample(vocab_size, [1, 3, 40, 9, 2], seed=1)  # one-token texts and padding included
        got = session.run(["logits"], {"ids": ids.numpy(), "mask": mask.numpy()})[0]
        with torch.inference_mode():
            want = model(ids, mask).float().numpy()
        gap = float(np.abs(got - want).max())
        if not gap <= TOLERANCE:
            raise RunFolderError(f"export: {path.name} differs from the torch model by {gap:.2g} (at most {TOLERANCE})")

    atomic_write(path, write)


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The exporter's notes (deprecations inside torch, torchvision's absence) are not the user's business."""
    exporter = logging.getLogger("torch.onnx")
    level = exporter.level
    exporter.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        exporter.setLevel(level)


class OnnxModel(nn.Module):
    """An ONNX Runtime session in the place of the torch model: ``(ids, mask) -> logits``, on the CPU."""

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        super().__init__()
        require_onnx()
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        self.path = Path(path)
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        feeds = {"ids": ids.cpu().numpy().astype(np.int64, copy=False), "mask": mask.cpu().numpy()}
        return torch.from_numpy(self.session.run(["logits"], feeds)[0])


def onnx_model(run_dir: Path, lookup: bool = True) -> OnnxModel:
    """The run's exported graph (the looked-up one where it was exported and ``lookup``); an error if none."""
    for name in (LOOKUP_FILE, ONNX_FILE) if lookup else (ONNX_FILE,):
        if (run_dir / name).is_file():
            return OnnxModel(run_dir / name)
    raise RunFolderError(f"{run_dir} has no {ONNX_FILE}: run 'textcnn export {run_dir} --format onnx' first")
