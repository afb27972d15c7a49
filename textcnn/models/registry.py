"""A registry of text models: a config selects one by name, and a new model is one file.

A model file registers a builder together with its config dataclass::

    @dataclass
    class MyConfig(EmbeddingConfig):
        name: str = "mine"
        ...

    @register_model("mine", MyConfig)
    def build_mine(config: MyConfig, vocab_size: int, num_classes: int) -> TextClassifier: ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from ..errors import UserError

Builder = Callable[[Any, int, int], nn.Module]
_REGISTRY: dict[str, tuple[type, Builder]] = {}


def register_model(name: str, config_class: type) -> Callable[[Builder], Builder]:
    """Decorator: make ``builder(config, vocab_size, num_classes)`` available as ``name``."""

    def decorate(builder: Builder) -> Builder:
        if name in _REGISTRY:
            raise ValueError(f"a model named {name!r} is already registered")
        _REGISTRY[name] = (config_class, builder)
        return builder

    return decorate


def list_models() -> list[str]:
    return sorted(_REGISTRY)


def _lookup(name: str) -> tuple[type, Builder]:
    if name not in _REGISTRY:
        raise UserError(f"model.name: unknown model {name!r}; available: {', '.join(list_models())}")
    return _REGISTRY[name]


def model_config_class(name: str) -> type:
    """The config dataclass of the model registered as ``name``."""
    return _lookup(name)[0]


def get_model(config: Any, vocab_size: int, num_classes: int) -> nn.Module:
    """Build the model that ``config.name`` names."""
    return _lookup(config.name)[1](config, vocab_size, num_classes)
