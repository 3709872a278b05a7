"""Brands: the party-building brand of a place or a body (依托“X”品牌, 木渎镇“X”)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kg.extract import lexicon as lx
from kg.extract.rules.mention import Mention
from kg.extract.rules.sentence import (
    AGENT_CLASSES,
    SentenceView,
    relation,
    subject_of,
)
from kg.model import Entity, Relation, Span


def brands(view: SentenceView) -> Iterator[Relation]:
    """``S依托“X”品牌`` and ``Place“X”``: X is the brand of S or of the place."""
    for m in view.mentions:
        if view.cls(m) != "PartyBrand":
            continue
        prev = [x for x in view.mentions if x.end <= m.start]
        owner: Mention | None = None
        rule = ""
        if (
            prev
            and view.between(prev[-1].end, m.start) in ("“", "「", "『", "")
            and view.cls(prev[-1]) in AGENT_CLASSES
        ):
            owner, rule = prev[-1], "relation.brand.prefix"
        else:
            lead = view.between(view.span.start, m.start)
            if any(
                lead.rstrip("“「『").endswith(t)
                for t in lx.RELY_TRIGGERS + ("打造", "擦亮", "创建")
            ):
                owner, rule = subject_of(view, before=m.start), "relation.brand.rely"
        if owner is not None:
            r = relation(
                view, view.key(m), "brandOf", view.key(owner), rule, owner.start, m.end, None, 0.8
            )
            if r:
                yield r


def nested_brands(
    nested: Sequence[Mention],
    keys: dict[int, str],
    sentence_of: dict[int, int],
    sentences: Sequence[Span],
    entities: dict[str, Entity],
    text: str,
) -> Iterator[Relation]:
    """木渎镇“两区共建”片区联合党委: the brand quoted after the place, inside a name."""
    for m in nested:
        if m.rule != "quoted.after_place" or id(m) not in keys:
            continue
        place = next(
            (x for x in nested if x.parent is m.parent and x.end == m.start - 1 and id(x) in keys),
            None,
        )
        if place is None:
            continue
        idx = sentence_of.get(m.start, 0)
        view = SentenceView(idx, sentences[idx], [], keys, entities, text)
        r = relation(view, keys[id(m)], "brandOf", keys[id(place)], "relation.brand.prefix",
                     place.start, m.end + 1, None, 0.8)
        if r:
            yield r
