"""SIGKILL in the middle of ``kg build``: each document is stored whole or not at all.

A corpus of small generated articles is built once cleanly (the reference).
Then ``kg build`` runs into another directory and is killed with SIGKILL at a
random moment, again and again, each run resuming where the last one died.
After every kill:

- each document graph in the store is absent or exactly the reference's graph
  for that document (never a part of it, never a mix of two versions);
- the store's default graph is exactly the union of its document graphs;
- ``graph.ttl``, ``graph.trig`` and ``graph.html``, when present, are complete.

Finally one run without a kill finishes the work: its exit code is 0, the
store holds exactly the reference's documents, and ``graph.ttl`` and
``graph.trig`` are byte-for-byte those of the clean build.

The design this checks is described in docs/robustness.md.
"""

from __future__ import annotations

import gc
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef

from kg.store.graphstore import GraphStore, store_path
from kg.store.merge import is_document_graph

REPO = Path(__file__).resolve().parents[1]
KG = Path(sys.executable).parent / "kg"
SEED = next((REPO / "seeds").glob("*.txt"))
DOCUMENTS = 20
FAST_KILLS = 3
SLOW_KILLS = 24
EARLIEST_KILL_S = 0.3
#: About how long writing graph.html adds to a build of the corpus.
HTML_SECONDS = 4.0

Triple = tuple


# --------------------------------------------------------------------------- the corpus


def seed_sentences() -> list[str]:
    """The sentences of the seed article's body (lines of some length, split at 。)."""
    text = SEED.read_text(encoding="utf-8")
    sentences = []
    for line in text.splitlines():
        if len(line) < 40:
            continue
        sentences += [s + "。" for s in re.split("。", line) if len(s) >= 12]
    return sentences


def write_corpus(folder: Path, count: int = DOCUMENTS, seed: int = 7) -> list[Path]:
    """``count`` distinct articles of five to eight seed sentences each, with a title."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        body = rng.sample(sentences, rng.randint(5, 8))
        path = folder / f"article_{index:02d}.txt"
        path.write_text(f"第{index + 1}篇報道\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- store snapshots


@dataclass(frozen=True)
class Snapshot:
    """What a build directory's store holds.

    ``graphs`` are all named graphs: the documents' and the derived merges
    graph, which each run recomputes in one transaction after its documents.
    """

    graphs: dict[URIRef, frozenset[Triple]]
    union: frozenset[Triple]

    @property
    def documents(self) -> int:
        return sum(is_document_graph(name) for name in self.graphs)


def snapshot(build_dir: Path) -> Snapshot:
    """Open the store as the next build would (recovering its log) and read everything."""
    if not (store_path(build_dir) / "CURRENT").is_file():
        return Snapshot(graphs={}, union=frozenset())
    store = GraphStore.open(build_dir, create=False)
    try:
        graphs = {iri: frozenset(store.document_triples(iri)) for iri in store.document_iris()}
        union = frozenset(store.union_triples())
    finally:
        store.close()
        del store
        gc.collect()  # release the RocksDB lock before the next build starts
    return Snapshot(graphs=graphs, union=union)


def build_command(corpus: Path, out: Path, html: bool = False) -> list[str]:
    return [str(KG), "build", str(corpus), "-o", str(out), *([] if html else ["--no-html"])]


@dataclass(frozen=True)
class Reference:
    """The clean build, and when (seconds from its start) each of its phases began."""

    corpus: Path
    out: Path
    state: Snapshot
    #: The store exists; the first document is committed; graph.ttl exists; the end.
    store_opened_s: float
    first_write_s: float
    exported_s: float
    duration_s: float

    @property
    def write_window(self) -> tuple[float, float]:
        """From just before the first commit to just after the export."""
        return max(EARLIEST_KILL_S, self.first_write_s - 0.3), self.exported_s + 0.3


def _log_bytes(out: Path) -> int:
    """Size of the store's write-ahead log files: it grows with each committed document."""
    return sum(f.stat().st_size for f in store_path(out).glob("*.log"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    root = tmp_path_factory.mktemp("crash")
    corpus = root / "corpus"
    write_corpus(corpus)
    out = root / "reference"
    started = time.monotonic()
    process = subprocess.Popen(
        build_command(corpus, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    opened = first_write = exported = None
    log_at_open = 0
    while process.poll() is None:
        now = time.monotonic() - started
        if opened is None and (store_path(out) / "CURRENT").exists():
            opened, log_at_open = now, _log_bytes(out)
        elif opened is not None and first_write is None and _log_bytes(out) > log_at_open + 1000:
            first_write = now
        if exported is None and (out / "graph.ttl").exists():
            exported = now
        time.sleep(0.01)
    duration = time.monotonic() - started
    stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr.decode()
    state = snapshot(out)
    assert state.documents == DOCUMENTS
    opened = opened or EARLIEST_KILL_S
    return Reference(corpus, out, state, opened, first_write or opened, exported or duration,
                     duration)


# --------------------------------------------------------------------------- invariants


def check_consistent(state: Snapshot, ref: Reference) -> None:
    """Whole graphs only, and a default graph that is their union."""
    for iri, triples in state.graphs.items():
        assert iri in ref.state.graphs, f"{iri} is not a graph of the clean build"
        expected = ref.state.graphs[iri]
        missing, extra = len(expected - triples), len(triples - expected)
        kind = "partial" if triples < expected else "not the clean build's (was the code edited?)"
        assert triples == expected, f"{iri} is {kind}: {missing} triples missing, {extra} extra"
    union = frozenset().union(*state.graphs.values())
    assert state.union == union, (
        f"default graph differs from the union of the documents: "
        f"{len(union - state.union)} missing, {len(state.union - union)} extra"
    )


def check_files_complete(out: Path) -> None:
    """Every output file present is a whole file (atomic replacement)."""
    turtle, trig, html = out / "graph.ttl", out / "graph.trig", out / "graph.html"
    if turtle.exists():
        Graph().parse(turtle, format="turtle")
        list(ox.parse(path=str(turtle), format=ox.RdfFormat.TURTLE))
    if trig.exists():
        Dataset().parse(trig, format="trig")
    if html.exists():
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")


@dataclass(frozen=True)
class KillResult:
    at_s: float
    killed: bool
    stored_before: int
    stored_after: int


def kill_loop(ref: Reference, out: Path, kills: int, rng: random.Random,
              windows: list[tuple[float, float]], html: bool = False) -> list[KillResult]:
    """Start, kill at a random moment, check; resume in the same directory each time.

    Kill times are drawn uniformly from ``windows``, taken in turn. A run that
    finished before its kill leaves a complete directory; the next run then
    starts from an empty one so that every run has work to be killed in.
    """
    results = []
    while sum(r.killed for r in results) < kills:
        before = snapshot(out)
        if before.documents == DOCUMENTS:
            shutil.rmtree(out)
            before = snapshot(out)
        at = rng.uniform(*windows[len(results) % len(windows)])
        process = subprocess.Popen(
            build_command(ref.corpus, out, html), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            process.wait(timeout=at)
            killed = False
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed = True
        if not killed:
            assert process.returncode == 0, process.stderr.read().decode()
        process.stderr.close()
        after = snapshot(out)
        check_consistent(after, ref)
        check_files_complete(out)
        assert {g for g in before.graphs if is_document_graph(g)} <= set(after.graphs)
        results.append(KillResult(at, killed, before.documents, after.documents))
    return results


def finish_and_compare(ref: Reference, out: Path) -> None:
    """A run without a kill completes the directory exactly as a clean build would."""
    done = subprocess.run(build_command(ref.corpus, out), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    final = snapshot(out)
    assert final == ref.state
    for name in ("graph.ttl", "graph.trig"):
        assert (out / name).read_bytes() == (ref.out / name).read_bytes(), name


def timeline(ref: Reference) -> str:
    return (f"reference build: store open {ref.store_opened_s:.1f} s, first commit "
            f"{ref.first_write_s:.1f} s, export {ref.exported_s:.1f} s, end {ref.duration_s:.1f} s")


def phase(result: KillResult) -> str:
    """Where in the build a kill landed, judged by what the store held afterwards."""
    if not result.killed:
        return "finished first"
    if result.stored_after == DOCUMENTS:
        return "after the last commit"
    if result.stored_after > result.stored_before:
        return "between commits"
    return "before any commit of its run"


def summary(results: list[KillResult]) -> str:
    phases: dict[str, int] = {}
    for result in results:
        phases[phase(result)] = phases.get(phase(result), 0) + 1
    rows = ", ".join(
        f"{r.at_s:.1f}s:{r.stored_before}->{r.stored_after}{'' if r.killed else '(done)'}"
        for r in results
    )
    counts = ", ".join(f"{n} {name}" for name, n in phases.items())
    return f"{sum(r.killed for r in results)} kills ({counts}); runs [{rows}]"


# --------------------------------------------------------------------------- tests


def test_killed_builds_leave_whole_documents_and_a_rerun_finishes(
    reference: Reference, tmp_path: Path
) -> None:
    # Three kills only: spend them while documents are committed and exported.
    results = kill_loop(reference, tmp_path / "out", FAST_KILLS, random.Random(),
                        [reference.write_window])
    print(f"\n{timeline(reference)}; {summary(results)}")
    finish_and_compare(reference, tmp_path / "out")


@pytest.mark.slow
def test_many_kills_at_any_moment(reference: Reference, tmp_path: Path) -> None:
    """Half of the kills at any moment of a build, half while documents are written.

    These builds also write graph.html, which takes a few seconds after the
    export: "any moment" reaches into it.
    """
    anywhere = (EARLIEST_KILL_S, reference.duration_s + HTML_SECONDS)
    results = kill_loop(reference, tmp_path / "out", SLOW_KILLS, random.Random(),
                        [anywhere, reference.write_window], html=True)
    print(f"\n{timeline(reference)}; {summary(results)}")
    finish_and_compare(reference, tmp_path / "out")


def test_the_corpus_is_distinct_documents(reference: Reference) -> None:
    texts = {p.read_text(encoding="utf-8") for p in reference.corpus.glob("*.txt")}
    assert len(texts) == DOCUMENTS
