"""Incremental, idempotent builds (issue 6): adding, re-running, editing, removing.

The documents are short news items written for these tests: real divisions of
the gazetteer (松江区, 泗泾镇, 青浦区, 朱家角镇, 嘉善县, 西塘镇) and invented
companies. One is in Traditional characters. Builds skip graph.html, which
the viz tests cover; the graph files are compared byte for byte.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import URIRef

import kg.build
import kg.store.pending
from kg.base.vocab import DATA_BASE
from kg.build import build
from kg.explore.export import EXPORT_STATE_FILENAME
from kg.graph.document import doc_iri
from kg.graph.fingerprint import extractor_fingerprint
from kg.remove import remove_document
from kg.store.graphstore import GraphStore
from kg.store.merge import is_document_graph

#: name → text. A and B below split them in two.
NEWS: dict[str, str] = {
    "songjiang-law.txt": (
        "松江區法律服務進企業活動啟動\n\n2023年03月08日10:00\n\n"
        "日前,區司法局聯合泗涇鎮在上海雲帆智能科技有限公司舉辦法律服務進企業活動,"
        "為園區企業提供政策解讀和法律諮詢。\n\n"
        "區司法局有關負責人表示,將持續為企業發展提供法治保障。\n"
    ),
    "songjiang-agreement.txt": (
        "松江区司法局与嘉善县司法局签订法治协作协议\n\n2023年04月12日09:30\n\n"
        "近日,松江区司法局与嘉善县司法局在泗泾镇签订法治协作协议。"
        "双方将共同为上海云帆智能科技有限公司等企业提供法律服务。\n"
    ),
    "qingpu-meeting.txt": (
        "青浦区召开营商环境法治保障推进会\n\n2023年05月20日14:00\n\n"
        "日前,青浦区在朱家角镇召开营商环境法治保障推进会。会上,区司法局介绍了今年的工作安排,"
        "将与上海蓝湾环保科技有限公司等企业开展合作。\n"
    ),
    "jiashan-park.txt": (
        "嘉善县西塘镇电子产业园开工\n\n2023年06月18日08:45\n\n"
        "近日,嘉善县西塘镇电子产业园正式开工,嘉善恒远电子有限公司成为首家入驻企业。"
        "西塘镇负责人表示,将与松江区加强产业合作。\n"
    ),
}
PART_A = ("songjiang-law.txt", "songjiang-agreement.txt")
PART_B = ("qingpu-meeting.txt", "jiashan-park.txt")


def write_news(folder: Path, names=tuple(NEWS), texts: dict[str, str] | None = None) -> Path:
    """Write the named documents into ``folder`` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text((texts or NEWS)[name], encoding="utf-8")
    return folder


def graph_files(out: Path) -> tuple[bytes, bytes]:
    return (out / "graph.ttl").read_bytes(), (out / "graph.trig").read_bytes()


def document_graphs(out: Path) -> dict[URIRef, set]:
    with GraphStore.open(out, create=False, read_only=True) as store:
        return {
            iri: store.document_triples(iri)
            for iri in store.document_iris()
            if is_document_graph(iri)
        }


def union(out: Path) -> set:
    with GraphStore.open(out, create=False, read_only=True) as store:
        return store.union_triples()


def run(inputs: list[Path], out: Path, **options):
    report = build(inputs, out, write_html=False, **options)
    assert report.ok, [str(f) for f in report.failures]
    return report


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four documents in one folder, A and B in two more."""
    root = tmp_path_factory.mktemp("news")
    write_news(root / "all")
    write_news(root / "a", PART_A)
    write_news(root / "b", PART_B)
    return root


@pytest.fixture(scope="module")
def full_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A and B built together in one run (read it, do not change it)."""
    out = tmp_path_factory.mktemp("full") / "g"
    report = run([corpus / "a", corpus / "b"], out)
    assert report.built == 4
    return out


def test_building_a_then_b_equals_building_a_and_b(corpus: Path, full_build: Path, tmp_path):
    out = tmp_path / "g"
    assert run([corpus / "a"], out).built == 2
    second = run([corpus / "b"], out)
    assert (second.built, second.skipped) == (2, 0)
    assert graph_files(out) == graph_files(full_build)


def test_rerunning_changes_nothing(corpus: Path, full_build: Path, tmp_path):
    out = tmp_path / "g"
    shutil.copytree(full_build, out)
    before = graph_files(out)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}
    report = run([corpus / "a", corpus / "b"], out)
    assert (report.built, report.skipped, report.superseded) == (0, 4, 0)
    assert not report.exported and not report.merges_changed
    assert graph_files(out) == before
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()} == mtimes


def test_the_exports_are_what_an_export_of_the_store_writes(corpus: Path, tmp_path):
    """A build copies the graph blocks it dumped while writing (kg.store.graphstore.TrigBlocks):
    they are the bytes a dump of the whole store gives at the end, in a first
    build and in one that adds to a store."""
    out = tmp_path / "g"
    for inputs in ([corpus / "a"], [corpus / "all"]):
        run(inputs, out)
        with GraphStore.open(out, create=False) as store:
            store.export(tmp_path / "again")
        assert graph_files(tmp_path / "again") == graph_files(out)


def test_a_document_given_twice_in_one_run_is_built_once(corpus: Path, full_build: Path, tmp_path):
    copy = write_news(tmp_path / "copy", PART_A)
    out = tmp_path / "g"
    report = run([corpus / "a", corpus / "b", copy], out)
    assert (report.built, report.skipped) == (4, 2)
    assert graph_files(out) == graph_files(full_build)


def test_editing_one_document_changes_only_its_statements(corpus: Path, full_build: Path, tmp_path):
    folder = write_news(tmp_path / "docs")
    out = tmp_path / "g"
    run([folder], out)
    before_graphs, before_union = document_graphs(out), union(out)

    edited = NEWS["qingpu-meeting.txt"].replace(
        "上海蓝湾环保科技有限公司", "上海青禾数据服务有限公司"
    )
    (folder / "qingpu-meeting.txt").write_text(edited, encoding="utf-8")
    report = run([folder], out)
    assert (report.built, report.skipped, report.superseded) == (1, 3, 1)

    after_graphs, after_union = document_graphs(out), union(out)
    old = doc_iri(_content_id(NEWS["qingpu-meeting.txt"], tmp_path))
    new = doc_iri(_content_id(edited, tmp_path))
    assert old in before_graphs and old not in after_graphs
    assert set(after_graphs) == set(before_graphs) - {old} | {new}
    for iri in set(before_graphs) - {old}:
        assert after_graphs[iri] == before_graphs[iri], f"{iri} changed"
    assert before_union - after_union <= before_graphs[old]
    assert after_union - before_union <= after_graphs[new]
    labels = {str(o) for _, _, o in after_union}
    assert "上海青禾数据服务有限公司" in labels and "上海蓝湾环保科技有限公司" not in labels

    # the result is what building the edited corpus from scratch gives
    fresh = tmp_path / "fresh"
    run([folder], fresh)
    assert graph_files(fresh) == graph_files(out)


def test_a_document_with_an_explicit_id_is_replaced_in_place(tmp_path):
    path = tmp_path / "news.jsonl"

    def write(text: str) -> None:
        path.write_text(json.dumps({"id": "qingpu-2023-05", "text": text}, ensure_ascii=False)
                        + "\n", encoding="utf-8")

    write(NEWS["qingpu-meeting.txt"])
    out = tmp_path / "g"
    run([path], out)
    edited = NEWS["qingpu-meeting.txt"].replace("朱家角镇", "青浦区赵巷镇")
    write(edited)
    report = run([path], out)
    assert (report.built, report.superseded) == (1, 0)
    graphs = document_graphs(out)
    assert list(graphs) == [doc_iri("qingpu-2023-05")]
    labels = {str(o) for _, _, o in union(out)}
    assert "赵巷镇" in labels and "朱家角镇" not in labels


def test_remove_deletes_one_document_and_what_only_it_supported(
    corpus: Path, full_build: Path, tmp_path
):
    out = tmp_path / "g"
    shutil.copytree(full_build, out)
    before = union(out)
    target = str(corpus / "b" / "qingpu-meeting.txt")
    assert remove_document(out, target)

    # exactly what building the other three gives, byte for byte
    others = tmp_path / "others"
    run([corpus / "a", corpus / "b" / "jiashan-park.txt"], others)
    assert graph_files(out) == graph_files(others)
    assert len(document_graphs(out)) == 3

    subjects_before = {str(s) for s, _, _ in before}
    subjects_after = {str(s) for s, _, _ in union(out)}
    gone = subjects_before - subjects_after
    assert f"{DATA_BASE}GovernmentBody/{quote('青浦区司法局')}" in gone
    assert "https://w3id.org/kg-zh/id/place/310118102" in gone  # 朱家角镇, only in that article
    assert "https://w3id.org/kg-zh/id/place/310117" in subjects_after  # 松江区, in three
    assert b"310118102" not in (out / "graph.ttl").read_bytes()
    with pytest.raises(Exception, match="no such document"):
        remove_document(out, target)


def test_exports_are_redone_after_an_interrupted_build(corpus: Path, full_build: Path, tmp_path):
    out = tmp_path / "g"
    shutil.copytree(full_build, out)
    expected = graph_files(out)
    (out / EXPORT_STATE_FILENAME).unlink()  # as if killed between the store and the exports
    (out / "graph.ttl").write_text("stale", encoding="utf-8")
    report = run([corpus / "a", corpus / "b"], out)
    assert report.built == 0 and report.exported
    assert graph_files(out) == expected


def _content_id(text: str, tmp_path: Path) -> str:
    """The id kg gives a file with this text (the start of its content hash)."""
    from kg.read.clean import clean_document
    from kg.read.ingest import iter_documents

    probe = tmp_path / "probe" / "x.txt"
    probe.parent.mkdir(exist_ok=True)
    probe.write_text(text, encoding="utf-8")
    [raw] = list(iter_documents([probe]))
    return clean_document(raw).doc_id



def test_a_rerun_does_not_clean_inputs_it_has_seen(corpus: Path, full_build: Path, tmp_path,
                                                   monkeypatch):
    import kg.store.pending

    out = tmp_path / "g"
    shutil.copytree(full_build, out)

    def no_cleaning(raw):
        raise AssertionError(f"{raw.source} was cleaned again")

    monkeypatch.setattr(kg.store.pending, "clean_document", no_cleaning)
    report = run([corpus / "a", corpus / "b"], out)
    assert (report.built, report.skipped) == (0, 4)


def test_a_broken_source_index_costs_time_not_correctness(corpus: Path, full_build: Path,
                                                          tmp_path):
    from kg.store.source_index import SOURCE_INDEX_FILENAME

    out = tmp_path / "g"
    shutil.copytree(full_build, out)
    (out / SOURCE_INDEX_FILENAME).write_bytes(b"not a database")
    report = run([corpus / "a", corpus / "b"], out)
    assert (report.built, report.skipped) == (0, 4)
    assert graph_files(out) == graph_files(full_build)
    # an index that names a removed document does not stop it being rebuilt
    remove_document(out, str(corpus / "a" / "songjiang-law.txt"))
    report = run([corpus / "a", corpus / "b"], out)
    assert (report.built, report.skipped) == (1, 3)
    assert graph_files(out) == graph_files(full_build)


def test_a_new_extractor_extracts_every_stored_document_again(
    corpus: Path, full_build: Path, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "g"
    shutil.copytree(full_build, out)
    before = graph_files(out)
    assert f'kg:extractor "{extractor_fingerprint()}"'.encode() in before[0]
    monkeypatch.setattr(kg.build, "extractor_fingerprint", lambda: "sha256:an-upgraded-kg")
    report = run([corpus / "a", corpus / "b"], out)
    assert (report.built, report.skipped) == (4, 0)
    assert report.exported
    after = graph_files(out)
    assert b'kg:extractor "sha256:an-upgraded-kg"' in after[0]
    assert after[0].replace(b"sha256:an-upgraded-kg", extractor_fingerprint().encode()) == before[0]
    again = run([corpus / "a", corpus / "b"], out)
    assert (again.built, again.skipped, again.exported) == (0, 4, False)


def test_the_extractor_fingerprint_follows_the_model_switch(monkeypatch: pytest.MonkeyPatch):
    with_model, without = extractor_fingerprint(ner=True), extractor_fingerprint(ner=False)
    assert with_model != without and with_model.startswith("sha256:")
    extractor_fingerprint.cache_clear()
    monkeypatch.setenv("KG_NO_NER", "1")
    assert extractor_fingerprint() == without
    extractor_fingerprint.cache_clear()
