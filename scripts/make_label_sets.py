"""A multi-label dataset made honestly from SST-1: each sentence's label set is its polarity, plus
``strong`` when the fine-grained label is 'very ...'.

    python scripts/make_label_sets.py --sst5 ../shared/data/sst5 --out runs/data/sst5_sets
    textcnn train --config configs/textcnn_sst5.yaml --set data.path=runs/data/sst5_sets --set data.label_column=labels

'very positive' becomes ["positive", "strong"], 'neutral' ["neutral"]. The two labels of a set come
from one annotation, so they are correlated, as labels of real multi-label data often are. Writes one
JSON Lines file per split, with the label sets as arrays, as a user's export would hold them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd


def label_set(label: str) -> list[str]:
    polarity = label.removeprefix("very ")
    return [polarity, "strong"] if label.startswith("very ") else [polarity]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sst5", type=Path, default=Path("../shared/data/sst5"), help="folder of SST-1 CSV files")
    parser.add_argument("--out", type=Path, default=Path("runs/data/sst5_sets"), help="folder to write")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "validation", "test"):
        table = pd.read_csv(args.sst5 / f"{split}.csv")
        with open(args.out / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for text, label in zip(table["text"], table["label"]):
                f.write(json.dumps({"text": text, "labels": label_set(label)}) + "\n")
        print(f"{args.out / f'{split}.jsonl'}: {len(table)} sentences")


if __name__ == "__main__":
    main()
