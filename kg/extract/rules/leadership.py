"""Leadership: who organises, leads or launched a body or an action (牵头, 发起, 由…主办)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.extract import lexicon as lx
from kg.extract.rules.sentence import (
    AGENT_CLASSES,
    HOLDER_CLASSES,
    SentenceView,
    list_run,
    relation,
    subject_of,
    trigger_positions,
)
from kg.model import Relation


def leadership(view: SentenceView) -> Iterator[Relation]:
    """牵头…设立 / 由A发起的Y / Y由A和B共同牵头: organizedBy."""
    sent = view.between(view.span.start, view.span.end)
    # A牵头, …设立(了)Y
    for pos, trig in trigger_positions(view, ("牵头",)):
        leaders = [
            m for m in view.mentions if m.end <= pos and view.between(m.end, pos) in ("共同", "")
        ]
        if not leaders:
            continue
        run = list_run(view, leaders[-1])
        target = None
        if True:
            for fpos, ft in trigger_positions(view, lx.FOUND_TRIGGERS):
                if fpos <= pos:
                    continue
                after = [
                    m
                    for m in view.mentions
                    if m.start >= fpos + len(ft)
                    and m.start - fpos - len(ft) <= 2
                    and view.cls(m) in HOLDER_CLASSES
                ]
                if after:
                    target = after[0]
                    break
        if target is None:
            # Y由A指导,B和C共同牵头: the sentence's topic is what they lead
            topic = subject_of(view, before=run[0].start)
            if topic is not None and topic not in run and view.cls(topic) in HOLDER_CLASSES:
                target = topic
        if target is None:
            continue
        for leader in run:
            if view.cls(leader) not in AGENT_CLASSES:
                continue
            r = relation(
                view,
                view.key(target),
                "organizedBy",
                view.key(leader),
                "relation.lead",
                min(leader.start, target.start),
                max(pos + 2, target.end),
                trig,
                0.8,
            )
            if r:
                yield r
    # 由A发起的Y
    for m in re.finditer(r"由", sent):
        pos = view.span.start + m.start()
        leader = next((x for x in view.mentions if x.start == pos + 1), None)
        if leader is None:
            continue
        tail = view.between(leader.end, view.span.end)
        fm = re.match(r"(发起|主办|牵头)(成立)?的", tail)
        if not fm:
            continue
        target = next(
            (
                x
                for x in view.mentions
                if x.start >= leader.end + fm.end() and x.start - leader.end - fm.end() <= 1
            ),
            None,
        )
        if target is None or view.cls(target) not in HOLDER_CLASSES:
            continue
        r = relation(
            view,
            view.key(target),
            "organizedBy",
            view.key(leader),
            "relation.lead.initiated",
            pos,
            target.end,
            fm.group(1),
            0.85,
        )
        if r:
            yield r
