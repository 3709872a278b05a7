"""Clean: pinyin artifacts and chrome go, metadata is read, offsets stay exact."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.model import RawDocument
from kg.read.chrome import is_chrome, read_breadcrumb
from kg.read.clean import clean_document, is_reading_of, remove_pinyin_annotations
from kg.read.metadata import parse_date, read_metadata_line
from kg.read.normalise import to_simplified

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_7df76e14de67d081.txt"
DEV = SHARED / "eval" / "dev"
DEV_FILES = sorted(DEV.glob("d*.txt"))


def raw(text: str, **kwargs) -> RawDocument:
    return RawDocument(source="test.txt", text=text, **kwargs)


def assert_offsets_exact(doc, raw_text: str) -> None:
    assert len(doc.raw_offsets) == len(doc.text) == len(doc.simplified)
    assert all(doc.text[i] == raw_text[o] for i, o in enumerate(doc.raw_offsets))
    assert list(doc.raw_offsets) == sorted(set(doc.raw_offsets))


@pytest.fixture(scope="module")
def seed():
    text = SEED.read_text(encoding="utf-8")
    return text, clean_document(RawDocument(source="seeds/seed.txt", text=text))


# --- pinyin annotations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("金山區(qū)", "金山區"),
        ("楓涇鎮（zhèn）舉行", "楓涇鎮舉行"),  # full-width brackets
        ("長(zhǎng)三角", "長三角"),
        ("長(cháng)江", "長江"),  # the other reading of the same heteronym
        ("項目(xiàng mù)落地", "項目落地"),  # one syllable per character
        ("項目(xiàngmù)落地", "項目落地"),  # syllables written together
        ("區(qū)社(shè)工委", "區社工委"),
        ("(來源:金山報)", "(來源:金山報)"),
        ("樂高(Lego)樂園", "樂高(Lego)樂園"),
        ("數字(福建)安溪產業園", "數字(福建)安溪產業園"),
        ("區(zhèn)", "區(zhèn)"),  # not a reading of 區
        ("區(qu)", "區(qu)"),  # no tone mark: not what the artifact looks like
        ("BAY(qū)", "BAY(qū)"),  # nothing Han to annotate
        ("黨委(2021)", "黨委(2021)"),
    ],
)
def test_pinyin_annotations_go_and_real_brackets_stay(text, expected):
    assert remove_pinyin_annotations(text) == expected


def test_is_reading_of_uses_every_heteronym():
    assert is_reading_of("區", "ōu") and is_reading_of("區", "qū")
    assert not is_reading_of("區", "lè")


# --- the seed -------------------------------------------------------------------------------


def test_seed_metadata_matches_the_reference(seed):
    _, doc = seed
    meta = doc.metadata
    assert meta.title == "金山区十多个党建创新项目“同台竞技”"
    assert meta.subtitle == "为区域经济发展注入“红色动能”"
    assert meta.published == "2022-01-19T12:20:00+08:00"
    assert meta.publisher == "人民网"
    assert meta.channel == "上海频道"
    assert meta.source == "金山报"
    assert meta.editors == ("沐一帆", "韩庆")
    gold = json.loads((SHARED / "eval" / "seed.gold.json").read_text(encoding="utf-8"))
    expected = gold["metadata"]
    assert {key: getattr(meta, key) for key in expected} == {
        key: tuple(value) if isinstance(value, list) else value for key, value in expected.items()
    }


def test_seed_offsets_point_at_the_same_characters(seed):
    text, doc = seed
    assert_offsets_exact(doc, text)


def test_seed_text_keeps_the_article_and_drops_chrome(seed):
    _, doc = seed
    lines = doc.text.split("\n")
    assert lines[0] == "金山區十多個黨建創新項目“同臺競技”"
    assert lines[1] == "為區域經濟發展注入“紅色動能”"
    assert lines[2].startswith("日前,金山區“兩新”組織黨建創新項目評審會在楓涇鎮舉行")
    assert lines[-1].startswith("近年來,我區積極順應新時代新要求")
    chrome_lines = ["人民網", "上海頻道", "小字號", "2022年01月19日", "來源", "責編",
                    "分享讓更多人看到", "返回頂部"]
    for chrome in chrome_lines:
        assert chrome not in doc.text
    assert "" not in lines  # no blank lines
    assert "(qū)" not in doc.text
    assert not re.search(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü ]+\)", doc.text)


def test_seed_identity_and_script(seed):
    _, doc = seed
    assert doc.script == "Hant"
    assert doc.simplified == to_simplified(doc.text)
    assert doc.content_hash == hashlib.sha256(doc.simplified.encode("utf-8")).hexdigest()
    assert doc.doc_id == doc.content_hash[:16]
    assert doc.source == "seeds/seed.txt"


def test_an_explicit_id_wins():
    assert clean_document(raw("正文。", doc_id="abc")).doc_id == "abc"


# --- the dev articles -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_docs():
    docs = {}
    for path in DEV_FILES:
        text = path.read_text(encoding="utf-8")
        docs[path.stem] = (text, clean_document(RawDocument(source=str(path), text=text)))
    return docs


def test_there_are_dev_articles():
    """The ten articles the tests below name are there, and every article has its reference.

    The dev set grows (d01-d40 now), so its size is not fixed: what the tests rely on is
    that d01-d10 exist and that each ``dNN.txt`` comes with its ``dNN.gold.json``.
    """
    names = [p.stem for p in DEV_FILES]
    assert {f"d{i:02d}" for i in range(1, 11)} <= set(names)
    assert all(re.fullmatch(r"d\d{2}", name) for name in names), names
    texts = {p.name.removesuffix(".txt") for p in DEV.glob("*.txt")}
    golds = {p.name.removesuffix(".gold.json") for p in DEV.glob("*.gold.json")}
    assert texts == golds == set(names)


@pytest.mark.parametrize("name", [p.stem for p in DEV_FILES])
def test_dev_articles_keep_every_core_entity(dev_docs, name):
    """Each core reference entity is in the cleaned text, or was read into the metadata."""
    text, doc = dev_docs[name]
    assert_offsets_exact(doc, text)
    assert not doc.text.startswith("#")
    meta = doc.metadata
    in_metadata = {meta.publisher, meta.source, meta.channel, *meta.editors}
    gold = json.loads((DEV / f"{name}.gold.json").read_text(encoding="utf-8"))
    for entity in gold["entities"]:
        if entity.get("core", True) is False:
            continue
        surface = to_simplified(entity["surface"])
        assert surface in doc.simplified or surface in in_metadata, entity["surface"]


@pytest.mark.parametrize("name", ["d07", "d08"])
def test_dev_pinyin_annotations_are_all_removed(dev_docs, name):
    text, doc = dev_docs[name]
    assert len(re.findall(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", text)) >= 50
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", doc.text)
    assert doc.script == "Hant"


def test_dev_han_in_brackets_is_kept(dev_docs):
    _, doc = dev_docs["d09"]
    assert "數字(福建)安溪產業園" in doc.text


def test_dev_metadata(dev_docs):
    meta = {name: doc.metadata for name, (_, doc) in dev_docs.items()}
    assert meta["d01"].url.startswith("https://www.taicangdaily.com/tcrbszb/html/2024-10/23/")
    assert meta["d02"].title == "上海安亭和江苏花桥签订“双城共建”协议"
    assert meta["d02"].published == "2018-03-31T13:06:00+08:00"
    assert meta["d02"].source == "澎湃新闻"
    assert meta["d03"].published == "2020-05-18T10:58:09+08:00"
    assert meta["d03"].source == "南通网"
    assert meta["d04"].source == "上海徐汇"
    assert meta["d04"].editors == ()  # "收集编辑" is not an editor label
    assert meta["d05"].publisher == "黄淮网"
    assert meta["d06"].published == "2023-03-24T00:00:00+08:00"
    assert meta["d07"].title is None  # a lead-in sentence ending in a dash is not a title
    assert meta["d10"].publisher == "新华网"
    assert {d.script for n, (_, d) in dev_docs.items() if n in {"d01", "d02", "d05"}} == {"Hans"}


def test_dev_footer_chrome_is_dropped(dev_docs):
    assert "版权所有" not in dev_docs["d03"][1].text
    assert "免责声明" not in dev_docs["d03"][1].text
    assert "当前位置" not in dev_docs["d04"][1].text
    assert "我们一直在努力" not in dev_docs["d04"][1].text
    assert "国内新闻 社会新闻" not in dev_docs["d02"][1].text


# --- general rules on text written for these tests ------------------------------------------

PAGE = """某某新闻网
首页 > 地方频道 > 正文
某县召开乡村振兴工作推进会
2020-05-18 10:58:09 来源: 某某日报 作者：王某
【字体：大 中 小】 打印 关闭窗口

会议指出，要进一步压实责任，推动各项任务落地见效。
会议要求，各乡镇要结合实际，细化工作方案。

（责任编辑：张三，李四）
上一篇：某县举行植树活动
扫一扫在手机打开当前页
Copyright © 2020 某某新闻网 All Rights Reserved
免责声明：本网站所刊登的各种新闻信息，仅供参考。
"""


def test_a_typical_page():
    doc = clean_document(raw(PAGE))
    assert doc.text.split("\n") == [
        "某县召开乡村振兴工作推进会",
        "2020-05-18 10:58:09 来源: 某某日报 作者：王某",  # names a person, so it stays
        "会议指出，要进一步压实责任，推动各项任务落地见效。",
        "会议要求，各乡镇要结合实际，细化工作方案。",
    ]
    meta = doc.metadata
    assert meta.title == "某县召开乡村振兴工作推进会"
    assert meta.publisher == "某某新闻网"
    assert meta.channel == "地方频道"
    assert meta.source == "某某日报"
    assert meta.published == "2020-05-18T10:58:09+08:00"
    assert meta.editors == ("张三", "李四")
    assert doc.script == "Hans"
    assert_offsets_exact(doc, PAGE)


def test_a_short_heading_without_a_title_above_the_body_is_kept():
    doc = clean_document(raw("某鎮揭牌\n日前，某鎮聯合黨委揭牌成立。"))
    assert doc.text == "某鎮揭牌\n日前，某鎮聯合黨委揭牌成立。"
    assert doc.metadata.title is None
    assert doc.metadata.publisher is None


def test_a_text_of_short_lines_keeps_them_all():
    text = "甲鎮\n乙村\n丙社區"
    assert clean_document(raw(text)).text == text


def test_provenance_headers_give_the_url_and_are_dropped():
    text = "# source: https://example.org/a.html\n# retrieved-excerpt: yes\n正文第一句。\n"
    doc = clean_document(raw(text))
    assert doc.text == "正文第一句。"
    assert doc.metadata.url == "https://example.org/a.html"


def test_raw_metadata_is_used_and_simplified():
    doc = clean_document(raw("正文。", title="標題", date="2021-06-18 08:00", url="u"))
    assert doc.metadata.title == "标题"
    assert doc.metadata.published == "2021-06-18T08:00:00+08:00"
    assert doc.metadata.url == "u"


@pytest.mark.parametrize(
    ("given", "published"),
    [
        ("2023-03-24", "2023-03-24T00:00:00+08:00"),
        ("2023-03-24T01:30:00Z", "2023-03-24T09:30:00+08:00"),
        ("2023-03-24T09:30:00+08:00", "2023-03-24T09:30:00+08:00"),
        ("not a date", None),
    ],
)
def test_dates_given_as_metadata(given, published):
    assert clean_document(raw("正文。", date=given)).metadata.published == published


def test_markdown_markup_is_removed_with_exact_offsets():
    text = "# 某鎮黨建聯盟成立大會\n\n**日前**，[某鎮](https://example.org)舉行大會。![圖](x.png)\n"
    doc = clean_document(raw(text, media_type="markdown"))
    assert doc.text == "某鎮黨建聯盟成立大會\n日前，某鎮舉行大會。"
    assert doc.metadata.title == "某镇党建联盟成立大会"
    assert_offsets_exact(doc, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022年01月19日12:20 |", "2022-01-19T12:20:00+08:00"),
        ("2022年1月9日 08:05:30", "2022-01-09T08:05:30+08:00"),
        ("发布时间：2020-05-18 10:58:09", "2020-05-18T10:58:09+08:00"),
        ("2023/03/24", "2023-03-24T00:00:00+08:00"),
        ("2023年03月24日", "2023-03-24T00:00:00+08:00"),
        ("2023年02月30日", None),
        ("3月28日", None),
    ],
)
def test_parse_date(text, expected):
    found = parse_date(text)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("人民网>>上海频道", ("人民网", "上海频道")),
        ("地方网 > 新闻 > 国内新闻 > 正文", ("地方网", "国内新闻")),
        ("当前位置:首页 > 情感 > 故事 >", (None, "故事")),
        ("甲>乙,这是一句话。", None),
        ("没有分隔符", None),
    ],
)
def test_read_breadcrumb(line, expected):
    assert read_breadcrumb(line) == expected


@pytest.mark.parametrize(
    "line",
    ["小字号", "分享让更多人看到", "返回顶部", "【打印】【关闭】", "打印 关闭窗口",
     "字号：大 中 小", "南通日报社 2009-2016 版权所有", "沪ICP备12345678号", "上一篇：某某活动"],
)
def test_chrome_lines(line):
    assert is_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        "某镇召开大会",
        "会议要求，各乡镇要细化方案。",
        "(来源:金山报)",
        "中国共产党某某支部委员会",
        "会上，园区为入驻企业集中办理了ICP备案等手续，"
        + "并就数据安全、网络运营等事项作了说明。" * 3,
    ],
)
def test_not_chrome(line):
    assert not is_chrome(line)


def test_metadata_lines():
    meta = read_metadata_line("(责编:沐一帆、韩庆)")
    assert meta is not None and meta.editors == ["沐一帆", "韩庆"]
    assert read_metadata_line("（责任编辑：张三 李四）").editors == ["张三", "李四"]
    assert read_metadata_line("编辑:王五 来源:某报").editors == ["王五"]
    assert read_metadata_line("编辑:王五 来源:某报").source == "某报"
    assert read_metadata_line("(来源:金山报)").source == "金山报"
    line = "来源:澎湃新闻 2018-03-31 13:06   https://www.yybnet.net/"
    assert read_metadata_line(line).source == "澎湃新闻"
    assert read_metadata_line("本报讯(记者 肖朋)昨天,活动举行。") is None
    assert read_metadata_line("截至2021年底,共计4077家。") is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["區(qū)", "金山", "(來源:報)", "\n", "\r\n", " ", "　", "。", "小字號", "返回頂部",
             "人民網>>上海", "2022年01月19日12:20", "(Lego)", "長(cháng)", "# a: b\n", "abc"]
        ),
        max_size=30,
    )
)
def test_offsets_are_exact_for_any_text(parts):
    text = "".join(parts)
    doc = clean_document(raw(text))
    assert_offsets_exact(doc, text)
    assert "\r" not in doc.text
