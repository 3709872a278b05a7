"""Build a graph directory from documents: the orchestrator behind ``kg build``.

Each document goes read → clean → extract → graph → store, and the run ends
with the exports. This module only says in which order; each step lives in
the package of its stage: reading in :mod:`kg.read`, what still needs work in
:mod:`kg.store.pending`, where extraction runs in :mod:`kg.graph.runners`,
the background store writer in :mod:`kg.store.writer`, the exports in
:mod:`kg.explore.export`. docs/architecture.md walks through the flow.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from kg.explore.export import HTML_TRIPLE_LIMIT, finish_outputs
from kg.graph.fingerprint import extractor_fingerprint
from kg.graph.runners import run_dask, run_local
from kg.read.ingest import count_documents, iter_documents, unsupported_inputs
from kg.store.graphdir import graph_dir_errors, make_output_dir, stored_count_on_failure
from kg.store.graphstore import GraphStore
from kg.store.ledger import BuildReport, Progress, RunLedger
from kg.store.pending import pending_documents
from kg.store.removal import remove_superseded
from kg.store.source_index import SOURCE_INDEX_FILENAME, open_source_index
from kg.store.trig import TrigBlocks
from kg.store.writer import write_results

#: Inputs larger than this are refused (a failure of the batch), not read.
DEFAULT_MAX_BYTES = 20_000_000

__all__ = ["DEFAULT_MAX_BYTES", "HTML_TRIPLE_LIMIT", "BuildReport", "build"]


def build(
    inputs: Iterable[Path],
    out_dir: Path,
    *,
    workers: int = 1,
    dask_address: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    write_html: bool = True,
    endpoint: str | None = None,
    progress: Progress | None = None,
    html_limit: int | None = HTML_TRIPLE_LIMIT,
) -> BuildReport:
    """Add the documents under ``inputs`` to the graph directory ``out_dir``.

    ``progress(done, total)`` is called after each input is settled (stored,
    unchanged or failed); ``total`` is counted first (:func:`count_documents`).
    When every input is a file kg does not read, the build stops before
    anything is created (InputError); among other inputs, such a file is one
    failure of the batch. Extraction runs here, in ``workers`` processes or on
    the Dask cluster at ``dask_address``; with ``endpoint`` every stored graph
    is also PUT there. Above ``html_limit`` triples (None: no limit)
    graph.html says how to write the viewer with ``kg viz``.
    """
    started = time.perf_counter()
    report, out_dir, inputs = BuildReport(), Path(out_dir), list(inputs)
    unreadable = unsupported_inputs(inputs)
    if unreadable and len(unreadable) == len(inputs):
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        raise unreadable[0].__class__(unreadable[0].source, unreadable[0].problem + more)
    total = count_documents(inputs) if progress else None
    settled = 0

    def tick() -> None:
        nonlocal settled
        settled += 1
        if progress:
            progress(settled if total is None else min(settled, total), total)

    make_output_dir(out_dir)
    ledger = RunLedger()
    with (
        graph_dir_errors(out_dir, report),
        GraphStore.open(out_dir, create=True) as store,
        closing(TrigBlocks(out_dir)) as blocks,
        stored_count_on_failure(out_dir, store, report),
    ):
        with open_source_index(out_dir / SOURCE_INDEX_FILENAME) as index:
            raws = iter_documents(inputs, max_bytes=max_bytes, on_skip=report.skipped_files.append)
            extractor = extractor_fingerprint()
            pending = pending_documents(raws, store, report, ledger, index, extractor, tick)
            results = (run_dask(pending, dask_address) if dask_address
                       else run_local(pending, workers))
            write_results(store, blocks, results, index=index, ledger=ledger, report=report,
                          endpoint=endpoint, extractor=extractor, tick=tick)
        report.superseded = len(remove_superseded(store, ledger, endpoint))
        finish_outputs(store, out_dir, report, changed=bool(report.built or report.superseded),
                       write_html=write_html, endpoint=endpoint, blocks=blocks,
                       html_limit=html_limit)
    # a file named on the command line and found again in a folder is reported once, as failed
    named = {os.path.normpath(e.source) for e in unreadable}
    report.skipped_files = [s for s in report.skipped_files
                            if os.path.normpath(s.source) not in named]
    report.seconds["total"] = time.perf_counter() - started
    return report
