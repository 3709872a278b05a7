"""Does general NER data help the mention tagger? CLUENER 2020 as extra training data.

Same protocol as ``tagger_variants.py``: the CRF of ``kg.extract.tagger`` trained
on the silver corpus plus dev articles d01–d20 (twice), scored on d21–d40
(strict span and class against the reference's outermost spans), once as is
and once with CLUENER's training sentences added. CLUENER's classes map to
ours only in part (``name`` → Person, ``company`` → Enterprise, ``government``
→ GovernmentBody); a sentence with any other class (addresses, scenes,
organisations of other kinds, books …) is left out, because its unmapped
names would be taught as no names. MSRA is used elsewhere: it trains the
statistical NER (``training/README.md``). Writes
``benchmarks/results/tagger_extra_data.md``.

Run: ``python benchmarks/tagger_extra_data.py [--iterations 100]`` (about
half an hour on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
RESULTS = REPO_ROOT / "benchmarks" / "results" / "tagger_extra_data.md"
CLUENER = SHARED / "data" / "ner" / "cluener2020" / "train.json"
#: CLUENER's classes that are ours too; sentences with others are left out.
MAPPED = {"name": "Person", "company": "Enterprise", "government": "GovernmentBody"}
#: CLUENER's classes that are no entity of ours, so a sentence with them may stay.
HARMLESS = {"position"}
CLASSES = ("Person", "Enterprise", "GovernmentBody")


def cluener_documents():
    """CLUENER's training sentences whose names are all of the mapped classes."""
    from kg.extract.annotations import align
    from kg.model import RawDocument

    out = []
    for i, line in enumerate(CLUENER.read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        kinds = set(record["label"])
        if not kinds & set(MAPPED) or not kinds <= set(MAPPED) | HARMLESS:
            continue
        entities = [(name, MAPPED[kind], [name])
                    for kind, names in record["label"].items() if kind in MAPPED
                    for name in names]
        raw = RawDocument(source=f"cluener:{i}", text=record["text"], doc_id=f"cluener-{i}")
        out.append(align(f"cluener-{i}", raw, entities, []))
    return out


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main() -> None:
    import pycrfsuite

    from kg.extract.annotations import load_gold_folder, load_silver
    from kg.extract.tagger import char_features, spans_from_tags
    from kg.extract.training import rule_view, rules_pipeline, tagger_sequences

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=100)
    args = parser.parse_args()
    nlp = rules_pipeline()
    silver = load_silver(SHARED / "data/genre/genre.jsonl", SHARED / "data/genre/silver.jsonl")
    dev = load_gold_folder(SHARED / "eval/dev")
    train = [(d, rule_view(nlp, d)) for d in silver]
    train += [(d, rule_view(nlp, d)) for d in dev if d.doc_id <= "d20"] * 2
    test = [(d, rule_view(nlp, d)) for d in dev if d.doc_id > "d20"]
    extra = [(d, rule_view(nlp, d)) for d in cluener_documents()]
    rows = []
    for name, data in (("silver + d01–d20", train),
                       (f"silver + d01–d20 + CLUENER ({len(extra):,} sentences)", train + extra)):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.crfsuite")
            trainer = pycrfsuite.Trainer(verbose=False)
            trainer.set_params({"c1": 0.05, "c2": 0.01, "max_iterations": args.iterations,
                                "feature.possible_transitions": True})
            for doc, view in data:
                for x, y in tagger_sequences(doc, view):
                    trainer.append(x, y)
            started = time.perf_counter()
            trainer.train(path)
            seconds = time.perf_counter() - started
            tagger = pycrfsuite.Tagger()
            tagger.open(path)
            counts = {c: [0, 0, 0] for c in ("all", *CLASSES)}
            for doc, view in test:
                feats = char_features(view.text, view.words, view.starts, view.candidates)
                found = {(s + a, s + b, cls) for s, e in view.sentences
                         for a, b, cls in spans_from_tags(tagger.tag(feats[s:e])) if b - a >= 2}
                gold = {(s.start, s.end, s.cls) for s in doc.outer_spans()}
                for c, n in counts.items():
                    g = gold if c == "all" else {x for x in gold if x[2] == c}
                    f = found if c == "all" else {x for x in found if x[2] == c}
                    n[0] += len(f & g)
                    n[1] += len(f - g)
                    n[2] += len(g - f)
        tp, fp, fn = counts["all"]
        p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
        per = " | ".join(f"{f1(*counts[c]):.3f}" for c in CLASSES)
        rows.append(f"| {name} | {p:.3f} / {r:.3f} / {f1(tp, fp, fn):.3f} | {per} | "
                    f"{seconds:.0f} s |")
        print(rows[-1], file=sys.stderr, flush=True)
    lines = [
        "# Mention tagger: does CLUENER help?",
        "",
        f"CRF ({args.iterations} iterations) trained on the silver corpus and d01–d20 "
        "(twice), with and without CLUENER's training sentences of the mapped classes; "
        "scored on d21–d40, strict span and class. `python benchmarks/tagger_extra_data.py`.",
        "",
        "| training data | span P / R / F1 | Person F1 | Enterprise F1 | GovernmentBody F1 | "
        "training |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
