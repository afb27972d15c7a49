"""The bench's figures: ``bench.png`` (epoch time, throughput, accuracy against time), ``pareto.png`` (test
accuracy against training time, networks beside the classical peers), and paired accuracy bars for a results table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

from ..util.figures import figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .records import BenchReport, ModelBench


def _colors() -> list[str]:
    """matplotlib's colour cycle: one colour per model, the same in every panel."""
    return matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]


def plot_bench(report: BenchReport, path: str | Path) -> None:
    """Epoch time, throughput, and validation accuracy against training seconds, one colour per model."""
    fig = figure(figsize=(14, 4))
    ax_time, ax_rate, ax_curve = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.3, 2]})
    _epoch_time_bars(ax_time, report.models)
    _throughput_bars(ax_rate, report.models)
    _accuracy_curves(ax_curve, report.models, report.target_accuracy)
    fig.suptitle(report.machine.describe(), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _epoch_time_bars(ax: Axes, models: dict[str, ModelBench]) -> None:
    """Seconds per training epoch: the median as a bar, the range of repeats as its error bar."""
    names, spreads = list(models), [m.epoch_seconds for m in models.values()]
    low = [s.median - s.min for s in spreads]
    high = [s.max - s.median for s in spreads]
    bars = ax.bar(names, [s.median for s in spreads], yerr=[low, high], capsize=4, color=_colors()[: len(names)])
    ax.bar_label(bars, fmt="%.1f s", padding=3)
    ax.set(ylabel="seconds per training epoch", title="training epoch (median, min-max)")
    ax.margins(y=0.15)


def _throughput_bars(ax: Axes, models: dict[str, ModelBench]) -> None:
    """Training samples and inference reviews per second, grouped by measure, on a log scale."""
    groups = ["train samples/s", "inference reviews/s\n(large batch)", "inference reviews/s\n(batch 1)"]
    width = 0.8 / len(models)
    for i, (name, m) in enumerate(models.items()):
        rates = [
            m.samples_per_second,
            m.inference.reviews_per_second_large_batch.median,
            m.inference.reviews_per_second_batch_1,
        ]
        xs = [g + (i - (len(models) - 1) / 2) * width for g in range(len(groups))]
        bars = ax.bar(xs, rates, width, label=name, color=_colors()[i])
        ax.bar_label(bars, fmt="%.0f", padding=2, fontsize=8)
    ax.set_xticks(range(len(groups)), groups, fontsize=8)
    ax.set_yscale("log")
    ax.set(ylabel="per second (log scale)", title="throughput")
    ax.legend(fontsize=8)


def _accuracy_curves(ax: Axes, models: dict[str, ModelBench], target: float) -> None:
    """Validation accuracy against training seconds, every run (the first one solid), and the target."""
    colors = _colors()
    for i, (name, m) in enumerate(models.items()):
        for j, run in enumerate(m.runs):
            seconds = [0.0] + [p[0] for p in run.curve]
            accuracy = [float("nan")] + [p[1] for p in run.curve]
            style = {"alpha": 1.0, "label": name} if j == 0 else {"alpha": 0.4, "label": None}
            ax.plot(seconds, accuracy, "o-", ms=3, color=colors[i], **style)
        if m.seconds_to_target is not None:
            ax.axvline(m.seconds_to_target, color=colors[i], ls=":", lw=1)
    ax.axhline(target, color="gray", ls="--", lw=1, label=f"target {target:.4f}")
    ax.set(
        xlabel="training seconds (validation excluded)",
        ylabel="validation accuracy",
        title="validation accuracy against wall-clock training time",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")


def plot_accuracies(
    labels: Sequence[str],
    val_accuracy: Sequence[float],
    test_accuracy: Sequence[float],
    seconds_per_epoch: Sequence[float],
    path: str | Path,
    title: str = "",
) -> None:
    """Validation and test accuracy per run as paired horizontal bars, seconds per epoch beside each."""
    n = len(labels)
    fig = figure(figsize=(8, 0.55 * n + 1.4))
    ax = fig.subplots()
    rows = range(n)[::-1]  # the first run on top
    height = 0.38
    ax.barh([r + height / 2 for r in rows], val_accuracy, height, label="validation")
    ax.barh([r - height / 2 for r in rows], test_accuracy, height, label="test")
    for r, val, test, seconds in zip(rows, val_accuracy, test_accuracy, seconds_per_epoch):
        ax.text(val, r + height / 2, f" {val:.2%}", va="center", fontsize=8)
        ax.text(test, r - height / 2, f" {test:.2%}   ({seconds:.0f} s/epoch)", va="center", fontsize=8)
    low = min(min(val_accuracy), min(test_accuracy))
    high = max(max(val_accuracy), max(test_accuracy))
    ax.set_xlim(max(0.0, low - 0.03), min(1.0, high + 0.03))  # zoomed in: the differences are a point or two
    ax.set_yticks(list(rows), labels)
    ax.set_xlabel("accuracy (axis starts at %.0f%%)" % (100 * max(0.0, low - 0.03)))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_pareto(report: BenchReport, path: str | Path) -> None:
    """Test accuracy against total training seconds (log x): networks and classical peers, one point each.

    A model is worth its time when no other point sits both left of it and above it.
    """
    points = [(name, m.train_seconds_total, m.test_accuracy) for name, m in report.models.items()]
    points += [(name, p.train_seconds_total, p.test_accuracy) for name, p in report.peers.items()]
    points = [(n, s, a) for n, s, a in points if s is not None and a is not None]
    colors = _colors()
    fig = figure(figsize=(7, 4.5))
    ax = fig.subplots()
    for i, (name, seconds, accuracy) in enumerate(points):
        marker = "s" if name in report.peers else "o"
        ax.scatter([seconds], [accuracy], s=60, marker=marker, color=colors[i % len(colors)], zorder=3)
        ax.annotate(
            f"{name}\n{accuracy:.2%}, {seconds:.0f} s",
            (seconds, accuracy),
            fontsize=8,
            textcoords="offset points",
            xytext=(6, -4),
        )
    frontier, best = [], -1.0
    for _, seconds, accuracy in sorted(points, key=lambda p: p[1]):
        if accuracy > best:  # nothing faster is as accurate
            frontier.append((seconds, accuracy))
            best = accuracy
    if len(frontier) > 1:
        ax.step(*zip(*frontier), where="post", color="gray", ls="--", lw=1, label="Pareto front")
        ax.legend(fontsize=8, loc="lower right")
    ax.set_xscale("log")
    ax.set(
        xlabel="seconds from raw text to a trained model (log scale)",
        ylabel="test accuracy",
        title="accuracy against training time (circles: networks, squares: classical peers)",
    )
    ax.grid(alpha=0.3, which="both")
    ax.margins(x=0.25, y=0.15)
    fig.suptitle(report.machine.describe(), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
