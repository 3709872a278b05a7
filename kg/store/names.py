"""Any spelling of a name → the labels the graph stores for it, and documents by any handle.

A researcher types the Traditional form of a name read from Simplified
sources, or its pinyin without tones (``zhujiajiao zhen``), its English form
in capitals, or a place's official code. The named queries match labels
exactly (so they run unchanged on any SPARQL endpoint); this module finds,
in a build, the stored labels that the typed name stands for, and
:func:`kg.store.query.run_named_query` runs the query for each of them.

Two names are the same when their :func:`name_key` is: Traditional characters
folded to Simplified, compatibility and full-width forms folded (NFKD), tone
marks dropped, case folded, and spaces, hyphens, apostrophes and middle dots
removed. An official code stands for the labels of the places that carry it.
"""

from __future__ import annotations

import os.path
import unicodedata
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.base.vocab import DATA_BASE, KG
from kg.read.normalise import to_simplified
from kg.store.graphstore import GraphStore

#: Properties whose values are names of an entity.
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
_DROPPED = frozenset(" \t\u3000-‐‑–—'’`·・.")


def name_key(text: str) -> str:
    """The form in which two spellings of one name are equal.

    >>> name_key("Cè shì Zhèn") == name_key("ceshizhen"), name_key("測試鎮")
    (True, '测试镇')
    """
    simple = to_simplified(text.strip())
    decomposed = unicodedata.normalize("NFKD", simple)
    kept = (c for c in decomposed if not unicodedata.combining(c) and c not in _DROPPED)
    return unicodedata.normalize("NFC", "".join(kept)).casefold()


@dataclass
class LabelIndex:
    """Every stored name of the graph's entities, by :func:`name_key`."""

    by_key: dict[str, set[str]] = field(default_factory=dict)
    #: Official code → the rdfs:label values of the places with that code.
    by_code: dict[str, set[str]] = field(default_factory=dict)

    def add(self, label: str) -> None:
        self.by_key.setdefault(name_key(label), set()).add(label)

    def labels_for(self, typed: str) -> list[str]:
        """The stored labels ``typed`` stands for, sorted; ``[]`` when it names nothing."""
        found = set(self.by_code.get(typed.strip(), ()))
        found |= self.by_key.get(name_key(typed), set())
        return sorted(found)


def _index_from_pairs(
    names: Iterable[str], codes: Iterable[tuple[str, str]]
) -> LabelIndex:
    index = LabelIndex()
    for label in names:
        index.add(label)
    for code, label in codes:
        index.by_code.setdefault(code, set()).add(label)
    return index


_INDEXES: weakref.WeakKeyDictionary[GraphStore, tuple[int, LabelIndex]] = (
    weakref.WeakKeyDictionary()
)


def label_index(source: GraphStore | ox.Store | Graph) -> LabelIndex:
    """The :class:`LabelIndex` of a build (kept until kg writes to it) or of an rdflib graph."""
    if isinstance(source, GraphStore):
        kept = _INDEXES.get(source)
        if kept is None or kept[0] != source.generation:
            kept = _INDEXES[source] = (source.generation, _store_index(source.pyoxigraph_store))
        return kept[1]
    if isinstance(source, ox.Store):
        return _store_index(source)
    names = (str(o) for p in NAME_PROPERTIES for o in source.objects(None, p))
    codes = (
        (str(code), str(label))
        for s, code in source.subject_objects(KG.officialCode)
        for label in source.objects(s, RDFS.label)
    )
    return _index_from_pairs(names, codes)


def _store_index(store: ox.Store) -> LabelIndex:
    def names() -> Iterator[str]:
        for prop in NAME_PROPERTIES:
            node = ox.NamedNode(str(prop))
            for quad in store.quads_for_pattern(None, node, None, ox.DefaultGraph()):
                if isinstance(quad.object, ox.Literal):
                    yield quad.object.value

    rows = store.query(
        f"SELECT ?code ?label WHERE {{ ?e <{KG.officialCode}> ?code ; <{RDFS.label}> ?label }}"
    )
    codes = ((row["code"].value, row["label"].value) for row in rows)
    return _index_from_pairs(names(), codes)


def document_iris(source: GraphStore | ox.Store | Graph, typed: str) -> list[URIRef]:
    """The documents ``typed`` names: an id, a document IRI, a source file or a title.

    Exact matches win: an id or IRI first, then a source file, then titles
    compared by :func:`name_key` (so a Traditional or differently spaced
    title works too).
    """
    typed = typed.strip()
    if typed.startswith("<") and typed.endswith(">"):
        typed = typed[1:-1]
    articles = _articles(source)
    for candidate in (typed, f"{DATA_BASE}doc/{quote(typed, safe='')}"):
        if candidate in articles:
            return [URIRef(candidate)]
    wanted = os.path.normpath(typed)
    by_source = sorted(iri for iri, info in articles.items()
                       if any(os.path.normpath(f) == wanted for f in info["sources"]))
    if by_source:
        return [URIRef(iri) for iri in by_source]
    key = name_key(typed)
    return [URIRef(iri) for iri, info in sorted(articles.items())
            if any(name_key(t) == key for t in info["titles"])]


def _articles(source: GraphStore | ox.Store | Graph) -> dict[str, dict[str, set[str]]]:
    """Every article IRI with its source files and titles."""
    found: dict[str, dict[str, set[str]]] = {}

    def entry(iri: str) -> dict[str, set[str]]:
        return found.setdefault(iri, {"sources": set(), "titles": set()})

    if isinstance(source, Graph):
        for doc in source.subjects(RDF.type, KG.Article):
            item = entry(str(doc))
            item["sources"].update(str(v) for v in source.objects(doc, KG.sourceFile))
            item["titles"].update(str(v) for v in source.objects(doc, DCTERMS.title))
        return found
    store = source.pyoxigraph_store if isinstance(source, GraphStore) else source
    rows = store.query(
        f"SELECT ?doc ?file ?title WHERE {{ ?doc a <{KG.Article}> "
        f"OPTIONAL {{ ?doc <{KG.sourceFile}> ?file }} "
        f"OPTIONAL {{ ?doc <{DCTERMS.title}> ?title }} }}"
    )
    for row in rows:
        item = entry(row["doc"].value)
        if row["file"] is not None:
            item["sources"].add(row["file"].value)
        if row["title"] is not None:
            item["titles"].add(row["title"].value)
    return found

