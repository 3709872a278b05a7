"""Normalise: length-keeping script conversion, pinyin labels, English names, name keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kg.read.normalise as normalise
from kg.read.normalise import (
    detect_script,
    english_place_name,
    normalise_name,
    pinyin_label,
    to_simplified,
    to_traditional,
)

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_7df76e14de67d081.txt"


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("楓涇鎮", "枫泾镇"),
        ("金山區“同臺競技”", "金山区“同台竞技”"),
        ("沐一帆、韓慶", "沐一帆、韩庆"),
        ("頭髮", "头发"),  # a phrase-table conversion
        ("LINK 黨建 2022", "LINK 党建 2022"),
    ],
)
def test_to_simplified(traditional, simplified):
    assert to_simplified(traditional) == simplified


def test_to_traditional_keeps_length():
    assert to_traditional("枫泾镇党建") == "楓涇鎮黨建"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF) | st.sampled_from(
    "，。“”() \nabc123")))
def test_conversion_never_changes_length(text):
    assert len(to_simplified(text)) == len(text)
    assert len(to_traditional(text)) == len(text)


def test_a_length_changing_phrase_falls_back_to_characters(monkeypatch):
    """OpenCC phrase tables can map a phrase to one of another length; simulate one."""

    class Shrinking:
        def convert(self, text: str) -> str:
            return text.replace("黨建", "党").replace("區", "区")

    monkeypatch.setattr(normalise, "_converter", lambda config: Shrinking())
    normalise._convert_char.cache_clear()
    try:
        assert to_simplified("金山區黨建") == "金山区黨建"
    finally:
        normalise._convert_char.cache_clear()


def test_detect_script():
    seed = SEED.read_text(encoding="utf-8")
    assert detect_script(seed) == "Hant"
    assert detect_script(to_simplified(seed)) == "Hans"
    assert detect_script("干部在示範區工作") == "Hant"  # mainland-converted Traditional
    assert detect_script("") == "Hans"
    assert detect_script("ABC 123") == "Hans"


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("楓涇鎮", "Fēng jīng zhèn"),
        ("枫泾镇", "Fēng jīng zhèn"),
        ("平湖市", "Píng hú shì"),
        ("呂巷鎮", "Lǚ xiàng zhèn"),
        ("紅領LINK", "Hóng lǐng LINK"),
    ],
)
def test_pinyin_label(name, label):
    assert pinyin_label(name) == label


@pytest.mark.parametrize(
    ("name", "cls", "english"),
    [
        ("楓涇鎮", "Township", "Fengjing Town"),
        ("枫泾镇", "Township", "Fengjing Town"),
        ("平湖市", "City", "Pinghu City"),
        ("金山区", "District", "Jinshan District"),
        ("浙江省", "Province", "Zhejiang Province"),
        ("上海市", "City", "Shanghai"),
        ("上海市", "Province", "Shanghai"),
        ("北京市", "City", "Beijing"),
        ("华泾镇", "Township", "Huajing Town"),
        ("凤鸣街道", "Subdistrict", "Fengming Subdistrict"),
        ("某某乡", "Township", "Moumou Township"),
        ("嘉善县", "County", "Jiashan County"),
        ("电站村", "Village", "Dianzhan Village"),
        ("西安市", "City", "Xi'an City"),
        ("广西壮族自治区", "Province", "Guangxi Zhuang Autonomous Region"),
        ("西藏自治区", "Province", "Xizang Autonomous Region"),
        ("湘西土家族苗族自治州", "City", "Xiangxi Tujia Miao Autonomous Prefecture"),
        ("金山", "District", "Jinshan District"),  # no suffix: the class gives the term
    ],
)
def test_english_place_name(name, cls, english):
    assert english_place_name(name, cls) == english


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("暖“新”行動 （平臺）", "暖新行动平台"),
        ("數字(福建)安溪產業園", "数字福建安溪产业园"),
        ("「紅領LINK」", "红领link"),
        ("‘一地六縣’", "一地六县"),
        ("《党建联建协议书》", "党建联建协议书"),
        ("\u200b金山区\u3000", "金山区"),
        ("ＡＢＣ１２３", "abc123"),
    ],
)
def test_normalise_name(name, key):
    assert normalise_name(name) == key

