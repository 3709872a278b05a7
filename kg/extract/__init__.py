"""Stage 2, extraction: clean text in, mentions and relations out.

In: a ``CleanDocument``. Out: an ``Extraction`` (:mod:`kg.model`): entities with
their mentions and offsets, relations with their evidence sentence. A spaCy
pipeline of kg's own components (``components.py``): rules, the gazetteer and
trained models. Must not import graph, store, explore, evaluate or build.
"""

from kg.extract.pipeline import build_pipeline, extract_document

__all__ = ["build_pipeline", "extract_document"]
