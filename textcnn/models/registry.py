"""A registry of text model builders: a config selects one by ``model.name``, and a new model is one file.

A model file defines its config (a :class:`~textcnn.config.ModelConfig` subclass, which registers
itself by ``name``) and registers a builder under the same name::

    @dataclass
    class MyConfig(ModelConfig):
        name: str = "mine"
        ...

    @register_model("mine")
    def build_mine(config: MyConfig, vocab_size: int, num_classes: int) -> TextModel: ...
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import ModelConfig, model_config_class
from ..errors import ConfigError
from .contract import TextModel
from .ensemble import Ensemble

Builder = Callable[[ModelConfig, int, int], TextModel]
_BUILDERS: dict[str, Builder] = {}


def register_model(name: str) -> Callable[[Builder], Builder]:
    """Decorator: make ``builder(config, vocab_size, num_classes)`` the model called ``name``."""

    def decorate(builder: Builder) -> Builder:
        if name in _BUILDERS:
            raise ValueError(f"a model named {name!r} is already registered")
        _BUILDERS[name] = builder
        return builder

    return decorate


def list_models() -> list[str]:
    return sorted(_BUILDERS)


def get_model(config: ModelConfig, vocab_size: int, num_classes: int) -> TextModel:
    """Build the model that ``config.name`` names; an :class:`Ensemble` of them if ``config.members > 1``."""
    model_config_class(config.name)  # an unknown name: the same one-line error as in a config file
    if config.name not in _BUILDERS:
        raise ConfigError(f"model.name: {config.name!r} has a config class but no registered builder")
    build = _BUILDERS[config.name]
    if config.members == 1:
        return build(config, vocab_size, num_classes)
    return Ensemble([build(config, vocab_size, num_classes) for _ in range(config.members)])
