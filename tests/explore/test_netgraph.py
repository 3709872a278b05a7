"""kg.explore.netgraph: the RDF → networkx conversion shared by the viewer and the analytics."""

from __future__ import annotations

import random

import pytest
from rdflib import RDF, Dataset, Graph, URIRef
from sample_graph import (
    ALLIANCE,
    ALLIANCE_SENTENCE,
    ARTICLE_TITLE,
    BRAND,
    FENGJING,
    FORGING,
    JINSHAN,
    KEMAO,
    LVXIANG,
    SHANGHAI,
    XINDAI,
    ZHEJIANG,
    GraphBuilder,
    org_iri,
    place_iri,
    sample_graph,
)

from kg.base.vocab import KG
from kg.explore.netgraph import (
    UNTYPED,
    display_label,
    entity_count,
    simple_undirected,
    to_networkx,
)


@pytest.fixture(scope="module")
def net():
    return to_networkx(sample_graph())


def test_one_node_per_entity_with_class_and_labels(net):
    assert net.number_of_nodes() == 13
    town = net.nodes[str(FENGJING)]
    assert town["cls"] == "Township"
    assert town["label"] == "枫泾镇"
    assert town["labels"] == {"zh-Hans": "枫泾镇", "zh-Hant": "楓涇鎮",
                              "pinyin": "Fēngjīng Zhèn", "en": "Fengjing Town"}
    assert town["code"] == "310116102"
    assert town["admin_level"] == 4
    assert town["province"] == str(SHANGHAI)
    assert town["province_label"] == "上海市"


def test_province_is_derived_up_the_located_in_chain(net):
    # The enterprises carry no kg:province; they are located in townships that do.
    assert net.nodes[str(FORGING)]["province"] == str(SHANGHAI)
    assert net.nodes[str(KEMAO)]["province"] == str(ZHEJIANG)
    # A province is its own province; a brand located nowhere has none.
    assert net.nodes[str(SHANGHAI)]["province"] == str(SHANGHAI)
    assert net.nodes[str(BRAND)]["province"] is None


def test_edges_carry_predicate_and_evidence(net):
    edge = net.edges[str(BRAND), str(FENGJING), "brandOf"]
    assert edge["predicate"] == "brandOf"
    assert edge["predicate_iri"] == str(KG.brandOf)
    (evidence,) = edge["evidence"]
    assert evidence.sentence == ALLIANCE_SENTENCE
    assert evidence.title == ARTICLE_TITLE
    assert evidence.date.startswith("2022-01-19")
    assert (evidence.start, evidence.end) == (90, 104)
    assert evidence.rule == "relation.brand.pattern"
    assert evidence.trigger == "依托"
    assert evidence.confidence == pytest.approx(0.8)


def test_evidence_from_several_articles_is_kept_in_date_order(net):
    evidence = net.edges[str(XINDAI), str(ALLIANCE), "memberOf"]["evidence"]
    assert [e.date[:4] for e in evidence] == ["2022", "2023"]
    assert evidence[1].title == "长三角产业集群联盟举行年会"


def test_asserted_relation_without_statement_has_empty_evidence(net):
    assert net.edges[str(JINSHAN), str(SHANGHAI), "locatedIn"]["evidence"] == []


def test_symmetric_relations_are_stored_once_from_the_smaller_iri():
    b = GraphBuilder()
    b.graph += sample_graph()
    doc = b.article("other", "另一篇", "2023-05-01T00:00:00+08:00")
    sentence = b.sentence(doc, 0, "枫泾镇与吕巷镇合作。", 0)
    # The sample asserts LVXIANG → FENGJING; add the opposite direction with its own evidence.
    b.relation(FENGJING, "cooperatesWith", LVXIANG, sentence=sentence, doc=doc)
    net = to_networkx(b.graph)
    assert str(FENGJING) < str(LVXIANG)
    assert net.has_edge(str(FENGJING), str(LVXIANG), "cooperatesWith")
    assert not net.has_edge(str(LVXIANG), str(FENGJING), "cooperatesWith")
    edge = net.edges[str(FENGJING), str(LVXIANG), "cooperatesWith"]
    assert edge["symmetric"] is True
    assert len(edge["evidence"]) == 2


def test_cross_regional_edges_join_different_provinces(net):
    assert net.edges[str(FORGING), str(KEMAO), "cooperatesWith"]["cross_regional"] is True
    assert net.edges[str(FENGJING), str(LVXIANG), "cooperatesWith"]["cross_regional"] is False
    # No province known on one side: not flagged.
    assert net.edges[str(BRAND), str(FENGJING), "brandOf"]["cross_regional"] is False


def test_declared_cross_regional_alliance(net):
    alliance = net.nodes[str(ALLIANCE)]
    assert alliance["declared_cross_regional"] is True
    assert alliance["cross_regional"] is True
    assert alliance["member_provinces"] == (str(SHANGHAI), str(ZHEJIANG))


def _alliance_graph(member_codes: list[str]) -> Graph:
    b = GraphBuilder()
    b.entity(place_iri("310000"), "Province", "上海市", level=1)
    b.entity(place_iri("330000"), "Province", "浙江省", level=1)
    alliance = b.entity(org_iri("Alliance", "测试联盟"), "Alliance", "测试联盟")
    for code in member_codes:
        town = b.entity(place_iri(code), "Township", f"镇{code}", code=code, level=4,
                        province=place_iri(code[:2] + "0000"))
        b.relation(town, "memberOf", alliance)
    return b.graph


def test_undeclared_alliance_is_flagged_from_its_members_provinces():
    across = to_networkx(_alliance_graph(["310116102", "330482102"]))
    within = to_networkx(_alliance_graph(["310116102", "310116104"]))
    iri = str(org_iri("Alliance", "测试联盟"))
    assert across.nodes[iri]["declared_cross_regional"] is False
    assert across.nodes[iri]["cross_regional"] is True
    assert within.nodes[iri]["cross_regional"] is False


def test_dataset_with_named_graphs_reads_as_the_union():
    plain = sample_graph()
    dataset = Dataset()
    for i, triple in enumerate(sorted(plain)):
        dataset.graph(URIRef(f"https://w3id.org/kg-zh/id/doc/{i % 3}")).add(triple)
    a, b = to_networkx(plain), to_networkx(dataset)
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))


def test_result_does_not_depend_on_triple_order():
    triples = sorted(sample_graph())
    random.Random(3).shuffle(triples)
    shuffled = Graph()
    for triple in triples:
        shuffled.add(triple)
    a, b = to_networkx(sample_graph()), to_networkx(shuffled)
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))


def test_untyped_relation_endpoint_becomes_an_untyped_node():
    g = sample_graph()
    stranger = URIRef("https://example.org/somewhere")
    g.add((FORGING, KG.settledIn, stranger))
    net = to_networkx(g)
    assert net.nodes[str(stranger)]["cls"] == UNTYPED
    assert net.nodes[str(stranger)]["label"] == "somewhere"
    assert entity_count(g) == net.number_of_nodes() == 14


def test_non_entities_are_not_nodes(net):
    g = sample_graph()
    for kind in (KG.Statement, KG.Sentence, KG.Article):
        for node in g.subjects(RDF.type, kind):
            assert str(node) not in net


def test_display_label_falls_back_like_the_viewer(net):
    town, firm = net.nodes[str(FENGJING)], net.nodes[str(FORGING)]
    assert display_label(town, "en") == "Fengjing Town"
    assert display_label(firm, "en") == "Shànghǎi Chángtè Duànzào"  # no English: pinyin
    assert display_label(firm, "zh-Hant") == "上海长特锻造有限公司"  # no Traditional: Simplified
    assert display_label(town, "zh-Hant") == "楓涇鎮"


def test_simple_undirected_counts_parallel_relations():
    b = GraphBuilder()
    a = b.entity(place_iri("310116102"), "Township", "枫泾镇")
    c = b.entity(org_iri("Enterprise", "甲"), "Enterprise", "甲")
    b.relation(c, "locatedIn", a)
    b.relation(c, "settledIn", a)
    b.relation(c, "locatedIn", c)  # a self-loop is dropped
    simple = simple_undirected(to_networkx(b.graph))
    assert simple.number_of_edges() == 1
    assert simple[str(a)][str(c)]["weight"] == 2
