"""Class weights on an imbalanced set: a config trained with and without ``train.class_weight``, side by side.

    HF_HUB_OFFLINE=1 python scripts/class_weight_check.py --config configs/starter.yaml --out runs/class_weight

Makes the imbalanced set from SST-2 (``--data``, the GLUE layout): every positive training phrase and a
seeded ``--keep`` fraction of the negative ones; 10% of that (stratified, seeded) becomes the validation
split, as imbalanced as the training split; GLUE's validation split, balanced, is the test split. Then trains
``--config`` once per ``--weights`` setting on it and scores each on both splits. The settings are compared on
the validation split's macro-F1 (never the test split's). Writes ``OUT/class_weight.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def make_imbalanced(data: Path, out: Path, keep: float, seed: int) -> dict:
    """Write OUT/train, validation, test Parquet files; return the class counts of each split."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    train = pd.read_parquet(next(data.glob("train-*.parquet")))
    test = pd.read_parquet(next(data.glob("validation-*.parquet")))
    rng = np.random.default_rng(seed)
    negatives = np.flatnonzero(train["label"].to_numpy() == 0)
    kept = np.sort(
        np.concatenate(
            [np.flatnonzero(train["label"].to_numpy() == 1), rng.permutation(negatives)[: int(len(negatives) * keep)]]
        )
    )
    train = train.iloc[kept].reset_index(drop=True)
    train, validation = train_test_split(train, test_size=0.1, stratify=train["label"], random_state=seed)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, frame in (("train", train), ("validation", validation), ("test", test)):
        frame[["sentence", "label"]].to_parquet(out / f"{name}.parquet", index=False)
        counts[name] = {str(k): int(v) for k, v in frame["label"].value_counts().sort_index().items()}
    return counts


def train_and_score(config: str, data: Path, weight: str, folder: Path) -> dict:
    """One training (``train.class_weight`` = ``weight``), scored on validation and test."""
    from textcnn import load

    argv = [sys.executable, "-m", "textcnn", "train", "--config", config, "--data", str(data), "--out", str(folder)]
    sets = ["data.text_column=sentence", "data.test_size=null", "data.validation_split=validation"]
    sets.append(f"train.class_weight={weight}")
    argv += [arg for value in sets for arg in ("--set", value)] + ["--no-progress"]
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    run = load(folder, device="cpu")
    result = {"class_weight": weight, "seconds": round(seconds, 1)}
    for split in ("validation", "test"):
        scores = run.evaluate(split=split)
        recall = {name: round(row["recall"], 4) for name, row in scores["per_class"].items()}
        result[split] = {
            "accuracy": round(scores["accuracy"], 4),
            "macro_f1": round(scores["macro_f1"], 4),
            "recall": recall,
        }
    return result


def table(rows: list[dict], counts: dict) -> str:
    lines = [
        f"Class counts (0 negative, 1 positive): train {counts['train']}, validation {counts['validation']}, "
        f"test {counts['test']}.",
        "",
        "| `train.class_weight` | validation macro-F1 | validation accuracy | test macro-F1 | test accuracy "
        "| test recall, negative / positive | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        val, test = r["validation"], r["test"]
        recall = " / ".join(f"{v:.3f}" for v in test["recall"].values())
        lines.append(
            f"| {r['class_weight']} | {val['macro_f1']:.4f} | {val['accuracy']:.4f} | {test['macro_f1']:.4f} "
            f"| {test['accuracy']:.4f} | {recall} | {r['seconds']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "configs" / "starter.yaml"), help="the run config to train")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "sst2"), help="SST-2, GLUE's layout")
    parser.add_argument("--keep", type=float, default=0.1, help="fraction of the negative phrases kept (default 0.1)")
    parser.add_argument("--weights", nargs="+", default=["null", "balanced"], help="class_weight settings to train")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cut and the validation split")
    parser.add_argument("--out", required=True, help="folder for the data, the runs and the table")
    args = parser.parse_args()
    if not 0 < args.keep <= 1:
        parser.error(f"--keep must be in (0, 1], got {args.keep}")
    out = Path(args.out)
    counts = make_imbalanced(Path(args.data), out / "data", args.keep, args.seed)
    rows = []
    for weight in args.weights:
        rows.append(train_and_score(args.config, out / "data", weight, out / f"run-{weight}"))
        print(json.dumps(rows[-1]), flush=True)
    (out / "class_weight.json").write_text(json.dumps({"counts": counts, "runs": rows}, indent=2) + "\n")
    (out / "class_weight.md").write_text(table(rows, counts) + "\n")
    print(table(rows, counts))


if __name__ == "__main__":
    main()
