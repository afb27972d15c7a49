"""Reading a dataset's splits: a hub id, a folder of split files, or one local file (``data.path``).

Local CSV files are read as the strings they hold (``NA``, ``None``, ``01`` and ``1.0`` stay as written),
in ``data.encoding``, split by ``data.delimiter`` or else by the delimiter their first lines show; an
empty file, a binary one or one that does not decode is a one-line error saying where.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..config import DataConfig
from ..config.checks import is_text_encoding
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
    if not is_text_encoding(reading.encoding):
        raise UserError(
            f"{reading.encoding_key}: {reading.encoding!r} is not a text encoding Python knows "
            "(e.g. utf-8, latin-1, cp1252, utf-16)"
        )
    return codecs.getincrementaldecoder(reading.encoding)(errors="strict")


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


@dataclass(frozen=True)
class Sample:
    """A file's first ``SNIFF_CHARS`` characters, read once for finding and checking its delimiter."""

    text: str
    cut: bool  # the file goes on: the sample's last row may be partial

    @classmethod
    def of(cls, path: Path, encoding: str) -> Sample:
        with open(path, encoding=encoding, newline="") as f:
            text = f.read(SNIFF_CHARS)
            return cls(text, bool(f.read(1)))

    def rows(self, delimiter: str) -> list[list[str]]:
        """The whole non-blank rows, split by ``delimiter``."""
        rows = [row for row in csv.reader(io.StringIO(self.text), delimiter=delimiter) if row]
        return rows[:-1] if self.cut else rows  # a cut sample ends inside a row


def sniff_delimiter(sample: Sample) -> str | None:
    """The first of ``DELIMITERS`` that splits each of the file's first rows into the same number of fields,
    two or more (a header that splits unlike the rows rules a delimiter out); None when none does."""
    for delimiter in DELIMITERS:
        widths = {len(row) for row in sample.rows(delimiter)}
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

    sample = Sample.of(path, reading.encoding)
    delimiter = reading.delimiter or defaults.get("delimiter") or sniff_delimiter(sample) or ","
    _check_first_row(path, sample, delimiter, reading)
    try:
        columns = pd.read_csv(path, sep=delimiter, encoding=reading.encoding, nrows=0).columns
    except Exception as error:  # pandas' parser errors
        raise UserError(f"{reading.file_key}: cannot read the header of {path}: {_first_line(error)}") from None
    # Every column a string (pandas dtype object): nothing is parsed as a number, a date or a missing value.
    features = datasets.Features({str(c): datasets.Value("string") for c in columns})
    return builder, {"delimiter": delimiter, "encoding": reading.encoding, "na_filter": False, "features": features}


def _check_first_row(path: Path, sample: Sample, delimiter: str, reading: Reading) -> None:
    """A first row with more fields than the header is an error: pandas would silently take the extra
    leading fields for an index and shift every column (an unquoted delimiter in a text, or the wrong one)."""
    header, first = (sample.rows(delimiter) + [[], []])[:2]
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
