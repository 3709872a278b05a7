"""Relations from trigger patterns, name containment and the gazetteer.

Each rule looks at one sentence: the entity mentions in it (in order), the
words between them, and the trigger verbs of the genre (牵手, 依托, 入驻, 落地,
牵头, 发起, 签订 …). Each returns ``Relation`` objects carrying the trigger and
a confidence, so a user can tell a stated fact from an inferred one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

from kg.base.vocab import ADMIN_CLASSES
from kg.extract import lexicon as lx
from kg.extract.gazetteer import Gazetteer
from kg.extract.mentions import Mention
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
_RANK = {c: i for i, c in enumerate(ADMIN_CLASSES)}
_RANK["Subdistrict"] = _RANK["Township"]
_RANK["County"] = _RANK["District"]


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


def groups(view: SentenceView) -> list[list[Mention]]:
    """Runs of mentions joined by 、/和/与/及 (with nothing else in between)."""
    out: list[list[Mention]] = []
    current: list[Mention] = []
    mentions = [m for m in view.mentions if not _is_chain_outer(view, m)]
    for m in mentions:
        if current and re.fullmatch(
            r"[、]|和|及|以及|与|、以及", view.between(current[-1].end, m.start)
        ):
            current.append(m)
        else:
            if current:
                out.append(current)
            current = [m]
    if current:
        out.append(current)
    return out


def _is_chain_outer(view: SentenceView, m: Mention) -> bool:
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


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------


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
        if _RANK.get(ea.cls, 9) >= _RANK.get(eb.cls, 9) and not (
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


def _trigger_positions(view: SentenceView, words: Sequence[str]) -> Iterator[tuple[int, str]]:
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
    for pos, trig in _trigger_positions(view, ("牵手", "携手", "结对")):
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
    for pos, trig in _trigger_positions(view, ("来到", "走进", "前往", "赴")):
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


def _in_list(view: SentenceView, a: Mention, b: Mention) -> bool:
    return any(a in g and b in g for g in groups(view))


def _same_family(view: SentenceView, a: Mention, b: Mention) -> bool:
    """A body and the place it is named after are not partners of each other."""
    na, nb = view.entities[view.key(a)].label, view.entities[view.key(b)].label
    return na.startswith(nb) or nb.startswith(na)


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
        ranks = {view.entities[k].admin_level or _RANK.get(view.entities[k].cls, 9) for k in recent}
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
        for pos, jt in _trigger_positions(view, ("牵手", "携手", "联合")):
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


def leadership(view: SentenceView) -> Iterator[Relation]:
    """牵头…设立 / 由A发起的Y / Y由A和B共同牵头: organizedBy."""
    sent = view.between(view.span.start, view.span.end)
    # A牵头, …设立(了)Y
    for pos, trig in _trigger_positions(view, ("牵头",)):
        leaders = [
            m for m in view.mentions if m.end <= pos and view.between(m.end, pos) in ("共同", "")
        ]
        if not leaders:
            continue
        run = list_run(view, leaders[-1])
        target = None
        if True:
            for fpos, ft in _trigger_positions(view, lx.FOUND_TRIGGERS):
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


def settling(view: SentenceView) -> Iterator[Relation]:
    """``A、B、C(已正式)入驻Y``: each settled in Y."""
    for pos, trig in _trigger_positions(view, lx.SETTLE_TRIGGERS):
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


_REPORTED_RE = re.compile("表示|介绍|指出|说|同意|认为|透露")


def publishing(view: SentenceView) -> Iterator[Relation]:
    """``A、B、C三镇(共同)发布《Y》``: Y is published by each of them.

    The publication is the mention right after the verb (了 aside); the
    issuers are the sentence's subject and the list it heads, so every member
    of an enumerated subject is an issuer, and the members of the nearest list
    of agents before the verb (a caption or a date clause may come first).
    """
    for pos, trig in _trigger_positions(view, lx.PUBLISH_TRIGGERS):
        after = pos + len(trig)
        target = next((m for m in view.mentions
                       if after <= m.start <= after + 2 and view.cls(m) == "Publication"), None)
        if target is None or view.between(after, target.start).strip("了《“\"") != "":
            continue
        issuers = [list_run(view, m) for m in (subject_of(view, before=pos),) if m]
        # the nearest list of agents before the verb, when it is a list (A、B、C三镇…发布)
        agents = [m for m in view.mentions if m.end <= pos and view.cls(m) in AGENT_CLASSES]
        if agents and len(list_run(view, agents[-1])) > 1:
            issuers.append(list_run(view, agents[-1]))
        seen: set[str] = set()
        for m in (m for run in issuers for m in run):
            if view.cls(m) not in AGENT_CLASSES or view.key(m) in seen:
                continue
            if _REPORTED_RE.search(view.between(m.end, pos)):
                continue  # 某部负责人表示，该市出台…: the speaker's body is not the issuer
            seen.add(view.key(m))
            r = relation(view, view.key(target), "publishedBy", view.key(m),
                         "relation.publish", m.start, target.end, trig, 0.8)
            if r:
                yield r


def landing(view: SentenceView) -> Iterator[Relation]:
    """``(S)推动A、B等重大项目落地``: the projects are located in S."""
    for pos, trig in _trigger_positions(view, lx.LANDING_TRIGGERS):
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
    for pos, trig in _trigger_positions(view, ("纳入", "划入", "列入")):
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
