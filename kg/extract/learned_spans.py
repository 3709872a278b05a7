"""Where the tagger's spans meet the rules' spans, before overlaps are resolved.

The tagger read the rule candidates as features, so where they disagree its
span usually wins; these are the exceptions the rules are certain of (a list
closed by its count) and the repairs the gazetteer makes sure of (a township's
level word left out). Pure functions over mentions, used by the entity linker.
"""

from __future__ import annotations

import re

from kg.extract.gazetteer import Gazetteer
from kg.extract.rules.mention import Mention


def prefer_learned(candidates: list[Mention]) -> list[Mention]:
    """Learned spans outrank the rule spans they cross or lie inside.

    Why: the tagger has seen the rules' candidates as features and learned from
    annotated articles where their boundaries are wrong, so where the two
    disagree its span is the better guess (measured by cross-validation:
    benchmarks/README.md). Rule spans nested *inside* a learned span stay:
    they become nested mentions and give name containment.
    """
    counted = [m for m in candidates if m.rule == "place.counted"]
    candidates = [m for m in candidates if not (is_learned(m) and _swallows_count(m, counted))]
    learned = [m for m in candidates if is_learned(m)]
    if not learned:
        return candidates
    starts = sorted((m.start, m.end) for m in learned)
    out = []
    for m in candidates:
        if not is_learned(m) and any(
            s < m.end and m.start < e and not (s <= m.start and m.end <= e) for s, e in starts
        ):
            continue
        out.append(m)
    return out


_COUNT_TAIL = re.compile(r"[两二三四五六七八九十]个?(街道|镇|乡|村|县|区|市)")


def _swallows_count(m: Mention, counted: list[Mention]) -> bool:
    """A learned span that runs a listed place into its list's count (丙坪三村 in 甲、乙、丙坪三村).

    ``A、B、C三村`` is certain: the count matches the items, so the last item
    ends before 三村 whatever the tagger says.
    """
    return any(
        m.start <= c.start and c.end < m.end
        and _COUNT_TAIL.fullmatch(m.text[c.end - m.start :]) is not None
        for c in counted
    )


def division_completed(m: Mention, text: str, gaz: Gazetteer) -> Mention:
    """A learned span cut just before a township's level word, completed from the gazetteer.

    Why: long minority-area names (某某布依族苗族乡) end in a level word the
    tagger may leave out; when the span with that word is a township the
    division list knows by its full name, the span is that township.
    """
    for level in ("街道", "镇", "乡"):
        if not text.startswith(level, m.end):
            continue
        name = m.text + level
        divisions = [d for d in gaz.candidates(name) if d.name == name]
        if divisions:
            return Mention(m.start, m.end + len(level), name, gaz.entity_class(divisions[0]),
                           "place.model", certain=False)
    return m


def is_learned(m: Mention) -> bool:
    return m.rule.startswith("model.") or m.rule == "place.model"
