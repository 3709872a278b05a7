"""Files and folders → decoded documents, one ``RawDocument`` or ``Failure`` at a time.

A batch run should never stop because of one bad input, so nothing raised while
reading a path escapes :func:`iter_documents`: a missing or unreadable file, a
binary file with a ``.txt`` name, bytes that are not text in any supported
encoding, or a malformed JSONL record each become a ``Failure`` whose one-line
message names the file and the problem, and the next input is read.

Decoding prefers strict UTF-8 and never guesses past damage: a UTF-8 file with a
few bad bytes is reported with the byte offset rather than decoded as GB18030
mojibake. Only text that is not UTF-8 at all goes to charset-normalizer, which
picks between GB18030 and Big5.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

import charset_normalizer

from kg.errors import InputError
from kg.model import Failure, RawDocument, Skipped

DEFAULT_MAX_BYTES = 20_000_000

#: File name endings kg reads, and how each is read.
MEDIA_TYPES: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".pdf": "pdf",
    ".docx": "docx",
}
#: Formats read from their bytes by a reader of their own, not decoded as text.
BINARY_MEDIA_TYPES = frozenset({"pdf", "docx"})
#: What to do with formats kg does not read that users often have.
_CONVERT_HINTS: dict[str, str] = {
    ".doc": "save it as .docx",
    ".wps": "save it as .docx",
    ".rtf": "save it as .docx",
    ".odt": "save it as .docx",
    ".xls": "export the text as .txt or .jsonl",
    ".xlsx": "export the text as .txt or .jsonl",
    ".csv": "export the text as .jsonl (one {\"text\": …} object per line)",
}

#: Signatures of common binary formats that end up with a text extension.
_BINARY_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"%PDF", b"\xff\xd8\xff",
    b"GIF87a", b"GIF89a", b"\x7fELF", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!",
)
#: Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Legacy encodings offered to charset-normalizer when the bytes are not UTF-8.
_LEGACY_ENCODINGS = ["gb18030", "big5", "cp950", "big5hkscs"]
#: Declared HTML charsets that GB18030 decodes correctly (it is their superset).
_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "euc-cn", "cp936"}
#: charset-normalizer's "chaos" above which a legacy decoding is not trusted.
_MAX_CHAOS = 0.2
_CHARSET_DECLARATION = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_INVISIBLE_OR_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]*")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def iter_documents(
    paths: Iterable[Path | str],
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_skip: Callable[[Skipped], None] | None = None,
) -> Iterator[RawDocument | Failure]:
    """Yield one ``RawDocument`` per input document and one ``Failure`` per problem.

    ``paths`` may name files and folders. Folders are walked recursively in name
    order, following symbolic links (a link back to a folder already visited is
    skipped), ignoring hidden entries. A file in a folder with an extension kg
    does not read is passed to ``on_skip``, so that it can be reported rather
    than ignored in silence. A file named explicitly must have one of
    ``MEDIA_TYPES``. Each file is read once even when several paths or links
    lead to it. ``max_bytes`` caps a file, and each JSONL line (a JSONL file
    itself is streamed).
    """
    seen_files: set[tuple[int, int]] = set()
    for path in paths:
        path = Path(path)
        try:
            info = path.stat()
        except OSError as error:
            yield Failure(str(path), _os_problem(error, path))
            continue
        if stat.S_ISDIR(info.st_mode):
            for item in _walk_folder(path):
                if isinstance(item, Failure):
                    yield item
                elif isinstance(item, Skipped):
                    if on_skip is not None:
                        on_skip(item)
                else:
                    yield from _read_once(item, max_bytes, seen_files)
        elif stat.S_ISREG(info.st_mode):
            if path.suffix.lower() not in MEDIA_TYPES:
                yield Failure(str(path), _unsupported_problem(path))
                continue
            yield from _read_once(path, max_bytes, seen_files)
        else:
            yield Failure(str(path), "not a regular file or folder")


def _unsupported_problem(path: Path) -> str:
    known = " ".join(MEDIA_TYPES)
    hint = _CONVERT_HINTS.get(path.suffix.lower())
    return (
        f"unsupported file type {path.suffix or '(no extension)'!r}; kg reads {known}"
        + (f" ({hint})" if hint else "")
    )


def unsupported_inputs(paths: Iterable[Path | str]) -> list[InputError]:
    """An error for each path named explicitly that is a file kg does not read.

    Why before anything runs: a file named on the command line that kg cannot
    read is a mistake in the command, best reported before a graph directory
    is created or a model is loaded.
    """
    errors = []
    for path in map(Path, paths):
        if path.is_file() and path.suffix.lower() not in MEDIA_TYPES:
            errors.append(InputError(str(path), _unsupported_problem(path)))
    return errors


def count_documents(paths: Iterable[Path | str]) -> int:
    """How many documents ``paths`` hold, cheaply: one per file, one per JSONL line.

    For a progress bar's total: it lists folders and counts JSONL lines (a
    read of the bytes, no decoding), and counts what cannot be read as one.
    """
    total = 0
    for path in map(Path, paths):
        files = (
            [p for p in _walk_folder(path) if isinstance(p, Path)] if path.is_dir() else [path]
        )
        for file in files:
            if file.suffix.lower() == ".jsonl":
                total += _count_lines(file)
            else:
                total += 1
    return total


def _count_lines(path: Path) -> int:
    try:
        count, last = 0, b"\n"
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                count += chunk.count(b"\n")
                last = chunk[-1:]
        return count + (last != b"\n")
    except OSError:
        return 1


def _os_problem(error: OSError, path: Path) -> str:
    """A one-line explanation of an ``OSError`` met while listing or opening ``path``."""
    if isinstance(error, FileNotFoundError):
        if path.is_symlink():
            return "broken symbolic link (its target does not exist)"
        return "no such file or folder"
    if isinstance(error, PermissionError):
        return "permission denied; check the file's permissions"
    if isinstance(error, IsADirectoryError):
        return "is a folder, expected a file"
    reason = error.strerror or str(error)
    return f"cannot read it: {reason}".replace("\n", " ")


def _walk_folder(root: Path) -> Iterator[Path | Failure | Skipped]:
    """Files under ``root``, in a deterministic order: a known extension, or Skipped.

    Depth-first with names sorted, so the same tree always yields the same
    sequence. Symbolic links are followed; a folder is entered at most once
    (identified by device and inode), which is what stops link loops.
    """
    visited: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            info = folder.stat()
            key = (info.st_dev, info.st_ino)
            if key in visited:
                continue
            visited.add(key)
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            yield Failure(str(folder), _os_problem(error, folder))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                subfolders.append(path)
            elif path.suffix.lower() in MEDIA_TYPES:
                yield path
            else:
                yield Skipped(str(path), path.suffix.lower() or "(no extension)")
        stack.extend(reversed(subfolders))


def _read_once(
    path: Path, max_bytes: int, seen_files: set[tuple[int, int]]
) -> Iterator[RawDocument | Failure]:
    """Read ``path`` unless the same file was already read through another path."""
    try:
        info = path.stat()
    except OSError:
        info = None  # _read_file reports the problem when it tries to open the file
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            # Opening a named pipe blocks until a writer appears; a device never ends.
            yield Failure(str(path), "not a regular file (a pipe, socket or device); skipped")
            return
        key = (info.st_dev, info.st_ino)
        if key in seen_files:
            return
        seen_files.add(key)
    yield from _read_file(path, max_bytes)


def _read_file(path: Path, max_bytes: int) -> Iterator[RawDocument | Failure]:
    source = str(path)
    media_type = MEDIA_TYPES[path.suffix.lower()]
    try:
        with open(path, "rb") as stream:
            if media_type == "jsonl":
                yield from _read_jsonl(stream, source, max_bytes)
                return
            size = os.fstat(stream.fileno()).st_size
            data = b"" if size > max_bytes else stream.read(max_bytes + 1)
    except FileNotFoundError:
        problem = (
            "broken symbolic link (its target does not exist)"
            if path.is_symlink()
            else "file disappeared before it could be read"
        )
        yield Failure(source, problem)
        return
    except OSError as error:
        yield Failure(source, _os_problem(error, path))
        return
    if size > max_bytes or len(data) > max_bytes:
        yield Failure(source, _too_large_problem(max(size, len(data)), max_bytes, "file"))
        return
    try:
        document = document_from_bytes(data, source, media_type)
    except InputError as error:
        yield Failure(error.source, error.problem)
    except Exception as error:  # noqa: BLE001 - one unexpected input must not stop the batch
        yield Failure(source, _unexpected_problem(error))
    else:
        yield document


def _unexpected_problem(error: BaseException) -> str:
    detail = " ".join(str(error).split())[:200]
    return f"could not be read ({type(error).__name__}: {detail}); please report this file"


def _too_large_problem(size: int, max_bytes: int, what: str, at_least: bool = False) -> str:
    return (
        f"{what} is {'at least ' if at_least else ''}{size:,} bytes, "
        f"over the {max_bytes:,}-byte limit; "
        "raise it with --max-bytes"
    )


def document_from_bytes(data: bytes, source: str, media_type: str) -> RawDocument:
    """Decode one whole file's bytes (``text``, ``markdown``, ``html``, ``pdf`` or ``docx``).

    Raises ``InputError`` for binary, undecodable or empty input.
    """
    if media_type in BINARY_MEDIA_TYPES:
        return _office_document(data, source, media_type)
    declared = _declared_charset(data) if media_type == "html" else None
    text, encoding = decode_bytes(data, source, declared)
    if media_type != "html":
        return RawDocument(
            source=source,
            text=_require_text(text, source),
            media_type=media_type,
            encoding=encoding,
        )
    article = extract_html(text)
    return RawDocument(
        source=source,
        text=_require_text(article.text, source, "no article text outside markup and scripts"),
        title=article.title,
        date=article.date,
        url=article.url,
        media_type="html",
        encoding=encoding,
    )


def _office_document(data: bytes, source: str, media_type: str) -> RawDocument:
    """A PDF (text layer, pages) or Word (paragraphs, tables) document."""
    if media_type == "pdf":
        from kg.read.pdf_text import read_pdf

        found = read_pdf(data, source)
    else:
        from kg.read.docx_text import read_docx

        found = read_docx(data, source)  # type: ignore[assignment]
    return RawDocument(
        source=source,
        text=_require_text(found.text, source),
        title=found.title,
        media_type=media_type,
        encoding="binary",
        regions=found.regions,
    )


def _require_text(text: str, source: str, detail: str = "") -> str:
    if _INVISIBLE_OR_SPACE.fullmatch(text):
        raise InputError(source, f"empty document ({detail})" if detail else "empty document")
    return text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` is a known binary format or contains NUL bytes (and has no BOM)."""
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return False
    return data.startswith(_BINARY_MAGIC) or b"\x00" in data


def decode_bytes(data: bytes, source: str, declared: str | None = None) -> tuple[str, str]:
    """Bytes → (text with ``\\n`` line ends, encoding name), or ``InputError``.

    Order: byte-order mark; strict UTF-8; the charset an HTML page declares;
    charset-normalizer restricted to GB18030 and Big5. Bytes that are mostly
    valid UTF-8 with a few bad ones are reported, not guessed at.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _normalise_newlines(data.decode(encoding)), encoding
            except UnicodeDecodeError as error:
                raise InputError(
                    source, f"invalid {encoding} at byte offset {error.start}; re-save it"
                ) from None
    if looks_binary(data):
        raise InputError(source, "binary file, not text")
    try:
        return _normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    if _mostly_utf8(data):
        bad = data[utf8_error.start : utf8_error.start + 1].hex()
        raise InputError(
            source,
            f"invalid UTF-8 at byte offset {utf8_error.start} (0x{bad}) in otherwise UTF-8 "
            "text; the file is damaged or mixes encodings, so fix or re-save it as UTF-8",
        )
    if declared:
        encoding = "gb18030" if declared.lower() in _GB_ALIASES else declared.lower()
        try:
            return _normalise_newlines(data.decode(encoding)), encoding
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong or unknown declaration: detect instead
    best = charset_normalizer.from_bytes(data, cp_isolation=_LEGACY_ENCODINGS).best()
    if best is None or best.chaos > _MAX_CHAOS:
        raise InputError(
            source,
            f"cannot tell the text encoding (not UTF-8, and not clean GB18030 or Big5; "
            f"first non-UTF-8 byte at offset {utf8_error.start}); re-save it as UTF-8",
        )
    return _normalise_newlines(str(best)), best.encoding


def _mostly_utf8(data: bytes) -> bool:
    """Whether most non-ASCII bytes form valid UTF-8 sequences.

    GB18030 and Big5 text yields only occasional accidental UTF-8 sequences;
    real UTF-8 with a damaged spot is nearly all valid.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    invalid = valid = 0
    for char in text:
        if "\udc80" <= char <= "\udcff":  # one undecodable byte
            invalid += 1
        elif char > "\x7f":
            valid += len(char.encode("utf-8"))
    return valid >= 4 * invalid


def _declared_charset(data: bytes) -> str | None:
    match = _CHARSET_DECLARATION.search(data[:4096])
    return match.group(1).decode("ascii", errors="replace") if match else None


# --- HTML -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HtmlArticle:
    """The main text of a page and the metadata found with it."""

    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None


def extract_html(html: str) -> HtmlArticle:
    """Main text, title, date and URL of a page, offline.

    trafilatura does the work. When it finds no text or fails (it builds an lxml
    tree, and pathological nesting can exhaust the parser or the recursion
    limit), a plain tag-stripping pass over the page is used instead: it needs
    no tree, so nesting depth does not matter.
    """
    import trafilatura

    text, title, date, url = "", None, None, None
    try:
        found = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception:  # noqa: BLE001 - any failure inside the extractor means: use the fallback
        found = None
    if found is not None:
        text = found.text or ""
        title, date, url = found.title, found.date, found.url
    if not text.strip():
        stripped = strip_tags(html)
        text = stripped.text
        title = title or stripped.title
        url = url or stripped.url
    return HtmlArticle(_normalise_newlines(text).strip(), title, date, url)


_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"
    }
)
_HIDDEN_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "head", "iframe", "object"
    }
)


class _TagStripper(HTMLParser):
    """Collects visible text line by line; no tree, so depth is irrelevant."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.url: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _HIDDEN_TAGS:
            self.hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "canonical" and values.get("href"):
            self.url = values["href"]
        if tag == "meta" and values.get("property") == "og:url" and values.get("content"):
            self.url = self.url or values["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _HIDDEN_TAGS:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif self.hidden_depth == 0:
            self.parts.append(data)


def strip_tags(html: str) -> HtmlArticle:
    """Visible text of ``html`` without script, style and head content, one block per line."""
    parser = _TagStripper()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    title = " ".join("".join(parser.title_parts).split()) or None
    return HtmlArticle("\n".join(line for line in lines if line), title, None, parser.url)


# --- JSONL ----------------------------------------------------------------------------------

_JSONL_FIELDS = ("id", "title", "date", "url")


def _read_jsonl(stream: BinaryIO, source: str, max_bytes: int) -> Iterator[RawDocument | Failure]:
    """One document per line, streamed; a bad line is reported and the rest still read."""
    head = stream.read(8192)
    if looks_binary(head):
        yield Failure(source, "binary file, not text")
        return
    stream.seek(0)
    line_number = 0
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        line_number += 1
        where = f"{source}:{line_number}"
        if len(line) > max_bytes and not line.endswith(b"\n"):
            _skip_rest_of_line(stream)
            yield Failure(where, _too_large_problem(len(line), max_bytes, "record", at_least=True))
            continue
        if line_number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        if not line.strip():
            continue
        try:
            yield parse_jsonl_record(line, where)
        except InputError as error:
            yield Failure(error.source, error.problem)


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while chunk := stream.readline(1 << 20):
        if chunk.endswith(b"\n"):
            return


def parse_jsonl_record(line: bytes, where: str) -> RawDocument:
    """One JSONL line → a document: ``text`` is required, ``id``/``title``/``date``/``url`` not."""
    try:
        record = json.loads(line.rstrip(b"\r\n").decode("utf-8"))
    except UnicodeDecodeError as error:
        raise InputError(where, f"invalid UTF-8 at byte {error.start} of the line") from None
    except json.JSONDecodeError as error:
        raise InputError(where, f"malformed JSON: {error.msg} at character {error.pos}") from None
    except RecursionError:
        raise InputError(where, "malformed JSON: nested too deeply") from None
    if not isinstance(record, dict):
        raise InputError(where, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise InputError(where, "missing the string field 'text'")
    fields = {}
    for name in _JSONL_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, (str, int)):
            raise InputError(where, f"field {name!r} must be a string")
        fields[name] = None if value is None else str(value)
    for name, value in (("text", text), *fields.items()):
        # JSON may escape half of a surrogate pair ("\\ud800"): not Unicode text.
        if value is not None and _LONE_SURROGATE.search(value):
            raise InputError(where, (
                f"field {name!r} holds a lone surrogate escape such as \\ud800, "
                "which is not Unicode text; fix the program that wrote the file"
            ))
    return RawDocument(
        source=where,
        text=_require_text(_normalise_newlines(text), where),
        doc_id=fields["id"],
        title=fields["title"],
        date=fields["date"],
        url=fields["url"],
        media_type="jsonl",
    )
