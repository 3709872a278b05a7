"""Membership: alliances, committees and clusters, and the members they list.

``A、B、C组建X联盟`` and ``X由A、B组成`` make each of A, B, C a member of X; a
group word (两镇, 三方) refers back to the members named before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import combinations

from kg.extract import lexicon as lx
from kg.extract.rules.mention import Mention
from kg.extract.rules.sentence import (
    ADMIN_RANK,
    AGENT_CLASSES,
    PLACE_CLASSES,
    SentenceView,
    groups,
    innermost_place,
    relation,
    subject_of,
    trigger_positions,
)
from kg.model import Relation


def group_words(
    view: SentenceView,
    history: Sequence[tuple[Mention, str]],
    abbreviations: dict[str, list[str]] | None = None,
) -> Iterator[Relation]:
    """两地/三地/两镇 in a sentence about cooperation: the places just named, pairwise."""
    sent = view.between(view.span.start, view.span.end).replace("合作社", "")
    if not any(
        w in sent for w in ("合作", "协同", "融合", "联动", "共同", "交流", "携手", "共建", "联建")
    ):
        return
    for m in re.finditer(lx.GROUP_WORDS_RE, sent):
        n = lx.NUMERALS[m.group(1)]
        pos = view.span.start + m.start()
        level = m.group(2)
        recent: list[str] = []
        # 苏锡常三地: the abbreviation just before the group word names the places
        named = next(
            (x for x in view.mentions if x.end == pos and x.rule == "region.abbreviation"), None
        )
        if named is not None and abbreviations and len(abbreviations.get(view.key(named), [])) == n:
            members = abbreviations[view.key(named)]
            for a, b in combinations(sorted(members), 2):
                r = relation(
                    view,
                    a,
                    "cooperatesWith",
                    b,
                    "relation.cooperation.abbreviation",
                    named.start,
                    pos + len(m.group()),
                    m.group(),
                    0.65,
                )
                if r:
                    yield r
            break
        for mention, key in reversed(history):
            if mention.start >= pos:
                continue
            cls = view.entities[key].cls if key in view.entities else ""
            if level in ("镇", "街镇") and cls not in ("Township", "Subdistrict"):
                continue
            if level in ("地", "方") and cls not in PLACE_CLASSES:
                continue
            if level in ("区", "县", "市") and cls not in ("District", "County", "City"):
                continue
            if key not in recent:
                recent.append(key)
            if len(recent) == n:
                break
        if len(recent) != n:
            continue
        # 地 groups must be of one level (three districts, not a district and its town)
        ranks = {view.entities[k].admin_level or ADMIN_RANK.get(view.entities[k].cls, 9)
                 for k in recent}
        if len(ranks) > 1:
            continue
        for a, b in combinations(sorted(recent), 2):
            r = relation(
                view,
                a,
                "cooperatesWith",
                b,
                "relation.cooperation.group_word",
                pos,
                pos + len(m.group()),
                m.group(),
                0.6,
            )
            if r:
                yield r
        break


def abbreviated_members(
    view: SentenceView, abbreviations: dict[str, list[str]]
) -> Iterator[Relation]:
    """苏锡常“X”联盟: an alliance named after an abbreviation of places has them as members.

    ``abbreviations`` maps each abbreviation the article uses on its own
    (苏锡常三地, “苏锡常”) to the places it stands for; an alliance whose name
    starts with one of them is that group's alliance.
    """
    runs = [
        (view.entities[key].label, members)
        for key, members in abbreviations.items()
        if key in view.entities
    ]
    for alliance in view.mentions:
        if view.cls(alliance) != "Alliance":
            continue
        name = view.entities[view.key(alliance)].label
        for run, members in runs:
            if len(name) > len(run) and name.startswith(run):
                for member in members:
                    r = relation(
                        view, member, "memberOf", view.key(alliance),
                        "relation.membership.abbreviation", alliance.start, alliance.end,
                        run, 0.6,
                    )
                    if r:
                        yield r
                break


def membership(view: SentenceView) -> Iterator[Relation]:
    """Founding or signing an alliance makes the parties members; 以“X”为平台 too."""
    alliances = [m for m in view.mentions if view.cls(m) == "Alliance"]
    for al in alliances:
        lead = view.between(view.span.start, al.start)
        trig = next(
            (
                t
                for t in ("成立", "组建", "签订了", "签订", "签署", "加入", "结成", "共建")
                if lead.endswith(t) or lead[-6:].find(t) >= 0
            ),
            None,
        )
        if trig is None:
            continue
        parties: list[Mention] = []
        before = [m for m in view.mentions if m.end <= al.start]
        subj = subject_of(view, before=al.start)
        if subj is not None:
            parties.append(subj)
        for g in groups(view):
            gap = view.between(g[-1].end, al.start)
            if (
                g[-1].end <= al.start
                and len(g) >= 2
                and len(gap) <= 16
                and not re.search(r"[,，。;；]", gap)
            ):
                parties.extend(g)
        # 牵手X成立Y: X joins too
        for pos, jt in trigger_positions(view, ("牵手", "携手", "联合")):
            nxt = [m for m in before if m.start >= pos + len(jt) and m.start - pos <= 6]
            if nxt:
                parties.append(innermost_place(view, nxt[0]))
        seen: set[str] = set()
        for p in parties:
            k = view.key(p)
            if k in seen or view.cls(p) not in AGENT_CLASSES or view.cls(p) == "Alliance":
                continue
            seen.add(k)
            r = relation(
                view,
                k,
                "memberOf",
                view.key(al),
                "relation.membership.found",
                p.start,
                al.end,
                trig,
                0.8,
            )
            if r:
                yield r
    for m in view.mentions:
        if view.cls(m) not in ("Project", "Alliance"):
            continue
        tail = view.between(m.end, m.end + 6)
        if re.match(r"”?(为|作为)(平台|载体)", tail) and view.between(
            m.start - 2, m.start
        ).endswith(("以“", "以")):
            subj = subject_of(view, before=m.start)
            if subj is not None:
                r = relation(
                    view,
                    view.key(subj),
                    "memberOf",
                    view.key(m),
                    "relation.membership.platform",
                    subj.start,
                    m.end + 4,
                    "以…为平台",
                    0.7,
                )
                if r:
                    yield r
