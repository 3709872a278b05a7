"""Organisation mentions: names that end in a body's suffix (党委, 局, 中心, 公司, 联盟 …).

The suffix decides the class; the left edge is found as for every name. A
party branch written around its unit (中共…委员会) is unwrapped to the unit.
"""

from __future__ import annotations

import itertools
import re

from kg.extract import lexicon as lx
from kg.extract.rules.mention import (
    GENERIC_NAME_WORDS,
    HAN_RE,
    NOT_BUREAU,
    STRONG_STOP_CHARS,
    Mention,
    extend_left,
)

SUFFIXES_BY_LENGTH = sorted(lx.ORG_SUFFIXES, key=len, reverse=True)
_SUFFIX_RE = re.compile("|".join(re.escape(s) for s in SUFFIXES_BY_LENGTH))
# The longest suffix starting at each position (a lookahead, so overlapping
# matches are all found; alternatives are tried longest first).
_SUFFIX_AT_RE = re.compile(f"(?=({_SUFFIX_RE.pattern}))")


def org_suffix_class(name: str) -> tuple[str, str] | None:
    """The class implied by the longest organisation suffix ``name`` ends with."""
    for suffix in SUFFIXES_BY_LENGTH:
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
        if nxt and HAN_RE.match(nxt) and continues_name(text, end):
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


def continues_name(text: str, end: int) -> bool:
    """Whether an org suffix ending at ``end`` is followed by another suffix soon."""
    window = text[end : end + 8]
    hits = suffix_matches(window)
    if not hits:
        return False
    between = re.sub(r"^第[一二三四五六七八九十0-9]+", "", window[: hits[0][0]])
    return (
        all(HAN_RE.match(ch) for ch in between)
        and not any(ch in STRONG_STOP_CHARS or ch in "两三四五六七八九十几多" for ch in between)
        and len(between) <= 5
    )


def continues_as_alliance(text: str, end: int) -> bool:
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
