"""Property-based fuzzing of the cleaner, the normaliser and the extractor.

Documents are generated to look like what kg meets: runs of Han characters
taken from the seed article (Traditional, as published, and Simplified),
administrative and organisational suffixes, Chinese quotes and enumeration
commas, pinyin annotations after characters (``區(qū)``, right and wrong),
HTML tags and entities, header and footer lines, control and invisible
characters, astral characters and arbitrary Unicode.

For every document:

- cleaning, normalising and extracting raise nothing;
- the cleaned text maps back into the raw text, character by character;
- every span the extractor reports (sentences, mentions, relation evidence)
  lies inside the cleaned text and ``text[start:end]`` is the span's text;
- every IRI of the document's graph is an absolute http(s) IRI without the
  characters RFC 3987 forbids, and Oxigraph's strict parser accepts it;
- the graph survives N-Triples serialisation and strict re-parsing;
- one document in ``SHACL_EVERY`` is validated against the SHACL shapes.

``make test`` runs ``FAST_EXAMPLES`` documents; ``make test-slow`` runs
``SLOW_EXAMPLES`` more.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin
from rdflib import BNode, Graph, Literal, URIRef

from kg.base.vocab import ADMIN_CLASSES
from kg.extract.pipeline import extract_document
from kg.graph.document import document_triples
from kg.model import CleanDocument, Extraction, RawDocument, Span
from kg.read.clean import clean_document
from kg.read.normalise import (
    HAN_CHAR,
    detect_script,
    english_place_name,
    normalise_name,
    pinyin_label,
    to_simplified,
    to_traditional,
)
from kg.store.validate import load_shapes, validate_graph

REPO = Path(__file__).resolve().parents[1]
FAST_EXAMPLES = 500
SLOW_EXAMPLES = 10_000
SHACL_EVERY = 10

#: An absolute http(s) IRI with none of the characters RFC 3987 and SPARQL's IRIREF forbid.
STRICT_IRI = re.compile(r'https?://[^\x00-\x20<>"{}|^`\\\x7f-\x9f]+')
_HAN_RUN = re.compile(f"[{HAN_CHAR}]+")


# --------------------------------------------------------------------------- generators


@lru_cache(maxsize=1)
def seed_words() -> tuple[str, ...]:
    """Two- to four-character pieces of the seed article, in both scripts."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt")))
    words: set[str] = set()
    for run in _HAN_RUN.findall(text):
        for size in (2, 3, 4):
            words.update(run[i : i + size] for i in range(0, max(1, len(run) - size + 1), size))
    words |= {to_simplified(w) for w in words}
    return tuple(sorted(words))


SUFFIXES = ("镇", "鎮", "区", "區", "县", "街道", "村", "党委", "黨委", "公司", "联盟", "聯盟",
            "市", "省", "工业园", "合作社", "服务中心", "项目")
PUNCTUATION = ("、", "，", "。", "；", "：", "！", "？", ",", ".", " ", "\u3000", "\n", "\n\n",
               "\r\n", "\t", "(", ")", "（", "）", "《", "》", "【", "】", "—", "…")
MARKUP = ("<p>", "</p>", "<div>", "</div>", "<br/>", "<script>", "</script>",
          '<img src=x onerror="alert(1)">', "<a href='javascript:alert(1)'>", "</a>",
          "&amp;", "&lt;", "&#x3c;", "&nbsp;", "<!--", "-->", "<![CDATA[", "]]>", "# ", "**",
          "> ", "- ", "[链接](http://example.org/a b)", "{", "}", "\\", "\"", "'", "`", "|", "^")
HEADER_LINES = ("人民網>>上海頻道", "2022年01月19日12:20 |", "(來源:金山報)", "(責編:沐一帆、韓慶)",
                "返回頂部", "分享讓更多人看到", "# source: https://example.org/news?id=1 2",
                "# title: 標題", "发布时间：2021-03-05 08:00", "来源：某某日报", "小字號")
CONTROL = tuple(chr(c) for c in (*range(0x00, 0x20), 0x7F, 0x85)) + (
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2028", "\u2029", "\ufffd",
)
ASTRAL = ("𠀀", "𪚥", "😀", "🇨🇳", "\U0010fffd")


@st.composite
def pinyin_annotated(draw: st.DrawFn) -> str:
    """A word with a bracketed reading after one of its characters, right or wrong."""
    word = draw(st.sampled_from(seed_words()))
    at = draw(st.integers(0, len(word) - 1))
    right = lazy_pinyin(word[at], style=Style.TONE)[0]
    reading = draw(st.sampled_from((right, right.upper(), "qū", "Lego", "dé guó", "")))
    left, close = draw(st.sampled_from((("(", ")"), ("（", "）"), ("(", "）"))))
    return f"{word[: at + 1]}{left}{reading}{close}{word[at + 1 :]}"


def piece() -> st.SearchStrategy[str]:
    words = st.sampled_from(seed_words())
    return st.one_of(
        words,
        st.tuples(words, st.sampled_from(SUFFIXES)).map("".join),
        words.map(lambda w: f"“{w}”"),
        st.lists(words, min_size=2, max_size=4).map("、".join),
        st.sampled_from(PUNCTUATION),
        pinyin_annotated(),
        st.sampled_from(MARKUP),
        st.sampled_from(HEADER_LINES).map(lambda line: f"\n{line}\n"),
        st.sampled_from(CONTROL),
        st.sampled_from(ASTRAL),
        st.integers(0, 10**6).map(str),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=4),
    )


def news_text(max_pieces: int) -> st.SearchStrategy[str]:
    return st.lists(piece(), max_size=max_pieces).map("".join)


def optional_text() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), news_text(4), st.sampled_from(HEADER_LINES))


@st.composite
def raw_documents(draw: st.DrawFn, max_pieces: int = 40) -> RawDocument:
    return RawDocument(
        source=draw(st.sampled_from(("fuzz.txt", "目錄/文章 1.html", "dump.jsonl:7"))),
        text=draw(news_text(max_pieces)),
        doc_id=draw(st.one_of(st.none(), st.text(max_size=12).filter(_is_unicode_text))),
        title=draw(optional_text()),
        date=draw(st.one_of(st.none(), st.sampled_from(
            ("2022-01-19", "2022年1月19日", "19/01/2022", "2022-13-45", "昨天", "")))),
        url=draw(st.one_of(st.none(), st.sampled_from(
            ("https://example.org/a", "https://example.org/a b", "javascript:alert(1)",
             "http://例子.中国/新闻?x=<y>", "ftp://x", "")))),
        media_type=draw(st.sampled_from(("text", "markdown", "html", "jsonl"))),
    )


def _is_unicode_text(value: str) -> bool:
    return not any("\ud800" <= c <= "\udfff" for c in value)


# --------------------------------------------------------------------------- properties


def check_clean(raw: RawDocument, clean: CleanDocument) -> None:
    assert len(clean.simplified) == len(clean.text) == len(clean.raw_offsets)
    assert all(0 <= o < len(raw.text) for o in clean.raw_offsets)
    assert all(a < b for a, b in zip(clean.raw_offsets, clean.raw_offsets[1:], strict=False))
    assert clean.text == "".join(raw.text[o] for o in clean.raw_offsets)
    assert clean.doc_id


def check_span(clean: CleanDocument, span: Span, what: str) -> None:
    assert 0 <= span.start <= span.end <= len(clean.text), f"{what} {span} outside the text"
    assert clean.text[span.start : span.end] == span.text, (
        f"{what} {span}: the cleaned text there is {clean.text[span.start : span.end]!r}"
    )


def check_extraction(ex: Extraction) -> None:
    clean = ex.doc
    for sentence in ex.sentences:
        check_span(clean, sentence, "sentence")
    for entity in ex.entities.values():
        assert entity.label, f"entity {entity.key!r} has an empty label"
        for span, rule in entity.mentions:
            check_span(clean, span, f"mention ({rule}) of {entity.key!r}")
    for relation in ex.relations:
        check_span(clean, relation.evidence, f"evidence of {relation.predicate}")
        assert 0 <= relation.sentence_index < max(1, len(ex.sentences))


def check_normaliser(text: str) -> None:
    assert len(to_simplified(text)) == len(text)
    assert len(to_traditional(text)) == len(text)
    assert detect_script(text) in ("Hans", "Hant")
    normalise_name(text)
    pinyin_label(text)
    for cls in ADMIN_CLASSES:
        english_place_name(text, cls)


def check_iri(term: URIRef) -> None:
    assert STRICT_IRI.fullmatch(str(term)), f"invalid IRI {str(term)!r}"
    ox.NamedNode(str(term))  # Oxigraph validates IRIs strictly (raises ValueError)


def check_graph(triples: list) -> Graph:
    """IRIs are valid; the graph round-trips through N-Triples and a strict parser."""
    for triple in triples:
        for term in triple:
            assert not isinstance(term, BNode)
            if isinstance(term, URIRef):
                check_iri(term)
            else:
                assert isinstance(term, Literal)
                assert _is_unicode_text(str(term))
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    text = graph.serialize(format="nt")
    strict = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    assert len(strict) == len(graph)
    again = Graph().parse(data=text, format="nt")
    assert len(again) == len(graph)
    return graph


class Counter:
    """How many documents went through, and how many were SHACL-validated."""

    documents = 0
    validated = 0


@lru_cache(maxsize=1)
def shapes() -> Graph:
    return load_shapes()


def check_document(raw: RawDocument) -> None:
    check_normaliser(raw.text)
    clean = clean_document(raw)
    check_clean(raw, clean)
    ex = extract_document(clean)
    check_extraction(ex)
    graph = check_graph(document_triples(ex))
    Counter.documents += 1
    if Counter.documents % SHACL_EVERY == 0:
        conforms, report = validate_graph(graph, shapes())
        assert conforms, report
        Counter.validated += 1


FUZZ_SETTINGS = {
    "deadline": None,
    "database": None,  # no example database written into the repository
    "suppress_health_check": [
        HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture,
    ],
}


@pytest.fixture
def report_counts():
    before = (Counter.documents, Counter.validated)
    started = time.monotonic()
    yield
    documents = Counter.documents - before[0]
    validated = Counter.validated - before[1]
    print(f"\nfuzzed {documents} documents ({validated} SHACL-validated) "
          f"in {time.monotonic() - started:.1f} s")


@settings(max_examples=FAST_EXAMPLES, **FUZZ_SETTINGS)
@given(raw=raw_documents(max_pieces=30))
def test_fuzz_pipeline(raw: RawDocument, report_counts) -> None:
    check_document(raw)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, **FUZZ_SETTINGS)
@given(raw=raw_documents(max_pieces=80))
def test_fuzz_pipeline_nightly(raw: RawDocument, report_counts) -> None:
    check_document(raw)


@settings(max_examples=200, **FUZZ_SETTINGS)
@given(name=st.one_of(news_text(3), st.text(st.characters(exclude_categories=("Cs",)))))
def test_fuzz_normaliser_on_names(name: str) -> None:
    check_normaliser(name)


def test_examples_known_to_be_hard() -> None:
    """A few hand-written cases, so that they run whatever hypothesis draws."""
    cases = [
        "", "\x00", "區(qū)", "(", "“”、、", "<script>alert(1)</script>金山區",
        "金山區(qū)楓涇鎮(zhèn)黨委與平湖市新埭鎮(zhèn)成立長三角產業集群聯盟。\n" * 3,
        "\ufeff\u202e黨委\r\n\r\n公司\x7f", "𠀀𠀁镇" * 20, "。" * 500,
    ]
    for text in cases:
        check_document(RawDocument(source="hard.txt", text=text))
