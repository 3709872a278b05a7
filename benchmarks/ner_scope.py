"""How much of the text the trained NER should read: speed against accuracy.

The NER proposer is the slowest stage of extraction, and its one clear gain
in this genre is people. This benchmark runs the whole extraction pipeline
with the model reading less and less of the text and measures, in the same
run, what each choice costs and what it loses:

* ``no NER``: rules and gazetteer only;
* ``sentences``: the model reads every sentence;
* ``cued_sentences``: only sentences with a person cue (a title, a byline, a
  verb of speech);
* ``named_sentences``: sentences with a word jieba's dictionary tags as a
  personal name; ``name_like_sentences`` also those with an unknown word of
  two to four Han characters (what jieba's HMM makes of a new name);
* ``cued_named_sentences``, ``cued_name_like_sentences``: the same, among
  the cued sentences only;
* ``name_windows(W)``, ``cued_name_windows(W)`` (kg's default, W = 12): only
  ``W`` characters either side of each name-like word that no rule claimed,
  widened to whole words, in every sentence or in the cued ones;
* ``cue_windows(W)``: only ``W`` characters either side of each cue, widened
  to whole words.

Accuracy is measured where the answer is known for people: the SIGHAN 2006
MSRA test file (``testright1.txt``, gold PER spans), cut into documents of
about 2,000 characters and run through ``clean`` + ``extract``; a predicted
person is a mention of a ``Person`` entity, scored by exact span against the
gold PER spans. The dev articles' typed-entity and strict-relation F1 (as
``make eval`` computes them) are reported too, so a scope that helps people
but hurts the graph shows.

Run: ``python benchmarks/ner_scope.py [--windows 8 12 20]``; the table is
printed and written to ``benchmarks/results/ner_scope.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import kg.extract.ner as statistical_ner
from kg.extract.ner_train import prf, read_sighan_test
from kg.extract.pipeline import build_pipeline, extract_document
from kg.model import RawDocument
from kg.read.clean import clean_document

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from ablation import score  # noqa: E402

DOC_CHARS = 2000


def test_documents() -> list[tuple[str, set[tuple[int, int]]]]:
    """MSRA test lines grouped into documents, with each document's gold PER spans."""
    documents: list[tuple[str, set[tuple[int, int]]]] = []
    parts: list[str] = []
    gold: set[tuple[int, int]] = set()
    length = 0
    for sentence in read_sighan_test():
        gold |= {(length + a, length + b) for a, b, label in sentence.spans if label == "PER"}
        parts.append(sentence.text)
        length += len(sentence.text) + 1
        if length >= DOC_CHARS:
            documents.append(("\n".join(parts), gold))
            parts, gold, length = [], set(), 0
    if parts:
        documents.append(("\n".join(parts), gold))
    return documents


class ReadCounter:
    """Counts the characters the model is asked to read (wraps ``predict_spans``)."""

    def __init__(self) -> None:
        self.chars = 0
        self.original = statistical_ner.predict_spans

    def __enter__(self) -> ReadCounter:
        def counting(nlp, texts, *args, **kwargs):  # type: ignore[no-untyped-def]
            texts = list(texts)
            self.chars += sum(map(len, texts))
            return self.original(nlp, texts, *args, **kwargs)

        statistical_ner.predict_spans = counting
        return self

    def __exit__(self, *exc: object) -> None:
        statistical_ner.predict_spans = self.original


def people(nlp, documents) -> tuple[dict[str, float], float, int, int]:  # type: ignore[no-untyped-def]
    """Person P/R/F1 over ``documents``, extraction seconds, chars, chars the model read."""
    tp = fp = fn = 0
    seconds = 0.0
    with ReadCounter() as counter:
        for index, (text, gold) in enumerate(documents):
            clean = clean_document(RawDocument(source=f"msra-test-{index}", text=text))
            started = time.perf_counter()
            extraction = extract_document(clean, nlp)
            seconds += time.perf_counter() - started
            raw = clean.raw_offsets
            found = {
                (raw[span.start], raw[span.end - 1] + 1)
                for ent in extraction.entities.values() if ent.cls == "Person"
                for span, _rule in ent.mentions
                if span.end > span.start and span.end <= len(raw)
            }
            tp += len(found & gold)
            fp += len(found - gold)
            fn += len(gold - found)
    chars = sum(len(text) for text, _ in documents)
    return prf(tp, fp, fn), seconds, chars, counter.chars


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, nargs="*", default=[8, 12, 20])
    args = parser.parse_args()
    documents = test_documents()
    variants: list[tuple[str, dict]] = [("no NER", {"use_model": False})]
    variants += [(scope, {"use_model": True, "ner_config": {"scope": scope}})
                 for scope in ("sentences", "cued_sentences", "named_sentences",
                               "name_like_sentences", "cued_named_sentences",
                               "cued_name_like_sentences")]
    variants += [(f"{scope}({w})", {"use_model": True,
                                     "ner_config": {"scope": scope, "window": w}})
                 for scope in ("name_windows", "cued_name_windows", "cue_windows")
                 for w in args.windows]
    lines = [
        f"# NER scope: speed against accuracy\n\n`python benchmarks/ner_scope.py "
        f"--windows {' '.join(map(str, args.windows))}`; machine: {os.cpu_count()} cores, "
        f"load average at start {os.getloadavg()[0]:.1f}. MSRA test: {len(documents)} "
        f"documents, {sum(len(g) for _, g in documents)} gold people.\n",
        "| scope | model reads | extraction s | chars/s | person P | person R | person F1 "
        "| dev entity F1 | dev relation F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, kwargs in variants:
        nlp = build_pipeline(**kwargs)
        extract_document(clean_document(RawDocument(source="warm-up", text=documents[0][0])), nlp)
        scores, seconds, chars, read = people(nlp, documents)
        _, _, dev_entities, dev_relations = score(nlp)
        lines.append(
            f"| {name} | {100 * read / chars:.1f}% | {seconds:.2f} | {chars / seconds:,.0f} "
            f"| {scores['p']:.3f} | {scores['r']:.3f} | {scores['f1']:.3f} "
            f"| {dev_entities:.3f} | {dev_relations:.3f} |"
        )
        print(lines[-1], flush=True)
    out = BENCH / "results" / "ner_scope.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
