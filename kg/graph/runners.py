"""Where extraction runs: in this process, in local worker processes, or on a Dask cluster.

Each runner takes cleaned documents and yields their ``ProcessedDocument``
(or ``Failure``) in input order, with a bounded number of batches in flight,
so the graph does not depend on the number of workers or their speed and
memory does not grow with the corpus. Workers send graphs back as N-Quads.
"""

from __future__ import annotations

import multiprocessing
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from kg.errors import KgError
from kg.graph.processed import ProcessedDocument, process_documents, process_for_transport
from kg.model import CleanDocument, Failure

#: Documents extracted together (:func:`process_documents`), in this process,
#: in each task of a local worker and in each task sent to a Dask worker. 16
#: was the fastest of 1, 8, 16 and 32 on news articles of ~2,000 characters
#: (benchmarks/README.md); the batch is also what one memory zone holds.
BATCH_SIZE = 16


#: ... unless they hold this many characters before (50 news articles' worth).
BATCH_CHARS = 100_000


#: Batches in flight per worker process (local or Dask).
IN_FLIGHT_PER_WORKER = 2


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
        for batch in in_batches(docs, BATCH_SIZE):
            yield from process_documents(batch)
        return
    # spawn, not fork: a forked worker shares the parent's pages, and every
    # reference count it touches in a loaded pipeline copies a page (measured
    # at half speed per worker); a spawned one builds its own pipeline once.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_warm_worker
    ) as pool:
        batches = in_batches(docs, BATCH_SIZE)
        for results in _in_order(
            batches, lambda batch: pool.submit(process_for_transport, batch),
            workers * IN_FLIGHT_PER_WORKER,
        ):
            yield from results


def _warm_worker() -> None:
    """Load the pipeline once per worker process."""
    from kg.extract.pipeline import default_pipeline

    default_pipeline()


def in_batches(
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
        batches = in_batches(docs, batch_size)
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
