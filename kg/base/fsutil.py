"""Writing output files so that a reader never sees half of one.

A build can be killed at any moment (Ctrl-C, SIGKILL, a full disk). Every file
kg writes for users (``graph.ttl``, ``graph.trig``, the HTML network, exports)
goes through :func:`atomic_writer` (or :func:`atomic_write_text` for text held
in memory): the content is written to a temporary
file in the same folder, flushed to disk, and moved over the target with
``os.replace``, which is atomic on POSIX and Windows when both paths are on the
same file system. The old file stays intact until the new one is complete.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_writer(path: Path | str) -> Iterator[BinaryIO]:
    """A binary file handle whose content replaces ``path`` in one step when the block ends.

    For outputs too large to hold in memory. The parent folder is created when
    missing. If the block raises, the temporary file is removed and the
    previous content of ``path`` is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file readable by its owner only; keep the mode of the
    # file being replaced, or use the usual rw-r--r-- for a new one.
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp_name, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Replace ``path`` with ``data`` in one step; return the path written."""
    with atomic_writer(path) as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``text`` in one step; see :func:`atomic_write_bytes`.

    Newlines are written as given (no platform translation), so the same text
    gives the same bytes everywhere.
    """
    return atomic_write_bytes(path, text.encode(encoding))


#: errno values that mean "no room to write": a full disk, a quota, a file-size limit.
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
#: How storage engines word the same when they do not pass an errno on.
_NO_ROOM_WORDS = ("no space left", "disk is full", "quota exceeded", "file too large")


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says there was no room to write.

    Why by message too: RocksDB (inside Oxigraph) and SQLite report a full
    disk as text in a generic error, not as an ``OSError`` with its errno.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _NO_ROOM:
            return True
        if any(words in str(current).lower() for words in _NO_ROOM_WORDS):
            return True
        current = current.__cause__ or current.__context__
    return False


def is_corruption(exc: BaseException) -> bool:
    """Whether ``exc`` is RocksDB reporting damaged files (a checksum mismatch, a bad block)."""
    text = str(exc).lower()
    return any(words in text for words in (
        "corruption", "checksum mismatch", "bad magic number", "bad table magic", "truncated block",
    ))
