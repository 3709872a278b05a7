"""Containment: which place lies in which, from how names are written and the gazetteer.

``某市某区`` and ``A镇B村`` name a chain of places; a place written right
after its parent lies in it; the gazetteer's parent codes link the places an
article names even when the text does not say so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kg.extract.gazetteer import Gazetteer
from kg.extract.rules.mention import Mention
from kg.extract.rules.sentence import (
    ADMIN_RANK,
    PLACE_CLASSES,
    SentenceView,
    relation,
)
from kg.model import Entity, Relation, Span


def containment(
    mentions: Sequence[Mention],
    keys: dict[int, str],
    entities: dict[str, Entity],
    sentence_of: dict[int, int],
    text: str,
    sentences: Sequence[Span],
    gaz: Gazetteer | None = None,
) -> Iterator[Relation]:
    """A body whose name starts with a place (or with another body) lies in it."""
    for m in mentions:
        parent = m.parent
        if parent is None or id(parent) not in keys or id(m) not in keys:
            continue
        p_cls = entities[keys[id(parent)]].cls
        m_cls = entities[keys[id(m)]].cls
        if p_cls == "Alliance" and m.rule == "region.suffix" and m.start == parent.start:
            # 滨江中央商务区党建联席会议: the body of a named zone lies in it
            yield from _contained(parent, m, keys, entities, sentence_of, text, sentences)
            continue
        if p_cls in ("Publication", "Alliance", "Region", "Person", "Event", "PartyBrand"):
            continue
        prefix = text[parent.start : m.start]
        if prefix not in ("", "中共", "中国共产党") and not _only_places(
            prefix, mentions, parent, m, gaz
        ):
            continue
        m_ent = entities[keys[id(m)]]
        if m_ent.admin_level == 1 and not parent.rule.startswith("enumeration"):
            continue  # 上海书城 is not stated to be in 上海市 the way 上海某某锻造等沪企 is
        if m_cls in PLACE_CLASSES or m_cls in (
            "GovernmentBody",
            "Enterprise",
            "IndustrialPark",
            "PartyOrganization",
            "Venue",
        ):
            # the innermost place of a chain (上海市松江区岳阳街道…) is the container
            if m_cls in PLACE_CLASSES and _followed_by_place(m, mentions):
                continue
            idx = sentence_of.get(parent.start, 0)
            view = SentenceView(idx, sentences[idx], [], keys, entities, text)
            r = relation(
                view,
                keys[id(parent)],
                "locatedIn",
                keys[id(m)],
                "relation.name_containment",
                parent.start,
                parent.end,
                None,
                0.85,
            )
            if r:
                yield r


def _contained(
    parent: Mention,
    m: Mention,
    keys: dict[int, str],
    entities: dict[str, Entity],
    sentence_of: dict[int, int],
    text: str,
    sentences: Sequence[Span],
) -> Iterator[Relation]:
    idx = sentence_of.get(parent.start, 0)
    view = SentenceView(idx, sentences[idx], [], keys, entities, text)
    r = relation(view, keys[id(parent)], "locatedIn", keys[id(m)], "relation.name_containment",
                 parent.start, parent.end, None, 0.85)
    if r:
        yield r


def _only_places(
    prefix: str,
    mentions: Sequence[Mention],
    parent: Mention,
    m: Mention,
    gaz: Gazetteer | None = None,
) -> bool:
    """Whether ``prefix`` (the name before ``m``) is made of places only.

    A province at the very front (浙江省萧山区委组织部) counts although it is no
    longer a nested mention: the linker drops provinces named only inside a
    body's formal name, which ``gaz`` recognises instead.
    """
    inner = [x for x in mentions if x.parent is parent and x.end <= m.start]
    covered = sum(x.end - x.start for x in inner)
    lead = 2 if prefix.startswith("中共") else (5 if prefix.startswith("中国共产党") else 0)
    rest = len(prefix) - lead - covered
    if rest <= 0:
        return rest == 0
    head = prefix[lead : lead + rest]
    return (
        gaz is not None
        and all(x.start >= parent.start + lead + rest for x in inner)
        and any(d.level == 1 for d in gaz.candidates(head))
    )


def _followed_by_place(m: Mention, mentions: Sequence[Mention]) -> bool:
    return any(
        x is not m and x.parent is m.parent and x.start == m.end and x.rule.startswith("place.")
        for x in mentions
    )


def adjacency(
    view: SentenceView, all_places: Sequence[Mention], gaz: Gazetteer
) -> Iterator[Relation]:
    """海宁市长安镇, 吴中区木渎镇, 长安镇某某村: the second lies in the first."""
    places = sorted(all_places, key=lambda m: m.start)
    for a, b in zip(places, places[1:], strict=False):
        if a.end != b.start:
            continue
        ka, kb = view.keys.get(id(a)), view.keys.get(id(b))
        if ka is None or kb is None:
            continue
        ea, eb = view.entities[ka], view.entities[kb]
        if ADMIN_RANK.get(ea.cls, 9) >= ADMIN_RANK.get(eb.cls, 9) and not (
            ea.cls == "City" and eb.cls == "City"
        ):
            continue
        if ea.code and eb.code and ea.code not in {d.code for d in gaz.parents(eb.code)}:
            continue
        r = relation(view, kb, "locatedIn", ka, "relation.place_chain", a.start, b.end, None, 0.95)
        if r:
            yield r
        # 木渎镇灵岩村、天平村: the rest of the list shares the container
        run = [x for x in places if x.start > b.start]
        prev = b
        for x in run:
            if view.between(prev.end, x.start) != "、":
                break
            kx = view.keys.get(id(x))
            if kx and view.entities[kx].cls == eb.cls:
                r = relation(
                    view,
                    kx,
                    "locatedIn",
                    ka,
                    "relation.place_chain_list",
                    a.start,
                    x.end,
                    None,
                    0.85,
                )
                if r:
                    yield r
            prev = x


def gazetteer_links(entities: dict[str, Entity], gaz: Gazetteer) -> Iterator[tuple[str, str]]:
    """Each linked place lies in its nearest ancestor that the article also names."""
    by_code = {e.code: e.key for e in entities.values() if e.code}
    for e in entities.values():
        if not e.code:
            continue
        for parent in gaz.parents(e.code):
            if parent.code in by_code:
                yield e.key, by_code[parent.code]
                break
