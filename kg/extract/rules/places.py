"""Place mentions: gazetteer names, short forms, unlisted villages and towns, regions.

Administrative names come from the gazetteer (with the checks that stop a
word that only ends like a place from becoming one) or end in 镇/街道/村;
regions, corridors and circles end in a region word of the lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kg.extract import lexicon as lx
from kg.extract.gazetteer import Gazetteer, short_forms
from kg.extract.rules.mention import (
    HAN,
    HAN_RE,
    Mention,
    extend_left,
    occupied_positions,
    word_tag,
)
from kg.extract.rules.organisations import (
    SUFFIXES_BY_LENGTH,
    continues_as_alliance,
    continues_name,
)


@dataclass(frozen=True)
class NameIndex:
    """Division names by first or last character and length, so a scan skips most positions."""

    names: frozenset[str]
    short: frozenset[str]
    short_lengths: dict[str, tuple[int, ...]]
    #: matches one character that starts some short form
    short_start: re.Pattern[str]
    #: the lengths of the full names ending in each character, shortest first
    lengths_by_end: dict[str, tuple[int, ...]]
    #: matches one character that ends some full name
    name_end: re.Pattern[str]
    #: the first two characters of the names longer than three (景宁 of 景宁畲族自治县)
    long_prefixes: frozenset[str] = frozenset()


def _lengths_by_char(names: Iterable[str], at: int) -> dict[str, tuple[int, ...]]:
    """The lengths of the names (of two or more characters) by their character at ``at``.

    Longest first by first character (``at`` 0: a scan from the start takes
    the longest name), shortest first by last character (``at`` -1: a scan
    back from the end stops at the start of the text).
    """
    table: dict[str, set[int]] = {}
    for name in names:
        if len(name) >= 2:
            table.setdefault(name[at], set()).add(len(name))
    return {ch: tuple(sorted(ls, reverse=at == 0)) for ch, ls in table.items()}


def _one_of(chars: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any one of ``chars``."""
    return re.compile(f"[{''.join(map(re.escape, sorted(chars)))}]")


_NAME_INDEXES: dict[int, NameIndex] = {}


def name_index(gaz: Gazetteer) -> NameIndex:
    """Built once per gazetteer and process."""
    index = _NAME_INDEXES.get(id(gaz))
    if index is None:
        names = gaz.known_names()
        short = gaz.known_names(allow_short=True) - names
        by_end = _lengths_by_char(names, -1)
        short_lengths = _lengths_by_char(short, 0)
        long_prefixes = frozenset(n[:2] for n in names | short if len(n) > 3)
        index = NameIndex(
            names, short, short_lengths, _one_of(short_lengths), by_end, _one_of(by_end),
            long_prefixes,
        )
        _NAME_INDEXES[id(gaz)] = index
    return index


def find_gazetteer_places(text: str, gaz: Gazetteer) -> list[Mention]:
    """Every full division name in the text, longest match first, left to right.

    At each position the longest name starting there is the candidate; an
    accepted one is skipped over, a refused one (:func:`_level_word_of_body`,
    :func:`_is_generic_division`) lets the scan go on at the next position.
    The candidates are found from where names end: the few characters that
    end a division name (镇, 乡, 县 …) are rare in text, while almost any
    character can start one.
    """
    index = name_index(gaz)
    longest = _longest_names_by_start(text, index)
    found: list[Mention] = []
    scanned_to = 0
    for start in sorted(longest):
        if start < scanned_to:
            continue
        hit = text[start : start + longest[start]]
        if _level_word_of_body(text, start, hit):
            continue
        if _is_generic_division(hit) and not _after_parent(text, start, hit, gaz):
            continue
        if _is_tail_of_longer_word(text, start, hit, index):
            continue
        divs = gaz.candidates(hit)
        cls = gaz.entity_class(divs[0]) if divs else "Township"
        found.append(Mention(start, start + len(hit), hit, cls, "place.gazetteer"))
        scanned_to = start + len(hit)
    return found


def _longest_names_by_start(text: str, index: NameIndex) -> dict[int, int]:
    """For each offset where a full division name starts, the length of the longest one."""
    longest: dict[int, int] = {}
    names = index.names
    for match in index.name_end.finditer(text):
        end = match.end()
        for length in index.lengths_by_end[match.group()]:
            start = end - length
            if start < 0:
                break
            if length > longest.get(start, 0) and text[start:end] in names:
                longest[start] = length
    return longest


def _is_generic_division(name: str) -> bool:
    """Two-character district names (城区, 郊区, 矿区, 东区) are ordinary words too."""
    return len(name) == 2 and name.endswith("区")


def _after_parent(text: str, start: int, name: str, gaz: Gazetteer) -> bool:
    """Whether ``name`` at ``start`` directly follows the name of a division above it.

    Why: a two-character division name such as 城区 ("urban area") names the
    district only after its city (大同市城区, 阳泉郊区); alone it is a common noun.
    """
    before = text[max(0, start - 8) : start]
    for division in gaz.candidates(name):
        for parent in gaz.parents(division.code):
            for form in (parent.name, *short_forms(parent.name, parent.level)):
                if len(form) >= 2 and before.endswith(form):
                    return True
    return False


def _is_tail_of_longer_word(text: str, start: int, name: str, index: NameIndex) -> bool:
    """A one-character division name (宁县, 兴镇) glued to the word before it.

    Why: such names are the last two characters of many longer words, and the
    scan finds them there: 景宁县 (written for 景宁畲族自治县) gives 宁县, the
    slogans 文旅兴镇 and 科技兴县 give 兴镇 and 兴县, and 县长 after 代
    ("acting") gives 代县. The name is refused
    when the character before it and its own first one start a longer division
    name, when it is the end of a four-character slogan (two characters, then
    兴/强/立/富, then the level), or when its level character opens a title
    (县长, 镇长).
    """
    if len(name) != 2 or name[-1] not in lx.ONE_CHARACTER_STEM_LEVELS:
        return False
    after = text[start + 2 : start + 3]
    if after in lx.TITLE_AFTER_LEVEL:
        return True
    before = text[max(0, start - 2) : start]
    if not before or not HAN_RE.match(before[-1]):
        return False
    if before[-1] + name[0] in index.long_prefixes:
        return True
    return (name[0] in lx.SLOGAN_VERBS and len(before) == 2
            and HAN_RE.match(before[0]) is not None)


def _level_word_of_body(text: str, start: int, name: str) -> bool:
    """联合镇团委: the 镇 opens 镇团委 and 联合 is a verb, so 联合镇 is no town here."""
    stem = name[:-1]
    if name[-1] not in lx.LEVEL_PREFIXES or word_tag(stem) not in _NOT_NAME_TAGS:
        return False
    rest = text[start + len(name) : start + len(name) + 6]
    return any(rest.startswith(suffix) for suffix in SUFFIXES_BY_LENGTH)


def find_short_place_forms(text: str, gaz: Gazetteer, taken: Sequence[Mention]) -> list[Mention]:
    """Short forms of provinces, cities and counties (浙江, 海宁, 吴中).

    They are kept only where they cannot be part of a longer word already
    recognised; whether the context supports them is decided at linking time.
    """
    index = name_index(gaz)
    short = index.short
    found: list[Mention] = []
    occupied = occupied_positions(taken)
    scanned_to = 0
    # only where a short form can start; the others could not give a hit
    for start_match in index.short_start.finditer(text):
        i = start_match.start()
        if i < scanned_to:
            continue
        hit = None
        for length in index.short_lengths.get(text[i], ()):
            piece = text[i : i + length]
            if (
                len(piece) == length
                and piece in short
                and not (set(range(i, i + length)) & occupied)
            ):
                hit = piece
                break
        if hit and word_tag(hit) in _NOT_NAME_TAGS:
            hit = None  # 合作 (cooperation) is not 合作市 shortened, 开发 no place
        if hit:
            divs = [d for d in gaz.candidates(hit, allow_short=True) if d.level <= 3]
            if divs:
                cls = gaz.entity_class(divs[0])
                end = i + len(hit)
                rule = "place.short_form"
                nxt = text[end : end + 1]
                if (
                    nxt in ("市", "县", "区")
                    and end not in occupied
                    and HAN_RE.match(text[end + 1 : end + 2] or " ") is not None
                ):
                    # an older name of a renamed division (a 县级市 since made a 区)
                    end += 1
                    rule = "place.short_form_renamed"
                    cls = {"市": "City", "县": "County", "区": "District"}[nxt]
                found.append(Mention(i, end, text[i:end], cls, rule, certain=False))
                scanned_to = end
    return found


#: jieba tags of words that cannot be the name of a place (verbs, adverbs, pronouns …).
_NOT_NAME_TAGS = frozenset({"v", "vn", "d", "c", "p", "u", "r", "m", "a", "ad", "f"})

_UNLISTED_PLACE_RE = re.compile(f"([{HAN}]{{2,4}}?)(街道|社区|村|镇|乡)")


def find_unlisted_places(
    text: str, ends_to_starts: dict[int, int], taken: Sequence[Mention]
) -> list[Mention]:
    """Villages, communities and towns the gazetteer does not list (灵岩村)."""
    occupied = occupied_positions(taken)
    found: list[Mention] = []
    for m in _UNLISTED_PLACE_RE.finditer(text):
        suffix = m.group(2)
        end = m.end()
        suf_start = end - len(suffix)
        if suf_start in occupied or (end - 1) in occupied:
            continue
        # the character after a town suffix must not continue a word (镇政府 is fine)
        start = extend_left(text, suf_start, ends_to_starts, max_len=4, cross_quotes=False)
        stem = text[start:suf_start]
        if len(stem) < 2 or stem in lx.NOT_PLACE_STEMS or stem[-1] in lx.NOT_PLACE_STEMS:
            continue
        if len(stem) == 3 and stem[-1] in lx.SLOGAN_VERBS:
            continue  # 工业强镇, 文旅兴村: a slogan (noun, verb, level), not a place
        if any(p in occupied for p in range(start, end)):
            # stem glued to a known place: 木渎镇灵岩村 → keep only the village part
            while start < suf_start and start in occupied:
                start += 1
            stem = text[start:suf_start]
            if len(stem) < 2 or stem in lx.NOT_PLACE_STEMS:
                continue
        if suffix == "村" and text[end : end + 1] in lx.VILLAGE_WORD_CONTINUATIONS:
            continue  # 大道村庄: 村庄 (villages) is a common noun, not the end of a name
        if suffix == "村" and len(stem) >= 3 and stem[-1] == "联" and text[end : end + 1] == "党":
            continue  # 片区联村党委: a committee joining villages, not a village …联村
        if suffix == "乡" and (
            text[end : end + 1] in "村镇" or HAN_RE.match(text[end : end + 1] or " ")
            and text[end : end + 1] not in "党政人"
        ):
            continue  # 乡村, 水乡产业: 乡 ends a township only before 党委/政府 or punctuation
        if word_tag(stem) in _NOT_NAME_TAGS:
            continue  # 联合镇团委: a verb before 镇 is no town name
        if any(ch in "两二三四五六七八九十百千0123456789地" for ch in stem):
            continue
        cls = {
            "村": "Village",
            "社区": "Village",
            "镇": "Township",
            "乡": "Township",
            "街道": "Subdistrict",
        }[suffix]
        found.append(Mention(start, end, text[start:end], cls, "place.suffix", certain=False))
    return found


def find_regions(text: str, ends_to_starts: dict[int, int]) -> list[Mention]:
    """Named regions (长三角) and planning zones ending in 示范区, 合作区 …"""
    found: list[Mention] = []
    for name in lx.REGION_NAMES:
        for m in re.finditer(re.escape(name), text):
            canonical = lx.REGION_NAMES[name]
            found.append(
                Mention(m.start(), m.end(), name, "Region", "region.lexicon",
                        canonical=canonical if canonical != name else None)
            )
    for suffix in lx.REGION_SUFFIXES:
        for m in re.finditer(re.escape(suffix), text):
            if continues_name(text, m.end()) and not continues_as_alliance(text, m.end()):
                continue  # 片区联合党委 names a body, not the zone
            start = extend_left(text, m.start(), ends_to_starts)
            if m.end() - start > len(suffix) + 1:
                found.append(
                    Mention(start, m.end(), text[start : m.end()], "Region", "region.suffix")
                )
    return found
