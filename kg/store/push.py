"""Pushing to a SPARQL server: the merges graph and the union, by the Graph Store Protocol.

Document graphs are PUT one by one as they are stored; this module sends
what only the whole store knows, so the endpoint holds the local layout.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from kg.errors import StoreError
from kg.graph.terms import Triple, ntriples
from kg.store.graphstore import GraphStore
from kg.store.merge import MERGES_GRAPH


def push_merges_and_union(store: GraphStore, endpoint: str) -> None:
    """PUT the merges graph and the union (as the default graph) to a Graph Store endpoint."""
    from kg.store.server import put_graph

    put_graph(endpoint, MERGES_GRAPH, store.document_triples(MERGES_GRAPH))
    put_default_graph(endpoint, store.union_triples())


def put_default_graph(endpoint: str, triples: Iterable[Triple], timeout: float = 600.0) -> None:
    """Replace the default graph of a Graph Store Protocol endpoint (``?default``)."""
    from kg.store.server import graph_store_url

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
