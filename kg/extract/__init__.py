"""Extraction: a spaCy pipeline of kg's own components (see ``components.py``)."""

from kg.extract.pipeline import build_pipeline, extract_document

__all__ = ["build_pipeline", "extract_document"]
