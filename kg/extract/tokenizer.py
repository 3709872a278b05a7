"""The pipeline's tokenizer: jieba's words as spaCy tokens, aligned in linear time.

It makes the same tokens as spaCy's own Chinese tokenizer with the jieba
segmenter (``spacy.lang.zh.ChineseTokenizer``), for two reasons of speed:

- spaCy aligns each word with the text by slicing off the rest of the text
  and searching it (``text[pos:].index(word)``), which copies the remainder
  once per word: quadratic in a document's length, and on 2,000-character
  news articles a fifth of the time jieba itself takes;
- it then drops jieba's words, which the NER proposer needs again as words
  (``statistical.doc_words``) and had to piece back together from the tokens.

The words are kept in ``doc.user_data`` under :data:`JIEBA_WORDS_KEY`, exactly
as the segmenter gave them (whitespace included), so they spell out the text.

The segmenter is jieba's, run by jieba_fast (:func:`jieba_segmenter`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import accumulate

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

#: Where a Doc made by :class:`JiebaTokenizer` keeps ``jieba.cut``'s words.
JIEBA_WORDS_KEY = "kg_doc_jieba_words"
#: Where :func:`kept_words_and_starts` keeps the offsets of those words.
JIEBA_STARTS_KEY = "kg_doc_jieba_word_starts"
#: The tokenizer's name in spaCy's registry, for ``[nlp.tokenizer]`` in a config.
TOKENIZER_NAME = "kg.JiebaTokenizer.v1"


@registry.tokenizers(TOKENIZER_NAME)
def create_jieba_tokenizer() -> Callable[[Language], JiebaTokenizer]:
    """The tokenizer factory spaCy calls with the new pipeline."""

    def create(nlp: Language) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab)

    return create


class JiebaTokenizer:
    """``text`` → Doc whose tokens are jieba's words, as spaCy's jieba tokenizer makes them."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self._cut = jieba_segmenter()

    def __call__(self, text: str) -> Doc:
        words = [word for word in self._cut(text) if word]
        tokens, spaces = words_and_spaces(words, text)
        doc = Doc(self.vocab, words=tokens, spaces=spaces)
        doc.user_data[JIEBA_WORDS_KEY] = words
        return doc


def jieba_segmenter() -> Callable[[str], Iterator[str]]:
    """jieba's accurate mode (``cut_all=False``, with its HMM), run by jieba_fast.

    Why: jieba's dictionary search and HMM are pure Python, and segmenting
    was the largest single step of the extraction (~a quarter of it).
    jieba_fast is jieba with those two steps in C, on the same dictionary
    and HMM tables: 1.8x faster on the benchmark corpus. Two things make it
    cut as jieba does. It is given jieba's dictionary (the one
    ``jieba.initialize`` loaded, which kg also reads for word tags and
    frequencies), so only one is held in memory. And it is a port of jieba
    0.39, whose pattern for runs of word characters lacks the ``-`` jieba
    0.42 added, so it gets jieba's pattern. It still differs where two cuts
    score exactly the same or where the HMM meets a character it has no
    figures for (4 of 10,762 test texts, each a valid cut;
    tests/extract/test_tokenizer.py counts them).
    """
    import jieba
    import jieba_fast

    jieba.initialize()
    fast = jieba_fast.dt
    if not fast.initialized:
        fast.FREQ, fast.total = jieba.dt.FREQ, jieba.dt.total
        fast.initialized = True
    jieba_fast.re_han_default = jieba.re_han_default
    return partial(fast.cut, cut_all=False, HMM=True)


def words_and_spaces(words: Sequence[str], text: str) -> tuple[list[str], list[bool]]:
    """spaCy's token texts and trailing-space flags for ``words`` found in order in ``text``.

    The rules are spaCy's (``spacy.util.get_words_and_spaces``): whitespace
    words are dropped, one ``" "`` right after a word becomes that token's
    trailing space, and any other stretch of text between two words becomes a
    token of its own. Only the search differs: it starts at an offset instead
    of in a copy of the rest of the text. ValueError when a word is not found.
    """
    if all(words) and "".join(words) == text:
        return _spelled_words_and_spaces(words)
    tokens: list[str] = []
    spaces: list[bool] = []
    pos = 0
    size = len(text)
    for word in words:
        if word.isspace():
            continue
        start = text.find(word, pos)
        if start < 0:
            raise ValueError(f"the word {word!r} is not in the text after offset {pos}")
        if start > pos:
            tokens.append(text[pos:start])
            spaces.append(False)
        tokens.append(word)
        pos = start + len(word)
        if pos < size and text[pos] == " ":
            spaces.append(True)
            pos += 1
        else:
            spaces.append(False)
    if pos < size:
        tokens.append(text[pos:])
        spaces.append(False)
    return tokens, spaces


def _spelled_words_and_spaces(words: Sequence[str]) -> tuple[list[str], list[bool]]:
    """:func:`words_and_spaces` for non-empty words that spell their text, as jieba's do.

    Why: then nothing has to be searched, and only the runs of whitespace
    words need a Python step each (a news article has a few dozen, and a
    thousand words); the other words become tokens in slices.
    """
    blank = list(map(str.isspace, words))
    tokens: list[str] = []
    spaces: list[bool] = []
    done = 0  # the words before this one are tokens already
    while (at := _find(blank, True, done)) < len(words):
        end = _find(blank, False, at)
        tokens.extend(words[done:at])
        spaces.extend([False] * (at - done))
        gap = "".join(words[at:end])
        if at > 0 and gap[0] == " ":  # the space right after a word is that token's
            spaces[-1] = True
            gap = gap[1:]
        if gap:
            tokens.append(gap)
            spaces.append(False)
        done = end
    tokens.extend(words[done:])
    spaces.extend([False] * (len(words) - done))
    return tokens, spaces


def _find(flags: list[bool], value: bool, start: int) -> int:
    """The index of the first ``value`` in ``flags`` from ``start`` on, or ``len(flags)``."""
    try:
        return flags.index(value, start)
    except ValueError:
        return len(flags)


def kept_words(doc: Doc) -> list[str] | None:
    """The ``jieba.cut`` words :class:`JiebaTokenizer` kept for ``doc``, if it made it."""
    return doc.user_data.get(JIEBA_WORDS_KEY)


def kept_words_and_starts(doc: Doc) -> tuple[list[str], list[int]] | None:
    """:func:`kept_words` with the offset each starts at (worked out once per doc), or None."""
    words = kept_words(doc)
    if words is None:
        return None
    starts = doc.user_data.get(JIEBA_STARTS_KEY)
    if starts is None:
        starts = doc.user_data[JIEBA_STARTS_KEY] = word_starts(words)
    return words, starts


def word_starts(words: Sequence[str]) -> list[int]:
    """The offset at which each of ``words`` starts when they are joined."""
    return list(accumulate(map(len, words[:-1]), initial=0)) if words else []
