"""Hostile input through the real ``kg build``: one clear line per bad file, the rest stored.

Every case of ``tests/data/make_bad_inputs.py`` (with its ``big`` and
``special`` extras), a file that disappears during the build, a missing path
and a file type kg does not read go into one batch together with valid
documents. The batch must finish with exit code 1, print exactly one
``error: SOURCE: PROBLEM`` line per bad input, and store every valid document.

Two conditions cannot be written to disk ahead of time:

- *unreadable paths*: root reads any file, so when the tests run as root (as CI
  does) the build runs without the ``CAP_DAC_OVERRIDE`` and
  ``CAP_DAC_READ_SEARCH`` capabilities, the way an ordinary user would;
- *a vanishing file*: the build is started through a launcher that deletes
  ``vanishing.txt`` right after kg has listed and stat'ed it and right before
  it opens it, the window in which a real deletion hurts. Everything else is
  the unchanged ``kg`` command line.

Memory is measured as the peak resident set size of the ``kg build`` child
process, read from the kernel's resource accounting of that child when it is
reaped (``os.wait4``, the per-child form of ``getrusage(RUSAGE_CHILDREN)``).
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import URIRef

from kg.graph.document import doc_iri
from kg.model import Failure
from kg.read.clean import clean_document
from kg.read.ingest import iter_documents
from kg.store.graphstore import GraphStore
from kg.store.merge import is_document_graph

REPO = Path(__file__).resolve().parents[1]
KG = Path(sys.executable).parent / "kg"
SEED = next((REPO / "seeds").glob("*.txt"))


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_bad_inputs", REPO / "tests" / "data" / "make_bad_inputs.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


generator = _load_generator()

# --------------------------------------------------------------------------- running kg

#: Runs the real CLI; deletes the file named by KG_TEST_VANISH just before kg opens it.
_LAUNCHER = textwrap.dedent(
    """
    import os
    import kg.read.ingest as ingest
    from kg.cli import app

    vanish = os.environ.get("KG_TEST_VANISH")
    if vanish:
        read_file = ingest._read_file

        def read_after_deletion(path, max_bytes):
            if path.name == vanish:
                path.unlink()
            return read_file(path, max_bytes)

        ingest._read_file = read_after_deletion
    app(prog_name="kg")
    """
)

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


def _drop_file_capabilities() -> None:
    """In the child, before exec: root loses its power to read any file."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@dataclass(frozen=True)
class KgRun:
    """The outcome of one ``kg`` process."""

    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    seconds: float

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]


def run_kg(
    args: Sequence[str | Path],
    *,
    vanish: str | None = None,
    as_user: bool = False,
    timeout: float = 300.0,
) -> KgRun:
    """Run ``kg ARGS`` (through the launcher when ``vanish`` is set) and measure it.

    ``as_user`` takes away root's file-reading capabilities when the tests run
    as root. The child is reaped with ``os.wait4``, whose resource usage is that
    child's alone, so earlier children do not inflate the peak memory.
    """
    if vanish is not None:
        command = [sys.executable, "-c", _LAUNCHER, *map(str, args)]
    else:
        command = [str(KG), *map(str, args)]
    env = dict(os.environ)
    if vanish is not None:
        env["KG_TEST_VANISH"] = vanish
    preexec = _drop_file_capabilities if as_user and os.geteuid() == 0 else None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
            cwd=REPO, preexec_fn=preexec,
        )
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                process.returncode = -9
                pytest.fail(f"kg {' '.join(map(str, args))} did not finish in {timeout:.0f} s")
            time.sleep(0.05)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return KgRun(
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            seconds=seconds,
        )


def stored_hashes(build_dir: Path) -> dict[URIRef, str | None]:
    """Each stored document and its content hash (derived graphs such as merges left out)."""
    with GraphStore.open(build_dir, create=False, read_only=True) as store:
        return {
            iri: store.content_hash(iri) for iri in store.document_iris()
            if is_document_graph(iri)
        }


def expected_hashes(paths: Sequence[Path], allowed_failures: int = 0) -> dict[URIRef, str]:
    """What storing ``paths`` must give, computed in this process by ingest and clean."""
    found = {}
    failures = []
    for item in iter_documents(paths):
        if isinstance(item, Failure):
            failures.append(str(item))
            continue
        clean = clean_document(item)
        found[doc_iri(clean.doc_id)] = clean.content_hash
    assert len(failures) == allowed_failures, failures
    return found


# --------------------------------------------------------------------------- the batch

VANISHING = "vanishing.txt"
MISSING = "no_such_article.txt"
DEFAULT_CAP = "20,000,000-byte limit; raise it with --max-bytes"

#: Bad input → (path of the source on stderr, relative to the corpus; fragment of the problem).
BAD_CASES: dict[str, tuple[str, str]] = {
    "empty": ("empty.txt", "empty document"),
    "whitespace": ("whitespace.txt", "empty document"),
    "png_named_txt": ("image.txt", "binary file, not text"),
    "zip_named_txt": ("archive.txt", "binary file, not text"),
    "bad_utf8": (
        "bad_utf8.txt",
        f"invalid UTF-8 at byte offset {generator.BAD_UTF8_OFFSET} (0xff) in otherwise UTF-8 text",
    ),
    "script_html": ("script_only.html", "empty document (no article text outside markup"),
    "malformed_jsonl_line": ("records.jsonl:2", "malformed JSON"),
    "big_single_line": (
        "big_single_line.txt", f"file is {generator.BIG_FILE_BYTES:,} bytes, over the {DEFAULT_CAP}"
    ),
    "oversized_jsonl_record": ("oversized_record.jsonl:1", f"over the {DEFAULT_CAP}"),
    "unreadable_file": ("locked.txt", "permission denied"),
    "unreadable_folder": ("locked_folder", "permission denied"),
    "named_pipe": ("pipe.txt", "not a regular file (a pipe, socket or device)"),
    "broken_link": ("broken_link.txt", "broken symbolic link"),
    "lone_surrogate_jsonl": ("surrogate.jsonl:1", "lone surrogate escape"),
    "vanishing_file": (VANISHING, "file disappeared before it could be read"),
    "missing_path": (MISSING, "no such file or folder"),
    "unsupported_extension": ("notes.xyz", "unsupported file type '.xyz'"),
}

#: Inputs of the batch that must be stored (relative to the corpus).
VALID_INPUTS = (
    "seed.txt", "gb18030.txt", "big5.txt", "utf16_bom.txt", "utf8_bom.txt",
    "deep.html", "records.jsonl", "loop",
)


@dataclass(frozen=True)
class Batch:
    corpus: Path
    out: Path
    run: KgRun


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    root = tmp_path_factory.mktemp("robustness")
    corpus = root / "corpus"
    generator.make_bad_inputs(corpus, big=True, special=True)
    (corpus / "seed.txt").write_bytes(SEED.read_bytes())
    vanishing = corpus / VANISHING
    vanishing.write_text("某鎮黨委舉行會議，這篇文章將在讀取前消失。\n", encoding="utf-8")
    out = root / "out"
    run = run_kg(
        ["build", corpus, corpus / "notes.xyz", corpus / MISSING, "-o", out, "--no-html"],
        vanish=VANISHING,
        as_user=True,
    )
    yield Batch(corpus=corpus, out=out, run=run)
    for locked in (corpus / "locked.txt", corpus / "locked_folder"):
        locked.chmod(0o700)  # let pytest clean up as an ordinary user too


def test_the_batch_finishes_and_exits_1(batch: Batch) -> None:
    assert batch.run.returncode == 1, batch.run.stderr
    failed = len(batch.run.error_lines())
    assert f", {failed} failed" in batch.run.stdout


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_each_bad_input_gets_one_line_naming_the_file_and_the_problem(
    batch: Batch, case: str
) -> None:
    relative, problem = BAD_CASES[case]
    source = str(batch.corpus / relative)
    lines = [line for line in batch.run.stderr.splitlines() if source in line]
    assert len(lines) == 1, f"{case}: expected one stderr line naming {source}, got {lines}"
    assert lines[0].startswith(f"error: {source}: "), lines[0]
    assert problem in lines[0], f"{case}: {lines[0]!r} does not say {problem!r}"


def test_no_other_error_lines(batch: Batch) -> None:
    expected = {str(batch.corpus / relative) for relative, _ in BAD_CASES.values()}
    sources = {line[len("error: "):].split(": ", 1)[0] for line in batch.run.error_lines()}
    assert sources == expected, batch.run.stderr


def test_valid_documents_of_the_batch_are_stored(batch: Batch) -> None:
    """Including GB18030, Big5, UTF-16 and 10,000-level HTML; nothing from a bad input."""
    # records.jsonl holds the malformed line among two good ones.
    expected = expected_hashes([batch.corpus / name for name in VALID_INPUTS], allowed_failures=1)
    # The seed, one article in five encodings (one document), deep.html, two JSONL records.
    assert len(expected) == 5
    assert stored_hashes(batch.out) == expected


def test_the_symlink_loop_is_walked_once(batch: Batch) -> None:
    assert not any("loop" in line for line in batch.run.error_lines())
    inside = batch.corpus / "loop" / "inside.txt"
    assert set(expected_hashes([inside])) <= set(stored_hashes(batch.out))


def test_the_vanishing_file_did_vanish_during_the_build(batch: Batch) -> None:
    assert not (batch.corpus / VANISHING).exists()


def test_the_unreadable_paths_were_unreadable_to_kg(batch: Batch) -> None:
    """Guard for the capability drop: the locked file is neither stored nor silently read."""
    assert stat.S_IMODE((batch.corpus / "locked.txt").stat().st_mode) == 0
    assert stat.S_IMODE((batch.corpus / "locked_folder").stat().st_mode) == 0
    assert "hidden_article" not in batch.run.stderr


# --------------------------------------------------------------------------- size and memory


def test_the_50_mb_file_is_refused_without_being_read(tmp_path: Path) -> None:
    """Peak memory with the 50 MB file equals that of an empty one (both refused)."""
    big = generator.write_big_file(tmp_path / "big_single_line.txt")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with_big = run_kg(["build", big, "-o", tmp_path / "out_big", "--no-html"])
    with_empty = run_kg(["build", empty, "-o", tmp_path / "out_empty", "--no-html"])
    assert with_big.returncode == 1 and with_empty.returncode == 1
    assert with_big.error_lines() == [
        f"error: {big}: file is {generator.BIG_FILE_BYTES:,} bytes, over the {DEFAULT_CAP}"
    ]
    growth = with_big.peak_rss_mb - with_empty.peak_rss_mb
    print(f"peak RSS: 50 MB file {with_big.peak_rss_mb:.0f} MB, "
          f"empty file {with_empty.peak_rss_mb:.0f} MB")
    # Reading the file alone would add 50 MB; decoding and cleaning it, gigabytes.
    assert growth < 25, f"peak memory grew by {growth:.0f} MB for a refused 50 MB file"


def test_max_bytes_raises_the_cap(tmp_path: Path) -> None:
    """The JSONL record refused at the default cap is stored with --max-bytes 30000000."""
    record = generator.write_oversized_record(tmp_path / "oversized_record.jsonl")
    run = run_kg(["build", record, "-o", tmp_path / "out", "--no-html",
                  "--max-bytes", "30000000"])
    assert run.returncode == 0, run.stderr
    assert run.error_lines() == []
    stored = stored_hashes(tmp_path / "out")
    assert list(stored) == [doc_iri("oversized")]
    print(f"peak RSS with a 21 MB record admitted: {run.peak_rss_mb:.0f} MB")
