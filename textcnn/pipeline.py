"""Text classification end to end: train a run folder, load it back, evaluate, predict.

A run folder holds everything needed to predict on new text::

    config.yaml        the resolved config
    tokenizer.json     cleaning, vocabulary, truncation
    model.safetensors  the best validation epoch's weights (+ class names and vocab size as metadata)
    metrics.json       val_accuracy, test_accuracy, test_split, epoch_seconds, train_seconds, ...
    history.csv        one row per epoch
    curves.png         loss and accuracy per epoch
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from tokenizers import Tokenizer
from torch import nn

from . import __version__
from .config import ConfigError, RunConfig, TrainConfig, load_config, save_config
from .errors import UserError
from .models import EmbeddingConfig, get_model
from .plots import plot_curves
from .text.batching import BucketedBatches
from .text.data import load_eval_split, load_splits
from .text.tokenizer import PAD_ID, UNK_ID, encode, load_tokenizer, save_tokenizer, tokenizer_from_config
from .text.vectors import Coverage, load_vectors, vectors_for_vocab
from .trainer import Trainer, predict_logits, resolve_device, resolve_precision, seed_everything

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

RUN_FILES = ("config.yaml", "tokenizer.json", "model.safetensors")


def _save_model(model: nn.Module, path: Path, class_names: list[str], vocab_size: int) -> None:
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {"class_names": json.dumps(class_names), "vocab_size": str(vocab_size), "textcnn": __version__}
    tmp = path.with_suffix(".tmp")
    save_file(state, str(tmp), metadata=metadata)
    tmp.replace(path)  # atomic: an interrupted save never leaves a half-written checkpoint


def train_batches(ids: list[np.ndarray], labels: np.ndarray, train: TrainConfig, seed: int) -> BucketedBatches:
    """Shuffled, length-bucketed training batches as the train config says."""
    return BucketedBatches(
        ids,
        labels,
        train.batch_size,
        shuffle=True,
        chunk=train.bucket_chunk,
        seed=seed,
        pad_multiple=train.pad_multiple,
    )


def eval_batches(ids: list[np.ndarray], labels: np.ndarray | None, train: TrainConfig) -> BucketedBatches:
    """Length-sorted evaluation / prediction batches, capped in texts and in padded tokens."""
    return BucketedBatches(
        ids,
        labels,
        train.eval_batch_size,
        shuffle=False,
        pad_multiple=train.pad_multiple,
        max_tokens=train.eval_max_tokens,
    )


def seconds_per_epoch(history: list) -> list[float]:
    """Training seconds of each whole epoch (summing the segments between validations)."""
    totals: dict[int, float] = {}
    for record in history:
        epoch = math.ceil(record.epoch - 1e-9)
        totals[epoch] = totals.get(epoch, 0.0) + record.seconds
    return [totals[e] for e in sorted(totals)]


def check_vectors_size(config: EmbeddingConfig, vectors: KeyedVectors) -> None:
    """A one-line error unless ``vectors`` have the size ``config.embedding_dim`` asks for."""
    if vectors.vector_size != config.embedding_dim:
        raise UserError(
            f"model.embedding_dim is {config.embedding_dim} but {config.vectors} holds {vectors.vector_size}-dim "
            f"vectors; set model.embedding_dim: {vectors.vector_size}"
        )


def read_vectors(config: EmbeddingConfig) -> KeyedVectors:
    """The word vectors a pretrained embedding mode names, checked against ``embedding_dim``."""
    vectors = load_vectors(config.vectors)
    check_vectors_size(config, vectors)
    return vectors


def load_pretrained_embedding(
    model: nn.Module, vectors: KeyedVectors, tokenizer: Tokenizer, train_ids: list[np.ndarray], *, seed: int
) -> Coverage:
    """Fill the model's word tables with ``vectors`` mapped onto the tokenizer's vocabulary."""
    counts = np.bincount(np.concatenate(train_ids), minlength=tokenizer.get_vocab_size())
    table, coverage = vectors_for_vocab(
        vectors, tokenizer.get_vocab(), special_ids=(PAD_ID, UNK_ID), padding_idx=PAD_ID, token_counts=counts, seed=seed
    )
    model.embedding.load_vectors(table)
    return coverage


def accuracy(logits: torch.Tensor, labels: np.ndarray) -> float:
    return float((logits.argmax(dim=1).numpy() == labels).mean())


def train_run(config: RunConfig, out_dir: str | Path, *, progress: bool = True, log=print) -> dict:
    """Train the configured model and write a run folder; returns the metrics."""
    out = Path(out_dir)
    if (out / "model.safetensors").exists():
        raise UserError(f"{out} already holds a trained run; choose another --out")
    started = time.perf_counter()
    # Read the vectors first, so a missing or mismatched file stops the run before any data work.
    vectors = read_vectors(config.model) if config.model.embedding_mode != "rand" else None
    seed_everything(config.seed)
    splits = load_splits(config.data, config.seed)
    log(
        f"data: {len(splits.train)} train, {len(splits.validation)} validation ({splits.validation_source}), "
        f"{len(splits.test)} test (split {splits.test_split!r}); classes {splits.class_names}"
    )
    data = config.data
    tokenizer = tokenizer_from_config(splits.train.texts, data, config.tokenizer)
    vocab_size = tokenizer.get_vocab_size()
    tc = config.train
    train_ids = encode(tokenizer, splits.train.texts)
    train = train_batches(train_ids, splits.train.labels, tc, config.seed)
    validation = eval_batches(encode(tokenizer, splits.validation.texts), splits.validation.labels, tc)
    test = eval_batches(encode(tokenizer, splits.test.texts), splits.test.labels, tc)
    mean_tokens = float(np.mean(train.lengths))
    log(
        f"tokenizer: {vocab_size} words; {mean_tokens:.0f} tokens per training text on average "
        f"(cut at {data.max_length})"
    )

    model = get_model(config.model, vocab_size, len(splits.class_names))
    coverage = None
    if vectors is not None:
        coverage = load_pretrained_embedding(model, vectors, tokenizer, train_ids, seed=config.seed)
        del vectors  # the model holds its own copy; the file's full table is not needed for training
        log(coverage.describe())
    elif config.model.vectors:
        log("model.vectors is ignored: embedding_mode is 'rand' (vectors learned from scratch)")
    num_parameters = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    out.mkdir(parents=True, exist_ok=True)
    save_config(config, out / "config.yaml")
    save_tokenizer(tokenizer, out / "tokenizer.json")

    trainer = Trainer(tc, progress=progress, log=log)
    log(f"model: {config.model.name}, {num_parameters:,} parameters ({trainable:,} trainable) on {trainer.device}")
    prep_seconds = time.perf_counter() - started
    result = trainer.fit(
        model,
        train,
        validation,
        on_improve=lambda m, _: _save_model(m, out / "model.safetensors", splits.class_names, vocab_size),
    )
    if not result.history:
        raise UserError("training stopped before the first epoch ended; nothing was saved")

    test_logits = predict_logits(
        model, test, trainer.device, precision=trainer.precision, progress=progress, desc="test"
    )
    epoch_seconds = seconds_per_epoch(result.history)
    metrics = {
        "model": config.model.name,
        "epochs_completed": len(epoch_seconds),
        "val_accuracy": result.best_val_accuracy,
        "test_accuracy": accuracy(test_logits, test.labels),
        "test_split": splits.test_split,
        "validation_source": splits.validation_source,
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "stopped_early": result.stopped_early,
        "interrupted": result.interrupted,
        "epoch_seconds": epoch_seconds,
        "train_seconds": sum(r.seconds for r in result.history),
        "prep_seconds": prep_seconds,
        "total_seconds": time.perf_counter() - started,
        "num_parameters": num_parameters,
        "trainable_parameters": trainable,
        "vocab_size": vocab_size,
        "num_train": len(splits.train),
        "num_validation": len(splits.validation),
        "num_test": len(splits.test),
        "mean_train_tokens": mean_tokens,
        "embedding_mode": config.model.embedding_mode,
        "vectors_coverage": coverage.as_dict() if coverage else None,
        "class_names": splits.class_names,
        "device": str(trainer.device),
        "precision": trainer.precision,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
        "textcnn": __version__,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    with open(out / "history.csv", "w", newline="", encoding="utf-8") as f:
        fields = [f.name for f in dataclasses.fields(result.history[0])]
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(dataclasses.asdict(r) for r in result.history)
    plot_curves(result.history, out / "curves.png", title=f"{config.model.name} on {config.data.path}")
    log(
        f"best epoch {result.best_epoch}: val acc {metrics['val_accuracy']:.4f}, "
        f"test acc ({splits.test_split}) {metrics['test_accuracy']:.4f}; run saved to {out}"
    )
    return metrics


@dataclass
class Run:
    """A trained run loaded from its folder."""

    path: Path
    config: RunConfig
    tokenizer: Tokenizer
    model: nn.Module
    class_names: list[str]
    device: torch.device

    @classmethod
    def load(cls, run_dir: str | Path, device: str = "auto") -> Run:
        path = Path(run_dir)
        if not path.is_dir():
            raise UserError(f"run folder not found: {path}")
        missing = [name for name in RUN_FILES if not (path / name).is_file()]
        if missing:
            raise UserError(f"{path} is not a complete run folder: missing {', '.join(missing)}")
        try:
            config = load_config(path / "config.yaml")
        except ConfigError as error:
            raise UserError(f"{path / 'config.yaml'}: {error}") from None
        tokenizer = load_tokenizer(path / "tokenizer.json")
        try:
            with safe_open(str(path / "model.safetensors"), "pt") as f:
                state = {key: f.get_tensor(key) for key in f.keys()}
                class_names = json.loads((f.metadata() or {})["class_names"])
        except (SafetensorError, OSError, KeyError, ValueError) as error:
            raise UserError(f"{path / 'model.safetensors'} is not a valid textcnn checkpoint: {error}") from None
        vocab_size = tokenizer.get_vocab_size()
        model = get_model(config.model, vocab_size, len(class_names))
        expected = model.state_dict()
        problems = [
            f"{k}: checkpoint {tuple(v.shape)} vs config {tuple(expected[k].shape)}"
            for k, v in state.items()
            if k in expected and v.shape != expected[k].shape
        ]
        problems += [f"{k}: missing from checkpoint" for k in expected if k not in state]
        problems += [f"{k}: not in the model" for k in state if k not in expected]
        if problems:
            raise UserError(f"{path}: checkpoint does not match config.yaml ({'; '.join(problems[:3])})")
        model.load_state_dict(state)
        device_ = resolve_device(device)
        model.to(device_).eval()
        return cls(path, config, tokenizer, model, class_names, device_)

    def predict_proba(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        """Class probabilities ``(N, num_classes)`` for raw texts, in input order."""
        if not texts:
            return np.zeros((0, len(self.class_names)), dtype=np.float32)
        settings = dataclasses.replace(self.config.train, eval_batch_size=batch_size)
        batches = eval_batches(encode(self.tokenizer, texts), None, settings)
        precision = resolve_precision(self.config.train.precision, self.device)
        logits = predict_logits(self.model, batches, self.device, precision=precision)
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, texts: list[str], batch_size: int = 256) -> list[dict]:
        """``[{"label": name, "probability": p}, ...]``: the predicted class and its probability."""
        probs = self.predict_proba(texts, batch_size)
        best = probs.argmax(axis=1)
        return [{"label": self.class_names[i], "probability": round(float(p[i]), 6)} for i, p in zip(best, probs)]

    def evaluate(self, data_path: str | None = None, split: str | None = None, batch_size: int = 256) -> dict:
        """Accuracy, per-class precision / recall / F1 and the confusion matrix on one labelled split."""
        from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

        data_config = self.config.data if data_path is None else dataclasses.replace(self.config.data, path=data_path)
        split, data = load_eval_split(data_config, split or data_config.test_split, self.class_names)
        probs = self.predict_proba(data.texts, batch_size)
        predicted = probs.argmax(axis=1)
        classes = list(range(len(self.class_names)))
        precision, recall, f1, support = precision_recall_fscore_support(
            data.labels, predicted, labels=classes, zero_division=0
        )
        return {
            "run": str(self.path),
            "data": data_config.path,
            "split": split,
            "num_examples": len(data),
            "accuracy": float((predicted == data.labels).mean()),
            "per_class": {
                name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                for name, p, r, f, s in zip(self.class_names, precision, recall, f1, support)
            },
            "confusion_matrix": {
                "labels": self.class_names,
                "rows_true_columns_predicted": confusion_matrix(data.labels, predicted, labels=classes).tolist(),
            },
        }
