"""Vectors a run learns itself (textcnn.text.learned_vectors): keyed by token, cached by what they come from."""

import json
import logging

import numpy as np
import pytest
from tokenizers import Tokenizer, models

from textcnn.config import Word2VecConfig
from textcnn.text.learned_vectors import cache_folder, learn_vectors, vectors_key, word2vec_options
from textcnn.text.token_store import TokenStore


@pytest.fixture
def tokenizer() -> Tokenizer:
    return Tokenizer(models.WordLevel({"[PAD]": 0, "[UNK]": 1, "a b": 2, "好": 3, "##x": 4}, unk_token="[UNK]"))


def _texts(seed: int = 0, n: int = 30) -> TokenStore:
    rng = np.random.default_rng(seed)
    return TokenStore.from_sequences([rng.integers(2, 5, size=12) for _ in range(n)])


OPTIONS = word2vec_options(Word2VecConfig(epochs=2), dim=6, seed=0)


def test_vectors_are_keyed_by_token_whatever_the_token(tokenizer):
    vectors, info = learn_vectors(tokenizer, [_texts()], OPTIONS, cache=None)
    assert sorted(vectors.key_to_index) == ["##x", "a b", "好"]  # a token with a space stays one token
    assert vectors.vector_size == 6
    assert info["cached"] is False and info["texts"] == 30


def test_a_second_learning_on_the_same_tokens_reads_the_cache(tokenizer, tmp_path):
    first, info = learn_vectors(tokenizer, [_texts(), _texts(1, 5)], OPTIONS, cache=tmp_path)
    assert not info["cached"]
    saved = json.loads((tmp_path / f"{info['key']}.bin.json").read_text())
    assert saved["options"]["dim"] == 6 and saved["texts"] == 35
    again, info_again = learn_vectors(tokenizer, [_texts(), _texts(1, 5)], OPTIONS, cache=tmp_path)
    assert info_again["cached"] and info_again["key"] == info["key"]
    for token in first.key_to_index:
        assert np.array_equal(first[token], again[token])


@pytest.mark.parametrize(
    "change",
    ["text", "boundaries", "settings", "vocabulary"],
)
def test_anything_the_vectors_depend_on_changes_the_key(tokenizer, change):
    texts, options, vocab = [_texts()], OPTIONS, tokenizer
    base = vectors_key(vocab, texts, options)
    if change == "text":
        texts = [_texts(seed=1)]
    elif change == "boundaries":  # the same ids, cut into other sentences
        ids = np.concatenate(list(_texts()))
        texts = [TokenStore.from_sequences([ids[:100], ids[100:]])]
    elif change == "settings":
        options = word2vec_options(Word2VecConfig(epochs=3), dim=6, seed=0)
    else:
        vocab = Tokenizer(models.WordLevel({"[PAD]": 0, "[UNK]": 1, "a": 2, "好": 3, "##x": 4}, unk_token="[UNK]"))
    assert vectors_key(vocab, texts, options) != base


def test_an_unreadable_cached_file_is_learned_again_and_replaced(tokenizer, tmp_path, caplog):
    _, info = learn_vectors(tokenizer, [_texts()], OPTIONS, cache=tmp_path)
    (tmp_path / f"{info['key']}.bin").write_bytes(b"not vectors\n")
    with caplog.at_level(logging.WARNING):
        vectors, again = learn_vectors(tokenizer, [_texts()], OPTIONS, cache=tmp_path)
    assert not again["cached"] and "cannot be read" in caplog.text
    assert len(vectors.key_to_index) == 3
    assert learn_vectors(tokenizer, [_texts()], OPTIONS, cache=tmp_path)[1]["cached"]  # the file was replaced


def test_a_cache_that_cannot_be_written_only_warns(tokenizer, tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    with caplog.at_level(logging.WARNING):
        vectors, info = learn_vectors(tokenizer, [_texts()], OPTIONS, cache=blocked / "vectors")
    assert len(vectors.key_to_index) == 3 and not info["cached"]
    assert "not cached" in caplog.text


def test_the_cache_folder_follows_textcnn_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTCNN_CACHE", str(tmp_path))
    assert cache_folder() == tmp_path / "vectors"
    monkeypatch.delenv("TEXTCNN_CACHE")
    assert cache_folder().parts[-3:] == (".cache", "textcnn", "vectors")


def test_a_run_learns_with_its_own_size_and_seed_and_every_token_kept():
    options = word2vec_options(Word2VecConfig(epochs=3, workers=0, sample=1e-4), dim=50, seed=7)
    assert (options.dim, options.seed, options.min_count) == (50, 7, 1)
    assert (options.epochs, options.workers, options.sample) == (3, 0, 1e-4)
