"""A training run's figures, saved beside it: learning curves, and the reliability diagram of its probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..util.figures import figure


def plot_curves(history: Sequence, path: str | Path, title: str = "") -> None:
    """Loss and accuracy per epoch, train beside validation (``history``: EpochRecord-like rows)."""
    epochs = [r.epoch for r in history]
    fig = figure(figsize=(9, 3.4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(epochs, [r.train_loss for r in history], "o-", label="train")
    ax_loss.plot(epochs, [r.val_loss for r in history], "o-", label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_acc.plot(epochs, [r.train_accuracy for r in history], "o-", label="train")
    ax_acc.plot(epochs, [r.val_accuracy for r in history], "o-", label="validation")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_reliability(before, after, path: str | Path, title: str = "") -> None:
    """Accuracy against confidence per bin, before and after temperature scaling (``Reliability`` records).

    A calibrated model's bars follow the diagonal: of the predictions it makes at 0.8, 80% are right.
    """
    fig = figure(figsize=(5.2, 4.6))
    ax = fig.subplots()
    width = before.edges[1] - before.edges[0]
    centres = before.edges[:-1] + width / 2
    for record, label, offset, colour in ((before, "softmax", -0.2, "#bbbbbb"), (after, "scaled", 0.2, "#1f77b4")):
        shown = record.counts > 0
        ax.bar(
            centres[shown] + offset * width,
            record.accuracy[shown],
            width=width * 0.4,
            color=colour,
            label=f"{label} (ECE {record.ece:.3f})",
        )
    ax.plot([0, 1], [0, 1], "k--", linewidth=1, label="calibrated")
    ax.set(xlabel="confidence (top probability)", ylabel="accuracy in the bin", xlim=(0, 1), ylim=(0, 1))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
