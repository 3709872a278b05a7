"""The pipeline's tokenizer makes spaCy's jieba tokens and keeps jieba's words.

The texts were written for these tests: Chinese with the kinds of whitespace
scraped news carries (single and double spaces, tabs, CRLF, full-width
spaces, leading and trailing runs), Latin words and digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import jieba
import pytest
import spacy
from hypothesis import given
from hypothesis import strategies as st
from spacy.util import get_words_and_spaces

from kg.extract.components import token_bounds
from kg.extract.pipeline import build_pipeline
from kg.extract.statistical import doc_words, words_from_tokens
from kg.extract.tokenizer import (
    JiebaTokenizer,
    jieba_segmenter,
    kept_words,
    word_starts,
    words_and_spaces,
)

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
    # runs that jieba 0.42 keeps together across "-" (jieba 0.39, hence jieba_fast, did not)
    "2024-05-12 签约，G60-科创走廊--A-1 地块—— 木渎镇-胥口镇",
]


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_are_spacys_jieba_tokens(text: str) -> None:
    """Same token texts and trailing spaces as spaCy's own jieba tokenizer."""
    ours = JiebaTokenizer(spacy.blank("zh").vocab)(text)
    spacys = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})(text)
    assert [(t.text, t.whitespace_) for t in ours] == [(t.text, t.whitespace_) for t in spacys]
    assert ours.text == text


@pytest.mark.parametrize("text", TEXTS)
def test_segmenter_cuts_as_jieba_does(text: str) -> None:
    assert list(jieba_segmenter()(text)) == list(jieba.cut(text))


def test_segmenter_agrees_with_jieba_on_real_text(shared_dir: Path) -> None:
    """jieba_fast cuts as jieba on all but a handful of texts, and always spells the text.

    The texts: the seed, the dev articles and CLUENER's 10,748 news sentences.
    jieba_fast may differ where two cuts score the same or its HMM meets a
    character without figures (4 texts when this was written); more than
    that would mean it no longer runs jieba's algorithm.
    """
    dev = sorted((shared_dir / "eval" / "dev").glob("*.txt"))
    articles = [*dev, *(shared_dir / "seeds").glob("*")]
    texts = [p.read_text(encoding="utf-8") for p in articles]
    with (shared_dir / "data" / "ner" / "cluener2020" / "train.json").open(encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f]
    assert len(texts) > 10_000
    cut = jieba_segmenter()
    differing = 0
    for text in texts:
        ours = list(cut(text))
        assert "".join(ours) == text
        differing += ours != list(jieba.cut(text))
    assert differing <= 10


@pytest.mark.parametrize("text", TEXTS)
def test_alignment_agrees_with_spacy(text: str) -> None:
    words = [w for w in jieba.cut(text) if w]
    assert words_and_spaces(words, text) == get_words_and_spaces(words, text)


@given(st.lists(st.sampled_from(["木渎", "镇", "a", " ", "  ", "\n", "\t", "\u3000", "\r\n", ""])))
def test_alignment_of_words_that_spell_the_text_agrees_with_spacy(words: list[str]) -> None:
    """The shortcut for words that spell their text, as jieba's always do."""
    text = "".join(words)
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
