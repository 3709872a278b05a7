"""Which features the mention tagger needs: accuracy against speed, by measurement.

Each variant is the CRF of ``kg.extract.tagger`` with one group of features
left out (or none). Every variant is trained on the silver corpus plus dev
articles d01–d20 and scored on d21–d40, which none of them saw: strict span
and class match against the reference's outermost spans, and tagging speed
(features plus crfsuite) over the test articles. The model size is reported
too. Writes ``benchmarks/results/tagger_variants.md``.

Run: ``python benchmarks/tagger_variants.py [--iterations 100]`` (several
minutes per variant).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
RESULTS = REPO_ROOT / "benchmarks" / "results" / "tagger_variants.md"

#: Feature groups by the prefixes of their feature strings.
GROUPS = {
    "rule votes": ("rc=", "rr=", "r="),
    "jieba words": ("wp=", "w=", "wt=", "wb=", "wa="),
    "character n-grams beyond the character": ("c-1=", "c+1=", "c-2=", "c+2=", "b-=", "b+=",
                                               "t-=", "t0=", "t+="),
    "quotes and character kinds": ("q=", "k="),
}


def keep(features: list[list[str]], dropped: tuple[str, ...]) -> list[list[str]]:
    if not dropped:
        return features
    return [[f for f in row if not f.startswith(dropped)] for row in features]


def main() -> None:
    import pycrfsuite

    from kg.extract.annotations import load_gold_folder, load_silver
    from kg.extract.tagger import bio_tags, char_features, spans_from_tags
    from kg.extract.training import rule_view, rules_pipeline

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=100)
    args = parser.parse_args()
    nlp = rules_pipeline()
    silver = load_silver(SHARED / "data/genre/genre.jsonl", SHARED / "data/genre/silver.jsonl")
    dev = load_gold_folder(SHARED / "eval/dev")
    train = [(d, rule_view(nlp, d)) for d in silver]
    train += [(d, rule_view(nlp, d)) for d in dev if d.doc_id <= "d20"] * 2
    test = [(d, rule_view(nlp, d)) for d in dev if d.doc_id > "d20"]

    def sequences(doc, view):
        feats = char_features(view.text, view.words, view.starts, view.candidates)
        tags = bio_tags(len(view.text), [(s.start, s.end, s.cls) for s in doc.outer_spans()])
        return [(feats[s:e], tags[s:e]) for s, e in view.sentences]

    rows = []
    variants = [("all features", ())] + [(f"without {k}", v) for k, v in GROUPS.items()]
    for name, dropped in variants:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.crfsuite")
            trainer = pycrfsuite.Trainer(verbose=False)
            trainer.set_params({"c1": 0.05, "c2": 0.01, "max_iterations": args.iterations,
                                "feature.possible_transitions": True})
            for doc, view in train:
                for x, y in sequences(doc, view):
                    trainer.append(keep(x, dropped), y)
            started = time.perf_counter()
            trainer.train(path)
            train_s = time.perf_counter() - started
            tagger = pycrfsuite.Tagger()
            tagger.open(path)
            size = os.path.getsize(path)
            tp = fp = fn = chars = 0
            started = time.perf_counter()
            for doc, view in test:
                feats = keep(char_features(view.text, view.words, view.starts,
                                           view.candidates), dropped)
                found = set()
                for s, e in view.sentences:
                    for a, b, cls in spans_from_tags(tagger.tag(feats[s:e])):
                        if b - a >= 2:
                            found.add((s + a, s + b, cls))
                gold = {(s.start, s.end, s.cls) for s in doc.outer_spans()}
                tp += len(found & gold)
                fp += len(found - gold)
                fn += len(gold - found)
                chars += len(view.text)
            speed = chars / (time.perf_counter() - started)
        p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
        f = 2 * p * r / (p + r) if p + r else 0.0
        rows.append(f"| {name} | {p:.3f} / {r:.3f} / {f:.3f} | {speed:,.0f} chars/s | "
                    f"{size / 2**20:.1f} MiB | {train_s:.0f} s |")
        print(rows[-1], file=sys.stderr, flush=True)
    lines = [
        "# Mention tagger: feature groups against accuracy and speed",
        "",
        f"CRF (crfsuite L-BFGS, {args.iterations} iterations), trained on the silver corpus and "
        "d01–d20 (twice), scored on d21–d40: strict span and class against the reference's "
        "outermost spans. Speed is features plus tagging over d21–d40, one process. "
        "`python benchmarks/tagger_variants.py`.",
        "",
        "| variant | span P / R / F1 | speed | model | training |",
        "|---|---|---|---|---|",
        *rows,
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
