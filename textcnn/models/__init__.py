"""Text models: a registry of embedding -> encoder -> classifier models that share one contract."""

from .classifier import TextClassifier
from .embedding import EMBEDDING_MODES, EmbeddingConfig, WordEmbedding
from .lstm import LSTMConfig, LSTMEncoder
from .registry import get_model, list_models, model_config_class, register_model
from .textcnn import CNNEncoder, TextCNNConfig

__all__ = [
    "CNNEncoder",
    "EMBEDDING_MODES",
    "EmbeddingConfig",
    "LSTMConfig",
    "LSTMEncoder",
    "TextCNNConfig",
    "TextClassifier",
    "WordEmbedding",
    "get_model",
    "list_models",
    "model_config_class",
    "register_model",
]
