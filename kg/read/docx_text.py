"""Word (.docx) → the document's text, one paragraph a line, tables included, in order.

Reports and notices arrive as Word files. python-docx reads the body in the
order a reader sees it: each paragraph is one line, and each table row one
line whose cells are separated by tabs (a cell merged across columns is read
once). Empty paragraphs are left out. Each line is a region
(:class:`~kg.model.Region`) numbered as the paragraphs that hold text are
counted, a table row counting as one, so a statement's provenance can say
"paragraph 12" next to its character offsets.

The old binary ``.doc`` format is not read: save it as ``.docx`` first.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from kg.errors import InputError
from kg.model import Region


@dataclass(frozen=True)
class DocxText:
    """The text of a Word document, with where each paragraph begins."""

    text: str
    regions: tuple[Region, ...]
    title: str | None = None


def _blocks(document: object) -> Iterator[str]:
    """The body's paragraphs and table rows as lines of text, in document order."""
    from docx.table import Table

    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            yield from _table_rows(block)
        else:
            yield block.text


def _table_rows(table: object) -> Iterator[str]:
    for row in table.rows:  # type: ignore[attr-defined]
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once per column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        yield "\t".join(cells)


def read_docx(data: bytes, source: str) -> DocxText:
    """The text of a .docx file's bytes; InputError when it is not one or holds no text."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(io.BytesIO(data)):
        problem = "not a .docx file (Word 2007 or later)"
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            problem += ": it is an old binary .doc or an encrypted file; save it as .docx"
        raise InputError(source, problem)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = [line.strip() for line in _blocks(document)]
        title = (document.core_properties.title or "").strip() or None
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise InputError(source, f"damaged .docx ({detail}); re-save it from Word") from None
    parts: list[str] = []
    regions: list[Region] = []
    offset = 0
    for line in lines:
        if not line.replace("\t", ""):
            continue
        regions.append(Region("paragraph", len(regions) + 1, offset))
        parts.append(line)
        offset += len(line) + 1
    if not parts:
        raise InputError(source, "empty document (the Word file holds no text)")
    return DocxText(text="\n".join(parts), regions=tuple(regions), title=title)
