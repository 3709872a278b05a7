"""Assemble the spaCy pipeline and run it on cleaned documents.

``build_pipeline`` gives ``spacy.blank("zh")`` with the jieba segmenter and
kg's components; ``extract_document`` runs it on a ``CleanDocument`` (and
``extract_documents`` on several at once, which is faster) and returns an
``Extraction`` (entities, relations, sentences), adding the article's own
metadata (publisher, source, editors) as entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import spacy
from spacy.attrs import IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract import (
    components,
    relation_model,  # noqa: F401 - registers kg_relation_classifier
    statistical,  # noqa: F401 - registers kg_statistical_ner
    tagger,  # noqa: F401 - registers kg_mention_tagger
)
from kg.extract.ner import DOC_TEXT_KEY
from kg.extract.tokenizer import TOKENIZER_NAME
from kg.model import CleanDocument, Entity, Extraction, Relation, Span
from kg.resources import (
    common_jieba_words,
    learned_models_enabled,
    ner_model_enabled,
    relation_classifier_enabled,
)

PIPE_NAMES = ("kg_sentences", "kg_entity_rules", "kg_entity_linker", "kg_relations")


def build_pipeline(
    *,
    use_model: bool = False,
    disabled_entity_rules: tuple[str, ...] = (),
    disabled_relation_rules: tuple[str, ...] = (),
    ner_config: dict[str, object] | None = None,
    use_learned: bool = False,
    use_tagger: bool = True,
    use_relation_model: bool = True,
    learned_config: dict[str, dict[str, object]] | None = None,
) -> Language:
    """A fresh pipeline; ``use_model`` adds the trained NER as a proposer.

    The ``disabled_*`` arguments switch rule families off (for ablations); see
    ``components.ENTITY_RULE_FAMILIES`` and ``components.RELATION_RULE_FAMILIES``.
    ``ner_config`` overrides the NER proposer's settings (``scope``, ``window``;
    see ``statistical.StatisticalNer``), for benchmarks that weigh its cost.
    ``use_learned`` adds the trained mention tagger (and relation classifier);
    ``learned_config`` gives their settings by component name (model paths, for
    cross-validation folds).
    """
    components.ensure_extensions()
    _quiet_jieba()
    # spaCy's jieba tokens, made faster (kg.extract.tokenizer)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
    keep_only_read_lexeme_attributes(nlp)
    for word in common_jieba_words():  # kept across the memory zones of extract_documents
        nlp.vocab[word]
    configs = {
        "kg_entity_rules": {"disabled": list(disabled_entity_rules)},
        "kg_relations": {"disabled": list(disabled_relation_rules)},
    }
    learned = learned_config or {}
    for name in PIPE_NAMES:
        if name == "kg_entity_linker" and use_learned and use_tagger:
            nlp.add_pipe("kg_mention_tagger", config=learned.get("kg_mention_tagger", {}))
        if name == "kg_entity_linker" and use_model:
            nlp.add_pipe("kg_statistical_ner", config=ner_config or {})
        nlp.add_pipe(name, config=configs.get(name, {}))
    if use_learned and use_relation_model:
        nlp.add_pipe("kg_relation_classifier", config=learned.get("kg_relation_classifier", {}))
    return nlp


#: The lexical attributes kg's components read off tokens (``token_bounds``).
READ_LEXEME_ATTRIBUTES = (IS_SPACE,)


def keep_only_read_lexeme_attributes(nlp: Language) -> None:
    """Compute only the lexical attributes kg reads for each new word of the vocabulary.

    Why: spaCy computes some twenty attributes (shape, prefix, like_num …) with
    a Python function each the first time it meets a word, and news text
    brings ~140 new jieba words per document, which made this a tenth of the
    rule-based extraction's time. Tokens of this pipeline therefore carry only
    the attributes in :data:`READ_LEXEME_ATTRIBUTES`; the others keep spaCy's
    defaults (``is_punct`` is False, ``norm_`` is empty).
    """
    getters = nlp.vocab.lex_attr_getters
    nlp.vocab.lex_attr_getters = {
        attr: getters[attr] for attr in READ_LEXEME_ATTRIBUTES if attr in getters
    }


def _quiet_jieba() -> None:
    """jieba announces its dictionary on stderr at every start; kg's errors go there too."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)


@lru_cache(maxsize=2)
def default_pipeline(use_model: bool | None = None, use_learned: bool | None = None) -> Language:
    """One pipeline per process (workers load it once).

    By default the trained NER and mention tagger join the pipeline when their
    models ship with the package; ``KG_NO_NER=1`` and ``KG_NO_LEARNED=1`` turn
    them off (for ablations). The relation classifier joins only with
    ``KG_RELATION_MODEL=1`` (see ``kg.resources.RELATION_CLASSIFIER_BY_DEFAULT``).
    """
    if use_model is None:
        use_model = ner_model_enabled()
    if use_learned is None:
        use_learned = learned_models_enabled()
    return build_pipeline(use_model=use_model, use_learned=use_learned,
                          use_relation_model=use_learned and relation_classifier_enabled())


def extract_document(doc: CleanDocument, nlp: Language | None = None) -> Extraction:
    """Run the pipeline on ``doc`` and collect what it found."""
    return extract_documents([doc], nlp)[0]


def extract_documents(
    docs: Sequence[CleanDocument], nlp: Language | None = None
) -> list[Extraction]:
    """Run the pipeline on several documents at once; one extraction each, in order.

    The documents go through ``nlp.pipe`` together, so components that
    batch (the NER proposer reads the ranges of all of them in one call) do
    so; each document is still extracted exactly as on its own. An error in
    any document fails the whole call: a caller that must keep the others
    retries them one at a time (:func:`kg.graph.processed.process_documents`).

    The spaCy documents live in a memory zone: the words and strings they add
    to the vocabulary are freed when the extraction is done, so a process that
    extracts a whole corpus does not keep every new word it ever met (spaCy's
    vocabulary otherwise only grows). Nothing spaCy owns leaves the zone: the
    extraction is plain Python data. The most common words are added to the
    vocabulary when the pipeline is built, outside any zone, so that they are
    not made anew for every document.
    """
    nlp = nlp or default_pipeline()
    with nlp.memory_zone():
        sdocs = [prepared_doc(nlp, doc) for doc in docs]
        found = [
            (dict(sdoc._.kg_entities or {}), list(sdoc._.kg_sentences or []),
             list(sdoc._.kg_relations or []))
            for sdoc in nlp.pipe(sdocs, batch_size=max(1, len(sdocs)))
        ]
    return [
        _extraction(doc, without_bare_events(entities, relations), sentences, relations)
        for doc, (entities, sentences, relations) in zip(docs, found, strict=True)
    ]


def without_bare_events(
    entities: dict[str, Entity], relations: Sequence[Relation]
) -> dict[str, Entity]:
    """The entities, less the events that take part in no relation.

    Why: an event is worth a node when it says where it was held or who ran
    it; on its own it is a long phrase (…揭牌仪式, …开幕式) whose edges the
    tagger finds least reliably. The reference annotations mark events
    optional and the silver annotator kept them where they carry a
    relation; cross-validated, the bare ones were wrong names 6 times out of
    10 (training/README.md).
    """
    related = {r.subject for r in relations} | {r.object for r in relations}
    return {
        key: e for key, e in entities.items() if e.cls != "Event" or key in related
    }


def prepared_doc(nlp: Language, doc: CleanDocument) -> Doc:
    """The spaCy document of ``doc``'s Simplified text, with what the components read."""
    sdoc = nlp.make_doc(doc.simplified)
    sdoc.user_data[DOC_TEXT_KEY] = doc.simplified  # lossless tokenization: the same text
    sdoc.user_data["kg"] = {
        "original": doc.text,
        "title": _simplified_title(doc),
        "script": doc.script,
    }
    return sdoc


def _extraction(
    doc: CleanDocument,
    entities: dict[str, Entity],
    sentences: list[Span],
    relations: list[Relation],
) -> Extraction:
    """The components' findings, with the document's metadata and original text added."""
    _add_metadata_entities(doc, entities)
    if doc.text == doc.simplified:  # a Simplified article: every span already is original text
        return Extraction(doc=doc, sentences=sentences, entities=entities, relations=relations)
    for ent in entities.values():
        ent.mentions = [(_in_original(doc, span), rule) for span, rule in ent.mentions]
    return Extraction(
        doc=doc,
        sentences=[_in_original(doc, s) for s in sentences],
        entities=entities,
        relations=[replace(r, evidence=_in_original(doc, r.evidence)) for r in relations],
    )


def _in_original(doc: CleanDocument, span: Span) -> Span:
    """Components work on the Simplified text; a Span carries the original characters."""
    return Span(span.start, span.end, doc.text[span.start : span.end])


def _simplified_title(doc: CleanDocument) -> str | None:
    title = doc.metadata.title
    if not title:
        return None
    at = doc.simplified.find(title)
    return title if at >= 0 else None


def _add_metadata_entities(doc: CleanDocument, entities: dict[str, Entity]) -> None:
    """Publisher and source become Publications, editors become People.

    Their mention is where the name occurs in the cleaned text, if it does;
    otherwise the entity is supported by the article's metadata alone.
    """
    md = doc.metadata
    wanted = [(md.publisher, "Publication"), (md.source, "Publication")]
    wanted += [(e, "Person") for e in md.editors]
    from kg.extract.gazetteer import get_gazetteer

    for name, cls in wanted:
        if not name:
            continue
        if cls == "Publication" and get_gazetteer().is_known_name(name):
            continue  # a breadcrumb that starts with a place names no publisher
        key = f"{cls}:{name}"
        ent = entities.get(key)
        if ent is None:
            ent = entities[key] = Entity(key=key, cls=cls, label=name)
        at = doc.simplified.find(name)
        if at >= 0:
            ent.mentions.append(
                (Span(at, at + len(name), doc.text[at : at + len(name)]), "metadata")
            )
