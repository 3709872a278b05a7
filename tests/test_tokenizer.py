"""The pipeline's tokenizer makes spaCy's jieba tokens and keeps jieba's words.

The texts were written for these tests: Chinese with the kinds of whitespace
scraped news carries (single and double spaces, tabs, CRLF, full-width
spaces, leading and trailing runs), Latin words and digits.
"""

from __future__ import annotations

import jieba
import pytest
import spacy
from spacy.util import get_words_and_spaces

from kg.extract.components import token_bounds
from kg.extract.pipeline import build_pipeline
from kg.extract.statistical import doc_words, words_from_tokens
from kg.extract.tokenizer import JiebaTokenizer, kept_words, word_starts, words_and_spaces

TEXTS = [
    "",
    "木渎镇召开会议。",
    "  木渎镇 召开  会议 \n\n 张建国表示，  要抓好落实。 ",
    "西塘镇\t与\r\n瓜沥镇签约 。",
    "\u3000\u3000萧山区瓜沥镇 2024 年 GDP 增长 5.2% ，AI 产业园 落地。",
    "Hello world  kg 图谱 test\n",
    " ",
    "\n",
    "a  b   c",
]


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_are_spacys_jieba_tokens(text: str) -> None:
    """Same token texts and trailing spaces as spaCy's own jieba tokenizer."""
    ours = JiebaTokenizer(spacy.blank("zh").vocab)(text)
    spacys = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})(text)
    assert [(t.text, t.whitespace_) for t in ours] == [(t.text, t.whitespace_) for t in spacys]
    assert ours.text == text


@pytest.mark.parametrize("text", TEXTS)
def test_alignment_agrees_with_spacy(text: str) -> None:
    words = [w for w in jieba.cut(text) if w]
    assert words_and_spaces(words, text) == get_words_and_spaces(words, text)


def test_alignment_of_words_with_gaps_between_them() -> None:
    """Text the words leave out becomes a token of its own, as in spaCy."""
    text = "甲  乙\t丙 丁"
    words = ["甲", "乙", "丙", "丁"]
    assert words_and_spaces(words, text) == get_words_and_spaces(words, text)
    assert words_and_spaces(words, text) == (
        ["甲", " ", "乙", "\t", "丙", "丁"],
        [True, False, False, False, True, False],
    )


def test_a_word_missing_from_the_text_is_an_error() -> None:
    with pytest.raises(ValueError, match="'丙'"):
        words_and_spaces(["甲", "丙"], "甲乙")


@pytest.mark.parametrize("text", TEXTS)
def test_kept_words_are_jiebas_and_spell_the_text(text: str) -> None:
    doc = JiebaTokenizer(spacy.blank("zh").vocab)(text)
    words = kept_words(doc)
    assert words == [w for w in jieba.cut(text) if w]
    assert "".join(words) == text
    starts = word_starts(words)
    assert [text[s : s + len(w)] for s, w in zip(starts, words, strict=True)] == words


@pytest.mark.parametrize("text", TEXTS)
def test_words_and_bounds_from_kept_words_equal_those_read_off_tokens(text: str) -> None:
    """The shortcuts give what the components read off the tokens without them."""
    nlp = build_pipeline()
    doc = nlp.make_doc(text)
    assert kept_words(doc) is not None
    with_words = doc_words(doc), token_bounds(doc)
    doc.user_data.clear()  # as a Doc from another tokenizer
    assert kept_words(doc) is None
    assert with_words == (words_from_tokens(doc), token_bounds(doc))


def test_word_starts_of_nothing() -> None:
    assert word_starts([]) == []
    assert word_starts(["木渎", "镇"]) == [0, 2]
