"""A finished run loaded from its folder: verified weights, the tokenizer, ``predict`` and ``evaluate``."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from tokenizers import Tokenizer
from torch import nn

from ..config import DataConfig, RunConfig, load_config
from ..errors import ConfigError, RunFolderError
from ..models import TextModel, get_model
from ..models.precomputed import PRECOMPUTE_CHOICES, fast_inference_model
from ..text.batching import eval_batches
from ..text.data import load_eval_split
from ..text.inputs import check_texts
from ..text.token_store import TokenStore
from ..text.tokenizer import encode, load_tokenizer
from ..training import objective_for, predict_logits, resolve_device, resolve_precision
from .folder import FAILED, FINISHED, RunFolder, weight_mismatches
from .records import RunMetrics
from .scoring import label_set, multi_label_scores, require_finite, single_label_scores

RUN_FILES = ("config.yaml", "tokenizer.json", "model.safetensors")
PIPELINE_CHUNK = 2048  # texts tokenized at a time while the model runs on the chunk before
BACKENDS = ("torch", "onnx")


logger = logging.getLogger(__name__)


@dataclass
class Run:
    """A trained run: ``Run.load(folder).predict(["a text", ...])``."""

    path: Path
    config: RunConfig
    tokenizer: Tokenizer
    model: TextModel
    class_names: list[str]
    device: torch.device
    metrics: RunMetrics | None = None
    multi_label: bool = False  # each text gets a set of labels: those whose probability reaches `threshold`
    threshold: float = 0.5
    temperature: float = 1.0  # single-label: probabilities are softmax(logits / T), T fitted on validation
    precompute: str = "off"  # look a TextCNN's first convolution up at inference: auto | on | off (see load)
    backend: str = "torch"  # or onnx: predictions from the run's exported graph through ONNX Runtime
    _onnx_model: nn.Module | None = field(default=None, init=False, repr=False)
    _fast_model: nn.Module | None = field(default=None, init=False, repr=False)
    _fast_for: str | None = field(default=None, init=False, repr=False)  # the precompute mode it was built for

    @classmethod
    def load(
        cls,
        run_dir: str | Path,
        device: str = "auto",
        *,
        precompute: str = "auto",
        backend: str = "torch",
    ) -> Run:
        """Load a run folder; its weights must match the sha256 its ``run.json`` records.

        A run that never finished (interrupted, or killed while training) loads with a warning.
        ``precompute``: for a TextCNN, look its first convolution up in per-word tables instead of
        computing it (:class:`~textcnn.models.precomputed.PrecomputedTextCNN`, equal to float rounding).
        ``auto`` does so on a CPU when the tables fit in ``PRECOMPUTE_MAX_BYTES``, where the lookup is
        faster than the convolution (the benchmarks page has the figures); a GPU computes the convolution
        faster than it gathers. ``on`` / ``off`` force it. The tables are built on the first
        prediction, so ``explain`` and ``filters``, which need the model itself, never pay for them.
        ``backend="onnx"``: predictions come from the graph ``textcnn export`` wrote (the looked-up one
        unless ``precompute="off"``), run by ONNX Runtime on the CPU; explanations still read the model.
        """
        if precompute not in PRECOMPUTE_CHOICES:
            raise ValueError(f"precompute must be one of {PRECOMPUTE_CHOICES}, got {precompute!r}")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        folder = RunFolder.open(run_dir)
        path = folder.path
        _check_complete(folder)
        try:
            config = load_config(path / "config.yaml")
        except ConfigError as error:
            raise RunFolderError(f"{path / 'config.yaml'}: {error}") from None
        tokenizer = load_tokenizer(path / "tokenizer.json")
        state, class_names, multi_label, threshold, temperature = _read_weights(folder)
        model = get_model(config.model, tokenizer.get_vocab_size(), len(class_names))
        problems = weight_mismatches(state, model.state_dict())
        if problems:
            raise RunFolderError(f"{path}: checkpoint does not match config.yaml ({'; '.join(problems[:3])})")
        model.load_state_dict(state)
        device_ = resolve_device(device)
        model.to(device_).eval()
        metrics = RunMetrics.load(path / "metrics.json") if (path / "metrics.json").is_file() else None
        return cls(
            path,
            config,
            tokenizer,
            model,
            class_names,
            device_,
            metrics,
            multi_label,
            threshold,
            temperature,
            precompute,
            backend,
        )

    def fast_model(self) -> nn.Module | None:
        """The looked-up TextCNN that predictions use, built once for the current ``precompute`` (None: the model)."""
        if self._fast_for != self.precompute:
            vocab_size = self.tokenizer.get_vocab_size()
            self._fast_model = fast_inference_model(self.model, vocab_size, self.device, self.precompute)
            self._fast_for = self.precompute
        return self._fast_model

    def inference_model(self) -> nn.Module:
        """What predictions run: the ONNX graph (``backend="onnx"``), the looked-up TextCNN, or the model."""
        if self.backend == "onnx":
            if self._onnx_model is None:
                from ..export.onnx import onnx_model

                self._onnx_model = onnx_model(self.path, lookup=self.precompute != "off")
            return self._onnx_model
        return self.fast_model() or self.model

    def use_onnx(self, graph: str | Path) -> None:
        """Predict from the ONNX graph at ``graph`` from now on (``backend="onnx"``), e.g. one exported elsewhere."""
        from ..export.onnx import OnnxModel

        self._onnx_model, self.backend = OnnxModel(graph), "onnx"

    def use_torch(self) -> None:
        """Predict with the torch model again (``backend="torch"``)."""
        self._onnx_model, self.backend = None, "torch"

    def _encoded(self, texts: list[str]) -> Iterator[TokenStore]:
        """The texts' token ids, ``PIPELINE_CHUNK`` texts at a time, the next chunk tokenized on a thread while
        the caller runs the model on this one (the tokenizer's Rust code does not hold the GIL)."""
        chunks = [texts[i : i + PIPELINE_CHUNK] for i in range(0, len(texts), PIPELINE_CHUNK)]
        if len(chunks) == 1:
            yield encode(self.tokenizer, chunks[0])
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="textcnn-tokenize") as pool:
            pending = pool.submit(encode, self.tokenizer, chunks[0])
            for following in [*chunks[1:], None]:
                ids = pending.result()
                if following is not None:
                    pending = pool.submit(encode, self.tokenizer, following)
                yield ids

    def predict_proba(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Class probabilities ``(N, num_classes)`` for raw texts, in input order.

        Single-label runs: a softmax at the run's temperature (calibrated on validation), rows sum to 1.
        Multi-label runs: one sigmoid per label.
        ``batch_size``: most texts per model batch (default: the run's ``train.eval_batch_size``).
        """
        texts = check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.class_names)), dtype=np.float32)
        settings = dataclasses.replace(
            self.config.train, eval_batch_size=batch_size or self.config.train.eval_batch_size
        )
        model = self.inference_model()  # the looked-up model and ONNX compute in fp32 whatever the precision
        precision = resolve_precision(self.config.train.precision, self.device)
        device = torch.device("cpu") if self.backend == "onnx" else self.device
        parts = []
        for ids in self._encoded(texts):
            parts.append(predict_logits(model, eval_batches(ids, None, settings), device, precision=precision))
        logits = torch.cat(parts)  # (N, C) in input order: each chunk's rows come back in its own order
        return require_finite(self.objective.probabilities(logits).numpy(), f"{self.path}: the model")

    @property
    def objective(self):
        """What the run predicts, and how its logits become probabilities (its threshold or temperature)."""
        return objective_for(self.multi_label, self.threshold, self.temperature)

    def predict(self, texts: Sequence[str], batch_size: int | None = None) -> list[dict]:
        """``[{"label": name, "probability": p}, ...]``: the predicted class and its probability.

        Multi-label runs: ``[{"labels": [names], "probabilities": {name: p, ...}}, ...]``.
        """
        probs = self.predict_proba(texts, batch_size)  # checks the texts: a single string is refused
        if self.multi_label:
            return [label_set(p, self.class_names, self.threshold) for p in probs]
        best = probs.argmax(axis=1)
        return [{"label": self.class_names[i], "probability": round(float(p[i]), 6)} for i, p in zip(best, probs)]

    def evaluate(
        self, data: DataConfig | str | None = None, split: str | None = None, batch_size: int | None = None
    ) -> dict:
        """Scores on one labelled split: accuracy, macro-F1, per-class precision / recall / F1 and the confusion
        matrix (multi-label runs: micro- and macro-F1, exact match and per-label scores at the run's threshold).

        ``data``: the run's data section (default), another ``DataConfig``, or just another path. Without
        ``split`` it is the run's test split; one the run held out of train (``data.test_size``, a CV fold)
        is read back from the rows ``splits.json`` records.
        """
        if data is None or isinstance(data, str):
            data_config = self.config.data if data is None else dataclasses.replace(self.config.data, path=data)
        else:
            data_config = data
        recorded = self.path / "splits.json"
        held_out = json.loads(recorded.read_text(encoding="utf-8")).get("test") if recorded.is_file() else None
        if split is None and held_out is not None and data_config.path == self.config.data.path:
            split = held_out["from"]
            _, data = load_eval_split(data_config, split, self.class_names)
            data = data.select_rows(np.asarray(held_out["rows"], dtype=np.int64))
            if data is None:
                raise RunFolderError(f"the data changed since {self.path} was trained: its test rows are not there")
            split = f"the {len(data)} test rows of {split!r} the run scored (splits.json)"
        else:
            split, data = load_eval_split(data_config, split or data_config.test_split, self.class_names)
        probs = self.predict_proba(data.texts, batch_size)
        head = {"run": str(self.path), "data": data_config.path, "split": split, "num_examples": len(data)}
        if self.multi_label:
            return {**head, **multi_label_scores(probs, data.labels, self.threshold, self.class_names)}
        return {**head, **single_label_scores(probs, data.labels, self.class_names)}


def _check_complete(folder: RunFolder) -> None:
    """A one-line error for a folder missing a file a run needs; a warning for one that never finished."""
    path, manifest = folder.path, folder.manifest()
    missing = [name for name in RUN_FILES if not (path / name).is_file()]
    if manifest.status == FAILED and missing:
        raise RunFolderError(f"{path} is a failed run with no weights to load: {manifest.error}")
    if missing:
        raise RunFolderError(f"{path} is not a complete run folder: missing {', '.join(missing)}")
    if manifest.status == FAILED:
        logger.warning(f"{path} is a failed run ({manifest.error}); these are the weights of its last good point")
    elif manifest.status != FINISHED:
        logger.warning(
            f"{path} is an unfinished run (status: {manifest.status}); 'textcnn train --resume {path}' finishes it"
        )


def _read_weights(folder: RunFolder) -> tuple[dict[str, torch.Tensor], list[str], bool, float, float]:
    """The verified weights, all finite, and what their metadata records: the class names, whether the run
    is multi-label, its decision threshold and its temperature (1 for runs trained before calibration)."""
    weights = folder.verified_weights()
    try:
        with safe_open(str(weights), "pt") as f:
            state = {key: f.get_tensor(key) for key in f.keys()}
            metadata = f.metadata() or {}
        class_names = json.loads(metadata["class_names"])
        threshold = float(metadata.get("threshold", 0.5))
        temperature = float(metadata.get("temperature", 1.0))
    except (SafetensorError, OSError, KeyError, ValueError) as error:
        raise RunFolderError(f"{weights} is not a valid textcnn checkpoint: {error}") from None
    broken = next((k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()), None)
    if broken is not None:
        raise RunFolderError(
            f"{weights}: {broken} holds NaN or infinite values (training diverged); train again with a lower train.lr"
        )
    if not (np.isfinite(temperature) and temperature > 0):
        raise RunFolderError(f"{weights}: its temperature {temperature} is not a positive number")
    return state, class_names, metadata.get("task") == "multi-label", threshold, temperature
