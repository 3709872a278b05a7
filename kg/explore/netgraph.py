"""RDF → networkx: the one conversion that the visualisation and the analytics share.

The RDF keeps provenance as reified ``kg:Statement`` nodes; exploring a graph wants
the opposite shape, one node per entity and one edge per relation carrying its
evidence. Doing that conversion once, here, means the HTML view, the statistics
and the GraphML/GEXF exports can never disagree about what the graph contains.

Node keys are entity IRIs (strings); edge keys are relation local names, so a
``MultiDiGraph`` holds at most one edge per (subject, relation, object). Edges of
symmetric relations (``kg:cooperatesWith``, ``kg:partnerOf``) are stored once, from
the smaller IRI to the larger, with the evidence of both directions merged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import networkx as nx
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.base.vocab import (
    ENTITY_CLASSES,
    KG,
    RELATION_PROPERTIES,
    SYMMETRIC_PROPERTIES,
)

#: The label languages a node carries, in the order the viewer offers them.
LABEL_LANGUAGES: tuple[str, ...] = ("zh-Hans", "zh-Hant", "pinyin", "en")

#: Class given to the endpoint of a relation that has no kg entity type.
UNTYPED = "Untyped"

#: Administrative level implied by the class when ``kg:adminLevel`` is absent.
LEVEL_OF_CLASS: dict[str, int] = {
    "Province": 1, "City": 2, "District": 3, "County": 3,
    "Township": 4, "Subdistrict": 4, "Village": 5,
}

_CLASS_RANK = {name: i for i, name in enumerate(ENTITY_CLASSES)}
_CLASS_IRIS = {KG[name]: name for name in ENTITY_CLASSES}
_RELATION_IRIS = {KG[name]: name for name in RELATION_PROPERTIES}


@dataclass(frozen=True)
class Evidence:
    """Where one relation was read: the sentence, its article and the extraction rule."""

    statement: str
    sentence: str | None = None
    document: str | None = None
    title: str | None = None
    date: str | None = None
    start: int | None = None
    end: int | None = None
    rule: str | None = None
    trigger: str | None = None
    confidence: float | None = None

    def sort_key(self) -> tuple:
        return (self.date or "", self.title or "", self.start if self.start is not None else -1,
                self.statement)


@dataclass(frozen=True)
class Mention:
    """One place an entity is named: the text as written, its article, offsets and rule."""

    document: str | None
    text: str
    start: int | None = None
    end: int | None = None
    sentence: str | None = None
    rule: str | None = None

    def sort_key(self) -> tuple:
        return (self.document or "", self.start if self.start is not None else -1, self.text)


@dataclass(frozen=True)
class Article:
    """An article of the corpus as the viewer lists it: IRI, title and publication date."""

    iri: str
    title: str | None = None
    date: str | None = None

    def sort_key(self) -> tuple:
        return (self.date or "", self.title or "", self.iri)


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Build the entity network of ``graph`` (a Graph, or a Dataset read as the union).

    Nodes carry ``cls``, ``classes``, ``label`` (Simplified), ``labels`` (by language,
    see ``LABEL_LANGUAGES``), ``alt_labels``, ``code``, ``admin_level``, ``province``
    (IRI), ``province_label``, ``cross_regional`` and ``mentions`` (a tuple of
    ``Mention`` by document and offset). Edges carry ``predicate``,
    ``predicate_iri``, ``symmetric``, ``cross_regional`` and ``evidence`` (a list of
    ``Evidence`` in date order). ``net.graph["articles"]`` lists every article as an
    ``Article``, by date. Node and edge insertion order is sorted, so the
    result does not depend on the order triples were added.
    """
    g = union_graph(graph)
    values = _Values(g)
    classes = _entity_classes(g)
    relations = _relations(g, values)
    for subject, _, obj in relations:
        for iri in (subject, obj):
            classes.setdefault(iri, [])
    labels = _labels(g, classes)
    provinces = _provinces(g, classes)

    net = nx.MultiDiGraph()
    articles = _articles(g, values)
    net.graph["documents"] = len(articles)
    net.graph["articles"] = articles
    net.graph["statements"] = len(set(g.subjects(RDF.type, KG.Statement)))
    mentions = _mentions(g, values)
    for iri in sorted(classes):
        net.add_node(iri, **_node_attributes(values, iri, classes[iri], labels, provinces),
                     mentions=tuple(sorted(mentions.get(iri, ()), key=Mention.sort_key)))
    for (subject, predicate, obj), evidence in sorted(relations.items()):
        cross = _differ(provinces.get(subject), provinces.get(obj))
        net.add_edge(subject, obj, key=predicate, predicate=predicate,
                     predicate_iri=str(KG[predicate]),
                     symmetric=predicate in SYMMETRIC_PROPERTIES, cross_regional=cross,
                     evidence=sorted(evidence, key=Evidence.sort_key))
    _mark_cross_regional_alliances(net)
    return net


def union_graph(graph: Graph) -> Graph:
    """The triples of every named graph of a Dataset, or ``graph`` itself if it has none."""
    if not graph.context_aware:
        return graph
    union = Graph()
    for s, p, o, _ in graph.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def entity_count(graph: Graph) -> int:
    """How many nodes ``to_networkx`` will produce: typed entities and relation endpoints."""
    g = union_graph(graph)
    nodes = set(_entity_classes(g))
    for subject, _, obj in _relations(g):
        nodes.update((subject, obj))
    return len(nodes)


def simple_undirected(net: nx.MultiDiGraph) -> nx.Graph:
    """Collapse parallel and opposite edges into one weighted undirected edge.

    Centrality, communities and layout all want this view; ``weight`` counts the
    relations between the two entities. Self-loops are dropped.
    """
    simple = nx.Graph()
    simple.add_nodes_from(net.nodes)
    for u, v in net.edges():
        if u == v:
            continue
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += 1
        else:
            simple.add_edge(u, v, weight=1)
    return simple


def display_label(attrs: dict, language: str = "zh-Hans") -> str:
    """The label to show in ``language``, falling back the way the viewer does.

    English falls back to pinyin (only places have English names), pinyin and
    Traditional fall back to the Simplified label.
    """
    labels = attrs.get("labels", {})
    chain = {"en": ("en", "pinyin", "zh-Hans"), "pinyin": ("pinyin", "zh-Hans"),
             "zh-Hant": ("zh-Hant", "zh-Hans")}.get(language, ("zh-Hans",))
    for lang in chain:
        if labels.get(lang):
            return labels[lang]
    return attrs.get("label", "")


# --------------------------------------------------------------------------- entities


def _entity_classes(g: Graph) -> dict[str, list[str]]:
    """Every subject typed with a kg entity class, with its classes most specific first."""
    classes: dict[str, list[str]] = defaultdict(list)
    for cls_iri, name in _CLASS_IRIS.items():
        for subject in g.subjects(RDF.type, cls_iri):
            if isinstance(subject, URIRef):
                classes[str(subject)].append(name)
    for names in classes.values():
        names.sort(key=_CLASS_RANK.__getitem__)
    return dict(classes)


def _language_slot(lang: str | None) -> str | None:
    """Map a BCP 47 tag onto one of ``LABEL_LANGUAGES`` (None when it fits none)."""
    tag = (lang or "").lower()
    if tag in ("zh-hans", "zh", "zh-cn", "zh-sg", "zh-hans-cn"):
        return "zh-Hans"
    if tag in ("zh-hant", "zh-tw", "zh-hk", "zh-mo") or tag.startswith("zh-hant"):
        return "zh-Hant"
    if tag.startswith("zh-latn"):
        return "pinyin"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def _labels(g: Graph, entities: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """All label literals of each entity, grouped by language slot; first is canonical.

    Within a slot, ``rdfs:label`` comes before ``skos:prefLabel`` before
    ``skos:altLabel``, then alphabetical order, so the choice is reproducible.
    """
    found: dict[str, dict[str, list[tuple[int, str]]]] = {
        iri: defaultdict(list) for iri in entities}
    for rank, prop in enumerate((RDFS.label, SKOS.prefLabel, SKOS.altLabel)):
        for subject, literal in g.subject_objects(prop):
            iri = str(subject)
            if iri not in found or not isinstance(literal, Literal):
                continue
            slot = _language_slot(literal.language) or ("untagged" if not literal.language
                                                          else "other")
            found[iri][slot].append((rank, str(literal)))
    return {iri: {slot: _dedupe(v for _, v in sorted(values)) for slot, values in slots.items()}
            for iri, slots in found.items()}


def _dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v.strip()))


def _fallback_label(iri: str) -> str:
    tail = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return unquote(tail) or iri


def _node_attributes(values: _Values, iri: str, classes: list[str],
                     labels: dict[str, dict[str, list[str]]],
                     provinces: dict[str, str]) -> dict:
    slots = labels.get(iri, {})
    by_language = {lang: slots[lang][0] for lang in LABEL_LANGUAGES if slots.get(lang)}
    label = (by_language.get("zh-Hans") or next(iter(slots.get("untagged", [])), None)
             or _fallback_label(iri))
    by_language.setdefault("zh-Hans", label)
    every = [v for slot in (*LABEL_LANGUAGES, "untagged", "other") for v in slots.get(slot, [])]
    alt = tuple(v for v in dict.fromkeys(every) if v not in by_language.values())
    subject = URIRef(iri)
    code = values.first(subject, KG.officialCode)
    level = values.first(subject, KG.adminLevel)
    cls = classes[0] if classes else UNTYPED
    province = provinces.get(iri)
    return {
        "cls": cls,
        "classes": tuple(classes),
        "label": label,
        "labels": by_language,
        "alt_labels": alt,
        "code": str(code) if code is not None else None,
        "admin_level": _as_int(level) if level is not None else LEVEL_OF_CLASS.get(cls),
        "province": province,
        "province_label": _province_label(values, province, labels) if province else None,
        "declared_cross_regional": _is_true(values.first(subject, KG.crossRegional)),
        "cross_regional": False,
        "member_provinces": (),
    }


class _Values:
    """Single values of properties, read one whole property at a time.

    Looking up (subject, property) pairs one by one costs a store query each, which
    dominates on large graphs; reading each property once into a dict does not.
    Where a subject has several values the smallest is taken, so the choice is
    reproducible (``Graph.value`` returns any of them).
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._tables: dict[URIRef, dict] = {}

    def first(self, subject, predicate: URIRef):
        if subject is None:
            return None
        table = self._tables.get(predicate)
        if table is None:
            table = {}
            for s, o in self.graph.subject_objects(predicate):
                current = table.get(s)
                if current is None or _term_order(o) < _term_order(current):
                    table[s] = o
            self._tables[predicate] = table
        return table.get(subject)


def _term_order(term) -> tuple[str, str]:
    return str(term), repr(term)


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_true(value) -> bool:
    if value is None:
        return False
    if isinstance(value, Literal) and isinstance(value.toPython(), bool):
        return bool(value.toPython())
    return str(value).strip().lower() in ("true", "1")


def _province_label(values: _Values, province: str, labels: dict) -> str:
    slots = labels.get(province)
    if slots and slots.get("zh-Hans"):
        return slots["zh-Hans"][0]
    literal = values.first(URIRef(province), RDFS.label)
    return str(literal) if literal is not None else _fallback_label(province)


def _provinces(g: Graph, entities: dict[str, list[str]]) -> dict[str, str]:
    """The province IRI of each entity: declared, itself for a province, else up locatedIn."""
    declared: dict[str, str] = {}
    # several declared provinces: the least IRI, whatever order the triples come in
    for s, o in sorted((str(s), str(o)) for s, o in g.subject_objects(KG.province)):
        declared.setdefault(s, o)
    for iri, classes in entities.items():
        if "Province" in classes:
            declared[iri] = iri
    parents: dict[str, list[str]] = defaultdict(list)
    for s, o in g.subject_objects(KG.locatedIn):
        parents[str(s)].append(str(o))
    resolved: dict[str, str] = {}
    for iri in entities:
        found = _walk_up(iri, declared, parents)
        if found:
            resolved[iri] = found
    return resolved


def _walk_up(start: str, declared: dict[str, str], parents: dict[str, list[str]]) -> str | None:
    """Breadth-first up the locatedIn links to the first node whose province is known."""
    queue, seen = [start], {start}
    while queue:
        iri = queue.pop(0)
        if iri in declared:
            return declared[iri]
        for parent in sorted(parents.get(iri, ())):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return None


def _differ(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


# --------------------------------------------------------------------------- articles and mentions


def _articles(g: Graph, values: _Values) -> list[Article]:
    found = []
    for doc in set(g.subjects(RDF.type, KG.Article)):
        if isinstance(doc, URIRef):
            title = values.first(doc, DCTERMS.title)
            issued = values.first(doc, DCTERMS.issued)
            found.append(Article(str(doc), _optional_str(title), _optional_str(issued)))
    return sorted(found, key=Article.sort_key)


def _mentions(g: Graph, values: _Values) -> dict[str, list[Mention]]:
    """The ``kg:Mention`` nodes of each entity (docs/architecture.md)."""
    found: dict[str, list[Mention]] = defaultdict(list)
    for mention, entity in g.subject_objects(KG.mentionOf):
        if not isinstance(entity, URIRef):
            continue
        sentence = values.first(mention, KG.sentence)
        document = values.first(mention, KG.inDocument) or values.first(sentence, KG.inDocument)
        text = values.first(sentence, KG.text) if sentence is not None else None
        found[str(entity)].append(Mention(
            document=_optional_str(document),
            text=str(values.first(mention, KG.text) or ""),
            start=_as_int(values.first(mention, KG.startOffset)),
            end=_as_int(values.first(mention, KG.endOffset)),
            sentence=_optional_str(text),
            rule=_optional_str(values.first(mention, KG.rule)),
        ))
    return found


# --------------------------------------------------------------------------- relations


def _relations(g: Graph, values: _Values | None = None) -> dict[tuple[str, str, str],
                                                                list[Evidence]]:
    """Asserted relation triples and reified statements, keyed by (subject, name, object)."""
    relations: dict[tuple[str, str, str], list[Evidence]] = {}
    for predicate, name in _RELATION_IRIS.items():
        for s, o in g.subject_objects(predicate):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                relations.setdefault(_edge_key(str(s), name, str(o)), [])
    values = values or _Values(g)
    for statement, subject, name, obj in _statements(g, values):
        evidence = _evidence(values, statement)
        relations.setdefault(_edge_key(subject, name, obj), []).append(evidence)
    return relations


def _edge_key(subject: str, name: str, obj: str) -> tuple[str, str, str]:
    if name in SYMMETRIC_PROPERTIES and obj < subject:
        subject, obj = obj, subject
    return subject, name, obj


def _statements(g: Graph, values: _Values) -> Iterator[tuple[URIRef, str, str, str]]:
    for statement in g.subjects(RDF.type, KG.Statement):
        predicate = values.first(statement, RDF.predicate)
        subject = values.first(statement, RDF.subject)
        obj = values.first(statement, RDF.object)
        name = _RELATION_IRIS.get(predicate)
        if name and isinstance(subject, URIRef) and isinstance(obj, URIRef):
            yield statement, str(subject), name, str(obj)


def _evidence(values: _Values, statement: URIRef) -> Evidence:
    sentence = values.first(statement, KG.sentence)
    document = values.first(statement, KG.inDocument) or values.first(sentence, KG.inDocument)
    text = values.first(sentence, KG.text)
    title = values.first(document, DCTERMS.title)
    issued = values.first(document, DCTERMS.issued)
    confidence = values.first(statement, KG.confidence)
    return Evidence(
        statement=str(statement),
        sentence=str(text) if text is not None else None,
        document=str(document) if document is not None else None,
        title=str(title) if title is not None else None,
        date=str(issued) if issued is not None else None,
        start=_as_int(values.first(statement, KG.startOffset)),
        end=_as_int(values.first(statement, KG.endOffset)),
        rule=_optional_str(values.first(statement, KG.rule)),
        trigger=_optional_str(values.first(statement, KG.trigger)),
        confidence=_as_float(confidence),
    )


def _as_float(value) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _optional_str(value) -> str | None:
    return str(value) if value is not None else None


def alliance_members(net: nx.MultiDiGraph, alliance: str) -> list[str]:
    """Who takes part in an alliance: its members, founders and organisers."""
    members = {u for u, _, key in net.in_edges(alliance, keys=True)
               if key in ("memberOf", "launched")}
    members.update(v for _, v, key in net.out_edges(alliance, keys=True) if key == "organizedBy")
    members.discard(alliance)
    return sorted(members)


def _mark_cross_regional_alliances(net: nx.MultiDiGraph) -> None:
    """Flag alliances declared cross-regional or whose members lie in several provinces."""
    for iri, attrs in net.nodes(data=True):
        if attrs["cls"] != "Alliance":
            continue
        members = alliance_members(net, iri)
        provinces = sorted({net.nodes[m]["province"] for m in members
                            if net.nodes[m]["province"]})
        attrs["member_provinces"] = tuple(provinces)
        attrs["cross_regional"] = attrs["declared_cross_regional"] or len(provinces) > 1


__all__ = [
    "Article", "Evidence", "Mention", "alliance_members", "LABEL_LANGUAGES", "LEVEL_OF_CLASS",
    "UNTYPED",
    "display_label", "entity_count", "simple_undirected", "to_networkx", "union_graph",
]
