"""What one run did: the report a build returns, and the ledger of sources it read.

Why together: both are filled as documents settle, on the build's own
thread and in input order, and both are read once the run is over (the
summary line, removal of superseded versions, the source index).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kg.model import Failure, Skipped

Progress = Callable[[int, int | None], None]


@dataclass
class BuildReport:
    """What a build did, for the summary line, benchmarks and tests."""

    built: int = 0
    skipped: int = 0
    #: Old versions removed because their source file now holds another text.
    superseded: int = 0
    failures: list[Failure] = field(default_factory=list)
    #: Files in the input folders that kg does not read (``.doc``, ``.xlsx``, images).
    skipped_files: list[Skipped] = field(default_factory=list)
    entities_by_class: Counter[str] = field(default_factory=Counter)
    relations_by_property: Counter[str] = field(default_factory=Counter)
    outputs: dict[str, Path] = field(default_factory=dict)
    #: Whether the merges graph changed, and whether the exports were rewritten.
    merges_changed: bool = False
    exported: bool = False
    #: Wall-clock seconds per phase: clean, store, endpoint, merges, export, html, total.
    seconds: Counter[str] = field(default_factory=Counter)
    #: The store's triple count when graph.html was left to ``kg viz`` (0: it was not).
    html_deferred: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class RunLedger:
    """Which document each source held in this run (built or unchanged, not failed).

    A stored document whose source file was read in this run but now holds a
    different text is an old version: :func:`remove_superseded` removes it.
    ``pending_keys`` holds the input digest of each document sent to
    extraction, for the source index once it is stored.
    """

    documents_by_source: dict[str, set[str]] = field(default_factory=dict)
    pending_keys: dict[str, str] = field(default_factory=dict)

    def record(self, source: str, doc_iri: str) -> None:
        self.documents_by_source.setdefault(os.path.normpath(source), set()).add(doc_iri)


def skipped_summary(skipped: list) -> str:
    """One line for the files of the input folders that kg does not read."""
    from kg.read.ingest import MEDIA_TYPES

    kinds = Counter(item.suffix for item in skipped)
    counts = ", ".join(f"{n} {suffix}" for suffix, n in sorted(kinds.items()))
    examples = ", ".join(item.source for item in skipped[:3])
    more = ", …" if len(skipped) > 3 else ""
    return (
        f"skipped: {len(skipped)} file{'s' if len(skipped) != 1 else ''} kg does not read "
        f"({counts}), e.g. {examples}{more}; kg reads {' '.join(MEDIA_TYPES)}"
    )


def progress_line(done: int, total: int | None, elapsed: float) -> str:
    """``progress: 120/1000 documents (12%), 8.1 docs/s, eta 1m49s``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    if total:
        left = (total - done) / rate if rate > 0 else None
        eta = "?" if left is None else duration_text(left)
        return (f"progress: {done}/{total} documents ({100 * done // total}%), "
                f"{rate:.1f} docs/s, eta {eta}")
    return f"progress: {done} documents, {rate:.1f} docs/s"


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"
