"""``textcnn bench``: train and time several models side by side, in one process, on the same data.

For each config: seconds per training epoch, samples and tokens per second, validation accuracy
against wall-clock training seconds, time to a target validation accuracy, test accuracy, the total
time from raw text to a trained model (word vectors included), inference speed from raw text
(tokenizing included) at batch size 1 and at a large batch, computed and with a TextCNN's first layer
looked up, and peak resident memory. ``--peers`` adds the classical baselines (``textcnn.bench.peers``) on the
same splits. Writes ``bench.json``, ``bench.md`` (the tables), ``bench.png`` and ``pareto.png``.

``run_bench`` runs the steps in order; each lives in its own module: ``models`` (training and timing one
config), ``peers`` (the classical baselines), ``report`` (the figures over the runs, the tables),
``machine`` (the CPU and memory probes), ``records`` (what ``bench.json`` holds) and ``figures``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

from ..config import DEFAULT_BENCH_CONFIGS, BenchOptions, RunConfig, load_config  # noqa: F401 (re-exported)
from ..errors import UserError
from ..runs.folder import default_run_dir
from ..runs.setup import PreparedData, check_vectors_size, learn_run_vectors, prepare_data, read_vectors
from .models import SharedVectors, train_models, vectors_source, vectors_time
from .peers import run_peers
from .records import BenchReport
from .report import build_report, markdown_table

# Keys that must agree between the compared configs, or the comparison is not side by side.
SHARED_KEYS = (
    "data",
    "tokenizer",
    "train.batch_size",
    "train.eval_batch_size",
    "train.pad_multiple",
    "train.eval_max_tokens",
    "train.device",
    "train.threads",
)
QUICK_OVERRIDES = ("data.max_train_samples=1500", "data.max_eval_samples=300", "train.epochs=2")

logger = logging.getLogger(__name__)


def run_bench(options: BenchOptions) -> BenchReport:
    """Train, time and compare the configs; write bench.json, bench.md, bench.png and pareto.png to ``options.out``."""
    configs = load_configs(options)
    vectors = read_shared_vectors(configs)  # a missing vectors file stops the bench here, before any training
    out = Path(options.out) if options.out is not None else default_run_dir("bench")
    out.mkdir(parents=True, exist_ok=True)
    data, prep_seconds = _prepare_data(configs[0])
    vectors.update(learn_shared_vectors(configs, data))
    peers = run_peers(options, data.splits, configs[0].data)  # first: minutes, where the networks take longer
    trained = train_models(model_names(configs), configs, data, vectors, options, out)
    report = build_report(options, configs, data, prep_seconds, trained, peers)
    _write(report, out)
    return report


def load_configs(options: BenchOptions) -> list[RunConfig]:
    """The configs to compare, with ``--quick`` and ``--set`` applied, refused unless they compare side by side."""
    overrides = [*(QUICK_OVERRIDES if options.quick else ()), *options.overrides]
    configs = [load_config(path, overrides) for path in options.configs]
    if len(configs) < 2:
        raise UserError("bench compares two or more configs")
    for path, config in zip(options.configs, configs):
        if config.model.region_dim:
            raise UserError(f"{path}: bench does not time region embeddings (model.region_dim); use textcnn train")
    check_comparable(configs, options.configs)
    return configs


def _get(config: RunConfig, dotted: str):
    value = config
    for part in dotted.split("."):
        value = getattr(value, part)
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def check_comparable(configs: list[RunConfig], paths: list[str]) -> None:
    """Refuse configs that differ in any of ``SHARED_KEYS``: their figures would not be side by side."""
    for key in SHARED_KEYS:
        values = [_get(c, key) for c in configs]
        other = next((i for i, v in enumerate(values) if v != values[0]), None)
        if other is not None:
            raise UserError(
                f"configs differ in {key} ({paths[0]} vs {paths[other]}); "
                "a side-by-side comparison needs the same data, tokenizer, batch size, device and threads "
                "(align them with --set)"
            )


def read_shared_vectors(configs: list[RunConfig]) -> dict[tuple, SharedVectors]:
    """The word vectors files of the pretrained embedding modes, read once per file and checked against each config.

    Their seconds are the ones recorded beside the file (:func:`~.models.vectors_time`).
    """
    vectors: dict[tuple, SharedVectors] = {}
    for config in configs:
        if not config.model.vectors_file:
            continue
        key = vectors_source(config)
        if key not in vectors:
            vectors[key] = SharedVectors(read_vectors(config.model), *vectors_time(config))
        else:
            check_vectors_size(config.model, vectors[key].vectors)
    return vectors


def learn_shared_vectors(configs: list[RunConfig], data: PreparedData) -> dict[tuple, SharedVectors]:
    """The vectors the configs with ``model.vectors_from_train`` learn, once per setting, timed here.

    Never from the cache: a total that left word2vec out would not compare with the others.
    """
    learned: dict[tuple, SharedVectors] = {}
    for config in configs:
        key = vectors_source(config)
        if config.model.vectors_from_train and key not in learned:
            uncached = dataclasses.replace(config, word2vec=dataclasses.replace(config.word2vec, cache=False))
            started = time.perf_counter()
            vectors = learn_run_vectors(uncached, data)
            learned[key] = SharedVectors(vectors, time.perf_counter() - started, "learned in this bench (word2vec)")
    return learned


def _prepare_data(config: RunConfig) -> tuple[PreparedData, float]:
    """One split, tokenizer and encoding for every model, and the seconds they took (counted in each total)."""
    started = time.perf_counter()
    data = prepare_data(config)
    prep_seconds = time.perf_counter() - started
    if data.splits.multi_label:
        raise UserError("bench times single-label classifiers; this data has label sets (use textcnn train)")
    logger.info(
        f"bench: {len(data.train_ids)} training texts ({data.train_tokens:,} tokens), "
        f"{len(data.validation_ids)} validation texts"
    )
    return data, prep_seconds


def model_names(configs: list[RunConfig]) -> list[str]:
    """Each config's model name, numbered by position where two configs share one."""
    names = [c.model.name for c in configs]
    return [name if names.count(name) == 1 else f"{name}-{i}" for i, name in enumerate(names)]


def _write(report: BenchReport, out: Path) -> None:
    """bench.json, bench.md (also logged) and the two figures."""
    from .figures import plot_bench, plot_pareto  # matplotlib only once there is something to draw

    report.save(out / "bench.json")
    table = markdown_table(report)
    (out / "bench.md").write_text(table, encoding="utf-8")
    plot_bench(report, out / "bench.png")
    plot_pareto(report, out / "pareto.png")
    logger.info(table)
    logger.info(f"wrote {out / 'bench.json'}, {out / 'bench.md'}, {out / 'bench.png'}, {out / 'pareto.png'}")
