"""The store writer: document graphs written in a background thread, accounted in input order.

Each document is one store transaction; the bookkeeping (source index,
ledger, report, the endpoint PUT) happens on the caller's thread after the
write succeeded, so a build killed at any point is taken up by the next run.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Literal, URIRef

from kg.base.vocab import KG
from kg.errors import DiskFullError, StoreDamagedError, StoreError
from kg.graph.processed import ProcessedDocument
from kg.graph.runners import BATCH_SIZE
from kg.graph.terms import Triple, ntriples_line
from kg.model import Failure
from kg.store.graphstore import GraphStore
from kg.store.ledger import BuildReport, RunLedger
from kg.store.source_index import SourceIndex
from kg.store.trig import TrigBlocks, named_graph_block

#: Documents written between two flushes of the store's write buffers.
FLUSH_EVERY = 64


#: Document writes that may still be pending while the next documents are extracted:
#: two batches, so that a whole batch is handed over while the next one is
#: extracted (with two, the extraction waited for 14 writes of every batch of
#: 16, 4 s per 1,000 documents).
WRITES_IN_FLIGHT = 2 * BATCH_SIZE


#: ... and no more N-Triples lines than this in them (a news article has ~400),
#: so that long documents do not pile up in memory while they wait.
LINES_IN_FLIGHT = 200_000


@dataclass
class Written:
    """A document after its store write: a :class:`Failure` if it failed before or during it."""

    result: ProcessedDocument | Failure
    digest: str | None
    seconds: float = 0.0
    #: Whether the store's buffers were flushed to disk right after this write.
    flushed: bool = False


class StoreWriter:
    """Writes document graphs to the store in one background thread, reported in input order.

    Why: Oxigraph's transactional load runs in Rust without holding the GIL,
    and it was a fifth of a one-process build's time (benchmarks/README.md).
    In a thread of its own, the documents of one batch are written while this
    thread extracts the next. Nothing else changes: each document is still one
    transaction, at most :data:`WRITES_IN_FLIGHT` documents (and, for long
    ones, :data:`LINES_IN_FLIGHT` lines) are pending, and the caller does all
    bookkeeping (source index, ledger, report) on its own thread after a write
    succeeded, in input order, so a build killed at any point is taken up by
    the next run exactly as before. Every ``flush_every`` writes the same
    thread also flushes the store's write buffers to disk (see :func:`flush`),
    which would otherwise stop the extraction for a moment.
    """

    def __init__(
        self,
        store: GraphStore,
        in_flight: int = WRITES_IN_FLIGHT,
        flush_every: int = FLUSH_EVERY,
        blocks: TrigBlocks | None = None,
        lines_in_flight: int = LINES_IN_FLIGHT,
    ) -> None:
        self._store = store
        self._blocks = blocks
        self._in_flight = in_flight
        self._lines_in_flight = lines_in_flight
        self._flush_every = flush_every
        self._writes = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-store-writer")
        # in input order: a document with nothing to write, or its write under way,
        # with the number of lines it holds
        self._pending: deque[tuple[Written | Future[Written], int]] = deque()
        self._pending_lines = 0

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        # writes already started finish; their documents are redone by the next run
        self._pool.shutdown(wait=True)

    def submit(
        self, result: ProcessedDocument | Failure, digest: str | None, extractor: str
    ) -> Iterator[Written]:
        """Start writing ``result``; yield the documents whose turn has come, in order."""
        if isinstance(result, Failure):
            self._pending.append((Written(result, digest), 0))
        else:
            try:
                doc, lines = graph_lines(result, extractor)
            except StoreError as exc:
                self._pending.append((Written(Failure(result.source, str(exc)), digest), 0))
            else:
                self._writes += 1
                flush_after = self._writes % self._flush_every == 0
                self._pending.append((self._pool.submit(
                    _write, self._store, Written(result, digest), doc, lines, flush_after,
                    self._blocks,
                ), len(lines)))
                self._pending_lines += len(lines)
        while self._pending and (
            len(self._pending) > self._in_flight
            or self._pending_lines > self._lines_in_flight
            or _settled(self._pending[0][0])
        ):
            yield self._next()

    def drain(self) -> Iterator[Written]:
        """Wait for every pending write; yield the documents in order."""
        while self._pending:
            yield self._next()

    def _next(self) -> Written:
        item, lines = self._pending.popleft()
        self._pending_lines -= lines
        return item.result() if isinstance(item, Future) else item


def _settled(item: Written | Future[Written]) -> bool:
    return not isinstance(item, Future) or item.done()


def provenance_triple(doc: URIRef, extractor: str) -> Triple:
    """What every stored document graph says about the extractor that produced it."""
    return (doc, KG.extractor, Literal(extractor))


def graph_lines(result: ProcessedDocument, extractor: str) -> tuple[URIRef, list[str]]:
    """The document's graph as N-Triples lines, with the ``extractor`` that produced it.

    A graph that came from a worker as N-Quads is checked by Oxigraph's parser
    when it is written and never becomes rdflib objects in this process, the
    one process every document passes. StoreError for a line that is not one
    of the document's triples.
    """
    doc = URIRef(result.doc_iri)
    return doc, [*result.ntriples_lines(), ntriples_line(provenance_triple(doc, extractor))]


def _write(
    store: GraphStore,
    written: Written,
    doc: URIRef,
    lines: list[str],
    flush_after: bool,
    blocks: TrigBlocks | None = None,
) -> Written:
    """Replace one document graph, then flush if asked; a refused graph becomes a Failure.

    With ``blocks``, the graph's TriG block for the export is dumped right away.
    """
    started = time.perf_counter()
    try:
        store.replace_documents([(doc, lines)])
    except (DiskFullError, StoreDamagedError):
        raise  # no later document would fare better: the build stops
    except StoreError as exc:
        written.result = Failure(written.result.source, str(exc))
    else:
        if blocks is not None:
            node = ox.NamedNode(str(doc))
            blocks.add(node, named_graph_block(store.pyoxigraph_store, node))
        if flush_after:
            store.pyoxigraph_store.flush()
            written.flushed = True
    written.seconds = time.perf_counter() - started
    return written


def account_written(
    written: Written,
    index: SourceIndex,
    ledger: RunLedger,
    report: BuildReport,
    endpoint: str | None,
    extractor: str,
) -> None:
    """Record one document whose write is over: a failure, or a stored (and PUT) graph."""
    result = written.result
    report.seconds["store"] += written.seconds
    if isinstance(result, Failure):
        report.failures.append(result)
        return
    if endpoint:
        from kg.store.server import put_graph

        doc = URIRef(result.doc_iri)
        started = time.perf_counter()
        put_graph(endpoint, doc, [*result.triples(), provenance_triple(doc, extractor)])
        report.seconds["endpoint"] += time.perf_counter() - started
    ledger.record(result.source, result.doc_iri)
    if written.digest:
        index.remember(written.digest, result.doc_iri, result.content_hash)
    report.built += 1
    if written.flushed:
        index.commit()  # after the store's own flush, as in flush()


def flush(store: GraphStore, index: SourceIndex) -> None:
    """Write the store's buffers to disk, then commit the index that refers to them.

    Why periodically: Oxigraph (RocksDB) otherwise keeps the writes of a whole
    build in memory buffers, so the memory of a build grew with the corpus.
    During the document loop the :class:`StoreWriter` flushes after every
    :data:`FLUSH_EVERY` writes, and the index is committed once the build has
    recorded the write that the flush followed; this is the final flush.
    """
    store.pyoxigraph_store.flush()
    index.commit()


def write_results(
    store: GraphStore,
    blocks: TrigBlocks | None,
    results: Iterable[ProcessedDocument | Failure],
    *,
    index: SourceIndex,
    ledger: RunLedger,
    report: BuildReport,
    endpoint: str | None,
    extractor: str,
    tick: Callable[[], None],
) -> None:
    """Write every result through a :class:`StoreWriter` and account for each in input order."""
    with StoreWriter(store, blocks=blocks) as writer:
        for result in results:
            tick()
            digest = ledger.pending_keys.pop(result.source, None)
            for written in writer.submit(result, digest, extractor):
                account_written(written, index, ledger, report, endpoint, extractor)
        for written in writer.drain():
            account_written(written, index, ledger, report, endpoint, extractor)
    flush(store, index)
