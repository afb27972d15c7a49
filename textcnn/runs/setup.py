"""The run setup every command needs once: word vectors, splits, tokenizer, encoding, model, batches.

:func:`prepare_run` builds it from one config; training (:mod:`.training`), the bench and the
profiling scripts are short compositions on top of it.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from tokenizers import Tokenizer

from ..config import RunConfig
from ..errors import ConfigError
from ..models import ModelConfig, TextModel, get_model
from ..text.batching import BucketedBatches, eval_batches, train_batches
from ..text.data import TextSplits, load_corpus, load_splits
from ..text.learned_vectors import cache_folder, learn_vectors, word2vec_options
from ..text.token_store import TokenStore
from ..text.tokenizer import PAD_ID, UNK_ID, encode, tokenization_warnings, tokenizer_from_config
from ..text.vectors import Coverage, load_vectors, vectors_for_vocab
from ..training import (
    SINGLE,
    Distributed,
    EpochBatches,
    ShardedBatches,
    seed_everything,
)
from .regions import learn_run_regions

if TYPE_CHECKING:
    from gensim.models import KeyedVectors


logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------- vectors


def check_vectors_size(config: ModelConfig, vectors: KeyedVectors) -> None:
    """A one-line error unless ``vectors`` have the size ``config.embedding_dim`` asks for."""
    if vectors.vector_size != config.embedding_dim:
        raise ConfigError(
            f"model.embedding_dim is {config.embedding_dim} but {config.vectors} holds {vectors.vector_size}-dim "
            f"vectors; set model.embedding_dim: {vectors.vector_size}"
        )


def read_vectors(config: ModelConfig) -> KeyedVectors:
    """The word vectors a pretrained embedding mode names, checked against ``embedding_dim``."""
    vectors = load_vectors(config.vectors, config.vectors_format)
    check_vectors_size(config, vectors)
    return vectors


def load_pretrained_embedding(
    model: TextModel, vectors: KeyedVectors, tokenizer: Tokenizer, train_ids: TokenStore, *, seed: int
) -> Coverage:
    """Fill the model's word tables with ``vectors`` mapped onto the tokenizer's vocabulary."""
    counts = np.bincount(train_ids.ids, minlength=tokenizer.get_vocab_size())
    table, coverage = vectors_for_vocab(
        vectors, tokenizer.get_vocab(), special_ids=(PAD_ID, UNK_ID), padding_idx=PAD_ID, token_counts=counts, seed=seed
    )
    model.load_vectors(table)
    return coverage


def run_corpus(config: RunConfig, data: PreparedData) -> tuple[list[TokenStore], str]:
    """The text a run learns from without labels: its training texts plus ``word2vec.splits``, in its tokens.

    Never validation or test text. Returns one token store per source and a description of them.
    """
    unlabeled, names = load_corpus(config.data, config.word2vec.splits, besides_training=True)
    if config.data.max_train_samples is not None:  # a quick run stays quick: as many as the training texts
        unlabeled = unlabeled[: config.data.max_train_samples]
    texts = [data.train_ids] + ([encode(data.tokenizer, unlabeled)] if unlabeled else [])
    return texts, f"{len(data.train_ids):,} training texts" + "".join(f" + split {name!r}" for name in names)


def learn_run_vectors(
    config: RunConfig, data: PreparedData, corpus: tuple[list[TokenStore], str] | None = None, *, progress: bool = False
) -> KeyedVectors:
    """word2vec on the run's :func:`run_corpus` (given, or read here).

    Cached by the tokens and settings (:mod:`textcnn.text.learned_vectors`).
    """
    texts, what = corpus or run_corpus(config, data)
    options = word2vec_options(config.word2vec, dim=config.model.embedding_dim, seed=config.seed)
    logger.info(
        f"vectors: word2vec ({options.architecture}, {options.epochs} epochs) on {what} (model.vectors_from_train)"
    )
    cache = cache_folder() if config.word2vec.cache else None
    vectors, info = learn_vectors(data.tokenizer, texts, options, cache=cache, progress=progress)
    if not info["cached"]:
        logger.info(f"vectors: {info['vocabulary']:,} tokens x {options.dim} dims learned in {info['seconds']:.0f} s")
    return vectors


# ------------------------------------------------------------------------------------------- the setup


@dataclass
class PreparedData:
    """Splits, the tokenizer trained on the training split, and every split's token ids."""

    splits: TextSplits
    tokenizer: Tokenizer
    train_ids: TokenStore  # one flat array of ids per split (textcnn.text.token_store)
    validation_ids: TokenStore
    test_ids: TokenStore

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    @property
    def train_tokens(self) -> int:
        return int(self.train_ids.lengths.sum())


def prepare_data(
    config: RunConfig, *, tokenizer: Tokenizer | None = None, distributed: Distributed = SINGLE
) -> PreparedData:
    """Load the splits, train the tokenizer on train (unless one is given) and encode every split.

    With several processes rank 0 trains the tokenizer and hands it to the others: the trainer may
    order words of equal count differently in another process, and every process needs the same ids.
    """
    splits = load_splits(config.data, config.seed)
    for name, count in splits.dropped_unlabeled.items():
        logger.info(f"data: left out {count:,} rows of split {name!r} with no label (data.drop_unlabeled)")
    logger.info(
        f"data: {len(splits.train)} train, {len(splits.validation)} validation ({splits.validation_source}), "
        f"{len(splits.test)} test (split {splits.test_split!r}); classes {splits.class_names}"
    )
    if tokenizer is None:
        trained = None
        if distributed.is_main:
            trained = tokenizer_from_config(splits.train.texts, config.data, config.tokenizer)
        tokenizer = distributed.share(trained)
    data = PreparedData(
        splits,
        tokenizer,
        encode(tokenizer, splits.train.texts),
        encode(tokenizer, splits.validation.texts),
        encode(tokenizer, splits.test.texts),
    )
    logger.info(
        f"tokenizer: {data.vocab_size} words; {data.train_tokens / len(data.train_ids):.0f} tokens per training "
        f"text on average (cut at {config.data.max_length})"
    )
    for warning in tokenization_warnings(tokenizer, data.train_ids):
        logger.warning(f"tokenization looks wrong: {warning}")
    return data


@dataclass
class PreparedRun:
    """Everything a training run needs, built from one config."""

    config: RunConfig
    data: PreparedData
    model: TextModel
    train: EpochBatches  # BucketedBatches; with several processes, this process's ShardedBatches of them
    validation: BucketedBatches | ShardedBatches
    test: BucketedBatches | ShardedBatches
    coverage: Coverage | None

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def trainable_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters() if p.requires_grad)


def prepare_run(
    config: RunConfig,
    *,
    data: PreparedData | None = None,
    tokenizer: Tokenizer | None = None,
    vectors: KeyedVectors | None = None,
    learn_vectors: bool = False,
    distributed: Distributed = SINGLE,
    progress: bool = False,
) -> PreparedRun:
    """The run setup: data (given, or loaded with ``tokenizer`` if given), a seeded model, its vectors, batches.

    ``vectors`` fill a pretrained embedding mode; so do, with ``learn_vectors`` and
    ``model.vectors_from_train``, vectors that word2vec learns from the run's own text
    (:func:`learn_run_vectors`; ``progress``: its bars). ``learn_vectors`` also learns the region
    embedding of ``model.region_dim`` from the same text (:func:`~.regions.learn_run_regions`). Without
    it the pretrained and region tables stay as built (as when a checkpoint's weights will replace them
    anyway). The wide branch's ratios are always counted from the training split.
    With several processes each gets its shard of every split's batches
    (:class:`~textcnn.training.ShardedBatches`).
    """
    data = data or prepare_data(config, tokenizer=tokenizer, distributed=distributed)
    wants_vectors = vectors is None and learn_vectors and config.model.vectors_from_train
    wants_regions = learn_vectors and config.model.region_dim > 0
    corpus = run_corpus(config, data) if (wants_vectors or wants_regions) and distributed.is_main else None
    if wants_vectors:
        # Rank 0 learns them (or reads them from the cache) and hands them over, as it does the tokenizer.
        learned = learn_run_vectors(config, data, corpus, progress=progress) if distributed.is_main else None
        vectors = distributed.share(learned)
    regions = None
    if wants_regions:
        learned = learn_run_regions(config, data.tokenizer, corpus, progress=progress) if distributed.is_main else None
        regions = distributed.share(learned)
    del corpus  # the unlabeled text's ids: not needed past this point
    if distributed.backend == "nccl" and config.model.sparse_embedding:
        logger.info("model.sparse_embedding: NCCL cannot average sparse gradients; the embedding trains dense")
        config = dataclasses.replace(config, model=dataclasses.replace(config.model, sparse_embedding=False))
    seed_everything(config.seed)
    model = get_model(config.model, data.vocab_size, len(data.splits.class_names))
    coverage = None
    if vectors is not None:
        coverage = load_pretrained_embedding(model, vectors, data.tokenizer, data.train_ids, seed=config.seed)
        logger.info(coverage.describe())
    elif config.model.vectors and not config.model.pretrained:
        logger.info("model.vectors is ignored: embedding_mode is 'rand' (vectors learned from scratch)")
    if regions is not None:
        model.load_regions(*regions)
    splits, tc = data.splits, config.train
    if config.model.wide_ngrams:
        counting = eval_batches(data.train_ids, splits.train.labels, tc)
        model.fit_counts((b.ids, b.mask, b.labels) for b in counting)
        logger.info(f"wide branch: naive-Bayes ratios of 1..{config.model.wide_ngrams}-grams from the training texts")
    train = train_batches(data.train_ids, splits.train.labels, tc, config.seed)
    validation = eval_batches(data.validation_ids, splits.validation.labels, tc)
    test = eval_batches(data.test_ids, splits.test.labels, tc)
    if distributed.enabled:
        if tc.batch_size < distributed.world_size:
            raise ConfigError(
                f"train.batch_size is {tc.batch_size}, fewer texts than the {distributed.world_size} processes; "
                "it is the global batch, split over the processes"
            )
        train = ShardedBatches(train, distributed, split_batches=True)
        validation = ShardedBatches(validation, distributed, split_batches=False)
        test = ShardedBatches(test, distributed, split_batches=False)
    return PreparedRun(config, data, model, train, validation, test, coverage)
