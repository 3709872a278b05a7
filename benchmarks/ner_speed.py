"""Throughput of the shipped NER model on one core, next to bare jieba.

Why: the whole build has a throughput goal (characters per second on one
core), and NER is its most expensive stage. Running ``jieba.cut`` over the same
text in the same process gives a baseline that moves with the machine's load,
so numbers from different runs can be compared through the ratio.

Usage: ``python benchmarks/ner_speed.py [--model DIR] [--repeat N] [--limit N]``.
Text: the sentences of MSRA's test file (shared/data/ner/msra/testright1.txt).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, before numpy is imported

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import jieba  # noqa: E402

from kg.extract.ner import load_ner_model, predict_spans  # noqa: E402
from kg.extract.ner_train import DEFAULT_TEST_FILE, read_sighan_test  # noqa: E402


def best_seconds(run: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs (the least disturbed by other processes)."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="default: kg/models/ner-zh")
    parser.add_argument("--test-file", type=Path, default=DEFAULT_TEST_FILE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N sentences")
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()

    texts = [s.text for s in read_sighan_test(args.test_file)]
    if args.limit:
        texts = texts[: args.limit]
    chars = sum(map(len, texts))
    nlp = load_ner_model(args.model)
    jieba.initialize()
    list(predict_spans(nlp, texts[:50]))  # warm-up

    def run_jieba() -> None:
        for text in texts:
            for _ in jieba.cut(text):
                pass

    def run_ner() -> None:
        for _ in predict_spans(nlp, texts, batch_size=args.batch_size):
            pass

    rows = [
        ("jieba.cut (baseline)", best_seconds(run_jieba, args.repeat)),
        ("kg NER predict_spans", best_seconds(run_ner, args.repeat)),
    ]
    print(f"{len(texts)} sentences, {chars:,} characters, best of {args.repeat}, one core")
    print(f"{'what':<24} {'seconds':>8} {'chars/s':>10}")
    for name, seconds in rows:
        print(f"{name:<24} {seconds:8.2f} {chars / seconds:10,.0f}")
    print(f"NER / jieba time ratio: {rows[1][1] / rows[0][1]:.2f}")


if __name__ == "__main__":
    main()
