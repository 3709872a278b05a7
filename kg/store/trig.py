"""The exports of the store as files: the union as Turtle, the documents as TriG.

Why this much care: a large store's TriG is rewritten after every build, so
each document graph's block is kept (``TrigBlocks``) or reused from the
previous file when its content did not change (``PreviousTrig``), and only
new or changed graphs are serialised. Language tags such as ``zh-hans`` keep
their case-insensitive canonical form whatever the serialiser writes.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Graph

from kg.base.fsutil import atomic_write_text, atomic_writer
from kg.base.vocab import KG, PREFIXES
from kg.graph.terms import (
    canonical_language_tag,
)

TURTLE_FILENAME = "graph.ttl"


TRIG_FILENAME = "graph.trig"


#: Where each document's block sits in graph.trig, and which content it holds.
TRIG_INDEX_FILENAME = ".trig-index"


#: Folders holding the raw dump while an export is written.
DUMP_PREFIX = ".dump-"


#: Prefixes bound in exports and available to every query without PREFIX lines.
SERIALISATION_PREFIXES: dict[str, str] = {"rdf": str(RDF), **PREFIXES}

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


#: Prefixes the exports declare: those whose local names are plain words.
EXPORT_PREFIXES: dict[str, str] = {
    prefix: namespace for prefix, namespace in SERIALISATION_PREFIXES.items() if prefix != "kgid"
}



def bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in SERIALISATION_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


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
