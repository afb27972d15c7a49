"""Dataclass configs loaded from YAML whose keys are the field names, validated with errors naming the key.

A run config has six sections plus a seed::

    seed: 0
    data: {path: stanfordnlp/imdb, max_length: 400, ...}      # DataConfig
    tokenizer: {vocab_size: 30000, min_frequency: 2}          # TokenizerConfig
    model: {name: textcnn, embedding_dim: 128, ...}           # the registered model's own config class
    word2vec: {epochs: 5, splits: null, cache: true, ...}     # Word2VecConfig: vectors learned in the run
    regions: {epochs: 1, negatives: 5, cache: true, ...}      # RegionsConfig: region embeddings learned in the run
    train: {epochs: 10, lr: 0.001, ...}                       # TrainConfig

``model.name`` picks the model's config class, a :class:`ModelConfig` subclass, and the rest of
``model`` is checked against it. Subclasses register themselves by their ``name``, so a new model is
one config subclass plus a builder registered in :mod:`textcnn.models`. This module imports neither
torch nor the models: the models import it.
"""

from __future__ import annotations

from .checks import from_dict
from .commands import DEFAULT_BENCH_CONFIGS, BenchOptions, ServeLimits, Word2VecOptions
from .loading import RunConfig, build_config, load_config, read_yaml, save_config, set_dotted
from .models import (
    EMBEDDING_MODES,
    LSTM_POOLING,
    POOL_BACKWARDS,
    VECTOR_FORMATS,
    LSTMConfig,
    ModelConfig,
    TextCNNConfig,
    model_config_class,
)
from .sections import (
    OPTIMIZERS,
    SCHEDULES,
    TOKENIZER_KINDS,
    DataConfig,
    RegionsConfig,
    TokenizerConfig,
    TrainConfig,
    Word2VecConfig,
    Word2VecSettings,
)

__all__ = [
    "DEFAULT_BENCH_CONFIGS",
    "EMBEDDING_MODES",
    "LSTM_POOLING",
    "OPTIMIZERS",
    "POOL_BACKWARDS",
    "SCHEDULES",
    "TOKENIZER_KINDS",
    "VECTOR_FORMATS",
    "BenchOptions",
    "DataConfig",
    "LSTMConfig",
    "ModelConfig",
    "RegionsConfig",
    "RunConfig",
    "ServeLimits",
    "TextCNNConfig",
    "TokenizerConfig",
    "TrainConfig",
    "Word2VecConfig",
    "Word2VecOptions",
    "Word2VecSettings",
    "build_config",
    "from_dict",
    "load_config",
    "model_config_class",
    "read_yaml",
    "save_config",
    "set_dotted",
]
