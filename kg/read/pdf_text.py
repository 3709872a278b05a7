"""PDF → the text its author wrote, paragraph by paragraph, with where each page begins.

Government notices and reports arrive as PDF. kg reads the text layer
(pdfminer.six's layout analysis groups a page's lines into paragraphs) and
repairs what PDF writers do to Chinese text, so that a PDF gives the same
graph as the same text saved as ``.txt``:

- **Radicals for characters.** A CJK font maps the Kangxi radical ``⽇``
  (U+2F47) and the ideograph ``日`` (U+65E5) to one glyph, and a PDF printed
  from a browser often writes the radical into the text layer. Kangxi
  radicals, CJK compatibility ideographs and the radicals of the CJK Radicals
  Supplement that stand for whole characters become the unified ideographs
  (:func:`unify_ideographs`).
- **Spaces around punctuation**, and the spaces layout analysis inserts
  where glyphs are spaced apart, are removed; a space the author typed, or
  one between Latin words, stays; a column gap becomes a tab (:func:`line_text`,
  :func:`remove_layout_spaces`).
- **Wrapped lines.** A paragraph's lines are joined without a break, with a
  space only between two Latin letters or digits; a paragraph that runs onto
  the next page is joined the same way (:func:`join_wrapped_lines`).
- **Page numbers** standing alone (``3``, ``- 3 -``, ``第 3 页``) are dropped.

A PDF without a text layer (a scan) is an error that says to OCR it first,
never an empty document.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kg.errors import InputError
from kg.model import Region

#: Radicals of the CJK Radicals Supplement that fonts draw as a whole character.
#: Kangxi radicals (U+2F00–U+2FD5) need no table: Unicode maps each to its
#: ideograph (NFKC), as it does the compatibility ideographs.
SUPPLEMENT_RADICALS: dict[str, str] = {
    "\u2e9f": "母", "\u2ea0": "民", "\u2ec4": "西", "\u2ec5": "见", "\u2ec6": "角",
    "\u2ec8": "讠", "\u2ec9": "贝", "\u2eca": "足", "\u2ecb": "车", "\u2ed0": "钅",
    "\u2ed3": "长", "\u2ed4": "门", "\u2ed7": "雨", "\u2ed8": "青", "\u2ed9": "韦",
    "\u2eda": "页", "\u2edb": "风", "\u2edc": "飞", "\u2edd": "食", "\u2ee0": "饣",
    "\u2ee2": "马", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee5": "鱼", "\u2ee6": "鸟",
    "\u2ee7": "卤", "\u2ee8": "麦", "\u2ee9": "黄", "\u2eec": "齐", "\u2eee": "齿",
    "\u2ef0": "龙", "\u2ef3": "龟", "\u2eb0": "纟",
}
_COMPATIBILITY = re.compile("[\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
_SUPPLEMENT = re.compile(f"[{''.join(SUPPLEMENT_RADICALS)}]")

#: Chinese punctuation and full-width forms: no space belongs next to them.
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014\u00b7"
_SPACE_BY_PUNCT = re.compile(f"[ \u00a0]+(?=[{_CJK_PUNCT}])|(?<=[{_CJK_PUNCT}])[ \u00a0]+")
_WORD_CHAR = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")
_PAGE_NUMBER = re.compile(r"[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页|/\s*\d{1,4})?[-—–\s]*")
#: Characters that end a paragraph; a page whose last line ends otherwise continues.
_PARAGRAPH_END = "。！？!?；;：:…”’」』）)】》"

NO_TEXT_LAYER = (
    "no text layer (a scanned PDF?); OCR it first, e.g. `ocrmypdf IN.pdf OUT.pdf`, "
    "and build the OCRed file"
)


def unify_ideographs(text: str) -> str:
    """Radicals and compatibility ideographs in ``text`` as the unified ideographs they draw.

    >>> unify_ideographs("2022年1⽉19⽇")
    '2022年1月19日'
    """
    text = _COMPATIBILITY.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    return _SUPPLEMENT.sub(lambda m: SUPPLEMENT_RADICALS[m.group(0)], text)


def remove_layout_spaces(line: str) -> str:
    """``line`` without spaces next to Chinese punctuation, which PDF writers put there.

    >>> remove_layout_spaces("签订合作协议 ， 共同成立 Open Data")
    '签订合作协议，共同成立 Open Data'
    """
    return _SPACE_BY_PUNCT.sub("", line)


def join_wrapped_lines(lines: list[str]) -> str:
    """The lines of one paragraph as the one line the author wrote.

    Lines are joined directly, as Chinese has no spaces between words; only
    between two Latin letters or digits is a space put back.

    >>> join_wrapped_lines(["某省某", "市人民政府", "with Open", "Data"])
    '某省某市人民政府with Open Data'
    """
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and _WORD_CHAR.match(out[-1]) and _WORD_CHAR.match(line[0]):
            out += " "
        out += line
    return out


def repair_line(line: str) -> str:
    """One line of a PDF text layer with radicals unified and layout spaces removed."""
    return remove_layout_spaces(unify_ideographs(line))


@dataclass(frozen=True)
class PdfText:
    """The text of a PDF, one paragraph a line, with the page each stretch comes from."""

    text: str
    regions: tuple[Region, ...]
    title: str | None = None


def line_text(line: Iterable[object]) -> str:
    """One laid-out line of a page as text, with only the spaces its author typed.

    pdfminer marks the spaces it inserts for a gap between two glyphs
    (``LTAnno``); a PDF's own space glyphs are characters (``LTChar``). An
    inserted space stays between two Latin words (PDFs often place words
    without a space glyph), becomes a tab for a gap of a character's width or
    more (table columns), and is dropped elsewhere: next to Han characters it
    comes from justified text, not from the author.
    """
    from pdfminer.layout import LTChar

    items = list(line)
    out: list[str] = []
    for position, item in enumerate(items):
        text = item.get_text()
        if isinstance(item, LTChar):
            out.append(text)
            continue
        if text != " ":
            continue  # the line's own end
        before = next((i for i in reversed(items[:position]) if isinstance(i, LTChar)), None)
        after = next((i for i in items[position + 1 :] if isinstance(i, LTChar)), None)
        if before is None or after is None:
            continue
        if after.x0 - before.x1 >= 0.8 * max(before.size, after.size):
            out.append("\t")
        elif _WORD_CHAR.match(before.get_text()) and _WORD_CHAR.match(after.get_text()):
            out.append(" ")
    return repair_line("".join(out))


@dataclass(frozen=True)
class PageText:
    """One page's paragraphs, and whether its last line runs to the right edge of the text."""

    paragraphs: list[str]
    ends_full_line: bool


def page_texts(data: bytes, source: str) -> Iterator[PageText]:
    """Each page's paragraphs (repaired, joined, page numbers dropped), in reading order."""
    from pdfminer.layout import LTTextBox

    for page in _pages(data, source):
        paragraphs: list[str] = []
        last_line_end, right_edge = 0.0, 0.0
        for element in page:
            if not isinstance(element, LTTextBox):
                continue
            lines = list(element)
            paragraph = join_wrapped_lines([line_text(line) for line in lines])
            if paragraph and not _PAGE_NUMBER.fullmatch(paragraph):
                paragraphs.append(paragraph)
                right_edge = max([right_edge, *(line.x1 for line in lines)])
                last_line_end = lines[-1].x1
        # a line ending within a character or two of the edge was wrapped, not ended
        yield PageText(paragraphs, bool(paragraphs) and last_line_end >= right_edge - 24)


def _pages(data: bytes, source: str) -> Iterator[object]:
    """pdfminer's laid-out pages; InputError for a damaged or encrypted file."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        yield from extract_pages(io.BytesIO(data), laparams=LAParams())
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise InputError(
            source, "the PDF is encrypted; remove its password (e.g. `qpdf --decrypt`) first"
        ) from None
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise InputError(
            source, f"damaged PDF ({type(exc).__name__}: {detail}); re-save or re-export it"
        ) from None


def read_pdf(data: bytes, source: str) -> PdfText:
    """The text layer of a PDF file's bytes; InputError when there is none or it is unreadable."""
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise InputError(source, "not a PDF file (it does not start with %PDF)")
    parts: list[str] = []
    regions: list[Region] = []
    length = 0
    runs_on = False
    for number, page in enumerate(page_texts(data, source), start=1):
        for index, paragraph in enumerate(page.paragraphs):
            # a paragraph cut by the page break goes on, unbroken, on the next page
            continues = index == 0 and runs_on and parts[-1][-1] not in _PARAGRAPH_END
            if parts and not continues:
                parts.append("\n")
                length += 1
            if index == 0:
                regions.append(Region("page", number, length))
            parts.append(paragraph)
            length += len(paragraph)
        if page.paragraphs:
            runs_on = page.ends_full_line
    text = "".join(parts)
    if not text.strip():
        raise InputError(source, NO_TEXT_LAYER)
    return PdfText(text=text, regions=tuple(regions), title=_title(data))


def _title(data: bytes) -> str | None:
    """The document's /Title, unless it is a file name or an address (what printers put there)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    try:
        info = PDFDocument(PDFParser(io.BytesIO(data))).info
        raw = info[0].get("Title") if info else None
    except Exception:  # noqa: BLE001 - a title is a nicety; the text was read
        return None
    if isinstance(raw, bytes):
        if raw.startswith(b"\xfe\xff"):
            title = raw[2:].decode("utf-16-be", "replace")
        else:
            title = raw.decode("utf-8", "replace")
    elif isinstance(raw, str):
        title = raw
    else:
        return None
    title = repair_line(" ".join(title.split()))
    if not title or "://" in title or re.search(r"\.(pdf|docx?|html?|txt)$", title, re.I):
        return None
    return title
