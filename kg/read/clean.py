"""RawDocument → CleanDocument: drop page chrome and pinyin artifacts, read the header.

Cleaning only ever deletes characters (whole lines, inline pinyin annotations,
markup, surrounding spaces); it never rewrites one. That is what makes the
offset map trivial and exact: ``text[i] == raw.text[raw_offsets[i]]`` for
every ``i``, so any span found later can be reported against the input.

The rules are about the shape of Chinese news pages, not about any one site:

- **Pinyin annotations.** Some mirrors print a reading after a character,
  ``區(qū)``. A bracketed group is removed only when its syllables are readings
  (pypinyin, all heteronyms, with tone marks) of the Han characters right before
  it, so ``(Lego)``, ``(福建)`` and ``(來源:松江報)`` stay.
- **Header.** Before the first paragraph a page has site names, navigation
  bars, breadcrumbs (``人民網>>上海頻道``), the title and subtitle, and a date /
  source line. The breadcrumb head is the publisher, its tail the channel. The
  title and subtitle stay in the text, as they name entities.
- **Metadata lines** anywhere (``(來源:松江報)``, ``(責編:王小明、李華)``, a
  date line) are read into ``Metadata`` and dropped from the text.
- **Chrome** anywhere (``返回頂部``, ``分享讓更多人看到``, copyright and
  disclaimer footers, print/close buttons) is dropped.
- Leading ``# key: value`` lines (``# source: URL``) are provenance headers;
  ``source``/``url`` becomes ``Metadata.url``.

Patterns are written in Simplified characters and matched against the
Simplified form of each line, so they serve both scripts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from pypinyin import Style, pinyin

from kg.model import CleanDocument, Metadata, RawDocument
from kg.read.chrome import (
    MIN_TITLE,
    is_chrome,
    is_heading,
    is_nav_bar,
    is_paragraph,
    publisher_in_first_paragraph,
    read_breadcrumb,
)
from kg.read.metadata import MetaLine, parse_date, read_metadata_line
from kg.read.normalise import HAN_RE, detect_script, to_simplified

# --- pinyin annotations ---------------------------------------------------------------------

#: A bracketed group of Latin letters (with tone marks), spaces or apostrophes.
_LATIN_GROUP = re.compile(r"[(（]([A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f' ]{1,60})[)）]")
#: An annotation covers at most this many preceding characters.
_MAX_ANNOTATED_CHARS = 8


@lru_cache(maxsize=16384)
def _readings(char: str) -> frozenset[str]:
    """Every tone-marked reading pypinyin knows for one character, NFC, lower case."""
    found = pinyin(char, style=Style.TONE, heteronym=True, errors="ignore")
    return frozenset(unicodedata.normalize("NFC", r).lower() for group in found for r in group)


def _spells(chars: str, letters: str) -> bool:
    """Whether ``letters`` is one reading of each of ``chars``, concatenated in order."""
    if not chars:
        return not letters
    return any(
        letters.startswith(reading) and _spells(chars[1:], letters[len(reading) :])
        for reading in _readings(chars[0])
    )


def is_reading_of(chars: str, annotation: str) -> bool:
    """Whether ``annotation`` reads the last one or more characters of ``chars``.

    ``annotation`` is either space-separated syllables, one per character, or
    the syllables written together (``xiàngmù``).

    >>> is_reading_of("松江區", "qū"), is_reading_of("積木", "Lego")
    (True, False)
    """
    annotation = unicodedata.normalize("NFC", annotation).lower().strip()
    syllables = [s for s in re.split(r"[\s']+", annotation) if s]
    if not syllables:
        return False
    if len(syllables) > 1:
        annotated = chars[-len(syllables) :]
        return len(annotated) == len(syllables) and all(
            syllable in _readings(char) for char, syllable in zip(annotated, syllables, strict=True)
        )
    return any(_spells(chars[-k:], syllables[0]) for k in range(1, len(chars) + 1))


def pinyin_annotation_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every bracketed pinyin group that reads the characters before it."""
    spans = []
    for match in _LATIN_GROUP.finditer(text):
        start = match.start()
        first = start
        while first > 0 and start - first < _MAX_ANNOTATED_CHARS and HAN_RE.match(text[first - 1]):
            first -= 1
        if first < start and is_reading_of(text[first:start], match.group(1)):
            spans.append((start, match.end()))
    return spans


def remove_pinyin_annotations(text: str) -> str:
    """``text`` without its pinyin annotations: ``松江區(qū)`` → ``松江區``."""
    kept, position = [], 0
    for start, end in pinyin_annotation_spans(text):
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    return "".join(kept)


# --- lines with their raw offsets -----------------------------------------------------------


@dataclass
class _Line:
    """One line of the raw text, reduced to the characters that survive cleaning."""

    offsets: list[int]
    #: Raw offset of the ``\n`` that ends the line; ``None`` for the last line.
    newline: int | None
    text: str = ""
    #: Simplified form of ``text``, which the patterns are matched against.
    simple: str = ""


def _split_lines(raw: str) -> list[_Line]:
    lines, start = [], 0
    while start <= len(raw):
        end = raw.find("\n", start)
        stop = len(raw) if end == -1 else end
        lines.append(_Line(list(range(start, stop)), None if end == -1 else end))
        if end == -1:
            break
        start = end + 1
    return lines


def _delete_spans(offsets: list[int], text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Drop the characters of ``text`` (whose raw offsets are ``offsets``) inside ``spans``."""
    if not spans:
        return offsets
    dropped = set()
    for start, end in spans:
        dropped.update(range(start, end))
    return [offset for index, offset in enumerate(offsets) if index not in dropped]


def _is_blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


def _strip(offsets: list[int], raw: str) -> list[int]:
    start, end = 0, len(offsets)
    while start < end and _is_blank(raw[offsets[start]]):
        start += 1
    while end > start and _is_blank(raw[offsets[end - 1]]):
        end -= 1
    return offsets[start:end]


_MARKDOWN_MARKUP = re.compile(
    r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)"  # heading, quote, list item
    r"|!\[[^\]]*\]\([^)]*\)"  # an image, dropped whole
    r"|(?<=\])\([^)\s]*\)|\[(?=[^\]]*\]\()"  # a link keeps its text: [text](url)
    r"|\*\*|__|`"
)


def _markdown_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _MARKDOWN_MARKUP.finditer(text)]
    # the "]" that closes a link's text
    spans += [(m.start(), m.start() + 1) for m in re.finditer(r"\](?=\([^)\s]*\))", text)]
    return spans


def _prepare(line: _Line, raw: str, markdown: bool) -> None:
    """Remove pinyin annotations (and markdown markup) and surrounding blanks from ``line``."""
    text = _chars_at(raw, line.offsets)
    if markdown:
        line.offsets = _delete_spans(line.offsets, text, _markdown_spans(text))
        text = _chars_at(raw, line.offsets)
    line.offsets = _delete_spans(line.offsets, text, pinyin_annotation_spans(text))
    line.offsets = _strip(line.offsets, raw)
    line.text = _chars_at(raw, line.offsets)
    line.simple = to_simplified(line.text)


def _chars_at(raw: str, offsets: list[int]) -> str:
    """The characters of ``raw`` at ``offsets`` (increasing): one slice when they are contiguous.

    They usually are (a line that lost nothing), and a slice costs a
    fraction of joining the characters one by one.
    """
    if offsets and offsets[-1] - offsets[0] + 1 == len(offsets):
        return raw[offsets[0] : offsets[-1] + 1]
    return "".join(raw[o] for o in offsets)


_PROVENANCE_HEADER = re.compile(r"#\s*([A-Za-z][\w-]*)\s*:\s*(.*?)\s*")


def _read_provenance_headers(lines: list[_Line], raw: str) -> tuple[dict[str, str], int]:
    """Leading ``# key: value`` lines → ({key: value}, index of the first other line)."""
    headers: dict[str, str] = {}
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 - the index is the result
        text = "".join(raw[o] for o in line.offsets).strip()
        if not text:
            continue
        match = _PROVENANCE_HEADER.fullmatch(text)
        if not match:
            break
        headers.setdefault(match.group(1).lower(), match.group(2))
    else:
        index = len(lines)
    return headers, index


# --- the whole document ---------------------------------------------------------------------


@dataclass
class _Found:
    """Metadata gathered while walking the lines (Simplified)."""

    title: str | None = None
    subtitle: str | None = None
    published: str | None = None
    publisher: str | None = None
    site_line: str | None = None
    channel: str | None = None
    source: str | None = None
    editors: list[str] = field(default_factory=list)

    def add(self, meta: MetaLine) -> None:
        self.published = self.published or meta.published
        self.source = self.source or meta.source
        self.editors += [e for e in meta.editors if e not in self.editors]


#: The header ends at the first paragraph; look no further than this many lines for it.
_MAX_HEADER_LINES = 30


@dataclass
class _Classified:
    """What a line is, decided once: chrome, metadata, breadcrumb, navigation or text."""

    line: _Line
    chrome: bool = False
    meta: MetaLine | None = None
    crumb: tuple[str | None, str | None] | None = None
    nav: bool = False

    @property
    def is_text(self) -> bool:
        return not (self.chrome or self.meta or self.crumb or self.nav)


def _classify(line: _Line) -> _Classified:
    simple = line.simple
    if is_chrome(simple):
        return _Classified(line, chrome=True)
    meta = read_metadata_line(simple)
    if meta is not None:
        return _Classified(line, meta=meta)
    return _Classified(line, crumb=read_breadcrumb(simple), nav=is_nav_bar(simple))


def _header_layout(items: list[_Classified]) -> tuple[int, int | None]:
    """(number of header items, index of the title among them or None).

    The header is everything before the first paragraph of text, when that
    paragraph comes within the first lines; otherwise there is no header. The
    title is the first heading-like text line in the header.
    """
    end = next(
        (
            index
            for index, item in enumerate(items[:_MAX_HEADER_LINES])
            if item.is_text and not item.crumb and not item.nav and is_paragraph(item.line.simple)
        ),
        0,
    )
    headings = (
        index
        for index in range(end)
        if items[index].is_text and is_heading(items[index].line.simple, MIN_TITLE)
    )
    return end, next(headings, None)


def _select_lines(lines: list[_Line], found: _Found) -> list[_Line]:
    """The lines that belong to the article; metadata is collected into ``found``."""
    items = [_classify(line) for line in lines if line.simple]
    header_end, title_index = _header_layout(items)
    kept: list[_Line] = []
    for index, item in enumerate(items):
        line, simple, in_header = item.line, item.line.simple, index < header_end
        if item.chrome:
            continue
        if item.meta is not None:
            found.add(item.meta)
            if item.meta.names_person:
                kept.append(line)
            continue
        if in_header and item.crumb is not None:
            found.publisher = found.publisher or item.crumb[0]
            found.channel = found.channel or item.crumb[1]
            continue
        if in_header and item.nav:
            continue
        if in_header and title_index is not None and index < title_index:
            # Above the title: site names and slogans. The first short one names the site.
            if found.site_line is None and len(simple) <= 12 and not re.search(r"\d", simple):
                found.site_line = simple
            continue
        if index == title_index:
            found.title = simple
        elif (
            in_header
            and title_index is not None
            and index == title_index + 1
            and is_heading(simple, 4)
        ):
            found.subtitle = simple
        elif index == header_end and found.publisher is None:
            found.publisher = publisher_in_first_paragraph(simple)
        kept.append(line)
    return kept


def clean_document(raw: RawDocument) -> CleanDocument:
    """Clean one document and read its metadata; see the module docstring for the rules."""
    lines = _split_lines(raw.text)
    headers, body_start = _read_provenance_headers(lines, raw.text)
    lines = lines[body_start:]
    for line in lines:
        _prepare(line, raw.text, markdown=raw.media_type == "markdown")
    found = _Found()
    kept = _select_lines(lines, found)

    offsets, simplified = _join_lines(kept, raw.text)
    text = _chars_at(raw.text, offsets)
    content_hash = hashlib.sha256(simplified.encode("utf-8")).hexdigest()

    metadata = Metadata(
        title=_simplified(raw.title) or found.title or _simplified(headers.get("title")),
        subtitle=found.subtitle,
        published=found.published or _normalise_date(raw.date or headers.get("date")),
        publisher=found.publisher or found.site_line,
        channel=found.channel,
        source=found.source,
        editors=tuple(found.editors),
        url=raw.url or headers.get("source") or headers.get("url"),
    )
    return CleanDocument(
        source=raw.source,
        doc_id=raw.doc_id or content_hash[:16],
        text=text,
        simplified=simplified,
        metadata=metadata,
        raw_offsets=tuple(offsets),
        script=detect_script(text, simplified),
        content_hash=content_hash,
        regions=raw.regions,
    )


def _join_lines(kept: list[_Line], raw: str) -> tuple[list[int], str]:
    """The kept lines joined: each character's offset in ``raw``, and the Simplified text.

    Lines are joined by their own line break. Each line was converted to
    Simplified when it was prepared, and conversion never crosses a line break
    (it works on runs of Han characters), so joining the converted lines gives
    ``to_simplified`` of the joined text without a second pass.
    """
    offsets: list[int] = []
    parts: list[str] = []
    for position, line in enumerate(kept):
        offsets += line.offsets
        parts.append(line.simple)
        if position + 1 < len(kept) and line.newline is not None:
            offsets.append(line.newline)
            parts.append(raw[line.newline])
    return offsets, "".join(parts)


def _simplified(value: str | None) -> str | None:
    value = (value or "").strip()
    return to_simplified(value) if value else None


_BEIJING = timezone(timedelta(hours=8))


def _normalise_date(value: str | None) -> str | None:
    """A date given as metadata, in the same ISO form as dates read from the text.

    A timestamp that carries its own offset is converted to Beijing time.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is not None:
        return moment.astimezone(_BEIJING).replace(microsecond=0).isoformat()
    found = parse_date(value)
    return found[0] if found else None
