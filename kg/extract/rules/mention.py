"""What a rule mention is, the token helpers every mention rule shares, and overlaps.

A ``Mention`` is a span of the Simplified text with a class, the rule that
found it and a confidence. The left edge of a name is where a function
word, a verb or punctuation stops it (:func:`extend_left`); when rules
disagree about a span, :func:`resolve_overlaps` keeps the most specific.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kg.extract import lexicon as lx
from kg.resources import jieba_word_tags

HAN = r"\u3400-\u9fff"
HAN_RE = re.compile(f"[{HAN}]")
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
    "与在由和及对向把被从到给让等的了着是为以将有也还已并又即均都就共各该其此这年原辖"
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


def token_starts(tokens: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Map a token's end offset to its start, for walking leftwards."""
    return {end: start for start, end in tokens}


def is_han(text: str) -> bool:
    return bool(text) and all(HAN_RE.match(ch) or ch.isalnum() for ch in text)


def word_tag(word: str) -> str | None:
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
    tag = word_tag(word)
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
            if not before or not HAN_RE.match(before) or before in STRONG_STOP_CHARS:
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
                and all(HAN_RE.match(c) for c in inner)
                and before
                and HAN_RE.match(before)
                and before not in STRONG_STOP_CHARS
            ):
                pos = open_at
                continue
            break
        if ch == "·" and pos - 2 >= 0 and HAN_RE.match(text[pos - 2]):
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
        tag = word_tag(word)
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


RULE_PRIORITY = {
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
        key=lambda m: (-(m.end - m.start), -RULE_PRIORITY.get(m.rule.split("+")[0], 0), m.start),
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


def occupied_positions(mentions: Iterable[Mention]) -> set[int]:
    out: set[int] = set()
    for m in mentions:
        out.update(range(m.start, m.end))
    return out
