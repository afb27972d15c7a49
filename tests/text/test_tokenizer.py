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
    assert len(ids[3]) == 4 and all(x.dtype == np.uint16 for x in ids)  # a small vocabulary: 2-byte ids


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


def test_chinese_and_japanese_become_one_token_per_character():
    from textcnn.text.tokenizer import build_tokenizer

    tok = build_tokenizer()

    def words(text: str) -> list[str]:
        return [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(tok.normalizer.normalize_str(text))]

    assert words("这部电影非常好看，我很喜欢！") == [
        "这",
        "部",
        "电",
        "影",
        "非",
        "常",
        "好",
        "看",
        ",",
        "我",
        "很",
        "喜",
        "欢",
        "!",
    ]
    assert words("映画は面白い") == ["映", "画", "は", "面", "白", "い"]
    assert words("iPhone手机 I didn't like it.") == ["iphone", "手", "机", "i", "didn't", "like", "it", "."]


def test_degenerate_tokenization_is_flagged():
    from textcnn.text.tokenizer import tokenization_warnings

    rng = np.random.default_rng(0)
    # Thai has no spaces between words and no per-character rule here: each clause is one long token.
    clauses = ["ภาพยนตร์เรื่องนี้ดีมาก", "ฉันไม่ชอบเลยจริงๆ", "นักแสดงเล่นได้ดีเยี่ยม", "เนื้อเรื่องน่าเบื่อมาก"]
    texts = [" ".join(rng.choice(clauses, 2)) + str(i) for i in range(50)]
    tok = train_tokenizer(texts, vocab_size=100, min_frequency=1)
    assert any("characters long" in w for w in tokenization_warnings(tok, encode(tok, texts)))
    english = train_tokenizer(CORPUS, vocab_size=100, min_frequency=1)
    assert tokenization_warnings(english, encode(english, CORPUS)) == []


@pytest.mark.parametrize("kind", ["bpe", "wordpiece", "unigram"])
def test_subword_tokenizers_cover_unseen_words(kind):
    texts = ["the unbelievably wonderful film was unforgettable", "an unwatchable, unbearable mess"] * 20
    tok = train_tokenizer(texts, vocab_size=80, min_frequency=1, kind=kind)
    assert tok.token_to_id("[PAD]") == PAD_ID and tok.token_to_id("[UNK]") == UNK_ID
    pieces = tok.encode("unwonderful").tokens
    assert len(pieces) >= 2 and "[UNK]" not in pieces  # an unseen word, cut into pieces it has seen
    word = train_tokenizer(texts, vocab_size=80, min_frequency=1)
    assert word.encode("unwonderful").tokens == ["[UNK]"]


def test_subwords_and_word_vectors_do_not_mix():
    from textcnn.config import load_config
    from textcnn.errors import ConfigError

    with pytest.raises(ConfigError, match="tokenizer.kind: 'bpe' cuts words into subwords, but embedding_mode"):
        load_config(None, ["tokenizer.kind=bpe", "model.embedding_mode=static", "model.vectors=v.bin"])
    with pytest.raises(ConfigError, match="tokenizer.kind: 'chars' is not allowed"):
        load_config(None, ["tokenizer.kind=chars"])


def test_one_pass_word_splitter_cuts_as_the_two_step_one_did():
    """The single Split gives exactly the pieces of WhitespaceSplit then Split(isolated) (the first version's)."""
    from tokenizers import Regex, pre_tokenizers

    from textcnn.text.tokenizer import WORD_PATTERN, word_splitter

    two_step = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex(WORD_PATTERN), behavior="isolated")]
    )
    texts = [
        "Don't stop -- it's   the film's best!!",
        "tabs\tand\nnewlines\u00a0and\u2003em spaces",
        "这部电影非常好看，我很喜欢！ mixed 日本語のテキスト ok",
        "snake_case, e-mail@x.org, 3.14, ½ and émigré naïve",
        "emoji 🎬🍿 and <br /> tags",
        "",
        "   ",
        "'quoted' o'clock rock'n'roll ''",
    ]
    for text in texts:
        assert word_splitter().pre_tokenize_str(text) == two_step.pre_tokenize_str(text), text
