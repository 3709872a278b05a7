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
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.gazetteer import get_gazetteer
from kg.model import CleanDocument, Entity, Extraction, Relation
from kg.normalise import english_place_name, pinyin_label, to_traditional
from kg.vocab import ADMIN_CLASSES, DATA_BASE, KG

Triple = tuple[URIRef, URIRef, URIRef | Literal]

HANS = "zh-Hans"
HANT = "zh-Hant"
PINYIN = "zh-Latn-pinyin"


# ---------------------------------------------------------------------------
# IRIs
# ---------------------------------------------------------------------------


def doc_iri(doc_id: str) -> URIRef:
    return URIRef(f"{DATA_BASE}doc/{quote(doc_id, safe='')}")


def place_iri(code: str) -> URIRef:
    return URIRef(f"{DATA_BASE}place/{code}")


def entity_iri(entity: Entity, doc_id: str | None = None) -> URIRef:
    """Places by official code; everything else by class and canonical name.

    A name that only makes sense inside its article (``entity.local``: 区司法局
    of an article that never says which district) is also qualified by the
    document, so the same words in two articles do not become one body.
    """
    if entity.code:
        return place_iri(entity.code)
    name = quote(entity.label, safe="")
    if entity.local and doc_id is not None:
        return URIRef(f"{DATA_BASE}{entity.cls}/{name}/in/{quote(doc_id, safe='')}")
    return URIRef(f"{DATA_BASE}{entity.cls}/{name}")


def sentence_iri(doc_id: str, index: int) -> URIRef:
    return URIRef(f"{DATA_BASE}sent/{quote(doc_id, safe='')}/{index}")


def mention_iri(doc_id: str, start: int, end: int) -> URIRef:
    return URIRef(f"{DATA_BASE}mention/{quote(doc_id, safe='')}/{start}-{end}")


def statement_iri(doc_id: str, s: URIRef, p: URIRef, o: URIRef) -> URIRef:
    digest = hashlib.sha1(f"{s} {p} {o}".encode()).hexdigest()[:16]
    return URIRef(f"{DATA_BASE}stmt/{quote(doc_id, safe='')}/{digest}")


# ---------------------------------------------------------------------------
# Triples
# ---------------------------------------------------------------------------


def document_triples(ex: Extraction) -> list[Triple]:
    """Every triple of the document's named graph, sorted for stable output."""
    doc = ex.doc
    iris = {key: entity_iri(e, doc.doc_id) for key, e in ex.entities.items()}
    triples: set[Triple] = set()
    triples.update(_article_triples(doc, ex, iris))
    sentence_of = SentenceFinder(ex)
    for idx in sorted(_evidence_sentences(ex, sentence_of)):
        sent = ex.sentences[idx]
        node = sentence_iri(doc.doc_id, idx)
        triples.update(
            [
                (node, RDF.type, KG.Sentence),
                (node, KG.text, Literal(doc.text[sent.start : sent.end])),
                (node, KG.sentenceIndex, Literal(idx)),
                (node, KG.startOffset, Literal(sent.start)),
                (node, KG.endOffset, Literal(sent.end)),
                (node, KG.inDocument, doc_iri(doc.doc_id)),
            ]
        )
    provinces = _provinces(ex)
    for key, ent in ex.entities.items():
        triples.update(_entity_triples(ent, iris[key], doc, sentence_of, provinces.get(key)))
    triples.update(_cross_regional(ex, iris, provinces))
    for r in ex.relations:
        if r.subject in iris and r.object in iris:
            triples.update(_relation_triples(r, iris, doc))
    return sorted(triples, key=_triple_key)


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
    doc: CleanDocument, ex: Extraction, iris: dict[str, URIRef]
) -> Iterator[Triple]:
    node = doc_iri(doc.doc_id)
    md = doc.metadata
    yield node, RDF.type, KG.Article
    yield node, DCTERMS.identifier, Literal(doc.doc_id)
    yield node, KG.sourceFile, Literal(doc.source)
    yield node, KG.contentHash, Literal(doc.content_hash)
    yield node, KG.script, Literal(doc.script)
    yield node, KG.text, Literal(doc.text)
    if md.title:
        yield node, DCTERMS.title, Literal(md.title, lang=HANS)
    if md.subtitle:
        yield node, DCTERMS.alternative, Literal(md.subtitle, lang=HANS)
    if md.published:
        yield node, DCTERMS.issued, Literal(md.published, datatype=XSD.dateTime)
    if md.channel:
        yield node, KG.channel, Literal(md.channel, lang=HANS)
    if md.url:
        yield node, DCTERMS.source, URIRef(md.url) if _safe_iri(md.url) else Literal(md.url)
    for name, prop in ((md.publisher, DCTERMS.publisher), (md.source, DCTERMS.contributor)):
        key = f"Publication:{name}"
        if name and key in iris:
            yield node, prop, iris[key]
    for editor in md.editors:
        key = f"Person:{editor}"
        if key in iris:
            yield node, KG.editor, iris[key]


def _safe_iri(url: str) -> bool:
    return url.startswith(("http://", "https://")) and not any(c in url for c in ' <>"{}|\\^`')


def _entity_triples(
    ent: Entity,
    node: URIRef,
    doc: CleanDocument,
    sentence_of: SentenceFinder,
    province: str | None,
) -> Iterator[Triple]:
    yield node, RDF.type, getattr(KG, ent.cls)
    yield node, RDFS.label, Literal(ent.label, lang=HANS)
    yield node, SKOS.prefLabel, Literal(ent.label, lang=HANS)
    for alt in sorted(ent.alt_labels):
        if alt != ent.label:
            yield node, SKOS.altLabel, Literal(alt, lang=HANS)
    if doc.script == "Hant":
        hant = ent.label_hant or to_traditional(ent.label)
        yield node, SKOS.altLabel, Literal(hant, lang=HANT)
    yield node, SKOS.altLabel, Literal(pinyin_label(ent.label), lang=PINYIN)
    if ent.cls in ADMIN_CLASSES:
        yield node, SKOS.altLabel, Literal(english_place_name(ent.label, ent.cls), lang="en")
    if ent.code:
        yield node, KG.officialCode, Literal(ent.code)
        if ent.admin_level:
            yield node, KG.adminLevel, Literal(ent.admin_level)
    if province:
        pnode = place_iri(province)
        yield node, KG.province, pnode
        division = get_gazetteer().by_code(province)
        if division is not None:
            yield pnode, RDFS.label, Literal(division.name, lang=HANS)
            yield pnode, KG.officialCode, Literal(division.code)
    for span, rule in ent.mentions:
        m = mention_iri(doc.doc_id, span.start, span.end)
        yield m, RDF.type, KG.Mention
        yield m, KG.mentionOf, node
        yield m, KG.text, Literal(span.text)
        yield m, KG.startOffset, Literal(span.start)
        yield m, KG.endOffset, Literal(span.end)
        yield m, KG.rule, Literal(rule)
        yield m, KG.inDocument, doc_iri(doc.doc_id)
        idx = sentence_of(span.start)
        if idx is not None:
            yield m, KG.sentence, sentence_iri(doc.doc_id, idx)


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


def _relation_triples(r: Relation, iris: dict[str, URIRef], doc: CleanDocument) -> Iterator[Triple]:
    s, o = iris[r.subject], iris[r.object]
    p = getattr(KG, r.predicate)
    yield s, p, o
    node = statement_iri(doc.doc_id, s, p, o)
    yield node, RDF.type, KG.Statement
    yield node, RDF.subject, s
    yield node, RDF.predicate, p
    yield node, RDF.object, o
    yield node, KG.inDocument, doc_iri(doc.doc_id)
    yield node, KG.sentence, sentence_iri(doc.doc_id, r.sentence_index)
    yield node, KG.startOffset, Literal(r.evidence.start)
    yield node, KG.endOffset, Literal(r.evidence.end)
    yield node, KG.text, Literal(doc.text[r.evidence.start : r.evidence.end])
    yield node, KG.rule, Literal(r.rule)
    yield node, KG.confidence, Literal(round(r.confidence, 2), datatype=XSD.decimal)
    if r.trigger:
        yield node, KG.trigger, Literal(r.trigger, lang=HANS)


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
    ex: Extraction, iris: dict[str, URIRef], provinces: dict[str, str]
) -> Iterable[Triple]:
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
            yield iris[alliance], KG.crossRegional, Literal(len(known) > 1)
