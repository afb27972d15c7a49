"""Text classification end to end: one run setup (:func:`prepare_run`) and training into a run folder.

:func:`prepare_run` does the chain every command needs once: word vectors, splits, tokenizer,
encoding, model, pretrained embedding, batches. Training (:func:`train_run`, :func:`resume_run`),
the bench and the profiling script are short compositions on top of it. The folder's layout is
described in :mod:`textcnn.runs.folder`; loading a finished run is :class:`textcnn.runs.loaded.Run`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import platform
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from tokenizers import Tokenizer

from .. import __version__
from ..config import RunConfig, TrainConfig, load_config, save_config
from ..errors import ConfigError, DiskFull, RunFolderError, TrainingDiverged, UserError
from ..models import ModelConfig, TextModel, get_model
from ..models.precomputed import fast_inference_model
from ..text.batching import BucketedBatches
from ..text.data import TextSplits, load_splits
from ..text.token_store import TokenStore
from ..text.tokenizer import PAD_ID, UNK_ID, encode, load_tokenizer, tokenization_warnings, tokenizer_from_config
from ..text.vectors import Coverage, Word2VecOptions, load_vectors, train_vectors_on_tokens, vectors_for_vocab
from ..training import (
    SINGLE,
    Distributed,
    EpochBatches,
    EpochRecord,
    FitResult,
    Interrupted,
    ShardedBatches,
    Trainer,
    objective_for,
    predict_logits,
    seed_everything,
    stop_on_signals,
)
from ..util.logs import ROOT
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
from .scoring import choose_threshold, multi_label_scores

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

# What --resume may change: when training stops, never how it computes (that would break exactness).
RESUMABLE_KEYS = ("train.epochs", "train.patience")


# ------------------------------------------------------------------------------------------- batches

logger = logging.getLogger(__name__)


def train_batches(ids: Sequence[np.ndarray], labels: np.ndarray, train: TrainConfig, seed: int) -> BucketedBatches:
    """Shuffled, length-bucketed training batches as the train config says."""
    return BucketedBatches(
        ids,
        labels,
        train.batch_size,
        shuffle=True,
        chunk=train.bucket_chunk,
        seed=seed,
        pad_multiple=train.pad_multiple,
        crop=train.crop_length,
    )


def eval_batches(ids: Sequence[np.ndarray], labels: np.ndarray | None, train: TrainConfig) -> BucketedBatches:
    """Length-sorted evaluation / prediction batches, capped in texts and in padded tokens."""
    return BucketedBatches(
        ids,
        labels,
        train.eval_batch_size,
        shuffle=False,
        pad_multiple=train.pad_multiple,
        max_tokens=train.eval_max_tokens,
    )


# ------------------------------------------------------------------------------------------- vectors


def check_vectors_size(config: ModelConfig, vectors: KeyedVectors) -> None:
    """A one-line error unless ``vectors`` have the size ``config.embedding_dim`` asks for."""
    if vectors.vector_size != config.embedding_dim:
        raise ConfigError(
            f"model.embedding_dim is {config.embedding_dim} but {config.vectors} holds {vectors.vector_size}-dim "
            f"vectors; set model.embedding_dim: {vectors.vector_size}"
        )


def read_vectors(config: ModelConfig) -> KeyedVectors:
    """The word vectors a pretrained embedding mode names, checked against ``embedding_dim``."""
    vectors = load_vectors(config.vectors, config.vectors_format)
    check_vectors_size(config, vectors)
    return vectors


def load_pretrained_embedding(
    model: TextModel, vectors: KeyedVectors, tokenizer: Tokenizer, train_ids: TokenStore, *, seed: int
) -> Coverage:
    """Fill the model's word tables with ``vectors`` mapped onto the tokenizer's vocabulary."""
    counts = np.bincount(train_ids.ids, minlength=tokenizer.get_vocab_size())
    table, coverage = vectors_for_vocab(
        vectors, tokenizer.get_vocab(), special_ids=(PAD_ID, UNK_ID), padding_idx=PAD_ID, token_counts=counts, seed=seed
    )
    model.load_vectors(table)
    return coverage


# ------------------------------------------------------------------------------------------- the setup


@dataclass
class PreparedData:
    """Splits, the tokenizer trained on the training split, and every split's token ids."""

    splits: TextSplits
    tokenizer: Tokenizer
    train_ids: TokenStore  # one flat array of ids per split (textcnn.text.token_store)
    validation_ids: TokenStore
    test_ids: TokenStore

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    @property
    def train_tokens(self) -> int:
        return int(self.train_ids.lengths.sum())


def prepare_data(
    config: RunConfig, *, tokenizer: Tokenizer | None = None, distributed: Distributed = SINGLE
) -> PreparedData:
    """Load the splits, train the tokenizer on train (unless one is given) and encode every split.

    With several processes rank 0 trains the tokenizer and hands it to the others: the trainer may
    order words of equal count differently in another process, and every process needs the same ids.
    """
    splits = load_splits(config.data, config.seed)
    for name, count in splits.dropped_unlabeled.items():
        logger.info(f"data: left out {count:,} rows of split {name!r} with no label (data.drop_unlabeled)")
    logger.info(
        f"data: {len(splits.train)} train, {len(splits.validation)} validation ({splits.validation_source}), "
        f"{len(splits.test)} test (split {splits.test_split!r}); classes {splits.class_names}"
    )
    if tokenizer is None:
        trained = None
        if distributed.is_main:
            trained = tokenizer_from_config(splits.train.texts, config.data, config.tokenizer)
        tokenizer = distributed.share(trained)
    data = PreparedData(
        splits,
        tokenizer,
        encode(tokenizer, splits.train.texts),
        encode(tokenizer, splits.validation.texts),
        encode(tokenizer, splits.test.texts),
    )
    logger.info(
        f"tokenizer: {data.vocab_size} words; {data.train_tokens / len(data.train_ids):.0f} tokens per training "
        f"text on average (cut at {config.data.max_length})"
    )
    for warning in tokenization_warnings(tokenizer, data.train_ids):
        logger.warning(f"tokenization looks wrong: {warning}")
    return data


@dataclass
class PreparedRun:
    """Everything a training run needs, built from one config."""

    config: RunConfig
    data: PreparedData
    model: TextModel
    train: EpochBatches  # BucketedBatches; with several processes, this process's ShardedBatches of them
    validation: BucketedBatches | ShardedBatches
    test: BucketedBatches | ShardedBatches
    coverage: Coverage | None

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def trainable_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters() if p.requires_grad)


def prepare_run(
    config: RunConfig,
    *,
    data: PreparedData | None = None,
    tokenizer: Tokenizer | None = None,
    vectors: KeyedVectors | None = None,
    learn_vectors: bool = False,
    distributed: Distributed = SINGLE,
) -> PreparedRun:
    """The run setup: data (given, or loaded with ``tokenizer`` if given), a seeded model, its vectors, batches.

    ``vectors`` fill a pretrained embedding mode; so do, with ``learn_vectors`` and
    ``model.vectors_from_train``, vectors that word2vec learns here from the training split. Without
    either the pretrained tables stay random (as when a checkpoint's weights will replace them anyway).
    With several processes each gets its shard of every split's batches
    (:class:`~textcnn.training.ShardedBatches`).
    """
    data = data or prepare_data(config, tokenizer=tokenizer, distributed=distributed)
    if vectors is None and learn_vectors and config.model.vectors_from_train:
        # One worker thread: the same vectors on every run. With several processes rank 0 learns them and
        # hands them over, as it does the tokenizer, instead of each process repeating the same word2vec.
        learned = None
        if distributed.is_main:
            options = Word2VecOptions(dim=config.model.embedding_dim, min_count=1, workers=1, seed=config.seed)
            logger.info(
                f"vectors: word2vec ({options.architecture}, {options.epochs} epochs) on the training split's "
                "tokens (model.vectors_from_train)"
            )
            learned = train_vectors_on_tokens(data.train_ids, data.tokenizer, options)
        vectors = distributed.share(learned)
    if distributed.backend == "nccl" and config.model.sparse_embedding:
        logger.info("model.sparse_embedding: NCCL cannot average sparse gradients; the embedding trains dense")
        config = dataclasses.replace(config, model=dataclasses.replace(config.model, sparse_embedding=False))
    seed_everything(config.seed)
    model = get_model(config.model, data.vocab_size, len(data.splits.class_names))
    coverage = None
    if vectors is not None:
        coverage = load_pretrained_embedding(model, vectors, data.tokenizer, data.train_ids, seed=config.seed)
        logger.info(coverage.describe())
    elif config.model.vectors and not config.model.pretrained:
        logger.info("model.vectors is ignored: embedding_mode is 'rand' (vectors learned from scratch)")
    splits, tc = data.splits, config.train
    train = train_batches(data.train_ids, splits.train.labels, tc, config.seed)
    validation = eval_batches(data.validation_ids, splits.validation.labels, tc)
    test = eval_batches(data.test_ids, splits.test.labels, tc)
    if distributed.enabled:
        if tc.batch_size < distributed.world_size:
            raise ConfigError(
                f"train.batch_size is {tc.batch_size}, fewer texts than the {distributed.world_size} processes; "
                "it is the global batch, split over the processes"
            )
        train = ShardedBatches(train, distributed, split_batches=True)
        validation = ShardedBatches(validation, distributed, split_batches=False)
        test = ShardedBatches(test, distributed, split_batches=False)
    return PreparedRun(config, data, model, train, validation, test, coverage)


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
    started = time.perf_counter()
    resuming = checkpoint is not None
    if not distributed.is_main:  # rank 0 alone logs and shows progress (and writes: FollowerFolder)
        progress = False
        logging.getLogger(ROOT).setLevel(logging.ERROR)
    # Read the vectors first, so a missing or mismatched file stops the run before any data work.
    # A checkpoint holds the (fine-tuned) vectors in its weights: resuming from one never reads the file.
    vectors = read_vectors(config.model) if config.model.vectors_file and not resuming else None
    saved_tokenizer = folder.path / "tokenizer.json"
    tokenizer = load_tokenizer(saved_tokenizer) if resuming and saved_tokenizer.exists() else None
    prepared = prepare_run(
        config, tokenizer=tokenizer, vectors=vectors, learn_vectors=not resuming, distributed=distributed
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

    model, splits = prepared.model, prepared.data.splits
    if resuming:
        _check_checkpoint_fits(folder, checkpoint, model)
    objective = objective_for(splits.multi_label)
    trainer = Trainer(config.train, objective=objective, progress=progress, distributed=distributed)
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
    metadata = {
        "task": objective.name,
        "class_names": json.dumps(splits.class_names),
        "vocab_size": str(prepared.data.vocab_size),
        "textcnn": __version__,
    }
    prep_seconds = time.perf_counter() - started

    try:
        result = trainer.fit(
            model,
            prepared.train,
            prepared.validation,
            resume=checkpoint["trainer"] if resuming else None,
            on_improve=lambda m, _: folder.save_weights(_cpu_state(m), metadata),
            on_checkpoint=lambda state: folder.save_checkpoint({"trainer": state, "run": run_info}),
        )
    except TrainingDiverged as error:
        folder.mark(FAILED, error=str(error))
        kept = "keeps the best validation point before it" if (folder.path / WEIGHTS).exists() else "holds no weights"
        raise TrainingDiverged(f"{error}; the run folder {folder.path} is marked failed and {kept}") from None
    if not result.history:  # stopped before the first validation point: nothing to keep
        raise Interrupted(result.signal or signal.SIGINT)
    metrics = _finish(folder, config, prepared, trainer, result, metadata, run_info)
    metrics.prep_seconds = prep_seconds
    metrics.total_seconds = time.perf_counter() - started
    folder.write_with("metrics.json", metrics.save)
    folder.mark(INTERRUPTED if result.interrupted else FINISHED, metrics.interrupted_by)
    logger.info(
        f"best epoch {result.best_epoch:g}: val acc {metrics.val_accuracy:.4f}, "
        f"test acc ({splits.test_split}) {metrics.test_accuracy:.4f}"
        + (f", micro-F1 {metrics.test_micro_f1:.4f} (exact match above)" if splits.multi_label else "")
        + f"; run saved to {folder.path}"
        + (f" (interrupted: '{_resume_command(distributed)} {folder.path}' continues it)" if result.interrupted else "")
    )
    return metrics


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
    """After training: the multi-label threshold, the final weights, the test score, history and curves."""
    model, splits, objective = prepared.model, prepared.data.splits, trainer.objective
    # The final weights score as a saved run does: a TextCNN's first convolution is looked up where that
    # pays (equal to float rounding, in fp32), which on a CPU takes a third of the time of computing it.
    scorer = fast_inference_model(model, prepared.data.vocab_size, trainer.device, "auto") or model
    threshold = None
    if splits.multi_label:  # the decision threshold: chosen on validation, never on test
        val_logits = predict_logits(
            scorer, prepared.validation, trainer.device, precision=trainer.precision, distributed=trainer.distributed
        )
        threshold = choose_threshold(objective.probabilities(val_logits).numpy(), splits.validation.labels)
        metadata["threshold"] = str(threshold)
        logger.info(f"multi-label decision threshold {threshold:g} (best validation micro-F1)")
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
    if folder.writes:
        _plot(result.history, folder.path / "curves.png", title=f"{config.model.name} on {config.data.path}")
    return _metrics(config, prepared, result, trainer, test_logits, run_info, interrupted_by, threshold)


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
    from ..util.figures import plot_curves

    plot_curves(history, path, title=title)


def history_csv(history: list[EpochRecord]) -> str:
    """``history.csv``: one row per validation point."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in dataclasses.fields(EpochRecord)], lineterminator="\n")
    writer.writeheader()
    writer.writerows(dataclasses.asdict(r) for r in history)
    return buffer.getvalue()


def seconds_per_epoch(history: list[EpochRecord]) -> list[float]:
    """Training seconds of each whole epoch (summing the segments between validations)."""
    totals: dict[int, float] = {}
    for record in history:
        epoch = int(np.ceil(record.epoch - 1e-9))
        totals[epoch] = totals.get(epoch, 0.0) + record.seconds
    return [totals[e] for e in sorted(totals)]


def _metrics(
    config: RunConfig,
    prepared: PreparedRun,
    result: FitResult,
    trainer: Trainer,
    test_logits: torch.Tensor,
    run_info: dict,
    interrupted_by: str | None,
    threshold: float | None,
) -> RunMetrics:
    splits = prepared.data.splits
    epoch_seconds = seconds_per_epoch(result.history)
    extra: dict = {}
    if splits.multi_label:
        probs = torch.sigmoid(test_logits).numpy()
        scores = multi_label_scores(probs, splits.test.labels, threshold, splits.class_names)
        test_accuracy = scores["exact_match"]
        extra = {"task": "multi-label", "threshold": threshold}
        extra.update(test_micro_f1=scores["micro_f1"], test_macro_f1=scores["macro_f1"])
    else:
        test_accuracy = float((test_logits.argmax(dim=1).numpy() == splits.test.labels).mean())
    return RunMetrics(
        **extra,
        model=config.model.name,
        val_accuracy=result.best_val_accuracy,
        test_accuracy=test_accuracy,
        test_split=splits.test_split,
        validation_source=splits.validation_source,
        best_epoch=result.best_epoch,
        epochs_completed=len(epoch_seconds),
        epochs_run=len(result.history),
        stopped_early=result.stopped_early,
        interrupted=result.interrupted,
        interrupted_by=interrupted_by,
        resumed=run_info["resumed"],
        epoch_seconds=epoch_seconds,
        train_seconds=sum(r.seconds for r in result.history),
        prep_seconds=0.0,
        total_seconds=0.0,
        num_parameters=prepared.num_parameters,
        trainable_parameters=prepared.trainable_parameters,
        vocab_size=prepared.data.vocab_size,
        num_train=len(splits.train),
        num_validation=len(splits.validation),
        num_test=len(splits.test),
        mean_train_tokens=prepared.data.train_tokens / len(prepared.data.train_ids),
        embedding_mode=config.model.embedding_mode,
        vectors_coverage=run_info["vectors_coverage"],
        class_names=splits.class_names,
        device=str(trainer.device),
        precision=trainer.precision,
        threads=torch.get_num_threads(),
        processes=trainer.distributed.world_size,
        torch=torch.__version__,
        cpu=platform.processor() or platform.machine(),
        textcnn=__version__,
    )
