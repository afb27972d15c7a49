"""``textcnn cv``: stratified k-fold cross-validation, one run folder per fold.

Fold ``i`` is the test split of a run whose config says ``data.folds: K, data.fold: i``; the run
holds its validation split out of the other folds, so selection never sees the fold it is scored on.
Each fold is an ordinary run folder: an interrupted CV continues where it stopped (finished folds are
read back, an unfinished one is resumed).
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
from pathlib import Path

from ..config import RunConfig, load_config
from ..errors import ConfigError, RunFolderError
from ..util.progress import progress_bar
from .folder import FINISHED, RunFolder
from .predictions import check_output
from .records import CrossValidation, FoldResult, RunMetrics
from .training import resume_run, train_run

logger = logging.getLogger(__name__)

SUSPECTS = "suspects.csv"


def fold_config(config: RunConfig, folds: int, fold: int) -> RunConfig:
    """``config`` with fold ``fold`` (0-based) of ``folds`` as its test split."""
    data = dataclasses.replace(config.data, folds=folds, fold=fold, test_split=None, test_size=None)
    return dataclasses.replace(config, data=data)


def unused_test_settings(config: RunConfig) -> list[str]:
    """A note for each test setting of ``config`` that cross-validation leaves aside (each fold is the test)."""
    data = config.data
    unused = [("data.test_size", data.test_size), ("data.test_split", data.test_split)]
    return [
        f"note: {key}: {value!r} is not used by cv; each fold in turn is the test split, cut from {data.train_split!r}"
        for key, value in unused
        if value is not None
    ]


def cross_validate(
    config_path: str,
    folds: int,
    out: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    *,
    progress: bool = True,
    out_of_fold_file: str | Path | None = None,
    suspects: int | None = None,
) -> CrossValidation:
    """Train one run per fold into ``out/fold-I`` and summarise the folds' test accuracies in ``out/cv.json``.

    ``out_of_fold_file``: also write every row's out-of-fold probabilities there (CSV); ``suspects``: write
    the rows whose label the out-of-fold model finds least likely to ``out/suspects.csv`` (at most that many).
    """
    if folds < 2:
        raise ConfigError(f"--folds: {folds} is not allowed; expected >= 2")
    config = load_config(config_path, overrides)
    for note in unused_test_settings(config):
        logger.info(note)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"--out {out} is a file, not a folder")
    if out_of_fold_file is not None:
        check_output(out_of_fold_file, config.data.path, "--out-of-fold", what="the training data", harm="it")
    out.mkdir(parents=True, exist_ok=True)
    results = []
    bar = progress_bar(range(folds), enabled=progress, desc="folds", unit="fold")
    for fold in bar:
        run_dir = out / f"fold-{fold + 1}"
        m = _fold(fold_config(config, folds, fold), run_dir, progress=progress)
        results.append(
            FoldResult(fold + 1, str(run_dir), m.test_accuracy, m.val_accuracy, m.best_epoch, m.train_seconds)
        )
        logger.info(f"fold {fold + 1}/{folds}: test accuracy {m.test_accuracy:.4f} (validation {m.val_accuracy:.4f})")
    accuracies = [r.test_accuracy for r in results]
    summary = CrossValidation(
        config=str(config_path),
        data=config.data.path,
        folds=folds,
        seed=config.seed,
        mean_accuracy=statistics.mean(accuracies),
        std_accuracy=statistics.stdev(accuracies),
        per_fold=results,
        mean_val_accuracy=statistics.mean(r.val_accuracy for r in results),
    )
    summary.save(out / "cv.json")
    if out_of_fold_file is not None or suspects:
        _label_check([Path(r.run) for r in results], out, out_of_fold_file, suspects)
    return summary


def _label_check(run_dirs: list[Path], out: Path, out_of_fold_file: str | Path | None, suspects: int | None) -> None:
    from .out_of_fold import label_suspects, out_of_fold, write_out_of_fold, write_suspects

    oof = out_of_fold(run_dirs)
    if out_of_fold_file is not None:
        write_out_of_fold(oof, out_of_fold_file)
        logger.info(f"out-of-fold probabilities of {len(oof.labels):,} rows written to {out_of_fold_file}")
    if suspects:
        write_suspects(label_suspects(oof, suspects), out / SUSPECTS)
        logger.info(f"label suspects written to {out / SUSPECTS}")


def _fold(config: RunConfig, run_dir: Path, *, progress: bool) -> RunMetrics:
    """Train one fold, or take it from its folder: read back when finished, resumed when not."""
    if not (run_dir / "run.json").exists():
        return train_run(config, run_dir, progress=progress)
    saved = load_config(run_dir / "config.yaml")
    if saved.to_dict() != config.to_dict():
        raise RunFolderError(f"{run_dir} holds a fold of another config; choose another --out")
    if RunFolder.open(run_dir).manifest().status == FINISHED:
        logger.info(f"{run_dir}: finished earlier, read back")
        return RunMetrics.load(run_dir / "metrics.json")
    return resume_run(run_dir, progress=progress)
