"""End-to-end builds: legacy encodings, bad inputs in a batch, and re-runs.

The bad-input batch goes through the CLI (``typer.testing.CliRunner`` on
``kg.cli.app``) because what is under test is what a user sees: one error line
per bad file, the good documents stored, exit code 1.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import SEED_FILE
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from typer.testing import CliRunner

from kg.base.vocab import ENTITY_CLASSES, KG, RELATION_PROPERTIES
from kg.build import build
from kg.cli import app
from kg.errors import StoreError
from kg.store.graphstore import GraphStore

#: A 1×1 PNG (signature, IHDR chunk): a binary file with a text name.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
    b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x00IEND\xaeB`\x82"
)
#: Invented short articles (real divisions, invented events).
GOOD_TEXT = "日前，江苏省苏州市吴中区木渎镇举行项目签约仪式。\n"
JSONL_GOOD = [
    {"id": "wuzhong-1", "title": "木渎镇举行签约仪式",
     "text": "江苏省苏州市吴中区木渎镇举行项目签约仪式。"},
    {"id": "jiashan-1", "text": "浙江省嘉兴市嘉善县西塘镇举办文化节。"},
]


def read_union(directory: Path) -> Graph:
    with GraphStore.open(directory, create=False, read_only=True) as store:
        return store.rdflib_graph()


def documents(directory: Path) -> set[URIRef]:
    with GraphStore.open(directory, create=False, read_only=True) as store:
        return set(store.document_iris())


def entity_facts(graph: Graph) -> set[tuple[str, str]]:
    """(label, class) of every entity."""
    classes = {KG[name] for name in ENTITY_CLASSES}
    return {(str(graph.value(node, RDFS.label)), str(cls).rsplit("#", 1)[-1])
            for node, cls in graph.subject_objects(RDF.type) if cls in classes}


def relation_facts(graph: Graph) -> set[tuple[URIRef, URIRef, URIRef]]:
    return {(s, KG[p], o) for p in RELATION_PROPERTIES for s, o in graph.subject_objects(KG[p])}


def without_source_file(graph: Graph) -> set:
    """Everything but kg:sourceFile, which names the file that was read."""
    return {t for t in graph if t[1] != KG.sourceFile}


# --------------------------------------------------------------------------- encodings


def test_the_seed_in_gb18030_builds_the_same_graph(seed_graph: Graph, tmp_path: Path) -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    source = tmp_path / "in" / SEED_FILE.name
    source.parent.mkdir()
    source.write_bytes(text.encode("gb18030"))
    report = build([source.parent], tmp_path / "out", write_html=False)
    assert report.ok and report.built == 1, [str(f) for f in report.failures]

    graph = read_union(tmp_path / "out")
    assert entity_facts(graph) == entity_facts(seed_graph)
    assert relation_facts(graph) == relation_facts(seed_graph)
    articles = set(graph.subjects(RDF.type, KG.Article))
    assert articles == set(seed_graph.subjects(RDF.type, KG.Article))
    assert without_source_file(graph) == without_source_file(seed_graph)


_PINYIN_ANNOTATION = re.compile(r"\([a-zA-Z\u00c0-\u024f\u0300-\u036f]+\)")


def big5_version(text: str) -> str:
    """The seed as a Big5 file could hold it.

    Big5 has no tone-marked Latin letters and lacks one stray character of the
    seed, so the pinyin annotations (which cleaning removes anyway) are
    dropped, other tone marks are stripped, and what still does not encode is
    left out.
    """
    text = _PINYIN_ANNOTATION.sub("", text)
    kept: list[str] = []
    for char in text:
        for candidate in (char, unicodedata.normalize("NFD", char)[0]):
            try:
                candidate.encode("big5")
            except UnicodeEncodeError:
                continue
            kept.append(candidate)
            break
    return "".join(kept)


def test_the_seed_in_big5_builds_the_same_graph(seed_graph: Graph, tmp_path: Path) -> None:
    text = big5_version(SEED_FILE.read_text(encoding="utf-8"))
    graphs: dict[str, Graph] = {}
    for encoding in ("big5", "utf-8"):
        source = tmp_path / encoding / SEED_FILE.name
        source.parent.mkdir()
        source.write_bytes(text.encode(encoding))
        report = build([source.parent], tmp_path / f"out-{encoding}", write_html=False)
        assert report.ok and report.built == 1, [str(f) for f in report.failures]
        graphs[encoding] = read_union(tmp_path / f"out-{encoding}")

    big5, utf8 = graphs["big5"], graphs["utf-8"]
    # the same text in two encodings: the same document, the same triples
    assert without_source_file(big5) == without_source_file(utf8)
    # and, the annotations aside, what the seed itself gives
    assert entity_facts(big5) == entity_facts(seed_graph)
    assert relation_facts(big5) == relation_facts(seed_graph)


# --------------------------------------------------------------------------- bad inputs


def write_bad_batch(folder: Path) -> dict[str, Path]:
    """Good and bad files side by side; returns the bad ones by case."""
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    bad = {
        "empty": folder / "empty.txt",
        "binary": folder / "image.txt",
        "undecodable": folder / "damaged.txt",
        "jsonl": folder / "records.jsonl",
        "missing": folder.parent / "no-such-file.txt",
    }
    bad["empty"].write_bytes(b"")
    bad["binary"].write_bytes(PNG_BYTES)
    good_utf8 = "浙江省嘉兴市嘉善县西塘镇举办文化节，吸引游客参观。".encode()
    bad["undecodable"].write_bytes(good_utf8[:12] + b"\xff\xfe" + good_utf8[12:])
    lines = [json.dumps(JSONL_GOOD[0], ensure_ascii=False), '{"id": "broken", "text": "未完',
             json.dumps(JSONL_GOOD[1], ensure_ascii=False)]
    bad["jsonl"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad


def test_bad_inputs_give_one_error_line_each_and_the_rest_is_stored(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    bad = write_bad_batch(batch)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["build", str(batch), str(bad["missing"]), "-o", str(out), "--no-html"]
    )
    assert result.exit_code == 1, result.output

    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == len(bad), errors
    for case, path in bad.items():
        naming = [line for line in errors if str(path) in line]
        assert len(naming) == 1, (case, errors)
    [jsonl_error] = [line for line in errors if str(bad["jsonl"]) in line]
    assert f"{bad['jsonl']}:2:" in jsonl_error, "the malformed JSONL line is named by number"
    assert "empty" in " ".join(e for e in errors if str(bad["empty"]) in e)
    assert "binary" in " ".join(e for e in errors if str(bad["binary"]) in e)
    assert "documents: 3 built, 0 unchanged, 5 failed" in result.stdout

    stored = {str(iri).rsplit("/", 1)[-1] for iri in documents(out)}
    assert {"wuzhong-1", "jiashan-1"} <= stored
    assert len(stored) == 3
    sources = {str(o) for o in read_union(out).objects(None, KG.sourceFile)}
    assert str(batch / "good.txt") in sources
    assert not any(str(path) in source for path in bad.values() if path != bad["jsonl"]
                   for source in sources)


# --------------------------------------------------------------------------- re-runs


def test_building_twice_skips_unchanged_documents(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "b.txt").write_text(JSONL_GOOD[1]["text"], encoding="utf-8")
    out = tmp_path / "out"
    first = build([folder], out, write_html=False)
    ttl = (out / "graph.ttl").read_bytes()
    assert (first.built, first.skipped, first.ok) == (2, 0, True)

    second = build([folder], out, write_html=False)
    assert (second.built, second.skipped, second.ok) == (0, 2, True)
    assert (out / "graph.ttl").read_bytes() == ttl

    result = CliRunner().invoke(app, ["build", str(folder), "-o", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "documents: 0 built, 2 unchanged, 0 failed" in result.stdout


def test_a_changed_document_replaces_its_named_graph(tmp_path: Path) -> None:
    source = tmp_path / "records.jsonl"
    out = tmp_path / "out"
    record = {"id": "story", "text": "江苏省苏州市吴中区木渎镇举行项目签约仪式。"}
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert build([source], out, write_html=False).built == 1
    labels = {label for label, _ in entity_facts(read_union(out))}
    assert "木渎镇" in labels

    record["text"] = "浙江省嘉兴市嘉善县西塘镇举办文化节。"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    report = build([source], out, write_html=False)
    assert (report.built, report.skipped) == (1, 0)
    labels = {label for label, _ in entity_facts(read_union(out))}
    assert "西塘镇" in labels
    assert "木渎镇" not in labels
    assert len(documents(out)) == 1


def test_a_graph_from_a_worker_is_checked_before_it_is_stored() -> None:
    import pyoxigraph as ox

    from kg.graph.processed import ProcessedDocument, nquads_from_lines
    from kg.graph.terms import ntriples_line

    doc = URIRef("https://w3id.org/kg-zh/id/doc/0123456789abcdef")
    label = Literal('引号"与\\反斜杠', lang="zh-Hans")
    triples = ((doc, RDF.type, KG.Article), (doc, RDFS.label, label))
    lines = tuple(ntriples_line(t) for t in triples)
    local = ProcessedDocument("a.txt", str(doc), "hash", lines=lines)
    remote = local.for_transport()
    assert remote.lines is None and remote.nquads
    assert sorted(remote.triples()) == sorted(local.triples()) == sorted(triples)
    assert sorted(remote.ntriples_lines()) == sorted(local.ntriples_lines())
    elsewhere = nquads_from_lines(ox.NamedNode("https://w3id.org/kg-zh/id/doc/other"), lines)
    for wrong in (elsewhere, "<a> <b> .\n"):
        with pytest.raises(StoreError, match="a.txt: a worker returned a line that is not a quad"):
            ProcessedDocument("a.txt", str(doc), "hash", nquads=wrong).ntriples_lines()


@pytest.mark.parametrize("preset, expected", [(None, "1"), ("3", "3")])
def test_importing_kg_limits_blas_threads_unless_the_user_chose(preset, expected):
    # Parallelism is by processes; one BLAS thread each, set before numpy loads.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    if preset is not None:
        env["OMP_NUM_THREADS"] = preset
    code = "import kg, os, sys; sys.stdout.write(os.environ['OMP_NUM_THREADS'])"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout == expected
