"""Train two or more configs one after another in this process, on the same data, tokenizer, batch size, threads and
device, and measure: seconds per epoch, samples and tokens per second, validation accuracy against training seconds,
time to a target validation accuracy, test accuracy, total seconds from raw text to a trained model (word vectors
included, from their .json record), inference speed from raw text (tokenizing included) at batch size 1 and at a
large batch, and peak resident memory. --peers trains TF-IDF + logistic regression and fastText on the same splits.
Writes bench.json, bench.md, bench.png and pareto.png (test accuracy against training time).
"""

from __future__ import annotations

import dataclasses

from ..config import BenchOptions
from .shared import with_data

NAME = "bench"
HELP = "train and time models side by side (TextCNN vs LSTM)"
OPTIONS = (BenchOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn bench --config configs/textcnn_imdb.yaml --config configs/lstm_imdb.yaml --data path/to/imdb",
)


def run(options: BenchOptions) -> int:
    from ..bench.run import run_bench

    run_bench(dataclasses.replace(options, overrides=with_data(options.overrides, options.data)))
    return 0
