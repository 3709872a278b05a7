"""Ablation: what each extraction component contributes, on the seed and the dev set.

For every variant the pipeline is rebuilt with one rule family switched off
(or the trained NER added), every article of ``../shared/eval`` and
``../shared/eval/dev`` is extracted again, and the micro-averaged scores are
compared with the full pipeline. Run: ``python benchmarks/ablation.py``; the
table is printed and written to ``benchmarks/results/ablation.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph

from kg.evaluate.score import evaluate_folder, micro_average
from kg.extract.components import ENTITY_RULE_FAMILIES, RELATION_RULE_FAMILIES
from kg.extract.pipeline import build_pipeline, extract_document
from kg.graph.document import document_triples
from kg.model import Failure
from kg.read.clean import clean_document
from kg.read.ingest import iter_documents
from kg.resources import ner_model_available

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"


def builder(nlp):
    def build(paths: list[Path]) -> Graph:
        g = Graph()
        for raw in iter_documents(paths):
            if isinstance(raw, Failure):
                raise SystemExit(str(raw))
            for t in document_triples(extract_document(clean_document(raw), nlp)):
                g.add(t)
        return g

    return build


def score(nlp) -> tuple[float, float, float, float]:
    rows = evaluate_folder(SHARED, builder(nlp)) + evaluate_folder(SHARED / "dev", builder(nlp))
    seed = micro_average([s for name, s in rows if name == "seed"])
    dev = micro_average([s for name, s in rows if name != "seed"])
    return (seed.entities_typed.f1, seed.relations_strict.f1,
            dev.entities_typed.f1, dev.relations_strict.f1)


def main() -> int:
    variants: list[tuple[str, dict]] = [("full pipeline (rules + gazetteer)", {})]
    if ner_model_available():
        variants.append(("+ trained NER proposer", {"use_model": True}))
    variants += [(f"− entity rules: {f}", {"disabled_entity_rules": (f,)})
                 for f in ENTITY_RULE_FAMILIES]
    variants += [(f"− relation rules: {f}", {"disabled_relation_rules": (f,)})
                 for f in RELATION_RULE_FAMILIES]
    lines = [
        "| variant | seed entity F1 | seed relation F1 | dev entity F1 | dev relation F1 |",
        "|---|---|---|---|---|",
    ]
    base = None
    for name, kwargs in variants:
        result = score(build_pipeline(**kwargs))
        if base is None:
            base = result
        cells = [f"{v:.3f}" if base is result else f"{v:.3f} ({v - b:+.3f})"
                 for v, b in zip(result, base, strict=True)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    out = ROOT / "benchmarks" / "results" / "ablation.md"
    out.write_text("# Extraction ablation (typed entity F1, strict relation F1)\n\n"
                   + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
