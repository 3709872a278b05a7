"""Tests of kg.store.validate: the sample graph conforms, and each shape catches its own fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from test_store import (
    ALLIANCE,
    BRAND,
    DOC_A,
    FENGJING,
    JINSHAN,
    KGID,
    XSD,
    fill_store,
    sample_documents,
)

from kg.base.vocab import ENTITY_CLASSES, KG
from kg.errors import ValidationError
from kg.resources import shapes_file
from kg.store.graphstore import GraphStore
from kg.store.validate import load_shapes, require_valid, validate_graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def sample_graph() -> Graph:
    graph = Graph()
    for triples in sample_documents().values():
        for triple in triples:
            graph.add(triple)
    return graph


def _statement(graph: Graph, predicate) -> object:
    """A statement node of the sample graph whose rdf:predicate is ``predicate``."""
    return next(graph.subjects(RDF.predicate, predicate))


def test_the_sample_graph_conforms(shapes: Graph) -> None:
    conforms, report = validate_graph(sample_graph(), shapes)
    assert conforms, report
    assert report.startswith("Conforms")


def test_a_store_graph_conforms(tmp_path: Path, shapes: Graph) -> None:
    with GraphStore.open(tmp_path / "b") as store:
        fill_store(store)
        conforms, report = validate_graph(store.rdflib_graph(), shapes)
    assert conforms, report


def test_the_shapes_cover_every_entity_class(shapes: Graph) -> None:
    entity_shape = URIRef("https://w3id.org/kg-zh/shapes#EntityShape")
    targets = set(shapes.objects(entity_shape, SH.targetClass))
    assert targets == {getattr(KG, name) for name in ENTITY_CLASSES}
    assert shapes_file().name == "shapes.ttl"


def _break_statement_offsets(g: Graph) -> None:
    node = _statement(g, KG.brandOf)
    g.set((node, KG.startOffset, Literal(50)))
    g.set((node, KG.endOffset, Literal(40)))


def _drop(g: Graph, subject, predicate) -> None:
    g.remove((subject, predicate, None))


BREAKAGES = {
    "second label": (
        lambda g: g.add((FENGJING, RDFS.label, Literal("枫泾", lang="zh-Hans"))),
        "kgid:place/310116102 rdfs:label [MaxCount]",
    ),
    "no label": (
        lambda g: _drop(g, BRAND, RDFS.label),
        "rdfs:label [MinCount]: An entity needs exactly one rdfs:label.",
    ),
    "label in another language": (
        lambda g: g.set((ALLIANCE, RDFS.label, Literal("Hu-Zhe Alliance", lang="en"))),
        "rdfs:label [LanguageIn]",
    ),
    "label without language": (
        lambda g: g.set((ALLIANCE, RDFS.label, Literal("沪浙联盟"))),
        "rdfs:label [Datatype]",
    ),
    "letters in a code": (
        lambda g: g.set((JINSHAN, KG.officialCode, Literal("31011X"))),
        "kgid:place/310116 kg:officialCode [Pattern]",
    ),
    "code of 7 digits": (
        lambda g: g.set((JINSHAN, KG.officialCode, Literal("3101160"))),
        "kg:officialCode [Pattern]",
    ),
    "code as a number": (
        lambda g: g.set((JINSHAN, KG.officialCode, Literal(310116))),
        "kg:officialCode [Datatype]",
    ),
    "statement without rule": (
        lambda g: _drop(g, _statement(g, KG.brandOf), KG.rule),
        "kg:rule [MinCount]",
    ),
    "statement without sentence": (
        lambda g: _drop(g, _statement(g, KG.brandOf), KG.sentence),
        "kg:sentence [MinCount]",
    ),
    "statement without document": (
        lambda g: _drop(g, _statement(g, KG.brandOf), KG.inDocument),
        "kg:inDocument [MinCount]",
    ),
    "statement without object": (
        lambda g: _drop(g, _statement(g, KG.brandOf), RDF.object),
        "rdf:object [MinCount]",
    ),
    "start after end": (_break_statement_offsets, "kg:startOffset [LessThanOrEquals]"),
    "offset as text": (
        lambda g: g.set((_statement(g, KG.brandOf), KG.startOffset, Literal("30"))),
        "kg:startOffset [Datatype]",
    ),
    "offset as decimal": (
        lambda g: g.set((_statement(g, KG.brandOf), KG.endOffset,
                         Literal("45.0", datatype=XSD.decimal))),
        "kg:endOffset [Datatype]",
    ),
    "sentence without text": (
        lambda g: _drop(g, KGID["sent/aaaaaaaaaaaaaaaa/1"], KG.text),
        "kgid:sent/aaaaaaaaaaaaaaaa/1 kg:text [MinCount]",
    ),
    "cross-regional as a string": (
        lambda g: g.set((ALLIANCE, KG.crossRegional, Literal("yes"))),
        "kg:crossRegional [Datatype]",
    ),
    "relation to a literal": (
        lambda g: g.add((BRAND, KG.brandOf, Literal("金山区"))),
        "kg:brandOf [NodeKind]",
    ),
    "relation to a blank node": (
        lambda g: g.add((FENGJING, KG.locatedIn, BNode())),
        "kg:locatedIn [NodeKind]",
    ),
    "confidence above one": (
        lambda g: g.set((_statement(g, KG.brandOf), KG.confidence,
                         Literal("1.5", datatype=XSD.decimal))),
        "kg:confidence [MaxInclusive]",
    ),
    "short content hash": (
        lambda g: g.set((DOC_A, KG.contentHash, Literal("abc"))),
        "kg:contentHash [Pattern]",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_each_fault_is_reported(shapes: Graph, case: str) -> None:
    breaker, expected = BREAKAGES[case]
    graph = sample_graph()
    breaker(graph)
    conforms, report = validate_graph(graph, shapes)
    assert not conforms
    assert report.startswith("Does not conform")
    assert expected in report, report


def test_report_is_sorted_and_counted(shapes: Graph) -> None:
    graph = sample_graph()
    graph.add((FENGJING, RDFS.label, Literal("枫泾", lang="zh-Hans")))
    graph.set((JINSHAN, KG.officialCode, Literal("x")))
    _, report = validate_graph(graph, shapes)
    lines = report.splitlines()
    assert lines[0] == "Does not conform: 2 violations."
    assert lines[1:] == sorted(lines[1:])
    assert validate_graph(graph, shapes)[1] == report  # same graph, same text


def test_require_valid(shapes: Graph) -> None:
    require_valid(sample_graph(), shapes)
    graph = sample_graph()
    graph.set((JINSHAN, KG.officialCode, Literal("x")))
    with pytest.raises(ValidationError, match=r"kg:officialCode \[Pattern\]"):
        require_valid(graph, shapes)


def test_missing_shapes_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="missing"):
        load_shapes(tmp_path / "shapes.ttl")
