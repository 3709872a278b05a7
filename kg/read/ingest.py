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
from pathlib import Path
from typing import BinaryIO

from kg.errors import InputError
from kg.model import Failure, RawDocument, Skipped
from kg.read.decode import declared_charset, decode_bytes, looks_binary, normalise_newlines
from kg.read.html_text import extract_html

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
    declared = declared_charset(data) if media_type == "html" else None
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
        text=_require_text(normalise_newlines(text), where),
        doc_id=fields["id"],
        title=fields["title"],
        date=fields["date"],
        url=fields["url"],
        media_type="jsonl",
    )
