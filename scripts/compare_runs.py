"""Compare two run folders' results: metrics.json accuracies and every history.csv column but time.

    python scripts/compare_runs.py runs/uninterrupted runs/killed_and_resumed

Prints each accuracy side by side and whether the histories are identical to the last digit; exits 1
if anything differs. Used to show that a resumed run ends exactly as an uninterrupted one.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from textcnn.runs.records import RunMetrics

COMPARED = ("val_accuracy", "test_accuracy", "best_epoch", "epochs_run", "stopped_early")


def history(run: Path) -> list[dict[str, str]]:
    with open(run / "history.csv", encoding="utf-8") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", type=Path, help="a finished run folder")
    parser.add_argument("second", type=Path, help="another finished run folder")
    args = parser.parse_args()
    runs = (args.first, args.second)
    missing = [str(r) for r in runs if not (r / "metrics.json").is_file()]
    if missing:
        parser.error(f"not a finished run folder (no metrics.json): {', '.join(missing)}")
    metrics = [RunMetrics.load(r / "metrics.json") for r in runs]
    same = True
    for key in COMPARED:
        values = [getattr(m, key) for m in metrics]
        same &= values[0] == values[1]
        print(f"{key:<15} {values[0]!s:<22} {values[1]!s:<22} {'same' if values[0] == values[1] else 'DIFFERENT'}")
    rows = [history(r) for r in runs]
    identical = rows[0] == rows[1]
    same &= identical
    print(
        f"history.csv     {len(rows[0])} rows, {len(rows[1])} rows: "
        + ("identical in every column but seconds" if identical else "DIFFERENT")
    )
    print(f"resumed         {metrics[0].resumed} time(s)          {metrics[1].resumed} time(s)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
