"""Text data: Hugging Face datasets in, a trained word-level tokenizer, length-bucketed padded batches out."""

from .batching import BucketedBatches, TokenBatch, collate
from .data import LabeledTexts, TextSplits, load_splits
from .tokenizer import encode, load_tokenizer, train_tokenizer

__all__ = [
    "TokenBatch",
    "BucketedBatches",
    "LabeledTexts",
    "TextSplits",
    "collate",
    "encode",
    "load_splits",
    "load_tokenizer",
    "train_tokenizer",
]
