"""The RDF a build produces (docs/architecture.md), checked on the seed build.

Same input, same bytes: IRIs come from official codes, class + name, document
id and offsets, never from counters or run order. Every relation is traceable
to its document, sentence, character offsets and rule. The graph conforms to
the SHACL shapes, and places carry Traditional, pinyin and English labels.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from conftest import SEEDS
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef

from kg.base.vocab import DATA_BASE, KG, RELATION_PROPERTIES
from kg.build import build
from kg.store.validate import validate_graph

FENGJING = URIRef(f"{DATA_BASE}place/310116102")
PINGHU = URIRef(f"{DATA_BASE}place/330482")


def test_building_the_same_input_twice_gives_byte_identical_files(
    seed_build: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    report = build([SEEDS], again, write_html=False)
    assert report.built == 1 and report.ok
    for name in ("graph.ttl", "graph.trig"):
        first, second = (seed_build / name).read_bytes(), (again / name).read_bytes()
        assert len(first) > 10_000, name
        assert first == second, f"{name} differs between two builds of the same input"


def test_iris_are_minted_from_codes_names_and_document_ids(seed_graph: Graph) -> None:
    assert (FENGJING, RDF.type, KG.Township) in seed_graph
    assert (FENGJING, KG.officialCode, Literal("310116102")) in seed_graph
    articles = set(seed_graph.subjects(RDF.type, KG.Article))
    assert len(articles) == 1
    [article] = articles
    content_hash = str(seed_graph.value(article, KG.contentHash))
    assert str(article) == f"{DATA_BASE}doc/{content_hash[:16]}"
    for node in seed_graph.all_nodes():
        if isinstance(node, URIRef) and str(node).startswith(DATA_BASE):
            assert " " not in str(node) and "\n" not in str(node), node


def _int(graph: Graph, node: URIRef, prop: URIRef) -> int:
    value = graph.value(node, prop)
    assert value is not None, f"{node} has no {prop}"
    return int(value)


def _one(graph: Graph, node: URIRef, prop: URIRef) -> object:
    values = list(graph.objects(node, prop))
    assert len(values) == 1, f"{node} has {len(values)} values of {prop}"
    return values[0]


def _check_span_in_sentence(graph: Graph, node: URIRef) -> None:
    """The node's offsets lie in its sentence, and its kg:text is that stretch."""
    sentence = _one(graph, node, KG.sentence)
    assert (sentence, RDF.type, KG.Sentence) in graph
    start, end = _int(graph, node, KG.startOffset), _int(graph, node, KG.endOffset)
    s_start, s_end = _int(graph, sentence, KG.startOffset), _int(graph, sentence, KG.endOffset)
    assert 0 <= start < end, node
    assert s_start <= start and end <= s_end, f"{node} lies outside its sentence {sentence}"
    sentence_text = str(_one(graph, sentence, KG.text))
    assert len(sentence_text) == s_end - s_start
    assert str(_one(graph, node, KG.text)) == sentence_text[start - s_start : end - s_start]


def test_every_statement_has_document_sentence_offsets_and_rule(seed_graph: Graph) -> None:
    statements = set(seed_graph.subjects(RDF.type, KG.Statement))
    assert len(statements) >= 20
    [article] = set(seed_graph.subjects(RDF.type, KG.Article))
    for stmt in statements:
        assert _one(seed_graph, stmt, KG.inDocument) == article
        assert str(_one(seed_graph, stmt, KG.rule))
        s = _one(seed_graph, stmt, RDF.subject)
        p = _one(seed_graph, stmt, RDF.predicate)
        o = _one(seed_graph, stmt, RDF.object)
        assert (s, p, o) in seed_graph, "a statement describes a triple that is not asserted"
        confidence = float(_one(seed_graph, stmt, KG.confidence))
        assert 0.0 < confidence <= 1.0
        _check_span_in_sentence(seed_graph, stmt)


def test_every_relation_is_described_by_a_statement(seed_graph: Graph) -> None:
    described = {
        (seed_graph.value(st, RDF.subject), seed_graph.value(st, RDF.predicate),
         seed_graph.value(st, RDF.object))
        for st in seed_graph.subjects(RDF.type, KG.Statement)
    }
    asserted = {(s, KG[p], o) for p in RELATION_PROPERTIES
                for s, o in seed_graph.subject_objects(KG[p])}
    assert len(asserted) >= 20
    assert asserted <= described, asserted - described


def test_every_mention_points_into_its_sentence(seed_graph: Graph) -> None:
    mentions = set(seed_graph.subjects(RDF.type, KG.Mention))
    assert len(mentions) >= 30
    for mention in mentions:
        entity = _one(seed_graph, mention, KG.mentionOf)
        assert (entity, RDFS.label, None) in seed_graph
        _check_span_in_sentence(seed_graph, mention)


def test_the_seed_graph_conforms_to_the_shapes(seed_graph: Graph) -> None:
    conforms, report = validate_graph(seed_graph)
    assert conforms, report


def _labels(graph: Graph, node: URIRef, lang: str) -> set[str]:
    return {str(label) for label in graph.objects(node, SKOS.altLabel)
            if isinstance(label, Literal) and label.language == lang}


def _plain(pinyin: str) -> str:
    """Pinyin without tone marks, case or spaces, so syllable grouping does not matter."""
    decomposed = unicodedata.normalize("NFD", pinyin)
    return "".join(c for c in decomposed if c.isalpha() and c.isascii()).lower()


@pytest.mark.parametrize(("node", "simplified", "traditional", "pinyin", "english"), [
    (FENGJING, "枫泾镇", "楓涇鎮", "fengjingzhen", "Fengjing Town"),
    (PINGHU, "平湖市", "平湖市", "pinghushi", "Pinghu City"),
], ids=["fengjing", "pinghu"])
def test_places_have_traditional_pinyin_and_english_labels(
    seed_graph: Graph, node: URIRef, simplified: str, traditional: str, pinyin: str,
    english: str,
) -> None:
    assert seed_graph.value(node, RDFS.label) == Literal(simplified, lang="zh-Hans")
    assert seed_graph.value(node, SKOS.prefLabel) == Literal(simplified, lang="zh-Hans")
    assert traditional in _labels(seed_graph, node, "zh-Hant")
    pinyin_labels = _labels(seed_graph, node, "zh-Latn-pinyin")
    assert pinyin_labels, "no pinyin label"
    assert any(_plain(label) == pinyin for label in pinyin_labels), pinyin_labels
    assert any(label != _plain(label) for label in pinyin_labels), "pinyin without tone marks"
    assert english in _labels(seed_graph, node, "en")
