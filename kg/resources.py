"""Where the files that ship with kg live (ontology, shapes, named queries, models).

In a source checkout the ontology sits at the top of the repository; in an
installed wheel it is copied into ``kg/_ontology``. Callers ask here instead of
assembling paths themselves.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def ontology_dir() -> Path:
    """The folder holding ``kg.ttl``, ``shapes.ttl`` and ``queries/``."""
    for candidate in (PACKAGE_DIR / "_ontology", PACKAGE_DIR.parent / "ontology"):
        if (candidate / "kg.ttl").is_file():
            return candidate
    raise FileNotFoundError("kg's ontology folder is missing; reinstall the package")


def ontology_file() -> Path:
    return ontology_dir() / "kg.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def queries_dir() -> Path:
    return ontology_dir() / "queries"


def models_dir() -> Path:
    return PACKAGE_DIR / "models"


@lru_cache(maxsize=1)
def jieba_word_tags() -> dict[str, str]:
    """jieba's dictionary word → part-of-speech table (loads jieba's dictionary once per process).

    One reader for the extraction rules (is this word a verb?) and the NER's
    features (the tag of each dictionary word), so both see the same table.
    """
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)  # no "Building prefix dict" chatter on stderr
    jieba.initialize()
    return jieba.posseg.dt.word_tag_tab


@lru_cache(maxsize=1)
def common_jieba_words(count: int = 30_000) -> tuple[str, ...]:
    """The ``count`` or so most frequent words of jieba's dictionary (ties at the end kept).

    What a spaCy vocabulary should know before documents are processed in
    memory zones (:func:`kg.extract.pipeline.extract_documents`): words met
    inside a zone are forgotten after it, so the common ones are added outside.
    """
    import jieba

    jieba_word_tags()  # initialises jieba's dictionary, quietly
    frequencies = jieba.dt.FREQ
    ranked = sorted(frequencies.values(), reverse=True)
    if not ranked:
        return ()
    floor = max(ranked[min(count, len(ranked)) - 1], 1)
    return tuple(word for word, frequency in frequencies.items() if frequency >= floor)


def ner_model_dir() -> Path:
    """Where the shipped statistical NER model lives inside the package."""
    return models_dir() / "ner-zh"


def ner_model_available() -> bool:
    return (ner_model_dir() / "meta.json").is_file()


def ner_model_enabled() -> bool:
    """Whether builds use the trained NER: it ships, and ``KG_NO_NER=1`` is not set.

    One decision for the pipeline and for the extractor fingerprint, so that
    the fingerprint always describes the pipeline that ran.
    """
    return ner_model_available() and os.environ.get("KG_NO_NER") != "1"


#: The trained extraction models that ship in ``kg/models/`` (``make train``).
LEARNED_MODEL_FILES = ("mentions.crfsuite", "relations.npz")


def learned_model_paths() -> tuple[Path, ...]:
    return tuple(models_dir() / name for name in LEARNED_MODEL_FILES)


#: The trained relation classifier is not part of the default pipeline. Measured by
#: cross-validation over the 40 dev articles (``benchmarks/results/crossval.md``), the
#: rules' relations with the tagger's mentions score higher than the same with the
#: classifier's relations added: the classifier adds more wrong ``locatedIn``,
#: ``cooperatesWith`` and ``memberOf`` statements than right ones. ``KG_RELATION_MODEL=1``
#: adds it (for experiments and for retrained classifiers).
RELATION_CLASSIFIER_BY_DEFAULT = False


def relation_classifier_enabled() -> bool:
    """Whether builds add the trained relation classifier's relations to the rules'."""
    wanted = os.environ.get("KG_RELATION_MODEL", "1" if RELATION_CLASSIFIER_BY_DEFAULT else "0")
    return wanted == "1" and learned_models_enabled()


def learned_models_enabled() -> bool:
    """Whether builds use the trained tagger and relation classifier.

    They do when both ship and ``KG_NO_LEARNED=1`` is not set (for ablations
    and for comparing with the rules alone).
    """
    return (
        all(path.is_file() for path in learned_model_paths())
        and os.environ.get("KG_NO_LEARNED") != "1"
    )
