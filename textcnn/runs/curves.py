"""A training run's learning curves: loss and accuracy per epoch, saved beside the run."""

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
