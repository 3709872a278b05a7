"""Build a graph directory from documents: the library behind ``kg build``.

One document at a time goes ingest → clean → extract → graph, then its named
graph replaces the stored one in a single store transaction. A document that
fails is reported and skipped; the rest of the batch goes on and nothing
already stored is touched. A document whose content hash is already stored is
skipped, so re-running on an unchanged corpus only reads and cleans.

Extraction can run in worker processes (``workers``) or on a Dask cluster
(``dask_address``). Workers return N-Triples text, which is cheap to pickle and
independent of any in-memory object; the parent process alone writes to the
store, so the store's single-writer lock is never contended.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from kg.clean import clean_document
from kg.errors import KgError
from kg.extract.pipeline import extract_document
from kg.graph import doc_iri, document_triples
from kg.ingest import iter_documents
from kg.model import CleanDocument, Failure, RawDocument  # noqa: F401
from kg.store import GraphStore

DEFAULT_MAX_BYTES = 20_000_000


@dataclass
class BuildReport:
    """What a build did, for the summary line and for tests."""

    built: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    entities_by_class: Counter[str] = field(default_factory=Counter)
    relations_by_property: Counter[str] = field(default_factory=Counter)
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class ProcessedDocument:
    """A document's named graph, ready to store (picklable)."""

    source: str
    doc_iri: str
    content_hash: str
    ntriples: str


def process_document(clean: CleanDocument) -> ProcessedDocument | Failure:
    """Extract and convert one cleaned document; never raises."""
    try:
        return process_clean(clean)
    except KgError as exc:
        return Failure(clean.source, str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
        return Failure(clean.source, f"extraction failed ({type(exc).__name__}: {exc})")


def process_clean(clean: CleanDocument) -> ProcessedDocument:
    triples = document_triples(extract_document(clean))
    g = Graph()
    for t in triples:
        g.add(t)
    return ProcessedDocument(
        source=clean.source,
        doc_iri=str(doc_iri(clean.doc_id)),
        content_hash=clean.content_hash,
        ntriples=g.serialize(format="nt"),
    )


def _parse_ntriples(text: str) -> Graph:
    g = Graph()
    g.parse(data=text, format="nt")
    return g


def _pending(
    raws: Iterable[RawDocument | Failure], store: GraphStore, report: BuildReport
) -> Iterator[CleanDocument]:
    """Documents that still need work; failures and unchanged ones are accounted for."""
    for item in raws:
        if isinstance(item, Failure):
            report.failures.append(item)
            continue
        try:
            clean = clean_document(item)
        except Exception as exc:  # noqa: BLE001
            report.failures.append(Failure(item.source, f"cannot clean ({exc})"))
            continue
        stored = store.content_hash(doc_iri(clean.doc_id))
        if stored == clean.content_hash:
            report.skipped += 1
            continue
        yield clean


def _run_local(docs: list[CleanDocument], workers: int) -> Iterator[ProcessedDocument | Failure]:
    if workers <= 1 or len(docs) <= 1:
        for doc in docs:
            yield process_document(doc)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm_worker) as pool:
        yield from pool.map(process_document, docs, chunksize=max(1, len(docs) // (workers * 8)))


def _warm_worker() -> None:
    """Load the pipeline once per worker process."""
    from kg.extract.pipeline import default_pipeline

    default_pipeline()


def _run_dask(docs: list[CleanDocument], address: str) -> Iterator[ProcessedDocument | Failure]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise KgError("--dask needs the 'distributed' package: pip install 'kg[distributed]'") from exc
    client = Client(address, timeout="20s")
    try:
        batches = [docs[i : i + 16] for i in range(0, len(docs), 16)]
        futures = client.map(_process_batch, batches, pure=False)
        for future in futures:
            yield from future.result()
    finally:
        client.close()


def _process_batch(batch: list[CleanDocument]) -> list[ProcessedDocument | Failure]:
    return [process_document(doc) for doc in batch]


def build(
    inputs: Iterable[Path],
    out_dir: Path,
    *,
    workers: int = 1,
    dask_address: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    write_html: bool = True,
    endpoint: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Add the documents under ``inputs`` to the graph directory ``out_dir``."""
    report = BuildReport()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with GraphStore.open(out_dir, create=True) as store:
        pending = list(_pending(iter_documents(list(inputs), max_bytes=max_bytes), store, report))
        results = (
            _run_dask(pending, dask_address) if dask_address else _run_local(pending, workers)
        )
        done = 0
        for result in results:
            done += 1
            if progress:
                progress(done, len(pending))
            if isinstance(result, Failure):
                report.failures.append(result)
                continue
            graph = _parse_ntriples(result.ntriples)
            store.replace_document(URIRef(result.doc_iri), list(graph))
            if endpoint:
                from kg.server import put_graph

                put_graph(endpoint, URIRef(result.doc_iri), list(graph))
            report.built += 1
        files = store.export(out_dir)
        report.outputs = {"graph.ttl": out_dir / "graph.ttl", "graph.trig": out_dir / "graph.trig",
                          "store": out_dir / "store"}
        _ = files
        union = store.rdflib_graph()
    _count(union, report)
    if write_html:
        from kg.viz import write_html as write_viz

        write_viz(union, out_dir / "graph.html")
        report.outputs["graph.html"] = out_dir / "graph.html"
    return report


def _count(graph: Graph, report: BuildReport) -> None:
    from kg.vocab import ENTITY_CLASSES, KG, RELATION_PROPERTIES

    q_entities = """
        SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ?c } GROUP BY ?c"""
    for row in graph.query(q_entities):
        name = str(row[0]).rsplit("#", 1)[-1]
        if name in ENTITY_CLASSES:
            report.entities_by_class[name] = int(row[1])
    for prop in RELATION_PROPERTIES:
        n = len(set(graph.subject_objects(getattr(KG, prop))))
        if n:
            report.relations_by_property[prop] = n


def remove_document(out_dir: Path, doc: str) -> bool:
    """Delete one document's named graph (by id, IRI or source path) and re-export."""
    with GraphStore.open(Path(out_dir), create=False) as store:
        target = _find_document(store, doc)
        if target is None:
            raise KgError(f"{doc}: no such document in {out_dir}; see `kg query {out_dir} --named documents`")
        store.remove_document(target)
        store.export(Path(out_dir))
        union = store.rdflib_graph()
    if (Path(out_dir) / "graph.html").exists():
        from kg.viz import write_html as write_viz

        write_viz(union, Path(out_dir) / "graph.html")
    return True


def _find_document(store: GraphStore, doc: str) -> URIRef | None:
    from kg.vocab import KG

    iris = store.document_iris()
    for iri in iris:
        if str(iri) == doc or str(iri).rsplit("/", 1)[-1] == doc:
            return iri
    wanted = os.path.normpath(doc)
    for iri in iris:
        for t in store.document_triples(iri):
            if t[1] == KG.sourceFile and os.path.normpath(str(t[2])) == wanted:
                return iri
    return None
