"""Turn one document's ``Extraction`` into RDF triples for its named graph.

IRIs are deterministic: a linked place is named by its official code, any
other entity by its class and canonical name, provenance nodes by the document
id and offsets. The same input therefore always gives the same triples, and
the same entity in two documents gets the same IRI.

Relations are asserted as plain triples and described by a reified
``kg:Statement`` carrying the document, sentence, offsets, rule, trigger and
confidence (see docs/architecture.md for why reification).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.base.vocab import ADMIN_CLASSES, DATA_BASE, KG
from kg.extract.gazetteer import get_gazetteer
from kg.graph.terms import to_ox_term, to_rdflib_term
from kg.model import CleanDocument, Entity, Extraction, Relation
from kg.read.normalise import english_place_name, pinyin_label, to_traditional

Triple = tuple[URIRef, URIRef, URIRef | Literal]

HANS = "zh-Hans"
HANT = "zh-Hant"
PINYIN = "zh-Latn-pinyin"


# ---------------------------------------------------------------------------
# IRIs
# ---------------------------------------------------------------------------


def doc_iri(doc_id: str) -> URIRef:
    return URIRef(_doc_iri(doc_id))


def place_iri(code: str) -> URIRef:
    return URIRef(_place_iri(code))


def entity_iri(entity: Entity, doc_id: str | None = None) -> URIRef:
    """Places by official code; everything else by class and canonical name.

    A name that only makes sense inside its article (``entity.local``: 区司法局
    of an article that never says which district) is also qualified by the
    document, so the same words in two articles do not become one body.
    """
    return URIRef(_entity_iri(entity, doc_id))


def sentence_iri(doc_id: str, index: int) -> URIRef:
    return URIRef(_sentence_iri(quote(doc_id, safe=""), index))


def mention_iri(doc_id: str, start: int, end: int) -> URIRef:
    return URIRef(f"{DATA_BASE}mention/{quote(doc_id, safe='')}/{start}-{end}")


def statement_iri(doc_id: str, s: URIRef, p: URIRef, o: URIRef) -> URIRef:
    return URIRef(_statement_iri(quote(doc_id, safe=""), str(s), str(p), str(o)))


# The same IRIs as strings: the triples below are built from them directly.


def _doc_iri(doc_id: str) -> str:
    return f"{DATA_BASE}doc/{quote(doc_id, safe='')}"


def _place_iri(code: str) -> str:
    return f"{DATA_BASE}place/{code}"


def _entity_iri(entity: Entity, doc_id: str | None) -> str:
    if entity.code:
        return _place_iri(entity.code)
    name = quote(entity.label, safe="")
    if entity.local and doc_id is not None:
        return f"{DATA_BASE}{entity.cls}/{name}/in/{quote(doc_id, safe='')}"
    return f"{DATA_BASE}{entity.cls}/{name}"


def _sentence_iri(quoted_doc_id: str, index: int) -> str:
    return f"{DATA_BASE}sent/{quoted_doc_id}/{index}"


def _statement_iri(quoted_doc_id: str, s: str, p: str, o: str) -> str:
    digest = hashlib.sha1(f"{s} {p} {o}".encode()).hexdigest()[:16]
    return f"{DATA_BASE}stmt/{quoted_doc_id}/{digest}"


# ---------------------------------------------------------------------------
# Terms
# ---------------------------------------------------------------------------
#
# Triples are built as Oxigraph terms, which the store takes as they are: an
# rdflib term costs several times as much to make, hash and write out again,
# and the graph stage makes some 400 triples per news article. Users of this
# module get rdflib terms from :func:`document_triples`.

OxTerm = ox.NamedNode | ox.Literal
OxTriple = tuple[ox.NamedNode, ox.NamedNode, OxTerm]


@cache
def _vocab(iri: str) -> ox.NamedNode:
    """A property or class of kg's vocabularies, made once."""
    return ox.NamedNode(iri)


_TYPE = _vocab(str(RDF.type))
_LABEL = _vocab(str(RDFS.label))
_PREF_LABEL = _vocab(str(SKOS.prefLabel))
_ALT_LABEL = _vocab(str(SKOS.altLabel))
_INTEGER = _vocab(str(XSD.integer))
_BOOLEAN = _vocab(str(XSD.boolean))


_KG_TERMS: dict[str, ox.NamedNode] = {}


def _kg(name: str) -> ox.NamedNode:
    """A term of kg's ontology by local name (looked up once per name: the hottest call here).

    Through ``KG``'s attributes, so a name the ontology lacks is an error.
    """
    node = _KG_TERMS.get(name)
    if node is None:
        node = _KG_TERMS[name] = ox.NamedNode(str(getattr(KG, name)))
    return node


@cache
def _dc(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(getattr(DCTERMS, name)))


@cache
def _rdf(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(getattr(RDF, name)))


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_INTEGER)


def _boolean(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=_BOOLEAN)


def _hans(text: str) -> ox.Literal:
    return ox.Literal(text, language=HANS)


@lru_cache(maxsize=1024)
def _decimal(value: float) -> ox.Literal:
    """As rdflib writes ``Literal(value, datatype=XSD.decimal)``."""
    return to_ox_term(Literal(value, datatype=XSD.decimal))  # type: ignore[return-value]


def _datetime(value: str) -> ox.Literal:
    """As rdflib writes ``Literal(value, datatype=XSD.dateTime)`` (it normalises the form)."""
    return to_ox_term(Literal(value, datatype=XSD.dateTime))  # type: ignore[return-value]


def _url(url: str) -> OxTerm:
    """An IRI when ``url`` is a usable one, else the text as a literal."""
    if _safe_iri(url):
        try:
            return ox.NamedNode(url)
        except ValueError:
            pass
    return ox.Literal(url)


# ---------------------------------------------------------------------------
# Triples
# ---------------------------------------------------------------------------


def document_triples(ex: Extraction) -> list[Triple]:
    """Every triple of the document's named graph as rdflib terms, sorted for stable output."""
    triples = [
        (URIRef(s.value), URIRef(p.value), to_rdflib_term(o))
        for s, p, o in document_ox_triples(ex)
    ]
    return sorted(triples, key=_triple_key)  # type: ignore[arg-type]


def document_lines(ex: Extraction) -> list[str]:
    """Every triple of the document's named graph as a sorted N-Triples line (no newline)."""
    return sorted(f"{s} {p} {o} ." for s, p, o in document_ox_triples(ex))


def document_ox_triples(ex: Extraction) -> set[OxTriple]:
    """Every triple of the document's named graph, as Oxigraph terms."""
    doc = ex.doc
    graph = _DocumentGraph(doc)
    iris = {key: ox.NamedNode(_entity_iri(e, doc.doc_id)) for key, e in ex.entities.items()}
    triples: set[OxTriple] = set(_article_triples(graph, ex, iris))
    sentence_of = SentenceFinder(ex)
    for idx in sorted(_evidence_sentences(ex, sentence_of)):
        sent = ex.sentences[idx]
        node = graph.sentence(idx)
        triples.update(
            [
                (node, _TYPE, _kg("Sentence")),
                (node, _kg("text"), ox.Literal(doc.text[sent.start : sent.end])),
                (node, _kg("sentenceIndex"), _integer(idx)),
                (node, _kg("startOffset"), _integer(sent.start)),
                (node, _kg("endOffset"), _integer(sent.end)),
                (node, _kg("inDocument"), graph.node),
            ]
        )
        triples.update(_region_triples(node, doc, sent.start))
    provinces = _provinces(ex)
    for key, ent in ex.entities.items():
        triples.update(_entity_triples(ent, iris[key], graph, sentence_of, provinces.get(key)))
    triples.update(_cross_regional(ex, iris, provinces))
    for r in ex.relations:
        if r.subject in iris and r.object in iris:
            triples.update(_relation_triples(r, iris, graph))
    triples.update(_division_chain_triples(ex, iris, graph, sentence_of))
    return triples


#: The rule recorded on the ``locatedIn`` links that come from the division list alone.
DIVISION_CHAIN_RULE = "gazetteer.division_chain"


def _division_chain_triples(
    ex: Extraction, iris: dict[str, ox.NamedNode], graph: _DocumentGraph,
    sentence_of: SentenceFinder,
) -> Iterator[OxTriple]:
    """Each linked place's ``locatedIn`` chain up to its province, from the division list.

    Why: a town named without its county (or under a county-level city) must
    still answer "which district is it in". The divisions above it that the
    article does not name are written as ``kg:AdministrativeDivision`` nodes
    (label, code, level), not as entities of the article, since the article
    never mentions them; the chain stops at the first division the article
    does name, which the text's own links (or the extractor's gazetteer links)
    take further. Each link is a statement with the rule
    ``gazetteer.division_chain``, pointing at the place's first mention.
    """
    gaz = get_gazetteer()
    named = {e.code for e in ex.entities.values() if e.code}
    for key, ent in sorted(ex.entities.items()):
        if not ent.code or not ent.mentions:
            continue
        first = ent.mentions[0][0]
        idx = sentence_of(first.start)
        child = iris[key]
        for parent in gaz.parents(ent.code):
            if parent.code in named:
                break
            pnode = ox.NamedNode(_place_iri(parent.code))
            yield pnode, _TYPE, _kg("AdministrativeDivision")
            yield pnode, _LABEL, _hans(parent.name)
            yield pnode, _kg("officialCode"), ox.Literal(parent.code)
            yield pnode, _kg("adminLevel"), _integer(parent.level)
            yield child, _kg("locatedIn"), pnode
            node = ox.NamedNode(_statement_iri(graph.quoted_id, child.value,
                                               _kg("locatedIn").value, pnode.value))
            yield node, _TYPE, _kg("Statement")
            yield node, _rdf("subject"), child
            yield node, _rdf("predicate"), _kg("locatedIn")
            yield node, _rdf("object"), pnode
            yield node, _kg("inDocument"), graph.node
            if idx is not None:
                yield node, _kg("sentence"), graph.sentence(idx)
            yield node, _kg("startOffset"), _integer(first.start)
            yield node, _kg("endOffset"), _integer(first.end)
            yield node, _kg("text"), ox.Literal(first.text)
            yield node, _kg("rule"), ox.Literal(DIVISION_CHAIN_RULE)
            yield node, _kg("confidence"), _decimal(1.0)
            child = pnode


class _DocumentGraph:
    """The document's node and the IRIs of its parts, with its id quoted once."""

    def __init__(self, doc: CleanDocument) -> None:
        self.doc = doc
        self.quoted_id = quote(doc.doc_id, safe="")
        self.node = ox.NamedNode(f"{DATA_BASE}doc/{self.quoted_id}")

    def sentence(self, index: int) -> ox.NamedNode:
        return ox.NamedNode(_sentence_iri(self.quoted_id, index))

    def mention(self, start: int, end: int) -> ox.NamedNode:
        return ox.NamedNode(f"{DATA_BASE}mention/{self.quoted_id}/{start}-{end}")


def _triple_key(triple: Triple) -> tuple[str, ...]:
    """A total order on triples that compares plain strings.

    rdflib's own term ordering goes through Python-level ``__lt__`` and
    ``__eq__`` calls and was a third of this module's time on real documents.
    """
    s, p, o = triple
    if isinstance(o, Literal):
        return (str(s), str(p), str(o), "literal", o.language or "", str(o.datatype or ""))
    return (str(s), str(p), str(o), "iri", "", "")


def _evidence_sentences(ex: Extraction, sentence_of: SentenceFinder) -> set[int]:
    """Indices of the sentences that some mention or statement points to.

    Only these become ``kg:Sentence`` nodes. The article's whole text is one
    literal on the article node, so no text is lost, while a sentence node with
    its six triples is written only where it is evidence: on news text about
    half of all triples were nodes of sentences nothing pointed to.
    """
    used = {
        r.sentence_index
        for r in ex.relations
        if r.subject in ex.entities and r.object in ex.entities
    }
    for ent in ex.entities.values():
        for span, _ in ent.mentions:
            idx = sentence_of(span.start)
            if idx is not None:
                used.add(idx)
    return {idx for idx in used if 0 <= idx < len(ex.sentences)}


def _article_triples(
    graph: _DocumentGraph, ex: Extraction, iris: dict[str, ox.NamedNode]
) -> Iterator[OxTriple]:
    doc, node = graph.doc, graph.node
    md = doc.metadata
    yield node, _TYPE, _kg("Article")
    yield node, _dc("identifier"), ox.Literal(doc.doc_id)
    yield node, _kg("sourceFile"), ox.Literal(doc.source)
    yield node, _kg("contentHash"), ox.Literal(doc.content_hash)
    yield node, _kg("script"), ox.Literal(doc.script)
    yield node, _kg("text"), ox.Literal(doc.text)
    if md.title:
        yield node, _dc("title"), _hans(md.title)
    if md.subtitle:
        yield node, _dc("alternative"), _hans(md.subtitle)
    if md.published:
        yield node, _dc("issued"), _datetime(md.published)
    if md.channel:
        yield node, _kg("channel"), _hans(md.channel)
    if md.url:
        yield node, _dc("source"), _url(md.url)
    for name, prop in ((md.publisher, "publisher"), (md.source, "contributor")):
        key = f"Publication:{name}"
        if name and key in iris:
            yield node, _dc(prop), iris[key]
    for editor in md.editors:
        key = f"Person:{editor}"
        if key in iris:
            yield node, _kg("editor"), iris[key]


def _safe_iri(url: str) -> bool:
    return url.startswith(("http://", "https://")) and not any(c in url for c in ' <>"{}|\\^`')


def _entity_triples(
    ent: Entity,
    node: ox.NamedNode,
    graph: _DocumentGraph,
    sentence_of: SentenceFinder,
    province: str | None,
) -> Iterator[OxTriple]:
    doc = graph.doc
    yield node, _TYPE, _kg(ent.cls)
    yield node, _LABEL, _hans(ent.label)
    yield node, _PREF_LABEL, _hans(ent.label)
    for alt in sorted(ent.alt_labels):
        if alt != ent.label:
            yield node, _ALT_LABEL, _hans(alt)
    if doc.script == "Hant":
        hant = ent.label_hant or to_traditional(ent.label)
        yield node, _ALT_LABEL, ox.Literal(hant, language=HANT)
    yield node, _ALT_LABEL, ox.Literal(pinyin_label(ent.label), language=PINYIN)
    if ent.cls in ADMIN_CLASSES:
        yield node, _ALT_LABEL, ox.Literal(english_place_name(ent.label, ent.cls), language="en")
    if ent.code:
        yield node, _kg("officialCode"), ox.Literal(ent.code)
        if ent.admin_level:
            yield node, _kg("adminLevel"), _integer(ent.admin_level)
    if province:
        pnode = ox.NamedNode(_place_iri(province))
        yield node, _kg("province"), pnode
        division = get_gazetteer().by_code(province)
        if division is not None:
            yield pnode, _LABEL, _hans(division.name)
            yield pnode, _kg("officialCode"), ox.Literal(division.code)
    for span, rule in ent.mentions:
        m = graph.mention(span.start, span.end)
        yield m, _TYPE, _kg("Mention")
        yield m, _kg("mentionOf"), node
        yield m, _kg("text"), ox.Literal(span.text)
        yield m, _kg("startOffset"), _integer(span.start)
        yield m, _kg("endOffset"), _integer(span.end)
        yield m, _kg("rule"), ox.Literal(rule)
        yield m, _kg("inDocument"), graph.node
        idx = sentence_of(span.start)
        if idx is not None:
            yield m, _kg("sentence"), graph.sentence(idx)
        yield from _region_triples(m, doc, span.start)


def _region_triples(node: ox.NamedNode, doc: CleanDocument, offset: int) -> Iterator[OxTriple]:
    """``kg:page`` (PDF) or ``kg:paragraph`` (Word) of what starts at ``offset``, if known."""
    region = doc.region_at(offset)
    if region is not None:
        yield node, _kg(region.unit), _integer(region.number)


class SentenceFinder:
    """Which sentence of one document holds an offset (sentences are in text order)."""

    def __init__(self, ex: Extraction) -> None:
        self._sentences = ex.sentences
        self._starts = [s.start for s in ex.sentences]

    def __call__(self, offset: int) -> int | None:
        idx = bisect_right(self._starts, offset) - 1
        if idx >= 0 and offset < self._sentences[idx].end:
            return idx
        return None


def _relation_triples(
    r: Relation, iris: dict[str, ox.NamedNode], graph: _DocumentGraph
) -> Iterator[OxTriple]:
    s, o = iris[r.subject], iris[r.object]
    p = _kg(r.predicate)
    yield s, p, o
    node = ox.NamedNode(_statement_iri(graph.quoted_id, s.value, p.value, o.value))
    text = graph.doc.text[r.evidence.start : r.evidence.end]
    yield node, _TYPE, _kg("Statement")
    yield node, _rdf("subject"), s
    yield node, _rdf("predicate"), p
    yield node, _rdf("object"), o
    yield node, _kg("inDocument"), graph.node
    yield node, _kg("sentence"), graph.sentence(r.sentence_index)
    yield node, _kg("startOffset"), _integer(r.evidence.start)
    yield node, _kg("endOffset"), _integer(r.evidence.end)
    yield node, _kg("text"), ox.Literal(text)
    yield node, _kg("rule"), ox.Literal(r.rule)
    yield node, _kg("confidence"), _decimal(round(r.confidence, 2))
    if r.trigger:
        yield node, _kg("trigger"), _hans(r.trigger)
    yield from _region_triples(node, graph.doc, r.evidence.start)


# ---------------------------------------------------------------------------
# Provinces and cross-regional alliances
# ---------------------------------------------------------------------------


def _provinces(ex: Extraction) -> dict[str, str]:
    """The province code of every entity that can be placed.

    Linked places know theirs from the gazetteer; other entities inherit it
    along the ``locatedIn`` relations of the document.
    """
    gaz = get_gazetteer()
    out: dict[str, str] = {}
    for key, e in ex.entities.items():
        if e.code:
            p = gaz.province_of(e.code)
            if p is not None:
                out[key] = p.code
    located = [(r.subject, r.object) for r in ex.relations if r.predicate == "locatedIn"]
    for _ in range(4):
        changed = False
        for s, o in located:
            if s not in out and o in out:
                out[s] = out[o]
                changed = True
        if not changed:
            break
    return out


def _cross_regional(
    ex: Extraction, iris: dict[str, ox.NamedNode], provinces: dict[str, str]
) -> Iterable[OxTriple]:
    members: dict[str, set[str]] = {}
    for r in ex.relations:
        if (
            r.predicate == "memberOf"
            and ex.entities.get(r.object)
            and ex.entities[r.object].cls == "Alliance"
        ):
            members.setdefault(r.object, set()).add(r.subject)
    for alliance, subjects in members.items():
        known = {provinces[s] for s in subjects if s in provinces}
        if len(known) >= 1 and len(subjects) >= 2:
            yield iris[alliance], _kg("crossRegional"), _boolean(len(known) > 1)
