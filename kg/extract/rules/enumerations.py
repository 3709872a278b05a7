"""Enumerations: lists of items that end in a counted head (…等三个项目, 四镇).

Each item of the list is a mention of the class the head word gives, and a
counted place word (两镇, 三个村) names the places listed before it.
"""

from __future__ import annotations

import re

from kg.extract import lexicon as lx
from kg.extract.rules.mention import HAN, Mention, extend_left, is_han
from kg.extract.rules.organisations import org_suffix_class

_HEADS_RE = "|".join(sorted((re.escape(h) for h in lx.ENUMERATION_HEADS), key=len, reverse=True))
_ENUM_RE = re.compile(
    rf"((?:[^、,，。；;:：\n“”]{{2,14}}、)+[^、,，。；;:：\n“”]{{2,14}})等(?:[0-9一二三四五六七八九十几多]+[个家项])?({_HEADS_RE})"
)
_GENERIC_ENUM_RE = re.compile(
    r"((?:[^、,，。；;:：\n“”]{2,14}、)+[^、,，。；;:：\n“”]{2,14})等[^,，。；\n]{0,6}?(企业|单位)"
)
_SINGLE_RE = re.compile(
    rf"([^、,，。；;:：\n“”]{{2,14}})等[0-9一二三四五六七八九十几多]+[个家项]({_HEADS_RE})"
)


def find_enumerations(text: str, ends_to_starts: dict[int, int]) -> list[Mention]:
    """Items of ``A、B、C等重大项目`` and the head of ``X等五家沪企``."""
    found: list[Mention] = []
    for m in _ENUM_RE.finditer(text):
        cls = lx.ENUMERATION_HEADS[m.group(2)]
        items_start = m.start(1)
        pos = items_start
        pieces = m.group(1).split("、")
        for idx, piece in enumerate(pieces):
            s, e = pos, pos + len(piece)
            if idx == 0:
                s = extend_left(text, e, ends_to_starts, cross_quotes=False, use_tags=False)
            pos = e + 1
            item = text[s:e]
            if len(item) < 2 or not is_han(item.replace("·", "")):
                continue
            found.append(Mention(s, e, item, _item_class(item, cls), "enumeration.item"))
    for m in _GENERIC_ENUM_RE.finditer(text):
        if any(f.start <= m.start(1) < f.end for f in found):
            continue
        pos = m.start(1)
        for idx, piece in enumerate(m.group(1).split("、")):
            s, e = pos, pos + len(piece)
            if idx == 0:
                s = extend_left(text, e, ends_to_starts, cross_quotes=False, use_tags=False)
            pos = e + 1
            item = text[s:e]
            if len(item) >= 2 and is_han(item):
                found.append(
                    Mention(s, e, item, _item_class(item, "Enterprise"), "enumeration.item")
                )
    for m in _SINGLE_RE.finditer(text):
        cls = lx.ENUMERATION_HEADS[m.group(2)]
        e = m.end(1)
        s = extend_left(text, e, ends_to_starts, cross_quotes=False, use_tags=False)
        item = text[s:e]
        if len(item) >= 2 and "、" not in item:
            found.append(Mention(s, e, item, _item_class(item, cls), "enumeration.head"))
    return found


_COUNTED_RE = re.compile(
    f"((?:[{HAN}]{{2,6}}、)+[{HAN}]{{2,6}})(?:等)?([两二三四五六七八九十])(街道|镇|乡|村|县|区|市)"
)
_COUNTS = {ch: n for n, ch in enumerate("一二三四五六七八九十", start=1)} | {"两": 2}
_COUNTED_CLASS = {"街道": "Subdistrict", "镇": "Township", "乡": "Township", "村": "Village",
                  "县": "County", "区": "District", "市": "City"}


def find_counted_places(text: str) -> list[Mention]:
    """The places of ``A、B、C三镇`` and ``甲、乙两村``, named by their bare stems.

    Why: when a list is closed by a count and a level (三镇, 两村), each item
    is a division of that level even when it is written without its suffix,
    and its name is the stem with the level (A镇). The count must equal the
    number of items, so an ordinary list before 三镇 is left alone. The first
    item starts after the last level character in it (区A: a district written
    before the list locates it, it is not part of the name).
    """
    found: list[Mention] = []
    for m in _COUNTED_RE.finditer(text):
        pieces = m.group(1).split("、")
        if len(pieces) != _COUNTS[m.group(2)]:
            continue
        level = m.group(3)
        pos = m.start(1)
        for idx, piece in enumerate(pieces):
            s, e = pos, pos + len(piece)
            pos = e + 1
            if idx == 0:
                cut = max(piece.rfind(ch) for ch in "省市区县镇乡")
                if 0 <= cut < len(piece) - 2:
                    s += cut + 1
            item = text[s:e]
            if len(item) < 2 or len(item) > 4:
                continue
            canonical = item if item.endswith(level) else item + level
            found.append(Mention(s, e, item, _COUNTED_CLASS[level], "place.counted",
                                 canonical=canonical if canonical != item else None))
    return found


def _item_class(item: str, default: str) -> str:
    """The class of an enumerated item: its own suffix, else what the list says.

    A list headed 重大项目 names projects even when an item ends in 中心; only
    parks and companies keep their own class there. Under 单位/企业 every
    suffix counts (党总支, 法院).
    """
    if item.endswith(("村", "社区")):
        return "Village"
    if item.endswith(("镇", "乡", "街道")):
        return "Township"
    hit = org_suffix_class(item)
    if hit is None:
        return default
    if default == "Project" and hit[1] not in ("IndustrialPark", "Enterprise"):
        return default
    return hit[1]
