"""Tests of the extraction pipeline, built the way a user builds it.

``build_pipeline()`` gives ``spacy.blank("zh")`` with the jieba segmenter and
kg's registered components. The sentences below were written for these tests:
the places are real divisions of other provinces than the seed article's
(江苏省苏州市吴中区木渎镇, 浙江省嘉兴市嘉善县西塘镇) so that gazetteer codes can
be checked, and every company, brand, platform and alliance name is invented.
"""

from __future__ import annotations

import itertools

import pytest
import spacy
from spacy.language import Language

from kg.extract.gazetteer import get_gazetteer
from kg.extract.pipeline import PIPE_NAMES, build_pipeline, extract_document
from kg.extract.rules.enumerations import find_counted_places
from kg.extract.rules.mention import HAN_RE, Mention, occupied_positions, word_tag
from kg.extract.rules.places import (
    _NOT_NAME_TAGS,
    find_gazetteer_places,
    find_short_place_forms,
    name_index,
)
from kg.extract.tokenizer import TOKENIZER_NAME, JiebaTokenizer
from kg.model import Entity, Extraction, RawDocument, Relation
from kg.read.clean import clean_document

# official codes of the Ministry of Civil Affairs list (public data)
JIANGSU, SUZHOU, WUZHONG, MUDU = "320000", "320500", "320506", "320506108"
JIASHAN, XITANG = "330421", "330421103"


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline()


def extract(nlp: Language, text: str, title: str | None = None) -> Extraction:
    """Clean and extract one invented article, as a build does."""
    raw = RawDocument(source="test.txt", text=text, title=title)
    return extract_document(clean_document(raw), nlp)


def by_label(ex: Extraction, label: str) -> Entity:
    found = [e for e in ex.entities.values() if e.label == label]
    assert found, f"{label} not extracted; got {sorted(e.label for e in ex.entities.values())}"
    assert len(found) == 1, found
    return found[0]


def place(ex: Extraction, code: str) -> Entity:
    found = [e for e in ex.entities.values() if e.code == code]
    got = [(e.label, e.code) for e in ex.entities.values()]
    assert found, f"no entity linked to {code}; got {got}"
    return found[0]


def relations(ex: Extraction, predicate: str) -> set[tuple[str, str]]:
    """(subject label, object label) of the relations with ``predicate``."""
    labels = {key: e.label for key, e in ex.entities.items()}
    return {(labels[r.subject], labels[r.object]) for r in ex.relations
            if r.predicate == predicate}


def members_of(ex: Extraction, body: str) -> set[str]:
    """Labels of the entities ``memberOf`` the entity labelled ``body``."""
    return {s for s, o in relations(ex, "memberOf") if o == body}


def partner_pairs(ex: Extraction) -> set[frozenset[str]]:
    """Unordered label pairs of ``cooperatesWith`` or ``partnerOf`` (either reads as the other)."""
    return {frozenset(p) for p in relations(ex, "cooperatesWith") | relations(ex, "partnerOf")}


def related(ex: Extraction, subject: str, predicate: str, obj: str) -> Relation:
    labels = {key: e.label for key, e in ex.entities.items()}
    found = [r for r in ex.relations if r.predicate == predicate
             and labels[r.subject] == subject and labels[r.object] == obj]
    assert found, f"no {subject} {predicate} {obj}; {predicate}: {relations(ex, predicate)}"
    return found[0]


# --------------------------------------------------------------------------- the pipeline


def test_pipeline_is_blank_chinese_with_kg_components(nlp: Language) -> None:
    assert nlp.lang == "zh"
    # jieba's words as tokens, by kg's faster twin of spaCy's jieba tokenizer
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == TOKENIZER_NAME
    assert isinstance(nlp.tokenizer, JiebaTokenizer)
    assert nlp.pipe_names == list(PIPE_NAMES)
    registered = spacy.registry.factories.get_all()
    for name in (*PIPE_NAMES, "kg_statistical_ner"):
        assert Language.has_factory(name), name
        assert name in registered, name


def test_components_run_on_a_plain_call(nlp: Language) -> None:
    """Used directly as a spaCy pipeline, without a CleanDocument around the text."""
    doc = nlp("江苏省苏州市吴中区木渎镇举行签约仪式。")
    assert [s.text for s in doc._.kg_sentences] == ["江苏省苏州市吴中区木渎镇举行签约仪式。"]
    codes = {e.code for e in doc._.kg_entities.values()}
    assert {JIANGSU, SUZHOU, WUZHONG, MUDU} <= codes


def test_tokens_carry_only_the_lexical_attributes_kg_reads(nlp: Language) -> None:
    """New words skip spaCy's twenty attribute functions; whitespace tokens are still known."""
    from kg.extract.pipeline import keep_only_read_lexeme_attributes

    doc = nlp.make_doc("木渎镇  胥口村\n\n如皋")
    assert [(t.text, t.is_space) for t in doc] == [
        ("木渎镇", False), (" ", True), ("胥口村", False), ("\n\n", True), ("如皋", False),
    ]
    assert not any(t.like_num for t in nlp.make_doc("２０２４年三百人"))
    full = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    assert len(nlp.vocab.lex_attr_getters) == 1 < len(full.vocab.lex_attr_getters)
    keep_only_read_lexeme_attributes(full)
    assert full.vocab.lex_attr_getters.keys() == nlp.vocab.lex_attr_getters.keys()


def test_fewer_lexical_attributes_change_no_extraction() -> None:
    """The same article through a pipeline whose vocabulary computes every attribute."""
    text = (
        "日前，江苏省苏州市吴中区木渎镇与浙江省嘉善县西塘镇牵手成立“两地同心”党建联盟，"
        "木渎镇党委书记张建国出席。２０２４年，吴中区司法局推动３个项目在木渎镇落地。"
    )
    lean = build_pipeline()
    full = build_pipeline()
    full.vocab.lex_attr_getters = spacy.blank("zh").vocab.lex_attr_getters
    a, b = extract(lean, text), extract(full, text)
    assert len(a.entities) >= 6 and a.relations
    assert repr(a.entities) == repr(b.entities)
    assert repr(a.relations) == repr(b.relations)


def test_extracting_leaves_no_new_words_in_the_vocabularies() -> None:
    """Documents run in spaCy memory zones: a corpus's new words do not pile up in the process.

    The common words are added once, when the pipeline is built; the words of
    the documents (here invented names and a run of made-up characters) are
    gone after each extraction, while the extraction itself stays usable.
    """
    nlp = build_pipeline(use_model=True)
    model = nlp.get_pipe("kg_statistical_ner").model
    assert "我们" in nlp.vocab.strings and "的" in model.vocab.strings
    before = (len(nlp.vocab.strings), len(model.vocab.strings))
    text = "木渎镇党委书记周文斌说，胥口村鋆犇淼社区的居民王海峰参加了活动。"
    ex = extract(nlp, text)
    assert (len(nlp.vocab.strings), len(model.vocab.strings)) == before
    assert "鋆犇淼社区" not in nlp.vocab.strings
    people = {e.label for e in ex.entities.values() if e.cls == "Person"}
    assert "周文斌" in people
    assert all(span.text == text[span.start : span.end] for e in ex.entities.values()
               for span, _ in e.mentions)


# --------------------------------------------------------------------------- places


def test_admin_suffixes_are_linked_to_the_gazetteer_with_their_codes(nlp: Language) -> None:
    ex = extract(nlp, "日前，江苏省苏州市吴中区木渎镇举行项目签约仪式。")
    expected = {JIANGSU: ("江苏省", "Province"), SUZHOU: ("苏州市", "City"),
                WUZHONG: ("吴中区", "District"), MUDU: ("木渎镇", "Township")}
    for code, (label, cls) in expected.items():
        entity = place(ex, code)
        assert (entity.label, entity.cls) == (label, cls)
    assert place(ex, MUDU).admin_level == 4


def test_a_chain_of_places_gives_located_in_stated_by_the_text(nlp: Language) -> None:
    ex = extract(nlp, "日前，江苏省苏州市吴中区木渎镇举行项目签约仪式。")
    located = relations(ex, "locatedIn")
    assert {("木渎镇", "吴中区"), ("吴中区", "苏州市"), ("苏州市", "江苏省")} <= located
    chain = related(ex, "木渎镇", "locatedIn", "吴中区")
    assert chain.source == "text"
    assert chain.evidence.text == "吴中区木渎镇"


def test_traditional_text_links_the_same_places_and_keeps_its_script(nlp: Language) -> None:
    ex = extract(nlp, "吳中區木瀆鎮舉行項目簽約儀式。")
    town = place(ex, MUDU)
    assert town.label == "木渎镇"
    assert [span.text for span, _ in town.mentions] == ["木瀆鎮"]
    assert ("木渎镇", "吴中区") in relations(ex, "locatedIn")


@pytest.mark.parametrize("text, invented", [
    ("该镇坚持文旅兴镇、工业强镇，推动高质量发展。", {"兴镇", "工业强镇", "强镇"}),
    ("全县上下坚持科技兴县，生态立县。", {"兴县", "立县"}),
    ("浙江省丽水市景宁县代表团前来考察。", {"宁县"}),
    ("代县长王某出席会议并讲话。", {"代县"}),
])
def test_words_that_only_end_like_a_place_are_no_place(
    nlp: Language, text: str, invented: set[str]
) -> None:
    labels = {e.label for e in nlp_places(extract(nlp, text))}
    assert not labels & invented, labels


def test_a_one_character_county_name_is_still_found_after_its_province(nlp: Language) -> None:
    ex = extract(nlp, "湖南省南县与陕西省洋县签订合作协议。")
    assert {"南县", "洋县"} <= {e.label for e in nlp_places(ex)}


def test_an_autonomous_county_written_with_its_level_is_linked(nlp: Language) -> None:
    # 景宁县 is how 景宁畲族自治县 is written; it is no former name of another county
    ex = extract(nlp, "浙江省景宁县与邻县开展交流。")
    entity = place(ex, "331127")
    assert entity.label == "景宁畲族自治县" and "景宁县" in entity.alt_labels


def test_corridors_circles_and_economic_zones_are_regions(nlp: Language) -> None:
    ex = extract(nlp, "青溪镇主动融入G60科创走廊建设，对接南京都市圈和川南经济区。")
    regions = {e.label for e in ex.entities.values() if e.cls == "Region"}
    assert {"G60科创走廊", "南京都市圈", "川南经济区"} <= regions


def test_bare_names_closed_by_a_count_and_a_level_are_places(nlp: Language) -> None:
    ex = extract(nlp, "青浦区朱家角、金泽、练塘三镇共同发布《协同发展宣言》。")
    towns = {e.label: e for e in nlp_places(ex) if e.cls == "Township"}
    assert set(towns) == {"朱家角镇", "金泽镇", "练塘镇"}
    assert all(e.code and e.code.startswith("310118") for e in towns.values())
    assert {m.text for e in towns.values() for m, _ in e.mentions} == {"朱家角", "金泽", "练塘"}


def test_a_count_that_does_not_match_the_list_names_no_place(nlp: Language) -> None:
    assert not find_counted("甲乙、丙丁、戊己两镇共同签约。")
    assert [m.canonical for m in find_counted("甲乙、丙丁两村结对。")] == ["甲乙村", "丙丁村"]


def test_every_member_of_an_enumerated_subject_publishes(nlp: Language) -> None:
    text = "现场，青溪镇、白沙镇、柳塘镇三镇代表共同签署协议，发布《环湖协同发展宣言》。"
    ex = extract(nlp, text)
    issuers = {o for s, o in relations(ex, "publishedBy") if s == "环湖协同发展宣言"}
    assert issuers == {"青溪镇", "白沙镇", "柳塘镇"}


def test_a_speakers_body_is_not_the_issuer(nlp: Language) -> None:
    ex = extract(nlp, "青溪镇党委负责人表示，该镇出台了《关于加强基层治理的意见》。")
    assert ("关于加强基层治理的意见", "青溪镇党委") not in relations(ex, "publishedBy")


def find_counted(text: str) -> list[Mention]:
    return find_counted_places(text)


def nlp_places(ex: Extraction) -> list[Entity]:
    places = {"Province", "City", "District", "County", "Township", "Subdistrict", "Village"}
    return [e for e in ex.entities.values() if e.cls in places]


def test_an_ambiguous_town_without_context_stays_unlinked(nlp: Language) -> None:
    ex = extract(nlp, "随后，新桥镇举办了农民画展。")
    town = by_label(ex, "新桥镇")
    assert town.cls == "Township"
    assert town.code is None
    assert not any(r.predicate == "locatedIn" and r.subject == town.key for r in ex.relations)


def test_the_county_decides_between_same_named_towns(nlp: Language) -> None:
    ex = extract(nlp, "浙江省嘉兴市嘉善县西塘镇举办文化节。")
    assert place(ex, XITANG).label == "西塘镇"
    assert ("西塘镇", "嘉善县") in relations(ex, "locatedIn")


# --------------------------------------------------------------------------- organisations


SIGNING = "会上，吴中区商务局与星河智造科技有限公司签署合作协议。"


@pytest.mark.parametrize(("sentence", "name", "cls"), [
    (SIGNING, "星河智造科技有限公司", "Enterprise"),
    (SIGNING, "吴中区商务局", "GovernmentBody"),
    ("推动星河智造科技有限公司与吴中区商务局签约。", "星河智造科技有限公司", "Enterprise"),
    ("近日，苏州云帆数据科技有限公司正式落户木渎镇。", "苏州云帆数据科技有限公司", "Enterprise"),
    ("木渎镇牵手西塘镇成立环太湖文旅产业联盟。", "环太湖文旅产业联盟", "Alliance"),
    ("木渎镇牵手西塘镇成立太湖两岸产业联盟。", "太湖两岸产业联盟", "Alliance"),
], ids=["enterprise-after-yu", "bureau-after-hui-shang", "enterprise-after-tui-dong",
        "enterprise-after-jin-ri", "alliance-after-cheng-li", "alliance-with-liang-an"])
def test_organisation_names_start_after_the_verb_or_conjunction(
    nlp: Language, sentence: str, name: str, cls: str
) -> None:
    ex = extract(nlp, sentence)
    assert by_label(ex, name).cls == cls
    # nothing that ends where the name ends but starts elsewhere
    ends = [e.label for e in ex.entities.values()
            if e.label != name and e.label.endswith(name[-2:]) and e.cls == cls]
    assert ends == [], ends


ARTICLE = (
    "吴中区多个党建项目亮相\n"
    "\n"
    "日前，区司法局、区人才服务中心已正式入驻木渎镇“暖心驿站”服务平台。"
    "截至去年底，我区共有新经济组织1200家。\n"
)


def test_level_prefix_resolves_to_the_title_district(nlp: Language) -> None:
    ex = extract(nlp, ARTICLE)
    bureau = by_label(ex, "吴中区司法局")
    assert bureau.cls == "GovernmentBody"
    assert "区司法局" in bureau.alt_labels
    assert [span.text for span, _ in bureau.mentions] == ["区司法局"]
    assert by_label(ex, "吴中区人才服务中心").cls == "GovernmentBody"


def test_level_prefix_without_a_known_district_is_not_guessed(nlp: Language) -> None:
    ex = extract(nlp, "日前，区司法局组织法律咨询活动。")
    assert not any(e.label.endswith("司法局") and len(e.label) > len("区司法局")
                   for e in ex.entities.values())


def test_an_unresolved_level_prefix_stays_inside_its_document(nlp: Language) -> None:
    """Two articles that never name their district: their 区司法局 are two bodies."""
    from kg.graph.document import entity_iri

    text = "日前，区司法局组织法律咨询活动。"
    first = extract(nlp, text)
    second = extract(nlp, text + "活动持续一天。")
    bureaus = [by_label(ex, "区司法局") for ex in (first, second)]
    assert all(b.local for b in bureaus)
    iris = {entity_iri(b, ex.doc.doc_id) for b, ex in zip(bureaus, (first, second), strict=True)}
    assert len(iris) == 2
    resolved = by_label(extract(nlp, ARTICLE), "吴中区司法局")
    assert not resolved.local


def test_wo_qu_is_the_article_district(nlp: Language) -> None:
    ex = extract(nlp, ARTICLE)
    district = place(ex, WUZHONG)
    assert "我区" in district.alt_labels
    assert "我区" in [span.text for span, _ in district.mentions]


def test_ru_zhu_gives_settled_in(nlp: Language) -> None:
    ex = extract(nlp, ARTICLE)
    settled = relations(ex, "settledIn")
    platform = [o for s, o in settled if s == "吴中区司法局"]
    assert platform and "暖心驿站" in platform[0], settled
    assert ("吴中区人才服务中心", platform[0]) in settled
    assert related(ex, "吴中区司法局", "settledIn", platform[0]).trigger == "入驻"


# ------------------------------------------------------- brands, projects, alliances


RURAL = (
    "木渎镇依托“水韵同心”党建品牌，推动星河科创园、云帆数据中心、青禾农业基地等重大项目落地，"
    "牵手嘉善县西塘镇成立环太湖文旅产业联盟。"
)


def test_quoted_name_before_dang_jian_pin_pai_is_a_brand_of_the_subject(nlp: Language) -> None:
    ex = extract(nlp, RURAL)
    brand = by_label(ex, "水韵同心")
    assert brand.cls == "PartyBrand"
    owner = related(ex, "水韵同心", "brandOf", "木渎镇")
    assert ex.entities[owner.object].code == MUDU


def test_a_quoted_name_ending_in_dang_jian_is_a_brand_even_inside_an_alliance(
    nlp: Language,
) -> None:
    ex = extract(nlp, "木渎镇与西塘镇签约成立吴越“水乡党建”联盟，两镇党委书记出席。")
    assert by_label(ex, "水乡党建").cls == "PartyBrand"
    assert any(e.cls == "Alliance" and "水乡党建" in e.label for e in ex.entities.values())
    # a quoted slogan without the word is no brand
    ex = extract(nlp, "木渎镇提出“水乡共富”的目标。")
    assert not [e for e in ex.entities.values() if e.label == "水乡共富"]


def test_former_before_a_name_is_not_part_of_it(nlp: Language) -> None:
    # 原 ("the former") glued to the next word by jieba still ends the name on the left,
    # while dictionary words that start with it (原平市) keep it.
    ex = extract(nlp, "木渎镇将改造原胥口文化服务中心，打造新的党群阵地。")
    labels = {e.label for e in ex.entities.values()}
    assert "胥口文化服务中心" in labels
    assert not [label for label in labels if label.startswith("原")]
    ex = extract(nlp, "原平市人民政府与木渎镇签约。")
    assert "原平市人民政府" in {e.label for e in ex.entities.values()}


def test_an_enumeration_of_landed_projects_is_located_in_the_subject(nlp: Language) -> None:
    ex = extract(nlp, RURAL)
    names = ("星河科创园", "云帆数据中心", "青禾农业基地")
    for name in names:
        assert by_label(ex, name).cls == "Project"
    located = relations(ex, "locatedIn")
    assert {(name, "木渎镇") for name in names} <= located
    assert related(ex, "星河科创园", "locatedIn", "木渎镇").trigger == "落地"
    assert not any(label.startswith("等") or label.endswith("等")
                   for label in (e.label for e in ex.entities.values()))


def test_qian_shou_cheng_li_alliance_gives_members_and_cooperation(nlp: Language) -> None:
    ex = extract(nlp, RURAL)
    alliance = by_label(ex, "环太湖文旅产业联盟")
    assert alliance.cls == "Alliance"
    members = members_of(ex, "环太湖文旅产业联盟")
    assert members == {"木渎镇", "西塘镇"}
    assert place(ex, XITANG).label == "西塘镇"
    cooperation = relations(ex, "cooperatesWith")
    assert ("木渎镇", "西塘镇") in cooperation or ("西塘镇", "木渎镇") in cooperation


def test_a_branch_agreement_is_not_a_branch_and_its_signers_join_the_alliance(
    nlp: Language,
) -> None:
    text = (
        "木渎镇举办园区党建活动。木渎镇社区党群服务中心党支部、胥口经济合作社党支部"
        "与8家园区党组织签订了灵岩“同心联盟”党支部联建协议。"
    )
    ex = extract(nlp, text)
    assert by_label(ex, "同心联盟").cls == "Alliance"
    assert not any("协议" in e.label or "灵岩“" in e.label for e in ex.entities.values())
    members = members_of(ex, "同心联盟")
    assert members == {"木渎镇社区党群服务中心党支部", "胥口经济合作社党支部"}


def test_a_preposition_fused_with_a_place_does_not_start_a_body_name(nlp: Language) -> None:
    # jieba's dictionary lists 从如皋 as a person's name; the walk left must stop at 从
    ex = extract(nlp, "代表团从如皋市委宣传部出发，前往萧山区。")
    body = by_label(ex, "如皋市委宣传部")
    assert body.cls == "PartyOrganization"
    assert not any(e.label.startswith(("代表团", "从")) for e in ex.entities.values())
    assert ("如皋市委宣传部", "如皋市") in relations(ex, "locatedIn")


def test_a_body_named_after_its_province_and_district_lies_in_the_district(
    nlp: Language,
) -> None:
    ex = extract(nlp, "由浙江省萧山区委组织部发起的活动在瓜沥镇举行。")
    assert related(ex, "萧山区委组织部", "locatedIn", "萧山区").rule == "relation.name_containment"


def test_a_quoted_slogan_of_two_clauses_names_nothing(nlp: Language) -> None:
    ex = extract(nlp, "木渎镇举行“携手谋发展，同心创未来”党建联盟签约仪式，启动“灵岩党建”品牌。")
    assert not any("谋发展" in e.label for e in ex.entities.values())
    assert by_label(ex, "灵岩党建").cls == "PartyBrand"  # a quoted name still is one


# --------------------------------------------------------------------------- offsets


OFFSET_TEXTS = {
    "simplified": ARTICLE + RURAL,
    "traditional": (
        "吳中區多個黨建項目亮相\n\n"
        "日前，區司法局、區人才服務中心已正式入駐木瀆鎮“暖心驛站”服務平臺。"
        "木瀆鎮依託“水韻同心”黨建品牌，推動星河科創園、雲帆數據中心等重大項目落地，"
        "牽手嘉善縣西塘鎮成立環太湖文旅產業聯盟。\n"
    ),
}


@pytest.mark.parametrize("script", sorted(OFFSET_TEXTS))
def test_every_span_maps_back_to_the_cleaned_text(nlp: Language, script: str) -> None:
    ex = extract(nlp, OFFSET_TEXTS[script])
    text = ex.doc.text
    assert len(ex.entities) >= 8 and len(ex.relations) >= 6
    for sentence in ex.sentences:
        assert text[sentence.start : sentence.end] == sentence.text
    for entity in ex.entities.values():
        for span, rule in entity.mentions:
            assert text[span.start : span.end] == span.text, (entity.label, rule)
    for r in ex.relations:
        assert text[r.evidence.start : r.evidence.end] == r.evidence.text, (r.rule, r.evidence)
        assert r.sentence_index < len(ex.sentences)


def test_common_words_are_not_places(nlp: Language) -> None:
    """城区 (urban area), 合作 (cooperation) and 村庄 (villages) are ordinary words."""
    ex = extract(nlp, "吴中区城区的居民积极参与合作，沿太湖大道村庄标牌统一更新。")
    labels = {e.label for e in ex.entities.values()}
    assert "城区" not in labels and "合作区" not in labels
    assert not any(label.endswith("道村") for label in labels), labels
    assert place(ex, WUZHONG).label == "吴中区"


def test_a_two_character_district_counts_after_its_city(nlp: Language) -> None:
    ex = extract(nlp, "山西省阳泉市郊区人民政府召开会议。")
    assert place(ex, "140311").label == "郊区"


def test_a_role_word_is_not_part_of_the_organisation_name(nlp: Language) -> None:
    ex = extract(nlp, "项目运营方苏州澄湖数字科技有限公司与木渎镇签约。")
    by_label(ex, "苏州澄湖数字科技有限公司")


def test_an_alliance_named_by_an_abbreviation_has_those_places_as_members(nlp: Language) -> None:
    ex = extract(
        nlp,
        "杭州市、嘉兴市、湖州市加强合作。杭嘉湖三地共同推进产业协同。\n"
        "会上，杭嘉湖“智造先锋”党建联盟正式揭牌。",
    )
    members = members_of(ex, "杭嘉湖“智造先锋”党建联盟")
    assert members == {"杭州市", "嘉兴市", "湖州市"}


@pytest.fixture(scope="module")
def rules_nlp() -> Language:
    """The rules alone, so that a rule's own output is what a test sees."""
    return build_pipeline(use_learned=False)


FOUNDED = (
    "启动仪式上，苏州澄湖数字科技有限公司、苏州木渎文旅集团有限公司、吴中太湖科技股份有限公司"
    "三方企业代表共同按下启动按钮，标志着吴中智造产业链党建联盟正式成立。"
)
FOUNDERS = {"苏州澄湖数字科技有限公司", "苏州木渎文旅集团有限公司", "吴中太湖科技股份有限公司"}


@pytest.mark.parametrize("which", ["rules", "default"])
def test_parties_listed_where_a_joint_body_is_founded_are_its_members(
    which: str, rules_nlp: Language, nlp: Language
) -> None:
    ex = extract(rules_nlp if which == "rules" else nlp, FOUNDED)
    # 标志着 is a verb and its particle, not the start of the name
    alliance = by_label(ex, "吴中智造产业链党建联盟")
    assert alliance.cls == "Alliance"
    assert members_of(ex, alliance.label) == FOUNDERS
    pairs = partner_pairs(ex)
    assert {frozenset(p) for p in itertools.combinations(sorted(FOUNDERS), 2)} <= pairs
    evidence = next(r for r in ex.relations if r.predicate == "memberOf").evidence
    assert FOUNDED[evidence.start : evidence.end] == evidence.text


def test_a_body_signed_with_is_a_party_not_what_the_list_founds(rules_nlp: Language) -> None:
    ex = extract(rules_nlp, "木渎镇党委、胥口镇党委与吴中数字科技产业链党委签订共建协议。")
    assert not relations(ex, "memberOf")


def test_a_list_that_a_verb_governs_founds_nothing(rules_nlp: Language) -> None:
    ex = extract(
        rules_nlp,
        "木渎镇推动灵岩产业园、天平科技园、太湖农博园等重大项目落地，牵手胥口镇成立吴中文旅产业联盟。",
    )
    members = members_of(ex, "吴中文旅产业联盟")
    assert members == {"木渎镇", "胥口镇"}  # the towns found it; the parks only landed


def test_the_head_noun_of_the_one_joint_committee_stands_for_it(rules_nlp: Language) -> None:
    ex = extract(
        rules_nlp,
        "木渎镇灵岩片区联村党委在天平村揭牌成立。据了解，天平村、金山浜村、香溪村三村地域相近，"
        "此次三个村建立起服务更加便利的联村党委阵地。",
    )
    committee = by_label(ex, "木渎镇灵岩片区联村党委")
    assert "联村党委" in committee.alt_labels  # one entity, named by its fullest form
    assert not any(e.cls == "Village" and e.label.endswith("联村") for e in ex.entities.values())
    members = members_of(ex, committee.label)
    assert members == {"天平村", "金山浜村", "香溪村"}


def test_a_joint_committee_covering_listed_villages_has_them_as_members(
    rules_nlp: Language,
) -> None:
    ex = extract(rules_nlp, "木渎镇灵岩片区联村党委辖天平村、金山浜村、香溪村等3个村。")
    by_label(ex, "天平村")  # 辖 governs the list; it is not part of the first name
    members = members_of(ex, "木渎镇灵岩片区联村党委")
    assert members == {"天平村", "金山浜村", "香溪村"}
    # covering is not cooperating: the villages are not paired by this sentence
    assert not relations(ex, "cooperatesWith")


def test_a_subject_joined_by_yu_to_a_list_is_the_hub_of_the_pairs(rules_nlp: Language) -> None:
    ex = extract(
        rules_nlp,
        "吴中区与毗邻的浙江省嘉善县、太湖牧场、湖州市吴兴区和邻近的吴江区在产业发展等方面"
        "协同建立跨区域党建大联盟。",
    )
    members = members_of(ex, "跨区域党建大联盟")
    assert members == {"吴中区", "嘉善县", "吴兴区", "吴江区"}
    pairs = {frozenset(p) for p in relations(ex, "cooperatesWith")}
    assert pairs == {frozenset({"吴中区", other}) for other in ("嘉善县", "吴兴区", "吴江区")}


def _places_scanning_every_position(text: str, gaz) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    """The gazetteer scan as first written: the longest name starting at each position."""
    from kg.extract.rules.places import _after_parent, _is_generic_division, _level_word_of_body

    names = name_index(gaz).names
    longest_first = sorted({len(n) for n in names if len(n) >= 2}, reverse=True)
    found, i = [], 0
    while i < len(text):
        hit = next((text[i : i + k] for k in longest_first if text[i : i + k] in names
                    and i + k <= len(text)), None)
        if hit and (_level_word_of_body(text, i, hit)
                    or (_is_generic_division(hit) and not _after_parent(text, i, hit, gaz))):
            hit = None
        if hit:
            found.append((i, i + len(hit), hit))
            i += len(hit)
        else:
            i += 1
    return found


@pytest.mark.parametrize("text", [
    "江苏省苏州市吴中区木渎镇和胥口镇，浙江省嘉兴市嘉善县西塘镇。",
    "苏州市城区与城区，大同市城区；萧山区瓜沥镇联合镇团委开展活动。",
    "吴中区吴中区木渎镇木渎镇镇",
    "区镇县乡市",
    "",
])
def test_the_gazetteer_scan_finds_the_longest_name_at_each_position(text: str) -> None:
    """Scanning from where names end finds what scanning every position finds."""
    gaz = get_gazetteer()
    ours = [(m.start, m.end, m.text) for m in find_gazetteer_places(text, gaz)]
    assert ours == _places_scanning_every_position(text, gaz)
    if "木渎镇" in text:
        assert any(name == "木渎镇" for _, _, name in ours)


def _short_forms_scanning_every_position(text: str, gaz, taken) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    """The short-form scan as first written: every position, longest form first."""
    index = name_index(gaz)
    occupied = occupied_positions(taken)
    found, i = [], 0
    while i < len(text):
        hit = None
        for length in index.short_lengths.get(text[i], ()):
            piece = text[i : i + length]
            if len(piece) == length and piece in index.short and not (
                set(range(i, i + length)) & occupied
            ):
                hit = piece
                break
        if hit and word_tag(hit) in _NOT_NAME_TAGS:
            hit = None
        if hit and [d for d in gaz.candidates(hit, allow_short=True) if d.level <= 3]:
            end = i + len(hit)
            if text[end : end + 1] in ("市", "县", "区") and end not in occupied and (
                HAN_RE.match(text[end + 1 : end + 2] or " ")
            ):
                end += 1
            found.append((i, end, text[i:end]))
            i = end
            continue
        i += 1
    return found


@pytest.mark.parametrize("text", [
    "浙江萧山与江苏吴中合作，如皋和海宁签约。",
    "吴中吴中区木渎镇，萧山瓜沥，苏州吴江和嘉善。",
    "开发合作没有地名。",
    "",
])
def test_the_short_form_scan_finds_what_scanning_every_position_finds(text: str) -> None:
    gaz = get_gazetteer()
    taken = find_gazetteer_places(text, gaz)
    ours = [(m.start, m.end, m.text) for m in find_short_place_forms(text, gaz, taken)]
    assert ours == _short_forms_scanning_every_position(text, gaz, taken)
    if "萧山" in text:
        assert any(name.startswith("萧山") for _, _, name in ours)


def test_a_place_that_locates_a_listed_partner_does_not_break_the_list(
    rules_nlp: Language,
) -> None:
    ex = extract(rules_nlp, "日前，华兴集团和木渎镇天平村签约结对，推进村企共建。")
    pairs = partner_pairs(ex)
    assert frozenset({"华兴集团", "天平村"}) in pairs
    assert ("天平村", "木渎镇") in relations(ex, "locatedIn")
