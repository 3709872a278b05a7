"""Cooperation: pairings, twinning and partnerships between places and bodies.

The genre states them with trigger words between or before the partners
(牵手, 结对, 签订…协议, 与…共建); each pair of partners becomes one
symmetric relation, and a list of partners pairs with the subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import combinations

from kg.extract import lexicon as lx
from kg.extract.rules.mention import Mention
from kg.extract.rules.sentence import (
    AGENT_CLASSES,
    SentenceView,
    groups,
    innermost_place,
    relation,
    subject_of,
    trigger_positions,
)
from kg.model import Relation


def cooperation(view: SentenceView) -> Iterator[Relation]:
    """``A与B签订…``, ``A、B、C三家党组织签署…``, ``S牵手X``: pairwise cooperation."""
    sent = view.between(view.span.start, view.span.end).replace("合作社", "")
    emitted: set[tuple[str, str]] = set()

    def emit(a: Mention, b: Mention, start: int, end: int, trig: str, rule: str, conf: float):
        ka, kb = view.key(a), view.key(b)
        if ka == kb or view.cls(a) not in AGENT_CLASSES or view.cls(b) not in AGENT_CLASSES:
            return None
        if "Region" in (view.cls(a), view.cls(b)):
            return None
        if _same_family(view, a, b):
            return None
        tail = view.between(end, view.span.end)[:25]
        pred = (
            "partnerOf"
            if ("共建" in view.between(start, end) or "共建" in tail[:12])
            else "cooperatesWith"
        )
        pair = tuple(sorted((ka, kb)))
        if pair in emitted:
            return None
        emitted.add(pair)  # type: ignore[arg-type]
        return relation(view, ka, pred, kb, rule, start, end, trig, conf)

    # S 牵手/携手 X
    for pos, trig in trigger_positions(view, ("牵手", "携手", "结对")):
        after = [m for m in view.mentions if m.start >= pos + len(trig) and m.start - pos <= 6]
        subj = subject_of(view, before=pos)
        if subj and after:
            partner = innermost_place(view, after[0])
            r = emit(
                subj, partner, subj.start, partner.end, trig, "relation.cooperation.join", 0.85
            )
            if r:
                yield r
    # A(、B) 与/和 C(、D) … trigger
    triggers = [w for w in lx.COOPERATION_TRIGGERS if w in sent]
    if triggers:
        for g in groups(view):
            if len(g) < 2:
                continue
            tail = view.between(g[-1].end, view.span.end)
            clause = re.split(r"[,，。;；]", tail)[0]
            trig = next((t for t in lx.COOPERATION_TRIGGERS if t in clause[:24]), None)
            if trig is None or re.match(r"[\u4e00-\u9fff]{0,6}(活动|仪式|会议)", clause):
                continue
            agents = [
                m
                for m in g
                if view.cls(m) in AGENT_CLASSES and not m.rule.startswith("enumeration")
            ]
            if re.match(r"等[^,，。]{0,6}(项目|企业|单位)", tail):
                continue
            for a, b in combinations(agents, 2):
                r = emit(
                    a,
                    b,
                    g[0].start,
                    g[-1].end + tail.find(trig) + len(trig),
                    trig,
                    "relation.cooperation.list",
                    0.75,
                )
                if r:
                    yield r
        # X等N家… 与 Y等N家… (the enumeration heads)
        for a, b in zip(view.mentions, view.mentions[1:], strict=False):
            mid = view.between(a.end, b.start)
            if re.fullmatch(r"等[0-9一二三四五六七八九十几多]+[个家位]\S{0,4}(与|和|同)", mid):
                tail = view.between(b.end, view.span.end)
                trig = next((t for t in lx.COOPERATION_TRIGGERS if t in tail), None)
                if trig:
                    r = emit(
                        a,
                        b,
                        a.start,
                        b.end + tail.find(trig) + len(trig),
                        trig,
                        "relation.cooperation.enumeration",
                        0.8,
                    )
                    if r:
                        yield r
    # S 与 X (深度)合作
    for m in re.finditer(r"与", sent):
        pos = view.span.start + m.start()
        after = [x for x in view.mentions if x.start == pos + 1]
        if not after:
            continue
        tail = re.split(r"[,，。;；]", view.between(after[0].end, view.span.end))[0][:45]
        trig = next(
            (t for t in ("合作", "共建", "结对", "达成", "签订", "签署", "共治") if t in tail), None
        )
        if not trig:
            continue
        before = [x for x in view.mentions if x.end <= pos]
        subj = before[-1] if before and before[-1].end == pos else subject_of(view, before=pos)
        if subj is not None and _in_list(view, subj, after[0]):
            continue
        if subj is not None:
            partner = innermost_place(view, after[0])
            r = emit(
                subj,
                partner,
                min(subj.start, pos),
                after[0].end + tail.find(trig) + len(trig),
                trig,
                "relation.cooperation.with",
                0.7,
            )
            if r:
                yield r
    # A…来到/走进 B 开展…联建/交流
    for pos, trig in trigger_positions(view, ("来到", "走进", "前往", "赴")):
        after = [x for x in view.mentions if 0 <= x.start - pos - len(trig) <= 2]
        if not after:
            continue
        host = innermost_place(view, after[0])
        tail = view.between(host.end, view.span.end)[:20]
        if not re.search(r"开展[^,，。]{0,8}(联建|共建|交流|合作|结对)", tail):
            continue
        subj = subject_of(view, before=pos)
        if subj is not None:
            r = emit(
                subj,
                host,
                subj.start,
                host.end + len(tail),
                trig,
                "relation.cooperation.visit",
                0.65,
            )
            if r:
                yield r


def _in_list(view: SentenceView, a: Mention, b: Mention) -> bool:
    return any(a in g and b in g for g in groups(view))


def _same_family(view: SentenceView, a: Mention, b: Mention) -> bool:
    """A body and the place it is named after are not partners of each other."""
    na, nb = view.entities[view.key(a)].label, view.entities[view.key(b)].label
    return na.startswith(nb) or nb.startswith(na)
