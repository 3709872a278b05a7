"""Where the NER proposer reads, the words it is handed, and the conversions it relies on.

The model is the slowest stage, so ``kg_statistical_ner`` reads only part of a
document (``scope``) and reuses the pipeline's jieba words instead of segmenting
again. Both shortcuts must be invisible in the output: the words handed over
have to be the ones the model would have found itself, and the per-line
Simplified conversion in ``clean`` has to equal a whole-text conversion. The
sentences were written for this file; the places are real divisions far from
the seed article (木渎镇, 胥口, 萧山区瓜沥镇, 如皋市), the people invented.
"""

from __future__ import annotations

import hashlib

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

import kg.extract.ner as statistical_ner
import kg.read.normalise as normalise
from kg.errors import ModelError
from kg.extract import components
from kg.extract.ner import load_ner_model, predict_spans, reusable_words
from kg.extract.pipeline import build_pipeline
from kg.extract.statistical import (
    DEFAULT_SCOPE,
    PERSON_CUES,
    SCOPES,
    StatisticalNer,
    _word_start_at_or_after,
    _word_start_at_or_before,
    doc_words,
    ner_ranges,
    words_between,
)
from kg.model import RawDocument, Span
from kg.read.clean import clean_document
from kg.read.normalise import detect_script, to_simplified

#: Three sentences: a cue (书记, 调研), none, and two cues far apart (镇长 … 介绍).
TEXT = (
    "木渎镇党委书记张建国在胥口调研。"
    "今天天气很好，居民在河边散步。"
    "萧山区瓜沥镇镇长李晓明在会上用了很长的时间详细回顾了过去一年的各项工作并介绍了情况。"
)


@pytest.fixture(scope="module")
def segmenter() -> Language:
    """Only the jieba tokenizer and the sentence splitter: what ``ner_ranges`` reads."""
    components.ensure_extensions()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("kg_sentences")
    return nlp


@pytest.fixture(scope="module")
def doc(segmenter: Language) -> Doc:
    return segmenter(TEXT)


@pytest.fixture(scope="module")
def ner_model() -> Language:
    return load_ner_model()


def ranges_for(doc: Doc, scope: str, window: int = 12) -> list[tuple[int, int]]:
    starts, words = doc_words(doc)
    return ner_ranges(doc.text, doc._.kg_sentences, starts, scope, window, words)


def assert_sorted_and_disjoint(ranges: list[tuple[int, int]]) -> None:
    assert all(a < b for a, b in ranges), ranges
    assert all(b <= c for (_, b), (c, _) in zip(ranges, ranges[1:], strict=False)), ranges


# --- words read off the document ------------------------------------------------------------


def test_doc_words_spell_out_the_text_at_their_offsets(doc: Doc) -> None:
    """The words stand in for ``jieba.cut``: they must cover the text exactly, in order."""
    starts, words = doc_words(doc)
    assert "".join(words) == doc.text
    assert all(doc.text[s : s + len(w)] == w for s, w in zip(starts, words, strict=True))
    assert starts == sorted(set(starts))
    assert "张建国" in words and "瓜沥镇" in words


def test_doc_words_keep_a_trailing_space_as_a_word(segmenter: Language) -> None:
    """spaCy folds the space into the previous token; jieba yields it as a word of its own."""
    import jieba

    text = "木渎镇 胥口村"
    starts, words = doc_words(segmenter.make_doc(text))
    assert words == list(jieba.cut(text))
    assert (starts[words.index(" ")], " ") == (3, " ")


def test_doc_words_of_an_empty_document(segmenter: Language) -> None:
    assert doc_words(segmenter.make_doc("")) == ([], [])


def test_doc_words_match_jieba_on_runs_of_whitespace(segmenter: Language) -> None:
    """A byline indented with two ideographic spaces, as scraped pages often are."""
    import jieba

    for text in ("记者\u3000\u3000陈立新报道", "木渎镇\n\n\n胥口村", "如皋  市\r\n\r\n讯"):
        starts, words = doc_words(segmenter.make_doc(text))
        assert words == list(jieba.cut(text))
        assert [text[a : a + len(w)] for a, w in zip(starts, words, strict=True)] == words


def test_words_between_gives_the_words_of_an_aligned_range() -> None:
    starts, words = [0, 3, 4, 6], ["木渎镇", " ", "胥口", "村"]
    assert words_between(starts, words, 0, 3) == ["木渎镇"]
    assert words_between(starts, words, 3, 7) == [" ", "胥口", "村"]
    assert words_between(starts, words, 0, 7) == words


@pytest.mark.parametrize(("start", "end"), [(1, 3), (0, 2), (0, 5), (4, 5), (5, 7)])
def test_words_between_refuses_a_range_that_cuts_a_word(start: int, end: int) -> None:
    """A range that starts or ends inside a word must be segmented anew by the model."""
    starts, words = [0, 3, 4, 6], ["木渎镇", " ", "胥口", "村"]
    assert words_between(starts, words, start, end) is None


@pytest.mark.parametrize(
    ("offset", "before", "after"),
    [(-5, 0, 0), (0, 0, 0), (3, 3, 3), (5, 3, 7), (7, 7, 7), (9, 7, 9)],
)
def test_word_start_lookups_round_to_word_boundaries(offset: int, before: int, after: int) -> None:
    """Windows widen to whole words; past either end they fall back to the text's edge."""
    starts = [0, 3, 7]
    assert _word_start_at_or_before(starts, offset) == before
    assert _word_start_at_or_after(starts, offset) == after


# --- scopes ---------------------------------------------------------------------------------


def test_scopes_are_the_documented_ones() -> None:
    assert SCOPES == (
        "sentences", "cued_sentences", "cue_windows", "named_sentences", "name_like_sentences",
        "cued_named_sentences", "cued_name_like_sentences", "name_windows", "cued_name_windows",
    )
    assert DEFAULT_SCOPE in SCOPES


def sentence_texts(segmenter: Language, text: str, scope: str) -> list[str]:
    doc = segmenter(text)
    return [doc.text[a:b] for a, b in ranges_for(doc, scope)]


#: A cue and a name jieba's dictionary knows (张建国, nr); a cue and no name;
#: a cue and only a word the dictionary does not know (胥口); no cue, a known name.
NAMES_TEXT = "党委书记张建国在会上讲话。居民说今天下雨。居民在胥口说话。陈立新在河边散步。"


def test_named_scopes_read_sentences_with_a_personal_name_in_the_dictionary(
    segmenter: Language,
) -> None:
    assert sentence_texts(segmenter, NAMES_TEXT, "cued_sentences") == [
        "党委书记张建国在会上讲话。", "居民说今天下雨。", "居民在胥口说话。",
    ]
    assert sentence_texts(segmenter, NAMES_TEXT, "cued_named_sentences") == [
        "党委书记张建国在会上讲话。",
    ]
    assert sentence_texts(segmenter, NAMES_TEXT, "named_sentences") == [
        "党委书记张建国在会上讲话。", "陈立新在河边散步。",
    ]


def test_name_like_scopes_also_read_words_the_dictionary_does_not_know(
    segmenter: Language,
) -> None:
    assert sentence_texts(segmenter, NAMES_TEXT, "cued_name_like_sentences") == [
        "党委书记张建国在会上讲话。", "居民在胥口说话。",
    ]
    assert sentence_texts(segmenter, NAMES_TEXT, "name_like_sentences") == [
        "党委书记张建国在会上讲话。", "居民在胥口说话。", "陈立新在河边散步。",
    ]


@pytest.mark.parametrize("scope", ["named_sentences", "name_windows", "cued_name_windows"])
def test_word_based_scopes_need_the_words(doc: Doc, scope: str) -> None:
    starts, _ = doc_words(doc)
    with pytest.raises(ModelError, match="needs the document's words"):
        ner_ranges(doc.text, doc._.kg_sentences, starts, scope, 12)


#: One long cued sentence with a known name (张建国, nr) at its start and a
#: name jieba's dictionary lacks (周文斌) near its end, far apart.
LONG_TEXT = (
    "党委书记张建国在会上用了较多时间详细回顾了过去一年的各项工作以及明年的打算并说周文斌很好。"
)


def name_words(doc: Doc) -> list[tuple[int, int]]:
    """Where the name-like words of ``doc`` are (what ``name_windows`` centres on)."""
    from kg.extract.statistical import _after_or_at_surname, _is_name_word
    from kg.resources import jieba_word_tags

    starts, words = doc_words(doc)
    return [
        (a, a + len(w)) for a, w in zip(starts, words, strict=True)
        if _is_name_word(w, jieba_word_tags(), unknown_too=True)
        and _after_or_at_surname(doc.text, a, w)
    ]


def test_name_windows_hold_every_name_like_word_with_its_context(segmenter: Language) -> None:
    """Each name-like word is read with ``window`` characters either side (within its sentence)."""
    doc = segmenter(LONG_TEXT + NAMES_TEXT)
    starts, words = doc_words(doc)
    centres = name_words(doc)
    assert {doc.text[a:b] for a, b in centres} == {"张建国", "周文斌", "陈立新"}
    for window in (0, 4, 12):
        ranges = ranges_for(doc, "name_windows", window)
        assert_sorted_and_disjoint(ranges)
        for a, b in ranges:
            (sent,) = [s for s in doc._.kg_sentences if s.start <= a and b <= s.end]
            assert a in starts or a == sent.start
            assert b in starts or b == sent.end
            assert any(a <= c and d <= b for c, d in centres), doc.text[a:b]
        for c, d in centres:
            sent = next(s for s in doc._.kg_sentences if s.start <= c < s.end)
            lo, hi = max(sent.start, c - window), min(sent.end, d + window)
            assert any(a <= lo and hi <= b for a, b in ranges), (doc.text[c:d], window)


def test_name_windows_read_less_than_the_sentences_they_sit_in(segmenter: Language) -> None:
    """Two name-like words far apart in a long sentence: two windows, the middle unread."""
    doc = segmenter(LONG_TEXT)
    ranges = ranges_for(doc, "cued_name_windows", 4)
    assert len(ranges) == 2
    assert "张建国" in doc.text[slice(*ranges[0])] and "周文斌" in doc.text[slice(*ranges[1])]
    assert not any(a <= doc.text.index("过去一年") < b for a, b in ranges)
    assert ranges_for(doc, "cued_name_like_sentences") == [(0, len(LONG_TEXT))]
    assert ranges_for(doc, "cued_name_windows", 60) == [(0, len(LONG_TEXT))]


def test_cued_name_windows_skip_sentences_without_a_cue(segmenter: Language) -> None:
    doc = segmenter(NAMES_TEXT)
    read = [doc.text[a:b] for a, b in ranges_for(doc, "cued_name_windows", 40)]
    assert read == ["党委书记张建国在会上讲话。"]
    everywhere = [doc.text[a:b] for a, b in ranges_for(doc, "name_windows", 40)]
    assert everywhere == [*read, "陈立新在河边散步。"]


def test_name_windows_centre_only_on_words_a_person_could_start(segmenter: Language) -> None:
    """An unknown word is read when it starts with a surname or follows one, never otherwise.

    胥口 is shaped like a name but starts with no common surname, so no person
    the model could find there would be kept; 晓燕 follows 罗, a surname
    jieba split off.
    """
    from kg.extract.statistical import _after_or_at_surname

    assert _after_or_at_surname("罗晓燕", 0, "罗晓燕")
    assert _after_or_at_surname("罗晓燕", 1, "晓燕")
    assert not _after_or_at_surname("居民在胥口说话", 3, "胥口")
    assert not _after_or_at_surname("晓燕", 0, "晓燕")
    doc = segmenter("居民在胥口说话。")
    assert ranges_for(doc, "name_windows", 4) == []
    assert ranges_for(doc, "name_like_sentences") == [(0, 8)]


def test_name_windows_skip_words_the_rules_claimed(segmenter: Language) -> None:
    """A name-like word inside a rule's mention gives the model nothing to add: no window."""
    doc = segmenter(LONG_TEXT)
    starts, words = doc_words(doc)
    sentences = doc._.kg_sentences
    at = LONG_TEXT.index("张建国")

    def ranges(claimed: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return ner_ranges(
            doc.text, sentences, starts, "cued_name_windows", 4, words, claimed
        )

    assert len(ranges([])) == 2
    for claimed in ([(at, at + 3)], [(at - 2, at + 5)], [(0, 2), (at - 1, at + 3), (40, 41)]):
        (only,) = ranges(claimed)
        assert "周文斌" in doc.text[slice(*only)] and "张建国" not in doc.text[slice(*only)]
    # a claim that covers only part of the word does not count
    assert len(ranges([(at, at + 2)])) == 2


@pytest.mark.parametrize(
    ("spans", "union"),
    [
        ([], []),
        ([(5, 8), (0, 2)], [(0, 2), (5, 8)]),
        ([(0, 4), (2, 6), (6, 7), (9, 10)], [(0, 7), (9, 10)]),
        ([(3, 9), (4, 5)], [(3, 9)]),
    ],
)
def test_covered_ranges_are_the_sorted_union(
    spans: list[tuple[int, int]], union: list[tuple[int, int]]
) -> None:
    from kg.extract.statistical import covered_ranges

    assert covered_ranges(spans) == union


def test_sentences_scope_reads_every_sentence(doc: Doc) -> None:
    sentences = doc._.kg_sentences
    assert len(sentences) == 3
    assert ranges_for(doc, "sentences") == [(s.start, s.end) for s in sentences]


def test_cued_sentences_scope_skips_sentences_without_a_cue(doc: Doc) -> None:
    first, plain, last = doc._.kg_sentences
    assert PERSON_CUES.search(plain.text) is None  # the test's premise
    assert ranges_for(doc, "cued_sentences") == [(first.start, first.end), (last.start, last.end)]


def test_cue_windows_lie_around_cues_inside_cued_sentences(doc: Doc) -> None:
    """Each window sits in one cued sentence, holds a cue and starts and ends on word bounds."""
    window = 4
    ranges = ranges_for(doc, "cue_windows", window)
    starts, _ = doc_words(doc)
    sentences = doc._.kg_sentences
    assert_sorted_and_disjoint(ranges)
    for a, b in ranges:
        (sent,) = [s for s in sentences if s.start <= a and b <= s.end]
        assert PERSON_CUES.search(doc.text[a:b]), doc.text[a:b]
        assert a in starts or a == sent.start
        assert b in starts or b == sent.end
    # every cue, with ``window`` characters either side (within its sentence), is read
    for sent in sentences:
        for cue in PERSON_CUES.finditer(sent.text):
            lo = max(sent.start, sent.start + cue.start() - window)
            hi = min(sent.end, sent.start + cue.end() + window)
            assert any(a <= lo and hi <= b for a, b in ranges), (cue.group(), ranges)


def test_cue_windows_are_narrower_than_the_long_sentence(doc: Doc) -> None:
    """Two cues far apart in a long sentence give two windows, not the whole sentence."""
    last = doc._.kg_sentences[2]
    inside = [(a, b) for a, b in ranges_for(doc, "cue_windows", 4) if last.start <= a]
    assert len(inside) == 2
    assert sum(b - a for a, b in inside) < len(last.text)
    assert "李晓明" in doc.text[slice(*inside[0])]
    assert not any(a <= doc.text.index("过去一年") < b for a, b in inside)


def test_cue_windows_merge_where_they_meet(doc: Doc) -> None:
    """A window wide enough to reach the next cue joins both into one range."""
    last = doc._.kg_sentences[2]
    wide = [(a, b) for a, b in ranges_for(doc, "cue_windows", 40) if last.start <= a]
    assert wide == [(last.start, last.end)]


def test_cue_windows_read_nothing_without_cues(segmenter: Language) -> None:
    doc = segmenter("今天天气很好，居民在河边散步。晚上下了一场雨。")
    assert ranges_for(doc, "cue_windows") == ranges_for(doc, "cued_sentences") == []
    assert len(ranges_for(doc, "sentences")) == 2


def test_ranges_are_sorted_and_disjoint_for_every_scope(doc: Doc) -> None:
    for scope in SCOPES:
        for window in (0, 3, 12):
            ranges = ranges_for(doc, scope, window)
            assert_sorted_and_disjoint(ranges)
            assert all(a >= 0 and b <= len(doc.text) for a, b in ranges)


def test_ranges_from_hand_made_sentences() -> None:
    """``ner_ranges`` needs only offsets: sentences and word starts given by hand."""
    text = "胥口村民说好。如皋下雨。"
    sentences = [Span(0, 7, "胥口村民说好。"), Span(7, 12, "如皋下雨。")]
    starts = [0, 2, 3, 4, 5, 6, 7, 9, 11]  # 胥口|村|民|说|好|。|如皋|下雨|。
    assert ner_ranges(text, sentences, starts, "cued_sentences", 1) == [(0, 7)]
    assert ner_ranges(text, sentences, starts, "cue_windows", 0) == [(4, 5)]
    assert ner_ranges(text, sentences, starts, "cue_windows", 1) == [(3, 6)]
    assert ner_ranges(text, sentences, starts, "cue_windows", 2) == [(2, 7)]


# --- the component's configuration ----------------------------------------------------------


def test_unknown_scope_is_refused_with_the_choices() -> None:
    with pytest.raises(ModelError, match=r"unknown NER scope 'paragraphs'.*cued_sentences"):
        build_pipeline(use_model=True, ner_config={"scope": "paragraphs"})
    with pytest.raises(ModelError, match="sentences, cued_sentences, cue_windows"):
        StatisticalNer(None, scope="whole_document")


def test_ner_config_reaches_the_component() -> None:
    default = build_pipeline(use_model=True).get_pipe("kg_statistical_ner")
    assert (default.scope, default.window) == (DEFAULT_SCOPE, 12)
    assert DEFAULT_SCOPE == "cued_name_windows"
    nlp = build_pipeline(use_model=True, ner_config={"scope": "cue_windows", "window": 5})
    component = nlp.get_pipe("kg_statistical_ner")
    assert (component.scope, component.window) == ("cue_windows", 5)
    assert nlp.pipe_names.index("kg_statistical_ner") < nlp.pipe_names.index("kg_entity_linker")


def test_the_component_hands_the_model_its_ranges_and_their_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the model is asked to read is exactly the scope's ranges, with their words."""
    seen: list[tuple[list[str], list[list[str] | None]]] = []

    def fake_predict(nlp, texts, batch_size=256, words=None):
        texts, words = list(texts), list(words)
        seen.append((texts, words))
        return iter([[] for _ in texts])

    monkeypatch.setattr(statistical_ner, "predict_spans", fake_predict)
    nlp = build_pipeline(use_model=True, ner_config={"scope": "cue_windows", "window": 4})
    doc = nlp(TEXT)
    ((texts, words),) = seen
    starts, _ = doc_words(doc)
    expected = ner_ranges(TEXT, doc._.kg_sentences, starts, "cue_windows", 4)
    assert texts == [TEXT[a:b] for a, b in expected]
    assert [None if given is None else "".join(given) for given in words] == texts


def test_scope_decides_which_sentences_can_yield_people() -> None:
    """A person named without a cue is found only when every sentence is read."""
    text = "王海峰和陈立新在河边散步。木渎镇镇长周文斌介绍了情况。"

    def people(scope: str) -> set[str]:
        doc = build_pipeline(use_model=True, ner_config={"scope": scope})(text)
        return {m.text for m in doc._.kg_candidates if m.cls == "Person"}

    assert {"王海峰", "陈立新", "周文斌"} <= people("sentences")
    assert people("cued_sentences") == {"周文斌"}
    assert {"王海峰", "陈立新", "周文斌"} <= people("name_like_sentences")
    assert {"王海峰", "陈立新", "周文斌"} <= people("name_windows")
    assert people("cued_name_like_sentences") == {"周文斌"}
    assert people(DEFAULT_SCOPE) == {"周文斌"}


# --- words handed to the model --------------------------------------------------------------


def test_reusable_words_accepts_words_that_spell_the_text() -> None:
    words = ["萧山区", "瓜沥镇", " ", "举办", "活动"]
    assert reusable_words("萧山区瓜沥镇 举办活动", words) == words


def test_reusable_words_folds_full_width_punctuation() -> None:
    """Folding a bracket or comma does not change how jieba splits, so the words are reused."""
    folded = statistical_ner.fold_width("（胥口），如皋")
    assert folded == "(胥口),如皋"
    assert reusable_words(folded, ["（", "胥口", "）", "，", "如皋"]) == [
        "(", "胥口", ")", ",", "如皋",
    ]


@pytest.mark.parametrize("char", [*"０９ＡＺａｚ．＋＃＆＿％－"])
def test_reusable_words_refuses_characters_jieba_joins_once_folded(char: str) -> None:
    """Folded, these join their neighbours into one jieba word, so the text is segmented anew."""
    words = ["如皋", char, "镇"]
    folded = statistical_ner.fold_width("".join(words))
    assert reusable_words(folded, words) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("木渎镇胥口", ["木渎", "胥口"]),  # a character missing
        ("木渎镇", ["木渎镇", "镇"]),  # one too many
        ("（胥口）", ["（", "胥口", "）"]),  # the caller's text, not the folded one
    ],
)
def test_reusable_words_refuses_words_that_do_not_spell_the_text(
    text: str, words: list[str]
) -> None:
    assert reusable_words(text, words) is None


SENTENCES = [
    "萧山区瓜沥镇党委书记王海峰在如皋市调研。",
    "记者陈立新报道：木渎镇胥口村举办农民运动会，周文斌出席。",
    "２０２４年，周文斌在江苏省如皋市考察。",  # full-width digits: words refused
]


def test_predict_spans_with_words_equals_predict_spans_without(
    ner_model: Language, segmenter: Language
) -> None:
    words = [doc_words(segmenter.make_doc(text))[1] for text in SENTENCES]
    plain = list(predict_spans(ner_model, SENTENCES))
    given = list(predict_spans(ner_model, SENTENCES, words=words))
    assert given == plain
    assert ("王海峰", "PER") in {(SENTENCES[0][a:b], label) for a, b, label in plain[0]}


def test_predict_spans_segments_only_texts_whose_words_are_refused(
    ner_model: Language, segmenter: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reused words save the second jieba pass; refused ones fall back to it."""
    import jieba

    cut_texts: list[str] = []
    real_cut = jieba.cut

    def counting_cut(text, *args, **kwargs):
        cut_texts.append(text)
        return real_cut(text, *args, **kwargs)

    words = [doc_words(segmenter.make_doc(text))[1] for text in SENTENCES]
    monkeypatch.setattr(jieba, "cut", counting_cut)
    list(predict_spans(ner_model, SENTENCES, words=words))
    assert cut_texts == [statistical_ner.fold_width(SENTENCES[2])]


def test_predict_spans_needs_one_words_entry_per_text(ner_model: Language) -> None:
    with pytest.raises(ValueError):
        list(predict_spans(ner_model, SENTENCES[:2], words=[None]))


def test_char_bigrams_pair_each_token_with_the_next() -> None:
    nlp = spacy.blank("zh")  # character tokens
    nlp.add_pipe("kg_char_bigrams")
    assert [t.norm_ for t in nlp("瓜沥镇。")] == ["瓜沥", "沥镇", "镇。", "。</s>"]
    # a space folded into a token's whitespace does not break the pair
    assert [t.norm_ for t in nlp("胥口 村")] == ["胥口", "口村", "村</s>"]
    assert len(nlp("")) == 0


# --- script detection with a known Simplified form ------------------------------------------


def test_detect_script_trusts_an_unchanged_simplified_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """When conversion changed nothing the text is Simplified: no conversion is run at all."""

    def no_conversion(text: str) -> str:
        raise AssertionError("converted although the Simplified form was given")

    monkeypatch.setattr(normalise, "to_simplified", no_conversion)
    monkeypatch.setattr(normalise, "to_traditional", no_conversion)
    assert detect_script("萧山区瓜沥镇举办活动。", "萧山区瓜沥镇举办活动。") == "Hans"
    assert detect_script("", "") == "Hans"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("蘇州市吳中區木瀆鎮舉辦鄉村振興活動。", "Hant"),
        ("苏州市吴中区木渎镇举办乡村振兴活动。", "Hans"),
        ("干部在蕭山區瓜瀝鎮工作", "Hant"),  # mainland-converted Traditional
        ("萧山区瓜沥镇的干部說", "Hans"),  # one stray Traditional character
        ("ABC 123", "Hans"),
    ],
)
def test_detect_script_gives_the_same_answer_with_the_hint(text: str, script: str) -> None:
    assert detect_script(text) == script
    assert detect_script(text, to_simplified(text)) == script


# --- clean: the Simplified text is built line by line ---------------------------------------

TRADITIONAL_PAGE = """\
蘇州新聞網
首頁 > 吳中區 > 正文
木瀆鎮舉辦“鄉村振興”主題活動

2024年05月12日 09:30  來源：蘇州日報
　　日前，蘇州市吳中區木瀆鎮(zhèn)舉辦鄉村振興主題活動，胥口鎮代表應邀參加。

　　活動現場，鎮黨委書記張建國表示，將繼續推進乾隆年間古建築的修繕工作。
 \u3000\u3000
　　據介紹，該項目總投資約３億元，預計明年竣工。
（責任編輯：陳立新）
返回頂部
分享讓更多人看到
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_clean_simplified_equals_whole_text_conversion(newline: str) -> None:
    """Joining the lines' Simplified forms gives ``to_simplified`` of the cleaned text."""
    raw_text = TRADITIONAL_PAGE.replace("\n", newline)
    doc = clean_document(RawDocument(source="test.txt", text=raw_text))
    assert doc.text.count("\n") >= 3  # several lines kept, joined by newlines
    assert "(zhèn)" not in doc.text and "返回頂部" not in doc.text  # artifacts went
    assert "乾隆" in doc.text  # a phrase OpenCC converts by context
    assert doc.simplified == to_simplified(doc.text)
    assert "苏州市吴中区木渎镇举办乡村振兴主题活动" in doc.simplified
    assert doc.content_hash == hashlib.sha256(doc.simplified.encode("utf-8")).hexdigest()
    assert doc.script == detect_script(doc.text) == "Hant"


def test_clean_simplified_of_a_simplified_page_is_the_text() -> None:
    raw_text = to_simplified(TRADITIONAL_PAGE)
    doc = clean_document(RawDocument(source="test.txt", text=raw_text))
    assert doc.simplified == doc.text
    assert doc.script == "Hans"
