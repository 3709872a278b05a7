"""The trained NER model as a proposer of mentions (``kg_statistical_ner``).

The model (``kg/models/ner-zh/``, trained on MSRA by ``kg train-ner``) proposes
PER/LOC/ORG spans. The rules stay in charge of what they are sure of: a model
span is only added where no rule-based candidate overlaps it, people become
``Person`` mentions, and an organisation span becomes a body only when it ends
in a known suffix, which also gives its fine class. Places are left to the
gazetteer, which knows their codes.

The model is the slowest stage, and in this genre its one clear gain is people,
who appear next to a title, a byline or a verb of speech. So, in the sentences
that carry such a cue, it only reads a few words either side of each word that
may be a name (one jieba's dictionary tags as a personal name, or an unknown
word of two to four Han characters, that starts with or follows a common
surname) and that no rule has already made a mention of; the rules alone
handle the rest, organisations included (they find them by their suffixes).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from spacy.attrs import IDX, LENGTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from kg.errors import ModelError
from kg.extract import lexicon as lx
from kg.extract.ner import doc_text
from kg.extract.rules.mention import Mention
from kg.extract.rules.organisations import org_suffix_class
from kg.extract.tokenizer import kept_words_and_starts
from kg.model import Span
from kg.resources import jieba_word_tags

#: Words near which people are named: titles, bylines, verbs of speech.
PERSON_CUES = re.compile(
    "|".join(sorted(lx.TITLE_WORDS + lx.BYLINE_WORDS, key=len, reverse=True))
    + "|表示|指出|介绍|说|出席|参加|陪同|率|调研|考察"
)

_SURNAME_MIN, _SURNAME_MAX = 2, 4


#: Where the model reads: every sentence, the sentences with a person cue, or
#: only a few words either side of each cue; or, by what jieba's dictionary
#: says of a sentence's words, the sentences with a personal name it knows
#: (``named``) or with such a name or an unknown word shaped like one
#: (``name_like``), with or without a cue as well; or only a few words either
#: side of each such word (``name_windows``) (see :func:`ner_ranges`).
SCOPES = (
    "sentences", "cued_sentences", "cue_windows",
    "named_sentences", "name_like_sentences",
    "cued_named_sentences", "cued_name_like_sentences",
    "name_windows", "cued_name_windows",
)
#: The scope kg builds with: in the sentences with a person cue, ``window``
#: characters either side of each word that may be a name and that no rule
#: has claimed. On MSRA's test file it finds as many people as reading the
#: whole cued sentences that hold such a word (person F1 0.624 against 0.627)
#: from 7% of the text instead of 20% (benchmarks/ner_scope.py).
DEFAULT_SCOPE = "cued_name_windows"
#: Characters either side of what a windowed scope reads around: the shipped
#: model's receptive field (four CNN layers, each one seeing three characters
#: either side), so the characters in the middle get the same vectors as in
#: the whole sentence.
DEFAULT_WINDOW = 12

#: jieba's dictionary tags for personal names.
_NAME_TAGS = frozenset(("nr", "nrt", "nrfg"))
_HAN_NAME = re.compile("[\u4e00-\u9fff]{2,4}")


@Language.factory(
    "kg_statistical_ner",
    requires=["doc._.kg_candidates", "doc._.kg_sentences"],
    assigns=["doc._.kg_candidates"],
    default_config={"model_path": None, "scope": DEFAULT_SCOPE, "window": DEFAULT_WINDOW},
)
def make_statistical_ner(
    nlp: Language, name: str, model_path: str | None, scope: str, window: int
) -> StatisticalNer:
    return StatisticalNer(model_path, scope, window)


class StatisticalNer:
    """Adds model spans that the rules did not already cover."""

    def __init__(
        self, model_path: str | None, scope: str = DEFAULT_SCOPE, window: int = DEFAULT_WINDOW
    ):
        from pathlib import Path

        from kg.extract.ner import load_ner_model

        if scope not in SCOPES:
            raise ModelError(f"unknown NER scope {scope!r}; choose from {', '.join(SCOPES)}")
        self.model = load_ner_model(Path(model_path) if model_path else None)
        self.scope = scope
        self.window = window

    def __call__(self, doc: Doc) -> Doc:
        self._annotate([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        """Annotate ``docs`` a batch at a time: the model reads the batch's ranges together.

        Why: the model reads a few short ranges per document, and running it
        has a cost per call besides its cost per character; reading the ranges
        of several documents in one call made it a quarter faster on news
        text, with the same answers (each range is still its own input).
        """
        for batch in minibatch(docs, batch_size):
            yield from self._annotate(list(batch))

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        """Add the model's mentions to each doc's ``kg_candidates``."""
        from kg.extract.ner import predict_spans

        plans = [self._ranges(doc) for doc in docs]
        texts = [plan.text[a:b] for plan in plans for a, b in plan.ranges]
        given = [words for plan in plans for words in plan.words]
        # read whole: predict_spans keeps the model's memory zone open until its last result
        found_by_range = iter(list(predict_spans(self.model, texts, words=given)))
        for doc, plan in zip(docs, plans, strict=True):
            spans: list[tuple[int, int, str]] = []
            for offset, _ in plan.ranges:
                spans += [(offset + a, offset + b, label) for a, b, label in next(found_by_range)]
            doc._.kg_candidates = plan.candidates + model_mentions(
                plan.text, spans, plan.candidates
            )
        return docs

    def _ranges(self, doc: Doc) -> _ReadPlan:
        candidates: list[Mention] = list(doc._.kg_candidates or [])
        text = doc_text(doc)
        starts, words = doc_words(doc)
        claimed = covered_ranges((c.start, c.end) for c in candidates)
        ranges = ner_ranges(
            text, doc._.kg_sentences or [], starts, self.scope, self.window, words, claimed
        )
        given = [words_between(starts, words, a, b) for a, b in ranges]
        return _ReadPlan(text, candidates, ranges, given)


@dataclass(frozen=True)
class _ReadPlan:
    """What the model reads in one document: its ranges, with the words of each."""

    text: str
    candidates: list[Mention]
    ranges: list[tuple[int, int]]
    words: list[list[str] | None]


def ner_ranges(
    text: str,
    sentences: Sequence[Span],
    word_starts: Sequence[int],
    scope: str,
    window: int,
    words: Sequence[str] | None = None,
    claimed: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """The ``(start, end)`` character ranges the model reads, in text order.

    ``cue_windows`` keeps, inside each cued sentence, ``window`` characters
    either side of every cue, widened to whole words (``word_starts``) so the
    model sees the same words the tokenizer found, and merged where they meet.
    The ``named`` and ``name_like`` scopes need ``words`` (one per start): a
    sentence qualifies when one of its words is a personal name in jieba's
    dictionary (``nr``); ``name_like`` also takes a word of two to four Han
    characters the dictionary does not know, which is how a new name looks
    after jieba's HMM has joined its characters. ``name_windows`` reads the
    same way as ``cue_windows``, around each name-like word instead of each
    cue, except words inside ``claimed`` (sorted, disjoint ranges the rules
    already made mentions of: a model span there would be dropped anyway).
    """
    if scope == "sentences":
        return [(s.start, s.end) for s in sentences]
    cued_only = scope.startswith("cued_")
    word_based = ("named", "name_like", "name_windows")
    if any(kind in scope for kind in word_based) and words is None:
        raise ModelError(f"the NER scope {scope!r} needs the document's words")
    if words is not None and scope.endswith("name_windows"):
        return name_windows(text, sentences, word_starts, words, window, cued_only, claimed)
    if words is not None and ("named" in scope or "name_like" in scope):
        name_like = "name_like" in scope
        chosen = [
            s for s in sentences
            if (not cued_only or PERSON_CUES.search(s.text))
            and _has_name_word(
                words[bisect_left(word_starts, s.start) : bisect_left(word_starts, s.end)],
                name_like,
            )
        ]
        return [(s.start, s.end) for s in chosen]
    cued = [s for s in sentences if PERSON_CUES.search(s.text)]
    if scope == "cued_sentences":
        return [(s.start, s.end) for s in cued]
    ranges: list[tuple[int, int]] = []
    for sent in cued:
        centres = [
            (sent.start + cue.start(), sent.start + cue.end())
            for cue in PERSON_CUES.finditer(sent.text)
        ]
        ranges += _windows(centres, sent, word_starts, window)
    return ranges


def name_windows(
    text: str,
    sentences: Sequence[Span],
    word_starts: Sequence[int],
    words: Sequence[str],
    window: int,
    cued_only: bool,
    claimed: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """``window`` characters either side of each word that may be a name, on word bounds.

    A word may be a name when :func:`_is_name_word` accepts it and it starts
    with or follows a common surname (:func:`_after_or_at_surname`). Why
    windows and not sentences: the model's answer for a word depends only on
    the characters within its receptive field, so a window of that width
    gives the word the same reading for a fraction of the work; long
    sentences with one name in them are common in news.
    """
    tags = jieba_word_tags()
    ranges: list[tuple[int, int]] = []
    for sent in sentences:
        if cued_only and not PERSON_CUES.search(text, sent.start, sent.end):
            continue
        centres = []
        for at in range(bisect_left(word_starts, sent.start), bisect_left(word_starts, sent.end)):
            start, word = word_starts[at], words[at]
            if (
                _after_or_at_surname(text, start, word)
                and _is_name_word(word, tags, unknown_too=True)
                and not _within(claimed, start, start + len(word))
            ):
                centres.append((start, start + len(word)))
        ranges += _windows(centres, sent, word_starts, window)
    return ranges


def _after_or_at_surname(text: str, start: int, word: str) -> bool:
    """Whether ``word`` (at ``start``) begins with a common surname or directly follows one.

    Why: a person the model finds is kept only when its name starts with such
    a surname (:func:`model_mentions`), and jieba either keeps a new name whole
    or splits its surname off; a window around any other word cannot yield one.
    (It could yield an organisation, which the rules find by suffix anyway: the
    dev set's scores are the same with and without this condition.)
    """
    # one character at a time: ``"" in SURNAMES`` is true
    return (word != "" and word[0] in lx.SURNAMES) or (start > 0 and text[start - 1] in lx.SURNAMES)


def _windows(
    centres: Sequence[tuple[int, int]], sent: Span, word_starts: Sequence[int], window: int
) -> list[tuple[int, int]]:
    """``window`` characters either side of each centre, on word bounds, in ``sent``, merged."""
    merged: list[list[int]] = []
    for start, end in centres:
        left = max(_word_start_at_or_before(word_starts, start - window), sent.start)
        right = min(_word_start_at_or_after(word_starts, end + window), sent.end)
        if merged and left <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    return [(a, b) for a, b in merged]


def covered_ranges(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of ``spans`` as sorted, disjoint ``(start, end)`` ranges."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _within(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside one of the sorted, disjoint ``ranges``."""
    at = bisect_right(ranges, (start, math.inf)) - 1  # the last range starting at or before
    return at >= 0 and ranges[at][1] >= end


def _is_name_word(word: str, tags: dict[str, str], unknown_too: bool) -> bool:
    """A personal name in jieba's dictionary or, with ``unknown_too``, a 2–4 Han word it lacks."""
    if len(word) < 2:
        return False
    tag = tags.get(word)
    return tag in _NAME_TAGS or (unknown_too and tag is None and bool(_HAN_NAME.fullmatch(word)))


def _has_name_word(words: Sequence[str], unknown_too: bool) -> bool:
    """Whether one of ``words`` is a name word (:func:`_is_name_word`)."""
    tags = jieba_word_tags()
    return any(_is_name_word(word, tags, unknown_too) for word in words)


def _word_start_at_or_before(starts: Sequence[int], offset: int) -> int:
    at = bisect_right(starts, offset) - 1
    return starts[at] if at >= 0 else 0


def _word_start_at_or_after(starts: Sequence[int], offset: int) -> int:
    at = bisect_left(starts, offset)
    return starts[at] if at < len(starts) else offset


#: How ``jieba.cut`` splits a run of whitespace: one word per character, CRLF kept whole.
_JIEBA_SPACE = re.compile(r"\r\n|\s")


def doc_words(doc: Doc) -> tuple[list[int], list[str]]:
    """The document's ``jieba.cut`` words and their start offsets.

    The pipeline's tokenizer already segmented the whole text and kept its
    words (:mod:`kg.extract.tokenizer`); handing them to the model saves
    segmenting each range again. A Doc made by another tokenizer has its
    words read off its tokens instead (:func:`words_from_tokens`).
    """
    kept = kept_words_and_starts(doc)
    if kept is None:
        return words_from_tokens(doc)
    words, starts = kept
    return list(starts), list(words)


def words_from_tokens(doc: Doc) -> tuple[list[int], list[str]]:
    """``jieba.cut``'s words and their starts, pieced together from spaCy's tokens.

    A space that spaCy kept as a token's trailing whitespace is a word of its
    own here, as jieba yields it, and so is each character of a run of spaces.
    """
    if not len(doc):
        return [], []
    text = doc_text(doc)
    starts: list[int] = []
    words: list[str] = []
    for start, length, space in doc.to_array([IDX, LENGTH, SPACY]).tolist():
        word = text[start : start + length]
        if length > 1 and word.isspace():
            # spaCy keeps a run of spaces as one token; jieba yields each space
            at = start
            for piece in _JIEBA_SPACE.findall(word):
                starts.append(at)
                words.append(piece)
                at += len(piece)
        else:
            starts.append(start)
            words.append(word)
        if space:
            starts.append(start + length)
            words.append(text[start + length])
    return starts, words


def words_between(
    starts: Sequence[int], words: Sequence[str], start: int, end: int
) -> list[str] | None:
    """The words that exactly cover ``text[start:end]``, or None when it cuts a word."""
    first, stop = bisect_left(starts, start), bisect_left(starts, end)
    inside = list(words[first:stop])
    aligned = first < len(starts) and starts[first] == start
    return inside if aligned and sum(map(len, inside)) == end - start else None


def model_mentions(
    text: str, spans: list[tuple[int, int, str]], candidates: list[Mention]
) -> list[Mention]:
    """Turn model spans into mentions where the rules have nothing to say."""
    out: list[Mention] = []
    for start, end, label in spans:
        if any(c.start < end and start < c.end for c in candidates):
            continue
        name = text[start:end]
        if label == "PER" and _SURNAME_MIN <= len(name) <= _SURNAME_MAX and name[0] in lx.SURNAMES:
            out.append(Mention(start, end, name, "Person", "ner.person", certain=False))
        elif label == "ORG":
            hit = org_suffix_class(name)
            if hit and len(name) > len(hit[0]) + 1:
                out.append(Mention(start, end, name, hit[1], "ner.org", certain=False))
    return out
