"""Where a build spends its time: pyinstrument over ``kg build`` of a few corpus documents.

Why a script: the answer ("profile before optimising") should be re-runnable
on any machine, and pyinstrument's call tree is too deep to read as is. This
runs one build under pyinstrument in this process and prints the kg functions
with the most inclusive time and the functions (any library) with the most
self time.

Usage: ``python benchmarks/profile_build.py [--docs 50] [--top 12]``
(needs ``pip install pyinstrument``; the documents come from benchmarks/corpus/).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "results" / "tmp"
sys.path.insert(0, str(BENCH))

from bench_build import corpus_subset  # noqa: E402
from corpus import write_corpus  # noqa: E402


def frame_totals(root: object) -> tuple[Counter[str], Counter[str]]:
    """Inclusive and self seconds per function over a pyinstrument frame tree."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()

    def walk(frame, on_stack: frozenset[str]) -> None:  # type: ignore[no-untyped-def]
        key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        real_children = [c for c in frame.children if not c.is_synthetic]
        # a synthetic "[self]" child is time spent in this frame itself
        own[key] += frame.time - sum(c.time for c in real_children)
        if key not in on_stack:  # recursion counts once
            inclusive[key] += frame.time
        for child in real_children:
            walk(child, on_stack | {key})

    walk(root, frozenset())
    return inclusive, own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    from pyinstrument import Profiler

    from kg.build import build

    all_docs = BENCH / "corpus" / "all"
    if len(list(all_docs.glob("*.txt"))) < args.docs:
        write_corpus(all_docs, max(1000, args.docs), 2000)
    corpus = corpus_subset(f"first-{args.docs}", args.docs, all_docs)
    out = WORK / "profile"
    shutil.rmtree(out, ignore_errors=True)
    profiler = Profiler(interval=0.002)
    profiler.start()
    build([corpus], out, write_html=False)
    session = profiler.stop()
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is None:
        raise SystemExit("pyinstrument recorded nothing")
    inclusive, own = frame_totals(root)
    print(f"build of {args.docs} documents: {session.duration:.1f} s wall, "
          f"{session.cpu_time:.1f} s CPU")
    print("\nkg functions by inclusive time:")
    kg_rows = [(k, v) for k, v in inclusive.most_common() if "kg/" in k or "kg\\" in k]
    for key, seconds in kg_rows[: args.top]:
        print(f"  {seconds:8.2f} s  {100 * seconds / session.duration:5.1f}%  {key}")
    print("\nfunctions by self time:")
    for key, seconds in own.most_common(args.top):
        print(f"  {seconds:8.2f} s  {100 * seconds / session.duration:5.1f}%  {key}")


if __name__ == "__main__":
    main()
