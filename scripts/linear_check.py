"""Configs against the classical models, dataset by dataset: TF-IDF, NBSVM and fastText on the same splits.

    HF_HUB_OFFLINE=1 python scripts/linear_check.py --config configs/starter.yaml --out runs/linear_check
    python scripts/linear_check.py --config configs/starter.yaml --only subj,sst5 --seeds 0 1 2 --out runs/lc

For each dataset of ``--data-root`` (the layout of ``../shared/data``, see its README), each config is
trained as the dataset's protocol says (its own test split, or ``textcnn cv`` on the folds), and
``scripts/baselines.py`` runs the peers (TF-IDF, NBSVM, fastText; ``--peers``) on the same splits (the same
folds), choosing their settings on validation. With several ``--seeds`` each config runs once per seed over
the same splits (``data.split_seed: 0``) and the table gives the mean and sample standard deviation over the seeds; for
cross-validation the ± is over the folds of the first seed's run (the folds' spread) and each seed's mean
is listed. Seconds are wall time of each command, everything it learns included. Writes
``OUT/linear_check.md`` and ``OUT/linear_check.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Dataset:
    """Where one dataset is and how it is scored."""

    path: str  # under --data-root
    sets: list[str] = field(default_factory=list)  # --set overrides that read it
    folds: int | None = None  # cross-validation, else its own test split
    analyzer: str = "word"  # the peers' n-grams: word, or char for text without spaces


DATASETS = {
    "imdb": Dataset("imdb", ["data.test_size=null"]),
    "sst2": Dataset("sst2", ["data.text_column=sentence", "data.test_size=null"]),
    "sst5": Dataset("sst5", ["data.test_size=null", "data.validation_split=validation"]),
    "subj": Dataset("subj/subj.csv", folds=10),
    "chnsenticorp": Dataset(
        "chnsenticorp/ChnSentiCorp_htl_all.csv", ["data.text_column=review"], folds=5, analyzer="char"
    ),
}


PEERS = ("tfidf", "nbsvm", "fasttext")


def _run(argv: list[str]) -> tuple[str, float]:
    """Run a command; its standard output and wall seconds. A failure stops the script with its output."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-2000:]}")
    return done.stdout, time.perf_counter() - started


def _sets(values: list[str]) -> list[str]:
    return [arg for value in values for arg in ("--set", value)]


def run_config(config: str, data: Path, spec: Dataset, seed: int, out: Path, extra: list[str]) -> dict:
    """One config on one dataset with one seed: test accuracy (the folds' mean), the folds' sd, seconds."""
    folder = out / f"{Path(config).stem}-seed{seed}"
    argv = [sys.executable, "-m", "textcnn", "cv" if spec.folds else "train", "--config", config]
    argv += ["--data", str(data), "--out", str(folder), "--no-progress"]
    argv += _sets([*spec.sets, *extra, f"seed={seed}", "data.split_seed=0"])
    if spec.folds:
        argv += ["--folds", str(spec.folds)]
    _, seconds = _run(argv)
    if spec.folds:
        summary = json.loads((folder / "cv.json").read_text())
        return {"accuracy": summary["mean_accuracy"], "fold_sd": summary["std_accuracy"], "seconds": seconds}
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"accuracy": metrics["test_accuracy"], "val_accuracy": metrics["val_accuracy"], "seconds": seconds}


def run_peer(model: str, config: str, data: Path, spec: Dataset) -> dict:
    """A linear peer on the config's splits (its folds): test accuracy, the folds' sd, seconds."""
    argv = [sys.executable, str(ROOT / "scripts" / "baselines.py"), "--config", config, "--model", model]
    argv += ["--analyzer", spec.analyzer, *_sets([f"data.path={data}", *spec.sets, "data.split_seed=0"])]
    if spec.folds:
        argv += ["--folds", str(spec.folds)]
    stdout, seconds = _run(argv)
    summary = json.loads(stdout.strip().splitlines()[-1])
    return {"accuracy": summary["test_accuracy"], "fold_sd": summary.get("std"), "seconds": seconds}


def _cell(rows: list[dict]) -> str:
    """Mean accuracy, with ± the sd over seeds (several) or over folds (one cv run)."""
    accuracies = [r["accuracy"] for r in rows]
    text = f"{statistics.mean(accuracies):.2%}"
    if len(rows) > 1:
        each = ", ".join(f"{a:.2%}" for a in accuracies)
        return f"{text} ± {statistics.stdev(accuracies):.2%} over {len(rows)} seeds ({each})"
    if rows[0].get("fold_sd") is not None:
        return f"{text} ± {rows[0]['fold_sd']:.2%} over the folds"
    return text


def table(name: str, spec: Dataset, results: dict[str, list[dict]]) -> str:
    protocol = f"{spec.folds}-fold CV" if spec.folds else "its test split"
    lines = [f"### {name} ({protocol})", "", "| model | test accuracy | seconds |", "|---|---|---|"]
    for model, rows in results.items():
        seconds = statistics.mean(r["seconds"] for r in rows)
        lines.append(f"| {model} | {_cell(rows)} | {seconds:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", action="append", required=True, help="a run config to check (repeatable)")
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"), help="the datasets' folder")
    parser.add_argument("--only", help=f"comma-separated datasets (default: all of {', '.join(DATASETS)})")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="model seeds, over the same splits")
    parser.add_argument(
        "--peers",
        default="tfidf,nbsvm,fasttext",
        help="comma-separated peers from tfidf, nbsvm, fasttext (default: all three; fasttext needs the peers extra)",
    )
    parser.add_argument("--no-peers", action="store_true", help="train the configs alone (peers already measured)")
    parser.add_argument("--folds", type=int, help="folds for the cross-validated datasets (default: theirs, 10 or 5)")
    parser.add_argument("--out", required=True, help="folder for the runs and the tables")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override every config (repeatable)",
    )
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(DATASETS)
    peers = [] if args.no_peers else args.peers.split(",")
    if set(peers) - set(PEERS):
        wrong = ", ".join(sorted(set(peers) - set(PEERS)))
        parser.error(f"--peers: unknown peer(s) {wrong}; choose from {', '.join(PEERS)}")
    unknown = sorted(set(names) - set(DATASETS))
    if unknown:
        parser.error(f"--only: unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report, tables = {}, []
    for name in names:
        spec, data = DATASETS[name], Path(args.data_root) / DATASETS[name].path
        if spec.folds and args.folds:
            spec = dataclasses.replace(spec, folds=args.folds)
        results: dict[str, list[dict]] = {}
        for peer in peers:
            results[peer] = [run_peer(peer, args.config[0], data, spec)]
            print(json.dumps({"dataset": name, "model": peer, **results[peer][0]}), flush=True)
        for config in args.config:
            rows = []
            for seed in args.seeds:
                rows.append(run_config(config, data, spec, seed, out / name, args.set))
                print(json.dumps({"dataset": name, "model": config, "seed": seed, **rows[-1]}), flush=True)
            results[config] = rows
        report[name] = results
        tables.append(table(name, spec, results))
    (out / "linear_check.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "linear_check.md").write_text("\n\n".join(tables) + "\n")
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
