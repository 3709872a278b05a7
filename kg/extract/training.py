"""Training the learned components from annotated articles.

Two models are trained, one after the other, from the same articles:

1. the mention tagger (:mod:`kg.extract.tagger`), from the annotated spans;
2. the relation classifier (:mod:`kg.extract.relation_model`), from the
   candidate pairs the pipeline itself forms, each labelled by whether the
   annotation relates the two entities.

Both see the rules' output as features, so each article is first run through
the rule components once (:func:`rule_views`), and the features are computed
by the very functions the pipeline calls at run time.

Training data stays where it is (``../shared/``); only the weights are
written, into ``kg/models/`` when shipping.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language

from kg.extract.annotations import AnnotatedDoc
from kg.extract.rules.mention import Mention
from kg.extract.tagger import bio_tags, char_features
from kg.extract.tokenizer import kept_words_and_starts


@dataclass
class RuleView:
    """What the rule components make of one article: the tagger's inputs."""

    text: str
    words: list[str]
    starts: list[int]
    candidates: list[Mention]
    sentences: list[tuple[int, int]]


def rules_pipeline() -> Language:
    """The pipeline without learned components, for the rules' votes."""
    from kg.extract.pipeline import build_pipeline

    return build_pipeline(use_model=False, use_learned=False)


def rule_view(nlp: Language, doc: AnnotatedDoc) -> RuleView:
    """Run the tokenizer, sentence splitter and entity rules of ``nlp`` on ``doc``."""
    from kg.extract.pipeline import prepared_doc

    sdoc = prepared_doc(nlp, doc.clean)
    for name in ("kg_sentences", "kg_entity_rules"):
        sdoc = nlp.get_pipe(name)(sdoc)
    kept = kept_words_and_starts(sdoc)
    assert kept is not None
    words, starts = kept
    return RuleView(
        text=doc.clean.simplified,
        words=list(words),
        starts=list(starts),
        candidates=list(sdoc._.kg_candidates or []),
        sentences=[(s.start, s.end) for s in sdoc._.kg_sentences or []],
    )


def tagger_sequences(
    doc: AnnotatedDoc, view: RuleView
) -> list[tuple[list[list[str]], list[str]]]:
    """One (features, tags) pair per sentence of ``doc``."""
    feats = char_features(view.text, view.words, view.starts, view.candidates)
    spans = [(s.start, s.end, s.cls) for s in doc.outer_spans()]
    tags = bio_tags(len(view.text), spans)
    return [(feats[s:e], tags[s:e]) for s, e in view.sentences]


@dataclass(frozen=True)
class TaggerSettings:
    """CRF training settings (``training/mentions.cfg`` holds the shipped ones)."""

    c1: float = 0.05
    c2: float = 0.01
    max_iterations: int = 120
    #: Each gold (dev) article counts this many times beside the silver ones.
    gold_weight: int = 2


def train_tagger(
    silver: Sequence[tuple[AnnotatedDoc, RuleView]],
    gold: Sequence[tuple[AnnotatedDoc, RuleView]],
    out: Path,
    settings: TaggerSettings | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> Path:
    """Train the CRF on ``silver`` and ``gold`` articles and write it to ``out``."""
    import pycrfsuite

    settings = settings or TaggerSettings()
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params({
        "c1": settings.c1,
        "c2": settings.c2,
        "max_iterations": settings.max_iterations,
        "feature.possible_transitions": True,
    })
    started = time.perf_counter()
    count = 0
    for docs, times in ((silver, 1), (gold, settings.gold_weight)):
        for doc, view in docs:
            for xseq, yseq in tagger_sequences(doc, view):
                for _ in range(times):
                    trainer.append(xseq, yseq)
                    count += 1
    log(f"tagger: {count} sentences")
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    log(f"tagger: trained in {time.perf_counter() - started:.0f} s -> {out}")
    return out


def split_folds(names: Sequence[str], folds: int, seed: int = 0) -> list[list[str]]:
    """``names`` dealt into ``folds`` groups after a seeded shuffle."""
    order = list(names)
    random.Random(seed).shuffle(order)
    return [sorted(order[i::folds]) for i in range(folds)]


# --- the relation classifier -----------------------------------------------------------


def oracle_pipeline() -> Language:
    """Rules plus the tagger fed reference mentions: what relation examples are made from."""
    from kg.extract.pipeline import build_pipeline

    return build_pipeline(use_model=False, use_learned=True, use_relation_model=False)


def entity_names(doc: AnnotatedDoc, entity) -> set[str]:
    """The annotated names an extracted entity may stand for, by any of its forms."""
    from kg.read.normalise import normalise_name

    forms = {entity.label, *entity.alt_labels}
    forms.update(span.text for span, _ in entity.mentions)
    names: set[str] = set()
    for form in forms:
        names |= doc.forms.get(normalise_name(form), set())
    return names


def relation_examples(
    nlp: Language, doc: AnnotatedDoc, use_oracle: bool = True
) -> list[tuple[list[str], str]]:
    """(features, label) of every candidate pair the pipeline forms in ``doc``.

    With ``use_oracle`` the annotated spans stand in for the tagger's, so the
    examples do not depend on how well a tagger did on its own training text.
    Pairs whose only relation is optional in the reference are left out.
    """
    from kg.extract.pipeline import prepared_doc
    from kg.extract.relation_features import fold, label_of
    from kg.extract.relation_model import doc_candidates, doc_featurizer
    from kg.extract.tagger import ORACLE_KEY

    sdoc = prepared_doc(nlp, doc.clean)
    if use_oracle:
        sdoc.user_data[ORACLE_KEY] = [(s.start, s.end, s.cls) for s in doc.outer_spans()]
    for _, pipe in nlp.pipeline:
        sdoc = pipe(sdoc)
    required = {fold(*r) for r in doc.relations}
    optional = {fold(*r) for r in doc.optional_relations}
    featurizer = doc_featurizer(sdoc)
    entities = sdoc._.kg_entities
    keys = sdoc._.kg_keys
    names = {k: entity_names(doc, e) for k, e in entities.items()}
    out = []
    for c in doc_candidates(sdoc):
        na, nb = names[keys[id(c.first)]], names[keys[id(c.second)]]
        label = "NONE"
        maybe = False
        for a in na:
            for b in nb:
                if a == b:
                    continue
                found = label_of(a, b, required)
                if found != "NONE":
                    label = found
                elif label_of(a, b, optional) != "NONE":
                    maybe = True
        if label == "NONE" and maybe:
            continue
        out.append((featurizer.features(c), label))
    return out


@dataclass(frozen=True)
class RelationSettings:
    """Classifier training settings (``training/relations.cfg`` holds the shipped ones)."""

    c: float = 0.5
    min_count: int = 2
    threshold: float = 0.5
    gold_weight: float = 2.0
    #: Folds of the gold articles over which thresholds by predicate are chosen
    #: (0: one threshold for all).
    threshold_folds: int = 4
    #: How much a silver article's pairs count when thresholds are chosen.
    threshold_silver_weight: float = 1.0


def train_relation_model(
    silver: Sequence[list[tuple[list[str], str]]],
    gold: Sequence[list[tuple[list[str], str]]],
    out: Path | None,
    settings: RelationSettings | None = None,
    log: Callable[[str], None] = lambda s: None,
):
    """Fit the classifier on the examples of each article; write it to ``out``.

    With gold articles and ``settings.threshold_folds``, the threshold of each
    predicate is chosen by cross-validation over the gold articles first
    (:func:`tune_thresholds`): the classifier's probabilities are not
    calibrated alike for frequent and rare relations.
    """
    settings = settings or RelationSettings()
    started = time.perf_counter()
    model = fit_relation_model(silver, gold, settings)
    log(f"relations: {len(model.features)} features, {len(model.labels)} labels, "
        f"fitted in {time.perf_counter() - started:.0f} s")
    if gold and settings.threshold_folds > 1 and len(gold) >= settings.threshold_folds:
        model.thresholds = tune_thresholds(silver, gold, settings)
        log(f"relations: thresholds {model.thresholds}")
    if out is not None:
        model.save(out)
    return model


#: The thresholds tried for each predicate; above 1 the classifier adds none.
THRESHOLD_GRID = (0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


def rule_labels(features: Sequence[str]) -> frozenset[str]:
    """The labels the rules already give a pair (its ``rule=<label>`` features)."""
    return frozenset(f[5:] for f in features
                     if f.startswith("rule=") and "|" not in f and f != "rule=none")


def tune_thresholds(silver, gold, settings: RelationSettings) -> dict[str, float]:
    """Thresholds by predicate that maximise the F1 of held-out articles' pairs.

    Every article is held out once over ``threshold_folds`` folds. What is
    scored is what the pipeline ships: the rules' relations *and* the
    classifier's (``keep_rules="all"``), so a predicate whose classifier
    relations only add false ones to what the rules find gets a threshold
    above 1 (the classifier keeps quiet on it). The pairs of the gold articles
    count ``gold_weight`` times and those of the silver ones
    ``threshold_silver_weight`` times, so the thresholds follow the
    reference's conventions where the two differ.
    """
    import numpy

    docs = [(ex, settings.threshold_silver_weight, False) for ex in silver]
    docs += [(ex, settings.gold_weight, True) for ex in gold]
    k = settings.threshold_folds
    labels = sorted({y for ex, _, _ in docs for _, y in ex} | {"NONE"})
    probs, truth, weights, ruled = [], [], [], []
    for fold in range(k):
        held = [d for i, d in enumerate(docs) if i % k == fold and d[1] > 0]
        rest = [d for i, d in enumerate(docs) if i % k != fold]
        rows = [(f, y, w) for ex, w, _ in held for f, y in ex]
        if not rows:
            continue
        model = fit_relation_model([ex for ex, _, g in rest if not g],
                                   [ex for ex, _, g in rest if g], settings, labels)
        p = model.probabilities([f for f, _, _ in rows])
        p[:, model.labels.index("NONE")] = 0.0
        probs.append(p)
        truth += [y for _, y, _ in rows]
        weights += [w for _, _, w in rows]
        ruled += [rule_labels(f) for f, _, _ in rows]
    p = numpy.vstack(probs)
    best = p.argmax(axis=1)
    top = p[numpy.arange(len(p)), best]
    predicted = [labels[i] for i in best]
    families = sorted({lab.rstrip("<>") for lab in labels if lab != "NONE"})
    chosen = {fam: settings.threshold for fam in families}

    def f1(th: dict[str, float]) -> float:
        tp = fp = fn = 0.0
        for pred, score, y, w, rules in zip(predicted, top, truth, weights, ruled, strict=True):
            found = set(rules)
            if score >= th[pred.rstrip("<>")]:
                found.add(pred)
            hit = y != "NONE" and y in found
            tp += w * hit
            fp += w * len(found - {y})
            fn += w * (y != "NONE" and not hit)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    for _ in range(2):  # coordinate ascent, twice round
        for fam in families:
            scores = {t: f1({**chosen, fam: t}) for t in THRESHOLD_GRID}
            chosen[fam] = max(THRESHOLD_GRID, key=lambda t: (scores[t], t))
    return chosen


def fit_relation_model(
    silver: Sequence[list[tuple[list[str], str]]],
    gold: Sequence[list[tuple[list[str], str]]],
    settings: RelationSettings,
    labels: Sequence[str] | None = None,
):
    """One logistic-regression fit on the pooled examples (gold weighted).

    ``labels`` fixes the label columns (folds that lack a rare label still
    give probabilities of the same shape).
    """
    from collections import Counter

    import numpy
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    from kg.extract.relation_model import RelationModel

    rows = [(f, y, 1.0) for ex in silver for f, y in ex]
    rows += [(f, y, settings.gold_weight) for ex in gold for f, y in ex]
    counts = Counter(f for feats, _, _ in rows for f in set(feats))
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items()
                                               if n >= settings.min_count))}
    labels = list(labels or sorted({y for _, y, _ in rows} | {"NONE"}))
    label_index = {y: i for i, y in enumerate(labels)}
    indptr, indices = [0], []
    for feats, _, _ in rows:
        cols = sorted({vocab[f] for f in feats if f in vocab})
        indices.extend(cols)
        indptr.append(len(indices))
    x = csr_matrix((numpy.ones(len(indices)), indices, indptr), shape=(len(rows), len(vocab)))
    y = numpy.array([label_index[lab] for _, lab, _ in rows])
    w = numpy.array([weight for _, _, weight in rows])
    clf = LogisticRegression(C=settings.c, max_iter=2000)
    clf.fit(x, y, sample_weight=w)
    weights = numpy.zeros((len(vocab), len(labels)), dtype=numpy.float32)
    # a label no training pair has is never predicted
    bias = numpy.full(len(labels), -30.0, dtype=numpy.float32)
    if len(clf.classes_) == 2:  # one column of scores: the second class against the first
        weights[:, clf.classes_[1]] = clf.coef_[0]
        bias[clf.classes_[0]], bias[clf.classes_[1]] = 0.0, clf.intercept_[0]
    else:
        for j, cls in enumerate(clf.classes_):
            weights[:, cls] = clf.coef_[j]
            bias[cls] = clf.intercept_[j]
    model = RelationModel(labels, vocab, weights, bias, settings.threshold)
    return model


# --- the shipped models ----------------------------------------------------------------


@dataclass(frozen=True)
class LearnedConfig:
    """``training/learned.cfg``: where the data is and how each model is trained."""

    genre: Path
    silver: Path
    dev: Path
    silver_share: float
    tagger: TaggerSettings
    relations: RelationSettings


def read_config(path: Path, root: Path) -> LearnedConfig:
    """Read the training config; data paths are taken relative to ``root``."""
    from thinc.api import Config

    from kg.errors import ModelError

    try:
        cfg = Config().from_disk(path)
        data = cfg["data"]
        return LearnedConfig(
            genre=root / data["genre"],
            silver=root / data["silver"],
            dev=root / data["dev"],
            silver_share=float(data.get("silver_share", 1.0)),
            tagger=TaggerSettings(**cfg["tagger"]),
            relations=RelationSettings(**cfg["relations"]),
        )
    except (OSError, KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{path}: not a usable training config ({error})") from error


def train_shipped(
    config: LearnedConfig, out_dir: Path, log: Callable[[str], None] = lambda s: None
) -> tuple[Path, Path]:
    """Train both models on the whole silver corpus and every dev article; write them."""
    from kg.errors import ModelError
    from kg.extract.annotations import load_gold_folder, load_silver, silver_subset
    from kg.resources import LEARNED_MODEL_FILES

    for path in (config.genre, config.silver, config.dev):
        if not path.exists():
            raise ModelError(f"training data not found: {path} (is ../shared/ there?)")
    started = time.perf_counter()
    silver = silver_subset(load_silver(config.genre, config.silver), config.silver_share)
    dev = load_gold_folder(config.dev)
    log(f"train: {len(silver)} silver articles, {len(dev)} dev articles")
    nlp = rules_pipeline()
    tagger_out = out_dir / LEARNED_MODEL_FILES[0]
    relations_out = out_dir / LEARNED_MODEL_FILES[1]
    train_tagger([(d, rule_view(nlp, d)) for d in silver], [(d, rule_view(nlp, d)) for d in dev],
                 tagger_out, config.tagger, log)
    onlp = oracle_pipeline()
    train_relation_model([relation_examples(onlp, d) for d in silver],
                         [relation_examples(onlp, d) for d in dev],
                         relations_out, config.relations, log)
    log(f"train: done in {time.perf_counter() - started:.0f} s")
    return tagger_out, relations_out
