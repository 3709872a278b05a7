"""The store writer: document graphs written behind extraction, reported in input order.

``kg.store.writer.StoreWriter`` writes each document graph in a background thread
while the build extracts the next document. What must hold: the caller hears
of every document in the order it submitted them, failures included; no more
than ``in_flight`` writes wait at a time; the calling thread really goes on
while a write runs; and a write the store refuses becomes that document's
failure without touching the others. The store here is a stand-in that
records what it is asked to write; ``test_build.py`` and ``test_crash.py``
build into real stores through the same writer.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from rdflib import RDF, URIRef

from kg.base.vocab import KG
from kg.build import build
from kg.errors import StoreError
from kg.graph.processed import ProcessedDocument
from kg.graph.terms import ntriples_line
from kg.model import Failure
from kg.store.graphstore import GraphStore
from kg.store.writer import WRITES_IN_FLIGHT, StoreWriter, Written

EXTRACTOR = "sha256:test"


def processed(n: int) -> ProcessedDocument:
    doc = URIRef(f"https://w3id.org/kg-zh/id/doc/{n:016x}")
    lines = (ntriples_line((doc, RDF.type, KG.Article)),)
    return ProcessedDocument(f"{n}.txt", str(doc), f"hash-{n}", lines=lines)


class RecordingStore:
    """Writes nothing; remembers which graphs it was given, from which thread, and refuses some."""

    def __init__(self, refuse: frozenset[str] = frozenset(), hold: threading.Event | None = None):
        self.refuse, self.hold = refuse, hold
        self.written: list[str] = []
        self.threads: set[int] = set()

    def replace_documents(self, graphs) -> int:  # type: ignore[no-untyped-def]
        ((doc, lines),) = list(graphs)
        self.threads.add(threading.get_ident())
        if self.hold is not None:
            assert self.hold.wait(10), "the test never released the write"
        if str(doc) in self.refuse:
            raise StoreError(f"could not write 1 document graphs ({doc}): refused by the test")
        assert any(f"<{KG.extractor}>" in line and EXTRACTOR in line for line in lines)
        self.written.append(str(doc))
        return 1


def sources(items: list[Written]) -> list[str]:
    return [w.result.source for w in items]


def test_documents_come_back_in_input_order_with_failures_in_place() -> None:
    docs = [processed(n) for n in range(7)]
    store = RecordingStore(refuse=frozenset({docs[2].doc_iri, docs[5].doc_iri}))
    unreadable = Failure("bad.txt", "cannot read")
    given: list[ProcessedDocument | Failure] = [*docs[:4], unreadable, *docs[4:]]
    out: list[Written] = []
    with StoreWriter(store) as writer:  # type: ignore[arg-type]
        for index, item in enumerate(given):
            out += writer.submit(item, f"digest-{index}", EXTRACTOR)
        out += writer.drain()
    assert sources(out) == [item.source for item in given]
    assert [w.digest for w in out] == [f"digest-{i}" for i in range(len(given))]
    failed = {w.result.source: w.result.problem for w in out if isinstance(w.result, Failure)}
    assert set(failed) == {"2.txt", "5.txt", "bad.txt"}
    assert "refused by the test" in failed["2.txt"]
    assert store.written == [d.doc_iri for d in docs if d.source not in failed]
    assert all(w.seconds >= 0 for w in out)


def test_writes_run_on_one_other_thread_while_the_caller_goes_on() -> None:
    """The first write is held until the caller has handed over the next document."""
    hold = threading.Event()
    store = RecordingStore(hold=hold)
    with StoreWriter(store, in_flight=2) as writer:  # type: ignore[arg-type]
        assert list(writer.submit(processed(0), None, EXTRACTOR)) == []
        assert list(writer.submit(processed(1), None, EXTRACTOR)) == []  # not blocked
        assert store.written == []
        hold.set()
        out = list(writer.drain())
    assert sources(out) == ["0.txt", "1.txt"]
    assert len(store.threads) == 1 and threading.get_ident() not in store.threads


def submit_held(writer: StoreWriter, hold: threading.Event, n: int) -> list[Written]:
    """Submit document ``n`` from another thread while the writes are held; assert that
    the submission waits, release the writes, and return what it yielded."""
    yielded: list[Written] = []
    caller = threading.Thread(
        target=lambda: yielded.extend(writer.submit(processed(n), None, EXTRACTOR))
    )
    caller.start()
    time.sleep(0.2)
    assert caller.is_alive() and yielded == []  # waiting for the oldest write
    hold.set()
    caller.join(10)
    return yielded


def test_no_more_than_in_flight_writes_wait() -> None:
    """With writes that never finish on their own, the caller waits once the window is full."""
    hold = threading.Event()
    writer = StoreWriter(RecordingStore(hold=hold), in_flight=2)  # type: ignore[arg-type]
    assert WRITES_IN_FLIGHT >= 1
    list(writer.submit(processed(0), None, EXTRACTOR))
    list(writer.submit(processed(1), None, EXTRACTOR))
    third = submit_held(writer, hold, 2)
    assert sources(third)[:1] == ["0.txt"]  # and any later write already over
    assert sources(third + list(writer.drain())) == ["0.txt", "1.txt", "2.txt"]
    writer.__exit__(None, None, None)


def test_long_documents_wait_by_their_lines_too() -> None:
    """Under the count, the caller still waits once the pending writes hold too many lines."""
    hold = threading.Event()
    # each document is one triple plus the extractor's: two lines, four with the second
    writer = StoreWriter(  # type: ignore[arg-type]
        RecordingStore(hold=hold), in_flight=10, lines_in_flight=3
    )
    list(writer.submit(processed(0), None, EXTRACTOR))
    second = submit_held(writer, hold, 1)
    assert sources(second)[:1] == ["0.txt"]
    assert sources(second + list(writer.drain())) == ["0.txt", "1.txt"]
    writer.__exit__(None, None, None)


def test_the_writer_thread_flushes_after_every_few_writes() -> None:
    """The flush follows the write that completes a group, on the writer thread."""
    events: list[tuple[str, int]] = []
    store = RecordingStore()

    class Buffers:
        def flush(self) -> None:
            events.append(("flush", threading.get_ident()))

    store.pyoxigraph_store = Buffers()  # type: ignore[attr-defined]
    real = store.replace_documents

    def recording(graphs):  # type: ignore[no-untyped-def]
        events.append(("write", threading.get_ident()))
        return real(graphs)

    store.replace_documents = recording  # type: ignore[method-assign]
    out: list[Written] = []
    with StoreWriter(store, flush_every=2) as writer:  # type: ignore[arg-type]
        for n in range(5):
            out += writer.submit(processed(n), None, EXTRACTOR)
        out += writer.drain()
    assert [w.flushed for w in out] == [False, True, False, True, False]
    assert [kind for kind, _ in events] == [
        "write", "write", "flush", "write", "write", "flush", "write",
    ]
    assert {thread for _, thread in events} == store.threads


def test_a_graph_with_a_bad_line_fails_before_any_write() -> None:
    good = processed(0)
    bad = ProcessedDocument("bad.txt", good.doc_iri, "hash", nquads="<a> <b> .\n")
    store = RecordingStore()
    with StoreWriter(store) as writer:  # type: ignore[arg-type]
        out = [*writer.submit(bad, None, EXTRACTOR), *writer.submit(good, None, EXTRACTOR)]
        out += writer.drain()
    assert isinstance(out[0].result, Failure)
    assert "a worker returned a line that is not a quad" in out[0].result.problem
    assert store.written == [good.doc_iri]


def test_a_build_with_a_refused_document_stores_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through ``build``: the refused document is reported, the others are stored and indexed."""
    texts = {
        "a.txt": "江苏省苏州市吴中区木渎镇举行项目签约仪式。",
        "b.txt": "浙江省嘉兴市嘉善县西塘镇举办文化节。",
        "c.txt": "江苏省南通市如皋市举办农民运动会。",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    real = GraphStore.replace_documents

    def refusing(self, graphs):  # type: ignore[no-untyped-def]
        graphs = list(graphs)
        if any("西塘镇" in line for _, lines in graphs for line in lines):
            raise StoreError("could not write 1 document graphs: refused by the test")
        return real(self, graphs)

    monkeypatch.setattr(GraphStore, "replace_documents", refusing)
    out = tmp_path / "out"
    report = build(sorted(tmp_path.glob("*.txt")), out, write_html=False)
    assert report.built == 2
    assert [(Path(f.source).name, "refused by the test" in f.problem) for f in report.failures] == [
        ("b.txt", True)
    ]
    monkeypatch.undo()
    again = build(sorted(tmp_path.glob("*.txt")), out, write_html=False)
    assert (again.built, again.skipped, again.failures) == (1, 2, [])
