"""Cross-validated extraction quality: the numbers that predict what a user gets.

Every dev article is scored by models trained without it (5 folds; each fold's
tagger and relation classifier are trained on the silver corpus plus the other
four fifths of the dev set, with ``training/learned.cfg``). Written to
``benchmarks/results/crossval.md``:

1. the cross-validated scores, micro-averaged and fold by fold, and by class
   and by relation;
2. the learning curve: the same cross-validation with 25%, 50% and 100% of the
   silver corpus;
3. the ablation: rules only, the tagger with the rules' relations (what ships),
   the relation classifier without the tagger, and both, on the same folds (the
   fold models are reused, not retrained);
4. the tuned-on numbers beside them: the shipped models on the dev set they
   were trained on (the rules were also written on d01–d10).

Run: ``make cv`` (or ``python benchmarks/crossval.py [--shares 0.25 0.5 1.0]``);
about half an hour on two cores. Fold models are kept in
``training/output/cv/`` so a rerun with ``--reuse`` skips training the taggers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kg.evaluate.crossval import cross_validate
from kg.evaluate.score import format_breakdown, micro_average
from kg.extract.training import read_config

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = REPO_ROOT / "benchmarks" / "results" / "crossval.md"
WORK = REPO_ROOT / "training" / "output" / "cv"


def prf(c) -> str:
    return f"{c.precision:.3f} / {c.recall:.3f} / {c.f1:.3f}"


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def halves(rows):
    old = micro_average([s for n, s in rows if n <= "d10"])
    new = micro_average([s for n, s in rows if n > "d10"])
    return old, new


def tuned_on_rows(dev: Path):
    """The shipped pipeline (models trained on every dev article) on the dev set."""
    from rdflib import Graph

    from kg.evaluate.score import load_gold, score_graph
    from kg.extract.annotations import load_gold_folder
    from kg.extract.pipeline import build_pipeline, extract_document
    from kg.graph.document import document_triples
    from kg.resources import ner_model_enabled

    out = {}
    for label, kwargs in (("rules only", dict(use_learned=False)),
                          ("shipped (tagger)", dict(use_learned=True, use_relation_model=False)),
                          ("tagger + relation classifier", dict(use_learned=True))):
        nlp = build_pipeline(use_model=ner_model_enabled(), **kwargs)
        rows = []
        for doc in load_gold_folder(dev):
            graph = Graph()
            for triple in document_triples(extract_document(doc.clean, nlp)):
                graph.add(triple)
            rows.append((doc.doc_id, score_graph(load_gold(dev / f"{doc.doc_id}.gold.json"),
                                                 graph)))
        out[label] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=REPO_ROOT / "training" / "learned.cfg")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="reuse fold taggers in the work dir")
    args = parser.parse_args()
    cfg = read_config(args.config, REPO_ROOT)
    common = dict(folds=args.folds, tagger_settings=cfg.tagger,
                  relation_settings=cfg.relations, log=log)
    started = time.perf_counter()
    curve = {}
    # the shipped design: the tagger's mentions, the rules' relations
    for share in sorted(args.shares):
        curve[share] = cross_validate(
            cfg.dev, cfg.genre, cfg.silver, silver_share=share, use_relations=False,
            work_dir=WORK / f"share-{share}", reuse_taggers=args.reuse, **common)
        t = curve[share].total()
        log(f"share {share}: entities {prf(t.entities_typed)} relations {prf(t.relations_strict)}")
    full = curve[max(curve)]
    work = WORK / f"share-{max(curve)}"
    ablation = {"tagger + the rules' relations (shipped)": full}
    for label, kwargs in (("rules only", dict(use_tagger=False, use_relations=False)),
                          ("relation classifier, no tagger", dict(use_tagger=False)),
                          ("tagger + relation classifier (`KG_RELATION_MODEL=1`)", {})):
        ablation[label] = cross_validate(cfg.dev, cfg.genre, cfg.silver, work_dir=work,
                                         reuse_taggers=True, **kwargs, **common)
    tuned = tuned_on_rows(cfg.dev)

    total = full.total()
    old, new = halves(full.rows)
    lines = [
        "# Extraction quality on articles the models did not see",
        "",
        f"`make cv` ({args.folds} folds over the 40 dev articles; each fold's models trained on "
        f"the silver corpus plus the other folds; {time.perf_counter() - started:.0f} s in all).",
        "",
        "## Cross-validated (micro over all 40 articles)",
        "",
        "| set | articles | entities typed P / R / F1 | relations strict P / R / F1 |",
        "|---|---|---|---|",
        f"| **all 40** | {total.documents} | {prf(total.entities_typed)} | "
        f"{prf(total.relations_strict)} |",
        f"| d01–d10 | {old.documents} | {prf(old.entities_typed)} | {prf(old.relations_strict)} |",
        f"| d11–d40 | {new.documents} | {prf(new.entities_typed)} | {prf(new.relations_strict)} |",
    ]
    for i, (fold, t) in enumerate(zip(full.folds, full.fold_totals(), strict=True)):
        lines.append(f"| fold {i + 1} ({', '.join(fold)}) | {t.documents} | "
                     f"{prf(t.entities_typed)} | {prf(t.relations_strict)} |")
    lines += ["", "### By class and by relation (cross-validated, all 40)", "",
              format_breakdown(total)]
    lines += ["## Learning curve (cross-validated, all 40)", "",
              "| silver articles | entities typed P / R / F1 | relations strict P / R / F1 |",
              "|---|---|---|"]
    for share, cv in curve.items():
        t = cv.total()
        lines.append(f"| {cv.settings['silver_articles']} ({share:.0%}) | "
                     f"{prf(t.entities_typed)} | {prf(t.relations_strict)} |")
    lines += ["", "## Ablation (cross-validated, same folds)", "",
              "| variant | entities typed P / R / F1 | relations strict P / R / F1 | "
              "d11–d40 entities F1 | d11–d40 relations F1 |", "|---|---|---|---|---|"]
    for label, cv in ablation.items():
        t = cv.total()
        _, n = halves(cv.rows)
        lines.append(f"| {label} | {prf(t.entities_typed)} | {prf(t.relations_strict)} | "
                     f"{n.entities_typed.f1:.3f} | {n.relations_strict.f1:.3f} |")
    lines += ["", "## Tuned-on (for comparison only: these articles were seen)", "",
              "| pipeline | entities typed P / R / F1 | relations strict P / R / F1 |",
              "|---|---|---|"]
    for label, rows in tuned.items():
        t = micro_average([s for _, s in rows])
        lines.append(f"| {label} on all 40 | {prf(t.entities_typed)} | "
                     f"{prf(t.relations_strict)} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
