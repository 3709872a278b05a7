"""Build speed on real genre text: the 779 articles of ``../shared/data/genre/genre.jsonl``.

Why a second corpus: the MSRA corpus (``bench_build.py``) is general news that
names few things, so it flatters an extractor whose cost grows with the names
in the text. The genre articles are what users feed kg. They are read where
they are (``kg build`` reads JSON lines), never copied into the repository.

For each variant (rules only, ``KG_NO_LEARNED=1``; rules with the trained
tagger, the default; and with the relation classifier too,
``KG_RELATION_MODEL=1``) two builds run in fresh child processes, one process
each, without the HTML:

- one article: the fixed cost (start-up, model loading, store, export);
- all articles: the fixed cost plus the work that grows with the text.

Throughput is the extra characters over the extra time, so the fixed cost is
not spread over it. ``jieba.cut`` over the same texts in the same run is the
baseline every ratio is taken against. Peak RSS is the child's maximum
resident set.

Run: ``python benchmarks/bench_genre.py`` (writes ``benchmarks/results/bench_genre.md``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
GENRE = REPO_ROOT.parent / "shared" / "data" / "genre" / "genre.jsonl"
RESULTS = REPO_ROOT / "benchmarks" / "results" / "bench_genre.md"
VARIANTS = (
    ("rules only", {"KG_NO_LEARNED": "1"}),
    ("rules + tagger (the default)", {}),
    ("rules + tagger + relation classifier", {"KG_RELATION_MODEL": "1"}),
)


def _child_build(corpus: str, out: str) -> None:
    from kg.build import build

    started = time.perf_counter()
    report = build([Path(corpus)], Path(out), workers=1, write_html=False)
    print(json.dumps({"wall": time.perf_counter() - started, "built": report.built,
                      "failures": len(report.failures)}))


def _child_jieba(corpus: str) -> None:
    import jieba

    texts = [json.loads(line)["text"] for line in Path(corpus).read_text("utf-8").splitlines()]
    jieba.initialize()
    started = time.perf_counter()
    for text in texts:
        for _ in jieba.cut(text):
            pass
    print(json.dumps({"wall": time.perf_counter() - started, "chars": sum(map(len, texts))}))


def run_child(env: dict[str, str], *args: str) -> dict[str, float]:
    """Run this script as a child; its JSON answer plus wall, CPU and peak RSS."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", *args], stdout=stdout,
            stderr=subprocess.DEVNULL, cwd=REPO_ROOT,
            env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", **env},
        )
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"child {args} failed")
        stdout.seek(0)
        answer = json.loads(stdout.read().decode().strip().splitlines()[-1])
    answer["process_wall"] = time.perf_counter() - started
    answer["cpu"] = usage.ru_utime + usage.ru_stime
    answer["peak_rss"] = usage.ru_maxrss * 1024
    return answer


def main() -> None:
    if not GENRE.is_file():
        raise SystemExit(f"{GENRE} not found: the genre corpus lives in ../shared/data/genre/")
    lines = GENRE.read_text("utf-8").splitlines()
    chars = sum(len(json.loads(line)["text"]) for line in lines)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-genre-"))
    one = work / "one.jsonl"
    one.write_text(lines[0] + "\n", encoding="utf-8")
    one_chars = len(json.loads(lines[0])["text"])
    jieba_run = run_child({}, "jieba", str(GENRE))
    jieba_rate = jieba_run["chars"] / jieba_run["wall"]
    rows = []
    for name, env in VARIANTS:
        fixed = run_child(env, "build", str(one), str(work / "one-out"))
        full = run_child(env, "build", str(GENRE), str(work / "all-out"))
        shutil.rmtree(work / "one-out")
        shutil.rmtree(work / "all-out")
        extra = full["process_wall"] - fixed["process_wall"]
        rate = (chars - one_chars) / extra
        rows.append((name, fixed, full, rate))
    shutil.rmtree(work)
    from kg.resources import learned_model_paths, models_dir

    sizes = {p.name: p.stat().st_size for p in learned_model_paths() if p.is_file()}
    total = sum(p.stat().st_size for p in models_dir().rglob("*") if p.is_file())
    out = [
        f"# Build speed on the genre corpus ({len(lines)} articles, {chars:,} characters)",
        "",
        f"jieba.cut on the same texts: {jieba_run['wall']:.2f} s = {jieba_rate:,.0f} chars/s.",
        "",
        "| variant | one article (fixed cost) | all articles | throughput | vs jieba.cut | "
        "CPU (all) | peak RSS |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, fixed, full, rate in rows:
        out.append(
            f"| {name} | {fixed['process_wall']:.1f} s | {full['process_wall']:.1f} s | "
            f"{rate:,.0f} chars/s | {jieba_rate / rate:.1f}x slower | {full['cpu']:.1f} s | "
            f"{full['peak_rss'] / 2**20:,.0f} MiB |")
    out += ["", "Model files: " + ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in sizes.items())
            + f"; everything in kg/models/: {total / 2**20:.1f} MiB.", ""]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, *rest = sys.argv[2:]
        {"build": _child_build, "jieba": _child_jieba}[kind](*rest)
    else:
        main()
