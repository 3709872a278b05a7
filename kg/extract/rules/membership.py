"""Membership: alliances, committees and clusters, and the members they list.

``A、B、C组建X联盟`` and ``X由A、B组成`` make each of A, B, C a member of X; a
group word (两镇, 三方) refers back to the members named before it. A joint
body (an alliance, a 联村党委 or 联合党支部) founded in a sentence has the
parties the sentence lists as members wherever the list stands, and the
committee that 辖 listed villages has them (:func:`joint_founding`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import combinations

import jieba

from kg.extract import lexicon as lx
from kg.extract.rules.mention import Mention, word_tag
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


def is_joint_body(view: SentenceView, key: str) -> bool:
    """An alliance, or a party body that several parties form (联村党委, 联合党支部)."""
    entity = view.entities[key]
    if entity.cls == "Alliance":
        return True
    return entity.cls == "PartyOrganization" and any(
        mark in entity.label for mark in lx.JOINT_BODY_MARKS
    )


def _referred_joint_body(view: SentenceView) -> tuple[str, int, int] | None:
    """The joint body a bare head noun in the sentence stands for (该联盟, 联村党委阵地).

    Why: articles name an alliance once in full and then call it 联盟 or
    联村党委; when the document has exactly one joint body with that head,
    the bare noun is that body. Returns its key and where the noun is.
    """
    sent = view.between(view.span.start, view.span.end)
    for head in lx.JOINT_BODY_HEADS:
        at = sent.find(head)
        if at < 0:
            continue
        bodies = [
            key for key, e in view.entities.items()
            if e.label.endswith(head) and len(e.label) > len(head) and is_joint_body(view, key)
        ]
        if len(bodies) == 1:
            start = view.span.start + at
            return bodies[0], start, start + len(head)
        return None
    return None


def _founded(view: SentenceView, start: int, end: int) -> str | None:
    """The founding verb that governs the body at ``start:end``, if any.

    Why: a body the parties sign *with* (与X联合党支部签订) is a party, not
    what they form. The body is founded when a founding verb comes shortly
    before it in the same clause (成立全省首个…联合党委, 签订了X联建协议), or
    when 成立 follows it closely (X正式成立, X在某村揭牌成立).
    """
    lead = re.split(r"[,，;；:：。]", view.between(max(view.span.start, start - 24), start))[-1]
    for word in lx.JOINT_BODY_TRIGGERS:
        if word in lead:
            return word
    tail = re.split(r"[,，;；:：。]", view.between(end, end + 10))[0]
    return "成立" if "成立" in tail else None


def _runs(view: SentenceView) -> list[list[Mention]]:
    """Lists of names in the sentence, more tolerant than :func:`groups` by default.

    ``甲县、某州乙县、丙牧场和邻近的丁县、戊县`` is one list: a place written
    before an item (某州) does not break it, nor does an item no mention was
    found for (丙牧场), nor 和/及 with a short modifier (和邻近的).
    """
    return groups(view, _LIST_GAP)


#: What may stand between two items of one list: 、, or 和/及 with a short modifier
#: (和邻近的), and items no mention was found for (、某牧场、), up to two of them.
_LIST_GAP = re.compile(
    r"、(?:[^,，;；。、:：\s]{2,8}、){0,2}"
    r"|(?:、[^,，;；。、:：\s]{2,8}){0,2}、?(和|与|及|以及)[^,，;；。、:：]{0,6}"
)


def _leads_its_clause(view: SentenceView, first: Mention) -> bool:
    """No verb comes before the list in its clause: it is a subject, not an object.

    ``推动甲、乙、丙等项目落地，牵手丁成立X`` lists what landed, not who founds X.
    """
    lead = re.split(r"[,，;；。:：]", view.between(view.span.start, first.start))[-1]
    return not any(word_tag(w) == "v" for w in jieba.lcut(lead))


def _founding_members(view: SentenceView, joint: set[str]) -> tuple[list[Mention], bool]:
    """The parties of the longest list in the sentence, with a subject that joins them by 与.

    ``A与B成立X``, ``A、B、C三方…标志着X正式成立``, ``甲县与毗邻的乙县、丙县…建立X``.
    The flag says the subject was joined to the list (it is the hub of the pairs).
    """
    lists = [
        [m for m in run if view.cls(m) in AGENT_CLASSES and view.key(m) not in joint]
        for run in _runs(view)
    ]
    lists = [g for g in lists if len(g) >= 2 and _leads_its_clause(view, g[0])]
    if not lists:
        return [], False
    members = max(lists, key=len)
    if len(members) > 2 and view.between(members[0].end, members[1].start)[:1] in ("与", "同"):
        return members, True  # 甲与乙、丙: 甲 is the hub
    subject = subject_of(view, before=members[0].start)
    if subject is not None and subject not in members and view.key(subject) not in joint:
        gap = view.between(subject.end, members[0].start)
        if re.fullmatch(r"(与|同|和)[^,，;；。、]{0,10}", gap):
            return [subject, *members], True
    return members, False


def joint_founding(view: SentenceView) -> Iterator[Relation]:
    """Parties listed in a sentence that founds or signs up to a joint body are its members.

    The body may be named in full or by its head noun (联盟, 联村党委) when the
    article has one such body, and the list may stand anywhere in the
    sentence. Parties that found a body together also cooperate: each pair
    of a plain list, or the subject with each partner of ``A与B、C``. A joint
    committee that covers listed units (辖A村、B村) has them as members.
    """
    joint = {view.key(m) for m in view.mentions if is_joint_body(view, view.key(m))}
    targets = [(view.key(m), m.start, m.end) for m in view.mentions if view.key(m) in joint]
    if not targets:
        referred = _referred_joint_body(view)
        targets = [referred] if referred else []
    for body, body_start, body_end in targets:
        trigger = _founded(view, body_start, body_end)
        if trigger is not None:
            members, starred = _founding_members(view, joint | {body})
        elif view.entities[body].cls == "PartyOrganization":
            members, starred = _covered(view, body_end), False
            trigger = "辖"
        else:
            continue
        if len(members) < 2:
            continue
        yield from _member_relations(view, body, members, starred, trigger,
                                     min(members[0].start, body_start),
                                     max(members[-1].end, body_end),
                                     cooperate=trigger != "辖")
        return  # one list founds one body: the first body that has members


def _covered(view: SentenceView, after: int) -> list[Mention]:
    """The list right after 辖/下辖 that follows a joint committee's name."""
    runs = _runs(view)
    for pos, word in trigger_positions(view, lx.COVERING_TRIGGERS):
        if pos < after:
            continue
        for run in runs:
            if 0 <= run[0].start - pos - len(word) <= 1 and len(run) >= 2:
                return [m for m in run if view.cls(m) in AGENT_CLASSES]
    return []


def _member_relations(
    view: SentenceView, body: str, members: list[Mention], starred: bool, trigger: str,
    start: int, end: int, cooperate: bool,
) -> Iterator[Relation]:
    keys = list(dict.fromkeys(view.key(m) for m in members))
    for key in keys:
        r = relation(view, key, "memberOf", body, "relation.membership.joint",
                     start, end, trigger, 0.7)
        if r:
            yield r
    if not cooperate or (len(keys) > 5 and not starred):
        return
    pairs = [(keys[0], k) for k in keys[1:]] if starred else list(combinations(keys, 2))
    for a, b in pairs:
        r = relation(view, a, "cooperatesWith", b, "relation.cooperation.joint",
                     start, end, trigger, 0.6)
        if r:
            yield r
