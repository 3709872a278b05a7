"""Location: what settled, landed or takes place where (入驻, 落地, 纳入, venues).

Enterprises and projects are located in the place or park the sentence
names; an event's venue is the place or hall it is held in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.extract import lexicon as lx
from kg.extract.rules.sentence import (
    PLACE_CLASSES,
    SentenceView,
    list_run,
    relation,
    subject_of,
    trigger_positions,
)
from kg.model import Relation


def settling(view: SentenceView) -> Iterator[Relation]:
    """``A、B、C(已正式)入驻Y``: each settled in Y."""
    for pos, trig in trigger_positions(view, lx.SETTLE_TRIGGERS):
        target = next(
            (
                m
                for m in view.mentions
                if m.start >= pos + len(trig) and m.start - pos - len(trig) <= 1
            ),
            None,
        )
        before = [m for m in view.mentions if m.end <= pos]
        if target is None or not before:
            continue
        gap = view.between(before[-1].end, pos)
        if len(gap) > 6 or re.search(r"[,，。;；]", gap):
            continue
        for m in list_run(view, before[-1]):
            r = relation(
                view,
                view.key(m),
                "settledIn",
                view.key(target),
                "relation.settle",
                m.start,
                target.end,
                trig,
                0.85,
            )
            if r:
                yield r


def landing(view: SentenceView) -> Iterator[Relation]:
    """``(S)推动A、B等重大项目落地``: the projects are located in S."""
    for pos, trig in trigger_positions(view, lx.LANDING_TRIGGERS):
        items = [m for m in view.mentions if m.end <= pos and m.rule.startswith("enumeration")]
        if not items:
            continue
        last = items[-1]
        gap = view.between(last.end, pos)
        if len(gap) > 10 or re.search(r"[,，。;；]", gap):
            continue
        subj = subject_of(view, before=list_run(view, last)[0].start)
        if subj is None or view.cls(subj) not in PLACE_CLASSES:
            continue
        for m in list_run(view, last):
            r = relation(
                view,
                view.key(m),
                "locatedIn",
                view.key(subj),
                "relation.landing",
                subj.start,
                pos + len(trig),
                trig,
                0.75,
            )
            if r:
                yield r


def inclusion(view: SentenceView) -> Iterator[Relation]:
    """``X(全域)纳入“Y示范区”``: X lies in the zone."""
    for pos, trig in trigger_positions(view, ("纳入", "划入", "列入")):
        zone = next(
            (
                m
                for m in view.mentions
                if 0 <= m.start - pos - len(trig) <= 1 and view.cls(m) == "Region"
            ),
            None,
        )
        before = [m for m in view.mentions if m.end <= pos and pos - m.end <= 3]
        if zone is None or not before or view.cls(before[-1]) not in PLACE_CLASSES:
            continue
        r = relation(
            view,
            view.key(before[-1]),
            "locatedIn",
            view.key(zone),
            "relation.inclusion",
            before[-1].start,
            zone.end,
            trig,
            0.75,
        )
        if r:
            yield r


def venues(view: SentenceView) -> Iterator[Relation]:
    """``在A(二楼)B设立了Y``: Y lies in B, and B in A."""
    sent = view.between(view.span.start, view.span.end)
    for m in re.finditer(r"在", sent):
        pos = view.span.start + m.start()
        first = next((x for x in view.mentions if x.start == pos + 1), None)
        if first is None:
            continue
        chain = [first]
        for x in view.mentions:
            if x.start > chain[-1].end and re.fullmatch(
                r"[0-9一二三四五六七八九十]*(楼|层|的)?", view.between(chain[-1].end, x.start)
            ):
                chain.append(x)
        tail = view.between(chain[-1].end, view.span.end)
        fm = re.match(r"(设立|开设|建立|成立|打造|搭建)了?", tail)
        if not fm:
            continue
        target = next(
            (
                x
                for x in view.mentions
                if x.start >= chain[-1].end + fm.end() and x.start - chain[-1].end - fm.end() <= 1
            ),
            None,
        )
        if target is None:
            continue
        for outer, inner in zip(chain, chain[1:], strict=False):
            if view.cls(inner) in ("Venue",) or view.cls(outer) == "Venue":
                r = relation(
                    view,
                    view.key(inner),
                    "locatedIn",
                    view.key(outer),
                    "relation.venue_chain",
                    outer.start,
                    inner.end,
                    None,
                    0.75,
                )
                if r:
                    yield r
        r = relation(
            view,
            view.key(target),
            "locatedIn",
            view.key(chain[-1]),
            "relation.set_up_in",
            pos,
            target.end,
            fm.group(1),
            0.75,
        )
        if r:
            yield r
