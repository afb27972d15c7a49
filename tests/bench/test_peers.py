"""The peers' own text preparation."""

from textcnn.bench.peers import fasttext_line


def test_fasttext_line_is_one_line_with_punctuation_spaced_out() -> None:
    line = fasttext_line()('Great film!<br /><br />I\'d say "10/10".\nYes')
    assert "\n" not in line and "<br" not in line
    assert line.split() == ["great", "film", "!", "i", "'", "d", "say", '"', "10", "/", "10", '"', ".", "yes"]


def test_fasttext_line_keeps_case_and_markup_when_the_run_does() -> None:
    line = fasttext_line(lowercase=False, strip_html=False)("Big <b>Bold</b>\r\nEnd")
    assert line.split() == ["Big", "<b>Bold<", "/", "b>", "End"]


def test_fasttext_line_makes_each_character_a_word_for_text_without_spaces() -> None:
    assert fasttext_line(characters=True)("酒店 很好!\n") == "酒 店 很 好 !"
