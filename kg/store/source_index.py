"""The source index: which document each input became, kept in ``DIR/.sources.sqlite``.

It lets a re-run skip an unchanged input without cleaning it. It is only a
cache, checked against the store, so losing it costs time and never
correctness.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.model import RawDocument
from kg.store.graphdir import suppress_when_failing

#: Remembers which document each input became (see SourceIndex).
SOURCE_INDEX_FILENAME = ".sources.sqlite"


def input_digest(raw: RawDocument) -> str:
    """A digest of everything the build reads from one input: where, its text and metadata."""
    fields = [raw.source, raw.text, raw.doc_id, raw.title, raw.date, raw.url, raw.media_type]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


class SourceIndex:
    """Which document each input became, so that an unchanged input is not even cleaned.

    Why: deciding that a document is unchanged from its content hash needs the
    cleaned text, and cleaning is most of the cost of re-running on an
    unchanged corpus. The index maps :func:`input_digest` to the document IRI
    and content hash it gave. It is only a cache: an entry counts only while
    the store holds that IRI with that hash, so an index that is stale,
    missing or unreadable costs time, never correctness. It is an SQLite file
    (``DIR/.sources.sqlite``) so that it stays on disk, whatever the corpus size.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)  # not a database: start a new cache
            self._db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path)
        db.execute(
            "CREATE TABLE IF NOT EXISTS inputs "
            "(digest TEXT PRIMARY KEY, doc_iri TEXT NOT NULL, content_hash TEXT NOT NULL)"
        )
        return db

    def lookup(self, digest: str) -> tuple[str, str] | None:
        row = self._db.execute(
            "SELECT doc_iri, content_hash FROM inputs WHERE digest = ?", (digest,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def remember(self, digest: str, doc_iri: str, content_hash: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO inputs VALUES (?, ?, ?)", (digest, doc_iri, content_hash)
        )

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.commit()
        self._db.close()


@contextmanager
def open_source_index(path: Path) -> Iterator[SourceIndex]:
    """The source index at ``path``, committed and closed however the run ends.

    If closing fails while another error is on its way (a full disk fails
    both), the first error is the one raised.
    """
    index = SourceIndex(path)
    try:
        yield index
    finally:
        with suppress_when_failing():
            index.close()
