"""Labelled text splits from Hugging Face ``datasets``: train, a validation split held out of train, test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import DataConfig
from ..errors import UserError


@dataclass
class LabeledTexts:
    texts: list[str]
    labels: np.ndarray  # (N,) int64 class indices

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: np.ndarray) -> LabeledTexts:
        return LabeledTexts([self.texts[i] for i in indices], self.labels[indices])


@dataclass
class TextSplits:
    train: LabeledTexts
    validation: LabeledTexts
    test: LabeledTexts
    class_names: list[str]
    validation_source: str  # e.g. "10% of train held out (stratified, seed 0)" or a split name
    test_split: str


def load_raw(config: DataConfig):
    """``datasets.load_dataset(config.path, config.name)`` with errors a user can act on.

    A local folder is read offline; a hub name needs the network (or a warm cache).
    """
    import datasets  # slow import: only when data is needed

    datasets.disable_progress_bars()  # its per-split bars are noise beside the trainer's
    path = config.path
    if Path(path).expanduser().exists():
        path = str(Path(path).expanduser())
    try:
        return datasets.load_dataset(path, config.name)
    except Exception as error:  # datasets raises many types (FileNotFoundError, ConnectionError, ...)
        hint = "" if Path(config.path).exists() else " (no such local folder; as a hub name it needs the network)"
        raise UserError(f"cannot load dataset {config.path!r}{hint}: {str(error).splitlines()[0]}") from None


def class_names_of(split, label_column: str) -> list[str] | None:
    """Class names from the label column's ClassLabel, when it has one."""
    feature = split.features.get(label_column)
    return list(feature.names) if hasattr(feature, "names") else None


def default_test_split(raw) -> str:
    """``test`` if the dataset has it, else ``validation`` (GLUE-style datasets keep test labels private)."""
    for name in ("test", "validation"):
        if name in raw:
            return name
    raise UserError(f"the dataset has neither a 'test' nor a 'validation' split (splits: {', '.join(raw.keys())})")


def _check_columns(split, config: DataConfig, split_name: str) -> None:
    for column in (config.text_column, config.label_column):
        if column not in split.column_names:
            raise UserError(
                f"split {split_name!r} has no column {column!r} (columns: {', '.join(split.column_names)}); "
                f"set data.text_column / data.label_column"
            )


def _labeled(split, config: DataConfig, class_names: list[str], split_name: str) -> LabeledTexts:
    _check_columns(split, config, split_name)
    texts = split[config.text_column]
    raw = split[config.label_column]
    # A ClassLabel column holds class indices; any other label column holds names (matched as strings,
    # so integer labels without a ClassLabel map by value, not by their sorted position).
    if class_names_of(split, config.label_column) is not None:
        labels = np.asarray(raw, dtype=np.int64)
        bad = labels[(labels < 0) | (labels >= len(class_names))]
        if bad.size:
            raise UserError(
                f"split {split_name!r}: label {int(bad[0])} is not one of the {len(class_names)} classes "
                f"{class_names} (unlabelled rows, such as IMDB's 'unsupervised' split, cannot be used here)"
            )
    else:
        index = {name: i for i, name in enumerate(class_names)}
        try:
            labels = np.asarray([index[str(v)] for v in raw], dtype=np.int64)
        except KeyError as missing:
            raise UserError(f"split {split_name!r}: label {missing} is not one of the classes {class_names}") from None
    texts = ["" if t is None else str(t) for t in texts]
    return LabeledTexts(texts, labels)


def load_splits(config: DataConfig, seed: int = 0) -> TextSplits:
    """Train / validation / test texts and labels as the config says.

    Validation: ``data.validation_split`` if set, else a stratified ``data.val_size`` fraction held
    out of train. Test: ``data.test_split`` if set, else ``test``, else ``validation`` (then the
    validation set is always held out of train, never taken from the test split).
    """
    from sklearn.model_selection import train_test_split

    raw = load_raw(config)
    names = list(raw.keys())

    def need(split: str, key: str):
        if split not in raw:
            raise UserError(f"{key}: the dataset has no split {split!r} (splits: {', '.join(names)})")
        return raw[split]

    train_raw = need(config.train_split, "data.train_split")
    class_names = class_names_of(train_raw, config.label_column)
    if class_names is None:
        _check_columns(train_raw, config, config.train_split)
        class_names = sorted({str(v) for v in train_raw[config.label_column]})
    if len(class_names) < 2:
        raise UserError(f"data.label_column {config.label_column!r} has fewer than two classes: {class_names}")

    test_split = config.test_split or default_test_split(raw)
    if test_split == config.train_split:
        raise UserError("data.test_split must differ from data.train_split")
    test = _labeled(need(test_split, "data.test_split"), config, class_names, test_split)
    train = _labeled(train_raw, config, class_names, config.train_split)

    rng = np.random.default_rng(seed)
    if config.validation_split == test_split:
        raise UserError(f"data.validation_split: {test_split!r} is the test split; models are never selected on it")
    if config.validation_split is not None:
        validation = _labeled(
            need(config.validation_split, "data.validation_split"), config, class_names, config.validation_split
        )
        source = f"split {config.validation_split!r}"
    else:
        train_idx, val_idx = train_test_split(
            np.arange(len(train)), test_size=config.val_size, random_state=seed, stratify=train.labels
        )
        train, validation = train.subset(np.sort(train_idx)), train.subset(np.sort(val_idx))
        source = f"{config.val_size:.0%} of {config.train_split!r} held out (stratified, seed {seed})"

    if config.max_train_samples is not None:
        train = train.subset(rng.permutation(len(train))[: config.max_train_samples])
    if config.max_eval_samples is not None:
        validation = validation.subset(rng.permutation(len(validation))[: config.max_eval_samples])
        test = test.subset(rng.permutation(len(test))[: config.max_eval_samples])
    return TextSplits(train, validation, test, class_names, source, test_split)


def load_eval_split(config: DataConfig, split: str | None, class_names: list[str]) -> tuple[str, LabeledTexts]:
    """One labelled split mapped onto a trained run's classes (for ``textcnn evaluate``).

    ``split=None`` picks the test split as training did: ``test``, else ``validation``.
    """
    raw = load_raw(config)
    split = split or default_test_split(raw)
    if split not in raw:
        raise UserError(f"the dataset has no split {split!r} (splits: {', '.join(raw.keys())})")
    return split, _labeled(raw[split], config, class_names, split)


def load_corpus(config: DataConfig, splits: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Texts (labels ignored) of the named splits, for unsupervised training such as word vectors.

    ``splits=None`` takes every split but the ones runs evaluate on (``data.test_split``, ``test``,
    ``validation``): for IMDB, train and the 50,000 unlabeled reviews. Asking for the test split is
    an error, so test text never reaches the vectors. Returns the texts and the splits used.
    """
    raw = load_raw(config)
    held_out = {"test", "validation", *([config.test_split] if config.test_split else [])}
    if splits is None:
        splits = [name for name in raw.keys() if name not in held_out]
        if not splits:
            raise UserError(f"the dataset has no split besides the held-out ones (splits: {', '.join(raw.keys())})")
    for name in splits:
        if name not in raw:
            raise UserError(f"the dataset has no split {name!r} (splits: {', '.join(raw.keys())})")
        if name in held_out:
            raise UserError(f"split {name!r} is held out for evaluation; word vectors never see it")
        if config.text_column not in raw[name].column_names:
            raise UserError(
                f"split {name!r} has no column {config.text_column!r} (columns: {', '.join(raw[name].column_names)})"
            )
    texts = ["" if t is None else str(t) for name in splits for t in raw[name][config.text_column]]
    return texts, list(splits)
