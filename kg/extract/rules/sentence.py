"""What every relation rule sees of a sentence, and how it finds lists and subjects.

A rule looks at one sentence: its mentions in order (:class:`SentenceView`),
the words between them and the trigger words of the genre. The helpers here
find the lists of names a verb applies to and the subject a clause starts
with; :func:`relation` makes a ``Relation`` that carries its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kg.base.vocab import ADMIN_CLASSES
from kg.extract.rules.mention import Mention
from kg.model import Entity, Relation, Span

PLACE_CLASSES = frozenset(ADMIN_CLASSES)
AGENT_CLASSES = frozenset(
    {
        *ADMIN_CLASSES,
        "GovernmentBody",
        "PartyOrganization",
        "MassOrganization",
        "Enterprise",
        "IndustrialPark",
        "Alliance",
        "Region",
    }
)
HOLDER_CLASSES = frozenset(
    {
        "Project",
        "Alliance",
        "PartyBrand",
        "Venue",
        "GovernmentBody",
        "PartyOrganization",
        "MassOrganization",
        "IndustrialPark",
    }
)
ADMIN_RANK = {c: i for i, c in enumerate(ADMIN_CLASSES)}
ADMIN_RANK["Subdistrict"] = ADMIN_RANK["Township"]
ADMIN_RANK["County"] = ADMIN_RANK["District"]


@dataclass
class SentenceView:
    """One sentence and the mentions that fall inside it, with their entity keys."""

    index: int
    span: Span
    mentions: list[Mention]
    keys: dict[int, str]
    entities: dict[str, Entity]
    text: str  # the whole document's Simplified text

    def key(self, m: Mention) -> str:
        return self.keys[id(m)]

    def cls(self, m: Mention) -> str:
        return self.entities[self.key(m)].cls

    def between(self, a: int, b: int) -> str:
        return self.text[a:b]


def relation(
    view: SentenceView,
    s: str,
    p: str,
    o: str,
    rule: str,
    start: int,
    end: int,
    trigger: str | None = None,
    confidence: float = 0.8,
    source: str = "text",
) -> Relation | None:
    if s == o:
        return None
    start = max(start, view.span.start)
    end = min(max(end, start), view.span.end)
    return Relation(
        subject=s,
        predicate=p,
        object=o,
        sentence_index=view.index,
        evidence=Span(start, end, view.text[start:end]),
        rule=rule,
        trigger=trigger,
        confidence=confidence,
        source=source,
    )


# ---------------------------------------------------------------------------
# Lists and subjects
# ---------------------------------------------------------------------------


#: What joins two items of a list for :func:`groups`: 、/和/与/及 and nothing else.
PLAIN_JOINS = re.compile(r"[、]|和|及|以及|与|、以及")


def groups(view: SentenceView, joins: re.Pattern[str] = PLAIN_JOINS) -> list[list[Mention]]:
    """Runs of mentions that ``joins`` joins (by default 、/和/与/及, nothing else).

    A place that only locates the next item (甲公司和某镇乙村: 某镇) is not an
    item and does not break the run.
    """
    out: list[list[Mention]] = []
    current: list[Mention] = []
    outer = [m for m in view.mentions if is_chain_outer(view, m)]
    mentions = [m for m in view.mentions if not is_chain_outer(view, m)]
    for m in mentions:
        gap = view.between(current[-1].end, m.start) if current else ""
        for o in outer:
            if current and current[-1].end <= o.start and o.end <= m.start:
                gap = gap.replace(o.text, "")
        if current and joins.fullmatch(gap):
            current.append(m)
        else:
            if current:
                out.append(current)
            current = [m]
    if current:
        out.append(current)
    return out


def is_chain_outer(view: SentenceView, m: Mention) -> bool:
    """海宁市 in 海宁市长安镇 only locates the town; lists and subjects use the town."""
    if view.cls(m) not in PLACE_CLASSES:
        return False
    return any(x.start == m.end and view.cls(x) in PLACE_CLASSES for x in view.mentions)


def list_run(view: SentenceView, m: Mention) -> list[Mention]:
    """The 、-separated list that ``m`` belongs to (only 、 and 和 joins)."""
    for g in groups(view):
        if m in g:
            return g
    return [m]


_NOT_SUBJECT_BEFORE = (
    "在",
    "由",
    "与",
    "和",
    "到",
    "从",
    "向",
    "对",
    "为",
    "同",
    "跟",
    "给",
    "把",
    "以",
    "据",
    "经",
)


_COUNTED = re.compile(r"[0-9一二三四五六七八九十两几多]+[个家名位所]")


def subject_of(view: SentenceView, before: int | None = None) -> Mention | None:
    """The sentence's topic: its first agent that is not inside a prepositional phrase."""
    for m in view.mentions:
        if before is not None and m.start >= before:
            break
        if view.cls(m) not in AGENT_CLASSES:
            continue
        if _COUNTED.match(view.between(m.end, m.end + 4)):
            continue  # 霞浦县12个党支部: the place only qualifies the real subject
        lead = view.between(view.span.start, m.start)
        clause_lead = re.split(r"[,，;；]", lead)[-1]
        if any(clause_lead.endswith(w) for w in _NOT_SUBJECT_BEFORE):
            continue
        # a clause that starts with other words may still have this subject after a
        # short adverbial (比如, 日前, 3月28日); a long lead means it is not the topic
        if len(clause_lead) > 12 and re.search(r"[\u4e00-\u9fff]{3,}", clause_lead):
            continue
        return innermost_place(view, m)
    return None


def trigger_positions(view: SentenceView, words: Sequence[str]) -> Iterator[tuple[int, str]]:
    """Where each of ``words`` occurs in the sentence, without overlaps, word by word.

    By ``str.find``: these run for every sentence and rule, and building a
    pattern for each word each time was a fifth of the relation rules' time.
    """
    sent = view.between(view.span.start, view.span.end)
    for w in words:
        if not w:
            continue
        at = sent.find(w)
        while at >= 0:
            yield view.span.start + at, w
            at = sent.find(w, at + len(w))


def innermost_place(view: SentenceView, m: Mention) -> Mention:
    """海宁市长安镇 names 长安镇: follow a chain of adjacent places to its end."""
    current = m
    while True:
        nxt = next(
            (
                x
                for x in view.mentions
                if x.start == current.end
                and view.cls(x) in PLACE_CLASSES
                and view.cls(current) in PLACE_CLASSES
            ),
            None,
        )
        if nxt is None:
            return current
        current = nxt
