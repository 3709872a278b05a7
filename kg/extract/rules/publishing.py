"""Publishing: who published a document or a report (A、B三镇共同发布《Y》)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.extract import lexicon as lx
from kg.extract.rules.sentence import (
    AGENT_CLASSES,
    SentenceView,
    list_run,
    relation,
    subject_of,
    trigger_positions,
)
from kg.model import Relation

_REPORTED_RE = re.compile("表示|介绍|指出|说|同意|认为|透露")


def publishing(view: SentenceView) -> Iterator[Relation]:
    """``A、B、C三镇(共同)发布《Y》``: Y is published by each of them.

    The publication is the mention right after the verb (了 aside); the
    issuers are the sentence's subject and the list it heads, so every member
    of an enumerated subject is an issuer, and the members of the nearest list
    of agents before the verb (a caption or a date clause may come first).
    """
    for pos, trig in trigger_positions(view, lx.PUBLISH_TRIGGERS):
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
