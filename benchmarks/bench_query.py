"""Query speed on a store of at least a million triples (issue 6).

The same queries run, in the same process and on the same data, through:

* ``kg``: :func:`kg.store.query.run_query` on the GraphStore (Oxigraph's engine,
  triple patterns in the order :mod:`kg.store.query_plan` picks, results converted
  to rdflib terms), as ``kg query`` does, with the store's pattern sizes,
  plans and converted terms kept between runs as in a notebook or a
  long-lived process;
* ``kg, cold``: the same with all of that dropped before every run
  (:func:`kg.store.query.clear_query_caches`), as the first query of a ``kg query``
  process pays it;
* ``rdflib+oxrdflib``: ``GraphStore.rdflib_dataset().query`` (rdflib's API,
  the query evaluated by Oxigraph through oxrdflib);
* ``pyoxigraph``: ``pyoxigraph.Store.query`` on the same store, every value read;
* ``rdflib memory``: rdflib's in-memory ``Graph`` holding the same union.

The queries are the named queries (``evidence`` with a frequent name) and a
3-hop join (mention → entity → the place it lies in → its province, counted),
written twice: from the mentions outwards, and from the provinces inwards.
Oxigraph joins the patterns of a group in the order they are written, so
raw pyoxigraph shows what the written order costs (rdflib's store is
indifferent), and kg's rows show what planning buys back.

The store: a build of real documents (the 4x build of bench_build.py when it
exists, else a fresh build of ``--docs`` corpus documents), whose document
graphs are then copied under new document IRIs until the union holds at least
``--triples`` triples. Entities are shared between the copies, as they are
between real articles about the same places; sentences, mentions and
statements are per copy. Timings are the best of ``--repeat`` runs for the
Oxigraph-backed paths and one run (with a time limit) for rdflib's store.
The Oxigraph-backed paths are timed first, before rdflib's graph is loaded
into the process: that graph's several GB of Python objects slow down
whatever else the process does, Oxigraph's own evaluation included.

Usage: ``python benchmarks/bench_query.py [--triples 1000000] [--limit-s 60] [--reuse]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
WORK = BENCH / "results" / "tmp"
RESULTS = BENCH / "results"
sys.path.insert(0, str(BENCH))

from bench_build import machine  # noqa: E402

#: mention → entity → the place it lies in → that place's province.
_HOPS = (
    "?mention kg:mentionOf ?entity .",
    "?entity kg:locatedIn ?place .",
    "?place kg:province ?province .",
)


def three_hops(patterns: Iterable[str]) -> str:
    """The 3-hop join with its patterns written in the given order, mentions counted."""
    body = "\n  ".join(patterns)
    return f"""
PREFIX kg: <https://w3id.org/kg-zh/ontology#>
SELECT ?province (COUNT(?mention) AS ?mentions) WHERE {{
  {body}
}}
GROUP BY ?province"""


#: Written from the mentions outwards, and from its most selective pattern
#: (few places have a province) inwards.
THREE_HOPS = three_hops(_HOPS)
THREE_HOPS_SELECTIVE_FIRST = three_hops(reversed(_HOPS))


class TimeLimit(Exception):
    """A query ran past the time limit."""


def _alarm(signum: int, frame: object) -> None:
    raise TimeLimit


def _ratio_text(base: dict[str, object], other: dict[str, object]) -> str:
    if base["seconds"] is None or other["seconds"] is None:
        return "n/a"
    return f"{float(other['seconds']) / float(base['seconds']):.2f}"  # type: ignore[arg-type]


def timed(run: Callable[[], int], repeat: int, limit: float) -> tuple[float | None, int]:
    """Best wall time of ``repeat`` runs (None past ``limit`` seconds) and the row count.

    A run longer than a second is not repeated: its noise is small against its length.
    """
    best: float | None = None
    rows = -1
    signal.signal(signal.SIGALRM, _alarm)
    for _ in range(repeat):
        if best is not None and best > 1.0:
            break
        signal.setitimer(signal.ITIMER_REAL, limit)
        started = time.perf_counter()
        try:
            rows = run()
        except TimeLimit:
            return None, rows
        except Exception as exc:  # noqa: BLE001 - report an engine that cannot run a query
            print(f"  failed: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
            return None, -2
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, rows


# --------------------------------------------------------------------------- the store


def source_build(docs: int) -> Path:
    """A build of real documents to copy from."""
    existing = WORK / "x4-w1"
    if (existing / "store" / "CURRENT").is_file():
        return existing
    from corpus import write_corpus

    corpus = BENCH / "corpus" / f"first-{docs}"
    if len(list(corpus.glob("*.txt"))) != docs:
        write_corpus(corpus, docs, 2000)
    out = WORK / f"query-source-{docs}"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out), "--no-html"],
        check=True, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
    )
    return out


def copy_name(iri: str, copy: int, doc_ids: dict[str, str]) -> str:
    """The IRI of a document-specific node in copy number ``copy`` (others unchanged)."""
    from kg.base.vocab import DATA_BASE

    for kind in ("doc/", "sent/", "mention/", "stmt/"):
        prefix = DATA_BASE + kind
        if iri.startswith(prefix):
            rest = iri[len(prefix):]
            doc, _, tail = rest.partition("/")
            if doc in doc_ids:
                return f"{prefix}{doc}-c{copy}" + (f"/{tail}" if tail else "")
    return iri


def make_store(source: Path, target: Path, min_triples: int) -> int:
    """Copy the document graphs of ``source`` into ``target`` until it is big enough.

    Setup, not measured: the quads go in with ``pyoxigraph.Store.extend``, each
    document graph together with its triples in the default graph, which is
    the layout GraphStore keeps (the default graph is the union).
    """
    import pyoxigraph as ox

    from kg.store.graphstore import GraphStore
    from kg.store.merge import is_document_graph, update_merges

    shutil.rmtree(target, ignore_errors=True)
    with GraphStore.open(source, create=False, read_only=True) as src:
        graphs = {
            str(iri): list(src.pyoxigraph_store.quads_for_pattern(None, None, None,
                                                                   ox.NamedNode(str(iri))))
            for iri in src.document_iris() if is_document_graph(iri)
        }
    doc_ids = {iri.rsplit("/", 1)[-1]: iri for iri in graphs}

    def rename(term, copy: int):  # type: ignore[no-untyped-def]
        if isinstance(term, ox.NamedNode):
            return ox.NamedNode(copy_name(term.value, copy, doc_ids))
        return term

    with GraphStore.open(target) as store:
        ox_store = store.pyoxigraph_store
        copy = 0
        while store.triple_count() < min_triples:
            copy += 1
            for iri, quads in graphs.items():
                graph = ox.NamedNode(copy_name(iri, copy, doc_ids))
                batch = []
                for q in quads:
                    s, p, o = rename(q.subject, copy), q.predicate, rename(q.object, copy)
                    batch += [ox.Quad(s, p, o, graph), ox.Quad(s, p, o, ox.DefaultGraph())]
                ox_store.extend(batch)
            ox_store.flush()
            print(f"copy {copy}: {store.triple_count():,} triples", file=sys.stderr)
        update_merges(store)
        return store.triple_count()


# --------------------------------------------------------------------------- the queries


def queries() -> dict[str, tuple[str, dict[str, str]]]:
    from kg.store.named_queries import list_named_queries

    found: dict[str, tuple[str, dict[str, str]]] = {}
    for named in list_named_queries():
        params = {"name": "上海市"} if named.params else {}
        found[named.name] = (named.sparql, params)
    found["3-hop join, mentions first"] = (THREE_HOPS, {})
    found["3-hop join, provinces first"] = (THREE_HOPS_SELECTIVE_FIRST, {})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--docs", type=int, default=400, help="documents to build if needed")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit-s", type=float, default=60.0, help="time limit per query")
    parser.add_argument("--reuse", action="store_true",
                        help="query the store left by the previous run instead of making it")
    args = parser.parse_args()

    import pyoxigraph as ox
    from rdflib import Graph

    from kg.graph.terms import to_ox_term
    from kg.store.graphstore import GraphStore
    from kg.store.query import clear_query_caches, param_term, run_query
    from kg.store.trig import SERIALISATION_PREFIXES

    started = time.perf_counter()
    info = machine()
    target = WORK / "query-store"
    if args.reuse and (target / "store" / "CURRENT").is_file():
        with GraphStore.open(target, create=False) as existing:
            triples = existing.triple_count()
    else:
        triples = make_store(source_build(args.docs), target, args.triples)
    store = GraphStore.open(target, create=False)
    dataset = store.rdflib_dataset()

    def raw(sparql: str, params: dict[str, str]) -> int:
        substitutions = {ox.Variable(k): to_ox_term(param_term(v)) for k, v in params.items()}
        answer = store.pyoxigraph_store.query(
            sparql, prefixes=dict(SERIALISATION_PREFIXES), substitutions=substitutions
        )
        return sum(1 for row in answer for _ in (tuple(row),))

    def through_kg(sparql: str, params: dict[str, str]) -> int:
        return len(run_query(store, sparql, params))

    def through_kg_cold(sparql: str, params: dict[str, str]) -> int:
        clear_query_caches()
        return through_kg(sparql, params)

    def through_rdflib(graph: Graph, sparql: str, params: dict[str, str]) -> int:
        bindings = {k: param_term(v) for k, v in params.items()}
        answer = graph.query(sparql, initNs=SERIALISATION_PREFIXES, initBindings=bindings)
        return sum(1 for _ in answer)

    # Phase 1, the engines over Oxigraph; phase 2, rdflib's memory store, once
    # its graph is loaded. In that order because the graph (several GB of
    # Python objects) slows everything else the process does: with it loaded,
    # raw pyoxigraph took 58 ms for `relations` instead of 27 ms
    # (benchmarks/README.md, session 10).
    results: dict[str, dict[str, object]] = {}
    for name, (sparql, params) in queries().items():
        row: dict[str, object] = {}
        for engine, run in (
            ("pyoxigraph", lambda s=sparql, p=params: raw(s, p)),
            ("kg", lambda s=sparql, p=params: through_kg(s, p)),
            ("kg, cold", lambda s=sparql, p=params: through_kg_cold(s, p)),
            ("rdflib+oxrdflib", lambda s=sparql, p=params: through_rdflib(dataset, s, p)),
        ):
            seconds, rows = timed(run, args.repeat, args.limit_s)
            row[engine] = {"seconds": seconds, "rows": rows}
        results[name] = row
        print(name, json.dumps(row), file=sys.stderr)

    load_started = time.perf_counter()
    memory = Graph()
    for triple in store.union_triples():
        memory.add(triple)
    load_seconds = time.perf_counter() - load_started
    for name, (sparql, params) in queries().items():
        seconds, rows = timed(
            lambda s=sparql, p=params: through_rdflib(memory, s, p), 1, args.limit_s
        )
        results[name]["rdflib memory"] = {"seconds": seconds, "rows": rows}
        print(name, "rdflib memory", seconds, rows, file=sys.stderr)

    def cell(entry: dict[str, object]) -> str:
        seconds = entry["seconds"]
        if entry["rows"] == -2:
            return "error"
        if seconds is None:
            return f"> {args.limit_s:.0f} s"
        milliseconds = float(seconds) * 1000  # type: ignore[arg-type]
        return f"{milliseconds:.1f} ms" if milliseconds < 10 else f"{milliseconds:,.0f} ms"

    def ratio(a: dict[str, object], b: dict[str, object]) -> str:
        if a["seconds"] is None or b["rows"] == -2:
            return "n/a"
        if b["seconds"] is None:
            return f"> {args.limit_s / float(a['seconds']):,.0f}x"  # type: ignore[arg-type]
        return f"{float(b['seconds']) / float(a['seconds']):,.1f}x"  # type: ignore[arg-type]

    header = (
        "| query | rows | kg | kg, cold | rdflib+oxrdflib | pyoxigraph | rdflib memory | "
        "memory / kg | memory / kg, cold | kg / pyoxigraph |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for name, row in results.items():
        rows = {engine: entry["rows"] for engine, entry in row.items()}  # type: ignore[index]
        agree = len({r for r in rows.values() if r >= 0}) == 1
        lines.append(
            f"| {name} | {row['kg']['rows']}{'' if agree else ' (differ: ' + str(rows) + ')'} | "
            f"{cell(row['kg'])} | {cell(row['kg, cold'])} | {cell(row['rdflib+oxrdflib'])} | "
            f"{cell(row['pyoxigraph'])} | {cell(row['rdflib memory'])} | "
            f"{ratio(row['kg'], row['rdflib memory'])} | "
            f"{ratio(row['kg, cold'], row['rdflib memory'])} | "
            f"{_ratio_text(row['pyoxigraph'], row['kg'])} |"
        )
    summary = (
        f"Store: {triples:,} triples (union). rdflib in-memory load: {load_seconds:.0f} s. "
        f"Machine: {info['nproc']} cores, {info['cpu']}, load average at start "
        f"{info['load_average_at_start'][0]:.1f}. Benchmark wall time: "
        f"{time.perf_counter() - started:.0f} s."
    )
    table = header + "\n".join(lines)
    print(summary + "\n\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_query.md").write_text(
        f"# Query benchmark\n\n`python benchmarks/bench_query.py --triples {args.triples}`\n\n"
        f"{summary}\n\n{table}\n", encoding="utf-8"
    )
    (RESULTS / "bench_query.json").write_text(
        json.dumps({"machine": info, "triples": triples, "load_seconds": load_seconds,
                    "results": results}, indent=2, default=str), encoding="utf-8"
    )
    store.close()
    os._exit(0)  # skip freeing a million rdflib objects one by one


if __name__ == "__main__":
    main()
