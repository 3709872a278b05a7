"""Every benchmark of benchmarks/README.md, one after the other (``make bench``).

Why one script: the numbers in the README and the issue notes come from these
commands with these arguments; running them in one go, in this order, on an
otherwise idle machine is how they are reproduced. Each script writes its own
table to ``benchmarks/results/``; this one only runs them and stops at the
first that fails, naming it.

Usage: ``python benchmarks/run_all.py [--only NAME ...]`` (about 25 minutes
on the 2-vCPU machine of the README).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

#: (name, script, arguments), in the order they run.
BENCHMARKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ner", "ner_speed.py", ("--repeat", "3")),
    ("build", "bench_build.py", ("--unit", "250", "--workers", "2", "--speedup-on", "x4")),
    ("query", "bench_query.py", ("--limit-s", "30", "--reuse")),
    ("export", "bench_export.py", ("--repeat", "3")),
    ("ablation", "ablation.py", ()),
    ("ner-scope", "ner_scope.py", ("--windows", "6", "12")),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    names = [name for name, _, _ in BENCHMARKS]
    parser.add_argument("--only", nargs="+", choices=names, help="run just these")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHMARKS if not args.only or b[0] in args.only]
    for name, script, arguments in chosen:
        command = [sys.executable, str(BENCH / script), *arguments]
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        code = subprocess.call(command)
        print(f"== {name}: exit {code} after {time.perf_counter() - started:.0f} s", flush=True)
        if code != 0:
            print(f"benchmark {name} ({script}) failed with exit code {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
