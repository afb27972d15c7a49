"""Out-of-fold probabilities from a cross-validation, and the rows whose given label they find least likely.

In k-fold CV every row of the training split is the test split of exactly one fold's run, which never
trained or selected on it: that run's probabilities for the row are out of fold. A row whose label the
out-of-fold model finds improbable is a suspect for a labelling error. :func:`label_suspects` lists the rows
whose out-of-fold prediction is not their label, least likely label first (cleanlab's ``predicted_neq_given``
filter, ranked by self-confidence), and marks those that confident learning (Northcutt et al. 2021, the
method behind cleanlab) flags too: their most probable class, among the classes whose per-class confidence
threshold they reach, is not their label. Those are the surest suspects.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RunFolderError, UserError
from ..text.data import load_eval_split
from ..util.files import atomic_write_text

logger = logging.getLogger(__name__)


@dataclass
class OutOfFold:
    """Each row of the training split with its fold and that fold's run's probabilities, by row."""

    rows: np.ndarray  # (N,) rows of the split the folds were cut from
    folds: np.ndarray  # (N,) 1-based fold that scored each row
    texts: list[str]
    labels: np.ndarray  # (N,) the given class
    probs: np.ndarray  # (N, C)
    class_names: list[str]


def out_of_fold(run_dirs: Sequence[str | Path]) -> OutOfFold:
    """Score each fold's own test rows with that fold's run (``splits.json`` names them)."""
    from .loaded import Run

    parts, class_names = [], None
    for fold, run_dir in enumerate(run_dirs, start=1):
        run = Run.load(run_dir)
        if run.multi_label:
            raise UserError("out-of-fold probabilities and suspects are for single-label data; this run is multi-label")
        if class_names is not None and run.class_names != class_names:
            raise RunFolderError(f"{run_dir}: its classes {run.class_names} differ from the first fold's {class_names}")
        class_names = run.class_names
        held = json.loads((Path(run_dir) / "splits.json").read_text(encoding="utf-8"))["test"]
        _, data = load_eval_split(run.config.data, held["from"], class_names)
        data = data.select_rows(np.asarray(held["rows"], dtype=np.int64))
        if data is None:
            raise RunFolderError(f"the data changed since {run_dir} was trained: its test rows are not there")
        parts.append((data.rows, np.full(len(data), fold), data.texts, data.labels, run.predict_proba(data.texts)))
    rows = np.concatenate([p[0] for p in parts])
    order = np.argsort(rows, kind="stable")
    texts = [t for p in parts for t in p[2]]
    return OutOfFold(
        rows=rows[order],
        folds=np.concatenate([p[1] for p in parts])[order],
        texts=[texts[i] for i in order],
        labels=np.concatenate([p[3] for p in parts])[order],
        probs=np.concatenate([p[4] for p in parts])[order],
        class_names=list(class_names or []),
    )


def confident_classes(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each row's confident class, or -1: its most probable class among those whose threshold it reaches.

    Class c's threshold is the mean probability of c over the rows labelled c (the model's self-confidence
    on that class), so a class the model is shy of still counts when a row reaches its usual level.
    """
    classes = probs.shape[1]
    thresholds = np.array(
        [probs[labels == c, c].mean() if (labels == c).any() else np.inf for c in range(classes)]
    )  # (C,)
    above = probs >= thresholds[None, :]  # (N, C)
    best = np.where(above, probs, -np.inf).argmax(axis=1)  # (N,)
    return np.where(above.any(axis=1), best, -1)


def label_suspects(oof: OutOfFold, top: int) -> list[dict]:
    """At most ``top`` rows predicted as another class, least likely label first: row, fold, the given label,
    the predicted one, both probabilities, whether confident learning flags the row too, and the text."""
    n = len(oof.labels)
    self_confidence = oof.probs[np.arange(n), oof.labels]  # (N,) p(given label)
    predicted = oof.probs.argmax(axis=1)  # (N,)
    confident = confident_classes(oof.probs, oof.labels)
    surest = (confident >= 0) & (confident != oof.labels)  # (N,)
    disagree = np.flatnonzero(predicted != oof.labels)
    ranked = disagree[np.argsort(self_confidence[disagree], kind="stable")][:top]
    logger.info(
        f"label suspects: the out-of-fold model predicts another class for {len(disagree):,} of {n:,} rows, "
        f"{int(surest.sum()):,} of them flagged by confident learning; listing {len(ranked)}"
    )
    names = oof.class_names
    return [
        {
            "rank": rank,
            "row": int(oof.rows[i]),
            "fold": int(oof.folds[i]),
            "label": names[int(oof.labels[i])],
            "predicted": names[int(predicted[i])],
            "p_label": round(float(self_confidence[i]), 6),
            "p_predicted": round(float(oof.probs[i, predicted[i]]), 6),
            "confident": bool(surest[i]),
            "text": oof.texts[i],
        }
        for rank, i in enumerate(ranked, start=1)
    ]


def write_out_of_fold(oof: OutOfFold, path: str | Path) -> None:
    """A CSV of one line per row: row, fold, text, label, predicted, and p_CLASS for every class."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "fold", "text", "label", "predicted", *(f"p_{name}" for name in oof.class_names)])
    predicted = oof.probs.argmax(axis=1)
    names = oof.class_names
    for i in range(len(oof.labels)):
        writer.writerow(
            [int(oof.rows[i]), int(oof.folds[i]), oof.texts[i], names[oof.labels[i]], names[predicted[i]]]
            + [f"{p:.6f}" for p in oof.probs[i]]
        )
    atomic_write_text(path, buffer.getvalue())


def write_suspects(suspects: list[dict], path: str | Path) -> None:
    """The suspects as CSV, in rank order."""
    buffer = io.StringIO()
    fields = ["rank", "row", "fold", "label", "predicted", "p_label", "p_predicted", "confident", "text"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(suspects)
    atomic_write_text(path, buffer.getvalue())
