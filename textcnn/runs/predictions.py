"""Reading texts to predict (arguments, plain lines, tables, standard input) and writing predictions as
they are computed (JSON Lines or CSV), for ``textcnn predict`` in a pipeline."""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from ..errors import UserError
from ..text.reading import FILE_BUILDERS, Reading, check_text_file, read_local, text_decoder
from .scoring import label_set

OUTPUT_FORMATS = (".jsonl", ".csv")


@dataclass
class Source:
    """Texts with their ids, and how many there are when that is known (for the progress bar)."""

    items: Iterator[tuple[str, str]]  # (id, text)
    total: int | None


def from_arguments(texts: Sequence[str]) -> Source:
    return Source(((str(i), t) for i, t in enumerate(texts, start=1)), len(texts))


def from_lines(stream: IO[str], total: int | None = None) -> Source:
    """One text per line; the id is the line number."""
    return Source(((str(i), line.rstrip("\r\n")) for i, line in enumerate(stream, start=1)), total)


def from_stdin(encoding: str = "utf-8", stream: IO[str] | None = None) -> Source:
    """One text per line of standard input (or ``stream``), decoded strictly: a byte that is not
    ``encoding`` is a one-line error naming --encoding, never a replacement character."""
    stream = sys.stdin if stream is None else stream
    text_decoder(Reading(encoding, encoding_key="--encoding"))  # an unknown name fails before any reading
    if hasattr(stream, "reconfigure"):  # a text stream over bytes (not a StringIO)
        stream.reconfigure(encoding=encoding, errors="strict")

    def lines() -> Iterator[tuple[str, str]]:
        read = 0
        try:
            for item in from_lines(stream).items:
                yield item
                read += 1
        except UnicodeDecodeError as error:
            raise UserError(
                f"standard input is not {encoding} text: byte 0x{error.object[error.start]:02x} in line {read + 1} or "
                "soon after does not decode; if it is text in another encoding, set --encoding (e.g. latin-1 or cp1252)"
            ) from None

    return Source(lines(), None)


def from_file(
    path: str | Path,
    text_column: str,
    id_column: str | None = None,
    *,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> Source:
    """A table (.csv, .tsv, .jsonl, .json, .parquet) read as training data is (CSV cells as written, in
    ``encoding``, split by ``delimiter`` or the one the file shows), else plain lines in ``encoding``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"--file: file not found: {path}")
    reading = Reading(encoding, delimiter, file_key="--file", encoding_key="--encoding", delimiter_key="--delimiter")
    if path.suffix.lower() not in FILE_BUILDERS:
        total = check_text_file(path, reading, table=False)  # NUL bytes or a byte not in `encoding`: an error

        def lines() -> Iterator[tuple[str, str]]:
            with open(path, encoding=encoding) as f:
                yield from from_lines(f).items

        return Source(lines(), total)
    import datasets

    datasets.disable_progress_bars()
    table = read_local({"rows": [path]}, reading)["rows"]
    for option, column in (("--text-column", text_column), ("--id-column", id_column)):
        if column is not None and column not in table.column_names:
            raise UserError(f"{option}: {path} has no column {column!r} (columns: {', '.join(table.column_names)})")

    def rows() -> Iterator[tuple[str, str]]:
        for start in range(0, len(table), 4096):
            chunk = table[start : start + 4096]
            ids = chunk[id_column] if id_column else range(start + 1, start + 1 + len(chunk[text_column]))
            for row_id, text in zip(ids, chunk[text_column]):
                yield str(row_id), "" if text is None else str(text)

    return Source(rows(), len(table))


def chunked(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def records(
    ids: Sequence[str],
    probs: np.ndarray,
    class_names: Sequence[str],
    *,
    top_k: int | None,
    all_classes: bool,
    threshold: float | None = None,
) -> Iterator[dict]:
    """One dict per text: id, label, its probability, and the top k or all class probabilities.

    Multi-label runs (``threshold`` set): id, the set of labels at or above the threshold, and every
    label's probability.
    """
    if threshold is not None:
        for row_id, p in zip(ids, probs):
            yield {"id": row_id, **label_set(p, list(class_names), threshold)}
        return
    order = np.argsort(-probs, axis=1, kind="stable")  # (N, C) classes by probability
    for row_id, p, ranked in zip(ids, probs, order):
        best = int(ranked[0])
        record = {"id": row_id, "label": class_names[best], "probability": round(float(p[best]), 6)}
        if top_k is not None:
            record["top_k"] = [
                {"label": class_names[int(c)], "probability": round(float(p[c]), 6)} for c in ranked[:top_k]
            ]
        if all_classes:
            record["probabilities"] = {name: round(float(v), 6) for name, v in zip(class_names, p)}
        yield record


def check_output(
    output: str | Path,
    reading: str | Path | None = None,
    option: str = "--output",
    what: str = "the file being read (--file)",
    harm: str = "its texts",
) -> Path:
    """A one-line error unless ``output`` can be written without harm: never the file being read (``what``;
    compared by inode, so a link or another spelling of the path is caught too) nor a file inside the folder
    being read, never a folder, and only into a folder that exists."""
    path = Path(output)
    if path.is_dir():
        raise UserError(f"{option}: {path} is a folder; name a file")
    read = Path(reading) if reading is not None else None
    if read is not None and path.exists() and read.exists() and path.samefile(read):
        raise UserError(f"{option}: {path} is {what}; writing it would destroy {harm}")
    if read is not None and read.is_dir() and read.resolve() in path.resolve().parents:
        raise UserError(f"{option}: {path} is inside the folder of {what}; writing it could destroy {harm}")
    if not path.parent.is_dir():
        raise UserError(f"{option}: the folder {path.parent} does not exist; create it first")
    return path


class Writer:
    """JSON Lines to standard output or a ``.jsonl`` file, or CSV to a ``.csv`` file; flushed per chunk.

    ``reading``: the input file, which ``output`` must not be (see :func:`check_output`).
    """

    def __init__(self, output: str | None, class_names: Sequence[str], *, reading: str | Path | None = None) -> None:
        self.class_names = list(class_names)
        self.format = ".jsonl"
        if output is None:
            self.stream: IO[str] = sys.stdout
        else:
            path = Path(output)
            self.format = path.suffix.lower()
            if self.format not in OUTPUT_FORMATS:
                raise UserError(f"--output: {path} must end in {' or '.join(OUTPUT_FORMATS)}")
            check_output(path, reading)
            self.stream = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close())
        self._csv = None

    def write(self, batch: Iterable[dict]) -> None:
        for record in batch:
            if self.format == ".jsonl":
                self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                continue
            if "labels" in record:  # multi-label
                row = {"id": record["id"], "labels": "|".join(record["labels"])}
            else:
                row = {"id": record["id"], "label": record["label"], "probability": record["probability"]}
            for i, item in enumerate(record.get("top_k", []), start=1):
                row[f"label_{i}"], row[f"probability_{i}"] = item["label"], item["probability"]
            row.update({f"p_{k}": v for k, v in record.get("probabilities", {}).items()})
            if self._csv is None:
                self._csv = csv.DictWriter(self.stream, fieldnames=list(row))
                self._csv.writeheader()
            self._csv.writerow(row)
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not sys.stdout:
            self.stream.close()
