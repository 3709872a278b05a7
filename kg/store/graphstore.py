"""The embedded RDF store of a build directory (its files are written by :mod:`kg.store.trig`).

A build directory ``DIR`` holds:

``DIR/store/``
    an Oxigraph (RocksDB) database. Each document is one named graph whose name
    is the article node ``kgid:doc/<id>``. The store's default graph holds the
    union of the named graphs, "the graph" that queries, views and exports see.
``DIR/graph.ttl``, ``DIR/graph.trig``
    the union as Turtle and the per-document graphs as TriG, rewritten by
    :meth:`GraphStore.export`.

Why the union is stored rather than computed: Oxigraph 0.5's
``use_default_graph_as_union`` (and ``--union-default-graph`` of its server)
returns a triple once per named graph that holds it (oxigraph/oxigraph#1919,
fixed after 0.5), so an entity labelled in two documents gets two rows and
``COUNT`` counts it twice. Keeping the RDF merge in the default graph gives
every query, the rdflib views and the read-only server the set semantics
SPARQL promises, with plain queries and no flags.

Why writes go through pyoxigraph and not through rdflib: oxrdflib's rdflib
store has no transactions (``commit`` and ``rollback`` do nothing), so adding a
document through it quad by quad could leave half a document behind. Instead
:meth:`GraphStore.replace_document` sends one SPARQL UPDATE request to
``pyoxigraph.Store.update``, which applies a whole request in a single
transaction. The request (:func:`replace_graph_update`) removes from the
default graph the triples that only the old version of the document
contributed, drops the document's graph, and inserts the new triples into both
the document's graph and the default graph. A document whose graph is not
stored yet (the common case) needs no removal, and goes in as one
``pyoxigraph.Store.load`` of N-Quads instead, which is just as transactional
and faster. A build killed at any point (even by
SIGKILL) therefore leaves every document, and the union, either as it was before
or as it is after, never mixed; a re-run only has to redo the documents whose
content hash changed (:meth:`GraphStore.content_hash`). ``bulk_load`` and
``bulk_extend`` are not transactional and are not used. Writing to the store by
other means (for instance through a read-write ``oxigraph serve``) bypasses
this bookkeeping; :meth:`GraphStore.rebuild_union` repairs it.

Only one process may open the store for writing: RocksDB takes a lock on
``DIR/store/LOCK``, and :meth:`GraphStore.open` turns a held lock into a
:class:`~kg.errors.StoreError` that says so. ``read_only=True`` opens without
the lock, for readers that run while nothing is writing (opening read-only
while another process writes is undefined behaviour in Oxigraph).

Terms read from Oxigraph become rdflib terms through
:func:`kg.graph.terms.to_rdflib_term`, which makes them compare equal to the ones the
graph stage built.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from kg.base.fsutil import is_corruption, is_disk_full
from kg.base.vocab import KG
from kg.errors import DiskFullError, StoreDamagedError, StoreError
from kg.graph.terms import (
    Triple,
    ntriples_line,
    to_ox_term,
    to_rdflib_term,
)
from kg.store.trig import (
    DUMP_PREFIX,
    TRIG_FILENAME,
    TURTLE_FILENAME,
    TrigBlocks,
    bind_prefixes,
    write_named_trig,
    write_union_turtle,
)

STORE_DIRNAME = "store"


#: Keys accepted in the ``meta`` argument of :meth:`GraphStore.replace_document`,
#: and the property of the article node each one sets.
DOCUMENT_META_PROPERTIES: dict[str, URIRef] = {
    "content_hash": KG.contentHash,
    "source_file": KG.sourceFile,
    "title": DCTERMS.title,
}

Quad = tuple[Node, Node, Node, Node | None]


def replace_graph_update(graph_iri: URIRef, triples: Iterable[Triple]) -> str:
    """The SPARQL UPDATE request that swaps one document graph and updates the union.

    Terms are written in their N-Triples form by Oxigraph itself, so every
    string is escaped by the RDF library and never pasted by hand. See
    :func:`replace_graph_lines_update` for the request itself.
    """
    return replace_graph_lines_update(to_ox_term(graph_iri), (ntriples_line(t) for t in triples))


def replace_graph_lines_update(graph: ox.NamedNode, lines: Iterable[str]) -> str:
    """The request of :func:`replace_graph_update`, from N-Triples lines written by Oxigraph.

    Three operations, applied together by Oxigraph: forget the union triples
    no other graph holds, drop the graph, insert the new triples into the graph
    and the union. ``lines`` must come from Oxigraph's own term writer
    (:func:`ntriples_line`, or quads Oxigraph parsed), never from raw input.
    """
    unique = dict.fromkeys(lines)
    request = (
        "DELETE { ?s ?p ?o } WHERE {\n"
        f"  GRAPH {graph} {{ ?s ?p ?o }}\n"
        f"  FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {graph}) }}\n"
        "} ;\n"
        f"DROP SILENT GRAPH {graph}"
    )
    if unique:
        body = "\n".join(unique)
        request += f" ;\nINSERT DATA {{\n{body}\nGRAPH {graph} {{\n{body}\n}} }}"
    return request


def new_graphs_nquads(graphs: Iterable[tuple[ox.NamedNode, Iterable[str]]]) -> str:
    """N-Quads that add graphs not yet stored: each line in its graph and in the union.

    ``lines`` are N-Triples lines from Oxigraph's writer (``<s> <p> <o> .``);
    a line that is not one (for instance a quad that names another graph)
    becomes a syntax error of the load, never a triple in the wrong graph.
    """
    out: list[str] = []
    for graph, lines in graphs:
        name = str(graph)
        for line in lines:
            out.append(f"{line}\n{line[:-1]}{name} .\n")
    return "".join(out)


def rewritten_ntriples(lines: Iterable[str]) -> list[str]:
    """N-Triples ``lines`` parsed and written again by Oxigraph; SyntaxError for a non-triple.

    What makes lines from elsewhere safe to place in a SPARQL update
    (:func:`replace_graph_lines_update`): only terms Oxigraph wrote get there.
    """
    text = "".join(f"{line}\n" for line in lines)
    triples = ox.parse(text, ox.RdfFormat.N_TRIPLES)
    return [f"{t.subject} {t.predicate} {t.object} ." for t in triples]


REBUILD_UNION_UPDATE = "DROP SILENT DEFAULT ;\nINSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


# --------------------------------------------------------------------------- store


@dataclass(frozen=True)
class ExportedFiles:
    """Where :meth:`GraphStore.export` wrote the graph."""

    turtle: Path
    trig: Path


def store_path(build_dir: Path) -> Path:
    """The Oxigraph folder inside a build directory."""
    return Path(build_dir) / STORE_DIRNAME


def _is_store_folder(path: Path) -> bool:
    # RocksDB writes CURRENT when it creates a database.
    return (path / "CURRENT").is_file()


def damaged_store_error(build_dir: Path | str, exc: BaseException) -> StoreDamagedError:
    """The one-line message for a store whose files fail their checksums."""
    detail = " ".join(str(exc).split())
    detail = detail.split(" The file ")[0][:160]  # RocksDB's guess at the file is noise
    return StoreDamagedError(
        f"the store in {store_path(Path(build_dir))} is damaged ({detail}); rebuild it from "
        f"{Path(build_dir) / TRIG_FILENAME} with `kg restore {build_dir}`, then re-run"
    )


def _open_error(build_dir: Path, exc: OSError | RuntimeError) -> StoreError:
    message = str(exc)
    if is_corruption(exc):
        return damaged_store_error(build_dir, exc)
    if is_disk_full(exc):
        return DiskFullError(
            f"cannot open the store in {store_path(build_dir)}: the disk is full; "
            "free space and re-run"
        )
    if "current process" in message:
        return StoreError(
            f"the store in {store_path(build_dir)} is already open in this process; "
            "close the other GraphStore first"
        )
    if "lock" in message.lower():
        return StoreError(
            f"the store in {store_path(build_dir)} is in use by another process "
            "(a running `kg build` or another writer); wait for it to finish or stop it, "
            "then retry"
        )
    return StoreError(f"cannot open the store in {store_path(build_dir)}: {message}")


class GraphStore:
    """The named graphs of one build directory, backed by an on-disk Oxigraph store.

    Use :meth:`open` rather than the constructor, and :meth:`close` (or a
    ``with`` block) to release the lock as soon as writing is done.
    """

    def __init__(self, build_dir: Path, store: ox.Store, read_only: bool = False) -> None:
        self.build_dir = Path(build_dir)
        self.read_only = read_only
        self._store: ox.Store | None = store
        #: Changes whenever kg is about to write, so what readers cached about
        #: the contents (query plans) can tell it is out of date.
        self.generation = 0

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, dir: Path | str, create: bool = True, read_only: bool = False) -> GraphStore:
        """Open the store of build directory ``dir``.

        With ``create`` a missing directory or store is created; without it,
        ``dir`` must already be a build directory. ``read_only`` takes no lock
        and refuses writes.
        """
        build_dir = Path(dir)
        location = store_path(build_dir)
        if build_dir.exists() and not build_dir.is_dir():
            raise StoreError(f"{build_dir} is a file, not a kg build directory")
        exists = _is_store_folder(location)
        if not exists and (read_only or not create):
            raise StoreError(
                f"{build_dir} is not a kg build directory (no database in {location}); "
                f"build one first with `kg build INPUT --out {build_dir}`"
            )
        if not exists:
            location.mkdir(parents=True, exist_ok=True)
        try:
            store = ox.Store.read_only(str(location)) if read_only else ox.Store(str(location))
        except (OSError, RuntimeError) as exc:
            raise _open_error(build_dir, exc) from exc
        return cls(build_dir, store, read_only=read_only)

    def close(self) -> None:
        """Release the store (and its lock once no rdflib view refers to it)."""
        self._store = None

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def pyoxigraph_store(self) -> ox.Store:
        """The underlying ``pyoxigraph.Store`` (for SPARQL with Oxigraph's own engine)."""
        if self._store is None:
            raise StoreError(f"the store of {self.build_dir} has been closed")
        return self._store

    # ----------------------------------------------------------------- writing

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise StoreError(
                f"the store of {self.build_dir} was opened read-only; open it without "
                "read_only to change it"
            )
        self.generation += 1
        return self.pyoxigraph_store

    def replace_document(
        self,
        doc_iri: URIRef,
        triples: Iterable[Triple],
        meta: Mapping[str, str] | None = None,
    ) -> int:
        """Make the named graph ``doc_iri`` hold exactly ``triples``; return its size.

        The old graph disappears and the new one appears in one transaction.
        ``meta`` sets facts about the article node itself (keys of
        :data:`DOCUMENT_META_PROPERTIES`, e.g. ``{"content_hash": "…"}``); a
        value given there replaces the same property among ``triples``. Blank
        nodes get fresh identifiers in the store (SPARQL ``INSERT DATA`` rules).
        """
        self._writable()
        if not isinstance(doc_iri, URIRef):
            raise StoreError(f"a document graph needs an IRI name, got {doc_iri!r}")
        meta_triples = _meta_triples(doc_iri, meta or {})
        overridden = {p for _, p, _ in meta_triples}
        content = [t for t in triples if not (t[0] == doc_iri and t[1] in overridden)]
        content.extend(meta_triples)
        lines = [ntriples_line(t) for t in content]  # a bad triple fails before any write
        self.replace_documents([(doc_iri, lines)])
        return len(set(lines))

    def replace_documents(self, graphs: Iterable[tuple[URIRef, Iterable[str]]]) -> int:
        """Replace several document graphs in one transaction; return how many.

        Each graph is given as N-Triples lines (see :func:`ntriples_line`),
        which is how graphs that arrive as text (from build workers) are
        stored without becoming rdflib objects first. Every line is parsed by
        Oxigraph on the way in; one that is not a triple fails the whole write.

        When none of the graphs is in the store yet (every document of a first
        build), nothing has to be removed, and the lines go in as one N-Quads
        load instead of a SPARQL update: the same single transaction, a third
        less time (``Store.load`` skips the update's query parsing and
        evaluation; benchmarks/README.md).
        """
        store = self._writable()
        names: list[URIRef] = []
        batch: list[tuple[ox.NamedNode, list[str]]] = []
        for doc_iri, lines in graphs:
            if not isinstance(doc_iri, URIRef):
                raise StoreError(f"a document graph needs an IRI name, got {doc_iri!r}")
            names.append(doc_iri)
            batch.append((to_ox_term(doc_iri), list(dict.fromkeys(lines))))
        if not batch:
            return 0
        try:
            if any(store.contains_named_graph(graph) for graph, _ in batch):
                store.update(
                    " ;\n".join(
                        replace_graph_lines_update(g, rewritten_ntriples(lines))
                        for g, lines in batch
                    )
                )
            else:
                store.load(new_graphs_nquads(batch), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError, RuntimeError) as exc:
            shown = ", ".join(str(n) for n in names[:3]) + (" …" if len(names) > 3 else "")
            if is_disk_full(exc):
                raise DiskFullError(f"the disk is full: could not write {shown}") from exc
            if is_corruption(exc):
                raise damaged_store_error(self.build_dir, exc) from exc
            raise StoreError(
                f"could not write {len(batch)} document graphs ({shown}): {exc}"
            ) from exc
        return len(batch)

    def remove_document(self, doc_iri: URIRef) -> bool:
        """Drop the graph of ``doc_iri`` and its share of the union; return whether it existed."""
        store = self._writable()
        existed = store.contains_named_graph(to_ox_term(doc_iri))
        store.update(replace_graph_update(doc_iri, []))
        return existed

    def rebuild_union(self) -> None:
        """Recompute the default graph from the document graphs, in one transaction.

        Only needed after the store was changed by something other than this
        class (see the module docstring).
        """
        self._writable().update(REBUILD_UNION_UPDATE)

    # ----------------------------------------------------------------- reading

    def document_iris(self) -> list[URIRef]:
        """The names of all document graphs, sorted."""
        names = (
            URIRef(g.value)
            for g in self.pyoxigraph_store.named_graphs()
            if isinstance(g, ox.NamedNode)
        )
        return sorted(names)

    def content_hash(self, doc_iri: URIRef) -> str | None:
        """The ``kg:contentHash`` stored for a document, or None if it is not stored."""
        return self.article_value(doc_iri, KG.contentHash)

    def article_value(self, doc_iri: URIRef, prop: URIRef) -> str | None:
        """A literal the document's graph states about its article node (the least, if several)."""
        node = to_ox_term(doc_iri)
        pattern = self.pyoxigraph_store.quads_for_pattern(node, to_ox_term(prop), None, node)
        values = sorted(q.object.value for q in pattern if isinstance(q.object, ox.Literal))
        return values[0] if values else None

    def quads(self) -> Iterator[Quad]:
        """Every quad of the document graphs as rdflib terms (not the union copy)."""
        for quad in self.pyoxigraph_store:
            if isinstance(quad.graph_name, ox.DefaultGraph):
                continue
            yield (
                to_rdflib_term(quad.subject),
                to_rdflib_term(quad.predicate),
                to_rdflib_term(quad.object),
                to_rdflib_term(quad.graph_name),
            )

    def document_triples(self, doc_iri: URIRef) -> set[Triple]:
        """The triples of one document graph."""
        pattern = self.pyoxigraph_store.quads_for_pattern(None, None, None, to_ox_term(doc_iri))
        return {
            (to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object))
            for q in pattern
        }

    def union_triples(self) -> set[Triple]:
        """The graph: every distinct triple of every document (the default graph)."""
        pattern = self.pyoxigraph_store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        return {
            (to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object))
            for q in pattern
        }

    def triple_count(self) -> int:
        """How many distinct triples the union holds."""
        result = self.pyoxigraph_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(next(iter(result))["n"].value)

    def rdflib_graph(self) -> Graph:
        """An in-memory rdflib copy of the union, for code that walks triples.

        A copy rather than a live view because oxrdflib returns plain strings
        as ``xsd:string``-typed literals, which rdflib code does not find equal
        to the labels it wrote (see the module docstring).
        """
        graph = Graph(bind_namespaces="none")
        bind_prefixes(graph)
        for triple in self.union_triples():
            graph.add(triple)
        return graph

    def union_view(self) -> UnionView:
        """The union read in place, pattern by pattern, for :func:`kg.explore.netgraph.to_networkx`.

        Why: copying a 360k-triple union into rdflib (:meth:`rdflib_graph`) took
        most of the viewer's time and doubled its memory; the network needs a
        few patterns of it, which Oxigraph answers from its indexes.
        """
        return UnionView(self.pyoxigraph_store)

    def rdflib_dataset(self) -> Dataset:
        """A live rdflib view of the store through oxrdflib, for SPARQL via rdflib.

        Its default graph is the store's default graph, i.e. the union of the
        documents; ``dataset.graph(doc_iri)`` is one document. SPARQL sent
        through it runs on Oxigraph's engine. Terms it returns are not
        normalised (see the module docstring).
        """
        dataset = Dataset(store=OxigraphStore(store=self.pyoxigraph_store), default_union=False)
        bind_prefixes(dataset)
        return dataset

    # ----------------------------------------------------------------- export

    def export(
        self, dir: Path | str | None = None, blocks: TrigBlocks | None = None
    ) -> ExportedFiles:
        """Write ``graph.ttl`` (the union) and ``graph.trig`` (one graph per document).

        Both go to ``dir`` (the build directory by default) and each replaces
        its previous version atomically. The same content always gives the
        same bytes. ``blocks`` holds graphs already dumped (:class:`TrigBlocks`).
        """
        out_dir = Path(dir) if dir is not None else self.build_dir
        turtle, trig = out_dir / TURTLE_FILENAME, out_dir / TRIG_FILENAME
        out_dir.mkdir(parents=True, exist_ok=True)
        # The union is dumped to disk and streamed from there, so memory does
        # not grow with the graph; named graphs are dumped one at a time. A
        # dump left behind by a killed export is removed first (the store's
        # lock means no other export is running).
        for stale in out_dir.glob(f"{DUMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        store = self.pyoxigraph_store
        with (
            tempfile.TemporaryDirectory(prefix=DUMP_PREFIX, dir=out_dir) as scratch,
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="kg-export") as pool,
        ):
            union = pool.submit(write_union_turtle, store, turtle, Path(scratch))
            named = pool.submit(write_named_trig, store, trig, blocks)
            for job in (union, named):
                try:
                    job.result()
                except OSError as exc:
                    raise StoreError(f"cannot write the exports in {out_dir}: {exc}") from exc
        return ExportedFiles(turtle=turtle, trig=trig)


class UnionView:
    """The store's default graph (the union) behind the two rdflib calls the network uses.

    ``subjects(predicate, object)`` and ``subject_objects(predicate)`` return rdflib
    terms as :meth:`GraphStore.rdflib_graph` would hold them
    (:func:`kg.graph.terms.to_rdflib_term`); nothing else of rdflib's Graph is offered.
    """

    context_aware = False

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    def _quads(self, subject: Node | None, predicate: Node | None, obj: Node | None):
        return self._store.quads_for_pattern(
            None if subject is None else to_ox_term(subject),
            None if predicate is None else to_ox_term(predicate),
            None if obj is None else to_ox_term(obj),
            ox.DefaultGraph(),
        )

    def subjects(self, predicate: Node | None = None, obj: Node | None = None) -> Iterator[Node]:
        for quad in self._quads(None, predicate, obj):
            yield to_rdflib_term(quad.subject)

    def subject_objects(self, predicate: Node | None = None) -> Iterator[tuple[Node, Node]]:
        for quad in self._quads(None, predicate, None):
            yield to_rdflib_term(quad.subject), to_rdflib_term(quad.object)


def _meta_triples(doc_iri: URIRef, meta: Mapping[str, str]) -> list[Triple]:
    triples: list[Triple] = []
    for key, value in meta.items():
        prop = DOCUMENT_META_PROPERTIES.get(key)
        if prop is None:
            known = ", ".join(sorted(DOCUMENT_META_PROPERTIES))
            raise StoreError(f"unknown document metadata key {key!r}; known keys: {known}")
        if value is not None:
            triples.append((doc_iri, prop, Literal(str(value))))
    return triples


