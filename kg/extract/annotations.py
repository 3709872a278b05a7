"""Annotated articles (the dev gold and the silver corpus) aligned with kg's cleaned text.

The learned components are trained on what an annotator wrote: entity names
with their class and surface forms, and relations between entity names. The
components themselves see the *cleaned, Simplified* text the pipeline makes of
an article, so every surface form is looked up there, not in the raw input:
the pinyin an annotator copied (``豐谷區(qū)``, an invented name) is removed and the form converted
to Simplified before it is searched, and forms that only occur in page chrome
the cleaner dropped simply have no span.

Nothing here reads a fixed path: callers pass the files (``../shared/`` in
``make train``), so the package never carries training text.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError
from kg.model import CleanDocument, Failure, RawDocument
from kg.read.clean import clean_document, remove_pinyin_annotations
from kg.read.ingest import iter_documents
from kg.read.normalise import normalise_name, to_simplified


class AnnotationError(KgError):
    """An annotation file cannot be read or does not describe its article."""


@dataclass(frozen=True)
class AnnotatedSpan:
    """One occurrence of an annotated entity in the cleaned text."""

    start: int
    end: int
    cls: str
    #: The entity's canonical name, which relations refer to.
    name: str


@dataclass
class AnnotatedDoc:
    """A cleaned article with the entities and relations an annotator found in it."""

    doc_id: str
    clean: CleanDocument
    #: Every occurrence of every entity form, overlapping ones included.
    spans: list[AnnotatedSpan]
    #: canonical name → class
    classes: dict[str, str]
    #: normalised form (canonical, surface, alias) → canonical names it may stand for
    forms: dict[str, set[str]]
    #: (subject name, predicate, object name), text relations only
    relations: set[tuple[str, str, str]] = field(default_factory=set)
    #: Relations that are allowed but not required (optional in the gold).
    optional_relations: set[tuple[str, str, str]] = field(default_factory=set)

    def outer_spans(self) -> list[AnnotatedSpan]:
        """The longest non-overlapping spans: what a flat tagger is taught to find."""
        return outermost(self.spans)


def outermost(spans: Iterable[AnnotatedSpan]) -> list[AnnotatedSpan]:
    """Longest spans first; a span overlapping one already kept is left out."""
    kept: list[AnnotatedSpan] = []
    taken: set[int] = set()
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if any(i in taken for i in range(s.start, s.end)):
            continue
        kept.append(s)
        taken.update(range(s.start, s.end))
    return sorted(kept, key=lambda s: s.start)


def simplified_form(surface: str) -> str:
    """How an annotated surface form reads in the pipeline's text."""
    return to_simplified(remove_pinyin_annotations(surface)).strip()


def locate(text: str, form: str) -> Iterator[tuple[int, int]]:
    """Every occurrence of ``form`` in ``text``, overlapping ones included."""
    if not form:
        return
    at = text.find(form)
    while at >= 0:
        yield at, at + len(form)
        at = text.find(form, at + 1)


def align(
    doc_id: str,
    raw: RawDocument,
    entities: Iterable[tuple[str, str, Iterable[str]]],
    relations: Iterable[tuple[str, str, str]],
    optional_relations: Iterable[tuple[str, str, str]] = (),
) -> AnnotatedDoc:
    """Clean ``raw`` and find each entity's forms in it.

    ``entities`` are ``(canonical name, class, surface forms)``. Forms of one
    character are ignored: they match everywhere and name nothing.
    """
    clean = clean_document(raw)
    text = clean.simplified
    spans: set[AnnotatedSpan] = set()
    classes: dict[str, str] = {}
    forms: dict[str, set[str]] = {}
    for name, cls, surfaces in entities:
        classes.setdefault(name, cls)
        written = {simplified_form(s) for s in surfaces} | {simplified_form(name)}
        for form in written:
            if len(form) < 2:
                continue
            forms.setdefault(normalise_name(form), set()).add(name)
            for start, end in locate(text, form):
                spans.add(AnnotatedSpan(start, end, cls, name))
    return AnnotatedDoc(
        doc_id=doc_id,
        clean=clean,
        spans=sorted(spans, key=lambda s: (s.start, -s.end)),
        classes=classes,
        forms=forms,
        relations=set(relations),
        optional_relations=set(optional_relations) - set(relations),
    )


# --- the silver corpus -----------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[dict]:
    """The records of a JSON-lines file, with the line named in any error."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotationError(f"{path}: cannot read it ({error})") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except ValueError as error:
            raise AnnotationError(f"{path}:{number}: not JSON ({error})") from error


def load_silver(genre: Path, silver: Path, ids: set[str] | None = None) -> list[AnnotatedDoc]:
    """The genre articles with their silver annotations (``shared/data/genre``)."""
    texts = {r["id"]: r for r in read_jsonl(genre)}
    out = []
    for record in read_jsonl(silver):
        doc_id = record["id"]
        if ids is not None and doc_id not in ids:
            continue
        article = texts.get(doc_id)
        if article is None:
            raise AnnotationError(f"{silver}: annotation {doc_id!r} has no article in {genre}")
        raw = RawDocument(source=f"{genre}:{doc_id}", text=article["text"], doc_id=doc_id,
                          url=article.get("url"))
        entities = [(e["name"], e["type"], e.get("mentions") or []) for e in record["entities"]]
        relations = [(r["subject"], r["predicate"], r["object"]) for r in record["relations"]]
        out.append(align(doc_id, raw, entities, relations))
    return out


# --- the gold dev set ------------------------------------------------------------------


def load_gold_folder(folder: Path) -> list[AnnotatedDoc]:
    """Every ``dNN.gold.json`` of ``folder`` with its ``dNN.txt``, by name."""
    out = []
    for gold_path in sorted(Path(folder).glob("*.gold.json")):
        name = gold_path.name.removesuffix(".gold.json")
        text_path = gold_path.with_name(f"{name}.txt")
        raws = [r for r in iter_documents([text_path]) if not isinstance(r, Failure)]
        if len(raws) != 1:
            raise AnnotationError(f"{gold_path}: cannot read its article {text_path}")
        data = json.loads(gold_path.read_text(encoding="utf-8"))
        entities = [
            (e["canonical"], e.get("type") or e["types"][0],
             [e.get("text") or "", e.get("surface") or "", *(e.get("aliases") or [])])
            for e in data.get("entities", [])
        ]
        required, optional = [], []
        for r in data.get("relations", []):
            triple = (r["subject"], r["predicate"], r["object"])
            keep = r.get("core", True) and r.get("source", "text") == "text"
            (required if keep else optional).append(triple)
        out.append(align(name, raws[0], entities, required, optional))
    return out


def silver_subset(docs: Sequence[AnnotatedDoc], share: float, seed: int = 0) -> list[AnnotatedDoc]:
    """A deterministic ``share`` of the silver articles (all of them at 1.0)."""
    if share >= 1.0:
        return list(docs)
    order = sorted(docs, key=lambda d: d.doc_id)
    random.Random(seed).shuffle(order)
    return order[: max(1, round(len(order) * share))]
