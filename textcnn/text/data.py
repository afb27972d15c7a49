"""Labelled text splits from Hugging Face ``datasets``: a hub id, a folder of split files, or one file.

``data.path`` may be:

- a hub dataset id (``stanfordnlp/imdb``), read by ``datasets.load_dataset``;
- a folder of split files (``train.csv``, ``test.csv``, or hub-style Parquet shards);
- a single ``.csv``, ``.tsv``, ``.jsonl`` / ``.json`` or ``.parquet`` file: its rows are the ``train``
  split, and ``data.test_size`` holds a test split out of it.

Local CSV files are read as the strings they hold (``NA``, ``None``, ``01`` and ``1.0`` stay as written),
in ``data.encoding``, split by ``data.delimiter`` or else by the delimiter their first lines show; an
empty file, a binary one or one that does not decode is a one-line error saying where.

Labels are checked before any training: blank labels, classes too small to split, datasets too
small for the splits asked for, and a label column that holds texts are each a one-line error.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import DataConfig
from ..errors import UserError

# Single files by suffix: the datasets builder that reads them, and its options.
FILE_BUILDERS: dict[str, tuple[str, dict]] = {
    ".csv": ("csv", {}),
    ".tsv": ("csv", {"delimiter": "\t"}),
    ".jsonl": ("json", {}),
    ".json": ("json", {}),
    ".parquet": ("parquet", {}),
}
DELIMITERS = (",", ";", "\t", "|")  # tried in this order when data.delimiter is null
SNIFF_CHARS = 64 * 1024  # characters of a CSV file's start that its delimiter is found from


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


# ---------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Reading:
    """How local files are read, and the names errors give the file and the settings (config keys or options)."""

    encoding: str = "utf-8"
    delimiter: str | None = None  # None: a tab for .tsv, else found from the file's first lines
    file_key: str = "data.path"
    encoding_key: str = "data.encoding"
    delimiter_key: str = "data.delimiter"

    @classmethod
    def of(cls, config: DataConfig) -> Reading:
        return cls(config.encoding, config.delimiter)


def text_decoder(reading: Reading) -> codecs.IncrementalDecoder:
    """A strict incremental decoder for ``reading.encoding``; a name Python does not know is a one-line error."""
    try:
        info = codecs.lookup(reading.encoding)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):  # e.g. base64: bytes to bytes
        raise UserError(
            f"{reading.encoding_key}: {reading.encoding!r} is not a text encoding Python knows "
            "(e.g. utf-8, latin-1, cp1252, utf-16)"
        )
    return info.incrementaldecoder(errors="strict")


def check_text_file(path: Path, reading: Reading, *, table: bool = True) -> int:
    """Read ``path`` once through, so that a file that is not text fails here with what is wrong and where,
    not inside a parser: NUL bytes (a binary file), a byte that is not ``reading.encoding``, or, for a
    ``table`` (which needs a header), nothing but blanks. Returns its number of lines, for a progress bar."""
    decoder = text_decoder(reading)
    nul_bytes = b"\0".decode(reading.encoding, "ignore") == "\0"  # ASCII-like: a NUL byte is a NUL character
    offset = lines = 0
    blank, last = True, "\n"
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if nul_bytes and b"\0" in chunk:
                offset += chunk.index(b"\0")
                raise UserError(
                    f"{reading.file_key}: {path} is not a text file (it holds NUL bytes, from byte {offset})"
                )
            text = _decoded(decoder, chunk, offset, lines, path, reading)
            if "\0" in text:
                raise UserError(f"{reading.file_key}: {path} is not a text file (it holds NUL characters)")
            lines += text.count("\n")
            blank, last = blank and not text.strip(), text[-1:] or last
            offset += len(chunk)
            if not chunk:
                break
    if table and blank:
        raise UserError(f"{reading.file_key}: {path} is empty" + (" (blank lines only)" if offset else ""))
    return lines + (last != "\n")


def _decoded(decoder, chunk: bytes, offset: int, lines: int, path: Path, reading: Reading) -> str:
    """``chunk`` decoded (the last, empty chunk ends the file); a byte that does not decode is an error naming it."""
    pending = len(decoder.getstate()[0])  # bytes of a character the last chunk ended inside
    try:
        return decoder.decode(chunk, final=not chunk)
    except UnicodeDecodeError as error:
        before = error.object[: error.start].decode(reading.encoding, "replace")
        raise UserError(
            f"{reading.file_key}: {path} is not {reading.encoding} text: byte {offset - pending + error.start} "
            f"(0x{error.object[error.start]:02x}, line {lines + before.count(chr(10)) + 1}) does not decode; "
            f"if the file is text in another encoding, set {reading.encoding_key} (e.g. latin-1 or cp1252)"
        ) from None


def check_parquet_file(path: Path, reading: Reading) -> None:
    """An empty file, or one that does not start as Parquet files do, is a one-line error."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if not magic:
        raise UserError(f"{reading.file_key}: {path} is empty")
    if magic != b"PAR1":
        raise UserError(f"{reading.file_key}: {path} is not a Parquet file (it does not start with PAR1)")


def first_rows(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    """The whole non-blank rows, split by ``delimiter``, among the first ``SNIFF_CHARS`` characters of a file."""
    with open(path, encoding=encoding, newline="") as f:
        sample = f.read(SNIFF_CHARS)
        cut = bool(f.read(1))
    rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
    return rows[:-1] if cut else rows  # a cut sample ends inside a row


def sniff_delimiter(path: Path, encoding: str) -> str | None:
    """The first of ``DELIMITERS`` that splits each of the file's first rows into the same number of fields,
    two or more (a header that splits unlike the rows rules a delimiter out); None when none does."""
    for delimiter in DELIMITERS:
        widths = {len(row) for row in first_rows(path, encoding, delimiter)}
        if len(widths) == 1 and widths.pop() >= 2:
            return delimiter
    return None


def file_options(path: Path, reading: Reading) -> tuple[str, dict]:
    """The ``datasets`` builder for a local file and its options, after checking that the file reads.

    CSV cells come as the strings in the file, with no missing-value markers (``NA``, ``None``) and no
    numbers (``01`` is not ``1``, ``1.0`` is not ``1``): an empty cell is the only blank one.
    """
    builder, defaults = FILE_BUILDERS[path.suffix.lower()]
    if builder == "parquet":
        check_parquet_file(path, reading)
        return builder, {}
    check_text_file(path, reading)
    if builder == "json":
        return builder, {"encoding": reading.encoding}
    import datasets
    import pandas as pd

    delimiter = reading.delimiter or defaults.get("delimiter") or sniff_delimiter(path, reading.encoding) or ","
    _check_first_row(path, delimiter, reading)
    try:
        columns = pd.read_csv(path, sep=delimiter, encoding=reading.encoding, nrows=0).columns
    except Exception as error:  # pandas' parser errors
        raise UserError(f"{reading.file_key}: cannot read the header of {path}: {_first_line(error)}") from None
    # Every column a string (pandas dtype object): nothing is parsed as a number, a date or a missing value.
    features = datasets.Features({str(c): datasets.Value("string") for c in columns})
    return builder, {"delimiter": delimiter, "encoding": reading.encoding, "na_filter": False, "features": features}


def _check_first_row(path: Path, delimiter: str, reading: Reading) -> None:
    """A first row with more fields than the header is an error: pandas would silently take the extra
    leading fields for an index and shift every column (an unquoted delimiter in a text, or the wrong one)."""
    header, first = (first_rows(path, reading.encoding, delimiter) + [[], []])[:2]
    if first and len(first) > len(header):
        raise UserError(
            f"{reading.file_key}: the first row of {path} has {len(first)} fields where its header has {len(header)} "
            f"(split by {delimiter!r}); quote the texts that hold {delimiter!r}, or set {reading.delimiter_key}"
        )


def read_local(files: dict[str, list[Path]], reading: Reading):
    """Local files as a ``DatasetDict`` of the splits named by ``files``' keys, each read with :func:`file_options`.

    The options (delimiter, encoding, columns) are part of the ``datasets`` cache's key: a changed one reads anew.
    """
    import datasets

    splits = {}
    for split, paths in files.items():
        builder, options = file_options(paths[0], reading)
        odd = next((p for p in paths[1:] if file_options(p, reading) != (builder, options)), None)
        if odd is not None:
            raise UserError(f"{reading.file_key}: {odd} is not laid out as {paths[0]} (columns or delimiter)")
        try:
            data_files = {split: [str(p) for p in paths]}
            splits[split] = datasets.load_dataset(builder, data_files=data_files, split=split, **options)
        except Exception as error:  # datasets' parsers raise many types
            message = f"{reading.file_key}: cannot read {paths[0]}: {_first_line(error)}"
            if "delimiter" in options and "Expected" in message:  # pandas: "Expected 3 fields in line 6, saw 4"
                message += f" (split by {options['delimiter']!r}; set {reading.delimiter_key} to its delimiter)"
            raise UserError(message) from None
    return datasets.DatasetDict(splits)


def _first_line(error: BaseException) -> str:
    """The first line of the message of the error at the root of ``error`` (datasets wraps its parsers' errors)."""
    while error.__cause__ is not None:
        error = error.__cause__
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _load_folder(path: Path, config: DataConfig):
    """A folder of split files: CSV and JSON ones read as a single file is, other layouts (Parquet shards,
    archives) by ``datasets.load_dataset`` as they stand."""
    import datasets

    data_files = datasets.load_dataset_builder(str(path), config.name).config.data_files or {}
    files = {str(split): [Path(f) for f in names] for split, names in data_files.items()}
    text_suffixes = [s for s, (builder, _) in FILE_BUILDERS.items() if builder != "parquet"]
    if files and all(f.suffix.lower() in text_suffixes for paths in files.values() for f in paths):
        return read_local(files, Reading.of(config))
    return datasets.load_dataset(str(path), config.name)


def load_raw(config: DataConfig):
    """The dataset's splits (a ``DatasetDict``), with errors a user can act on. Local paths are read offline."""
    import datasets  # slow import: only when data is needed

    datasets.disable_progress_bars()  # its per-split bars are noise beside the trainer's
    path = Path(config.path).expanduser()
    suffix = path.suffix.lower()
    try:
        if path.is_file():
            if suffix not in FILE_BUILDERS:
                raise UserError(
                    f"data.path: {path} is a {suffix or 'suffix-less'} file; textcnn reads "
                    f"{', '.join(FILE_BUILDERS)} files, folders of them, and hub datasets"
                )
            return read_local({"train": [path]}, Reading.of(config))
        if suffix in FILE_BUILDERS and not path.exists():
            raise UserError(f"data.path: file not found: {path}")
        if path.is_dir():
            return _load_folder(path, config)
        return datasets.load_dataset(config.path, config.name)
    except UserError:
        raise
    except Exception as error:  # datasets raises many types (FileNotFoundError, ConnectionError, ...)
        hint = "" if path.exists() else " (no such local file or folder; as a hub name it needs the network)"
        raise UserError(f"cannot load dataset {config.path!r}{hint}: {_first_line(error)}") from None


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


def label_set(value, separator: str | None) -> list[str] | None:
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
        sets = [label_set(v, config.label_separator) for v in raw]
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
        sets = [label_set(v, config.label_separator) for v in split[config.label_column]]
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


# --------------------------------------------------------------------------------------------- splitting


def _rarest_class(data: LabeledTexts, class_names: list[str]) -> tuple[str, int]:
    """The class with the fewest examples in ``data`` (single-label), and how many it has."""
    counts = np.bincount(data.labels, minlength=len(class_names))
    rarest = int(np.argmin(counts))
    return class_names[rarest], int(counts[rarest])


def hold_out(
    data: LabeledTexts, fraction: float, seed: int, *, key: str, what: str, class_names: list[str]
) -> tuple[LabeledTexts, LabeledTexts]:
    """A stratified, seeded ``fraction`` of ``data`` held out: (kept, held out), each in row order.

    Checked first, with one-line errors naming ``key``: every class needs two examples, and each side
    needs at least one row per class. Label sets are split at random (a row has several labels).
    """
    from sklearn.model_selection import train_test_split

    multi_label = data.labels.ndim == 2
    if not multi_label:
        name, count = _rarest_class(data, class_names)
        if count < 2:
            raise UserError(
                f"class {name!r} has {count} example(s) where {what} needs at least 2 per class (stratified); "
                "add examples of it, or remove the class"
            )
    held = math.ceil(fraction * len(data))
    kept = len(data) - held
    need = 1 if multi_label else len(class_names)
    if min(held, kept) < need:
        raise UserError(
            f"{key}: {fraction:g} of {len(data)} rows holds out {held} and keeps {kept}, but {what} needs at least "
            f"{need} on each side"
            + ("" if multi_label else " (one per class)")
            + "; the dataset is too small for this split"
        )
    keep, out = train_test_split(
        np.arange(len(data)), test_size=held, random_state=seed, stratify=None if multi_label else data.labels
    )
    return data.subset(np.sort(keep)), data.subset(np.sort(out))


def k_fold(
    data: LabeledTexts, folds: int, fold: int, seed: int, *, class_names: list[str]
) -> tuple[LabeledTexts, LabeledTexts]:
    """Fold ``fold`` of ``folds`` stratified, seeded folds held out: (the other folds, this fold), in row order.

    Label sets get plain shuffled folds.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    if data.labels.ndim == 2:
        splits = KFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(data)))
    else:
        name, count = _rarest_class(data, class_names)
        if count < folds:
            raise UserError(
                f"class {name!r} has {count} example(s), fewer than the {folds} folds; every fold needs one of each "
                "class (use fewer folds, or remove the class)"
            )
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
            np.zeros(len(data)), data.labels
        )
    keep, out = list(splits)[fold]
    return data.subset(np.sort(keep)), data.subset(np.sort(out))


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
    names = list(raw.keys())

    def need(split: str, key: str):
        if split not in raw:
            raise UserError(f"{key}: the dataset has no split {split!r} (splits: {', '.join(names)})")
        return raw[split]

    train_raw = need(config.train_split, "data.train_split")
    class_names = _class_names(train_raw, config, config.train_split)
    train = _labeled(train_raw, config, class_names, config.train_split)
    held_out: dict[str, dict] = {}
    dropped = {config.train_split: train.dropped}

    if config.folds is not None:  # cross-validation: one stratified fold of train is the test split
        train, test = k_fold(train, config.folds, config.fold, seed, class_names=class_names)
        test_split = f"fold {config.fold + 1} of {config.folds} of {config.train_split!r}"
        held_out["test"] = {"from": config.train_split, "rows": test.rows.tolist()}
    elif config.test_split is not None or config.test_size is None:
        test_split = config.test_split or next((n for n in ("test", "validation") if n in raw), None)
        if test_split is None:
            raise UserError(
                f"the dataset has no test split (splits: {', '.join(names)}); set data.test_size (e.g. 0.2) to hold "
                "one out of train, or run 'textcnn cv' for k-fold cross-validation"
            )
        if test_split == config.train_split:
            raise UserError("data.test_split must differ from data.train_split")
        test = _labeled(need(test_split, "data.test_split"), config, class_names, test_split)
        dropped[test_split] = test.dropped
    else:
        train, test = hold_out(
            train, config.test_size, seed, key="data.test_size", what="a held-out test split", class_names=class_names
        )
        test_split = f"{config.test_size:.0%} of {config.train_split!r}"
        held_out["test"] = {"from": config.train_split, "rows": test.rows.tolist()}

    if config.validation_split is not None:
        if config.validation_split == test_split:
            raise UserError(f"data.validation_split: {test_split!r} is the test split; models are never selected on it")
        validation = _labeled(
            need(config.validation_split, "data.validation_split"), config, class_names, config.validation_split
        )
        dropped[config.validation_split] = validation.dropped
        source = f"split {config.validation_split!r}"
    else:
        train, validation = hold_out(
            train, config.val_size, seed, key="data.val_size", what="a validation split", class_names=class_names
        )
        source = f"{config.val_size:.0%} of {config.train_split!r} held out (stratified, seed {seed})"
        held_out["validation"] = {"from": config.train_split, "rows": validation.rows.tolist()}

    rng = np.random.default_rng(seed)
    if config.max_train_samples is not None:
        train = train.subset(np.sort(rng.permutation(len(train))[: config.max_train_samples]))
    if config.max_eval_samples is not None:
        validation = validation.subset(np.sort(rng.permutation(len(validation))[: config.max_eval_samples]))
        sampled = test.subset(np.sort(rng.permutation(len(test))[: config.max_eval_samples]))
        if len(sampled) < len(test):  # recorded, so that 'textcnn evaluate' scores the rows the run's test score used
            held_out["test"] = {"from": held_out.get("test", {}).get("from", test_split), "rows": sampled.rows.tolist()}
        test = sampled
    multi_label = is_multi_label(train_raw, config)
    if multi_label:
        source = source.replace("stratified", "random")
    dropped = {name: n for name, n in dropped.items() if n}
    return TextSplits(train, validation, test, class_names, source, test_split, held_out, multi_label, dropped)


def load_eval_split(config: DataConfig, split: str | None, class_names: list[str]) -> tuple[str, LabeledTexts]:
    """One labelled split mapped onto a trained run's classes (for ``textcnn evaluate``).

    ``split=None`` picks the test split as training did: ``test``, else ``validation``.
    """
    raw = load_raw(config)
    split = split or next((n for n in ("test", "validation") if n in raw), None)
    if split is None or split not in raw:
        raise UserError(f"the dataset has no split {split or 'test'!r} (splits: {', '.join(raw.keys())}); use --split")
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
