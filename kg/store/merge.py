"""Cross-document merges: which IRIs name the same thing, and why.

Within a document the extractor already resolves entities, and IRIs are
deterministic (a linked place by its official code, anything else by class
and canonical Simplified name), so the same body written in Traditional or
Simplified, or with its district prefix filled in from the article's context,
already gets one IRI in every document. Two kinds of merge remain, and both
are recorded so that a user can check them with ``kg merges DIR``:

* other forms of one entity: ``skos:altLabel`` in the document graphs. They are
  not computed here; :func:`label_forms` explains each one from the mentions
  of the same document (the surface text and the rule that found it).
* two IRIs minted for one thing in different documents: ``owl:sameAs``. The one
  rule, kept conservative on purpose, is for places: a place left unlinked in
  one document (``kgid:Township/新桥镇``, because the article alone did not
  decide between the 21 towns of that name) is the same as a place linked
  by code in another document (``kgid:place/310117105``) when every document
  that mentions the unlinked one names the parent division of exactly that
  candidate of the division list, and of no other candidate of the same name.

The ``owl:sameAs`` triples live in one named graph, :data:`MERGES_GRAPH`,
together with an ``rdf:Statement`` per merge that carries its rule, a sentence
of explanation and the documents it rests on. :func:`update_merges` recomputes
that graph from the document graphs after every build and removal, so it never
outlives the documents that justified it.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS
from rdflib.term import Node

from kg.base.vocab import ADMIN_CLASSES, DATA_BASE, KG, PROV
from kg.extract.gazetteer import Division, Gazetteer, get_gazetteer, short_forms
from kg.graph.terms import Triple, to_ox_term, to_rdflib_term
from kg.read.normalise import to_simplified
from kg.store.graphstore import GraphStore

#: The named graph holding the owl:sameAs links and their explanations.
MERGES_GRAPH = URIRef(f"{DATA_BASE}graph/merges")
#: Document graphs are named under this prefix (kg.graph.document.doc_iri).
DOCUMENT_GRAPH_PREFIX = f"{DATA_BASE}doc/"

SAME_PARENT_RULE = "merge.place.parent_named"

#: Language tags of the alternative labels that are forms of a name (pinyin and
#: English labels are generated translations, not merges).
FORM_LANGUAGES = ("zh-Hans", "zh-Hant")

_LEVEL_PREFIXES = "省市区县镇乡村"
_ADMIN_CLASS_IRIS = " ".join(f"<{KG[c]}>" for c in ADMIN_CLASSES)


def is_document_graph(name: Node | str | None) -> bool:
    """Whether a named graph is a document's (and not, e.g., the merges graph)."""
    return name is not None and str(name).startswith(DOCUMENT_GRAPH_PREFIX)


# --------------------------------------------------------------------------- owl:sameAs


@dataclass(frozen=True)
class SameAs:
    """Two IRIs for one thing, with the rule and the documents behind the link."""

    unlinked: URIRef
    linked: URIRef
    label: str
    cls: str
    rule: str
    reason: str
    #: Documents that mention the unlinked IRI (all of them name the parent).
    documents: tuple[URIRef, ...]

    @property
    def statement(self) -> URIRef:
        """The node that describes this merge in the merges graph."""
        digest = hashlib.sha1(f"{self.unlinked} {self.linked}".encode()).hexdigest()[:16]
        return URIRef(f"{DATA_BASE}merge/{digest}")


@dataclass(frozen=True)
class _Unlinked:
    iri: URIRef
    cls: str
    label: str
    documents: tuple[URIRef, ...]


def parent_names(division: Division, gaz: Gazetteer) -> tuple[str, ...]:
    """How an article may name the division directly above ``division``.

    The parent's full name and its conventional short forms (松江区, 松江);
    one-character forms are dropped, being too common inside other words.
    """
    parents = gaz.parents(division.code)
    if not parents:
        return ()
    parent = parents[0]
    names = [parent.name, *short_forms(parent.name, parent.level)]
    return tuple(n for n in dict.fromkeys(names) if len(n) >= 2)


def named_candidates(
    text: str, candidates: Sequence[Division], gaz: Gazetteer
) -> dict[Division, str]:
    """The candidates whose parent division ``text`` names, with the name it uses."""
    named: dict[Division, str] = {}
    for d in candidates:
        found = [n for n in parent_names(d, gaz) if n in text]
        if found:
            named[d] = found[0]
    return named


def decide_same_place(
    label: str,
    cls: str,
    texts: Mapping[URIRef, str],
    minted_codes: frozenset[str],
    gaz: Gazetteer,
) -> tuple[Division, str] | None:
    """The linked place an unlinked place name denotes, with the reason; or None.

    ``texts`` holds the Simplified text (title and sentences) of every document
    that mentions the unlinked place. The answer is the one division list
    entry called ``label``, of class ``cls``, whose parent every one of those
    documents names while naming no other entry's parent, provided another
    document minted its IRI (its code is in ``minted_codes``).
    """
    candidates = [d for d in gaz.candidates(label) if gaz.entity_class(d) == cls]
    if not candidates or not texts:
        return None
    chosen: Division | None = None
    forms: set[str] = set()
    for text in texts.values():
        named = named_candidates(text, candidates, gaz)
        if len(named) != 1:
            return None
        [(division, form)] = named.items()
        if chosen is not None and division.code != chosen.code:
            return None
        chosen = division
        forms.add(form)
    if chosen is None or chosen.code not in minted_codes:
        return None
    parent = gaz.parents(chosen.code)[0]
    n_docs = len(texts)
    written = "/".join(sorted(forms))
    reason = (
        f"{label} ({cls}) is not linked in {n_docs} document{'s' if n_docs > 1 else ''}; "
        f"{'each names' if n_docs > 1 else 'it names'} {parent.name} (as {written}), the "
        f"parent of {label} {chosen.code}, and the parent of no other {label} of the division "
        f"list ({len(candidates)} of that name); another document links {label} {chosen.code}"
    )
    return chosen, reason


def _query(store: GraphStore, sparql: str) -> list[tuple[Node | None, ...]]:
    answer = store.pyoxigraph_store.query(sparql)
    return [
        tuple(None if value is None else to_rdflib_term(value) for value in row) for row in answer
    ]


def _unlinked_places(store: GraphStore) -> list[_Unlinked]:
    rows = _query(
        store,
        f"""
        SELECT ?u ?cls ?label ?g WHERE {{
          GRAPH ?g {{
            ?u a ?cls ; <{RDFS.label}> ?label .
            VALUES ?cls {{ {_ADMIN_CLASS_IRIS} }}
            FILTER NOT EXISTS {{ ?u <{KG.officialCode}> ?code }}
          }}
        }}""",
    )
    found: dict[URIRef, tuple[str, str, set[URIRef]]] = {}
    for u, cls, label, g in rows:
        if not (isinstance(u, URIRef) and is_document_graph(g)):
            continue
        entry = found.setdefault(u, (str(cls).rsplit("#", 1)[-1], str(label), set()))
        entry[2].add(URIRef(str(g)))
    return [
        _Unlinked(iri, cls, label, tuple(sorted(docs)))
        for iri, (cls, label, docs) in sorted(found.items())
    ]


def _minted_codes(store: GraphStore, labels: Iterable[str]) -> dict[str, frozenset[str]]:
    """The official codes carried by linked places of the store, by label."""
    wanted = set(labels)
    if not wanted:
        return {}
    rows = _query(
        store,
        f"SELECT DISTINCT ?label ?code WHERE {{ ?p <{KG.officialCode}> ?code ; "
        f"<{RDFS.label}> ?label }}",
    )
    codes: dict[str, set[str]] = defaultdict(set)
    for label, code in rows:
        if str(label) in wanted:
            codes[str(label)].add(str(code))
    return {label: frozenset(c) for label, c in codes.items()}


def document_text(store: GraphStore, doc: URIRef) -> str:
    """A document's title and text in Simplified characters, one per line.

    The text is the article's ``kg:text``; graphs written before articles
    carried their text give their evidence sentences instead.
    """
    graph = to_ox_term(doc)
    rows = _query(
        store,
        f"""
        SELECT ?text WHERE {{
          GRAPH {graph} {{
            {{ {graph} <{DCTERMS.title}> ?text BIND (-2 AS ?i) }}
            UNION {{ {graph} <{KG.text}> ?text BIND (-1 AS ?i) }}
            UNION {{
              FILTER NOT EXISTS {{ {graph} <{KG.text}> ?whole }}
              ?s a <{KG.Sentence}> ; <{KG.text}> ?text ; <{KG.sentenceIndex}> ?i
            }}
          }}
        }} ORDER BY ?i""",
    )
    return "\n".join(to_simplified(str(text)) for (text,) in rows)


def find_same_as(store: GraphStore, gaz: Gazetteer | None = None) -> list[SameAs]:
    """Every owl:sameAs link the document graphs of ``store`` justify, sorted."""
    gaz = gaz or get_gazetteer()
    unlinked = _unlinked_places(store)
    minted = _minted_codes(store, {u.label for u in unlinked})
    texts: dict[URIRef, str] = {}
    merges: list[SameAs] = []
    for place in unlinked:
        if place.label not in minted:
            continue
        for doc in place.documents:
            if doc not in texts:
                texts[doc] = document_text(store, doc)
        decided = decide_same_place(
            place.label, place.cls, {d: texts[d] for d in place.documents},
            minted[place.label], gaz,
        )
        if decided is None:
            continue
        division, reason = decided
        merges.append(SameAs(
            unlinked=place.iri, linked=URIRef(f"{DATA_BASE}place/{division.code}"),
            label=place.label, cls=place.cls, rule=SAME_PARENT_RULE, reason=reason,
            documents=place.documents,
        ))
    return merges


def same_as_triples(merges: Iterable[SameAs]) -> list[Triple]:
    """The content of the merges graph: each link and the statement that explains it."""
    triples: list[Triple] = []
    for m in merges:
        node = m.statement
        triples += [
            (m.unlinked, OWL.sameAs, m.linked),
            (node, RDF.type, RDF.Statement),
            (node, RDF.subject, m.unlinked),
            (node, RDF.predicate, OWL.sameAs),
            (node, RDF.object, m.linked),
            (node, KG.rule, Literal(m.rule)),
            (node, RDFS.comment, Literal(m.reason, lang="en")),
        ]
        triples += [(node, PROV.wasDerivedFrom, doc) for doc in m.documents]
    return sorted(set(triples), key=lambda t: tuple(x.n3() for x in t))


def update_merges(store: GraphStore, gaz: Gazetteer | None = None) -> bool:
    """Recompute the merges graph from the document graphs; return whether it changed."""
    merges = find_same_as(store, gaz)
    new = set(same_as_triples(merges))
    if new == store.document_triples(MERGES_GRAPH):
        return False
    if new:
        store.replace_document(MERGES_GRAPH, new)
    else:
        store.remove_document(MERGES_GRAPH)
    return True


def read_same_as(store: GraphStore) -> list[SameAs]:
    """The owl:sameAs links recorded in the merges graph, with their explanations."""
    rows = _query(
        store,
        f"""
        SELECT ?node ?u ?p ?rule ?comment ?label ?cls ?doc WHERE {{
          GRAPH {to_ox_term(MERGES_GRAPH)} {{
            ?node a <{RDF.Statement}> ; <{RDF.subject}> ?u ; <{RDF.predicate}> <{OWL.sameAs}> ;
                  <{RDF.object}> ?p ; <{KG.rule}> ?rule ; <{RDFS.comment}> ?comment .
            OPTIONAL {{ ?node <{PROV.wasDerivedFrom}> ?doc }}
          }}
          OPTIONAL {{ ?u <{RDFS.label}> ?label }}
          OPTIONAL {{ ?u a ?cls }}
        }}""",
    )
    grouped: dict[URIRef, dict[str, object]] = {}
    for node, u, p, rule, comment, label, cls, doc in rows:
        entry = grouped.setdefault(URIRef(str(node)), {
            "u": u, "p": p, "rule": str(rule), "comment": str(comment),
            "label": str(label or ""), "cls": str(cls or "").rsplit("#", 1)[-1], "docs": set(),
        })
        if doc is not None:
            entry["docs"].add(URIRef(str(doc)))  # type: ignore[union-attr]
    return sorted(
        (
            SameAs(
                unlinked=e["u"], linked=e["p"], label=e["label"], cls=e["cls"],  # type: ignore[arg-type]
                rule=e["rule"], reason=e["comment"],  # type: ignore[arg-type]
                documents=tuple(sorted(e["docs"])),  # type: ignore[arg-type]
            )
            for e in grouped.values()
        ),
        key=lambda m: (str(m.unlinked), str(m.linked)),
    )


# --------------------------------------------------------------------------- skos:altLabel


@dataclass(frozen=True)
class LabelForm:
    """One alternative label of an entity in one document, and where it came from."""

    form: str
    language: str
    document: URIRef
    source_file: str
    #: Rules of the mentions whose text is this form (empty: no such mention).
    rules: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class EntityForms:
    """An entity with the other names it goes by."""

    entity: URIRef
    cls: str
    label: str
    forms: tuple[LabelForm, ...]


def form_reason(label: str, form: str, language: str, rules: Sequence[str]) -> str:
    """Why ``form`` is another name of the entity labelled ``label`` (a short phrase)."""
    if language == "zh-Hant":
        return "Traditional spelling"
    if any(r.startswith("anaphora") for r in rules):
        return "refers to the article's own division"
    if (
        len(form) >= 2 and form[0] in _LEVEL_PREFIXES and len(label) > len(form)
        and label.endswith(form[1:])
    ):
        return "level prefix expanded from the article's context"
    if _is_subsequence(_strip_quotes(form), _strip_quotes(label)):
        return "short form"
    return "another surface form"


def _strip_quotes(text: str) -> str:
    return re.sub(r"[“”‘’「」『』\"']", "", text)


def _is_subsequence(short: str, long: str) -> bool:
    if not short or len(short) >= len(long):
        return False
    remaining = iter(long)
    return all(char in remaining for char in short)


def label_forms(store: GraphStore) -> list[EntityForms]:
    """Every entity with Chinese alternative labels, each explained by its mentions."""
    rows = _query(
        store,
        f"""
        SELECT ?g ?e ?cls ?label ?alt ?file WHERE {{
          GRAPH ?g {{
            ?e <{SKOS.altLabel}> ?alt ; <{RDFS.label}> ?label ; a ?cls .
            FILTER (LANGMATCHES(LANG(?alt), "zh-Hans") || LANGMATCHES(LANG(?alt), "zh-Hant"))
            OPTIONAL {{ ?g <{KG.sourceFile}> ?file }}
          }}
        }}""",
    )
    mention_rows = _query(
        store,
        f"""
        SELECT ?g ?e ?text ?rule WHERE {{
          GRAPH ?g {{
            ?e <{SKOS.altLabel}> ?alt .
            ?m <{KG.mentionOf}> ?e ; <{KG.text}> ?text ; <{KG.rule}> ?rule .
          }}
        }}""",
    )
    rules_by_surface: dict[tuple[Node, Node, str], set[str]] = defaultdict(set)
    for g, e, text, rule in mention_rows:
        rules_by_surface[(g, e, str(text))].add(str(rule))
        rules_by_surface[(g, e, to_simplified(str(text)))].add(str(rule))
    entities: dict[URIRef, tuple[str, str, set[LabelForm]]] = {}
    for g, e, cls, label, alt, file in rows:
        if not (isinstance(e, URIRef) and is_document_graph(g) and isinstance(alt, Literal)):
            continue
        language = "zh-Hant" if (alt.language or "").lower() == "zh-hant" else "zh-Hans"
        rules = tuple(sorted(rules_by_surface.get((g, e, str(alt)), ())))
        form = LabelForm(
            form=str(alt), language=language, document=URIRef(str(g)),
            source_file=str(file or ""), rules=rules,
            reason=form_reason(str(label), str(alt), language, rules),
        )
        cls_name = str(cls).rsplit("#", 1)[-1]
        entry = entities.setdefault(e, (cls_name, str(label), set()))
        entry[2].add(form)
    return [
        EntityForms(
            entity=e, cls=cls, label=label,
            forms=tuple(sorted(forms, key=lambda f: (f.form, f.language, str(f.document)))),
        )
        for e, (cls, label, forms) in sorted(entities.items(), key=lambda kv: (kv[1][1], kv[0]))
    ]


# --------------------------------------------------------------------------- the report


@dataclass
class MergeReport:
    """What ``kg merges`` lists."""

    same_as: list[SameAs] = field(default_factory=list)
    forms: list[EntityForms] = field(default_factory=list)
    sources: dict[URIRef, str] = field(default_factory=dict)


def merge_report(dir: Path | str) -> MergeReport:
    """The recorded merges of build directory ``dir`` (opened read-only)."""
    with GraphStore.open(dir, create=False, read_only=True) as store:
        same_as = read_same_as(store)
        forms = label_forms(store)
        sources = _source_files(store)
    return MergeReport(same_as=same_as, forms=forms, sources=sources)


def _source_files(store: GraphStore) -> dict[URIRef, str]:
    rows = _query(store, f"SELECT ?g ?f WHERE {{ GRAPH ?g {{ ?g <{KG.sourceFile}> ?f }} }}")
    return {URIRef(str(g)): str(f) for g, f in rows}


def _short_iri(iri: URIRef) -> str:
    from urllib.parse import unquote

    text = str(iri)
    return "kgid:" + unquote(text[len(DATA_BASE):]) if text.startswith(DATA_BASE) else text


def _document_name(doc: URIRef, sources: Mapping[URIRef, str]) -> str:
    source = sources.get(doc)
    return f"{source} ({_short_iri(doc)})" if source else _short_iri(doc)


_NO_MENTION = {
    "zh-Hant": "none, converted from the label for a Traditional article",
    "zh-Hans": "none, no mention has this text",
}


def format_merges(report: MergeReport) -> str:
    """The report as plain text: sameAs links first, then the other forms of entities."""
    lines = [f"owl:sameAs (two IRIs for one thing): {len(report.same_as)}"]
    for m in report.same_as:
        lines.append(f"  {_short_iri(m.unlinked)} = {_short_iri(m.linked)}  {m.label} ({m.cls})")
        lines.append(f"    rule {m.rule}: {m.reason}")
        for doc in m.documents:
            lines.append(f"    unlinked in {_document_name(doc, report.sources)}")
    lines.append(f"skos:altLabel (other forms of one entity): {len(report.forms)} entities")
    for entity in report.forms:
        lines.append(f"  {entity.label} ({entity.cls})  {_short_iri(entity.entity)}")
        for f in entity.forms:
            rules = ", ".join(f.rules) if f.rules else _NO_MENTION.get(f.language, "none")
            where = f.source_file or _short_iri(f.document)
            lines.append(f"    {f.form} [{f.language}]  {f.reason}; rules: {rules}; in {where}")
    return "\n".join(lines) + "\n"


def merge_report_json(report: MergeReport) -> dict[str, object]:
    """The report as plain data (for ``kg merges --format json``)."""
    return {
        "sameAs": [
            {
                "unlinked": str(m.unlinked), "linked": str(m.linked), "label": m.label,
                "class": m.cls, "rule": m.rule, "reason": m.reason,
                "documents": [
                    {"iri": str(d), "source": report.sources.get(d, "")} for d in m.documents
                ],
            }
            for m in report.same_as
        ],
        "altLabels": [
            {
                "entity": str(e.entity), "class": e.cls, "label": e.label,
                "forms": [
                    {
                        "form": f.form, "language": f.language, "document": str(f.document),
                        "source": f.source_file, "rules": list(f.rules), "reason": f.reason,
                    }
                    for f in e.forms
                ],
            }
            for e in report.forms
        ],
    }

