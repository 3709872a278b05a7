"""People and publications: bylines, names after titles, newspapers and document titles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kg.extract import lexicon as lx
from kg.extract.rules.mention import HAN, HAN_RE, Mention

_BYLINE_RE = re.compile(
    r"(记者|通讯员|摄影|撰稿)[ \u3000]*((?:[" + HAN + r"]{2,3}[ \u3000、]*){1,4})"
)
_TITLE_RE = re.compile(
    "(" + "|".join(sorted(lx.TITLE_WORDS, key=len, reverse=True)) + r")([" + HAN + "]{2,3})"
)
_NAME_END = set("、,，。；;:：等参出表在和与及指介讲说主发到为的（(")


def find_people(text: str, ends_to_starts: dict[int, int]) -> list[Mention]:
    """Names in bylines (记者 王某) and after job titles (部长王某某)."""
    found: list[Mention] = []
    for m in _BYLINE_RE.finditer(text):
        pos = m.start(2)
        for piece in re.split(r"[ \u3000、]+", m.group(2)):
            if 2 <= len(piece) <= 3 and piece[0] in lx.SURNAMES:
                idx = text.find(piece, pos)
                found.append(Mention(idx, idx + len(piece), piece, "Person", "person.byline"))
                pos = idx + len(piece)
    for m in _TITLE_RE.finditer(text):
        start = m.start(2)
        for name in _names_after(text, start):
            found.append(
                Mention(
                    name[0],
                    name[1],
                    text[name[0] : name[1]],
                    "Person",
                    "person.title",
                    certain=False,
                )
            )
    return found


def _names_after(text: str, start: int) -> Iterable[tuple[int, int]]:
    pos = start
    while pos < len(text) and text[pos] in lx.SURNAMES:
        length = 0
        for k in (3, 2):
            cand = text[pos : pos + k]
            nxt = text[pos + k : pos + k + 1]
            if (
                len(cand) == k
                and all(HAN_RE.match(c) for c in cand)
                and (not nxt or nxt in _NAME_END)
            ):
                length = k
                break
        if not length:
            return
        yield pos, pos + length
        pos += length
        if text[pos : pos + 1] == "、":
            pos += 1
        else:
            return


_REPORTED_BY_RE = re.compile(r"据((?:《?[" + HAN + r"]{2,8}》?、?){1,4})报道")
_DOC_TITLE_RE = re.compile(r"《([^《》\n]{2,30})》")
_SITE_LEAD_RE = re.compile(r"^([" + HAN + r"]{2,6}网)[ \u3000]")


def find_publications(text: str) -> list[Mention]:
    """News sources (据X报道, a site name leading the body) and titled documents."""
    found: list[Mention] = []
    for m in _REPORTED_BY_RE.finditer(text):
        pos = m.start(1)
        for piece in m.group(1).split("、"):
            bare = piece.strip("《》")
            idx = text.find(bare, pos)
            if len(bare) >= 2:
                found.append(
                    Mention(idx, idx + len(bare), bare, "Publication", "publication.reported_by")
                )
            pos = idx + len(bare)
    for m in _DOC_TITLE_RE.finditer(text):
        found.append(Mention(m.start(1), m.end(1), m.group(1), "Publication", "publication.title"))
    for line_match in re.finditer(r"(?m)^.*$", text):
        lm = _SITE_LEAD_RE.match(line_match.group())
        if lm:
            s = line_match.start() + lm.start(1)
            found.append(
                Mention(
                    s, s + len(lm.group(1)), lm.group(1), "Publication", "publication.site_lead"
                )
            )
    return found
