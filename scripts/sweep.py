"""Try config variants and report their validation accuracy (never the test split's).

    HF_HUB_OFFLINE=1 python scripts/sweep.py --config configs/textcnn_imdb.yaml \\
        --set data.path=../shared/data/imdb --variant data.max_length=400 --variant train.lr=1e-3

Each ``--variant`` is a comma-separated list of KEY=VALUE overrides on top of the config and the
``--set`` overrides; the config as it is runs first. One JSON line per variant: best validation
accuracy, its epoch, epochs run and mean seconds per epoch. Each variant trains a full run in a
temporary folder, which is deleted after (test accuracy is computed by the pipeline but not shown:
choices are made on validation only).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

from textcnn.config import load_config
from textcnn.config.options import add_set_option
from textcnn.runs.training import train_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="the base run config")
    add_set_option(parser, "every run's config")
    parser.add_argument("--variant", action="append", default=[], metavar="K=V,K=V", help="one variant (repeatable)")
    args = parser.parse_args()
    for variant in ["", *args.variant]:
        overrides = [v for v in variant.split(",") if v]
        config = load_config(args.config, [*args.set, *overrides])
        start = time.time()
        with tempfile.TemporaryDirectory() as out:
            metrics = train_run(config, f"{out}/run", progress=False)
        row = {
            "variant": overrides or "(config as is)",
            "val_accuracy": round(metrics.val_accuracy, 4),
            "best_epoch": metrics.best_epoch,
            "epochs_run": metrics.epochs_run,
            "epoch_seconds": round(sum(metrics.epoch_seconds) / len(metrics.epoch_seconds), 1),
            "wall_seconds": round(time.time() - start),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
