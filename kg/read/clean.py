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
from kg.read.normalise import HAN_CHAR, detect_script, to_simplified

# --- pinyin annotations ---------------------------------------------------------------------

#: A bracketed group of Latin letters (with tone marks), spaces or apostrophes.
_LATIN_GROUP = re.compile(r"[(（]([A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f' ]{1,60})[)）]")
_IS_HAN = re.compile(f"[{HAN_CHAR}]")
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
        while first > 0 and start - first < _MAX_ANNOTATED_CHARS and _IS_HAN.match(text[first - 1]):
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
class _MetaLine:
    published: str | None = None
    source: str | None = None
    editors: list[str] = field(default_factory=list)
    #: The line names a person (author, reporter), so it stays in the text.
    names_person: bool = False


#: Metadata lines are short; longer ones are not examined.
_MAX_META_LINE = 200


def read_metadata_line(simple: str) -> _MetaLine | None:
    """Fields of a line that holds only metadata (date, labelled fields, URLs), else None."""
    if len(simple) > _MAX_META_LINE:
        return None
    meta = _MetaLine()
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
    return index > 0 and _IS_HAN.match(text[index - 1]) is not None


# --- page chrome ----------------------------------------------------------------------------

#: Lines made only of these words are buttons, menus and widgets.
_CHROME_WORDS = frozenset(
    {
        "打印", "打印本页", "打印此文", "打印文章", "关闭", "关闭窗口", "关闭本页", "收藏",
        "加入收藏", "收藏本页", "分享", "分享到", "一键分享", "推荐", "纠错", "我要纠错", "评论",
        "发表评论", "我要评论", "查看评论", "返回", "返回顶部", "回到顶部", "顶部", "返回首页",
        "返回列表", "返回目录", "上一篇", "下一篇", "上一页", "下一页", "首页", "小字号",
        "中字号", "大字号", "字号", "字体", "大", "中", "小", "默认", "扫一扫", "微信", "微博",
        "新浪微博", "腾讯微博", "qq空间", "qq", "复制链接", "点赞", "分享让更多人看到",
        "我们一直在努力", "登录", "注册", "设为首页", "网站地图", "联系我们", "关于我们",
        "手机版", "移动版", "电脑版", "繁体", "简体", "更多", "查看更多", "阅读全文", "展开全文",
        "全文阅读", "点击查看", "二维码", "分享至", "微信扫一扫", "用微信扫码二维码",
    }
)
_CHROME_SPLIT = re.compile(r"[\s|｜/·•【】\[\]()（）「」:：>»]+")
#: Footers that may run long (copyright, disclaimers, licence numbers).
_FOOTER_START = re.compile(
    r"(?:版权所有|copyright|©|\(c\)|免责声明|本站声明|声明[:：]|本网站所刊登|本网所刊登|"
    r"转载请注明|未经授权|未经许可)",
    re.I,
)
#: Footer markers that may sit anywhere in a line, trusted only in short lines: a
#: paragraph may well mention copyright or an ICP licence.
_FOOTER_ANYWHERE = re.compile(
    r"版权所有|all rights reserved|icp[备证]|公网安备|违法和不良信息举报", re.I
)
_FOOTER_LINE = 80
#: Short lines that introduce widgets and link lists.
_SHORT_CHROME = re.compile(
    r"^(?:相关新闻|相关阅读|相关推荐|相关链接|延伸阅读|热点推荐|编辑推荐|推荐阅读|热门推荐|"
    r"猜你喜欢|扫一扫|扫描二维码|分享到|上一篇|下一篇|网友评论|我要评论|关注我们|欢迎访问|"
    r"欢迎来到|欢迎光临|【?打印】?|【?关闭】?)"
)
_SHORT = 30


def is_chrome(simple: str) -> bool:
    """Whether a (Simplified, stripped) line is page furniture rather than article text."""
    words = [w for w in _CHROME_SPLIT.split(simple.lower()) if w]
    if words and all(word in _CHROME_WORDS for word in words):
        return True
    if _FOOTER_START.match(simple):
        return True
    if len(simple) <= _FOOTER_LINE and _FOOTER_ANYWHERE.search(simple):
        return True
    return len(simple) <= _SHORT and _SHORT_CHROME.match(simple) is not None


_CRUMB_SEPARATOR = re.compile(r"\s*(?:>>|＞＞|»|›|>|＞|→)\s*")
_CRUMB_PREFIX = re.compile(
    r"^(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|所在位置|位置)\s*[:：]?\s*"
)
_GENERIC_CRUMBS = frozenset(
    {"首页", "主页", "网站首页", "本站首页", "返回首页", "home", "正文", "内容", "详情", "正文内容",
     "文章", "阅读", "浏览文章", "新闻详情"}
)
_SENTENCE_PUNCTUATION = re.compile(r"[。，,;；!！?？]")
_MAX_CRUMB = 16


def read_breadcrumb(simple: str) -> tuple[str | None, str | None] | None:
    """``人民网>>上海频道`` → (head, tail) with generic steps (首页, 正文) skipped, else None."""
    if not _CRUMB_SEPARATOR.search(simple):
        return None
    steps = [s.strip() for s in _CRUMB_SEPARATOR.split(_CRUMB_PREFIX.sub("", simple))]
    steps = [s for s in steps if s]
    if not steps or any(
        len(s) > _MAX_CRUMB or _SENTENCE_PUNCTUATION.search(s) for s in steps
    ):
        return None
    named = [s for s in steps if s.lower() not in _GENERIC_CRUMBS]
    head = steps[0] if steps[0].lower() not in _GENERIC_CRUMBS else None
    tail = named[-1] if named and (len(named) > 1 or head is None) else None
    return head, tail


def is_nav_bar(simple: str) -> bool:
    """A row of three or more short menu items: ``国内新闻 社会新闻 财经新闻``."""
    items = [w for w in re.split(r"[\s|｜]+", simple) if w]
    return len(items) >= 3 and all(
        len(w) <= 6 and _IS_HAN.match(w) and not _SENTENCE_PUNCTUATION.search(w) for w in items
    )


def is_paragraph(simple: str) -> bool:
    """Whether a line reads as running text rather than a heading or a label."""
    return "。" in simple or simple[-1] in "。！？!?…；;，,：:—" or len(simple) >= 60


_MIN_TITLE = 8
_MAX_TITLE = 80


def _is_heading(simple: str, minimum: int) -> bool:
    return (
        minimum <= len(simple) <= _MAX_TITLE
        and not is_paragraph(simple)
        and simple[0] not in "(（[【"
        and len(_IS_HAN.findall(simple)) >= minimum // 2
    )


_RUN_IN_SITE = re.compile(rf"^([{HAN_CHAR}]{{2,8}}?(?:网|报|台|新闻|日报|在线))[ \u3000]+\S")
_DATELINE = re.compile(
    rf"^([{HAN_CHAR}]{{1,6}}?(?:通讯社|社|网|台|报))[{HAN_CHAR}]{{0,6}}?"
    r"\d{1,2}月\d{1,2}日\s*(?:电|讯)"
)
_GENERIC_PUBLISHERS = frozenset({"本报", "本网", "本台", "本社"})


def publisher_in_first_paragraph(simple: str) -> str | None:
    """A news agency dateline (``新华网上海12月28日电``) or a site name run into the text."""
    for pattern in (_DATELINE, _RUN_IN_SITE):
        match = pattern.match(simple)
        if match and match.group(1) not in _GENERIC_PUBLISHERS:
            return match.group(1)
    return None


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

    def add(self, meta: _MetaLine) -> None:
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
    meta: _MetaLine | None = None
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
        if items[index].is_text and _is_heading(items[index].line.simple, _MIN_TITLE)
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
            and _is_heading(simple, 4)
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
