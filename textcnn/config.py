"""Dataclass configs loaded from YAML whose keys are the field names, validated with errors naming the key.

A run config has four sections plus a seed::

    seed: 0
    data: {path: stanfordnlp/imdb, max_length: 400, ...}      # DataConfig
    tokenizer: {vocab_size: 30000, min_frequency: 2}          # TokenizerConfig
    model: {name: textcnn, embedding_dim: 128, ...}           # the registered model's own config class
    train: {epochs: 10, lr: 0.001, ...}                       # TrainConfig

``model.name`` picks the model's config class, a :class:`ModelConfig` subclass, and the rest of
``model`` is checked against it. Subclasses register themselves by their ``name``, so a new model is
one config subclass plus a builder registered in :mod:`textcnn.models`. This module imports neither
torch nor the models: the models import it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .options import option


@dataclass
class DataConfig:
    path: str = (
        "stanfordnlp/imdb"  # hub dataset id, a folder of split files, or one .csv/.tsv/.jsonl/.json/.parquet file
    )
    name: str | None = None  # the dataset's config name, if it has several
    text_column: str = "text"
    label_column: str = "label"
    train_split: str = "train"
    validation_split: str | None = None  # an existing split to validate on; None: hold one out of train
    test_split: str | None = None  # None: 'test' if the dataset has it, else 'validation'
    val_size: float = 0.1  # held-out fraction of train (when validation_split is None)
    test_size: float | None = None  # hold this fraction of train out as the test split (data without one)
    drop_unlabeled: bool = False  # leave out rows with a blank label (else they are an error)
    label_separator: str | None = None  # labels like "food|service" hold several: a multi-label run
    encoding: str = "utf-8"  # of .csv, .tsv, .json and .jsonl files (e.g. latin-1, cp1252); a byte it lacks is an error
    delimiter: str | None = None  # of .csv files; null: the first of , ; tab | that splits each first line alike
    folds: int | None = None  # with fold: test on fold `fold` of train cut into this many stratified folds (cv)
    fold: int | None = None  # which fold is the test split, 0 .. folds-1 ('textcnn cv' sets both)
    # seeds the held-out rows (test_size, val_size, folds); null: the run's seed. Set it to vary the model's
    # seed over the same splits, e.g. to see how much of a difference between runs is the seed's
    split_seed: int | None = None
    max_length: int = 400  # tokens kept per text (the rest is cut)
    strip_html: bool = True  # replace HTML tags such as IMDB's <br /> with spaces
    lowercase: bool = True
    max_train_samples: int | None = None  # use only the first N shuffled training texts (quick runs)
    max_eval_samples: int | None = None  # likewise for validation and test

    def __post_init__(self) -> None:
        _check(0.0 < self.val_size < 1.0, "data.val_size", self.val_size, "a fraction between 0 and 1")
        _check(
            self.test_size is None or 0.0 < self.test_size < 1.0,
            "data.test_size",
            self.test_size,
            "a fraction between 0 and 1, or null",
        )
        _check(self.max_length >= 1, "data.max_length", self.max_length, ">= 1")
        _check((self.folds is None) == (self.fold is None), "data.fold", self.fold, "set together with data.folds")
        if self.folds is not None:
            _check(self.folds >= 2, "data.folds", self.folds, ">= 2")
            _check(0 <= self.fold < self.folds, "data.fold", self.fold, f"0 to {self.folds - 1} (data.folds - 1)")
        for key in ("max_train_samples", "max_eval_samples"):
            value = getattr(self, key)
            _check(value is None or value >= 1, f"data.{key}", value, ">= 1 or null")
        _check(
            self.text_column != self.label_column,
            "data.text_column",
            self.text_column,
            "a column other than data.label_column (as both, the model would read each text's label)",
        )
        import codecs  # only here: no other config key names a codec

        try:
            text_codec = getattr(codecs.lookup(self.encoding), "_is_text_encoding", True)  # base64 is bytes to bytes
        except LookupError:
            text_codec = False
        _check(text_codec, "data.encoding", self.encoding, "a text encoding Python knows (utf-8, latin-1, cp1252...)")
        _check(
            self.delimiter is None or (len(self.delimiter) == 1 and self.delimiter not in '"\r\n'),
            "data.delimiter",
            self.delimiter,
            "one character (not a quote or a line break), or null",
        )


@dataclass
class TokenizerConfig:
    kind: str = "word"  # word | bpe | wordpiece | unigram (subwords: learned on the training split)
    vocab_size: int = 30000  # including the [PAD] and [UNK] tokens
    min_frequency: int = 2  # a word (word, bpe, wordpiece) seen fewer times in train becomes [UNK]

    def __post_init__(self) -> None:
        _check(self.kind in TOKENIZER_KINDS, "tokenizer.kind", self.kind, f"one of {TOKENIZER_KINDS}")
        _check(self.vocab_size >= 3, "tokenizer.vocab_size", self.vocab_size, ">= 3")
        _check(self.min_frequency >= 1, "tokenizer.min_frequency", self.min_frequency, ">= 1")


TOKENIZER_KINDS = ("word", "bpe", "wordpiece", "unigram")
OPTIMIZERS = ("adam", "adamw", "sgd", "adadelta")
SCHEDULES = ("constant", "linear", "cosine")


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 64
    eval_batch_size: int = 256  # most texts per evaluation / prediction batch
    eval_max_tokens: int = 16384  # most padded tokens per evaluation / prediction batch
    optimizer: str = "adam"  # adam | adamw | sgd | adadelta
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9  # sgd only
    schedule: str = "constant"  # constant | linear | cosine (decay to 0 over all epochs, per step)
    warmup_steps: int = 0
    grad_clip: float | None = None  # max global gradient norm; null: no clipping
    weight_average: float | None = None  # EMA decay of the weights validated and saved (e.g. 0.998); null: none
    patience: int | None = 3  # stop after this many validations without a better validation accuracy
    evals_per_epoch: int = 1  # validations per epoch (more: finer early stopping and accuracy-vs-time curves)
    bucket_chunk: int = 50  # length bucketing: sort within chunks of bucket_chunk * batch_size texts
    pad_multiple: int = 16  # pad each batch's length up to a multiple of this (few distinct shapes: less memory)
    # training texts longer than this are cut to a window of this many tokens at a random start, drawn
    # anew each epoch (validation, test and prediction read whole texts); null: whole texts
    crop_length: int | None = None
    precision: str = "fp32"  # fp32 | bf16 (autocast: matrix work in bfloat16) | auto (bf16 where the hardware has it)
    device: str = "auto"  # auto (CUDA when present) | cpu | cuda | cuda:N
    threads: int | None = None  # CPU threads for torch; null: torch's default
    # oneDNN (torch's CPU kernels) may use non-deterministic constructs such as atomics unless told not to;
    # true asks for its deterministic implementations, so that the same seed gives the same run.
    deterministic: bool = True

    def __post_init__(self) -> None:
        for key in (
            "epochs",
            "batch_size",
            "eval_batch_size",
            "bucket_chunk",
            "evals_per_epoch",
            "pad_multiple",
            "eval_max_tokens",
        ):
            _check(getattr(self, key) >= 1, f"train.{key}", getattr(self, key), ">= 1")
        _check(self.optimizer in OPTIMIZERS, "train.optimizer", self.optimizer, f"one of {OPTIMIZERS}")
        _check(self.schedule in SCHEDULES, "train.schedule", self.schedule, f"one of {SCHEDULES}")
        _check(self.precision in ("fp32", "bf16", "auto"), "train.precision", self.precision, "fp32, bf16 or auto")
        _check(self.lr > 0, "train.lr", self.lr, "> 0")
        _check(self.weight_decay >= 0, "train.weight_decay", self.weight_decay, ">= 0")
        _check(self.warmup_steps >= 0, "train.warmup_steps", self.warmup_steps, ">= 0")
        _check(self.grad_clip is None or self.grad_clip > 0, "train.grad_clip", self.grad_clip, "> 0 or null")
        _check(self.patience is None or self.patience >= 1, "train.patience", self.patience, ">= 1 or null")
        _check(
            self.weight_average is None or 0 < self.weight_average < 1,
            "train.weight_average",
            self.weight_average,
            "a decay between 0 and 1, or null",
        )
        _check(self.threads is None or self.threads >= 1, "train.threads", self.threads, ">= 1 or null")
        crop = self.crop_length
        _check(crop is None or crop >= 1, "train.crop_length", crop, ">= 1 or null")
        _check(
            self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:"),
            "train.device",
            self.device,
            "auto, cpu, cuda or cuda:N",
        )


# ------------------------------------------------------------------------------------------------ models

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

    name: str = ""
    embedding_dim: int = 128
    embedding_mode: str = "rand"  # rand | static | non-static | multichannel (Kim 2014)
    vectors: str | None = None  # word vectors file for the pretrained modes
    # true: the pretrained modes start from word2vec trained on the run's own training split (its tokens,
    # any tokenizer kind; no labels, validation or test text read), in place of a vectors file
    vectors_from_train: bool = False
    vectors_format: str = "auto"  # auto (by the file's name) | word2vec-binary | word2vec-text | glove | gensim
    embedding_init_std: float = 0.1  # random vectors ~ N(0, std^2) (rand mode, and words without a vector)
    sparse_embedding: bool = False  # sparse gradients: the optimiser updates only the rows a batch uses
    embedding_dropout: float = 0.0  # dropout on the word vectors (a regulariser beyond Kim's paper)
    # > 1: each token's vector also gets learned vectors for the 2..ngrams-grams starting at it, hashed into
    # ngram_buckets rows (fastText's trick): Chinese character pairs, which are mostly words; English word pairs
    ngrams: int = 1
    ngram_buckets: int = 131072
    dropout: float = 0.5  # before the output layer
    # > 1: a deep ensemble of this many copies, each initialised apart and trained on its own loss on the
    # same batches; it predicts with their mean logits (training costs this many times as much)
    members: int = 1

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
    kernel_sizes: list[int] = field(default_factory=lambda: [3, 4, 5])  # filter widths in tokens
    num_filters: int = 100  # filters per width
    max_norm: float | None = 3.0  # l2 cap on each class's output weights (Kim); null: none
    # winners: on CPU the convolution's backward reads only the window each filter's max kept (the same
    # gradients, a fraction of the work); dense: autograd's backward over every position
    pool_backward: str = "winners"

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
    hidden_size: int = 128  # per direction
    num_layers: int = 1
    bidirectional: bool = True
    pooling: str = "max"  # max | avg over time (mask-aware), or last: the final states
    lstm_dropout: float = 0.0  # between stacked layers
    packed: bool = False  # run through pack_padded_sequence (same outputs; see LSTMEncoder)

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


# ----------------------------------------------------------------------------------------------- the run


@dataclass
class RunConfig:
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    model: ModelConfig = field(default_factory=TextCNNConfig)  # a subclass, chosen by model.name
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        for key, seed in (("seed", self.seed), ("data.split_seed", self.data.split_seed)):
            # numpy, scikit-learn and torch all take seeds as unsigned 32-bit integers
            _check(seed is None or 0 <= seed < 2**32, key, seed, f"an integer from 0 to {2**32 - 1}")
        if self.model.vectors_file and self.tokenizer.kind != "word":
            raise ConfigError(
                f"tokenizer.kind: {self.tokenizer.kind!r} cuts words into subwords, but embedding_mode "
                f"{self.model.embedding_mode!r} reads a file of whole-word vectors; use tokenizer.kind: word "
                "(or model.vectors_from_train: true, which learns vectors of this tokenizer's own tokens)"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _check(ok: bool, key: str, value: Any, expected: str) -> None:
    if not ok:
        raise ConfigError(f"{key}: {value!r} is not allowed; expected {expected}")


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Check ``value`` against a field's type hint (int, float, bool, str, list[int], X | None)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(value, option, key)
            except ConfigError as error:
                errors.append(error)
        raise errors[0]
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        (item,) = typing.get_args(hint)[:1]
        return [_coerce(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, str):  # PyYAML reads 1e-3 (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    return value


def from_dict(cls: type, values: dict[str, Any] | None, prefix: str) -> Any:
    """Build dataclass ``cls`` from a dict whose keys must be its field names."""
    values = {} if values is None else values
    if not isinstance(values, dict):
        raise ConfigError(f"{prefix}: expected a mapping of keys to values, got {values!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ConfigError(f"unknown key {prefix}.{unknown[0]}; valid keys in {prefix}: {', '.join(names)}")
    kwargs = {k: _coerce(v, hints[k], f"{prefix}.{k}") for k, v in values.items()}
    return cls(**kwargs)


def set_dotted(tree: dict[str, Any], assignment: str) -> None:
    """Apply one ``--set section.key=value`` override; the value is parsed as YAML (3, 1e-3, true, [3, 4])."""
    key, sep, raw = assignment.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set expects key=value, got {assignment!r}")
    parts = key.strip().split(".")
    node = tree
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: {part} is not a section")
        node = child
    try:
        node[parts[-1]] = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"--set {key}: cannot parse value {raw!r} ({error.__class__.__name__})") from None


def build_config(tree: dict[str, Any]) -> RunConfig:
    """Validate a nested dict (as read from YAML) into a :class:`RunConfig`."""
    if not isinstance(tree, dict):
        raise ConfigError(f"a config must be a mapping of sections, got {type(tree).__name__}")
    sections = {f.name for f in dataclasses.fields(RunConfig)}
    unknown = sorted(set(tree) - sections)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]}; valid top-level keys: {', '.join(sorted(sections))}")
    model_tree = dict(tree.get("model") or {})
    model_name = model_tree.setdefault("name", "textcnn")
    model = from_dict(model_config_class(model_name), model_tree, "model")
    seed = _coerce(tree.get("seed", 0), int, "seed")
    return RunConfig(
        seed=seed,
        data=from_dict(DataConfig, tree.get("data"), "data"),
        tokenizer=from_dict(TokenizerConfig, tree.get("tokenizer"), "tokenizer"),
        model=model,
        train=from_dict(TrainConfig, tree.get("train"), "train"),
    )


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error, not the last one kept."""


def _mapping_without_repeats(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            if key in first_line:
                raise ConfigError(
                    f"key {key!r} appears twice in one section (lines {first_line[key]} and {line}); "
                    "the second would silently replace the first: keep one"
                )
            first_line[key] = line
        except TypeError:  # an unhashable key: the constructor below names it
            break
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def read_yaml(path: Path) -> Any:
    """A YAML file's contents, with one-line errors for bad YAML and repeated keys (at any depth)."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 (a SafeLoader)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """Read a YAML config (or start from defaults when ``path`` is None) and apply ``--set`` overrides."""
    tree: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        tree = read_yaml(path)
        if tree is None:
            tree = {}
        if not isinstance(tree, dict):
            raise ConfigError(
                f"{path}: a config is a mapping of sections (data:, model:, train:, ...), not a {type(tree).__name__}"
            )
    for assignment in overrides:
        set_dotted(tree, assignment)
    return build_config(tree)


def save_config(config: RunConfig, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")


# ------------------------------------------------------------------------- options of the other commands
# Their fields with help are the commands' options (textcnn.options); kept here, beside the run config,
# so that each default has one home and building the command line needs no torch.


@dataclass
class Word2VecOptions:
    """word2vec's settings (gensim ``Word2Vec`` arguments under clearer names)."""

    dim: int = option(300, "vector size (Kim's vectors have 300)")
    window: int = option(5, "context words on each side")
    epochs: int = option(5, "passes over the text")
    min_count: int = option(5, "words seen fewer times get no vector")
    architecture: str = option(
        "skipgram",
        "skipgram predicts the context from each word (better for rare words); cbow predicts each word from its "
        "context (faster)",
        choices=("skipgram", "cbow"),
    )
    negative: int = option(5, "negative samples per word")
    sample: float = option(1e-3, "down-sampling threshold for very frequent words")
    workers: int = option(
        0, "worker threads: 0 is one per CPU core; 1 gives the same vectors on every run, more slowly"
    )
    seed: int = option(0, "random seed of the initial vectors")

    def __post_init__(self) -> None:
        for key in ("dim", "window", "epochs", "min_count", "negative"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: {getattr(self, key)!r} is not allowed; expected >= 1")
        if self.architecture not in ("skipgram", "cbow"):
            raise ConfigError(f"architecture: {self.architecture!r} is not allowed; expected skipgram or cbow")
        if self.workers < 0:
            raise ConfigError(f"workers: {self.workers!r} is not allowed; expected >= 0 (0: one per core)")
        if self.sample < 0:
            raise ConfigError(f"sample: {self.sample!r} is not allowed; expected >= 0")


DEFAULT_BENCH_CONFIGS = ("configs/textcnn_imdb.yaml", "configs/lstm_imdb.yaml")


@dataclass
class BenchOptions:
    """What ``textcnn bench`` compares and how; the fields with help are its command-line options."""

    configs: list[str]
    overrides: list[str]
    out: Path
    quick: bool = option(
        False, "a small subset and 2 epochs (1,500 training texts, 300 for validation): a smoke test, not a measurement"
    )
    repeats: int = option(1, "training runs per model, with seeds seed..seed+N-1, interleaved")
    evals_per_epoch: int = option(4, "validations per epoch, the resolution of the accuracy-vs-time curve")
    target_accuracy: float | None = option(
        None, "validation accuracy for 'time to target' (none: the best the slowest model reaches)", metavar="ACC"
    )
    milestones: tuple[float, ...] = option(
        (0.85, 0.88, 0.90), "also report the training seconds to each of these validation accuracies", metavar="ACC"
    )
    infer_texts: int = option(5000, "test texts for the large-batch inference timing")
    infer_batch_size: int = option(512, "the large inference batch")
    latency_texts: int = option(200, "texts timed one at a time for batch-1 latency")
    peers: tuple[str, ...] = option(
        (),
        "classical baselines trained on the same splits in the same run: tfidf (TF-IDF + logistic regression), "
        "fasttext (needs the fasttext module; skipped with a note without it); space- or comma-separated",
        metavar="PEER",
    )
    progress: bool = True

    def __post_init__(self) -> None:
        self.peers = tuple(name.strip() for item in self.peers for name in item.split(",") if name.strip())
        unknown = [name for name in self.peers if name not in ("tfidf", "fasttext")]
        if unknown:
            raise ConfigError(f"--peers: {', '.join(unknown)} unknown; expected tfidf and/or fasttext")
        for key in ("repeats", "evals_per_epoch", "infer_texts", "infer_batch_size", "latency_texts"):
            if getattr(self, key) < 1:
                raise ConfigError(f"--{key.replace('_', '-')}: {getattr(self, key)!r} is not allowed; expected >= 1")


@dataclass
class ServeLimits:
    """What ``textcnn serve`` accepts per request (texts longer than data.max_length tokens are cut, as in training)."""

    max_texts: int = 256  # texts per /predict or /explain request
    max_body_bytes: int = 2_000_000  # request body size
    max_explain_texts: int = 16  # /explain costs far more per text than /predict

    def __post_init__(self) -> None:
        for key in ("max_texts", "max_body_bytes", "max_explain_texts"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: {getattr(self, key)!r} is not allowed; expected >= 1")
