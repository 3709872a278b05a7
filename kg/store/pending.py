"""Which inputs still need extraction: the ones the store does not hold as they are now.

Failed and unchanged inputs are settled here and counted in the report;
the rest are cleaned and passed on, lazily, in input order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from rdflib import URIRef

from kg.base.vocab import KG
from kg.graph.document import doc_iri
from kg.graph.fingerprint import extractor_fingerprint
from kg.model import CleanDocument, Failure, RawDocument
from kg.read.clean import clean_document
from kg.store.graphstore import GraphStore
from kg.store.ledger import BuildReport, RunLedger
from kg.store.source_index import SourceIndex, input_digest


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
