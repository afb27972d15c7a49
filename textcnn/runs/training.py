"""Training into a run folder: a new run (:func:`train_run`) or an unfinished one continued (:func:`resume_run`).

The folder's layout is described in :mod:`textcnn.runs.folder`; the setup is :mod:`textcnn.runs.setup`;
loading a finished run is :class:`textcnn.runs.loaded.Run`.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from .. import __version__
from ..config import RunConfig, load_config, save_config
from ..errors import ConfigError, DiskFull, RunFolderError, TrainingDiverged, UserError
from ..models import TextModel
from ..models.precomputed import fast_inference_model
from ..text.data import TextSplits
from ..text.tokenizer import load_tokenizer
from ..training import (
    SINGLE,
    Distributed,
    EpochRecord,
    FitResult,
    Interrupted,
    Trainer,
    objective_for,
    predict_logits,
    stop_on_signals,
)
from ..training.objectives import class_weights_for
from ..util.logs import ROOT
from .calibrated import RELIABILITY_FIGURE, fit_calibration, score_calibration
from .folder import (
    CHECKPOINT,
    FAILED,
    FINISHED,
    INTERRUPTED,
    WEIGHTS,
    FollowerFolder,
    RunFolder,
    default_run_dir,
    weight_mismatches,
)
from .records import RunMetrics
from .scoring import choose_threshold
from .setup import PreparedRun, prepare_run, read_vectors
from .summary import history_csv, run_metrics

logger = logging.getLogger(__name__)

# What --resume may change: when training stops, never how it computes (that would break exactness).
RESUMABLE_KEYS = ("train.epochs", "train.patience")


# ------------------------------------------------------------------------------------------- training


def train_run(
    config: RunConfig,
    out_dir: str | Path | None = None,
    *,
    progress: bool = True,
    distributed: Distributed = SINGLE,
) -> RunMetrics:
    """Train the configured model into a new run folder (default ``runs/MODEL-DATE-TIME-RANDOM``).

    With several processes (``torchrun``) rank 0 creates the folder and tells the others its path.
    """
    out = Path(out_dir) if out_dir is not None else default_run_dir(config.model.name)
    # SIGTERM, like Ctrl-C, stops the run and keeps the best point: handled from before the folder exists,
    # so that a signal the moment run.json appears still cleans up.
    with stop_on_signals(defer=distributed.enabled):
        if not distributed.is_main:
            shared = distributed.share(None)  # rank 0's folder, or the error that kept it from making one
            if isinstance(shared, RunFolderError):
                raise shared
            return _train(FollowerFolder(shared), config, None, progress=progress, distributed=distributed)
        try:
            folder = RunFolder.create(out)  # the path is checked and locked before any data is loaded
        except RunFolderError as error:
            distributed.share(error)  # the other processes stop with the same error instead of waiting
            raise
        with folder:
            try:  # entered at once: a signal from here on still removes the half-made folder
                distributed.share(folder.path)
                return _train(folder, config, None, progress=progress, distributed=distributed)
            except TrainingDiverged:  # the folder stays, marked failed: it says what happened
                raise
            except BaseException as error:
                if not (folder.path / CHECKPOINT).exists():  # nothing to resume: leave no half-made folder
                    folder.discard()
                elif isinstance(error, DiskFull):
                    raise _resumable(folder, error) from None
                raise


def resume_run(
    run_dir: str | Path,
    overrides: Sequence[str] = (),
    *,
    progress: bool = True,
    distributed: Distributed = SINGLE,
) -> RunMetrics:
    """Continue an unfinished run from its last checkpoint, with its own config (``overrides``: RESUMABLE_KEYS)."""
    for assignment in overrides:
        key = assignment.partition("=")[0].strip()
        if key not in RESUMABLE_KEYS:
            raise ConfigError(f"--resume cannot change {key}; it may change only {', '.join(RESUMABLE_KEYS)}")
    claim = RunFolder.resume if distributed.is_main else FollowerFolder.open
    with stop_on_signals(defer=distributed.enabled), claim(run_dir) as folder:
        config = load_config(folder.path / "config.yaml", overrides)
        checkpoint = folder.load_checkpoint()
        try:
            return _train(folder, config, checkpoint, progress=progress, distributed=distributed)
        except DiskFull as error:
            raise _resumable(folder, error) from None


def _resumable(folder: RunFolder, error: DiskFull) -> DiskFull:
    """A full disk where a checkpoint was kept: say how to go on once there is space."""
    return DiskFull(
        f"{error}; {folder.path} keeps its last checkpoint: free some space, then "
        f"'textcnn train --resume {folder.path}' continues from it"
    )


def _train(
    folder: RunFolder,
    config: RunConfig,
    checkpoint: dict | None,
    *,
    progress: bool,
    distributed: Distributed = SINGLE,
) -> RunMetrics:
    """The run's life in the folder: set up, fit, score the test split once, write the results."""
    started = time.perf_counter()
    if not distributed.is_main:  # rank 0 alone logs and shows progress (and writes: FollowerFolder)
        progress = False
        logging.getLogger(ROOT).setLevel(logging.ERROR)
    prepared, run_info = _set_up(folder, config, checkpoint, distributed, progress=progress)
    trainer = Trainer(
        config.train,
        objective=_objective(config, prepared.data.splits),
        progress=progress,
        distributed=distributed,
    )
    _log_model(config, prepared, trainer)
    metadata = {
        "task": trainer.objective.name,
        "class_names": json.dumps(prepared.data.splits.class_names),
        "vocab_size": str(prepared.data.vocab_size),
        "textcnn": __version__,
    }
    prep_seconds = time.perf_counter() - started
    result = _fit(folder, prepared, trainer, checkpoint, metadata, run_info)
    metrics = _finish(folder, config, prepared, trainer, result, metadata, run_info)
    metrics.prep_seconds = prep_seconds
    metrics.total_seconds = time.perf_counter() - started
    folder.write_with("metrics.json", metrics.save)
    folder.mark(INTERRUPTED if result.interrupted else FINISHED, metrics.interrupted_by)
    _log_outcome(folder, prepared, result, metrics, distributed)
    return metrics


def _set_up(
    folder: RunFolder, config: RunConfig, checkpoint: dict | None, distributed: Distributed, *, progress: bool
) -> tuple[PreparedRun, dict]:
    """The run setup, with the folder's tokenizer, splits and config written (or, resuming, checked)."""
    resuming = checkpoint is not None
    # Read the vectors first, so a missing or mismatched file stops the run before any data work.
    # A checkpoint holds the (fine-tuned) vectors in its weights: resuming from one never reads the file.
    vectors = read_vectors(config.model) if config.model.vectors_file and not resuming else None
    saved_tokenizer = folder.path / "tokenizer.json"
    tokenizer = load_tokenizer(saved_tokenizer) if resuming and saved_tokenizer.exists() else None
    prepared = prepare_run(
        config,
        tokenizer=tokenizer,
        vectors=vectors,
        learn_vectors=not resuming,
        distributed=distributed,
        progress=progress,
    )
    del vectors  # the model holds its own copy; the file's full table is not needed for training
    if tokenizer is None:
        folder.write_with("tokenizer.json", lambda tmp: prepared.data.tokenizer.save(str(tmp)))
    _record_splits(folder, prepared.data.splits)
    folder.write_with("config.yaml", lambda tmp: save_config(config, tmp))
    run_info = dict(checkpoint["run"]) if resuming else {"resumed": -1, "vectors_coverage": None}
    run_info["resumed"] += 1
    if prepared.coverage is not None:
        run_info["vectors_coverage"] = prepared.coverage.as_dict()
    if resuming:
        _check_checkpoint_fits(folder, checkpoint, prepared.model)
    return prepared, run_info


def _objective(config: RunConfig, splits: TextSplits):
    """What the run trains for: label sets, or one class per text with the loss's class weights."""
    if splits.multi_label and config.train.class_weight is not None:
        raise ConfigError("train.class_weight: a multi-label run weighs no classes; set it to null")
    weights = class_weights_for(config.train.class_weight, splits.class_names, splits.train.labels)
    if weights is not None:
        shown = ", ".join(f"{name} {weight:.3g}" for name, weight in zip(splits.class_names, weights))
        logger.info(f"class weights in the loss: {shown}")
    return objective_for(splits.multi_label, class_weights=weights)


def _log_model(config: RunConfig, prepared: PreparedRun, trainer: Trainer) -> None:
    distributed = trainer.distributed
    logger.info(
        f"model: {config.model.name}"
        + (f", an ensemble of {config.model.members}" if config.model.members > 1 else "")
        + f", {prepared.num_parameters:,} parameters "
        f"({prepared.trainable_parameters:,} trainable) on {trainer.device}"
        + (
            f"; {distributed.world_size} processes ({distributed.backend}), {torch.get_num_threads()} threads each"
            if distributed.enabled
            else ""
        )
    )


def _fit(
    folder: RunFolder, prepared: PreparedRun, trainer: Trainer, checkpoint: dict | None, metadata: dict, run_info: dict
) -> FitResult:
    """Train, saving the weights at each better validation point and the whole state at every one."""
    try:
        result = trainer.fit(
            prepared.model,
            prepared.train,
            prepared.validation,
            resume=checkpoint["trainer"] if checkpoint is not None else None,
            on_improve=lambda m, _: folder.save_weights(_cpu_state(m), metadata),
            on_checkpoint=lambda state: folder.save_checkpoint({"trainer": state, "run": run_info}),
        )
    except TrainingDiverged as error:
        folder.mark(FAILED, error=str(error))
        kept = "keeps the best validation point before it" if (folder.path / WEIGHTS).exists() else "holds no weights"
        raise TrainingDiverged(f"{error}; the run folder {folder.path} is marked failed and {kept}") from None
    if not result.history:  # stopped before the first validation point: nothing to keep
        raise Interrupted(result.signal or signal.SIGINT)
    return result


def _log_outcome(
    folder: RunFolder, prepared: PreparedRun, result: FitResult, metrics: RunMetrics, distributed: Distributed
) -> None:
    splits = prepared.data.splits
    logger.info(
        f"best epoch {result.best_epoch:g}: val acc {metrics.val_accuracy:.4f}, "
        f"test acc ({splits.test_split}) {metrics.test_accuracy:.4f}"
        + (f", micro-F1 {metrics.test_micro_f1:.4f} (exact match above)" if splits.multi_label else "")
        + f"; run saved to {folder.path}"
        + (f" (interrupted: '{_resume_command(distributed)} {folder.path}' continues it)" if result.interrupted else "")
    )


def _check_checkpoint_fits(folder: RunFolder, checkpoint: dict, model: TextModel) -> None:
    """A one-line error when ``checkpoint.pt`` was not written for the model ``config.yaml`` describes
    (the config was edited since, or the checkpoint came from another run)."""
    state = checkpoint.get("trainer", {}).get("model")
    problems = ["no model weights"] if not isinstance(state, dict) else weight_mismatches(state, model.state_dict())
    if problems:
        raise RunFolderError(
            f"{folder.path}: checkpoint.pt does not match config.yaml ({'; '.join(problems[:3])}); "
            "was config.yaml edited, or the checkpoint copied from another run?"
        )


def _resume_command(distributed: Distributed) -> str:
    if not distributed.enabled:
        return "textcnn train --resume"
    return f"torchrun --standalone --nproc_per_node={distributed.world_size} -m textcnn train --resume"


def _finish(
    folder: RunFolder,
    config: RunConfig,
    prepared: PreparedRun,
    trainer: Trainer,
    result: FitResult,
    metadata: dict[str, str],
    run_info: dict,
) -> RunMetrics:
    """After training: the multi-label threshold or the temperature, the final weights, the test score, the
    history and the figures."""
    model, splits, objective = prepared.model, prepared.data.splits, trainer.objective
    # The final weights score as a saved run does: a TextCNN's first convolution is looked up where that
    # pays (equal to float rounding, in fp32), which on a CPU takes a third of the time of computing it.
    scorer = fast_inference_model(model, prepared.data.vocab_size, trainer.device, "auto") or model
    threshold = calibration = None
    if splits.multi_label or config.train.calibrate:  # chosen on validation, never on test
        val_logits = predict_logits(
            scorer, prepared.validation, trainer.device, precision=trainer.precision, distributed=trainer.distributed
        )
        if splits.multi_label:  # the decision threshold
            threshold = choose_threshold(objective.probabilities(val_logits).numpy(), splits.validation.labels)
            metadata["threshold"] = str(threshold)
            logger.info(f"multi-label decision threshold {threshold:g} (best validation micro-F1)")
        else:  # the temperature of the probabilities predict gives
            calibration = fit_calibration(val_logits, splits.validation.labels)
            metadata["temperature"] = repr(calibration.temperature)
    # The model now holds the best point's weights; write them again, so that the folder holds exactly
    # what the test split scores even if a signal cut the last save short.
    folder.save_weights(_cpu_state(model), metadata)
    test_logits = predict_logits(
        scorer,
        prepared.test,
        trainer.device,
        precision=trainer.precision,
        progress=trainer.progress,
        desc="test",
        distributed=trainer.distributed,
    )
    interrupted_by = signal.Signals(result.signal).name if result.interrupted else None
    folder.write_text("history.csv", history_csv(result.history))
    title = f"{config.model.name} on {config.data.path}"
    if folder.writes:
        _plot(result.history, folder.path / "curves.png", title=title)
    if calibration is not None:
        figure = folder.path / RELIABILITY_FIGURE if folder.writes else None
        calibration = score_calibration(calibration, test_logits, splits.test.labels, figure, f"{title}: test split")
    return run_metrics(config, prepared, result, trainer, test_logits, run_info, interrupted_by, threshold, calibration)


def _record_splits(folder: RunFolder, splits: TextSplits) -> None:
    """Write ``splits.json`` (which rows were held out for validation and test); on resume, check them.

    The splits are seeded, so a rerun holds out the same rows; the file shows which, and a resumed
    run stops if the data no longer gives the rows it started with.
    """
    record = {"test_split": splits.test_split, "validation_source": splits.validation_source, **splits.held_out}
    path = folder.path / "splits.json"
    if path.exists():
        if json.loads(path.read_text(encoding="utf-8")) != json.loads(json.dumps(record)):
            raise UserError(f"the data changed since {folder.path} started: its held-out rows differ from splits.json")
        return
    folder.write_text("splits.json", json.dumps(record) + "\n")


def _cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}


def _plot(history: list[EpochRecord], path: Path, title: str) -> None:
    from .curves import plot_curves

    plot_curves(history, path, title=title)
