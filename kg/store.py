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
the document's graph and the default graph. A build killed at any point (even by
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

Terms coming out of Oxigraph differ from what rdflib code writes in two
harmless-looking ways that break equality in rdflib: plain strings come back as
``xsd:string``-typed literals and language tags come back in lower case
(``zh-hans``). :func:`to_rdflib_term` undoes both, so the graphs handed to the
rest of kg compare equal to the ones the graph stage built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD
from rdflib.term import Node

from kg.errors import StoreError
from kg.fsutil import atomic_write_text
from kg.vocab import KG, PREFIXES

STORE_DIRNAME = "store"
TURTLE_FILENAME = "graph.ttl"
TRIG_FILENAME = "graph.trig"

#: Prefixes bound in exports and available to every query without PREFIX lines.
SERIALISATION_PREFIXES: dict[str, str] = {"rdf": str(RDF), **PREFIXES}

#: Keys accepted in the ``meta`` argument of :meth:`GraphStore.replace_document`,
#: and the property of the article node each one sets.
DOCUMENT_META_PROPERTIES: dict[str, URIRef] = {
    "content_hash": KG.contentHash,
    "source_file": KG.sourceFile,
    "title": DCTERMS.title,
}

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, Node | None]

_XSD_STRING = str(XSD.string)


# --------------------------------------------------------------------------- terms


def canonical_language_tag(tag: str) -> str:
    """Write a BCP 47 tag in its conventional case: ``zh-hans`` → ``zh-Hans``.

    Language subtags are lower case, four-letter script subtags title case and
    two-letter region subtags upper case; everything after a singleton (``x-``,
    ``u-`` extensions) stays lower case (RFC 5646 §2.1.1).
    """
    parts = tag.lower().split("-")
    out = [parts[0]]
    after_singleton = False
    for part in parts[1:]:
        if len(part) == 1:
            after_singleton = True
        if not after_singleton and len(part) == 4 and part.isalpha():
            part = part.title()
        elif not after_singleton and len(part) == 2 and part.isalpha():
            part = part.upper()
        out.append(part)
    return "-".join(out)


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph) -> Node | None:
    """Convert an Oxigraph term to rdflib (``None`` for the default graph).

    Plain strings lose their explicit ``xsd:string`` datatype and language tags
    get their conventional case back, see the module docstring.
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=canonical_language_tag(term.language))
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise StoreError(f"unsupported RDF term from the store: {term!r}")


def to_ox_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to Oxigraph; invalid IRIs or tags raise StoreError."""
    try:
        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
    except ValueError as exc:
        raise StoreError(f"cannot store the RDF term {term!r}: {exc}") from exc
    raise StoreError(f"cannot store {term!r}: expected an IRI, blank node or literal")


def _ntriples_line(triple: Triple) -> str:
    subject, predicate, obj = triple
    if isinstance(subject, Literal) or not isinstance(predicate, URIRef):
        raise StoreError(
            f"not an RDF triple: {triple!r}; the subject must be an IRI or blank node "
            "and the predicate an IRI"
        )
    return f"{to_ox_term(subject)} {to_ox_term(predicate)} {to_ox_term(obj)} ."


def ntriples(triples: Iterable[Triple]) -> str:
    """Triples as an N-Triples document, one sorted line each (for HTTP uploads)."""
    lines = sorted({_ntriples_line(t) for t in triples})
    return "".join(line + "\n" for line in lines)


def replace_graph_update(graph_iri: URIRef, triples: Iterable[Triple]) -> str:
    """The SPARQL UPDATE request that swaps one document graph and updates the union.

    Three operations, applied together by Oxigraph: forget the union triples
    no other graph holds, drop the graph, insert the new triples into the graph
    and the union. Terms are written in their N-Triples form by Oxigraph
    itself, so every string is escaped by the RDF library and never pasted by
    hand.
    """
    graph = to_ox_term(graph_iri)
    lines = dict.fromkeys(_ntriples_line(t) for t in triples)
    request = (
        "DELETE { ?s ?p ?o } WHERE {\n"
        f"  GRAPH {graph} {{ ?s ?p ?o }}\n"
        f"  FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {graph}) }}\n"
        "} ;\n"
        f"DROP SILENT GRAPH {graph}"
    )
    if lines:
        body = "\n".join(lines)
        request += f" ;\nINSERT DATA {{\n{body}\nGRAPH {graph} {{\n{body}\n}} }}"
    return request


REBUILD_UNION_UPDATE = "DROP SILENT DEFAULT ;\nINSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


# --------------------------------------------------------------------------- Turtle and TriG
#
# A small writer of its own rather than rdflib's serializer: rdflib writes
# about a thousand triples a second, too slow for the exports of a real build,
# and Oxigraph's writer lower-cases language tags and escapes every "/" in
# prefixed names. This one sorts everything, so the same triples always give
# the same bytes, and keeps the tags as the graph stage wrote them.

_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def _escape_string(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group(0)
        return _ESCAPES.get(char, f"\\u{ord(char):04X}")

    return '"' + _NEEDS_ESCAPE.sub(replace, text) + '"'


_PREFIX_OF_NAMESPACE = {namespace: prefix for prefix, namespace in SERIALISATION_PREFIXES.items()}


def _iri_text(iri: str) -> str:
    """``kg:Township`` when the IRI is a known namespace plus a plain name, else ``<iri>``."""
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    prefix = _PREFIX_OF_NAMESPACE.get(iri[:cut])
    if prefix is not None and _LOCAL_NAME.fullmatch(iri[cut:]):
        return f"{prefix}:{iri[cut:]}"
    return f"<{iri}>"


def _bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in SERIALISATION_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


AnyTerm = Node | ox.NamedNode | ox.BlankNode | ox.Literal

_RDF_TYPE = str(RDF.type)
_SHORT_FORMS = {
    str(XSD.integer): _INTEGER,
    str(XSD.decimal): _DECIMAL,
    str(XSD.boolean): re.compile(r"true|false"),
}


def _literal_text(lexical: str, language: str | None, datatype: str | None) -> str:
    if language:
        return f"{_escape_string(lexical)}@{canonical_language_tag(language)}"
    if datatype is None or datatype == _XSD_STRING:
        return _escape_string(lexical)
    short = _SHORT_FORMS.get(datatype)
    if short is not None and short.fullmatch(lexical):
        return lexical
    return f"{_escape_string(lexical)}^^{_iri_text(datatype)}"


def term_text(term: AnyTerm) -> str:
    """One term (rdflib or Oxigraph) in Turtle: prefixed names where possible, bare numbers."""
    if isinstance(term, ox.NamedNode):
        return _iri_text(term.value)
    if isinstance(term, ox.Literal):
        return _literal_text(term.value, term.language, term.datatype.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, URIRef):
        return _iri_text(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        return _literal_text(str(term), term.language, datatype)
    raise StoreError(f"cannot write {term!r} as Turtle")


def _value(term: AnyTerm) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode) else str(term)


def _node_key(term: AnyTerm) -> tuple[int, str]:
    """IRIs before blank nodes, each in code point order."""
    return (1 if isinstance(term, BNode | ox.BlankNode) else 0, _value(term))


def _statements(triples: Iterable[tuple[AnyTerm, AnyTerm, AnyTerm]], indent: str) -> list[str]:
    """The triples grouped by subject and predicate, one block per subject."""
    tree: dict[tuple[int, str], tuple[AnyTerm, dict[str, set[str]]]] = {}
    for s, p, o in triples:
        _, predicates = tree.setdefault(_node_key(s), (s, {}))
        predicates.setdefault(_value(p), set()).add(term_text(o))
    blocks = []
    for key in sorted(tree):
        subject, predicates = tree[key]
        lines = []
        for predicate in sorted(predicates, key=lambda iri: (iri != _RDF_TYPE, iri)):
            verb = "a" if predicate == _RDF_TYPE else _iri_text(predicate)
            lines.append(f"{verb} {' , '.join(sorted(predicates[predicate]))}")
        body = f" ;\n{indent}    ".join(lines)
        blocks.append(f"{indent}{term_text(subject)} {body} .\n")
    return blocks


def _prefix_header() -> str:
    return "".join(
        f"@prefix {prefix}: <{namespace}> .\n"
        for prefix, namespace in sorted(SERIALISATION_PREFIXES.items())
    )


def turtle_text(triples: Iterable[tuple[AnyTerm, AnyTerm, AnyTerm]]) -> str:
    """Serialise triples as Turtle; the same set of triples always gives the same text."""
    return _prefix_header() + "".join("\n" + block for block in _statements(triples, ""))


def trig_text(quads: Iterable[tuple[AnyTerm, AnyTerm, AnyTerm, AnyTerm | None]]) -> str:
    """Serialise quads as TriG, one block per named graph in IRI order.

    Quads of the default graph (graph ``None`` or ``ox.DefaultGraph()``) come first,
    outside any block.
    """
    graphs: dict[tuple[int, str], tuple[AnyTerm, list]] = {}
    default: list = []
    for s, p, o, g in quads:
        if g is None or isinstance(g, ox.DefaultGraph):
            default.append((s, p, o))
        else:
            graphs.setdefault(_node_key(g), (g, []))[1].append((s, p, o))
    parts = [_prefix_header()]
    parts.extend("\n" + block for block in _statements(default, ""))
    for key in sorted(graphs):
        graph, triples = graphs[key]
        blocks = _statements(triples, "    ")
        parts.append(f"\n{term_text(graph)} {{\n" + "\n".join(blocks) + "}\n")
    return "".join(parts)


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


def _open_error(build_dir: Path, exc: OSError) -> StoreError:
    message = str(exc)
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
        except OSError as exc:
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
        store = self._writable()
        if not isinstance(doc_iri, URIRef):
            raise StoreError(f"a document graph needs an IRI name, got {doc_iri!r}")
        meta_triples = _meta_triples(doc_iri, meta or {})
        overridden = {p for _, p, _ in meta_triples}
        content = [t for t in triples if not (t[0] == doc_iri and t[1] in overridden)]
        content.extend(meta_triples)
        request = replace_graph_update(doc_iri, content)
        try:
            store.update(request)
        except (SyntaxError, OSError, RuntimeError) as exc:
            raise StoreError(f"could not write the graph of {doc_iri}: {exc}") from exc
        return len(set(content))

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
        node = to_ox_term(doc_iri)
        pattern = self.pyoxigraph_store.quads_for_pattern(
            node, to_ox_term(KG.contentHash), None, node
        )
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

    def export(self, dir: Path | str | None = None) -> ExportedFiles:
        """Write ``graph.ttl`` (the union) and ``graph.trig`` (one graph per document).

        Both go to ``dir`` (the build directory by default) and each replaces
        its previous version atomically. The same content always gives the
        same bytes.
        """
        out_dir = Path(dir) if dir is not None else self.build_dir
        store = self.pyoxigraph_store
        # Oxigraph terms go straight to text: no rdflib objects for a big graph.
        union = (
            (q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        )
        turtle = atomic_write_text(out_dir / TURTLE_FILENAME, turtle_text(union))
        named = (
            (q.subject, q.predicate, q.object, q.graph_name)
            for graph in store.named_graphs()
            for q in store.quads_for_pattern(None, None, None, graph)
        )
        trig = atomic_write_text(out_dir / TRIG_FILENAME, trig_text(named))
        return ExportedFiles(turtle=turtle, trig=trig)


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
