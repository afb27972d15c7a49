"""The bench's report: the figures taken over each model's runs, the speedups against the slowest model, and
the Markdown tables of ``bench.md``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import statistics

from ..config import BenchOptions, RunConfig
from ..runs.setup import PreparedData
from .machine import machine_info
from .models import ModelRuns
from .records import BenchData, BenchReport, ModelBench, PeerResult, Speedup, Spread, TrainingRun

logger = logging.getLogger(__name__)


def time_to_accuracy(curve: list[tuple[float, float]], target: float) -> float | None:
    """Training seconds at the first validation point reaching ``target`` (None if never)."""
    return next((seconds for seconds, accuracy in curve if accuracy >= target - 1e-12), None)


def _median_time_to(runs: list[TrainingRun], target: float) -> float | None:
    """Median over runs of the training seconds to reach ``target``; None unless every run reached it."""
    times = [time_to_accuracy([(s, a) for s, a, _ in r.curve], target) for r in runs]
    return statistics.median(times) if None not in times else None


def build_report(
    options: BenchOptions,
    configs: list[RunConfig],
    data: PreparedData,
    prep_seconds: float,
    trained: dict[str, ModelRuns],
    peers: tuple[dict[str, PeerResult], dict[str, str]],
) -> BenchReport:
    """The report of the trained models and the peers: per-model figures, the target, speedups, the machine."""
    epoch_seconds = {name: _epoch_spread(m.runs) for name, m in trained.items()}
    slowest = max(trained, key=lambda n: epoch_seconds[n].median)
    target = options.target_accuracy
    if target is None:  # the best the slower model reaches within its budget (median over repeats)
        target = statistics.median(r.best_val_accuracy for r in trained[slowest].runs)
    results = {
        name: _model_bench(path, config, trained[name], epoch_seconds[name], data, prep_seconds, target, options)
        for name, config, path in zip(trained, configs, options.configs)
    }
    first = configs[0]
    device = next(iter(trained.values())).first.device  # train.device is shared: the same for every model
    return BenchReport(
        machine=machine_info(device, [m.precision for m in results.values()]),
        data=BenchData(
            path=first.data.path,
            train_texts=len(data.train_ids),
            validation_texts=len(data.validation_ids),
            train_tokens=data.train_tokens,
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
        peers=peers[0],
        skipped_peers=peers[1],
    )


def _epoch_spread(runs: list[TrainingRun]) -> Spread | None:
    """Median and range of the seconds of every whole epoch of every run (None: no epoch completed)."""
    epochs = [s for r in runs for s in r.epoch_seconds]
    return Spread.of(epochs) if epochs else None


def _model_bench(
    path: str,
    config: RunConfig,
    trained: ModelRuns,
    spread: Spread | None,
    data: PreparedData,
    prep_seconds: float,
    target: float,
    options: BenchOptions,
) -> ModelBench:
    """One model's entry: its runs, and the figures taken over them and over its first run."""
    runs, first = trained.runs, trained.first
    median = spread.median if spread is not None else float("nan")
    vectors_seconds, vectors_from = (
        (trained.vectors.seconds, trained.vectors.seconds_from) if trained.vectors else (None, "")
    )
    return ModelBench(
        config=path,
        model=_settings(config.model),
        train_settings=_settings(config.train),
        runs=runs,
        precision=first.precision,
        num_parameters=first.parameters,
        inference=first.inference,
        inference_precomputed=first.inference_precomputed,
        inference_onnx=first.inference_onnx,
        test_accuracy=first.test_accuracy,
        train_seconds_total=prep_seconds + first.train_seconds + (vectors_seconds or 0.0),
        vectors_seconds=vectors_seconds,
        vectors_seconds_from=vectors_from,
        epoch_seconds=spread,
        samples_per_second=len(data.train_ids) / median,
        tokens_per_second=data.train_tokens / median,
        best_val_accuracy=max(r.best_val_accuracy for r in runs),
        peak_rss_mib_train=max(r.peak_rss_mib for r in runs),
        seconds_to_target=_median_time_to(runs, target),
        seconds_to_accuracy={f"{m:.4f}": _median_time_to(runs, m) for m in options.milestones},
    )


def _settings(config) -> dict:
    """A config section as plain JSON values (lists, not tuples), so that bench.json reads back equal."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


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
    for name, e in report.models.items():
        if e.inference_onnx is not None:
            rows.append(
                f"\n{name} inference through ONNX Runtime: "
                f"{e.inference_onnx.reviews_per_second_large_batch.median:,.0f} reviews/s "
                f"(peak RSS {e.inference_onnx.peak_rss_mib:.0f} MiB)."
            )
    return rows + [""]


def markdown_table(report: BenchReport) -> str:
    """``bench.md``: speed per model, seconds to each milestone accuracy, quality against time, the machine."""
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
