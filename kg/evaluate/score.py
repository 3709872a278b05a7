"""Scoring a built graph against reference annotations (``shared/eval/README.md``).

The scorer only reads what the graph contract promises: nodes typed with an
entity class, their labels, and plain relation triples between them. It never
looks at provenance nodes, so any extractor that follows the contract can be
compared with any other.

How the README's rules are read here:

- A name is compared in the form :func:`kg.read.normalise.normalise_name` gives it
  (NFKC, Traditional → Simplified, quotes, brackets and whitespace dropped, lower
  case); the pipeline keys names the same way, so what it merges the scorer merges.
- A system entity *matches* a reference entity when one of its labels equals the
  reference's canonical name, surface, text or an alias. *Typed* matching also
  wants one of its classes among the reference's types, where Township and
  Subdistrict, City and Province, County and District stand for each other.
- Optional items (``"core": false`` entities; ``core: false`` or gazetteer
  relations; ``locatedIn`` links implied by the reference's transitive closure)
  are *neutral*: a system item that matches only optional references is left
  out of both the numerator and the denominator of precision, and optional
  references are left out of recall. So producing them neither helps nor hurts,
  and a perfect graph scores 1.0 whether or not it includes them.
- Precision counts distinct system items: entity nodes, and relation facts after
  folding direction (``organizedBy``/``publishedBy`` become an inverse
  ``launched``, ``cooperatesWith``/``partnerOf`` lose their direction). Recall
  counts distinct reference facts folded the same way.
- Relation endpoints are mapped by name only (class is judged by the entity
  scores); an endpoint that matches several references may stand for any of them.
- *Relaxed* relation scoring compares unordered pairs of entities: any direct link
  between the right two entities counts, whatever its predicate or direction.
- An empty ratio (0/0) is 1.0: nothing produced means nothing wrong, nothing
  required means nothing missed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, ConjunctiveGraph, Graph, Literal
from rdflib.term import Node

from kg.base.vocab import ENTITY_CLASSES, RELATION_PROPERTIES, SYMMETRIC_PROPERTIES
from kg.errors import KgError
from kg.read.normalise import normalise_name


class EvaluationError(KgError):
    """A reference file or its document cannot be used for scoring."""


#: Classes that stand for each other when a system class is checked against the
#: reference types (the division levels whose naming differs by region).
EQUIVALENT_CLASSES: dict[str, str] = {
    "Township": "Subdistrict", "Subdistrict": "Township",
    "City": "Province", "Province": "City",
    "County": "District", "District": "County",
}

#: Predicates read as ``launched`` with subject and object swapped.
LAUNCHED_INVERSES: frozenset[str] = frozenset({"organizedBy", "publishedBy"})

LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``: the contract names terms so."""
    return re.split(r"[#/]", str(iri))[-1]


# --- the reference -----------------------------------------------------------


@dataclass(frozen=True)
class GoldEntity:
    canonical: str
    types: tuple[str, ...]
    #: Every written form the annotator recorded: canonical, surface, text, aliases.
    names: tuple[str, ...]
    core: bool = True


@dataclass(frozen=True)
class GoldRelation:
    subject: str
    predicate: str
    object: str
    source: str = "text"
    core: bool = True

    @property
    def required(self) -> bool:
        """Whether recall needs it: core and stated in the text."""
        return self.core and self.source != "gazetteer"


@dataclass(frozen=True)
class Gold:
    """One reference file: the entities and relations a graph of its document should hold."""

    name: str
    path: Path
    document: str
    entities: tuple[GoldEntity, ...]
    relations: tuple[GoldRelation, ...]


def parse_gold(data: dict, path: Path) -> Gold:
    """Turn the JSON of a reference file into a :class:`Gold`, checking what scoring relies on."""

    def fail(problem: str) -> EvaluationError:
        return EvaluationError(f"{path}: {problem}; fix the reference file")

    entities = []
    for number, item in enumerate(data.get("entities") or [], start=1):
        canonical = item.get("canonical")
        types = tuple(item.get("types") or ([item["type"]] if item.get("type") else []))
        if not canonical or not types:
            raise fail(f"entity {number} needs 'canonical' and 'types' (got {item!r})")
        written = [canonical, item.get("surface"), item.get("text"), *(item.get("aliases") or [])]
        names = tuple(dict.fromkeys(name for name in written if name))
        entities.append(GoldEntity(canonical, types, names, bool(item.get("core", True))))
    canonicals = [entity.canonical for entity in entities]
    duplicates = sorted({name for name in canonicals if canonicals.count(name) > 1})
    if duplicates:
        raise fail(f"canonical names {duplicates} are used by more than one entity")

    relations = []
    for number, item in enumerate(data.get("relations") or [], start=1):
        ends = (item.get("subject"), item.get("object"))
        if any(end not in canonicals for end in ends):
            raise fail(f"relation {number} has an end that is no entity's canonical name: {ends}")
        if item.get("predicate") not in RELATION_PROPERTIES:
            raise fail(f"relation {number} has unknown predicate {item.get('predicate')!r}")
        relations.append(GoldRelation(
            item["subject"], item["predicate"], item["object"],
            item.get("source", "text"), bool(item.get("core", True)),
        ))
    name = path.name.removesuffix(".json").removesuffix(".gold")
    return Gold(name, path, str(data.get("document", "")), tuple(entities), tuple(relations))


def load_gold(path: Path) -> Gold:
    """Read a ``*.gold.json`` reference file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise EvaluationError(f"{path}: cannot read the reference file ({error})") from error
    if not isinstance(data, dict):
        raise EvaluationError(f"{path}: expected a JSON object with 'entities' and 'relations'")
    return parse_gold(data, Path(path))


# --- the system graph --------------------------------------------------------


@dataclass(frozen=True)
class SystemEntity:
    node: Node
    classes: frozenset[str]
    labels: tuple[str, ...]

    @property
    def display(self) -> str:
        return self.labels[0] if self.labels else str(self.node)


def _triples(graph: Graph) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple, including those in the named graphs of a Dataset (whose
    ``triples`` would only see the default graph)."""
    if isinstance(graph, ConjunctiveGraph):
        for subject, predicate, obj, _ in graph.quads((None, None, None, None)):
            yield subject, predicate, obj
    else:
        yield from graph


def read_entities(graph: Graph) -> dict[Node, SystemEntity]:
    """The nodes typed with a contract entity class, with their labels (preferred first)."""
    classes: dict[Node, set[str]] = {}
    labels: dict[Node, dict[str, int]] = {}
    rank = {predicate: position for position, predicate in enumerate(LABEL_PREDICATES)}
    for subject, predicate, obj in _triples(graph):
        if predicate == RDF.type and local_name(obj) in ENTITY_CLASSES:
            classes.setdefault(subject, set()).add(local_name(obj))
        elif predicate in rank and isinstance(obj, Literal):
            known = labels.setdefault(subject, {})
            known[str(obj)] = min(known.get(str(obj), 9), rank[predicate])
    return {
        node: SystemEntity(
            node, frozenset(found),
            tuple(sorted(labels.get(node, {}), key=lambda label: (labels[node][label], label))),
        )
        for node, found in classes.items()
    }


def fact_key(predicate: str, subject: object, obj: object) -> tuple:
    """One relation fact, with the ways of writing it the README treats as equal folded.

    ``organizedBy``/``publishedBy`` become ``launched`` read backwards,
    ``partnerOf`` becomes ``cooperatesWith``, and a symmetric predicate keeps
    its two ends in a fixed order.
    """
    if predicate in LAUNCHED_INVERSES:
        return ("launched", obj, subject)
    if predicate == "partnerOf":  # "read as cooperatesWith, so either predicate scores"
        predicate = "cooperatesWith"
    if predicate in SYMMETRIC_PROPERTIES:
        first, second = sorted((subject, obj), key=str)
        return (predicate, first, second)
    return (predicate, subject, obj)


def read_relations(graph: Graph, entities: dict[Node, SystemEntity]) -> dict[tuple, tuple]:
    """The graph's relation facts between two entities, folded by :func:`fact_key`, each
    with one ``(subject, predicate, object)`` the graph writes it as (for messages)."""
    facts: dict[tuple, tuple] = {}
    for subject, predicate, obj in sorted(_triples(graph)):
        name = local_name(predicate)
        if subject in entities and obj in entities and name in RELATION_PROPERTIES:
            facts.setdefault(fact_key(name, subject, obj), (subject, name, obj))
    return facts


# --- scores ------------------------------------------------------------------


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


@dataclass
class Counts:
    """What precision, recall and F1 are computed from; adding two sums them (micro-average).

    ``correct``/``spurious`` count system items, ``found``/``required`` count core
    reference items; ``optional`` counts system items that matched only optional
    references and so count for nothing.
    """

    correct: int = 0
    spurious: int = 0
    optional: int = 0
    found: int = 0
    required: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.correct, self.correct + self.spurious)

    @property
    def recall(self) -> float:
        return _ratio(self.found, self.required)

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.correct + other.correct, self.spurious + other.spurious,
            self.optional + other.optional, self.found + other.found,
            self.required + other.required,
        )


METRICS = ("entities_typed", "entities_relaxed", "relations_strict", "relations_relaxed")


@dataclass
class Totals:
    """The micro-averaged counts of a set of documents."""

    documents: int = 0
    entities_typed: Counts = field(default_factory=Counts)
    entities_relaxed: Counts = field(default_factory=Counts)
    relations_strict: Counts = field(default_factory=Counts)
    relations_relaxed: Counts = field(default_factory=Counts)
    #: Typed entity counts by class: precision by the system's class, recall by
    #: the reference's first type.
    by_class: dict[str, Counts] = field(default_factory=dict)
    #: Strict relation counts by predicate, folded as :func:`fact_key` folds them.
    by_predicate: dict[str, Counts] = field(default_factory=dict)


@dataclass
class DocScore(Totals):
    """One document's counts, and what went wrong, written so a developer can find it."""

    documents: int = 1
    missed_entities: list[str] = field(default_factory=list)
    spurious_entities: list[str] = field(default_factory=list)
    missed_relations: list[str] = field(default_factory=list)
    spurious_relations: list[str] = field(default_factory=list)


class _Reference:
    """The reference of one document, indexed for matching."""

    def __init__(self, gold: Gold) -> None:
        self.entities = {entity.canonical: entity for entity in gold.entities}
        self.core_entities = {entity.canonical for entity in gold.entities if entity.core}
        self.optional_entities = set(self.entities) - self.core_entities
        self.by_name: dict[str, set[str]] = {}
        for entity in gold.entities:
            for name in entity.names:
                self.by_name.setdefault(normalise_name(name), set()).add(entity.canonical)
        #: Each core fact as the reference writes it, for the list of misses.
        self.core_written = {fact_key(r.predicate, r.subject, r.object):
                             f"{r.subject} {r.predicate} {r.object}"
                             for r in gold.relations if r.required}
        self.core_facts = set(self.core_written)
        accepted = {fact_key(r.predicate, r.subject, r.object) for r in gold.relations}
        accepted |= {("locatedIn", inner, outer) for inner, outer in _closure(gold)}
        self.optional_facts = accepted - self.core_facts
        self.core_pairs = {frozenset(fact[1:]) for fact in self.core_facts}
        self.optional_pairs = {frozenset(fact[1:]) for fact in accepted} - self.core_pairs

    def named(self, entity: SystemEntity) -> set[str]:
        """Canonicals of the references one of the entity's labels names."""
        found: set[str] = set()
        for label in entity.labels:
            found |= self.by_name.get(normalise_name(label), set())
        return found

    def typed(self, entity: SystemEntity, canonicals: set[str]) -> set[str]:
        return {c for c in canonicals if _class_fits(entity.classes, self.entities[c].types)}


def _class_fits(classes: frozenset[str], types: tuple[str, ...]) -> bool:
    allowed = set(types) | {EQUIVALENT_CLASSES[t] for t in types if t in EQUIVALENT_CLASSES}
    return bool(classes & allowed)


def _closure(gold: Gold) -> set[tuple[str, str]]:
    """Every (inner, outer) pair reachable through the reference's ``locatedIn`` links."""
    parents: dict[str, set[str]] = {}
    for relation in gold.relations:
        if relation.predicate == "locatedIn":
            parents.setdefault(relation.subject, set()).add(relation.object)
    pairs = set()
    for start in parents:
        stack, seen = list(parents[start]), set()
        while stack:
            place = stack.pop()
            if place not in seen:
                seen.add(place)
                stack.extend(parents.get(place, ()))
        pairs |= {(start, outer) for outer in seen if outer != start}
    return pairs


def _judge(candidates: set, core: set, optional: set) -> str:
    if candidates & core:
        return "correct"
    return "optional" if candidates & optional else "spurious"


def _tally(counts: Counts, verdict: str) -> None:
    setattr(counts, verdict, getattr(counts, verdict) + 1)


def score_graph(gold: Gold, graph: Graph) -> DocScore:
    """Score one document's graph against its reference."""
    reference = _Reference(gold)
    entities = read_entities(graph)
    score = DocScore()

    named = {node: reference.named(entity) for node, entity in entities.items()}
    typed = {node: reference.typed(entities[node], named[node]) for node in entities}
    for node, entity in sorted(entities.items(), key=lambda item: item[1].display):
        core, optional = reference.core_entities, reference.optional_entities
        _tally(score.entities_relaxed, _judge(named[node], core, optional))
        verdict = _judge(typed[node], core, optional)
        _tally(score.entities_typed, verdict)
        _tally(score.by_class.setdefault(min(entity.classes), Counts()), verdict)
        if verdict == "spurious":
            note = f" (name of {'/'.join(sorted(named[node]))})" if named[node] else ""
            classes = "|".join(sorted(entity.classes))
            score.spurious_entities.append(f"{entity.display} [{classes}]{note}")

    core_entities = reference.core_entities
    found_named = set().union(*named.values()) & core_entities
    found_typed = set().union(*typed.values()) & core_entities
    score.entities_relaxed.found, score.entities_typed.found = len(found_named), len(found_typed)
    score.entities_relaxed.required = score.entities_typed.required = len(core_entities)
    for canonical in core_entities:
        counts = score.by_class.setdefault(reference.entities[canonical].types[0], Counts())
        counts.required += 1
        counts.found += canonical in found_typed
    for canonical in sorted(core_entities - found_typed):
        classes = sorted({cls for node in entities if canonical in named[node]
                          for cls in entities[node].classes})
        note = f" (found as {'|'.join(classes)})" if classes else ""
        types = "|".join(reference.entities[canonical].types)
        score.missed_entities.append(f"{canonical} [{types}]{note}")

    _score_relations(reference, entities, named, read_relations(graph, entities), score)
    return score


def _score_relations(reference: _Reference, entities: dict[Node, SystemEntity],
                     named: dict[Node, set[str]], facts: dict[tuple, tuple],
                     score: DocScore) -> None:
    found_facts: set[tuple] = set()
    found_pairs: set[frozenset] = set()
    pairs_seen: dict[frozenset, set[frozenset]] = {}
    for (predicate, subject, obj), written in facts.items():
        candidates = {fact_key(predicate, a, b) for a in named[subject] for b in named[obj]}
        verdict = _judge(candidates, reference.core_facts, reference.optional_facts)
        _tally(score.relations_strict, verdict)
        folded = fact_key(predicate, "", "")[0]
        _tally(score.by_predicate.setdefault(folded, Counts()), verdict)
        found_facts |= candidates & reference.core_facts
        if verdict == "spurious":
            first, written_predicate, second = written
            score.spurious_relations.append(
                f"{entities[first].display} {written_predicate} {entities[second].display}")
        pairs_seen[frozenset((subject, obj))] = {
            frozenset((a, b)) for a in named[subject] for b in named[obj]}
    for candidates in pairs_seen.values():
        _tally(score.relations_relaxed,
               _judge(candidates, reference.core_pairs, reference.optional_pairs))
        found_pairs |= candidates & reference.core_pairs

    for fact in reference.core_facts:
        counts = score.by_predicate.setdefault(fact[0], Counts())
        counts.required += 1
        counts.found += fact in found_facts
    score.relations_strict.found = len(found_facts)
    score.relations_strict.required = len(reference.core_facts)
    score.relations_relaxed.found = len(found_pairs)
    score.relations_relaxed.required = len(reference.core_pairs)
    for fact in sorted(reference.core_facts - found_facts):
        note = " (linked otherwise)" if frozenset(fact[1:]) in found_pairs else ""
        score.missed_relations.append(reference.core_written[fact] + note)


def micro_average(scores: Iterable[Totals]) -> Totals:
    """Sum the counts of many documents; precision and recall then come from the sums."""
    totals = Totals(documents=0)
    for score in scores:
        totals.documents += score.documents
        for metric in METRICS:
            setattr(totals, metric, getattr(totals, metric) + getattr(score, metric))
        for mine, theirs in ((totals.by_class, score.by_class),
                             (totals.by_predicate, score.by_predicate)):
            for name, counts in theirs.items():
                mine[name] = mine.get(name, Counts()) + counts
    return totals


def format_breakdown(totals: Totals) -> str:
    """Typed entity scores by class and strict relation scores by predicate, as Markdown."""
    lines = ["| class | P / R / F1 | correct/produced · found/required |", "|---|---|---|"]
    for name, counts in sorted(totals.by_class.items(), key=lambda kv: -kv[1].required):
        lines.append(f"| {name} | {_prf(counts)} | {_tally_cell(counts)} |")
    lines += ["", "| relation | P / R / F1 | correct/produced · found/required |",
              "|---|---|---|"]
    for name, counts in sorted(totals.by_predicate.items(), key=lambda kv: -kv[1].required):
        lines.append(f"| {name} | {_prf(counts)} | {_tally_cell(counts)} |")
    return "\n".join(lines) + "\n"


# --- report ------------------------------------------------------------------

_HEADINGS = ("entities typed", "entities relaxed", "relations strict", "relations relaxed")


def _prf(counts: Counts) -> str:
    return f"{counts.precision:.3f} / {counts.recall:.3f} / {counts.f1:.3f}"


def _tally_cell(counts: Counts) -> str:
    produced = counts.correct + counts.spurious
    extra = f" (+{counts.optional} opt.)" if counts.optional else ""
    return f"{counts.correct}/{produced}{extra} · {counts.found}/{counts.required}"


def _table(rows: list[tuple[str, Totals]], cell: Callable[[Counts], str]) -> list[str]:
    lines = ["| document | " + " | ".join(_HEADINGS) + " |", "|---" * (len(_HEADINGS) + 1) + "|"]
    for name, score in rows:
        lines.append(f"| {name} | " + " | ".join(cell(getattr(score, m)) for m in METRICS) + " |")
    return lines


def format_report(rows: list[tuple[str, DocScore]], show_misses: bool) -> str:
    """A Markdown report: P / R / F1 per document and micro-averaged, the counts, the misses."""
    totals = micro_average(score for _, score in rows)
    plural = "" if totals.documents == 1 else "s"
    table_rows: list[tuple[str, Totals]] = [
        *rows, (f"**micro ({totals.documents} doc{plural})**", totals)]
    lines = ["## Scores (precision / recall / F1)", ""]
    lines += _table(table_rows, _prf)
    lines += ["", "## Counts (correct/produced · found/required)", "",
              "Items that match only optional references are shown as \"opt.\" and count for "
              "nothing.", ""]
    lines += _table(table_rows, _tally_cell)
    if show_misses:
        lines += ["", "## Misses"]
        for name, score in rows:
            lines += ["", f"### {name}", ""]
            for title, items in (
                ("missed core entities", score.missed_entities),
                ("spurious entities", score.spurious_entities),
                ("missed core relations", score.missed_relations),
                ("spurious relations", score.spurious_relations),
            ):
                lines.append(f"- {title} ({len(items)}): " + ("; ".join(items) or "none"))
    return "\n".join(lines) + "\n"


# --- folders -----------------------------------------------------------------


def document_path(gold: Gold) -> Path:
    """The text a reference describes: ``dNN.txt`` beside ``dNN.gold.json``, else its
    ``document`` path resolved against the gold file's folder or the nearest parent
    folder that has it (``seeds/…`` in the seed gold is relative to ``shared/``)."""
    beside = gold.path.with_name(f"{gold.name}.txt")
    if beside.is_file():
        return beside
    if gold.document:
        for base in (gold.path.parent, *gold.path.parent.parents):
            if (base / gold.document).is_file():
                return base / gold.document
    raise EvaluationError(
        f"{gold.path}: cannot find its document {gold.document or beside.name!r}; "
        f"put {beside.name} beside it or fix its 'document' field")


def evaluate_folder(
    folder: Path, build: Callable[[list[Path]], Graph]
) -> list[tuple[str, DocScore]]:
    """Build and score every ``*.gold.json`` in ``folder`` (not its subfolders), by name."""
    golds = sorted(Path(folder).glob("*.gold.json"))
    if not golds:
        raise EvaluationError(f"{folder}: no *.gold.json reference files here")
    rows = []
    for path in golds:
        gold = load_gold(path)
        rows.append((gold.name, score_graph(gold, build([document_path(gold)]))))
    return rows


def graph_in_memory(paths: list[Path]) -> Graph:
    """Build a graph for scoring without touching any directory."""
    from kg.graph.processed import process_document
    from kg.model import Failure
    from kg.read.clean import clean_document
    from kg.read.ingest import iter_documents

    g = Graph()
    for raw in iter_documents(paths):
        if isinstance(raw, Failure):
            raise KgError(str(raw))
        done = process_document(clean_document(raw))
        if isinstance(done, Failure):
            raise KgError(str(done))
        g.parse(data=done.ntriples, format="nt")
    return g
