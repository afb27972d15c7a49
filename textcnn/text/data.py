"""Labelled text splits from Hugging Face ``datasets``: a hub id, a folder of split files, or one file.

``data.path`` may be:

- a hub dataset id (``stanfordnlp/imdb``), read by ``datasets.load_dataset``;
- a folder of split files (``train.csv``, ``test.csv``, or hub-style Parquet shards);
- a single ``.csv``, ``.tsv``, ``.jsonl`` / ``.json`` or ``.parquet`` file: its rows are the ``train``
  split, and ``data.test_size`` holds a test split out of it.

Labels are checked before any training: blank labels, classes too small to split, datasets too
small for the splits asked for, and a label column that holds texts are each a one-line error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..config import DataConfig
from ..errors import UserError
from .holdout import hold_out, k_fold
from .reading import DELIMITERS, load_raw


@dataclass
class LabeledTexts:
    texts: list[str]
    labels: np.ndarray  # (N,) int64 class indices; multi-label: (N, C) int64 0/1, one column per label
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (N,) rows in the source split
    dropped: int = 0  # rows of the source split left out for a blank label (data.drop_unlabeled)

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.texts):
            self.rows = np.arange(len(self.texts), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: np.ndarray) -> LabeledTexts:
        return LabeledTexts([self.texts[i] for i in indices], self.labels[indices], self.rows[indices])

    def select_rows(self, rows: np.ndarray) -> LabeledTexts | None:
        """The texts whose source rows are ``rows`` (as ``splits.json`` records them); None if any is gone."""
        positions = np.searchsorted(self.rows, rows)  # rows are ascending; dropped blank-label rows leave gaps
        if positions.max(initial=-1) >= len(self) or not np.array_equal(self.rows[positions], rows):
            return None
        return self.subset(positions)


@dataclass
class TextSplits:
    train: LabeledTexts
    validation: LabeledTexts
    test: LabeledTexts
    class_names: list[str]
    validation_source: str  # e.g. "10% of 'train' held out (stratified, seed 0)" or "split 'validation'"
    test_split: str  # the split's name, or e.g. "20% of 'train'" when held out
    held_out: dict[str, dict] = field(default_factory=dict)  # {"test": {"from": "train", "rows": [...]}, ...}
    multi_label: bool = False  # each text has a set of labels (labels are (N, C) 0/1)
    dropped_unlabeled: dict[str, int] = field(default_factory=dict)  # rows left out per split (drop_unlabeled)


def class_names_of(split, label_column: str) -> list[str] | None:
    """Class names from the label column's ClassLabel, when it has one."""
    feature = split.features.get(label_column)
    return list(feature.names) if hasattr(feature, "names") else None


def _check_columns(split, config: DataConfig, split_name: str) -> None:
    for key, column in (("data.text_column", config.text_column), ("data.label_column", config.label_column)):
        if column not in split.column_names:
            raise UserError(
                f"{key}: split {split_name!r} has no column {column!r} (columns: {', '.join(split.column_names)})"
                + _delimiter_hint(split.column_names)
            )


def _delimiter_hint(columns: list[str]) -> str:
    """A hint when one column's name holds a delimiter: the file was split by the wrong one."""
    found = [d for d in DELIMITERS if len(columns) == 1 and d in columns[0]]
    return f"; is the file separated by {found[0]!r}? set data.delimiter" if found else ""


def label_name(value) -> str | None:
    """A label as a class name; None for a blank one (null, NaN, empty). ``1.0`` is ``"1"``: a numeric
    column with a blank cell comes as floats (JSON, Parquet, hub CSVs; local CSV cells stay strings)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value).strip()
    return text or None


def is_multi_label(split, config: DataConfig) -> bool:
    """A label column of lists (JSON Lines arrays, Parquet lists), or ``data.label_separator`` set."""
    feature = split.features.get(config.label_column)
    return config.label_separator is not None or type(feature).__name__ in ("List", "LargeList", "Sequence")


def cell_labels(value, separator: str | None) -> list[str] | None:
    """A multi-label cell as label names; None when blank (null or empty text). An empty list is no labels."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (list, tuple)):
        return [n for n in (label_name(v) for v in value) if n is not None]
    text = str(value).strip()
    if not text:
        return None
    return [part.strip() for part in text.split(separator)] if separator else [text]


def _rows_text(rows: np.ndarray, limit: int = 5) -> str:
    shown = ", ".join(str(int(r) + 1) for r in rows[:limit])
    return shown + (", ..." if len(rows) > limit else "")


def _labeled(split, config: DataConfig, class_names: list[str], split_name: str) -> LabeledTexts:
    """The split's texts and class indices; blank labels are an error, or dropped with ``data.drop_unlabeled``."""
    _check_columns(split, config, split_name)
    texts = ["" if t is None else str(t) for t in split[config.text_column]]
    raw = split[config.label_column]
    if is_multi_label(split, config):
        index = {name: i for i, name in enumerate(class_names)}
        sets = [cell_labels(v, config.label_separator) for v in raw]
        unknown = next((n for labels in sets if labels for n in labels if n not in index), None)
        if unknown is not None:
            raise UserError(f"split {split_name!r}: label {unknown!r} is not one of the labels {class_names}")
        labels = np.zeros((len(sets), len(class_names)), dtype=np.int64)  # (N, C) multi-hot
        for row, names in enumerate(sets):
            labels[row, [index[n] for n in names or ()]] = 1
        blank = np.array([names is None for names in sets], dtype=bool)
    elif class_names_of(split, config.label_column) is not None:  # a ClassLabel column holds class indices
        labels = np.asarray([-1 if v is None else v for v in raw], dtype=np.int64)
        bad = labels[labels >= len(class_names)]
        if bad.size:
            raise UserError(f"split {split_name!r}: label {int(bad[0])} is not one of the classes {class_names}")
        blank = labels < 0  # -1: unlabelled, as in IMDB's 'unsupervised' split
    else:  # names, matched as strings: integer labels without a ClassLabel map by value
        index = {name: i for i, name in enumerate(class_names)}
        names = [label_name(v) for v in raw]
        unknown = next((n for n in names if n is not None and n not in index), None)
        if unknown is not None:
            raise UserError(f"split {split_name!r}: label {unknown!r} is not one of the classes {class_names}")
        labels = np.asarray([-1 if n is None else index[n] for n in names], dtype=np.int64)
        blank = labels < 0
    data = LabeledTexts(texts, labels)
    if blank.any():
        rows = np.flatnonzero(blank)
        if not config.drop_unlabeled:
            raise UserError(
                f"data.label_column {config.label_column!r}: {len(rows)} of {len(texts)} rows of split "
                f"{split_name!r} have no label (data rows {_rows_text(rows)}, counting from 1); fill them in, "
                "or set data.drop_unlabeled: true to leave them out"
            )
        data = data.subset(np.flatnonzero(~blank))
        data.dropped = len(rows)
    return data


def _class_names(split, config: DataConfig, split_name: str) -> list[str]:
    """The classes: the ClassLabel's names, else the distinct non-blank labels of the training split, sorted."""
    names = class_names_of(split, config.label_column)
    if names is None and is_multi_label(split, config):
        _check_columns(split, config, split_name)
        sets = [cell_labels(v, config.label_separator) for v in split[config.label_column]]
        names = sorted({n for labels in sets if labels for n in labels})
    elif names is None:
        _check_columns(split, config, split_name)
        values = [label_name(v) for v in split[config.label_column]]
        names = sorted({v for v in values if v is not None})
        labelled = sum(v is not None for v in values)
        if labelled >= 10 and len(names) > labelled // 2:
            raise UserError(
                f"data.label_column {config.label_column!r} has {len(names):,} distinct values in {labelled:,} rows: "
                "it looks like text, not labels; set data.label_column to the column that holds the classes"
            )
    if len(names) < 2:
        raise UserError(f"data.label_column {config.label_column!r} has fewer than two classes: {names}")
    return names


def load_splits(config: DataConfig, seed: int = 0) -> TextSplits:
    """Train / validation / test texts and labels as the config says.

    Test: fold ``data.fold`` of ``data.folds`` stratified folds of train, when set (cross-validation);
    else ``data.test_split`` if set; else a ``data.test_size`` fraction held out of train if set; else
    the dataset's ``test`` split, else its ``validation`` split. Validation: ``data.validation_split``
    if set, else a stratified ``data.val_size`` fraction held out of train. Held-out rows are listed
    in ``held_out`` (rows of the train split, counting from 0), so a run can record them. The rows are
    drawn with ``data.split_seed`` if set, else with ``seed`` (the run's).
    """
    if config.split_seed is not None:
        seed = config.split_seed
    raw = load_raw(config)
    train_raw = _need(raw, config.train_split, "data.train_split")
    class_names = _class_names(train_raw, config, config.train_split)
    parts = _Parts(_labeled(train_raw, config, class_names, config.train_split), class_names, seed)
    parts.dropped[config.train_split] = parts.train.dropped
    test_split = _take_test(parts, raw, config)
    source = _take_validation(parts, raw, config, test_split)
    _subsample(parts, config, test_split)
    multi_label = is_multi_label(train_raw, config)
    if multi_label:
        source = source.replace("stratified", "random")
    dropped = {name: n for name, n in parts.dropped.items() if n}
    return TextSplits(
        parts.train, parts.validation, parts.test, class_names, source, test_split, parts.held_out, multi_label, dropped
    )


@dataclass
class _Parts:
    """The splits as :func:`load_splits` cuts them, step by step."""

    train: LabeledTexts
    class_names: list[str]
    seed: int
    validation: LabeledTexts | None = None
    test: LabeledTexts | None = None
    held_out: dict[str, dict] = field(default_factory=dict)  # rows held out of a split, for splits.json
    dropped: dict[str, int] = field(default_factory=dict)  # rows left out per split (data.drop_unlabeled)


def _need(raw, split: str, key: str):
    if split not in raw:
        raise UserError(f"{key}: the dataset has no split {split!r} (splits: {', '.join(raw.keys())})")
    return raw[split]


def _take_test(parts: _Parts, raw, config: DataConfig) -> str:
    """Set ``parts.test`` (a fold of train, a named split, or a fraction of train); returns its description."""
    names = list(raw.keys())
    if config.folds is not None:  # cross-validation: one stratified fold of train is the test split
        parts.train, parts.test = k_fold(
            parts.train, config.folds, config.fold, parts.seed, class_names=parts.class_names
        )
        parts.held_out["test"] = {"from": config.train_split, "rows": parts.test.rows.tolist()}
        return f"fold {config.fold + 1} of {config.folds} of {config.train_split!r}"
    if config.test_split is not None or config.test_size is None:
        test_split = config.test_split or next((n for n in ("test", "validation") if n in raw), None)
        if test_split is None:
            raise UserError(
                f"the dataset has no test split (splits: {', '.join(names)}); set data.test_size (e.g. 0.2) to hold "
                "one out of train, or run 'textcnn cv' for k-fold cross-validation"
            )
        if test_split == config.train_split:
            raise UserError("data.test_split must differ from data.train_split")
        parts.test = _labeled(_need(raw, test_split, "data.test_split"), config, parts.class_names, test_split)
        parts.dropped[test_split] = parts.test.dropped
        return test_split
    parts.test = _hold_out_of_train(parts, config, "test", config.test_size, "a held-out test split")
    return f"{config.test_size:.0%} of {config.train_split!r}"


def _take_validation(parts: _Parts, raw, config: DataConfig, test_split: str) -> str:
    """Set ``parts.validation`` (a named split, or a fraction of train); returns its description."""
    if config.validation_split is not None:
        if config.validation_split == test_split:
            raise UserError(f"data.validation_split: {test_split!r} is the test split; models are never selected on it")
        split = _need(raw, config.validation_split, "data.validation_split")
        parts.validation = _labeled(split, config, parts.class_names, config.validation_split)
        parts.dropped[config.validation_split] = parts.validation.dropped
        return f"split {config.validation_split!r}"
    parts.validation = _hold_out_of_train(parts, config, "validation", config.val_size, "a validation split")
    return f"{config.val_size:.0%} of {config.train_split!r} held out (stratified, seed {parts.seed})"


def _hold_out_of_train(parts: _Parts, config: DataConfig, name: str, fraction: float, what: str) -> LabeledTexts:
    """A stratified ``fraction`` of ``parts.train`` held out as split ``name``, its rows recorded for splits.json."""
    key = "data.test_size" if name == "test" else "data.val_size"
    parts.train, held = hold_out(parts.train, fraction, parts.seed, key=key, what=what, class_names=parts.class_names)
    parts.held_out[name] = {"from": config.train_split, "rows": held.rows.tolist()}
    return held


def _subsample(parts: _Parts, config: DataConfig, test_split: str) -> None:
    """``data.max_train_samples`` and ``data.max_eval_samples``: seeded subsets, drawn in this order."""
    rng = np.random.default_rng(parts.seed)
    if config.max_train_samples is not None:
        parts.train = parts.train.subset(np.sort(rng.permutation(len(parts.train))[: config.max_train_samples]))
    if config.max_eval_samples is None:
        return
    validation, test = parts.validation, parts.test
    parts.validation = validation.subset(np.sort(rng.permutation(len(validation))[: config.max_eval_samples]))
    sampled = test.subset(np.sort(rng.permutation(len(test))[: config.max_eval_samples]))
    if len(sampled) < len(test):  # recorded, so that 'textcnn evaluate' scores the rows the run's test score used
        source = parts.held_out.get("test", {}).get("from", test_split)
        parts.held_out["test"] = {"from": source, "rows": sampled.rows.tolist()}
    parts.test = sampled


def load_eval_split(config: DataConfig, split: str | None, class_names: list[str]) -> tuple[str, LabeledTexts]:
    """One labelled split mapped onto a trained run's classes (for ``textcnn evaluate``).

    ``split=None`` picks the test split as training did: ``test``, else ``validation``.
    """
    raw = load_raw(config)
    split = split or next((n for n in ("test", "validation") if n in raw), None)
    if split is None or split not in raw:
        raise UserError(f"the dataset has no split {split or 'test'!r} (splits: {', '.join(raw.keys())}); use --split")
    return split, _labeled(raw[split], config, class_names, split)


def load_corpus(
    config: DataConfig, splits: list[str] | None = None, *, besides_training: bool = False
) -> tuple[list[str], list[str]]:
    """Texts (labels ignored) of the named splits, for unsupervised training such as word vectors.

    ``splits=None`` takes every split but the ones runs evaluate on (``data.test_split``,
    ``data.validation_split``, ``test``, ``validation``): for IMDB, train and the 50,000 unlabeled
    reviews. Asking for one of those is an error, so test text never reaches the vectors.
    ``besides_training`` leaves out ``data.train_split`` too (a run reads its training texts itself,
    without the validation texts held out of them). Returns the texts and the splits used.
    """
    raw = load_raw(config)
    held_out = {"test", "validation", *(name for name in (config.test_split, config.validation_split) if name)}
    skipped = {config.train_split} if besides_training else set()
    if splits is None:
        splits = [name for name in raw.keys() if name not in held_out | skipped]
        if not splits and not besides_training:
            raise UserError(f"the dataset has no split besides the held-out ones (splits: {', '.join(raw.keys())})")
    for name in splits:
        if name not in raw:
            raise UserError(f"the dataset has no split {name!r} (splits: {', '.join(raw.keys())})")
        if name in held_out:
            raise UserError(f"split {name!r} is held out for evaluation; word vectors never see it")
        if name in skipped:
            raise UserError(f"split {name!r} is the training split, which the run reads already; name other splits")
        if config.text_column not in raw[name].column_names:
            raise UserError(
                f"split {name!r} has no column {config.text_column!r} (columns: {', '.join(raw[name].column_names)})"
            )
    texts = ["" if t is None else str(t) for name in splits for t in raw[name][config.text_column]]
    return texts, list(splits)
