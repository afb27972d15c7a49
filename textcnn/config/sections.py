"""The run's sections other than the model: data, tokenizer, word2vec and training (``data:``, ``tokenizer:``,
``word2vec:``, ``train:``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .checks import check as _check
from .checks import is_delimiter, is_text_encoding
from .options import option


@dataclass
class DataConfig:
    path: str = option(
        "stanfordnlp/imdb", "hub dataset id, a folder of split files, or one .csv/.tsv/.jsonl/.json/.parquet file"
    )
    name: str | None = option(None, "the dataset's config name, if it has several")
    text_column: str = option("text", "the column holding each text")
    label_column: str = option("label", "the column holding each label")
    train_split: str = option("train", "the split to train on")
    validation_split: str | None = option(None, "an existing split to validate on; null: hold one out of train")
    test_split: str | None = option(None, "null: 'test' if the dataset has it, else 'validation'")
    val_size: float = option(0.1, "held-out fraction of train (when validation_split is null)")
    test_size: float | None = option(None, "hold this fraction of train out as the test split (data without one)")
    drop_unlabeled: bool = option(False, "leave out rows with a blank label (else they are an error)")
    label_separator: str | None = option(None, 'labels like "food|service" hold several: a multi-label run')
    encoding: str = option(
        "utf-8", "of .csv, .tsv, .json and .jsonl files (e.g. latin-1, cp1252); a byte it lacks is an error"
    )
    delimiter: str | None = option(
        None, "of .csv files; null: the first of , ; tab | that splits each first line alike"
    )
    folds: int | None = option(None, "with fold: test on fold `fold` of train cut into this many stratified folds (cv)")
    fold: int | None = option(None, "which fold is the test split, 0 .. folds-1 ('textcnn cv' sets both)")
    split_seed: int | None = option(
        None,
        "seeds the held-out rows (test_size, val_size, folds); null: the run's seed. Set it to vary the model's "
        "seed over the same splits, e.g. to see how much of a difference between runs is the seed's",
    )
    max_length: int = option(400, "tokens kept per text (the rest is cut)")
    strip_html: bool = option(True, "replace HTML tags such as IMDB's <br /> with spaces")
    lowercase: bool = option(True, "lowercase every text before tokenizing")
    max_train_samples: int | None = option(None, "use only the first N shuffled training texts (quick runs)")
    max_eval_samples: int | None = option(None, "likewise for validation and test")

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
        text_codec = is_text_encoding(self.encoding)
        _check(text_codec, "data.encoding", self.encoding, "a text encoding Python knows (utf-8, latin-1, cp1252...)")
        _check(
            self.delimiter is None or is_delimiter(self.delimiter),
            "data.delimiter",
            self.delimiter,
            "one character (not a quote or a line break), or null",
        )


@dataclass
class TokenizerConfig:
    kind: str = option("word", "word | bpe | wordpiece | unigram (subwords: learned on the training split)")
    vocab_size: int = option(30000, "including the [PAD] and [UNK] tokens")
    min_frequency: int = option(2, "a word (word, bpe, wordpiece) seen fewer times in train becomes [UNK]")

    def __post_init__(self) -> None:
        _check(self.kind in TOKENIZER_KINDS, "tokenizer.kind", self.kind, f"one of {TOKENIZER_KINDS}")
        _check(self.vocab_size >= 3, "tokenizer.vocab_size", self.vocab_size, ">= 3")
        _check(self.min_frequency >= 1, "tokenizer.min_frequency", self.min_frequency, ">= 1")


TOKENIZER_KINDS = ("word", "bpe", "wordpiece", "unigram")
WORD2VEC_ARCHITECTURES = ("skipgram", "cbow")


@dataclass
class Word2VecSettings:
    """word2vec's training settings (gensim ``Word2Vec`` arguments under clearer names), shared by
    ``textcnn vectors`` (:class:`~textcnn.config.Word2VecOptions`) and a run's ``word2vec:`` section."""

    _key_prefix: ClassVar[str] = ""  # how errors name the keys: "word2vec." in a run config, "" for flags

    window: int = option(5, "context words on each side")
    epochs: int = option(5, "passes over the text")
    architecture: str = option(
        "skipgram",
        "skipgram predicts the context from each word (better for rare words); cbow predicts each word from its "
        "context (faster)",
        choices=WORD2VEC_ARCHITECTURES,
    )
    negative: int = option(5, "negative samples per word")
    sample: float = option(1e-3, "down-sampling threshold for very frequent words")

    def __post_init__(self) -> None:
        for key in ("window", "epochs", "negative", "dim", "min_count"):
            if hasattr(self, key):
                _check(getattr(self, key) >= 1, self._key_prefix + key, getattr(self, key), ">= 1")
        _check(
            self.architecture in WORD2VEC_ARCHITECTURES,
            self._key_prefix + "architecture",
            self.architecture,
            f"one of {WORD2VEC_ARCHITECTURES}",
        )
        _check(self.sample >= 0, self._key_prefix + "sample", self.sample, ">= 0")
        if hasattr(self, "workers"):
            _check(self.workers >= 0, self._key_prefix + "workers", self.workers, ">= 0 (0: one per core)")


@dataclass
class Word2VecConfig(Word2VecSettings):
    """The word vectors a run learns itself (``model.vectors_from_train: true``): from which text, how, cached where.

    word2vec reads the run's own tokens: its training texts (never validation or test) plus the
    unlabeled splits, encoded by the run's tokenizer. The vectors are cached under a key made of
    those tokens, the tokenizer and these settings, so a rerun on the same text does not learn them again.
    """

    _key_prefix: ClassVar[str] = "word2vec."

    splits: list[str] | None = option(
        None,
        "splits read for their text alone, beside the training texts (null: every split the run does not train, "
        "validate or test on, such as IMDB's 50,000 unlabeled reviews; []: none); test text is refused, and "
        "data.max_train_samples caps their texts too",
    )
    workers: int = option(
        1, "threads: 1 learns the same vectors on every machine; 0 is one per core (faster; slightly different vectors)"
    )
    cache: bool = option(
        True,
        "keep learned vectors in $TEXTCNN_CACHE/vectors (default ~/.cache/textcnn/vectors), keyed by the tokens and "
        "settings they come from, and reuse them",
    )


@dataclass
class RegionsConfig:
    """How a run learns its region embeddings (``model.region_dim > 0``), before training.

    From the same text as learned word vectors: the training texts and ``word2vec.splits`` (never
    validation or test), in the run's tokens. Cached like them, by that text and these settings.
    """

    epochs: int = option(1, "passes over the text")
    negatives: int = option(5, "words drawn as negatives per region")
    lr: float = option(5e-3, "Adam's learning rate")
    batch_size: int = option(4096, "regions per step")
    stride: int = option(2, "one position in this many (drawn anew each epoch) is a region to learn from")
    sample: float = option(1e-4, "down-sampling threshold for very frequent neighbour words (word2vec's)")
    cache: bool = option(True, "keep them in $TEXTCNN_CACHE/regions, keyed by the text and settings, and reuse them")

    def __post_init__(self) -> None:
        for key in ("epochs", "negatives", "batch_size", "stride"):
            _check(getattr(self, key) >= 1, f"regions.{key}", getattr(self, key), ">= 1")
        _check(self.lr > 0, "regions.lr", self.lr, "> 0")
        _check(self.sample > 0, "regions.sample", self.sample, "> 0")


OPTIMIZERS = ("adam", "adamw", "sgd", "adadelta")
SCHEDULES = ("constant", "linear", "cosine")


@dataclass
class TrainConfig:
    epochs: int = option(10, "passes over the training split (at most: see patience)")
    batch_size: int = option(64, "texts per training batch (under torchrun: the global batch)")
    eval_batch_size: int = option(256, "most texts per evaluation / prediction batch")
    eval_max_tokens: int = option(16384, "most padded tokens per evaluation / prediction batch")
    optimizer: str = option("adam", "adam | adamw | sgd | adadelta")
    lr: float = option(1e-3, "learning rate (the peak, with warmup_steps or a schedule)")
    weight_decay: float = option(0.0, "the optimiser's weight decay (L2 penalty; adamw: decoupled)")
    momentum: float = option(0.9, "sgd only")
    schedule: str = option("constant", "constant | linear | cosine (decay to 0 over all epochs, per step)")
    warmup_steps: int = option(0, "steps over which the learning rate rises linearly from 0 to lr")
    grad_clip: float | None = option(None, "max global gradient norm; null: no clipping")
    weight_average: float | None = option(None, "EMA decay of the weights validated and saved (e.g. 0.998); null: none")
    patience: int | None = option(3, "stop after this many validations without a better validation accuracy")
    class_weight: str | dict[str, float] | None = option(
        None,
        "single-label runs: weight each class's examples in the loss (not the sampler): 'balanced' (N / (K * "
        "count), scikit-learn's rule, from the training split) or a mapping {label: weight} (others 1); "
        "null: every example counts once",
    )
    calibrate: bool = option(
        True,
        "single-label runs: after training, fit a temperature on the validation split (temperature scaling) so "
        "that predicted probabilities match how often the model is right; predictions never change",
    )
    evals_per_epoch: int = option(1, "validations per epoch (more: finer early stopping and accuracy-vs-time curves)")
    bucket_chunk: int = option(50, "length bucketing: sort within chunks of bucket_chunk * batch_size texts")
    pad_multiple: int = option(
        16, "pad each batch's length up to a multiple of this (few distinct shapes: less memory)"
    )
    crop_length: int | None = option(
        None,
        "training texts longer than this are cut to a window of this many tokens at a random start, drawn "
        "anew each epoch (validation, test and prediction read whole texts); null: whole texts",
    )
    precision: str = option(
        "fp32", "fp32 | bf16 (autocast: matrix work in bfloat16) | auto (bf16 where the hardware has it)"
    )
    device: str = option("auto", "auto (CUDA when present) | cpu | cuda | cuda:N")
    threads: int | None = option(None, "CPU threads for torch; null: torch's default")
    deterministic: bool = option(
        True,
        "oneDNN (torch's CPU kernels) may use non-deterministic constructs such as atomics unless told not to; "
        "true asks for its deterministic implementations, so that the same seed gives the same run",
    )

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
        weights = self.class_weight
        _check(
            weights is None or weights == "balanced" or (isinstance(weights, dict) and bool(weights)),
            "train.class_weight",
            weights,
            "'balanced', a mapping {label: weight} or null",
        )
        if isinstance(weights, dict):
            bad = next((k for k, v in weights.items() if not v > 0), None)
            _check(bad is None, f"train.class_weight.{bad}", weights.get(bad), "a weight > 0")
        crop = self.crop_length
        _check(crop is None or crop >= 1, "train.crop_length", crop, ">= 1 or null")
        _check(
            self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:"),
            "train.device",
            self.device,
            "auto, cpu, cuda or cuda:N",
        )
