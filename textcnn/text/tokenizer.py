"""The tokenizer (Hugging Face ``tokenizers``), trained on the training split only: words by default,
or subwords (BPE, WordPiece, Unigram) learned from them.

Cleaning, lowercasing and truncation live inside the tokenizer, so ``tokenizer.json`` alone turns
raw text into the ids a trained model expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import BPE, Unigram, WordLevel, WordPiece
from tokenizers.trainers import BpeTrainer, UnigramTrainer, WordLevelTrainer, WordPieceTrainer

from ..config import DataConfig, TokenizerConfig
from ..errors import UserError
from .token_store import TokenStore, TokenStoreBuilder, id_dtype

# Chinese and Japanese are written without spaces: each ideograph or kana is a token of its own
# (as BERT's basic tokenizer splits Chinese characters), so that a clause is not one unseen "word".
CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
# A CJK character; else a word (letters and digits, apostrophes inside words: "don't"); else one
# punctuation mark. For text without CJK characters this is exactly words and punctuation.
WORD_PATTERN = rf"[{CJK}]|[^\W{CJK}]+(?:'[^\W{CJK}]+)*|[^\w\s]"

PAD, UNK = "[PAD]", "[UNK]"
PAD_ID, UNK_ID = 0, 1


def _model(kind: str):
    """The untrained vocabulary model of each tokenizer.kind."""
    return {
        "word": lambda: WordLevel(unk_token=UNK),
        "bpe": lambda: BPE(unk_token=UNK),
        "wordpiece": lambda: WordPiece(unk_token=UNK),
        "unigram": lambda: Unigram(),
    }[kind]()


def _trainer(kind: str, vocab_size: int, min_frequency: int):
    """Its trainer: [PAD] and [UNK] first (ids 0 and 1), then the vocabulary learned from the training text."""
    common = {"vocab_size": vocab_size, "special_tokens": [PAD, UNK], "show_progress": False}
    if kind == "unigram":  # no minimum frequency: Unigram prunes by likelihood
        return UnigramTrainer(unk_token=UNK, **common)
    trainer = {"word": WordLevelTrainer, "bpe": BpeTrainer, "wordpiece": WordPieceTrainer}[kind]
    return trainer(min_frequency=min_frequency, **common)


def word_splitter() -> pre_tokenizers.PreTokenizer:
    """Cut text into the pieces WORD_PATTERN matches, dropping what lies between them (whitespace).

    One pass, with the same pieces as splitting on whitespace and then on the pattern (every character
    but whitespace matches the pattern), in less time. Runs trained with it keep it in their tokenizer.json.
    """
    return pre_tokenizers.Split(Regex(WORD_PATTERN), behavior="removed", invert=True)


def build_tokenizer(
    *, kind: str = "word", lowercase: bool = True, strip_html: bool = True, max_length: int | None = None
) -> Tokenizer:
    """An untrained tokenizer: NFKC, HTML tags to spaces, lowercase, words, CJK characters, punctuation.

    ``kind`` word keeps each word whole; bpe, wordpiece and unigram cut words into learned subwords.
    """
    steps = [normalizers.NFKC()]
    if strip_html:
        steps.append(normalizers.Replace(Regex(r"<[^>]{0,40}>"), " "))  # IMDB's <br /> and friends
    if lowercase:
        steps.append(normalizers.Lowercase())
    tokenizer = Tokenizer(_model(kind))
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = word_splitter()
    if max_length is not None:
        tokenizer.enable_truncation(max_length)
    return tokenizer


def train_tokenizer(
    texts: Sequence[str],
    *,
    vocab_size: int,
    min_frequency: int,
    kind: str = "word",
    lowercase: bool = True,
    strip_html: bool = True,
    max_length: int | None = None,
) -> Tokenizer:
    """Learn the vocabulary from ``texts`` (the training split): [PAD]=0, [UNK]=1, then words or subwords."""
    tokenizer = build_tokenizer(kind=kind, lowercase=lowercase, strip_html=strip_html, max_length=max_length)
    tokenizer.train_from_iterator(texts, trainer=_trainer(kind, vocab_size, min_frequency), length=len(texts))
    return tokenizer


def tokenizer_from_config(texts: Sequence[str], data: DataConfig, tokenizer: TokenizerConfig) -> Tokenizer:
    """:func:`train_tokenizer` with the cleaning, truncation and vocabulary a run config asks for."""
    return train_tokenizer(
        texts,
        vocab_size=tokenizer.vocab_size,
        min_frequency=tokenizer.min_frequency,
        kind=tokenizer.kind,
        lowercase=data.lowercase,
        strip_html=data.strip_html,
        max_length=data.max_length,
    )


def encode(tokenizer: Tokenizer, texts: Sequence[str], chunk: int = 2048) -> TokenStore:
    """Token ids per text (batch-encoded in Rust, truncated as the tokenizer says), stored flat.

    A text with no tokens (empty or only whitespace) becomes a single [UNK], so every text has
    at least one real position.
    """
    builder = TokenStoreBuilder(dtype=id_dtype(tokenizer.get_vocab_size()))  # 2 bytes a token up to 65,536 words
    # In chunks: an Encoding keeps every token's string, offsets and masks, ~100 bytes a token, so
    # encoding all of IMDB at once would hold over a gigabyte that only the ids are needed from.
    for start in range(0, len(texts), chunk):
        encodings = tokenizer.encode_batch_fast(list(texts[start : start + chunk]), add_special_tokens=False)
        builder.extend([e.ids or [UNK_ID] for e in encodings])
    return builder.build()


def tokenization_warnings(tokenizer: Tokenizer, ids: TokenStore, *, long_token: int = 16) -> list[str]:
    """Signs that the tokenizer does not suit the text: few tokens per text, many long or unknown tokens.

    Text with no spaces between words in a script this tokenizer does not split would come out as
    one long "word" per clause: each seen once, so nearly all of them [UNK] or long and rare.
    """
    counts = np.bincount(ids.ids, minlength=tokenizer.get_vocab_size())  # (vocab,): every training token, once
    total = max(int(counts.sum()), 1)
    lengths = np.array([len(tokenizer.id_to_token(i) or "") for i in range(len(counts))])
    long_share = float(counts[lengths >= long_token].sum()) / total
    unknown_share = float(counts[UNK_ID]) / total
    per_text = total / max(len(ids), 1)
    warnings = []
    if long_share > 0.1:
        example = tokenizer.id_to_token(int(np.argmax(np.where(lengths >= long_token, counts, -1))))
        warnings.append(
            f"{long_share:.0%} of training tokens are {long_token}+ characters long (e.g. {example!r}): "
            "is the text written without spaces between words?"
        )
    if unknown_share > 0.3:
        warnings.append(f"{unknown_share:.0%} of training tokens are [UNK]: most words are too rare for the vocabulary")
    if per_text < 2:
        warnings.append(f"only {per_text:.1f} tokens per training text on average")
    return warnings


def save_tokenizer(tokenizer: Tokenizer, path: str | Path) -> None:
    tokenizer.save(str(path))


def load_tokenizer(path: str | Path) -> Tokenizer:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"tokenizer file not found: {path}")
    try:
        return Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a bare Exception on a corrupt file
        raise UserError(f"{path} is not a valid tokenizer.json: {str(error).splitlines()[0]}") from None
