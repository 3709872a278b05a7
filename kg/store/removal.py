"""Finding stored documents and removing old versions of a source.

A source file read again with another text leaves its previous document
behind; the ledger of the run says which, and it is removed from the store
(and the endpoint) before the exports are written.
"""

from __future__ import annotations

import os

from rdflib import URIRef

from kg.base.vocab import KG
from kg.graph.document import doc_iri
from kg.store.graphstore import GraphStore
from kg.store.ledger import RunLedger
from kg.store.merge import is_document_graph


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
                from kg.store.server import put_graph

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
