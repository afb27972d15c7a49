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

from .errors import UserError
from .scoring import label_set
from .text.data import FILE_BUILDERS

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


def from_file(path: str | Path, text_column: str, id_column: str | None = None) -> Source:
    """A table (.csv, .tsv, .jsonl, .json, .parquet) read through ``datasets``, else plain lines."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"--file: file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in FILE_BUILDERS:
        with open(path, "rb") as f:
            total = sum(1 for _ in f)  # for the progress bar

        def lines() -> Iterator[tuple[str, str]]:
            # errors="replace": a stray non-UTF-8 byte becomes U+FFFD instead of failing the whole file.
            with open(path, encoding="utf-8", errors="replace") as f:
                yield from from_lines(f).items

        return Source(lines(), total)
    import datasets

    datasets.disable_progress_bars()
    builder, options = FILE_BUILDERS[suffix]
    try:
        table = datasets.load_dataset(builder, data_files={"rows": str(path)}, split="rows", **options)
    except Exception as error:  # datasets' parsers raise many types
        raise UserError(f"--file: cannot read {path}: {str(error).splitlines()[0]}") from None
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


class Writer:
    """JSON Lines to standard output or a ``.jsonl`` file, or CSV to a ``.csv`` file; flushed per chunk."""

    def __init__(self, output: str | None, class_names: Sequence[str]) -> None:
        self.class_names = list(class_names)
        self.format = ".jsonl"
        if output is None:
            self.stream: IO[str] = sys.stdout
        else:
            path = Path(output)
            self.format = path.suffix.lower()
            if self.format not in OUTPUT_FORMATS:
                raise UserError(f"--output: {path} must end in {' or '.join(OUTPUT_FORMATS)}")
            if path.is_dir():
                raise UserError(f"--output: {path} is a folder")
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
