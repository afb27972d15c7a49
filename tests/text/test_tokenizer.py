import numpy as np
import pytest

from textcnn.errors import UserError
from textcnn.text.tokenizer import PAD_ID, UNK_ID, encode, load_tokenizer, save_tokenizer, train_tokenizer

CORPUS = [
    "A great movie.<br /><br />I loved it!",
    "An awful movie, I didn't like it.",
    "Great acting; great story.",
] * 3


def test_cleaning_lowercase_and_punctuation():
    tok = train_tokenizer(CORPUS, vocab_size=100, min_frequency=1)
    tokens = tok.encode("GREAT movie.<br />I didn't").tokens
    assert tokens == ["great", "movie", ".", "i", "didn't"]
    assert tok.token_to_id("[PAD]") == PAD_ID and tok.token_to_id("[UNK]") == UNK_ID
    assert tok.token_to_id("<br") is None and tok.token_to_id("br") is None


def test_vocabulary_respects_size_and_min_frequency():
    tok = train_tokenizer(CORPUS + ["rareword"], vocab_size=100, min_frequency=2)
    assert tok.token_to_id("rareword") is None and tok.token_to_id("great") is not None
    assert train_tokenizer(CORPUS, vocab_size=5, min_frequency=1).get_vocab_size() == 5


def test_encode_empty_unknown_and_truncation():
    tok = train_tokenizer(CORPUS, vocab_size=100, min_frequency=1, max_length=4)
    ids = encode(tok, ["", "   ", "zzz qqq", "great great great great great great"])
    assert [list(x) for x in ids[:3]] == [[UNK_ID], [UNK_ID], [UNK_ID, UNK_ID]]
    assert len(ids[3]) == 4 and all(x.dtype == np.int32 for x in ids)


def test_save_load_round_trip(tmp_path):
    tok = train_tokenizer(CORPUS, vocab_size=100, min_frequency=1, max_length=8)
    save_tokenizer(tok, tmp_path / "tokenizer.json")
    again = load_tokenizer(tmp_path / "tokenizer.json")
    texts = ["Great movie.<br />Loved it", "awful " * 20]
    assert [list(x) for x in encode(again, texts)] == [list(x) for x in encode(tok, texts)]


def test_load_errors(tmp_path):
    with pytest.raises(UserError, match="tokenizer file not found"):
        load_tokenizer(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(UserError, match="not a valid tokenizer.json"):
        load_tokenizer(tmp_path / "bad.json")
