"""The embedded RDF store of a build directory, and its Turtle/TriG exports.

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

import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from kg.base.fsutil import atomic_write_text, atomic_writer, is_corruption, is_disk_full
from kg.base.vocab import DATA_BASE, KG, PREFIXES
from kg.errors import DiskFullError, StoreDamagedError, StoreError
from kg.graph.terms import (
    Triple,
    canonical_language_tag,
    ntriples_line,
    to_ox_term,
    to_rdflib_term,
)

STORE_DIRNAME = "store"
TURTLE_FILENAME = "graph.ttl"
TRIG_FILENAME = "graph.trig"
#: Where each document's block sits in graph.trig, and which content it holds.
TRIG_INDEX_FILENAME = ".trig-index"
#: Folders holding the raw dump while an export is written.
DUMP_PREFIX = ".dump-"

#: Prefixes bound in exports and available to every query without PREFIX lines.
SERIALISATION_PREFIXES: dict[str, str] = {"rdf": str(RDF), **PREFIXES}

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


# --------------------------------------------------------------------------- Turtle and TriG
#
# Oxigraph writes the files, straight from the store: its writer runs in Rust
# and never builds a Python object per triple, so a million-triple export takes
# seconds and little memory (a Python writer took half a minute and held the
# graph in memory). graph.ttl is a Turtle dump of the default graph (the
# union); graph.trig is each named graph's Turtle dump, in IRI order, wrapped
# as a TriG graph block. The two are written by two threads (Oxigraph releases
# the interpreter while it dumps), and dumping graph by graph took a third less
# time than one TriG dump of the whole dataset (benchmarks/README.md). Two of
# the writer's habits are undone here. It stores language tags in lower case,
# so :func:`restore_language_tags` writes them as the graph stage did; and it
# escapes "/" in prefixed names, so namespaces whose local names hold a "/"
# (``kgid:``) are written as full IRIs. Within a graph the store keeps its
# triples in key order, which depends only on the terms, so the same content
# always gives the same bytes, whatever order the documents were added in.


def _bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in SERIALISATION_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


#: Prefixes the exports declare: those whose local names are plain words.
EXPORT_PREFIXES: dict[str, str] = {
    prefix: namespace for prefix, namespace in SERIALISATION_PREFIXES.items() if prefix != "kgid"
}

# A quote, then a language tag with at least one subtag (the only tags whose
# case can differ). Oxigraph writes tags in lower case.
_TAGGED_LITERAL_END = re.compile(r'"@([a-z]+(?:-[a-z0-9]+)+)')


def restore_language_tags(text: str) -> str:
    """Write every language tag in Turtle/TriG ``text`` in its conventional case.

    A quote preceded by an odd run of backslashes is escaped, part of a
    string's text, and is left alone.
    """

    def fix(match: re.Match[str]) -> str:
        before = match.start() - 1
        while before >= 0 and text[before] == "\\":
            before -= 1
        if (match.start() - 1 - before) % 2:
            return match.group(0)
        return f'"@{canonical_language_tag(match.group(1))}'

    return _TAGGED_LITERAL_END.sub(fix, text)


def prefix_header(prefixes: Mapping[str, str]) -> str:
    """``@prefix`` lines for ``prefixes``, sorted by prefix."""
    return "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in sorted(prefixes.items()))


def _with_language_tags(line: str) -> str:
    """One line of Oxigraph's output with its language tags restored (cheap when it has none)."""
    return restore_language_tags(line) if '"@' in line else line


def turtle_body_lines(turtle: bytes) -> Iterator[str]:
    """The statement lines of a Turtle dump: no ``@prefix`` lines, no blank lines,
    language tags restored (:func:`restore_language_tags`)."""
    for line in turtle.decode("utf-8").splitlines(keepends=True):
        if line.startswith("@prefix ") or not line.strip():
            continue
        yield _with_language_tags(line)


def trig_graph_block(graph: ox.NamedNode | ox.BlankNode, turtle: bytes) -> str:
    """One named graph as a TriG block, from the Turtle dump of its triples."""
    body = "".join(f"\t{line}" for line in turtle_body_lines(turtle))
    return f"{graph} {{\n{body}}}\n"


def write_union_turtle(store: ox.Store, path: Path, scratch: Path) -> None:
    """Write the default graph (the union) to ``path`` as Turtle, atomically."""
    dump = scratch / "union.ttl"
    store.dump(
        str(dump), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
        prefixes=EXPORT_PREFIXES,
    )
    with dump.open(encoding="utf-8", newline="") as lines, atomic_writer(path) as out:
        for line in lines:
            out.write(_with_language_tags(line).encode("utf-8"))


def named_graph_block(store: ox.Store, graph: ox.NamedNode | ox.BlankNode) -> str:
    """The TriG block of one named graph as the store holds it now."""
    turtle = store.dump(format=ox.RdfFormat.TURTLE, from_graph=graph, prefixes=EXPORT_PREFIXES)
    return trig_graph_block(graph, turtle)


class TrigBlocks:
    """TriG blocks of named graphs, made while a build writes them, kept until the export.

    Why: dumping every document graph at the end was most of the export's
    time, with nothing else to do meanwhile. A build instead dumps each
    document graph right after writing it, on its writer thread while the
    next documents are extracted (Oxigraph's dump runs without the GIL),
    and the export copies the blocks. A block is the same bytes an export
    would dump, because it is that dump, taken after the graph's last write
    in the run. Blocks go to a scratch file in the build directory, so
    memory does not grow with the corpus; the file is deleted on
    :meth:`close`.
    """

    def __init__(self, directory: Path) -> None:
        self._file = tempfile.TemporaryFile(prefix=DUMP_PREFIX, dir=directory)  # noqa: SIM115
        self._where: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def add(self, graph: ox.NamedNode, block: str) -> bool:
        """Keep ``graph``'s block, replacing any block kept for it before.

        A block that cannot be written (a full disk) is not kept, and neither
        is an older one of the same graph: the export then dumps that graph
        itself. Returns whether the block was kept.
        """
        data = block.encode("utf-8")
        with self._lock:
            self._where.pop(graph.value, None)
            try:
                offset = self._file.seek(0, os.SEEK_END)
                self._file.write(data)
            except OSError:
                return False
            self._where[graph.value] = (offset, len(data))
            return True

    def get(self, graph: ox.NamedNode | ox.BlankNode) -> bytes | None:
        """The block kept for ``graph``, or None."""
        with self._lock:
            where = self._where.get(graph.value) if isinstance(graph, ox.NamedNode) else None
            if where is None:
                return None
            self._file.seek(where[0])
            return self._file.read(where[1])

    def __len__(self) -> int:
        return len(self._where)

    def close(self) -> None:
        self._file.close()


def graph_fingerprints(store: ox.Store) -> dict[str, str]:
    """Each document graph's content hash and extractor: what determines its content.

    A build skips a document stored with the same two (kg/build.py), so a graph
    whose fingerprint did not change holds the triples it held. Graphs without
    a content hash (the merges graph) get none and are always dumped.
    """
    rows = store.query(
        f"SELECT ?g ?h ?x WHERE {{ GRAPH ?g {{ OPTIONAL {{ ?g <{KG.contentHash}> ?h }} "
        f"OPTIONAL {{ ?g <{KG.extractor}> ?x }} }} }}"
    )
    found: dict[str, list[str]] = {}
    for row in rows:
        graph, content = row["g"], row["h"]
        if isinstance(graph, ox.NamedNode) and content is not None:
            extractor = row["x"].value if row["x"] is not None else ""
            found.setdefault(graph.value, []).append(f"{content.value} {extractor}")
    return {graph: "|".join(sorted(values)) for graph, values in found.items()}


class PreviousTrig:
    """The blocks of the graph.trig an earlier export wrote, for graphs that did not change.

    Why: on a large build, dumping every unchanged document graph again was
    half the export of a run that added five articles (issue 22). The export
    records where each block sits and the fingerprint of its graph
    (:func:`graph_fingerprints`) in ``.trig-index``; a block is reused only
    when the file is the one indexed (same size and time) and the graph's fingerprint
    is unchanged, and it is then the same bytes a dump would give.
    """

    def __init__(self, path: Path) -> None:
        self._graphs: dict[str, list] = {}
        self._file = None
        index = path.parent / TRIG_INDEX_FILENAME
        try:
            recorded = json.loads(index.read_text(encoding="utf-8"))
            stat = path.stat()
            if [stat.st_size, stat.st_mtime_ns] == [recorded["size"], recorded["mtime_ns"]]:
                self._file = path.open("rb")  # noqa: SIM115 (closed by close())
                self._graphs = recorded["graphs"]
        except (OSError, ValueError, KeyError, TypeError):
            self._graphs = {}

    def get(self, graph: str, fingerprint: str | None) -> bytes | None:
        entry = self._graphs.get(graph)
        if self._file is None or fingerprint is None or not entry or entry[2] != fingerprint:
            return None
        self._file.seek(entry[0])
        data = self._file.read(entry[1])
        return data if len(data) == entry[1] else None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def write_named_trig(store: ox.Store, path: Path, blocks: TrigBlocks | None = None) -> None:
    """Write every named graph to ``path`` as TriG, in IRI order, atomically.

    A graph with a block in ``blocks`` is copied from there instead of being
    dumped again (:class:`TrigBlocks`); an unchanged graph is copied from the
    previous file (:class:`PreviousTrig`). The index for the next export is
    written after the file.
    """
    graphs = sorted(store.named_graphs(), key=lambda g: (isinstance(g, ox.BlankNode), g.value))
    fingerprints = graph_fingerprints(store)
    previous = PreviousTrig(path)
    index: dict[str, list] = {}
    try:
        with atomic_writer(path) as out:
            header = prefix_header(EXPORT_PREFIXES).encode("utf-8")
            out.write(header)
            offset = len(header)
            for graph in graphs:
                fingerprint = fingerprints.get(graph.value) if isinstance(
                    graph, ox.NamedNode) else None
                data = blocks.get(graph) if blocks is not None else None
                if data is None and fingerprint is not None:
                    data = previous.get(graph.value, fingerprint)
                if data is None:
                    data = named_graph_block(store, graph).encode("utf-8")
                out.write(data)
                if fingerprint is not None:
                    index[graph.value] = [offset, len(data), fingerprint]
                offset += len(data)
    finally:
        previous.close()
    recorded = {"size": offset, "mtime_ns": path.stat().st_mtime_ns, "graphs": index}
    atomic_write_text(path.parent / TRIG_INDEX_FILENAME, json.dumps(recorded, ensure_ascii=False))


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
        _bind_prefixes(graph)
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
        _bind_prefixes(dataset)
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


#: Where ``kg restore`` moves a damaged store, so that nothing is deleted.
DAMAGED_PREFIX = "store.damaged-"


def restore_store(build_dir: Path | str) -> tuple[int, Path | None]:
    """Rebuild ``DIR/store/`` from ``DIR/graph.trig``; return (documents, where the old store went).

    Why this can work: every build writes ``graph.trig`` with every named
    graph (the documents and the merges) after its last store write, so it
    is a complete copy of the store's content; the union (the default graph)
    is recomputed from it. The new store is loaded beside the old one and
    swapped in only when complete; the old one is kept as
    ``DIR/store.damaged-N`` for inspection and can be deleted. A next build
    reads the restored store as it would the original: the documents it
    holds are skipped, new ones added.
    """
    build_dir = Path(build_dir)
    trig = build_dir / TRIG_FILENAME
    if not trig.is_file():
        raise StoreError(
            f"{trig} is missing, so the store cannot be restored; rebuild from the inputs "
            f"with `kg build INPUT... -o {build_dir}` into a new directory"
        )
    location = store_path(build_dir)
    fresh = build_dir / f"{STORE_DIRNAME}.restoring"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        store = ox.Store(str(fresh))
        try:
            store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
            store.update(REBUILD_UNION_UPDATE)
            store.flush()
            documents = sum(1 for g in store.named_graphs() if isinstance(g, ox.NamedNode)
                            and g.value.startswith(f"{DATA_BASE}doc/"))
        finally:
            del store
    except SyntaxError as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise StoreError(f"{trig} is not valid TriG ({exc}); it cannot restore the store") from exc
    except (OSError, RuntimeError) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        if is_disk_full(exc):
            raise DiskFullError(
                f"the disk holding {build_dir} is full; free space and re-run `kg restore`"
            ) from exc
        raise StoreError(f"cannot restore the store in {location}: {exc}") from exc
    moved = None
    if location.exists():
        number = 1
        while (build_dir / f"{DAMAGED_PREFIX}{number}").exists():
            number += 1
        moved = build_dir / f"{DAMAGED_PREFIX}{number}"
        os.replace(location, moved)
    os.replace(fresh, location)
    return documents, moved
