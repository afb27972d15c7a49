"""How a model hands the trainer its parameters: named groups, each dense or sparse.

The models define it and the trainer reads it (``Trainable.parameter_groups``), so it lives with the models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn


@dataclass
class ParameterGroup:
    """Parameters the optimiser treats alike. ``sparse``: their gradients are sparse (SparseAdam updates them)."""

    name: str
    params: list[nn.Parameter] = field(default_factory=list)
    sparse: bool = False


def dense_parameter_groups(module: nn.Module) -> list[ParameterGroup]:
    """One dense group with every trainable parameter: the default for models without sparse parts."""
    return [ParameterGroup("all", [p for p in module.parameters() if p.requires_grad])]
