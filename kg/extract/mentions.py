"""Rule-based entity mentions: places, organisations, quoted names, lists, people.

Every function here is pure: it takes the Simplified text (and the token
boundaries from the segmenter) and returns ``Mention`` objects with character
offsets. The spaCy components in ``kg/extract/components.py`` call them and
store the results on the ``Doc``.

The rules follow how the genre writes names, not any particular article:
administrative names come from the gazetteer or end in 镇/街道/村; bodies end
in 党委/局/中心/公司/联盟 …, and their left edge is where a function word, a
verb or punctuation stops the name; brands and platforms are quoted and
followed by a head word such as 品牌 or 平台; enumerations end in 等…项目.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kg.extract import lexicon as lx
from kg.extract.gazetteer import Gazetteer, short_forms
from kg.resources import jieba_word_tags

HAN = r"\u3400-\u9fff"
_HAN_RE = re.compile(f"[{HAN}]")
_DIGITS_RE = re.compile(r"^[0-9０-９一二三四五六七八九十百千万零〇]+[年月日号楼层届次期]?$")
_FLOOR_RE = re.compile(r"[0-9一二三四五六七八九十]+(楼|层)$")

#: Verbs that jieba tags ``v`` but that commonly sit inside a body's name.
NAME_FORMING_VERBS = frozenset(
    "综合 服务 发展 管理 建设 投资 教育 研究 监督 促进 交流 合作 创新 经营 开发 治理 保障 协调 "
    "执法 规划 改革 监察 运输 生产 培训 孵化 振兴 集群 点亮 创业 就业 救助 组织 实践 科技 "
    "统战 审计 信访 应急 宣传 两岸 沿岸 沿江 沿海".split()
)
_ORDINAL_RE = re.compile(r"^第[一二三四五六七八九十百0-9]+$")


#: Single characters that end a name when they are not part of a dictionary word.
STRONG_STOP_CHARS = frozenset(
    "与在由和及对向把被从到给让等的了是为以将有也还已并又即均都就共各该其此这年原"
)

#: Words before 局 that make it an ordinary word, not a bureau.
NOT_BUREAU = frozenset(
    {
        "格局",
        "布局",
        "大局",
        "全局",
        "结局",
        "当局",
        "开局",
        "出局",
        "变局",
        "时局",
        "新局",
        "破局",
        "棋局",
        "饭局",
        "骗局",
        "定局",
        "残局",
    }
)

#: Generic words: a body whose name is only made of these names nothing in particular.
GENERIC_NAME_WORDS = (
    "党建",
    "工作",
    "组织",
    "发展",
    "服务",
    "建设",
    "管理",
    "综合",
    "区域",
    "基层",
    "社会",
    "党员",
    "群众",
    "相关",
    "重点",
    "各类",
    "有关",
    "专业",
    "党群",
    "创新",
    "示范",
    "新",
    "省",
    "省市",
    "三地",
    "两地",
    "双方",
    "机关",
    "园区",
    "街区",
    "各级",
    "本",
    "该",
    "我",
)


@dataclass
class Mention:
    """A span of the text that names (or points to) an entity."""

    start: int
    end: int
    text: str
    cls: str
    rule: str
    #: True when a rule is certain of both the span and the class.
    certain: bool = True
    #: Canonical Simplified name when it differs from ``text`` (区司法局 → 松江区司法局).
    canonical: str | None = None
    #: Gazetteer candidates' codes for places (filled by linking).
    code: str | None = None
    #: For mentions found inside another (an org name starting with a place).
    parent: Mention | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.canonical or self.text

    def overlaps(self, other: Mention) -> bool:
        return self.start < other.end and other.start < self.end


# ---------------------------------------------------------------------------
# Token helpers
# ---------------------------------------------------------------------------


def token_starts(tokens: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Map a token's end offset to its start, for walking leftwards."""
    return {end: start for start, end in tokens}


def is_han(text: str) -> bool:
    return bool(text) and all(_HAN_RE.match(ch) or ch.isalnum() for ch in text)


def _word_tag(word: str) -> str | None:
    return jieba_word_tags().get(word)


def _is_stop_token(word: str, use_tags: bool = True) -> bool:
    if word in lx.LEFT_STOP_WORDS:
        return True
    if _ORDINAL_RE.match(word):
        return False  # 第十支部: an ordinal inside a branch's name
    if _DIGITS_RE.match(word):
        return True
    if any(ch in lx.NAME_BREAK_CHARS for ch in word):
        return True
    if len(word) == 1:
        return word in STRONG_STOP_CHARS
    if not use_tags:
        return False
    tag = _word_tag(word)
    if tag is not None and tag in {"v", "p", "c", "u", "uj", "ul", "d", "r", "m", "t", "f"}:
        return word not in NAME_FORMING_VERBS
    return False


def extend_left(
    text: str,
    start: int,
    ends_to_starts: dict[int, int],
    *,
    max_len: int = 32,
    cross_quotes: bool = True,
    use_tags: bool = True,
) -> int:
    """Walk left from ``start`` over name-like tokens and return the new start.

    Stops at punctuation, function words, verbs and numbers. A closed pair of
    quotes directly before the current start is crossed when ``cross_quotes``
    is set, so ``木渎镇“两区共建”片区联合党委`` stays one name.
    """
    pos = start
    limit = max(0, start - max_len)
    while pos > limit:
        ch = text[pos - 1]
        if cross_quotes and ch in "”」』":
            opener = {"”": "“", "」": "「", "』": "『"}[ch]
            open_at = text.rfind(opener, limit, pos - 1)
            if open_at < 0 or pos - open_at > 12 or "\n" in text[open_at:pos]:
                break
            if text[open_at + 1 : pos - 1] in lx.QUOTED_STOPLIST:
                break
            # only a quote inside a name is crossed: a name character must precede it
            before = text[open_at - 1 : open_at]
            if not before or not _HAN_RE.match(before) or before in STRONG_STOP_CHARS:
                break
            pos = open_at
            continue
        if cross_quotes and ch in ")）":
            opener = "(" if ch == ")" else "（"
            open_at = text.rfind(opener, limit, pos - 1)
            inner = text[open_at + 1 : pos - 1] if open_at >= 0 else ""
            before = text[open_at - 1 : open_at] if open_at > 0 else ""
            if (
                inner
                and len(inner) <= 6
                and all(_HAN_RE.match(c) for c in inner)
                and before
                and _HAN_RE.match(before)
                and before not in STRONG_STOP_CHARS
            ):
                pos = open_at
                continue
            break
        if ch == "·" and pos - 2 >= 0 and _HAN_RE.match(text[pos - 2]):
            pos -= 1
            continue
        if ch in lx.NAME_BREAK_CHARS or ch.isspace():
            break
        tok_start = ends_to_starts.get(pos)
        if tok_start is None:
            # ``pos`` falls inside a token: take the part of it left of ``pos``
            tok_start = pos - 1
            while (
                tok_start > 0
                and ends_to_starts.get(tok_start) is None
                and (text[tok_start - 1] not in lx.NAME_BREAK_CHARS)
            ):
                tok_start -= 1
                if pos - tok_start >= 4:
                    break
        word = text[tok_start:pos]
        tag = _word_tag(word)
        if len(word) >= 3 and word[0] in STRONG_STOP_CHARS and tag == "nr":
            # 由/从 + a place's name, which jieba's dictionary lists as a person's name
            pos = tok_start + 1
            break
        if tag is None and any(c in STRONG_STOP_CHARS for c in word):
            cut = max(i for i, c in enumerate(word) if c in STRONG_STOP_CHARS)
            if cut < len(word) - 1 and not _is_stop_token(word[cut + 1 :], use_tags):
                pos = tok_start + cut + 1
            break
        if _is_stop_token(word, use_tags):
            # a stop word glued to a name char (e.g. 在枫) still ends the name
            break
        if tok_start < limit:
            break
        pos = tok_start
    return pos


# ---------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------


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
    if not before or not _HAN_RE.match(before[-1]):
        return False
    if before[-1] + name[0] in index.long_prefixes:
        return True
    return (name[0] in lx.SLOGAN_VERBS and len(before) == 2
            and _HAN_RE.match(before[0]) is not None)


def _level_word_of_body(text: str, start: int, name: str) -> bool:
    """联合镇团委: the 镇 opens 镇团委 and 联合 is a verb, so 联合镇 is no town here."""
    stem = name[:-1]
    if name[-1] not in lx.LEVEL_PREFIXES or _word_tag(stem) not in _NOT_NAME_TAGS:
        return False
    rest = text[start + len(name) : start + len(name) + 6]
    return any(rest.startswith(suffix) for suffix in _SUFFIXES_BY_LENGTH)


def find_short_place_forms(text: str, gaz: Gazetteer, taken: Sequence[Mention]) -> list[Mention]:
    """Short forms of provinces, cities and counties (浙江, 海宁, 吴中).

    They are kept only where they cannot be part of a longer word already
    recognised; whether the context supports them is decided at linking time.
    """
    index = name_index(gaz)
    short = index.short
    found: list[Mention] = []
    occupied = _occupied(taken)
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
        if hit and _word_tag(hit) in _NOT_NAME_TAGS:
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
                    and _HAN_RE.match(text[end + 1 : end + 2] or " ") is not None
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
    occupied = _occupied(taken)
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
        if suffix == "乡" and (
            text[end : end + 1] in "村镇" or _HAN_RE.match(text[end : end + 1] or " ")
            and text[end : end + 1] not in "党政人"
        ):
            continue  # 乡村, 水乡产业: 乡 ends a township only before 党委/政府 or punctuation
        if _word_tag(stem) in _NOT_NAME_TAGS:
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
            if _continues_name(text, m.end()) and not _continues_as_alliance(text, m.end()):
                continue  # 片区联合党委 names a body, not the zone
            start = extend_left(text, m.start(), ends_to_starts)
            if m.end() - start > len(suffix) + 1:
                found.append(
                    Mention(start, m.end(), text[start : m.end()], "Region", "region.suffix")
                )
    return found


# ---------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------

_SUFFIXES_BY_LENGTH = sorted(lx.ORG_SUFFIXES, key=len, reverse=True)
_SUFFIX_RE = re.compile("|".join(re.escape(s) for s in _SUFFIXES_BY_LENGTH))
# The longest suffix starting at each position (a lookahead, so overlapping
# matches are all found; alternatives are tried longest first).
_SUFFIX_AT_RE = re.compile(f"(?=({_SUFFIX_RE.pattern}))")


def org_suffix_class(name: str) -> tuple[str, str] | None:
    """The class implied by the longest organisation suffix ``name`` ends with."""
    for suffix in _SUFFIXES_BY_LENGTH:
        if name.endswith(suffix):
            return suffix, lx.ORG_SUFFIXES[suffix]
    return None


def find_organisations(text: str, ends_to_starts: dict[int, int]) -> list[Mention]:
    """Bodies named by a suffix, with the left edge found by ``extend_left``.

    A name may chain several suffixes (…服务中心党支部); the longest chain is the
    mention, and a shorter body at the same start is kept as a nested mention
    so that ``X党支部 locatedIn X`` can be stated.
    """
    ends = suffix_matches(text)
    found: list[Mention] = []
    for suf_start, end, suffix in ends:
        # a suffix directly followed by more name characters is not the end
        # (中心 in 中心城区); the later suffix will produce the mention
        nxt = text[end : end + 1]
        if nxt and _HAN_RE.match(nxt) and _continues_name(text, end):
            continue
        if suffix == "局" and text[suf_start - 1 : end] in NOT_BUREAU:
            continue
        if _AGREEMENT_AFTER_RE.match(text, end):
            continue  # X党支部联建协议: the suffix names the kind of agreement
        start = extend_left(text, suf_start, ends_to_starts)
        name = text[start:end]
        bare = len(name) == len(suffix) and not name.startswith(("中共", "中国共产党"))
        if bare and suffix not in lx.BARE_ORG_WORDS and suffix != "党群服务中心":
            continue
        stem = name[: len(name) - len(suffix)]
        if _is_generic(stem) and suffix not in lx.BARE_ORG_WORDS:
            continue
        if 0 < len(stem) < 2 and stem not in lx.LEVEL_PREFIXES:
            continue  # 局集团, 省委: too little name before the suffix
        cls = lx.ORG_SUFFIXES[suffix]
        if text[start - 1 : start] == "“" and text[end : end + 1] == "”" and cls == "Enterprise":
            cls = "Project"  # a quoted title such as “X合作社” names an activity
        if cls == "GovernmentBody" and name.startswith(("中共", "中国共产党")):
            cls = "PartyOrganization"
        if suffix == "委员会" and any(k in name for k in ("党", "中共", "支部")):
            cls = "PartyOrganization"
        found.append(Mention(start, end, name, cls, "org.suffix"))
    return _nest_same_start(found)


#: After an organisation suffix, a kind of agreement or pairing: ``…党支部联建协议``
#: names the agreement between branches, not a branch.
_AGREEMENT_AFTER_RE = re.compile(r"(联建|共建|结对|结对共建)(合作)?(协议|框架协议|备忘录)")


#: A suffix followed by one of these characters is part of a longer word (党组织).
_SUFFIX_CONTINUATIONS = {
    "党组": "织",
    "区委": "员",
    "县委": "员",
    "市委": "员",
    "镇委": "员",
    "省委": "员",
    "工委": "员",
    "中心": "城",
    "管委": "会",
}



def suffix_matches(text: str) -> list[tuple[int, int, str]]:
    """Every organisation suffix in ``text``; where two overlap, the later end wins."""
    found: list[tuple[int, int, str]] = []
    for match in _SUFFIX_AT_RE.finditer(text):
        i, suffix = match.start(), match.group(1)
        if text[i + len(suffix) : i + len(suffix) + 1] == _SUFFIX_CONTINUATIONS.get(suffix):
            continue
        found.append((i, i + len(suffix), suffix))
    # ``found`` is in order of start: a match that starts inside ``m`` comes after it
    out: list[tuple[int, int, str]] = []
    for at, m in enumerate(found):
        later = itertools.takewhile(lambda o, end=m[1]: o[0] < end, found[at + 1 :])
        if any(o[0] > m[0] and o[1] > m[1] for o in later):
            continue  # 镇委 inside 镇委员会: the longer, later match names the body
        out.append(m)
    return out


def _is_generic(stem: str) -> bool:
    """Whether a name stem is only generic words (党建工作, 组织)."""
    rest = stem
    changed = True
    while rest and changed:
        changed = False
        for w in GENERIC_NAME_WORDS:
            if rest.startswith(w):
                rest = rest[len(w) :]
                changed = True
    return bool(stem) and not rest


def _continues_name(text: str, end: int) -> bool:
    """Whether an org suffix ending at ``end`` is followed by another suffix soon."""
    window = text[end : end + 8]
    hits = suffix_matches(window)
    if not hits:
        return False
    between = re.sub(r"^第[一二三四五六七八九十0-9]+", "", window[: hits[0][0]])
    return (
        all(_HAN_RE.match(ch) for ch in between)
        and not any(ch in STRONG_STOP_CHARS or ch in "两三四五六七八九十几多" for ch in between)
        and len(between) <= 5
    )


def _continues_as_alliance(text: str, end: int) -> bool:
    """滨江中央商务区党建联席会议: the zone is named inside an alliance's name."""
    hits = suffix_matches(text[end : end + 8])
    return bool(hits) and lx.ORG_SUFFIXES[hits[0][2]] == "Alliance"


def _nest_same_start(mentions: list[Mention]) -> list[Mention]:
    """Keep the longest mention per start; shorter ones become nested children."""
    by_start: dict[int, list[Mention]] = {}
    for m in mentions:
        by_start.setdefault(m.start, []).append(m)
    out: list[Mention] = []
    for group in by_start.values():
        group.sort(key=lambda m: m.end - m.start, reverse=True)
        outer = group[0]
        out.append(outer)
        for inner in group[1:]:
            inner.parent = outer
            inner.rule = "org.nested"
            inner.certain = False
            out.append(inner)
    return out


_PARTY_WRAP_RE = re.compile(r"^(中共|中国共产党)(.+?)(支部委员会|总支部委员会|委员会|党支部|党委)$")


def unwrap_party_branch(m: Mention) -> Mention | None:
    """The body inside a party organisation's name (中共X公司委员会 → X公司)."""
    inner_text: str | None = None
    offset = 0
    pm = _PARTY_WRAP_RE.match(m.text)
    if pm:
        inner_text = pm.group(2)
        offset = len(pm.group(1))
    else:
        for suffix in ("党支部", "党工委", "党委", "党总支"):
            if m.text.endswith(suffix) and len(m.text) > len(suffix) + 2:
                inner_text = m.text[: -len(suffix)]
                break
    if not inner_text:
        return None
    # strip a trailing ordinal branch label (第十) from the inner name
    ordinal = re.search(r"第[一二三四五六七八九十0-9]+$", inner_text)
    if ordinal:
        inner_text = inner_text[: ordinal.start()]
    hit = org_suffix_class(inner_text)
    if not hit or len(inner_text) <= len(hit[0]):
        return None
    start = m.start + offset
    return Mention(
        start,
        start + len(inner_text),
        inner_text,
        hit[1],
        "org.party_branch_host",
        certain=False,
        parent=m,
    )


# ---------------------------------------------------------------------------
# Quoted names
# ---------------------------------------------------------------------------

_QUOTED_RE = re.compile(r"“([^“”\n]{1,16})”|「([^「」\n]{1,16})」|『([^『』\n]{1,16})』")
_HEADS_BY_LENGTH = sorted(lx.QUOTED_HEADS, key=len, reverse=True)
#: Punctuation that ends a clause: a quoted text holding one is a slogan, not a name.
_CLAUSE_PUNCTUATION_RE = re.compile(r"[,，;；:：!！?？。]")
#: The word that makes a quoted name a party-building brand on its own.
_BRAND_TAIL = "党建"


def find_quoted_names(text: str, ends_to_starts: dict[int, int]) -> list[Mention]:
    """``“X”`` followed by a head word: brands, platforms, actions, alliances."""
    found: list[Mention] = []
    for m in _QUOTED_RE.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if inner in lx.QUOTED_STOPLIST or not _HAN_RE.search(inner):
            continue
        if _CLAUSE_PUNCTUATION_RE.search(inner):
            continue  # “A促发展,B聚合力”: a slogan of two clauses, not a name
        after = text[m.end() : m.end() + 12]
        head = None
        middle = ""
        for k in range(0, 9):
            for h in _HEADS_BY_LENGTH:
                if after[k:].startswith(h):
                    head, middle = h, after[:k]
                    break
            if head and not lx.QUOTED_HEADS[head][1]:
                break
            if k < len(after) and (
                after[k] in lx.NAME_BREAK_CHARS
                or not _HAN_RE.match(after[k])
                or after[k] in STRONG_STOP_CHARS
            ):
                break
        if inner.endswith(_BRAND_TAIL) and 4 <= len(inner) <= 10 and is_han(inner):
            # “X党建” names a way of doing party building: a brand, whatever follows
            found.append(
                Mention(m.start() + 1, m.end() - 1, inner, "PartyBrand", "quoted.brand_tail")
            )
        if head is None:
            continue
        cls, head_in_name = lx.QUOTED_HEADS[head]
        if not head_in_name and middle:
            continue
        if head_in_name:
            start = extend_left(text, m.start(), ends_to_starts, max_len=6, cross_quotes=False)
            end = m.end() + len(middle) + len(head)
            name = text[start:end]
            found.append(Mention(start, end, name, cls, "quoted.head_in_name"))
        else:
            found.append(Mention(m.start() + 1, m.end() - 1, inner, cls, "quoted.head_after"))
    # ``以“X”为平台`` makes X a platform
    for m in re.finditer(r"以“([^“”\n]{2,12})”(为|作为)(平台|载体)", text):
        found.append(Mention(m.start(1), m.end(1), m.group(1), "Project", "quoted.platform"))
    # ``在“X”举行`` makes X a venue
    for m in re.finditer(r"在“([^“”\n]{2,12})”(举行|举办|召开|开展)", text):
        found.append(Mention(m.start(1), m.end(1), m.group(1), "Venue", "quoted.venue"))
    return found


def find_quoted_after_places(text: str, places: Sequence[Mention]) -> list[Mention]:
    """``木渎镇“两区共建”``: a quoted name right after a place is that place's brand."""
    ends = {m.end for m in places}
    found: list[Mention] = []
    for m in _QUOTED_RE.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if m.start() not in ends or inner in lx.QUOTED_STOPLIST:
            continue
        if not (2 <= len(inner) <= 8) or not all(_HAN_RE.match(c) or c == "·" for c in inner):
            continue
        if text[m.end() : m.end() + 2] in ("组织", "人员", "群体"):
            continue
        found.append(Mention(m.start() + 1, m.end() - 1, inner, "PartyBrand", "quoted.after_place"))
    return found


def find_repeated_quotes(text: str, known: dict[str, str]) -> list[Mention]:
    """Other quoted occurrences of a name already recognised elsewhere."""
    found: list[Mention] = []
    for m in _QUOTED_RE.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if inner in known:
            found.append(Mention(m.start() + 1, m.end() - 1, inner, known[inner], "quoted.repeat"))
    return found


# ---------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# People and publications
# ---------------------------------------------------------------------------

_BYLINE_RE = re.compile(
    r"(记者|通讯员|摄影|撰稿)[ \u3000]*((?:[" + HAN + r"]{2,3}[ \u3000、]*){1,4})"
)
_TITLE_RE = re.compile(
    "(" + "|".join(sorted(lx.TITLE_WORDS, key=len, reverse=True)) + r")([" + HAN + "]{2,3})"
)
_NAME_END = set("、,，。；;:：等参出表在和与及指介讲说主发到为的（(")


def find_people(text: str, ends_to_starts: dict[int, int]) -> list[Mention]:
    """Names in bylines (记者 王某) and after job titles (部长王某某)."""
    found: list[Mention] = []
    for m in _BYLINE_RE.finditer(text):
        pos = m.start(2)
        for piece in re.split(r"[ \u3000、]+", m.group(2)):
            if 2 <= len(piece) <= 3 and piece[0] in lx.SURNAMES:
                idx = text.find(piece, pos)
                found.append(Mention(idx, idx + len(piece), piece, "Person", "person.byline"))
                pos = idx + len(piece)
    for m in _TITLE_RE.finditer(text):
        start = m.start(2)
        for name in _names_after(text, start):
            found.append(
                Mention(
                    name[0],
                    name[1],
                    text[name[0] : name[1]],
                    "Person",
                    "person.title",
                    certain=False,
                )
            )
    return found


def _names_after(text: str, start: int) -> Iterable[tuple[int, int]]:
    pos = start
    while pos < len(text) and text[pos] in lx.SURNAMES:
        length = 0
        for k in (3, 2):
            cand = text[pos : pos + k]
            nxt = text[pos + k : pos + k + 1]
            if (
                len(cand) == k
                and all(_HAN_RE.match(c) for c in cand)
                and (not nxt or nxt in _NAME_END)
            ):
                length = k
                break
        if not length:
            return
        yield pos, pos + length
        pos += length
        if text[pos : pos + 1] == "、":
            pos += 1
        else:
            return


_REPORTED_BY_RE = re.compile(r"据((?:《?[" + HAN + r"]{2,8}》?、?){1,4})报道")
_DOC_TITLE_RE = re.compile(r"《([^《》\n]{2,30})》")
_SITE_LEAD_RE = re.compile(r"^([" + HAN + r"]{2,6}网)[ \u3000]")


def find_publications(text: str) -> list[Mention]:
    """News sources (据X报道, a site name leading the body) and titled documents."""
    found: list[Mention] = []
    for m in _REPORTED_BY_RE.finditer(text):
        pos = m.start(1)
        for piece in m.group(1).split("、"):
            bare = piece.strip("《》")
            idx = text.find(bare, pos)
            if len(bare) >= 2:
                found.append(
                    Mention(idx, idx + len(bare), bare, "Publication", "publication.reported_by")
                )
            pos = idx + len(bare)
    for m in _DOC_TITLE_RE.finditer(text):
        found.append(Mention(m.start(1), m.end(1), m.group(1), "Publication", "publication.title"))
    for line_match in re.finditer(r"(?m)^.*$", text):
        lm = _SITE_LEAD_RE.match(line_match.group())
        if lm:
            s = line_match.start() + lm.start(1)
            found.append(
                Mention(
                    s, s + len(lm.group(1)), lm.group(1), "Publication", "publication.site_lead"
                )
            )
    return found


# ---------------------------------------------------------------------------
# Overlaps
# ---------------------------------------------------------------------------

_RULE_PRIORITY = {
    "quoted.head_in_name": 9,
    "quoted.platform": 9,
    "quoted.venue": 9,
    "quoted.head_after": 8,
    "quoted.brand_tail": 8,
    "quoted.repeat": 8,
    "quoted.after_place": 9,
    "publication.title": 8,
    "publication.reported_by": 7,
    "publication.site_lead": 7,
    "enumeration.item": 7,
    "place.counted": 7,
    "enumeration.head": 7,
    "org.suffix": 6,
    "region.suffix": 6,
    "person.byline": 6,
    "place.gazetteer": 5,
    "region.lexicon": 5,
    "place.suffix": 4,
    "ner.person": 3,
    "ner.org": 3,
    "person.title": 3,
    "place.short_form": 2,
    "place.short_form_renamed": 2,
}


def resolve_overlaps(mentions: Iterable[Mention]) -> tuple[list[Mention], list[Mention]]:
    """Choose non-overlapping top-level mentions; return (kept, nested).

    Longer spans win, then rule priority. A place or organisation lying wholly
    inside a kept mention at its start is returned as nested, because name
    containment (泗泾镇综合党委 → 泗泾镇) is itself evidence of ``locatedIn``.
    """
    pool = sorted(
        mentions,
        key=lambda m: (-(m.end - m.start), -_RULE_PRIORITY.get(m.rule.split("+")[0], 0), m.start),
    )
    kept: list[Mention] = []
    nested: list[Mention] = []
    for m in pool:
        if m.parent is not None:
            nested.append(m)
            continue
        clash = next((k for k in kept if k.overlaps(m)), None)
        if clash is None:
            kept.append(m)
        elif clash.start <= m.start and m.end <= clash.end:
            m.parent = clash
            nested.append(m)
    kept.sort(key=lambda m: m.start)
    nested.sort(key=lambda m: m.start)
    return kept, nested


def _occupied(mentions: Iterable[Mention]) -> set[int]:
    out: set[int] = set()
    for m in mentions:
        out.update(range(m.start, m.end))
    return out
