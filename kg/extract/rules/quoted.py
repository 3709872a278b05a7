"""Quoted names: brands, platforms, projects and venues written in quotation marks.

A quoted name becomes a mention when a head word (品牌, 平台, 项目 …) follows
it or ends it, when it follows a place, or when it repeats a quoted name
already classed in the same text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kg.extract import lexicon as lx
from kg.extract.rules.mention import HAN_RE, STRONG_STOP_CHARS, Mention, extend_left, is_han

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
        if inner in lx.QUOTED_STOPLIST or not HAN_RE.search(inner):
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
                or not HAN_RE.match(after[k])
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
        if not (2 <= len(inner) <= 8) or not all(HAN_RE.match(c) or c == "·" for c in inner):
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
