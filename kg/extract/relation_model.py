"""The trained relation classifier (``kg_relation_classifier``).

The shape is that of spaCy's ``rel_component`` tutorial: a swappable candidate
generator proposes pairs of mentions, each pair becomes a feature vector, and a
classifier gives every relation label (with its direction) a probability. The
classifier is multinomial logistic regression over sparse binary features,
trained with scikit-learn by :mod:`kg.extract.training` and shipped as plain
arrays (``relations.npz``), so running it needs only numpy.

Candidates are the pairs of distinct entities mentioned in one sentence, and
the pairs that join a mention to an alliance, platform, event or document
named in the next or the previous sentence (members listed in one sentence,
their alliance founded in the next).

Features of a pair: the two classes, their order and distance, the mentions
and words between them, the verbs between and after them, list structure
(only 、/和/与 between, a shared enumeration), the words around them, and the
*votes of the rules*: which relation the rule families stated for the pair.
The classifier learns when a vote is to be trusted, and finds relations no
rule has a pattern for.

Some rule families are certain and are kept whatever the classifier says:
name containment (泗泾镇综合党委 → 泗泾镇), chains of places (某某区某某镇)
and the gazetteer's administrative facts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import ModelError
from kg.extract.ner import doc_text
from kg.extract.relation_features import (
    NONE,
    PAIRING_WORDS,
    Candidate,
    PairFeaturizer,
    fold,
    generate_candidates,
)
from kg.extract.rules.mention import Mention
from kg.extract.tokenizer import kept_words_and_starts
from kg.model import Entity, Relation, Span
from kg.resources import models_dir

#: Rule families whose relations stand without the classifier.
CERTAIN_RULES = frozenset((
    "relation.name_containment",
    "relation.place_chain",
    "relation.place_chain_list",
    "relation.gazetteer",
    "relation.brand.prefix",
    "relation.venue_chain",
))


def relation_model_path() -> Path:
    return models_dir() / "relations.npz"


@dataclass
class RelationModel:
    """Weights of the classifier: one row of ``weights`` per feature, one column per label."""

    labels: list[str]
    features: dict[str, int]
    weights: numpy.ndarray
    bias: numpy.ndarray
    threshold: float = 0.5
    #: Thresholds by predicate (the label without its arrow), chosen by cross-validation
    #: when the model was trained; ``threshold`` stands for the others.
    thresholds: dict[str, float] = field(default_factory=dict)

    def threshold_of(self, label: str) -> float:
        return self.thresholds.get(label.rstrip("<>"), self.threshold)

    def probabilities(self, rows: Sequence[Sequence[str]]) -> numpy.ndarray:
        """Softmax probabilities of every label for each feature row."""
        from scipy.sparse import csr_matrix

        index = self.features
        indptr, cols = [0], []
        for row in rows:
            cols.extend({index[f] for f in row if f in index})
            indptr.append(len(cols))
        x = csr_matrix((numpy.ones(len(cols), dtype=numpy.float32), cols, indptr),
                       shape=(len(rows), len(index)))
        scores = numpy.asarray(x @ self.weights, dtype=numpy.float64) + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        numpy.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        names = sorted(self.features, key=self.features.get)
        numpy.savez_compressed(
            path,
            weights=self.weights.astype(numpy.float32),
            bias=self.bias.astype(numpy.float32),
            meta=numpy.array(json.dumps({
                "labels": self.labels, "features": names, "threshold": self.threshold,
                "thresholds": self.thresholds,
            }, ensure_ascii=False)),
        )


@lru_cache(maxsize=4)
def load_relation_model(path: str) -> RelationModel:
    if not Path(path).is_file():
        raise ModelError(f"no relation model at {path}; run `make train` to train one")
    try:
        with numpy.load(path) as data:
            meta = json.loads(str(data["meta"]))
            weights, bias = data["weights"], data["bias"]
    except (OSError, ValueError, KeyError) as error:
        raise ModelError(f"{path}: not a kg relation model ({error}); run `make train`") from error
    features = {name: i for i, name in enumerate(meta["features"])}
    return RelationModel(meta["labels"], features, weights, bias, meta.get("threshold", 0.5),
                         meta.get("thresholds", {}))


def predicted_relation(
    c: Candidate, label: str, prob: float, keys: dict[int, str], entities: dict[str, Entity],
    sentences: Sequence[Span], text: str,
) -> Relation | None:
    """The relation a label names for candidate ``c``, in the ontology's own reading."""
    ka, kb = keys[id(c.first)], keys[id(c.second)]
    # a pair across two sentences is stated where its second mention (the frame) is
    sent = sentences[c.sentence]
    evidence = Span(sent.start, sent.end, text[sent.start : sent.end])
    if label == "cooperatesWith":
        pairing = any(w in evidence.text for w in PAIRING_WORDS)
        s, o = sorted((ka, kb))
        pred = "partnerOf" if pairing else "cooperatesWith"
    else:
        pred, arrow = label[:-1], label[-1]
        s, o = (ka, kb) if arrow == ">" else (kb, ka)
        if pred == "launched":
            target = entities[o].cls
            if target == "Publication":
                pred, s, o = "publishedBy", o, s
            elif target == "Event":
                pred, s, o = "organizedBy", o, s
    return Relation(s, pred, o, c.sentence, evidence, "model.relation", None, round(prob, 3))


def classify(
    model: RelationModel, featurizer: PairFeaturizer, candidates: Sequence[Candidate],
    keys: dict[int, str], entities: dict[str, Entity], sentences: Sequence[Span], text: str,
    pool_lists: bool = True,
) -> Iterator[Relation]:
    """The relations the classifier is confident of, one per candidate at most."""
    if not candidates:
        return
    probs = model.probabilities([featurizer.features(c) for c in candidates])
    none = model.labels.index(NONE)
    probs[:, none] = 0.0
    if pool_lists:
        probs = pooled_over_lists(candidates, probs, featurizer.groups, keys)
    for c, row in zip(candidates, probs, strict=True):
        best = int(row.argmax())
        if row[best] >= model.threshold_of(model.labels[best]):
            r = predicted_relation(c, model.labels[best], float(row[best]), keys, entities,
                                   sentences, text)
            if r is not None and r.subject != r.object:
                yield r


def pooled_over_lists(
    candidates: Sequence[Candidate], probs: numpy.ndarray,
    groups: dict[int, list[Mention]], keys: dict[int, str],
) -> numpy.ndarray:
    """Each list of mentions is read as one unit: its members share their best scores.

    Why: "A、B、C共同组建X" states one fact of each member, but the words
    around the middle member say less than those around the last one; the
    classifier scores the pairs one by one, so the pair that reads best speaks
    for the whole list (the highest probability of each label over the list's
    members), in either place of the pair and for pairs inside one list.
    """
    def unit(m: Mention) -> object:
        group = groups.get(id(m))
        return ("list", id(group[0])) if group is not None else ("entity", keys[id(m)])

    best: dict[tuple, numpy.ndarray] = {}
    units = []
    for c, row in zip(candidates, probs, strict=True):
        key = (unit(c.first), unit(c.second), c.other is not None)
        units.append(key)
        seen = best.get(key)
        best[key] = row if seen is None else numpy.maximum(seen, row)
    return numpy.array([best[key] for key in units])


def doc_featurizer(doc: Doc) -> PairFeaturizer:
    kept = kept_words_and_starts(doc)
    if kept is None:
        raise ModelError("kg_relation_classifier needs kg's jieba tokenizer")
    words, starts = kept
    mentions = list(doc._.kg_mentions or [])
    return PairFeaturizer(
        doc_text(doc), words, starts, doc._.kg_sentences, doc._.kg_keys, doc._.kg_entities,
        doc._.kg_relations or [], mentions,
    )


def doc_candidates(doc: Doc) -> list[Candidate]:
    return generate_candidates(
        doc._.kg_sentences, list(doc._.kg_mentions or []), doc._.kg_keys, doc._.kg_entities
    )


@Language.factory(
    "kg_relation_classifier",
    requires=["doc._.kg_mentions", "doc._.kg_entities", "doc._.kg_relations"],
    assigns=["doc._.kg_relations"],
    default_config={
        "model_path": None, "threshold": None, "pool_lists": True, "keep_rules": "all",
    },
)
def make_relation_classifier(
    nlp: Language, name: str, model_path: str | None, threshold: float | None,
    pool_lists: bool, keep_rules: str,
) -> RelationClassifier:
    return RelationClassifier(model_path, threshold, pool_lists, keep_rules)


#: Which rule relations the classifier keeps beside its own: ``all`` of them, or
#: only the ``certain`` families (:data:`CERTAIN_RULES`, the gazetteer).
KEEP_RULES = ("all", "certain")


class RelationClassifier:
    """Adds the classifier's relations to the rules'.

    Why the rules' relations stay (``keep_rules="all"``): measured on the seed
    article, dropping all but the certain families lost a quarter of its
    relations (strict recall 0.91 → 0.77, below the seed's bar), while on the
    unseen dev articles d21–d40 keeping them cost 0.004 of strict F1. Where the
    classifier and a rule find the same fact, one relation is kept.
    """

    def __init__(
        self, model_path: str | None = None, threshold: float | None = None,
        pool_lists: bool = True, keep_rules: str = "all",
    ) -> None:
        if keep_rules not in KEEP_RULES:
            raise ModelError(
                f"unknown keep_rules {keep_rules!r}; choose from {', '.join(KEEP_RULES)}")
        self.keep_rules = keep_rules
        self.model = load_relation_model(str(model_path or relation_model_path()))
        if threshold is not None:  # one threshold for every label (for experiments)
            self.model = replace(self.model, threshold=threshold, thresholds={})
        self.pool_lists = pool_lists

    def __call__(self, doc: Doc) -> Doc:
        rules: list[Relation] = list(doc._.kg_relations or [])
        if self.keep_rules == "all":
            kept = rules
        else:
            kept = [r for r in rules if r.rule in CERTAIN_RULES or r.source == "gazetteer"]
        candidates = doc_candidates(doc)
        model = self.model
        found = list(classify(model, doc_featurizer(doc), candidates, doc._.kg_keys,
                              doc._.kg_entities, doc._.kg_sentences, doc_text(doc),
                              self.pool_lists))
        found = [r for r in found if not contradicts_division_list(r, doc._.kg_entities)]
        doc._.kg_relations = dedupe_relations(kept + found)
        return doc


def contradicts_division_list(r: Relation, entities: dict[str, Entity]) -> bool:
    """A predicted ``locatedIn`` between two linked divisions the list does not nest.

    Why: the division list is certain where the classifier guesses; a town
    named after another town's city (甲市A镇与B镇签约) is not in that city
    when its code says otherwise.
    """
    if r.predicate != "locatedIn":
        return False
    inner, outer = entities.get(r.subject), entities.get(r.object)
    if inner is None or outer is None or not (inner.code and outer.code):
        return False
    from kg.extract.gazetteer import get_gazetteer

    return outer.code not in {d.code for d in get_gazetteer().parents(inner.code)}


def dedupe_relations(relations: Sequence[Relation]) -> list[Relation]:
    """One relation per folded fact, the most confident; certain rules first."""
    best: dict[tuple[str, str, str], Relation] = {}
    for r in relations:
        k = fold(r.subject, r.predicate, r.object)
        old = best.get(k)
        if old is None or (old.rule not in CERTAIN_RULES and r.confidence > old.confidence):
            best[k] = r
    return list(best.values())
