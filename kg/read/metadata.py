"""Dates and metadata lines: what a news page says about itself, read from one line.

``(来源:松江报)``, ``(责编:王小明、李华)``, ``2023-05-06 10:21``: a metadata line
names the source, the editors, the people or a date, and is dropped from the
text once read. Patterns are written in Simplified and matched on the
Simplified form of the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from kg.read.normalise import HAN_RE

# --- dates ----------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(
        r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
        r"(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
    ),
    re.compile(
        r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"
        r"(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
    ),
)


def parse_date(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first full date (with year) in ``text`` as ISO 8601, and its span.

    The result is a Beijing-time ``xsd:dateTime``, as ``Metadata.published``
    and the SHACL shapes require: ``2022年01月19日12:20`` →
    ``2022-01-19T12:20:00+08:00``. A date without a time of day is given as the
    start of that day (``2023年03月24日`` → ``2023-03-24T00:00:00+08:00``).
    """
    found = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            iso = _iso(match.groups())
            if iso:
                found.append((match.start(), iso, match.span()))
                break
    if not found:
        return None
    _, iso, span = min(found)
    return iso, span


def _iso(groups: tuple[str | None, ...]) -> str | None:
    year, month, day, hour, minute, second = (int(g) if g else None for g in groups)
    try:
        moment = datetime(year, month, day, hour or 0, minute or 0, second or 0)  # type: ignore[arg-type]
    except ValueError:
        return None
    return moment.isoformat() + "+08:00"


# --- metadata lines -------------------------------------------------------------------------

_SOURCE_LABELS = ("来源", "稿源", "出处", "转自")
_EDITOR_LABELS = ("责任编辑", "责编", "编辑", "主编", "审核", "校对", "编审")
_PERSON_LABELS = ("作者", "记者", "通讯员", "摄影", "撰稿", "撰文")
_OTHER_LABELS = (
    "发布时间", "发布日期", "发表时间", "更新时间", "日期", "时间", "浏览次数", "浏览",
    "阅读量", "阅读", "点击数", "点击", "访问量",
)
_ALL_LABELS = _SOURCE_LABELS + _EDITOR_LABELS + _PERSON_LABELS + _OTHER_LABELS
_LABEL_ALTERNATION = "|".join(sorted(_ALL_LABELS, key=len, reverse=True))
_STOP = r"\s|[|｜()（）\[\]【】<>《》]"
_LABELLED_FIELD = re.compile(
    rf"({_LABEL_ALTERNATION})\s*[:：]\s*(.*?)(?={_STOP}|$|(?:{_LABEL_ALTERNATION})\s*[:：])"
)
#: An editor field may list names separated by spaces, so it runs to a bracket, a
#: bar, the next label or the end of the line.
_EDITOR_FIELD = re.compile(
    rf"({'|'.join(sorted(_EDITOR_LABELS, key=len, reverse=True))})\s*[:：]\s*"
    rf"([^()（）\[\]【】|｜]*?)\s*(?=[)）\]】|｜]|$|\s+(?:{_LABEL_ALTERNATION})\s*[:：])"
)
_URL = re.compile(r"(?:https?://|www\.)[^\s()（）]+", re.I)
_LEFTOVER = re.compile(r"[\s|｜/\\()（）\[\]【】·•\-—_:：,，;；]*")
#: Words that describe how a source supplied the text, not part of its name.
_SOURCE_TRAILERS = re.compile(r"(?:收集|整理|编辑|供稿|提供|转载|发布)+$")
_NAME_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass
class MetaLine:
    published: str | None = None
    source: str | None = None
    editors: list[str] = field(default_factory=list)
    #: The line names a person (author, reporter), so it stays in the text.
    names_person: bool = False


#: Metadata lines are short; longer ones are not examined.
_MAX_META_LINE = 200


def read_metadata_line(simple: str) -> MetaLine | None:
    """Fields of a line that holds only metadata (date, labelled fields, URLs), else None."""
    if len(simple) > _MAX_META_LINE:
        return None
    meta = MetaLine()
    rest = simple
    date = parse_date(simple)
    if date:
        meta.published = date[0]
        rest = rest[: date[1][0]] + " " + rest[date[1][1] :]
    rest = _URL.sub(" ", rest)
    editor_fields = list(_EDITOR_FIELD.finditer(rest))
    for match in editor_fields:
        if not _preceded_by_han(rest, match.start()):
            meta.editors += [name for name in _NAME_SEPARATORS.split(match.group(2)) if name]
    rest = _EDITOR_FIELD.sub(" ", rest)
    fields = editor_fields + list(_LABELLED_FIELD.finditer(rest))
    for match in fields[len(editor_fields) :]:
        label, value = match.group(1), match.group(2).strip()
        if label in _SOURCE_LABELS and value:
            meta.source = meta.source or _SOURCE_TRAILERS.sub("", value) or value
        elif label in _PERSON_LABELS:
            meta.names_person = True
    rest = _LABELLED_FIELD.sub(" ", rest)
    if not (date or fields) or not _LEFTOVER.fullmatch(rest):
        return None
    return meta


def _preceded_by_han(text: str, index: int) -> bool:
    """``收集编辑:`` is a compound verb after a source name, not an editor label."""
    return index > 0 and HAN_RE.match(text[index - 1]) is not None
