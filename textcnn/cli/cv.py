"""Cut the training split into K stratified, seeded folds. Each fold in turn is the test split of one run (a run folder
OUT/fold-I); that run holds its validation split out of the other folds, so neither training nor selection sees the
fold it is scored on. Prints and saves (OUT/cv.json) the mean, standard deviation and per-fold test accuracy, and a
Markdown line. Run again with the same --out to continue an interrupted CV: finished folds are read back, an
unfinished one resumed.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..config.commands import CvOptions
from .shared import with_data

NAME = "cv"
HELP = "k-fold cross-validation of a config (for data without a test split)"
OPTIONS = (CvOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn cv --config configs/textcnn_subj.yaml --data subj.csv --folds 10",
    "textcnn cv --config configs/starter.yaml --data reviews.csv --folds 5 --out-of-fold oof.csv --suspects 50",
)


def run(options: CvOptions) -> int:
    from ..runs.cv import SUSPECTS, cross_validate
    from ..runs.folder import default_run_dir

    out = options.out or default_run_dir(f"cv-{Path(options.config).stem}")
    summary = cross_validate(
        options.config,
        options.folds,
        out,
        with_data(options.overrides, options.data),
        progress=options.progress,
        out_of_fold_file=options.out_of_fold,
        suspects=options.suspects,
    )
    print(json.dumps({"mean_accuracy": summary.mean_accuracy, "std_accuracy": summary.std_accuracy}))
    print(summary.markdown())
    print(f"saved {Path(out) / 'cv.json'}")
    if options.suspects:
        _print_suspects(Path(out) / SUSPECTS)
    return 0


def _print_suspects(path: Path) -> None:
    """The suspects file as short lines: rank, row, the given label and the predicted one, p(label), the text."""
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    print(f"{len(rows)} label suspects, least likely label first; * confident learning flags it too (saved {path}):")
    for r in rows:
        text = " ".join(r["text"].split())
        text = text if len(text) <= 80 else text[:77] + "..."
        mark = "*" if r["confident"] == "True" else " "
        line = f"{r['rank']:>4}{mark} row {r['row']:>6}  {r['label']} -> {r['predicted']}  p={float(r['p_label']):.3f}"
        print(f"{line}  {text}")
