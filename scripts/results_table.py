"""Print a Markdown table of trained runs, from each run folder's metrics.json and config.yaml.

    python scripts/results_table.py runs/kim_imdb_rand runs/kim_imdb_nonstatic ...

One row per run: model, embedding mode and size, validation and test accuracy, best epoch, median
seconds per epoch and total minutes. The README's tables are made with it from the runs its commands train.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import yaml


def row(run: Path) -> str:
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    model = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))["model"]
    seconds = metrics["epoch_seconds"]
    cells = [
        run.name,
        model["name"],
        f"{model.get('embedding_mode', 'rand')} ({model['embedding_dim']})",
        f"{metrics['val_accuracy']:.2%}",
        f"{metrics['test_accuracy']:.2%} ({metrics['test_split']})",
        f"{metrics['best_epoch']:g} of {metrics['epochs_completed']}",
        f"{statistics.median(seconds):.1f}",
        f"{metrics['total_seconds'] / 60:.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="run folders written by 'textcnn train'")
    args = parser.parse_args()
    missing = [str(r) for r in args.runs if not (r / "metrics.json").is_file()]
    if missing:
        parser.error(f"not a finished run folder (no metrics.json): {', '.join(missing)}")
    print("| run | model | embedding (dim) | val acc | test acc | best epoch | s/epoch | total min |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for run in args.runs:
        print(row(run))


if __name__ == "__main__":
    main()
