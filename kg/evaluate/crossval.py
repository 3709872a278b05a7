"""Cross-validation of the learned extraction on the annotated dev set.

Why: the rules were written while reading some of the dev articles, and the
models are trained on annotated articles, so a score on articles the work saw
says little about a user's article. Here every dev article is scored by models
trained *without* it: the dev set is dealt into folds, and for each fold the
tagger and the relation classifier are trained on the silver corpus plus the
other folds, then the fold's articles are built and scored exactly as
``kg eval`` scores them. The scores are summed over all articles
(micro-averaged) and also reported fold by fold.

The silver share (``silver_share``) gives the learning curve: the same
cross-validation with a deterministic part of the silver corpus.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg.evaluate.score import DocScore, Totals, load_gold, micro_average, score_graph
from kg.extract.annotations import load_gold_folder, load_silver, silver_subset
from kg.extract.training import (
    RelationSettings,
    TaggerSettings,
    oracle_pipeline,
    relation_examples,
    rule_view,
    rules_pipeline,
    split_folds,
    train_relation_model,
    train_tagger,
)


@dataclass
class CrossValidation:
    """Scores of every dev article under models that did not see it."""

    rows: list[tuple[str, DocScore]]
    folds: list[list[str]]
    seconds: float
    settings: dict[str, object] = field(default_factory=dict)

    def total(self) -> Totals:
        return micro_average([s for _, s in self.rows])

    def fold_totals(self) -> list[Totals]:
        by_name = dict(self.rows)
        return [micro_average([by_name[n] for n in fold]) for fold in self.folds]


# State the fold workers read; set before they fork, so it is not pickled.
_STATE: dict[str, object] = {}


def _train_fold_tagger(args: tuple[int, str]) -> str:
    index, out = args
    held = set(_STATE["folds"][index])
    silver = _STATE["silver_views"]
    gold = [pair for pair in _STATE["dev_views"] if pair[0].doc_id not in held]
    train_tagger(silver, gold, Path(out), _STATE["tagger_settings"])
    return out


def cross_validate(
    dev_dir: Path,
    genre_jsonl: Path,
    silver_jsonl: Path,
    *,
    folds: int = 5,
    silver_share: float = 1.0,
    seed: int = 0,
    tagger_settings: TaggerSettings | None = None,
    relation_settings: RelationSettings | None = None,
    use_tagger: bool = True,
    use_relations: bool = True,
    workers: int = 2,
    work_dir: Path | None = None,
    reuse_taggers: bool = False,
    log: Callable[[str], None] = lambda s: None,
) -> CrossValidation:
    """Train and score fold by fold (see the module docstring).

    The fold models are written to ``work_dir`` (a temporary folder by
    default); with ``reuse_taggers`` a tagger already there is not trained
    again, which makes experiments with the relation classifier cheap.
    """
    from kg.extract.pipeline import build_pipeline, extract_document
    from kg.graph.document import document_triples
    from kg.resources import ner_model_enabled

    tagger_settings = tagger_settings or TaggerSettings()
    started = time.perf_counter()
    dev = load_gold_folder(dev_dir)
    silver = silver_subset(load_silver(genre_jsonl, silver_jsonl), silver_share, seed)
    names = [d.doc_id for d in dev]
    groups = split_folds(names, folds, seed)
    log(f"cv: {len(silver)} silver and {len(dev)} dev articles, {folds} folds")

    with tempfile.TemporaryDirectory(prefix="kg-cv-") as scratch:
        tmp = str(work_dir or scratch)
        Path(tmp).mkdir(parents=True, exist_ok=True)
        tagger_paths: list[str | None] = [None] * folds
        jobs = [(i, str(Path(tmp) / f"tagger-{i}.crfsuite")) for i in range(folds)]
        if use_tagger and reuse_taggers and all(Path(p).is_file() for _, p in jobs):
            tagger_paths = [p for _, p in jobs]
        elif use_tagger:
            nlp = rules_pipeline()
            _STATE.update(
                folds=groups,
                silver_views=[(d, rule_view(nlp, d)) for d in silver],
                dev_views=[(d, rule_view(nlp, d)) for d in dev],
                tagger_settings=tagger_settings,
            )
            if workers > 1:
                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    tagger_paths = list(pool.map(_train_fold_tagger, jobs))
            else:
                tagger_paths = [_train_fold_tagger(job) for job in jobs]
            _STATE.clear()
            log(f"cv: taggers trained ({time.perf_counter() - started:.0f} s)")
        relation_paths: list[str | None] = [None] * folds
        if use_relations:
            onlp = oracle_pipeline()
            silver_examples = [relation_examples(onlp, d) for d in silver]
            dev_examples = {d.doc_id: relation_examples(onlp, d) for d in dev}
            for i, held in enumerate(groups):
                out = Path(tmp) / f"relations-{i}.npz"
                gold = [ex for name, ex in dev_examples.items() if name not in held]
                train_relation_model(silver_examples, gold, out, relation_settings)
                relation_paths[i] = str(out)
            log(f"cv: relation models trained ({time.perf_counter() - started:.0f} s)")

        rows: list[tuple[str, DocScore]] = []
        by_name = {d.doc_id: d for d in dev}
        for i, held in enumerate(groups):
            config: dict[str, dict[str, object]] = {}
            if tagger_paths[i]:
                config["kg_mention_tagger"] = {"model_path": tagger_paths[i]}
            if relation_paths[i]:
                config["kg_relation_classifier"] = {"model_path": relation_paths[i]}
            nlp = build_pipeline(
                use_model=ner_model_enabled(),  # as a build runs it
                use_learned=use_tagger or use_relations,
                use_tagger=use_tagger,
                use_relation_model=use_relations,
                learned_config=config,
            )
            for name in held:
                gold = load_gold(dev_dir / f"{name}.gold.json")
                graph = Graph()
                extraction = extract_document(by_name[name].clean, nlp)
                for triple in document_triples(extraction):
                    graph.add(triple)
                rows.append((name, score_graph(gold, graph)))
    rows.sort()
    settings = {
        "folds": folds, "silver_share": silver_share, "seed": seed,
        "silver_articles": len(silver), "tagger": use_tagger, "relations": use_relations,
    }
    return CrossValidation(rows, groups, time.perf_counter() - started, settings)


def format_cross_validation(result: CrossValidation, show_misses: bool = False) -> str:
    """The micro totals, the folds, then the per-article report of ``kg eval``."""
    from kg.evaluate.score import format_report

    def prf(c) -> str:
        return f"{c.precision:.3f} / {c.recall:.3f} / {c.f1:.3f}"

    total = result.total()
    lines = [
        f"## Cross-validation ({result.settings.get('folds')} folds, "
        f"{result.settings.get('silver_articles')} silver articles, {result.seconds:.0f} s)",
        "",
        "| set | articles | entities typed P / R / F1 | relations strict P / R / F1 |",
        "|---|---|---|---|",
        f"| **all folds (micro)** | {total.documents} | {prf(total.entities_typed)} | "
        f"{prf(total.relations_strict)} |",
    ]
    for i, (fold, totals) in enumerate(zip(result.folds, result.fold_totals(), strict=True)):
        lines.append(f"| fold {i + 1}: {', '.join(fold)} | {totals.documents} | "
                     f"{prf(totals.entities_typed)} | {prf(totals.relations_strict)} |")
    lines += ["", format_report(result.rows, show_misses=show_misses)]
    return "\n".join(lines)


def cross_validation_report(
    folder: Path, folds: int, config: Path, repo_root: Path, misses: bool,
    log: Callable[[str], None],
) -> str:
    """``kg eval --folds``: cross-validate with the settings of ``config`` and format the result."""
    from kg.extract.training import read_config

    settings = read_config(config, repo_root)
    result = cross_validate(
        folder, settings.genre, settings.silver, folds=folds,
        silver_share=settings.silver_share, tagger_settings=settings.tagger,
        relation_settings=settings.relations, log=log,
    )
    return format_cross_validation(result, show_misses=misses)
