"""Files with the mistakes users make, cut from Subj, to show textcnn's one-line errors (README, "Your own data").

    python scripts/make_bad_inputs.py --subj ../shared/data/subj/subj.csv --out runs/bad_inputs
    textcnn train --config configs/textcnn_subj.yaml --set data.path=runs/bad_inputs/blank_labels.csv \
        --set data.test_size=0.2

From the first 2,000 sentences of Subj shuffled with seed 0:

- ``blank_labels.csv``: the labels of data rows 4 and 18 left blank;
- ``one_neutral.csv``: data row 6 relabelled 'neutral', a class with one example;
- ``four_rows.csv``: only the first four rows;
- ``subj_2000.jsonl``: the same 2,000 rows as JSON Lines (for naming the text column as the label).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subj", type=Path, default=Path("../shared/data/subj/subj.csv"), help="Subj's CSV file")
    parser.add_argument("--out", type=Path, default=Path("runs/bad_inputs"), help="folder to write")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = pd.read_csv(args.subj).sample(frac=1.0, random_state=0).reset_index(drop=True).head(2000)
    blank = rows.copy()
    blank.loc[[3, 17], "label"] = None  # data rows 4 and 18, counting from 1
    blank.to_csv(args.out / "blank_labels.csv", index=False)
    neutral = rows.copy()
    neutral.loc[5, "label"] = "neutral"
    neutral.to_csv(args.out / "one_neutral.csv", index=False)
    rows.head(4).to_csv(args.out / "four_rows.csv", index=False)
    rows.to_json(args.out / "subj_2000.jsonl", orient="records", lines=True)
    print(f"wrote blank_labels.csv, one_neutral.csv, four_rows.csv and subj_2000.jsonl to {args.out}")


if __name__ == "__main__":
    main()
