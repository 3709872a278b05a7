"""What adding a few articles to a large build costs, against building them alone (issue 22).

Why: a re-run of ``kg build`` on a grown corpus should cost what the new
articles add, not what the whole store holds. Before issue 22 every build
rewrote graph.html from the whole graph: adding 5 articles to the 1,000-document
build took 26 s and 1.07 GB, against 4.3 s for the same 5 into an empty folder.
Goal: at most 2x the time and 1.2x the memory of building those 5 alone.

Each run is a fresh ``python -m kg build`` process, timed from start to exit,
its peak RSS read with ``wait4``, so it is what a user waits for (imports and
the pipeline's loading included). The ratios are against the 5-alone build
measured in the same session. The base build (benchmarks/corpus.py's first
1,000 documents, about 359k triples) is made once and copied for each run.

Runs, each adding the same 5 documents (the corpus's 1,001st to 1,005th):

* ``alone``: into an empty folder (the baseline);
* ``default``: into a copy of the 1,000-document build, as ``kg build`` does now
  (above ``kg.build.HTML_TRIPLE_LIMIT`` triples graph.html says to run ``kg viz``);
* ``--html``: the same with the viewer written over the whole graph (the old cost);
* ``--no-html``: the same without any graph.html (the exports' share is what remains).

Usage: ``python benchmarks/bench_incremental.py [--repeat 2]``. Builds go to
benchmarks/results/tmp/ (git-ignored); the table is printed as Markdown.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "results" / "tmp" / "incremental"
CORPUS = BENCH / "corpus" / "incremental"
sys.path.insert(0, str(BENCH))
from corpus import write_corpus  # noqa: E402

from kg.store.trig import TRIG_INDEX_FILENAME  # noqa: E402

BASE_DOCS, ADDED = 1000, 5


def corpus() -> tuple[Path, Path]:
    """The 1,000 base documents and the 5 added ones, as two folders of text files."""
    whole = CORPUS / "all"
    if len(list(whole.glob("*.txt"))) != BASE_DOCS + ADDED:
        shutil.rmtree(whole, ignore_errors=True)
        write_corpus(whole, docs=BASE_DOCS + ADDED, chars=2000)
    files = sorted(whole.glob("*.txt"))
    folders = []
    for name, chosen in (("base", files[:BASE_DOCS]), ("added", files[BASE_DOCS:])):
        folder = CORPUS / name
        if sorted(p.name for p in folder.glob("*.txt")) != [p.name for p in chosen]:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for path in chosen:
                shutil.copyfile(path, folder / path.name)
        folders.append(folder)
    return folders[0], folders[1]


def run_build(inputs: Path, out: Path, *flags: str) -> tuple[float, int, str]:
    """One ``kg build`` process: wall seconds, peak RSS in bytes, its standard output."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "kg", "build", str(inputs), "-o", str(out),
                                *flags], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               cwd=REPO)
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kg build {inputs} -o {out} {flags} failed:\n{output}")
    return wall, usage.ru_maxrss * 1024, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each kind (best is kept)")
    args = parser.parse_args()
    base, added = corpus()
    WORK.mkdir(parents=True, exist_ok=True)
    built = WORK / "base"
    if not (built / "store").is_dir():
        wall, rss, _ = run_build(base, built, "--no-html")
        print(f"base build: {wall:.1f} s, {rss / 2**20:.0f} MiB", file=sys.stderr)
    if not (built / TRIG_INDEX_FILENAME).is_file():
        # a base built before graph.trig had its index: one export writes it, as the
        # first build after an upgrade does
        from kg.store.graphstore import GraphStore

        with GraphStore.open(built) as store:
            store.export()
    triples = count_triples(built)
    kinds = {"alone": None, "default": (), "--html": ("--html",), "--no-html": ("--no-html",)}
    best: dict[str, tuple[float, int, str]] = {}
    for _ in range(args.repeat):
        for kind, flags in kinds.items():
            out = WORK / f"run-{kind.strip('-')}"
            shutil.rmtree(out, ignore_errors=True)
            if flags is not None:
                shutil.copytree(built, out)
            result = run_build(added, out, *(flags or ()))
            if kind not in best or result[0] < best[kind][0]:
                best[kind] = result
            print(f"{kind}: {result[0]:.1f} s, {result[1] / 2**20:.0f} MiB", file=sys.stderr)
    alone_s, alone_rss, _ = best["alone"]
    print(f"\nAdding {ADDED} documents to a {BASE_DOCS}-document build ({triples:,} triples); "
          f"best of {args.repeat}.\n")
    print("| run | wall | peak RSS | time / alone | memory / alone |")
    print("|---|---|---|---|---|")
    for kind, (wall, rss, _) in best.items():
        print(f"| {kind} | {wall:.1f} s | {rss / 2**20:.0f} MiB | {wall / alone_s:.2f}x | "
              f"{rss / alone_rss:.2f}x |")


def count_triples(out: Path) -> int:
    import pyoxigraph

    store = pyoxigraph.Store.read_only(str(out / "store"))
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value)


if __name__ == "__main__":
    main()
