"""Train one config with an older revision of textcnn and with this tree, alternately, and compare them.

    HF_HUB_OFFLINE=1 python scripts/compare_revisions.py 632d57c --config configs/textcnn_imdb.yaml \\
        --set data.path=../shared/data/imdb --set train.epochs=1 --repeats 2

The older revision is checked out into a temporary git worktree and run with the same Python and
packages (``PYTHONPATH`` points at it, and the script checks that this is the textcnn that runs).
Runs alternate (old, new, old, new, ...) so that a machine getting slower or faster over time affects
both alike. For each revision it prints the median data preparation seconds (load, tokenizer,
encoding), seconds per epoch, peak RSS of the training process, and the validation and test accuracy,
which must agree when a change is meant to compute the same thing; then whether the runs' history.csv
files are identical, every column but the seconds, to the last digit.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def train_once(source: Path, args: argparse.Namespace, out: Path) -> dict:
    """One ``textcnn train`` with the package at ``source``; its metrics and peak RSS."""
    # -P: the working directory is not put first on sys.path, so PYTHONPATH decides which textcnn runs
    # (relative data paths still resolve from the project's root).
    command = [sys.executable, "-P", "-m", "textcnn", "train", "--config", str(args.config), "--out", str(out)]
    command += ["--no-progress", *(f"--set={s}" for s in args.set)]
    env = {**os.environ, "PYTHONPATH": str(source)}
    which = subprocess.run(
        [sys.executable, "-P", "-c", "import textcnn; print(textcnn.__file__)"], env=env, capture_output=True, text=True
    ).stdout.strip()
    if not which.startswith(str(source)):
        sys.exit(f"PYTHONPATH={source} imports textcnn from {which}, not from {source}")
    with open(out.with_suffix(".log"), "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own resource usage
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"training with {source} failed ({process.returncode}); see {out.with_suffix('.log')}")
    metrics = json.loads((out / "metrics.json").read_text())
    metrics["peak_rss_mib"] = usage.ru_maxrss / 1024  # Linux: KiB
    with open(out / "history.csv", newline="") as f:
        metrics["history"] = [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]
    return metrics


def history_verdict(runs: dict[str, list[dict]]) -> str:
    """Whether every run's history.csv (seconds aside) is the same as the first run's, as text."""
    histories = [r["history"] for results in runs.values() for r in results]
    first = histories[0]
    if all(h == first for h in histories):
        return f"history.csv: identical in all {len(histories)} runs ({len(first)} rows, every column but seconds)"
    differing = sum(h != first for h in histories)
    return f"history.csv: {differing} of {len(histories)} runs differ from the first (seconds aside)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", help="the older git revision to compare with this tree (e.g. a commit)")
    parser.add_argument("--config", type=Path, required=True, help="the run config both revisions train")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--repeats", type=int, default=2, help="runs per revision, alternating")
    args = parser.parse_args()
    args.config = args.config.resolve()

    with tempfile.TemporaryDirectory(prefix="compare_revisions_") as tmp:
        old = Path(tmp) / "old"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "--quiet", "--detach", str(old), args.revision], check=True)
        try:
            sources = {args.revision: old, "this tree": ROOT}
            runs: dict[str, list[dict]] = {name: [] for name in sources}
            for repeat in range(args.repeats):
                for name, source in sources.items():
                    label = "old" if source == old else "new"
                    runs[name].append(train_once(source, args, Path(tmp) / f"{label}_{repeat}"))
                    r = runs[name][-1]
                    print(
                        f"{name:>12}: prep {r['prep_seconds']:.1f} s, epoch {statistics.median(r['epoch_seconds']):.1f}"
                        f" s, peak RSS {r['peak_rss_mib']:.0f} MiB, val {r['val_accuracy']:.4f}",
                        file=sys.stderr,
                    )
        finally:
            subprocess.run([*git, "remove", "--force", str(old)], check=False)

    print("| revision | prep s | s/epoch | peak RSS MiB | val acc | test acc |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, results in runs.items():
        epochs = [statistics.median(r["epoch_seconds"]) for r in results]
        val, test = (", ".join(sorted({f"{r[key]:.4f}" for r in results})) for key in ("val_accuracy", "test_accuracy"))
        print(
            f"| {name} | {statistics.median(r['prep_seconds'] for r in results):.1f} "
            f"| {statistics.median(epochs):.1f} | {statistics.median(r['peak_rss_mib'] for r in results):.0f} "
            f"| {val} | {test} |"
        )
    print(history_verdict(runs))


if __name__ == "__main__":
    main()
