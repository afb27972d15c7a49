"""Text models: a registry of embedding -> encoder -> classifier models that share one contract."""

from ..config import EMBEDDING_MODES, LSTMConfig, ModelConfig, TextCNNConfig, model_config_class
from .classifier import TextClassifier
from .contract import Encoder, TextModel
from .embedding import WordEmbedding
from .ensemble import Ensemble
from .lstm import LSTMEncoder
from .registry import get_model, list_models, register_model
from .textcnn import CNNEncoder, is_textcnn

__all__ = [
    "CNNEncoder",
    "EMBEDDING_MODES",
    "Encoder",
    "Ensemble",
    "LSTMConfig",
    "LSTMEncoder",
    "ModelConfig",
    "TextCNNConfig",
    "TextClassifier",
    "TextModel",
    "WordEmbedding",
    "get_model",
    "is_textcnn",
    "list_models",
    "model_config_class",
    "register_model",
]
