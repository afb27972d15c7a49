"""Print a Markdown table of trained runs, from each run folder's metrics.json and config.yaml.

    python scripts/results_table.py runs/kim/imdb_rand runs/kim/imdb_nonstatic ... [--plot FIG.png]

One row per run: model, embedding mode and size, validation and test accuracy, best epoch, median
seconds per epoch, total minutes, and training processes x torch threads each. The README's tables
are made with it from the runs its commands train. ``--plot`` also draws validation and test
accuracy per run as bars.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from textcnn.config import ModelConfig, load_config
from textcnn.runs.records import RunMetrics


def read_run(run: Path) -> tuple[RunMetrics, ModelConfig]:
    return RunMetrics.load(run / "metrics.json"), load_config(run / "config.yaml").model


def row(run: Path, metrics: RunMetrics, model: ModelConfig) -> str:
    cells = [
        run.name,
        model.name,
        f"{model.embedding_mode} ({model.embedding_dim})",
        f"{metrics.val_accuracy:.2%}",
        f"{metrics.test_accuracy:.2%} ({metrics.test_split})",
        f"{metrics.best_epoch:g} of {metrics.epochs_completed}",
        f"{statistics.median(metrics.epoch_seconds):.1f}",
        f"{metrics.total_seconds / 60:.1f}",
        f"{metrics.processes} x {metrics.threads}",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="run folders written by 'textcnn train'")
    parser.add_argument("--plot", type=Path, metavar="FILE", help="also draw the accuracies to this PNG file")
    parser.add_argument("--labels", nargs="+", help="names for the runs in the figure (default: folder names)")
    parser.add_argument("--title", default="", help="the figure's title")
    args = parser.parse_args()
    if args.labels and len(args.labels) != len(args.runs):
        parser.error(f"--labels gives {len(args.labels)} names for {len(args.runs)} runs")
    missing = [str(r) for r in args.runs if not (r / "metrics.json").is_file()]
    if missing:
        parser.error(f"not a finished run folder (no metrics.json): {', '.join(missing)}")
    columns = ("run", "model", "embedding (dim)", "val acc", "test acc", "best epoch", "s/epoch", "total min")
    print("| " + " | ".join([*columns, "processes x threads"]) + " |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    runs = [read_run(run) for run in args.runs]
    for run, (metrics, model) in zip(args.runs, runs):
        print(row(run, metrics, model))
    if args.plot:
        from textcnn.bench.figures import plot_accuracies

        plot_accuracies(
            args.labels or [run.name for run in args.runs],
            [metrics.val_accuracy for metrics, _ in runs],
            [metrics.test_accuracy for metrics, _ in runs],
            [statistics.median(metrics.epoch_seconds) for metrics, _ in runs],
            args.plot,
            args.title,
        )


if __name__ == "__main__":
    main()
