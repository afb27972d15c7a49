"""The run's sections other than the model: data, tokenizer and training (``data:``, ``tokenizer:``, ``train:``)."""

from __future__ import annotations

from dataclasses import dataclass

from .checks import check as _check


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
