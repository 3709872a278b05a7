"""Time of kg's export (graph.ttl + graph.trig) against one raw dump of the dataset.

Why: the export runs once at the end of every build that changed something,
on one process, after the workers are done, so it is the serial tail of a
parallel build. The baseline is what the export did before: a single TriG dump
of the whole dataset by Oxigraph (without even the line routing that followed
it), measured on the same store in the same run, so the ratio does not depend
on the machine's load.

Usage: ``python benchmarks/bench_export.py [--store DIR] [--repeat N]``; DIR
is a build directory (default: the 4x single-process build that
``bench_build.py`` leaves in benchmarks/results/tmp/x4-w1). The store is copied
to a temporary folder first, so DIR is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kg.store.graphstore import GraphStore
from kg.store.trig import EXPORT_PREFIXES

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=RESULTS / "tmp" / "x4-w1")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.store / "store").is_dir():
        raise SystemExit(f"{args.store}: no store/ folder; run benchmarks/bench_build.py first")

    with tempfile.TemporaryDirectory(dir=RESULTS / "tmp") as scratch:
        work = Path(scratch)
        shutil.copytree(args.store / "store", work / "store")
        timings: dict[str, list[float]] = {"one TriG dump (baseline)": [], "kg export": []}
        with GraphStore.open(work) as store:
            quads = len(store.pyoxigraph_store)
            for _ in range(args.repeat):  # alternate, so both see the same load
                started = time.perf_counter()
                store.pyoxigraph_store.dump(
                    str(work / "dataset.trig"), format=ox.RdfFormat.TRIG,
                    prefixes=EXPORT_PREFIXES,
                )
                timings["one TriG dump (baseline)"].append(time.perf_counter() - started)
                started = time.perf_counter()
                store.export(work / "out")
                timings["kg export"].append(time.perf_counter() - started)

    best = {name: min(values) for name, values in timings.items()}
    ratio = best["kg export"] / best["one TriG dump (baseline)"]
    rows = [
        "# Export benchmark",
        "",
        f"`python benchmarks/bench_export.py --store {args.store} --repeat {args.repeat}`",
        "",
        "| measure | best of runs | all runs |",
        "|---|---|---|",
        f"| quads in the store | {quads:,} | |",
        *(
            f"| {name} | {best[name]:.2f} s | {', '.join(f'{v:.2f}' for v in values)} |"
            for name, values in timings.items()
        ),
        f"| kg export / baseline | {ratio:.2f}x | |",
        f"| load average at the end | {os.getloadavg()[0]:.2f} | |",
    ]
    (RESULTS / "bench_export.md").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (RESULTS / "bench_export.json").write_text(
        json.dumps({"quads": quads, "timings": timings, "ratio": ratio}, indent=1) + "\n",
        encoding="utf-8",
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
