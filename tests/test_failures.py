"""Failures a user can act on, caused for real: a full disk, a damaged store, an unwritable folder,
Ctrl-C in a long build. Each gives one line on stderr, and loses nothing already stored.

The full disk is a size-limited tmpfs when this process may mount one (root
on Linux), else a file-size limit (RLIMIT_FSIZE) on the build process: both
make writes fail with "no room" the way a full disk does. The read-only
folder is tested as an unprivileged user (``nobody`` through ``setpriv``
when running as root), since root may write anywhere.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEED_FILE

KG = [sys.executable, "-m", "kg"]
CORPUS_SIZE = 12


def make_corpus(folder: Path, count: int = CORPUS_SIZE) -> Path:
    """``count`` distinct documents: the seed with a numbered closing line each."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = SEED_FILE.read_text(encoding="utf-8")
    for i in range(count):
        (folder / f"doc{i:03}.txt").write_text(f"{seed}\n第{i}号补充说明。\n", encoding="utf-8")
    return folder


def kg(*args: str, check_one_line: bool = False, preexec=None, user: list[str] | None = None,
       **kwargs) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [*(user or []), *KG, *args], capture_output=True, text=True, env=env,
        preexec_fn=preexec, timeout=300, **kwargs,
    )
    if check_one_line:
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
    return done


def documents_in(directory: Path) -> set[str]:
    done = kg("query", str(directory), "--named", "documents", "--format", "csv")
    assert done.returncode == 0, done.stderr
    return {line.split(",")[0] for line in done.stdout.splitlines()[1:]}


def can_mount() -> bool:
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return False
    with tempfile.TemporaryDirectory() as probe:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe],
                              capture_output=True)
        if done.returncode != 0:
            return False
        subprocess.run(["umount", probe], check=True)
        return True


@contextlib.contextmanager
def small_disk(path: Path, megabytes: int) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(path)],
                   check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_stops_the_build_in_one_line_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    first = make_corpus(tmp_path / "first", 2)
    clean = tmp_path / "clean"
    # the reference: the same inputs, built in two steps on a roomy disk
    assert kg("build", str(first), "-o", str(clean)).returncode == 0
    assert kg("build", str(corpus), "-o", str(clean)).returncode == 0

    if can_mount():
        with small_disk(tmp_path / "disk", 64) as disk:
            out = disk / "out"
            assert kg("build", str(first), "-o", str(out)).returncode == 0
            before = documents_in(out)
            free = shutil.disk_usage(disk).free
            filler = disk / "filler"
            filler.write_bytes(b"\0" * max(free - 1_500_000, 0))
            full = kg("build", str(corpus), "-o", str(out), check_one_line=True)
            _check_full(full, out, before)
            filler.unlink()
            again = kg("build", str(corpus), "-o", str(out))
            assert again.returncode == 0, again.stderr
            _same_exports(out, clean)
    else:
        # no mount here: cap the size of any file the build writes (RLIMIT_FSIZE)
        out = tmp_path / "out"
        assert kg("build", str(first), "-o", str(out)).returncode == 0
        before = documents_in(out)
        limit = max(p.stat().st_size for p in out.rglob("*") if p.is_file()) + 200_000

        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        full = kg("build", str(corpus), "-o", str(out), preexec=cap, check_one_line=True)
        _check_full(full, out, before)
        assert kg("build", str(corpus), "-o", str(out)).returncode == 0
        _same_exports(out, clean)


def _check_full(done: subprocess.CompletedProcess[str], out: Path, before: set[str]) -> None:
    assert done.returncode == 1, done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("error:"))
    assert "is full" in line and "documents stored" in line or "document stored" in line, line
    assert "free space and re-run" in line, line
    assert before <= documents_in(out)  # nothing stored before was lost


def _same_exports(out: Path, clean: Path) -> None:
    for name in ("graph.trig", "graph.ttl"):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


def damage_one_sst(directory: Path) -> Path:
    """Flip bytes of the store's largest table file, in its index and metadata blocks.

    Those blocks (just before the footer) are read, and their checksums
    checked, whenever the table is opened; data blocks are read only by the
    queries that reach them, so damage there could go unnoticed by a test.
    """
    sst = max((directory / "store").glob("*.sst"), key=lambda p: p.stat().st_size)
    data = bytearray(sst.read_bytes())
    for i in range(max(0, len(data) - 400), len(data) - 60):
        data[i] ^= 0x5A
    sst.write_bytes(bytes(data))
    return sst


def test_a_damaged_store_is_reported_and_restored_from_graph_trig(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 3)
    out = tmp_path / "out"
    assert kg("build", str(corpus), "-o", str(out)).returncode == 0
    before = documents_in(out)
    trig = (out / "graph.trig").read_bytes()
    damage_one_sst(out)

    for command in (["query", str(out), "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"],
                    ["build", str(corpus), "-o", str(out)]):
        done = kg(*command, check_one_line=True)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "is damaged" in done.stderr and f"kg restore {out}" in done.stderr, done.stderr
    served = kg("serve", str(out), "--port", "0", check_one_line=True)
    assert served.returncode == 1 and "is damaged" in served.stderr, served.stderr

    restored = kg("restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert "restored: 3 documents" in restored.stdout
    assert list(out.glob("store.damaged-*")), "the damaged store is kept, not deleted"
    assert documents_in(out) == before
    rerun = kg("build", str(corpus), "-o", str(out))
    assert rerun.returncode == 0, rerun.stderr
    assert "0 built, 3 unchanged" in rerun.stdout
    assert (out / "graph.trig").read_bytes() == trig


def test_restore_without_graph_trig_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    done = kg("restore", str(tmp_path / "out"), check_one_line=True)
    assert done.returncode == 1 and "graph.trig is missing" in done.stderr


def test_a_file_in_the_way_of_the_output_folder(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 1)
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    done = kg("build", str(corpus), "-o", str(tmp_path / "taken"), check_one_line=True)
    assert done.returncode == 1 and "is a file" in done.stderr
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "mine"
    nested = kg("build", str(corpus), "-o", str(tmp_path / "taken" / "out"), check_one_line=True)
    assert nested.returncode == 1


def unprivileged() -> list[str]:
    """A command prefix that runs as ``nobody`` (as root), or nothing (already unprivileged)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("setpriv (util-linux) is needed to test as an unprivileged user")
        pytest.skip("no setpriv to drop root")
    return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]


def test_a_read_only_output_folder_as_an_unprivileged_user(tmp_path: Path) -> None:
    # a folder every user can read: pytest's own tmp folders are private to root
    base = Path(tempfile.mkdtemp(prefix="kg-readonly-"))
    try:
        os.chmod(base, 0o755)
        corpus = make_corpus(base / "corpus", 2)
        out = base / "out"
        assert kg("build", str(corpus / "doc000.txt"), "-o", str(out)).returncode == 0
        before = documents_in(out)
        for path in [base, *base.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.chmod(out, 0o555)
        os.chmod(out / "store", 0o555)
        prefix = unprivileged()
        done = kg("build", str(corpus), "-o", str(out), user=prefix, check_one_line=True,
                  cwd=str(base))
        assert done.returncode == 1, done.stderr
        assert str(out) in done.stderr
        assert "ermission denied" in done.stderr, done.stderr
        fresh = kg("build", str(corpus), "-o", str(out / "sub"), user=prefix,
                   check_one_line=True, cwd=str(base))
        assert fresh.returncode == 1 and "ermission denied" in fresh.stderr, fresh.stderr
        os.chmod(out, 0o755)
        os.chmod(out / "store", 0o755)
        assert documents_in(out) == before
    finally:
        for path in [base, *base.rglob("*")]:
            with contextlib.suppress(OSError):
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
        shutil.rmtree(base, ignore_errors=True)


def test_ctrl_c_says_how_many_were_stored_and_exits_130(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 60)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    # as from a terminal: a shell's background job (CI) would start it with SIGINT ignored
    process = subprocess.Popen([*KG, "build", str(corpus), "-o", str(out)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    # wait until a few documents are in the store (its write-ahead log grows)
    while time.monotonic() < deadline and process.poll() is None:
        logs = list((out / "store").glob("*.log"))
        if logs and max(p.stat().st_size for p in logs) > 1_500_000:
            break
        time.sleep(0.1)
    assert process.poll() is None, "the build finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    line = next(line for line in stderr.splitlines() if line.startswith("interrupted:"))
    stored = int(line.split()[1])
    assert 0 < stored < 60, line
    assert "re-run the same command to continue" in line
    assert len(documents_in(out)) >= stored
    rerun = kg("build", str(corpus), "-o", str(out))
    assert rerun.returncode == 0, rerun.stderr
    assert len(documents_in(out)) == 60


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", 3)
    (corpus / "records.jsonl").write_text(
        '{"id": "r1", "text": "上海市青浦区朱家角镇召开会议。"}\n'
        '{"id": "r2", "text": "江苏省苏州市吴江区黎里镇召开会议。"}\n', encoding="utf-8")
    (corpus / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (corpus / "photo.png").write_bytes(b"\x89PNG")
    done = kg("build", str(corpus), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "progress: 5/5 documents (100%)" in done.stderr, done.stderr
    assert "docs/s" in done.stderr
    skipped = [line for line in done.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1, done.stderr
    assert "2 files kg does not read (1 .doc, 1 .png)" in skipped[0]
    assert "notes.doc" in skipped[0] and ".pdf .docx" in skipped[0]
    assert "5 built, 0 unchanged, 0 failed, 2 files skipped" in done.stdout


def test_an_unsupported_file_named_on_the_command_line_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    done = kg("build", str(tmp_path / "notes.doc"), "-o", str(tmp_path / "out"),
              check_one_line=True)
    assert done.returncode == 1
    assert "unsupported file type '.doc'" in done.stderr and ".pdf .docx" in done.stderr
    assert "save it as .docx" in done.stderr
    assert not (tmp_path / "out").exists()
