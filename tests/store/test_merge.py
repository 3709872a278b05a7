"""The same entity across documents (issue 6), and the merges that record it.

End-to-end tests build short articles written for the purpose (see
test_incremental.NEWS): a Traditional article about 松江区 that says 區司法局,
a Simplified one that says 松江区司法局, and one about 青浦区 that says 区司法局.
The owl:sameAs rule is tested on hand-written document graphs, so that it
does not depend on what the extractor links by itself, and end to end on the
property that matters: the two articles end up naming one place.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import OWL, SKOS
from test_incremental import run, write_news
from typer.testing import CliRunner

from kg.base.vocab import DATA_BASE, KG
from kg.cli import app
from kg.extract.gazetteer import get_gazetteer
from kg.graph.document import place_iri
from kg.store.graphstore import GraphStore
from kg.store.merge import (
    MERGES_GRAPH,
    SAME_PARENT_RULE,
    decide_same_place,
    find_same_as,
    form_reason,
    read_same_as,
    same_as_triples,
    update_merges,
)

SONGJIANG_XINQIAO = "310117105"  # 新桥镇 under 松江区; 20 more towns share the name


def entity(cls: str, label: str) -> URIRef:
    return URIRef(f"{DATA_BASE}{cls}/{quote(label, safe='')}")


def graph_of(out: Path, name: str) -> set:
    """The triples of the document built from the file called ``name``."""
    from kg.store.removal import stored_sources

    with GraphStore.open(out, create=False, read_only=True) as store:
        [iri] = [g for g, source in stored_sources(store) if source.endswith(name)]
        return store.document_triples(iri)


# --------------------------------------------------------------------------- pure rules


@pytest.mark.parametrize(
    ("label", "form", "language", "rules", "reason"),
    [
        ("松江区司法局", "区司法局", "zh-Hans", ("org.suffix",), "level prefix expanded"),
        ("松江区司法局", "松江區司法局", "zh-Hant", (), "Traditional spelling"),
        ("浙江省", "浙江", "zh-Hans", ("place.gazetteer",), "short form"),
        ("长江三角洲", "长三角", "zh-Hans", ("region.lexicon",), "short form"),
        ("松江区", "我区", "zh-Hans", ("anaphora.home",), "article's own division"),
        ("上海云帆智能科技有限公司", "云帆科技", "zh-Hans", (), "short form"),
        ("嘉善县", "魏塘", "zh-Hans", (), "another surface form"),
    ],
)
def test_form_reason(label, form, language, rules, reason):
    assert reason in form_reason(label, form, language, rules)


def test_an_unlinked_town_is_the_linked_one_whose_district_its_articles_name():
    gaz = get_gazetteer()
    doc1, doc2 = URIRef(f"{DATA_BASE}doc/1"), URIRef(f"{DATA_BASE}doc/2")
    minted = frozenset({SONGJIANG_XINQIAO})
    named = "日前,松江新桥镇举办企业服务交流会。"
    decided = decide_same_place("新桥镇", "Township", {doc1: named}, minted, gaz)
    assert decided is not None
    division, reason = decided
    assert division.code == SONGJIANG_XINQIAO
    assert "松江区" in reason and "as 松江" in reason

    # conservative: every article must name that district, and no other candidate's
    silent = "日前,新桥镇举办企业服务交流会。"
    assert decide_same_place("新桥镇", "Township", {doc1: named, doc2: silent}, minted, gaz) is None
    both = "松江新桥镇与江阴新桥镇签订合作协议。"
    assert decide_same_place("新桥镇", "Township", {doc1: both}, minted, gaz) is None
    # the right class, and an IRI minted by another document
    assert decide_same_place("新桥镇", "Subdistrict", {doc1: named}, minted, gaz) is None
    assert decide_same_place("新桥镇", "Township", {doc1: named}, frozenset(), gaz) is None


# --------------------------------------------------------------------------- the merges graph


def _article(doc: URIRef, sentence: str, *extra) -> list:
    node = URIRef(f"{doc}/s0")
    return [
        (doc, RDF.type, KG.Article),
        (doc, KG.contentHash, Literal(str(doc)[-1] * 8)),
        (node, RDF.type, KG.Sentence),
        (node, KG.text, Literal(sentence)),
        (node, KG.sentenceIndex, Literal(0)),
        *extra,
    ]


def _unlinked_town(label: str) -> list:
    iri = entity("Township", label)
    return [(iri, RDF.type, KG.Township), (iri, RDFS.label, Literal(label, lang="zh-Hans"))]


def _linked_town(code: str, label: str) -> list:
    iri = place_iri(code)
    return [
        (iri, RDF.type, KG.Township),
        (iri, RDFS.label, Literal(label, lang="zh-Hans")),
        (iri, KG.officialCode, Literal(code)),
    ]


def test_merges_graph_follows_the_documents(tmp_path: Path):
    unlinked, linked = entity("Township", "新桥镇"), place_iri(SONGJIANG_XINQIAO)
    doc_x, doc_y, doc_z = (URIRef(f"{DATA_BASE}doc/{n}") for n in "xyz")
    with GraphStore.open(tmp_path / "g") as store:
        town = _unlinked_town("新桥镇")
        store.replace_document(doc_x, _article(doc_x, "松江新桥镇举办交流会。", *town))
        assert not update_merges(store)  # nobody minted the linked IRI yet
        store.replace_document(doc_y, _article(doc_y, "松江区新桥镇推进园区建设。",
                                               *_linked_town(SONGJIANG_XINQIAO, "新桥镇")))
        assert update_merges(store)
        assert (unlinked, OWL.sameAs, linked) in store.union_triples()
        [merge] = read_same_as(store)
        assert (merge.unlinked, merge.linked, merge.rule) == (unlinked, linked, SAME_PARENT_RULE)
        assert merge.documents == (doc_x,) and "松江区" in merge.reason
        assert store.document_triples(MERGES_GRAPH) == set(same_as_triples(find_same_as(store)))
        assert not update_merges(store)  # recomputing gives the same graph

        # a third article uses the same unlinked IRI without naming the district
        store.replace_document(doc_z, _article(doc_z, "新桥镇举办交流会。", *town))
        assert update_merges(store)
        assert store.document_triples(MERGES_GRAPH) == set()
        assert (unlinked, OWL.sameAs, linked) not in store.union_triples()
        store.remove_document(doc_z)
        assert update_merges(store) and read_same_as(store) == [merge]

        # the link goes when the document that minted the linked IRI goes
        store.remove_document(doc_y)
        assert update_merges(store)
        assert read_same_as(store) == []
        assert not any(OWL.sameAs == p for _, p, _ in store.union_triples())
        assert MERGES_GRAPH not in store.document_iris()


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def news_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_news(tmp_path_factory.mktemp("news") / "docs")
    out = tmp_path_factory.mktemp("merge") / "g"
    run([folder], out)
    return out


def test_one_body_in_traditional_and_simplified_has_one_iri(news_build: Path):
    songjiang_bureau = entity("GovernmentBody", "松江区司法局")
    traditional = graph_of(news_build, "songjiang-law.txt")
    simplified = graph_of(news_build, "songjiang-agreement.txt")
    for triples in (traditional, simplified):
        assert (songjiang_bureau, RDF.type, KG.GovernmentBody) in triples
    # the Traditional article wrote 區司法局: the prefix came from its title
    assert (songjiang_bureau, SKOS.altLabel, Literal("区司法局", lang="zh-Hans")) in traditional
    assert (songjiang_bureau, SKOS.altLabel, Literal("松江區司法局", lang="zh-Hant")) in traditional


def test_the_same_short_name_in_another_district_is_another_body(news_build: Path):
    qingpu = graph_of(news_build, "qingpu-meeting.txt")
    assert (entity("GovernmentBody", "青浦区司法局"), RDF.type, KG.GovernmentBody) in qingpu
    assert not any(s == entity("GovernmentBody", "松江区司法局") for s, _, _ in qingpu)
    with GraphStore.open(news_build, create=False, read_only=True) as store:
        subjects = {s for s, _, _ in store.union_triples()}
    assert entity("GovernmentBody", "区司法局") not in subjects


def test_places_are_shared_by_code(news_build: Path):
    songjiang = place_iri("310117")
    for name in ("songjiang-law.txt", "songjiang-agreement.txt", "jiashan-park.txt"):
        assert (songjiang, KG.officialCode, Literal("310117")) in graph_of(news_build, name)


def test_kg_merges_lists_forms_with_documents_and_rules(news_build: Path):
    result = CliRunner().invoke(app, ["merges", str(news_build)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "owl:sameAs (two IRIs for one thing): 0"
    at = lines.index("  松江区司法局 (GovernmentBody)  kgid:GovernmentBody/松江区司法局")
    forms = lines[at + 1 : at + 3]
    assert forms[0].startswith("    区司法局 [zh-Hans]  level prefix expanded from the article's")
    assert "rules: org.suffix" in forms[0] and forms[0].endswith("songjiang-law.txt")
    assert forms[1].startswith("    松江區司法局 [zh-Hant]  Traditional spelling")

    data = json.loads(CliRunner().invoke(app, ["merges", str(news_build), "--format", "json"])
                      .output)
    qingpu = [e for e in data["altLabels"] if e["label"] == "青浦区司法局"]
    assert [f["form"] for f in qingpu[0]["forms"]] == ["区司法局"]
    assert qingpu[0]["forms"][0]["source"].endswith("qingpu-meeting.txt")


def test_a_town_left_unlinked_in_one_article_is_the_one_linked_in_another(tmp_path: Path):
    texts = {
        "xinqiao-1.txt": "松江新桥镇举办企业服务交流会\n\n2023年07月02日15:00\n\n"
                         "日前,松江新桥镇举办企业服务交流会,十余家企业参加。\n",
        "xinqiao-2.txt": "松江区新桥镇推进产业园区建设\n\n2023年06月10日11:00\n\n"
                         "近日,松江区新桥镇与泗泾镇共同推进产业园区建设。\n",
    }
    out = tmp_path / "g"
    run([write_news(tmp_path / "docs", tuple(texts), texts)], out)
    first, second = graph_of(out, "xinqiao-1.txt"), graph_of(out, "xinqiao-2.txt")
    linked = place_iri(SONGJIANG_XINQIAO)
    assert (linked, KG.officialCode, Literal(SONGJIANG_XINQIAO)) in second
    with GraphStore.open(out, create=False, read_only=True) as store:
        links = {(m.unlinked, m.linked) for m in read_same_as(store)}
    if (linked, RDF.type, KG.Township) in first:  # the extractor linked it by itself
        assert links == set()
    else:
        assert links == {(entity("Township", "新桥镇"), linked)}
        result = CliRunner().invoke(app, ["merges", str(out)])
        assert "kgid:Township/新桥镇 = kgid:place/310117105  新桥镇 (Township)" in result.output
        assert "unlinked in " in result.output and "xinqiao-1.txt" in result.output


def test_short_and_long_forms_of_a_region_have_one_iri(tmp_path: Path):
    texts = {
        "delta-short.txt": "松江区推进长三角一体化\n\n2023年08月01日09:00\n\n"
                           "日前,松江区召开会议,部署推进长三角一体化发展工作。\n",
        "delta-long.txt": "嘉善县融入长江三角洲区域发展\n\n2023年08月03日10:00\n\n"
                          "近日,嘉善县提出全面融入长江三角洲区域一体化发展。\n",
    }
    out = tmp_path / "g"
    run([write_news(tmp_path / "docs", tuple(texts), texts)], out)
    with GraphStore.open(out, create=False, read_only=True) as store:
        regions = {s for s, p, o in store.union_triples() if p == RDF.type and o == KG.Region}
    assert len(regions) == 1, regions

