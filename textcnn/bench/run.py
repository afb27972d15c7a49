"""``textcnn bench``: train and time several models side by side, in one process, on the same data.

For each config: seconds per training epoch, samples and tokens per second, validation accuracy
against wall-clock training seconds, time to a target validation accuracy, test accuracy, the total
time from raw text to a trained model (word vectors included), inference speed from raw text
(tokenizing included) at batch size 1 and at a large batch, computed and with a TextCNN's first layer
looked up, and peak resident memory. ``--peers`` adds the classical baselines (``textcnn.bench.peers``) on the
same splits. Writes ``bench.json``, ``bench.md`` (the tables), ``bench.png`` and ``pareto.png``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import platform
import re
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from ..config import DEFAULT_BENCH_CONFIGS, BenchOptions, RunConfig, load_config  # noqa: F401 (re-exported)
from ..errors import UserError
from ..runs.loaded import Run
from ..runs.records import (
    BenchData,
    BenchReport,
    InferenceResult,
    Latency,
    MachineInfo,
    ModelBench,
    Speedup,
    Spread,
    TrainingRun,
)
from ..runs.training import check_vectors_size, prepare_data, prepare_run, read_vectors, seconds_per_epoch
from ..training import Trainer

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


class PeakMemory:
    """Peak resident set size of this process while the ``with`` block runs, sampled every 10 ms."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval, self.start_bytes, self.peak_bytes = interval, 0, 0
        self._stop = threading.Event()

    @staticmethod
    def rss_bytes() -> int:
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):  # not Linux: the lifetime peak is the best available
            import resource

            scale = 1 if platform.system() == "Darwin" else 1024
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, self.rss_bytes())

    def __enter__(self) -> PeakMemory:
        self.start_bytes = self.peak_bytes = self.rss_bytes()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self.rss_bytes())


# /proc/cpuinfo flags that decide the speed of the model's matrix work, as the figures name them.
ISA_FLAGS = {"avx2": "avx2", "avx512f": "avx512", "avx512_bf16": "avx512_bf16", "amx_tile": "amx"}


def cpu_model_and_isa() -> tuple[str, list[str]]:
    """The CPU's model name and which of AVX2, AVX-512, AVX-512 BF16 and AMX it has (from /proc/cpuinfo on Linux)."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        cpuinfo = ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    present = set(flags.group(1).split()) if flags else set()
    cpu = model.group(1).strip() if model else platform.processor() or platform.machine()
    return cpu, [name for flag, name in ISA_FLAGS.items() if flag in present]


def kernel_isa(isa: list[str]) -> str:
    """torch's CPU kernel level and oneDNN's cap, marked ``limited`` when they are below what the CPU has."""
    capability = torch.backends.cpu.get_cpu_capability()  # e.g. AVX512, AVX2 (ATEN_CPU_CAPABILITY lowers it)
    onednn = os.environ.get("ONEDNN_MAX_CPU_ISA", "")
    limited = ("avx512" in isa and capability == "AVX2") or (onednn.upper().startswith("AVX2") and "avx512" in isa)
    text = f"torch {capability}" + (f", oneDNN {onednn}" if onednn else "")
    return f"{'limited: ' if limited else ''}{text}"


def machine_info(device: torch.device, precisions: list[str] | None = None) -> MachineInfo:
    cpu, isa = cpu_model_and_isa()
    return MachineInfo(
        isa=isa,
        kernels=kernel_isa(isa),
        precisions=sorted(set(precisions or [])),
        cpu=cpu,
        cores=os.cpu_count(),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        device=str(device),
        python=platform.python_version(),
        textcnn=__version__,
        gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else None,
    )


def _get(config: RunConfig, dotted: str):
    value = config
    for part in dotted.split("."):
        value = getattr(value, part)
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def check_comparable(configs: list[RunConfig], paths: list[str]) -> None:
    for key in SHARED_KEYS:
        values = [_get(c, key) for c in configs]
        other = next((i for i, v in enumerate(values) if v != values[0]), None)
        if other is not None:
            raise UserError(
                f"configs differ in {key} ({paths[0]} vs {paths[other]}); "
                "a side-by-side comparison needs the same data, tokenizer, batch size, device and threads "
                "(align them with --set)"
            )


def time_to_accuracy(curve: list[tuple[float, float]], target: float) -> float | None:
    """Training seconds at the first validation point reaching ``target`` (None if never)."""
    return next((seconds for seconds, accuracy in curve if accuracy >= target - 1e-12), None)


def _median_time_to(runs: list[TrainingRun], target: float) -> float | None:
    """Median over runs of the training seconds to reach ``target``; None unless every run reached it."""
    times = [time_to_accuracy([(s, a) for s, a, _ in r.curve], target) for r in runs]
    return statistics.median(times) if None not in times else None


def _inference(run: Run, texts: list[str], options: BenchOptions) -> InferenceResult:
    """Reviews per second from raw text, tokenizing included, at a large batch and at batch size 1."""
    run.predict_proba(texts[:64], options.infer_batch_size)  # warm-up: allocator, kernels
    with PeakMemory() as memory:
        large = []
        for _ in range(3):
            start = time.perf_counter()
            run.predict_proba(texts, options.infer_batch_size)
            large.append(len(texts) / (time.perf_counter() - start))
        latencies = []
        for text in texts[: options.latency_texts]:
            start = time.perf_counter()
            run.predict_proba([text], 1)
            latencies.append(time.perf_counter() - start)
    return InferenceResult(
        texts=len(texts),
        batch_size=options.infer_batch_size,
        reviews_per_second_large_batch=Spread.of(large),
        reviews_per_second_batch_1=len(latencies) / sum(latencies),
        latency_ms_batch_1=Latency(
            median=1000 * statistics.median(latencies),
            p90=1000 * float(np.percentile(latencies, 90)),
            n=len(latencies),
        ),
        peak_rss_mib=memory.peak_bytes / 2**20,
        rss_before_mib=memory.start_bytes / 2**20,
    )


@dataclass
class FirstRun:
    """What the bench takes from each model's first training run (the one it keeps for inference)."""

    precision: str
    parameters: int
    inference: InferenceResult
    inference_precomputed: InferenceResult | None
    test_accuracy: float
    train_seconds: float  # training only, validation excluded


def _precomputed_inference(run: Run, texts: list[str], options: BenchOptions) -> InferenceResult | None:
    """The same inference timing with a TextCNN's first convolution looked up (CPU only; None otherwise)."""
    run.precompute = "auto"
    try:
        return None if run.fast_model() is None else _inference(run, texts, options)
    finally:
        run.precompute = "off"


def _test_accuracy(model, prepared, trainer: Trainer) -> float:
    """Accuracy of the best-validation weights (restored by fit) on the test split, scored once."""
    from ..training import predict_logits

    logits = predict_logits(model, prepared.test, trainer.device, precision=trainer.precision)
    return float((logits.argmax(dim=1).numpy() == prepared.data.splits.test.labels).mean())


def vectors_time(config: RunConfig) -> tuple[float | None, str]:
    """Seconds the config's word vectors took to make, from the ``.json`` record beside them (None: no vectors)."""
    if not config.model.pretrained:
        return None, ""
    from ..text.vectors import vectors_info_path

    record = vectors_info_path(config.model.vectors)
    try:
        info = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, f"not recorded ({record} missing): the total leaves the vectors out"
    if "total_seconds" in info:
        return float(info["total_seconds"]), f"{record}: total_seconds (reading the text + training + saving)"
    return float(info["train_seconds"]), f"{record}: train_seconds (word2vec training only)"


class _Named(logging.LoggerAdapter):
    """Each line of one model's training starts with its name: ``[textcnn] epoch 1 ...``."""

    def __init__(self, logger: logging.Logger, name: str) -> None:
        super().__init__(logger, {"name": name})

    def process(self, msg, kwargs):
        return f"[{self.extra['name']}] {msg}", kwargs


def run_peers(options: BenchOptions, splits, data_config) -> tuple[dict, dict]:
    """Train and time each requested classical peer on the bench's splits."""
    from .peers import bench_fasttext, bench_tfidf, fasttext_available

    peers, skipped = {}, {}
    texts = splits.test.texts[: options.infer_texts]
    for name in options.peers:
        if name == "fasttext" and not fasttext_available():
            skipped[name] = "the fasttext module is not installed (pip install -e '.[peers]')"
            logger.info(f"bench: skipping fasttext: {skipped[name]}")
            continue
        logger.info(f"bench: training peer {name}")
        try:
            with PeakMemory() as memory:
                if name == "tfidf":
                    result = bench_tfidf(splits, data_config, texts)
                else:
                    result = bench_fasttext(splits, data_config, texts, threads=torch.get_num_threads())
        except (RuntimeError, ValueError, MemoryError) as error:  # a peer's failure must not cost the networks' run
            skipped[name] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
            logger.info(f"bench: peer {name} {skipped[name]}")
            continue
        result.peak_rss_mib = memory.peak_bytes / 2**20
        peers[name] = result
        logger.info(
            f"[{name}] val acc {result.val_accuracy:.4f}, test acc {result.test_accuracy:.4f}, "
            f"{result.train_seconds_total:.1f} s to train, {result.reviews_per_second:,.0f} reviews/s"
        )
    return peers, skipped


def _settings(config) -> dict:
    """A config section as plain JSON values (lists, not tuples), so that bench.json reads back equal."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def run_bench(options: BenchOptions) -> BenchReport:
    """Train, time and compare the configs; write bench.json, bench.md and bench.png to ``options.out``."""
    overrides = [*(QUICK_OVERRIDES if options.quick else ()), *options.overrides]
    configs = [load_config(path, overrides) for path in options.configs]
    if len(configs) < 2:
        raise UserError("bench compares two or more configs")
    check_comparable(configs, options.configs)
    for config, path in zip(configs, options.configs):
        if config.model.vectors_from_train:  # their word2vec time would go uncounted in the totals
            raise UserError(f"{path}: bench takes vectors from a file (textcnn vectors), not model.vectors_from_train")
    # Pretrained embedding modes get their vectors, read once per file (a missing file stops the bench here).
    vectors = {}
    for config in configs:
        key = (config.model.vectors, config.model.vectors_format)
        if config.model.pretrained and key not in vectors:
            vectors[key] = read_vectors(config.model)
        elif config.model.pretrained:
            check_vectors_size(config.model, vectors[key])
    first = configs[0]
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    data = prepare_data(first)  # one split, tokenizer and encoding for every model
    prep_seconds = time.perf_counter() - started
    if data.splits.multi_label:
        raise UserError("bench times single-label classifiers; this data has label sets (use textcnn train)")
    train_ids, val_ids, train_tokens = data.train_ids, data.validation_ids, data.train_tokens
    splits = data.splits
    logger.info(f"bench: {len(train_ids)} training texts ({train_tokens:,} tokens), {len(val_ids)} validation texts")

    peers, skipped = run_peers(options, splits, first.data)  # first: minutes, where the networks take longer
    names = [
        f"{c.model.name}" if [x.model.name for x in configs].count(c.model.name) == 1 else f"{c.model.name}-{i}"
        for i, c in enumerate(configs)
    ]
    runs: dict[str, list[TrainingRun]] = {name: [] for name in names}
    first_runs: dict[str, FirstRun] = {}
    for repeat in range(options.repeats):  # interleaved, so that drift in machine speed hits every model alike
        for name, config in zip(names, configs):
            seed = config.seed + repeat
            train_config = dataclasses.replace(
                config.train,
                evals_per_epoch=options.evals_per_epoch,
                patience=None if config.train.patience is None else config.train.patience * options.evals_per_epoch,
            )
            setup = dataclasses.replace(config, seed=seed, train=train_config)
            key = (config.model.vectors, config.model.vectors_format)
            prepared = prepare_run(setup, data=data, vectors=vectors.get(key) if config.model.pretrained else None)
            model = prepared.model
            trainer = Trainer(train_config, progress=options.progress, logger=_Named(logger, name))
            with PeakMemory() as memory:
                fit = trainer.fit(model, prepared.train, prepared.validation)
            elapsed = np.cumsum([r.seconds for r in fit.history]).tolist()
            full_epochs = seconds_per_epoch([r for r in fit.history if r.epoch <= int(fit.history[-1].epoch)])
            runs[name].append(
                TrainingRun(
                    seed=seed,
                    epoch_seconds=full_epochs,
                    curve=[(s, r.val_accuracy, r.epoch) for s, r in zip(elapsed, fit.history)],
                    best_val_accuracy=fit.best_val_accuracy,
                    peak_rss_mib=memory.peak_bytes / 2**20,
                    rss_before_mib=memory.start_bytes / 2**20,
                )
            )
            if repeat == 0:
                run = Run(out, config, data.tokenizer, model.eval(), splits.class_names, trainer.device)
                texts = splits.test.texts[: options.infer_texts]
                first_runs[name] = FirstRun(
                    precision=trainer.precision,
                    parameters=prepared.num_parameters,
                    inference=_inference(run, texts, options),
                    inference_precomputed=_precomputed_inference(run, texts, options),
                    test_accuracy=_test_accuracy(model, prepared, trainer),
                    train_seconds=sum(r.seconds for r in fit.history),
                )
            del model

    epoch_seconds: dict[str, Spread | None] = {}
    for name in names:
        epochs = [s for r in runs[name] for s in r.epoch_seconds]
        epoch_seconds[name] = Spread.of(epochs) if epochs else None
    slowest = max(names, key=lambda n: epoch_seconds[n].median)
    target = options.target_accuracy
    if target is None:  # the best the slower model reaches within its budget (median over repeats)
        target = statistics.median(r.best_val_accuracy for r in runs[slowest])

    results: dict[str, ModelBench] = {}
    for name, config, path in zip(names, configs, options.configs):
        spread = epoch_seconds[name]
        median = spread.median if spread is not None else float("nan")
        first_run = first_runs[name]
        vectors_seconds, vectors_from = vectors_time(config)
        results[name] = ModelBench(
            config=path,
            model=_settings(config.model),
            train_settings=_settings(config.train),
            runs=runs[name],
            precision=first_run.precision,
            num_parameters=first_run.parameters,
            inference=first_run.inference,
            inference_precomputed=first_run.inference_precomputed,
            test_accuracy=first_run.test_accuracy,
            train_seconds_total=prep_seconds + first_run.train_seconds + (vectors_seconds or 0.0),
            vectors_seconds=vectors_seconds,
            vectors_seconds_from=vectors_from,
            epoch_seconds=spread,
            samples_per_second=len(train_ids) / median,
            tokens_per_second=train_tokens / median,
            best_val_accuracy=max(r.best_val_accuracy for r in runs[name]),
            peak_rss_mib_train=max(r.peak_rss_mib for r in runs[name]),
            seconds_to_target=_median_time_to(runs[name], target),
            seconds_to_accuracy={f"{m:.4f}": _median_time_to(runs[name], m) for m in options.milestones},
        )

    report = BenchReport(
        machine=machine_info(trainer.device, [m.precision for m in results.values()]),
        data=BenchData(
            path=first.data.path,
            train_texts=len(train_ids),
            validation_texts=len(val_ids),
            train_tokens=train_tokens,
            max_length=first.data.max_length,
        ),
        quick=options.quick,
        repeats=options.repeats,
        evals_per_epoch=options.evals_per_epoch,
        target_accuracy=target,
        target_from="--target-accuracy"
        if options.target_accuracy is not None
        else f"best validation accuracy of {slowest}",
        models=results,
        speedups=_speedups(results, slowest),
        prep_seconds=prep_seconds,
        peers=peers,
        skipped_peers=skipped,
    )
    report.save(out / "bench.json")
    table = markdown_table(report)
    (out / "bench.md").write_text(table, encoding="utf-8")
    from ..util.figures import plot_bench, plot_pareto

    plot_bench(report, out / "bench.png")
    plot_pareto(report, out / "pareto.png")
    logger.info(table)
    logger.info(f"wrote {out / 'bench.json'}, {out / 'bench.md'}, {out / 'bench.png'}, {out / 'pareto.png'}")
    return report


def _speedups(results: dict[str, ModelBench], slowest: str) -> dict[str, Speedup]:
    """How many times faster each model is than the slowest one, per measure."""
    base = results[slowest]
    out = {}
    for name, entry in results.items():
        if name == slowest:
            continue
        tta = entry.seconds_to_target, base.seconds_to_target
        out[f"{name}_vs_{slowest}"] = Speedup(
            epoch_time=base.epoch_seconds.median / entry.epoch_seconds.median,
            time_to_target=tta[1] / tta[0] if None not in tta and tta[0] > 0 else None,
            inference_large_batch=entry.inference.reviews_per_second_large_batch.median
            / base.inference.reviews_per_second_large_batch.median,
        )
    return out


def quality_table(report: BenchReport) -> list[str]:
    """Test accuracy against total training time, the networks beside the classical peers."""
    rows = [
        "",
        "Test accuracy against the wall time from raw text to a trained model (tokenizing, training without "
        "validation, and word vectors where used; a peer's time includes every setting it tried):",
        "",
        "| model | test acc | total train s | of which vectors s | reviews/s (inference, raw text) | peak RSS MiB |",
        "|---|---|---|---|---|---|",
    ]
    for name, e in report.models.items():
        rate = e.inference.reviews_per_second_large_batch.median
        if e.inference_precomputed is not None:
            rate = max(rate, e.inference_precomputed.reviews_per_second_large_batch.median)
        vectors = "" if e.vectors_seconds is None else f"{e.vectors_seconds:.0f}"
        rows.append(
            f"| {name} | {e.test_accuracy:.4f} | {e.train_seconds_total:.0f} | {vectors} | {rate:,.0f} | "
            f"{e.peak_rss_mib_train:.0f} |"
        )
    for name, p in report.peers.items():
        rows.append(
            f"| {name} ({p.description}) | {p.test_accuracy:.4f} | {p.train_seconds_total:.0f} | | "
            f"{p.reviews_per_second:,.0f} | {p.peak_rss_mib:.0f} |"
        )
    for name, why in report.skipped_peers.items():
        rows.append(f"| {name} | skipped: {why} | | | | |")
    precomputed = [n for n, e in report.models.items() if e.inference_precomputed is not None]
    for name in precomputed:
        e = report.models[name]
        rows.append(
            f"\n{name} inference with its first convolution looked up: "
            f"{e.inference_precomputed.reviews_per_second_large_batch.median:,.0f} reviews/s against "
            f"{e.inference.reviews_per_second_large_batch.median:,.0f} computed "
            f"(peak RSS {e.inference_precomputed.peak_rss_mib:.0f} vs {e.inference.peak_rss_mib:.0f} MiB)."
        )
    return rows + [""]


def markdown_table(report: BenchReport) -> str:
    m = report.machine
    batch = next(iter(report.models.values())).inference.batch_size
    rows = [
        "| model | epoch s (median, min-max) | samples/s | tokens/s | best val acc | s to target | "
        f"reviews/s batch {batch} | reviews/s batch 1 | latency ms (batch 1) | peak RSS train / infer MiB | params |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, e in report.models.items():
        ep, inf = e.epoch_seconds, e.inference
        tta = "not reached" if e.seconds_to_target is None else f"{e.seconds_to_target:.0f}"
        rows.append(
            f"| {name} | {ep.median:.1f} ({ep.min:.1f}-{ep.max:.1f}, n={ep.n}) | "
            f"{e.samples_per_second:.0f} | {e.tokens_per_second:,.0f} | {e.best_val_accuracy:.4f} | {tta} | "
            f"{inf.reviews_per_second_large_batch.median:,.0f} | {inf.reviews_per_second_batch_1:.0f} | "
            f"{inf.latency_ms_batch_1.median:.2f} | {e.peak_rss_mib_train:.0f} / {inf.peak_rss_mib:.0f} | "
            f"{e.num_parameters:,} |"
        )
    lines = [
        f"Target validation accuracy {report.target_accuracy:.4f} ({report.target_from}); "
        f"'s to target' counts training seconds only (validation excluded), {report.evals_per_epoch} "
        "validations per epoch.",
        "",
        *rows,
        "",
    ]
    milestones = list(next(iter(report.models.values())).seconds_to_accuracy)
    if milestones:
        lines += ["", "Training seconds to reach a validation accuracy:", ""]
        lines += ["| model | " + " | ".join(milestones) + " |", "|---|" + "---|" * len(milestones)]
        for name, e in report.models.items():
            cells = ["not reached" if t is None else f"{t:.0f}" for t in e.seconds_to_accuracy.values()]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += quality_table(report)
    for pair, s in report.speedups.items():
        tta = "n/a" if s.time_to_target is None else f"{s.time_to_target:.1f}x"
        lines.append(
            f"- {pair.replace('_vs_', ' vs ')}: epoch time {s.epoch_time:.1f}x faster, time to target {tta}, "
            f"inference {s.inference_large_batch:.1f}x"
        )
    lines.append(
        f"\nMachine: {m.describe()}; data {report.data.path} "
        f"({report.data.train_texts} training texts, cut at {report.data.max_length} tokens)."
    )
    return "\n".join(lines) + "\n"
