"""The model configs (``model:``): options every text model shares, and each registered model's own.

Defining a :class:`ModelConfig` subclass with a ``name`` registers it; :mod:`textcnn.models` builds the
model it names. Torch-free, so that configs load (and ``--help`` runs) without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .checks import check as _check
from .options import option

EMBEDDING_MODES = ("rand", "static", "non-static", "multichannel")
VECTOR_FORMATS = ("auto", "word2vec-binary", "word2vec-text", "glove", "gensim")
LSTM_POOLING = ("max", "avg", "last")
POOL_BACKWARDS = ("winners", "dense")
_MODEL_CONFIGS: dict[str, type[ModelConfig]] = {}


@dataclass
class ModelConfig:
    """Options shared by every text model: the word embedding and the output dropout.

    Each model's config extends this one and sets its own ``name``; defining the subclass registers it.
    """

    name: str = option("", "the model, which picks the rest of this section's keys: textcnn | lstm")
    embedding_dim: int = option(128, "size of each token's vector (with word vectors: theirs)")
    embedding_mode: str = option("rand", "rand | static | non-static | multichannel (Kim 2014)")
    vectors: str | None = option(None, "word vectors file for the pretrained modes")
    vectors_from_train: bool = option(
        False,
        "true: the pretrained modes start from word2vec the run learns from its training texts and unlabeled "
        "splits, in its own tokens (any tokenizer kind; no labels, validation or test text read; settings and "
        "cache: the word2vec section), in place of a vectors file",
    )
    vectors_format: str = option("auto", "auto (by the file's name) | word2vec-binary | word2vec-text | glove | gensim")
    embedding_init_std: float = option(0.1, "random vectors ~ N(0, std^2) (rand mode, and words without a vector)")
    sparse_embedding: bool = option(False, "sparse gradients: the optimiser updates only the rows a batch uses")
    embedding_dropout: float = option(0.0, "dropout on the word vectors (a regulariser beyond Kim's paper)")
    ngrams: int = option(
        1,
        "> 1: each token's vector also gets learned vectors for the 2..ngrams-grams starting at it, hashed into "
        "ngram_buckets rows (fastText's trick): Chinese character pairs, which are mostly words; English word pairs",
    )
    ngram_buckets: int = option(131072, "rows of the hashed n-gram vectors (with ngrams > 1)")
    wide_ngrams: int = option(
        0,
        "> 0: a linear branch over each text's set of 1..wide_ngrams-grams, each scaled by its naive-Bayes "
        "log-count ratio from the training texts (NBSVM), added to the logits: the network contains the linear "
        "model, and its n-grams' contributions are exact; 0: none",
    )
    wide_buckets: int = option(1048576, "rows the wide branch hashes its 2..wide_ngrams-grams into")
    wide_alpha: float = option(1.0, "the wide branch's naive-Bayes smoothing: added to every n-gram's count")
    region_dim: int = option(
        0,
        "> 0: each position also reads its region embedding, this wide (Johnson and Zhang's tv-embedding): a "
        "frozen bag-of-words vector of the region_size tokens around it, learned before training on the "
        "training texts and unlabeled splits (settings: the regions section); 0: none",
    )
    region_size: int = option(5, "tokens per region of the region embedding, centred on each position")
    dropout: float = option(0.5, "before the output layer")
    members: int = option(
        1,
        "> 1: a deep ensemble of this many copies, each initialised apart and trained on its own loss on the "
        "same batches; it predicts with their mean logits (training costs this many times as much)",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if isinstance(name, str) and name:
            _MODEL_CONFIGS[name] = cls

    def __post_init__(self) -> None:
        _check(
            self.embedding_mode in EMBEDDING_MODES,
            "model.embedding_mode",
            self.embedding_mode,
            f"one of {EMBEDDING_MODES}",
        )
        if self.embedding_mode != "rand" and not self.vectors and not self.vectors_from_train:
            raise ConfigError(
                f"model.vectors: embedding_mode {self.embedding_mode!r} needs a word vectors file "
                "(train one with 'textcnn vectors', set model.vectors_from_train: true, or use embedding_mode: rand)"
            )
        if self.vectors_from_train and self.vectors:
            raise ConfigError("model.vectors_from_train: vectors come from model.vectors or from train, not both")
        if self.vectors_from_train and self.embedding_mode == "rand":
            raise ConfigError(
                "model.vectors_from_train: embedding_mode 'rand' starts from random vectors; "
                "use non-static, static or multichannel"
            )
        _check(
            self.vectors_format in VECTOR_FORMATS,
            "model.vectors_format",
            self.vectors_format,
            f"one of {VECTOR_FORMATS}",
        )
        _check(self.embedding_dim >= 1, "model.embedding_dim", self.embedding_dim, ">= 1")
        _check(self.embedding_init_std > 0, "model.embedding_init_std", self.embedding_init_std, "> 0")
        _check(self.members >= 1, "model.members", self.members, ">= 1")
        _check(self.ngrams >= 1, "model.ngrams", self.ngrams, ">= 1 (1: tokens alone)")
        _check(self.ngram_buckets >= 1, "model.ngram_buckets", self.ngram_buckets, ">= 1")
        _check(self.wide_ngrams >= 0, "model.wide_ngrams", self.wide_ngrams, ">= 0 (0: no wide branch)")
        _check(self.wide_buckets >= 1, "model.wide_buckets", self.wide_buckets, ">= 1")
        _check(self.wide_alpha > 0, "model.wide_alpha", self.wide_alpha, "> 0")
        _check(self.region_dim >= 0, "model.region_dim", self.region_dim, ">= 0 (0: no region embedding)")
        _check(self.region_size >= 1, "model.region_size", self.region_size, ">= 1")
        for key in ("dropout", "embedding_dropout"):
            _check(0.0 <= getattr(self, key) < 1.0, f"model.{key}", getattr(self, key), f"0 <= {key} < 1")

    @property
    def pretrained(self) -> bool:
        """Whether the embedding starts from word vectors (a file's, or learned from train)."""
        return self.embedding_mode != "rand"

    @property
    def vectors_file(self) -> str | None:
        """The vectors file the embedding starts from, if it starts from one."""
        return self.vectors if self.pretrained and not self.vectors_from_train else None


@dataclass
class TextCNNConfig(ModelConfig):
    """Kim (2014): parallel 1-D convolutions of several widths, max-over-time pooling."""

    name: str = "textcnn"
    kernel_sizes: list[int] = option([3, 4, 5], "filter widths in tokens")
    num_filters: int = option(100, "filters per width")
    max_norm: float | None = option(3.0, "l2 cap on each class's output weights (Kim); null: none")
    pool_backward: str = option(
        "winners",
        "winners: on CPU the convolution's backward reads only the window each filter's max kept (the same "
        "gradients, a fraction of the work); dense: autograd's backward over every position",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        backward = self.pool_backward
        _check(backward in POOL_BACKWARDS, "model.pool_backward", backward, f"one of {POOL_BACKWARDS}")
        _check(
            bool(self.kernel_sizes) and min(self.kernel_sizes) >= 1,
            "model.kernel_sizes",
            self.kernel_sizes,
            "widths >= 1",
        )
        _check(self.num_filters >= 1, "model.num_filters", self.num_filters, ">= 1")
        _check(self.max_norm is None or self.max_norm > 0, "model.max_norm", self.max_norm, "> 0 or null")


@dataclass
class LSTMConfig(ModelConfig):
    """The recurrent baseline: a (bidirectional) LSTM pooled over time."""

    name: str = "lstm"
    hidden_size: int = option(128, "per direction")
    num_layers: int = option(1, "stacked LSTM layers")
    bidirectional: bool = option(True, "read each text both ways (hidden_size per direction)")
    pooling: str = option("max", "max | avg over time (mask-aware), or last: the final states")
    lstm_dropout: float = option(0.0, "between stacked layers")
    packed: bool = option(False, "run through pack_padded_sequence (same outputs; see LSTMEncoder)")

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(self.pooling in LSTM_POOLING, "model.pooling", self.pooling, f"one of {LSTM_POOLING}")
        _check(self.hidden_size >= 1, "model.hidden_size", self.hidden_size, ">= 1")
        _check(self.num_layers >= 1, "model.num_layers", self.num_layers, ">= 1")


def model_config_class(name: str) -> type[ModelConfig]:
    """The config class whose ``name`` is ``name`` (the built-ins, and any subclass defined since)."""
    if name not in _MODEL_CONFIGS:
        raise ConfigError(f"model.name: unknown model {name!r}; available: {', '.join(sorted(_MODEL_CONFIGS))}")
    return _MODEL_CONFIGS[name]
