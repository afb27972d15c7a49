"""Word vectors: word2vec on a tiny corpus, every file format, mapping onto a vocabulary, the CLI."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from gensim.models import KeyedVectors

from tests.conftest import FILLER, NEGATIVE, POSITIVE, make_reviews, write_dataset
from textcnn.cli.main import main
from textcnn.config import DataConfig
from textcnn.errors import UserError
from textcnn.text.data import load_corpus
from textcnn.text.tokenizer import train_tokenizer
from textcnn.text.vectors import (
    Word2VecOptions,
    format_for_name,
    load_vectors,
    save_vectors,
    train_word2vec,
    vectors_for_vocab,
    words_of,
)


def keyed(words: list[str], dim: int = 4, seed: int = 0) -> KeyedVectors:
    kv = KeyedVectors(dim)
    kv.add_vectors(words, np.random.default_rng(seed).normal(size=(len(words), dim)).astype(np.float32))
    return kv


@pytest.fixture(scope="module")
def tiny_word2vec():
    texts, _ = make_reviews(400, seed=0)
    options = Word2VecOptions(dim=12, epochs=30, min_count=1, workers=1, window=3)
    return train_word2vec(words_of(texts), options, num_sentences=len(texts), progress=False)


def test_words_match_the_tokenizer():
    text = "<br />Don't GO, it's <i>awful</i>!"
    assert next(words_of([text])) == ["don't", "go", ",", "it's", "awful", "!"]
    tokenizer = train_tokenizer([text], vocab_size=100, min_frequency=1)
    assert next(words_of([text])) == tokenizer.encode(text).tokens
    assert next(words_of(["ABC"], lowercase=False)) == ["ABC"]
    assert list(words_of(["", None])) == [[], []]


def test_word2vec_learns_the_corpus(tiny_word2vec):
    vectors, stats = tiny_word2vec
    assert vectors.vector_size == 12
    assert set(POSITIVE + NEGATIVE) <= set(vectors.key_to_index)
    assert stats["texts"] == 400 and stats["words"] > 400 * 4 and stats["vocabulary"] == len(vectors)
    # Sentiment words share contexts with their own class far more than with the other (cues co-occur).
    same = np.mean([vectors.similarity(a, b) for a in POSITIVE for b in POSITIVE if a != b])
    across = np.mean([vectors.similarity(a, b) for a in POSITIVE for b in NEGATIVE])
    assert same > across


def test_one_worker_gives_the_same_vectors_every_time(tiny_word2vec):
    texts, _ = make_reviews(400, seed=0)
    options = Word2VecOptions(dim=12, epochs=30, min_count=1, workers=1, window=3)
    again, _ = train_word2vec(words_of(texts), options, progress=False)
    np.testing.assert_array_equal(again.vectors, tiny_word2vec[0].vectors)


@pytest.mark.parametrize(
    "name, fmt, load_as",
    [
        ("v.bin", "word2vec-binary", "auto"),
        ("v.txt", "word2vec-text", "auto"),
        ("g.txt", "glove", "auto"),  # no header line: auto tells it from word2vec-text by the first line
        ("v.kv", "gensim", "gensim"),  # a pickle: loads only when named
    ],
)
def test_vectors_round_trip_in_every_format(tiny_word2vec, tmp_path, name, fmt, load_as):
    vectors, _ = tiny_word2vec
    written = save_vectors(vectors, tmp_path / name, fmt if fmt == "glove" else "auto")
    assert written == fmt and format_for_name(tmp_path / name) == ("word2vec-text" if fmt == "glove" else fmt)
    loaded = load_vectors(tmp_path / name, load_as)
    assert list(loaded.key_to_index) == list(vectors.key_to_index)
    np.testing.assert_allclose(loaded.vectors, vectors.vectors, atol=1e-5)
    assert [f.name for f in tmp_path.iterdir()] == [name]  # one file (gensim's .npy side files too), no .tmp


def test_formats_come_from_the_name():
    assert format_for_name("v.bin") == format_for_name("V.BIN") == "word2vec-binary"
    for name in ("v.txt", "v.vec", "v", "v.glove", "v.bin.txt", "dir.bin/v.txt"):
        assert format_for_name(name) == "word2vec-text"
    for name in ("v.kv", "v.model", "v.pkl", "v.pickle", "v.txt.kv"):
        assert format_for_name(name) == "gensim"


class TouchOnLoad:
    """A pickle payload: unpickling it creates ``marker`` (what an attacker's code would do instead)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("protocol", [0, pickle.HIGHEST_PROTOCOL])  # 0: all ASCII, so its first line is text
@pytest.mark.parametrize("name", ["glove.txt", "vectors.vec", "vectors.bin", "vectors"])
def test_a_pickle_under_a_vectors_name_is_never_unpickled(tmp_path, name, protocol):
    marker = tmp_path / "MARKER"
    file = tmp_path / name
    file.write_bytes(pickle.dumps(TouchOnLoad(marker), protocol=protocol))
    with pytest.raises(UserError, match=f"cannot read .*{name}") as error:
        load_vectors(file)
    assert "\n" not in str(error.value)
    assert not marker.exists()


def test_a_gensim_pickle_loads_only_when_named(tmp_path):
    marker = tmp_path / "MARKER"
    file = tmp_path / "vectors.kv"
    file.write_bytes(pickle.dumps(TouchOnLoad(marker)))
    with pytest.raises(UserError, match="Python pickle that can run code.*vectors_format: gensim") as error:
        load_vectors(file)
    assert "\n" not in str(error.value) and not marker.exists()
    for fmt in ("word2vec-binary", "word2vec-text", "glove"):  # other formats named: read, not unpickled
        with pytest.raises(UserError, match=f"as {fmt} word vectors"):
            load_vectors(file, fmt)
    assert not marker.exists()
    # Named gensim, the pickle is loaded: the payload ran (why auto refuses it), and the result is no vectors.
    with pytest.raises(UserError, match="cannot read .*vectors.kv as gensim word vectors"):
        load_vectors(file, "gensim")
    assert marker.exists()


def test_a_binary_file_named_txt_is_a_one_line_error(tiny_word2vec, tmp_path):
    vectors, _ = tiny_word2vec
    save_vectors(vectors, tmp_path / "v.bin")
    (tmp_path / "v.bin").rename(tmp_path / "v.txt")  # a "count dim" header, then raw float32 bytes
    with pytest.raises(UserError, match="cannot read .*v.txt as word2vec-text word vectors") as error:
        load_vectors(tmp_path / "v.txt")
    assert "\n" not in str(error.value)
    (tmp_path / "raw.txt").write_bytes(bytes(range(255, -1, -1)) * 4)  # not even the first line is text
    with pytest.raises(UserError, match="cannot read .*raw.txt as word2vec-text or glove .* not UTF-8") as error:
        load_vectors(tmp_path / "raw.txt")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("name", ["v.kv", "v.txt", "v.bin"])
@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_an_interrupted_save_leaves_no_temp_file(tiny_word2vec, tmp_path, monkeypatch, name, failure):
    vectors, _ = tiny_word2vec
    (tmp_path / name).write_text("the previous file")

    def fail_midway(self, target, *args, **kwargs):
        if isinstance(target, str):
            Path(target).write_bytes(b"partial")
        else:
            target.write(b"partial")
        raise failure("stopped")

    monkeypatch.setattr(KeyedVectors, "save", fail_midway)
    monkeypatch.setattr(KeyedVectors, "save_word2vec_format", fail_midway)
    with pytest.raises(failure):
        save_vectors(vectors, tmp_path / name)
    assert [f.name for f in tmp_path.iterdir()] == [name]
    assert (tmp_path / name).read_text() == "the previous file"


def test_vectors_map_onto_a_vocabulary(tiny_word2vec, tmp_path):
    vectors, _ = tiny_word2vec
    save_vectors(vectors, tmp_path / "v.bin")
    texts, _ = make_reviews(100, seed=3)
    tokenizer = train_tokenizer(texts + ["zzunseen " * 3], vocab_size=500, min_frequency=1)
    vocab = tokenizer.get_vocab()
    table, coverage = vectors_for_vocab(load_vectors(tmp_path / "v.bin"), vocab)
    assert table.shape == (len(vocab), 12) and table.dtype == torch.float32
    for word in ("great", "awful", "movie"):
        np.testing.assert_allclose(table[vocab[word]].numpy(), vectors[word], atol=1e-6)
    assert torch.all(table[0] == 0)  # padding
    assert coverage.vocabulary == len(vocab) - 2 and coverage.found == coverage.vocabulary - 1  # all but zzunseen
    assert "1 start random" in coverage.describe()


def test_case_insensitive_fallback_missing_words_and_token_coverage():
    kv = keyed(["Good", "good", "Bad", "plot"], dim=6)  # listed by frequency: "Good" is the common casing
    vocab = {"[PAD]": 0, "[UNK]": 1, "good": 2, "bad": 3, "plot": 4, "meh": 5}
    counts = np.array([0, 5, 10, 10, 5, 20])
    table, coverage = vectors_for_vocab(kv, vocab, token_counts=counts, seed=1)
    np.testing.assert_array_equal(table[2].numpy(), kv["good"])  # exact match beats case-insensitive
    np.testing.assert_array_equal(table[3].numpy(), kv["Bad"])
    assert (coverage.found, coverage.case_insensitive, coverage.vocabulary) == (3, 1, 4)
    assert coverage.token_coverage == pytest.approx(25 / 50)
    # Missing words start on the vectors' own scale, not a fixed one.
    found_std = kv.vectors[[0, 1, 2, 3]].std()
    assert coverage.random_std == pytest.approx(float(np.concatenate([kv[w] for w in ("good", "Bad", "plot")]).std()))
    assert 0.1 * found_std < table[5].std() < 10 * found_std
    same, _ = vectors_for_vocab(kv, vocab, token_counts=counts, seed=1)
    torch.testing.assert_close(same, table)  # seeded


def test_bad_vectors_files(tmp_path):
    with pytest.raises(UserError, match="word vectors file not found"):
        load_vectors(tmp_path / "none.bin")
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("2 3\ngood 0.1 0.2 0.3\nbad 0.1 oops\n")
    with pytest.raises(UserError, match="cannot read .*ragged.txt as word2vec-text word vectors"):
        load_vectors(ragged)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(UserError, match="empty.txt"):
        load_vectors(empty)
    with pytest.raises(UserError, match="vectors format 'npy'"):
        load_vectors(ragged, "npy")
    with pytest.raises(UserError, match="architecture: 'glove'"):
        Word2VecOptions(architecture="glove")
    with pytest.raises(UserError, match="dim: 0"):
        Word2VecOptions(dim=0)
    with pytest.raises(UserError, match="no word occurs 50 times"):
        train_word2vec([["a", "b"], ["c"]], Word2VecOptions(dim=4, min_count=50, workers=1), progress=False)


def test_corpus_from_a_dataset_without_held_out_splits(tmp_path):
    folder = write_dataset(tmp_path / "train_only", {"train": 20})
    texts, splits = load_corpus(DataConfig(path=str(folder)))
    assert splits == ["train"] and len(texts) == 20


def test_corpus_leaves_out_the_held_out_splits(tiny_data, tiny_sst):
    texts, splits = load_corpus(DataConfig(path=str(tiny_data)))
    assert splits == ["train"] and len(texts) == 400
    sst_texts, sst_splits = load_corpus(DataConfig(path=str(tiny_sst), text_column="sentence"))
    assert sst_splits == ["train"] and len(sst_texts) == 300  # validation is SST-2's test split
    with pytest.raises(UserError, match="split 'test' is held out for evaluation"):
        load_corpus(DataConfig(path=str(tiny_data)), ["train", "test"])
    with pytest.raises(UserError, match="no split 'unsupervised'"):
        load_corpus(DataConfig(path=str(tiny_data)), ["unsupervised"])
    with pytest.raises(UserError, match="no column 'text'"):
        load_corpus(DataConfig(path=str(tiny_sst)))


def test_vectors_command(tiny_data, tmp_path, capsys):
    out = tmp_path / "w2v.txt"
    args = ["vectors", "--data", str(tiny_data), "--out", str(out), "--dim", "8", "--epochs", "2"]
    assert main([*args, "--min-count", "1", "--workers", "1", "--no-progress"]) == 0
    loaded = load_vectors(out)
    assert loaded.vector_size == 8 and set(FILLER) <= set(loaded.key_to_index)
    info = json.loads((tmp_path / "w2v.txt.json").read_text())
    assert info["splits"] == ["train"] and info["format"] == "word2vec-text" and info["options"]["dim"] == 8
    assert "saved to" in capsys.readouterr().out
    assert main(["vectors", "--data", str(tiny_data), "--splits", "test", "--out", str(tmp_path / "x.bin")]) == 2
    assert "held out for evaluation" in capsys.readouterr().err and not (tmp_path / "x.bin").exists()


def test_words_of_cuts_as_the_tokenizer_does():
    """words_of finds words with the regex module; they must be the run tokenizer's pieces."""
    from textcnn.text.tokenizer import build_tokenizer
    from textcnn.text.vectors import words_of

    texts = [
        "Don't stop -- it's   the film's BEST!!<br /><br />Really.",
        "tabs\tand\nnewlines\u00a0and\u2003em spaces, ｆｕｌｌ-width ＡＢＣ",
        "这部电影非常好看，我很喜欢！ mixed 日本語のテキスト ok",
        "snake_case, e-mail@x.org, 3.14, ½ and émigré naïve İstanbul ΣΊΣΥΦΟΣ",
        "emoji 🎬🍿 and <i>tags</i> and a < b > c",
        "",
        "'quoted' o'clock rock'n'roll ''",
    ]
    for lowercase in (True, False):
        tokenizer = build_tokenizer(lowercase=lowercase)
        expected = [
            [w for w, _ in tokenizer.pre_tokenizer.pre_tokenize_str(tokenizer.normalizer.normalize_str(t))]
            for t in texts
        ]
        assert list(words_of(texts, lowercase=lowercase)) == expected
