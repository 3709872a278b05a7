"""The graph directory as a place that can fail: creating it, and naming what went wrong.

A full disk, a Ctrl-C, a damaged store or a folder kg may not write become
one ``KgError`` each, saying how many documents are safely stored and what
to do next.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from kg.base.fsutil import is_corruption, is_disk_full
from kg.errors import BuildInterrupted, DiskFullError, StoreDamagedError, StoreError
from kg.store.graphstore import GraphStore, damaged_store_error
from kg.store.ledger import BuildReport
from kg.store.merge import is_document_graph


@contextmanager
def suppress_when_failing() -> Iterator[None]:
    """Run a clean-up step; if it fails while another error is on its way, keep that one.

    Why: on a full disk the source index cannot commit either, and its error
    would hide the first one, which says what happened.
    """
    failing = sys.exc_info()[1] is not None
    try:
        yield
    except Exception:
        if not failing:
            raise


def disk_full_error(out_dir: Path, stored: int) -> DiskFullError:
    """What a user needs to hear when the disk fills up: what, how far it got, what to do."""
    return DiskFullError(
        f"the disk holding {out_dir} is full: {stored} document"
        f"{'s' if stored != 1 else ''} stored in this run, each complete, nothing "
        "stored before was lost; free space and re-run the same command to continue"
    )


def stored_document_count(store: GraphStore) -> int:
    """How many document graphs the store holds (0 if it cannot even be read now)."""
    try:
        return sum(1 for g in store.pyoxigraph_store.named_graphs()
                   if isinstance(g, ox.NamedNode) and is_document_graph(g.value))
    except (OSError, RuntimeError):
        return 0


def make_output_dir(out_dir: Path) -> None:
    """Create the graph directory, or say in one line why it cannot be used."""
    if out_dir.exists() and not out_dir.is_dir():
        raise StoreError(f"{out_dir} is a file, not a graph directory; choose another -o DIR")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the graph directory {out_dir}: {exc.strerror}") from exc


@contextmanager
def stored_count_on_failure(
    out_dir: Path, store: GraphStore, report: BuildReport
) -> Iterator[None]:
    """Turn a Ctrl-C or a full disk during a run into an error that counts what is stored.

    The count is the store's documents now less those it held when the run
    began, or the report's count if that is larger.
    """
    before = stored_document_count(store)
    try:
        yield
    except KeyboardInterrupt:
        stored = stored_document_count(store) - before
        raise BuildInterrupted(str(out_dir), max(stored, report.built)) from None
    except (OSError, RuntimeError, sqlite3.Error, StoreError) as exc:
        if is_disk_full(exc):
            stored = stored_document_count(store) - before
            raise disk_full_error(out_dir, max(stored, report.built)) from exc
        raise


@contextmanager
def graph_dir_errors(out_dir: Path, report: BuildReport) -> Iterator[None]:
    """Name what went wrong with the graph directory as a whole, and what to do about it.

    A full disk, a damaged store and a folder kg may not write each become
    their own ``KgError``; errors already of that family pass unchanged.
    """
    try:
        yield
    except (BuildInterrupted, StoreDamagedError, DiskFullError):
        raise
    except (OSError, RuntimeError, sqlite3.Error, StoreError) as exc:
        if is_disk_full(exc):
            raise disk_full_error(out_dir, report.built) from exc
        if is_corruption(exc):
            raise damaged_store_error(out_dir, exc) from exc
        if isinstance(exc, StoreError):
            raise
        if isinstance(exc, PermissionError | IsADirectoryError | NotADirectoryError):
            raise StoreError(f"cannot write in {out_dir}: {exc.strerror}: "
                             f"{exc.filename or out_dir}; choose another -o DIR or fix its "
                             "permissions") from exc
        raise
