"""What the relation classifier sees: candidate pairs of mentions and their features.

Candidates are the pairs of distinct entities mentioned in one sentence, and
the pairs that join a mention to an alliance, platform, event or document
named in the next or the previous sentence. A pair's features are its two
classes, their order and distance, the words and mentions between them, the
trigger families around them, list structure, and the votes of the rules.
Changing a feature changes what the shipped weights mean: retrain
(``make train``) after any change here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kg.extract.rules.mention import Mention
from kg.model import Entity, Relation, Span
from kg.resources import jieba_word_tags

#: Classes that a mention of the next or previous sentence may be paired with.
FRAME_CLASSES = frozenset(
    ("Alliance", "Project", "Event", "Publication", "PartyBrand", "IndustrialPark", "Venue")
)
#: Relations whose direction means nothing.
SYMMETRIC = frozenset(("cooperatesWith",))
NONE = "NONE"
#: How a predicate is folded before learning: the inverse readings of launched.
INVERSES = {"organizedBy": "launched", "publishedBy": "launched", "partnerOf": "cooperatesWith"}
GROUP_WORD = re.compile(
    r"(两|二|三|四|五|六|七|八|九|十|多)(地|镇|区|县|市|乡|村|街镇|方|省|家)")
#: Words that make a cooperation a pairing (partnerOf rather than cooperatesWith).
PAIRING_WORDS = ("结对", "共建", "对口", "帮扶", "结亲", "联建")



@dataclass(frozen=True)
class Candidate:
    """Two mentions that may be related, ``first`` before ``second`` in the text."""

    first: Mention
    second: Mention
    sentence: int
    #: The other sentence, for pairs that cross a sentence boundary.
    other: int | None = None


def fold(subject: str, predicate: str, obj: str) -> tuple[str, str, str]:
    """A relation in the form the classifier learns: inverses turned, symmetry sorted."""
    if predicate in INVERSES:
        new = INVERSES[predicate]
        if new == "launched":
            subject, obj = obj, subject
        predicate = new
    if predicate in SYMMETRIC and obj < subject:
        subject, obj = obj, subject
    return subject, predicate, obj


def label_of(first: str, second: str, relations: set[tuple[str, str, str]]) -> str:
    """The label of the pair (``first`` before ``second``) under folded ``relations``."""
    for pred in ("locatedIn", "memberOf", "brandOf", "launched", "heldIn", "settledIn"):
        if (first, pred, second) in relations:
            return pred + ">"
        if (second, pred, first) in relations:
            return pred + "<"
    a, b = sorted((first, second))
    if (a, "cooperatesWith", b) in relations:
        return "cooperatesWith"
    return NONE


def generate_candidates(
    sentences: Sequence[Span], mentions: Sequence[Mention], keys: dict[int, str],
    entities: dict[str, Entity],
) -> list[Candidate]:
    """Pairs in one sentence, and frame pairs across neighbouring sentences."""
    by_sentence: list[list[Mention]] = [[] for _ in sentences]
    starts = [s.start for s in sentences]
    import bisect

    for m in mentions:
        if id(m) not in keys:
            continue
        idx = bisect.bisect_right(starts, m.start) - 1
        if idx >= 0 and m.end <= sentences[idx].end:
            by_sentence[idx].append(m)
    out: list[Candidate] = []
    for idx, group in enumerate(by_sentence):
        group.sort(key=lambda m: m.start)
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if keys[id(a)] != keys[id(b)]:
                    out.append(Candidate(a, b, idx))
        if idx + 1 < len(by_sentence):
            for a in group:
                for b in by_sentence[idx + 1]:
                    if keys[id(a)] == keys[id(b)]:
                        continue
                    ca, cb = entities[keys[id(a)]].cls, entities[keys[id(b)]].cls
                    if cb in FRAME_CLASSES or ca in FRAME_CLASSES:
                        out.append(Candidate(a, b, idx + 1, other=idx))
    return out


#: What may stand between two items of one list: 、, a comma, 和/与/及 …
_LIST_GLUE = frozenset(("、", "，", ",", "和", "与", "及", "以及", "同", "暨", "跟", "、和"))


def enumeration_groups(text: str, mentions: Sequence[Mention]) -> dict[int, list[Mention]]:
    """Runs of mentions of one class joined by list glue (、, 和, 与 …), by ``id`` of each member.

    Only runs of two or more are returned.
    """
    ordered = sorted(mentions, key=lambda m: m.start)
    out: dict[int, list[Mention]] = {}
    run: list[Mention] = []
    for m in ordered:
        if (run and m.start >= run[-1].end and m.cls == run[-1].cls
                and text[run[-1].end : m.start].strip() in _LIST_GLUE):
            run.append(m)
            continue
        if len(run) > 1:
            for member in run:
                out[id(member)] = run
        run = [m]
    if len(run) > 1:
        for member in run:
            out[id(member)] = run
    return out


def _trigger_families() -> tuple[tuple[str, tuple[str, ...]], ...]:
    from kg.extract import lexicon as lx

    return (
        ("settle", lx.SETTLE_TRIGGERS), ("land", lx.LANDING_TRIGGERS),
        ("lead", lx.LEAD_TRIGGERS), ("found", lx.FOUND_TRIGGERS),
        ("coop", lx.COOPERATION_TRIGGERS), ("partner", lx.PARTNER_WORDS + PAIRING_WORDS),
        ("rely", lx.RELY_TRIGGERS), ("platform", lx.PLATFORM_TRIGGERS),
        ("sign", ("签订", "签署", "签约")), ("hold", ("举行", "举办", "召开", "开展")),
        ("join", ("加入", "成员", "成员单位")), ("issue", ("发布", "印发", "出台")),
        ("belong", ("位于", "地处", "所属", "下辖", "辖")),
    )


#: Trigger-word families of the rules' lexicon, as features (where a family's
#: word stands relative to the pair says more than the word itself).
TRIGGER_FAMILIES = _trigger_families()


def _families_within() -> dict[str, frozenset[str]]:
    """Each trigger word → the families of every trigger word inside it (签约落户: sign, land)."""
    words = {w for _, ws in TRIGGER_FAMILIES for w in ws}
    return {
        word: frozenset(name for name, ws in TRIGGER_FAMILIES if any(w in word for w in ws))
        for word in words
    }


_FAMILIES_WITHIN = _families_within()
#: At every position, the longest trigger word starting there (a lookahead finds overlaps).
_TRIGGER_RE = re.compile(
    "(?=(" + "|".join(sorted(map(re.escape, _FAMILIES_WITHIN), key=len, reverse=True)) + "))"
)
_FAMILY_ORDER = {name: i for i, (name, _) in enumerate(TRIGGER_FAMILIES)}


def trigger_families_in(text: str) -> list[str]:
    """The trigger families with a word in ``text``, in table order, from one regex scan."""
    found: set[str] = set()
    for hit in _TRIGGER_RE.finditer(text):
        found |= _FAMILIES_WITHIN[hit.group(1)]
    return sorted(found, key=_FAMILY_ORDER.__getitem__)


def _bucket(n: int, edges: Sequence[int]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return "more"


class PairFeaturizer:
    """Feature strings of candidate pairs in one document."""

    def __init__(
        self,
        text: str,
        words: Sequence[str],
        starts: Sequence[int],
        sentences: Sequence[Span],
        keys: dict[int, str],
        entities: dict[str, Entity],
        rule_relations: Sequence[Relation],
        mentions: Sequence[Mention],
    ) -> None:
        self.text = text
        self.sentences = sentences
        self.keys = keys
        self.entities = entities
        tags = jieba_word_tags()
        self.words = [
            (s, s + len(w), w, tags.get(w, "x")) for w, s in zip(words, starts, strict=True)
            if not w.isspace()
        ]
        self.word_starts = [w[0] for w in self.words]
        self.votes: dict[tuple[str, str], list[str]] = {}
        for r in rule_relations:
            pred = INVERSES.get(r.predicate, r.predicate)
            forward = r.predicate not in ("organizedBy", "publishedBy")
            for pair, arrow in (((r.subject, r.object), ">"), ((r.object, r.subject), "<")):
                if not forward:
                    arrow = "<" if arrow == ">" else ">"
                vote = pred if pred in SYMMETRIC else pred + arrow
                family = r.rule.split(".")[1] if "." in r.rule else r.rule
                self.votes.setdefault(pair, []).extend((vote, f"{vote}|{family}"))
        self.mention_starts = sorted(m.start for m in mentions if id(m) in keys)
        self.groups = enumeration_groups(text, [m for m in mentions if id(m) in keys])

    def _words_in(self, start: int, end: int) -> list[tuple[int, int, str, str]]:
        import bisect

        i = bisect.bisect_left(self.word_starts, start)
        out = []
        while i < len(self.words) and self.words[i][1] <= end:
            out.append(self.words[i])
            i += 1
        return out

    def features(self, c: Candidate) -> list[str]:
        import bisect

        a, b = c.first, c.second
        ea, eb = self.entities[self.keys[id(a)]], self.entities[self.keys[id(b)]]
        pair = f"{ea.cls}|{eb.cls}"
        gap = max(0, b.start - a.end)
        between = self.text[a.end : b.start] if b.start > a.end else ""
        n_between = bisect.bisect_left(self.mention_starts, b.start) - bisect.bisect_left(
            self.mention_starts, a.end
        )
        f = [
            "bias",
            "pair=" + pair,
            "ca=" + ea.cls,
            "cb=" + eb.cls,
            "gap=" + _bucket(gap, (0, 1, 2, 4, 8, 16, 32)),
            "nb=" + _bucket(n_between, (0, 1, 2, 4)),
            "pair|nb=" + pair + _bucket(n_between, (0, 1, 3)),
        ]
        if c.other is not None:
            f.append("cross")
            f.append("cross|" + pair)
        if a.parent is not None or b.parent is not None:
            f.append("nested")
        if a.start <= b.start and b.end <= a.end:
            f.append("inside")
        ga, gb = self.groups.get(id(a)), self.groups.get(id(b))
        if ga is not None and ga is gb:
            f += ["samegroup", "samegroup|" + pair, "gsize=" + _bucket(len(ga), (2, 3, 5))]
        else:
            # a list collapsed to its ends: "A、B、C共同发布《X》" reads as "C共同发布《X》"
            last_a = ga[-1] if ga is not None else a
            first_b = gb[0] if gb is not None else b
            if ga is not None:
                f.append("ag")
            if gb is not None:
                f.append("bg")
            if (ga is not None or gb is not None) and c.other is None:
                eff = self.text[last_a.end : first_b.start] if first_b.start > last_a.end else ""
                if len(eff) <= 6:
                    f.append("ebt=" + eff)
                    f.append("ebt|" + pair + "|" + eff)
                for _, _, w, t in self._words_in(last_a.end, first_b.start)[:8]:
                    f.append("ebw=" + w)
                    if t.startswith("v"):
                        f.append("ebv|" + pair + "|" + w)
            if gb is not None and c.other is None:
                tail = gb[-1]
                sent_end = self.sentences[c.sentence].end
                for _, _, w, t in self._words_in(tail.end, sent_end)[:6]:
                    if t.startswith("v"):
                        f.append("gav|" + pair + "|" + w)
        if len(between) <= 4:
            f.append("bt=" + between)
            f.append("bt|" + pair + "|" + between)
        if between and all(ch in "、，, 和与及同以及" for ch in between):
            f.append("listed")
            f.append("listed|" + pair)
        bwords = self._words_in(a.end, b.start) if c.other is None else []
        for _, _, w, t in bwords[:12]:
            f.append("bw=" + w)
            if t.startswith("v"):
                f.append("bv=" + w)
                f.append("bv|" + pair + "|" + w)
        sent = self.sentences[c.sentence]
        after = self._words_in(b.end, sent.end)
        verbs_after = [w for _, _, w, t in after[:8] if t.startswith("v")]
        for w in verbs_after[:3]:
            f.append("av=" + w)
            f.append("av|" + pair + "|" + w)
        before_a = self._words_in(max(sent.start if c.other is None else
                                      self.sentences[c.other].start, a.start - 6), a.start)
        for _, _, w, _ in before_a[-2:]:
            f.append("pa=" + w)
        for _, _, w, _ in after[:2]:
            f.append("nb=" + w)
        head = self.text[a.end : a.end + 1]
        f.append("ra=" + head)
        f.append("lb=" + self.text[b.start - 1 : b.start])
        left = self.sentences[c.other].start if c.other is not None else sent.start
        for fam in trigger_families_in(between):
            f += ["tb=" + fam, "tb|" + pair + "|" + fam]
        for fam in trigger_families_in(self.text[b.end : sent.end]):
            f.append("ta|" + pair + "|" + fam)
        for fam in trigger_families_in(self.text[left : a.start]):
            f.append("tp|" + pair + "|" + fam)
        if GROUP_WORD.search(self.text[left : sent.end]):
            f += ["gw", "gw|" + pair]
        vote = self.votes.get((self.keys[id(a)], self.keys[id(b)]))
        if vote:
            f.extend("rule=" + v for v in vote)
        else:
            f.append("rule=none")
        return f
