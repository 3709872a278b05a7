"""Remove one document from a graph directory: the orchestrator behind ``kg remove``.

Why at the top and not in :mod:`kg.store`: after the store forgets the
document, the exports (:mod:`kg.explore.export`) are rewritten, and the store
stage must not reach up into the exploring one.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import KgError
from kg.explore.export import finish_outputs
from kg.store.graphstore import GraphStore
from kg.store.ledger import BuildReport
from kg.store.removal import find_document


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
            from kg.store.server import put_graph

            put_graph(endpoint, target, [])
        finish_outputs(store, out_dir, BuildReport(), changed=True,
                       write_html=(out_dir / "graph.html").exists(), endpoint=endpoint)
    return True
