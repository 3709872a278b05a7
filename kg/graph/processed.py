"""One document's named graph, extracted and ready to store or to send between processes.

Why a type of its own: in the process that extracted it a graph stays the
N-Triples lines Oxigraph wrote, and it crosses a process boundary as N-Quads
text; it becomes rdflib objects only when someone asks. The functions here
never raise: a document that cannot be extracted becomes a ``Failure``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import KgError, StoreError
from kg.graph.document import doc_iri, document_lines
from kg.graph.terms import Triple, to_rdflib_term
from kg.model import CleanDocument, Extraction, Failure


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
