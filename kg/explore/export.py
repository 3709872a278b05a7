"""The exports of a graph directory: graph.ttl, graph.trig and graph.html, kept current.

After documents were stored or removed, the merges are recomputed and the
exports rewritten only when the store's content differs from the one they
were written from (``DIR/.export-state`` holds its digest), so a re-run on an
unchanged corpus writes nothing.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from kg.base.fsutil import atomic_write_text
from kg.base.vocab import ENTITY_CLASSES, KG, RELATION_PROPERTIES
from kg.graph.terms import ntriples
from kg.store.graphstore import GraphStore
from kg.store.ledger import BuildReport
from kg.store.merge import MERGES_GRAPH, update_merges
from kg.store.push import push_merges_and_union
from kg.store.trig import TrigBlocks

#: Records which store content the exports were written from.
EXPORT_STATE_FILENAME = ".export-state"


#: Above this many triples in the store, ``kg build`` leaves the viewer to ``kg viz``.
#: Why: the viewer is computed from the whole graph (PageRank, communities, layout),
#: so regenerating it costs what the store holds, not what a run added. Adding 5
#: articles to a 1,000-document build (359k triples) took 26 s and 1.07 GB with it
#: and 6.8 s and 0.49 GB without (issue 22; benchmarks/bench_incremental.py). A
#: 500-article corpus holds about 170k triples and still gets its page.
HTML_TRIPLE_LIMIT = 250_000


def finish_outputs(
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
    count_contents(store, report)
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
    from kg.explore.netgraph import to_networkx
    from kg.explore.viz import write_html as write_viz

    write_viz(to_networkx(store.union_view()), path)


def _write_deferred_html(path: Path, out_dir: Path, triples: int, limit: int) -> None:
    """Replace graph.html by a page that says how to write the viewer of a large store.

    Why replace rather than keep: the old viewer shows a graph that no longer is.
    """
    from kg.explore.viz import deferred_page

    atomic_write_text(path, deferred_page(out_dir, triples, limit), encoding="utf-8")


def count_contents(store: GraphStore, report: BuildReport) -> None:
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
