"""Tests of kg.store.graphstore and kg.base.fsutil on a tiny hand-built graph.

``sample_documents()`` builds two documents' triples the way docs/architecture.md
describes a build's RDF (entities, plain relation triples, reified statements
with sentences and offsets). test_query, test_validate and test_server import
it from here, so every store test works on the same small, readable graph and
none depends on the extraction pipeline.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.base.fsutil import atomic_write_text
from kg.base.vocab import DATA_BASE, KG
from kg.errors import StoreError
from kg.graph.terms import canonical_language_tag, ntriples_line, to_ox_term, to_rdflib_term
from kg.store.graphstore import GraphStore, replace_graph_update
from kg.store.trig import (
    TRIG_INDEX_FILENAME,
    TrigBlocks,
    named_graph_block,
    prefix_header,
    restore_language_tags,
    trig_graph_block,
)

KGID = Namespace(DATA_BASE)
# A plain Namespace: pytest probes module attributes, which makes rdflib's XSD warn.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DOC_A = KGID["doc/aaaaaaaaaaaaaaaa"]
DOC_B = KGID["doc/bbbbbbbbbbbbbbbb"]
HASH_A = "a" * 64
HASH_B = "b" * 64

SHANGHAI = KGID["place/310000"]
JINSHAN = KGID["place/310116"]
FENGJING = KGID["place/310116102"]
SHIHUA = KGID["place/310116001"]
ZHEJIANG = KGID["place/330000"]
JIAXING = KGID["place/330400"]
JIASHAN = KGID["place/330421"]
BRAND = KGID["org/PartyBrand/%E7%BA%A2%E9%A2%86LINK"]
ALLIANCE = KGID["org/Alliance/%E6%B2%AA%E6%B5%99%E8%81%94%E7%9B%9F"]
LOCAL_ALLIANCE = KGID["org/Alliance/%E9%87%91%E5%B1%B1%E8%81%94%E7%9B%9F"]
PARK = KGID["org/IndustrialPark/%E7%A7%91%E5%88%9B%E5%9B%AD"]
COMPANY = KGID["org/Enterprise/%E5%85%AC%E5%8F%B8"]

Triple = tuple[URIRef, URIRef, object]


def _place(iri, cls, label, code, level, province=None, inside=None, hant=None):
    triples = [
        (iri, RDF.type, cls),
        (iri, RDFS.label, Literal(label, lang="zh-Hans")),
        (iri, SKOS.prefLabel, Literal(label, lang="zh-Hans")),
        (iri, KG.officialCode, Literal(code)),
        (iri, KG.adminLevel, Literal(level)),
    ]
    if hant:
        triples.append((iri, SKOS.altLabel, Literal(hant, lang="zh-Hant")))
    if province is not None:
        triples.append((iri, KG.province, province))
    if inside is not None:
        triples.append((iri, KG.locatedIn, inside))
    return triples


def _thing(iri, cls, label):
    return [(iri, RDF.type, cls), (iri, RDFS.label, Literal(label, lang="zh-Hans"))]


class _DocumentBuilder:
    """Collects one document's triples: the article, its sentences and statements."""

    def __init__(self, doc: URIRef, doc_id: str, title: str, content_hash: str) -> None:
        self.doc, self.doc_id = doc, doc_id
        self.triples: list[Triple] = [
            (doc, RDF.type, KG.Article),
            (doc, DCTERMS.title, Literal(title)),
            (doc, DCTERMS.issued, Literal("2022-01-19T12:20:00+08:00", datatype=XSD.dateTime)),
            (doc, KG.sourceFile, Literal(f"docs/{doc_id}.txt")),
            (doc, KG.contentHash, Literal(content_hash)),
        ]
        self.sentences: list[tuple[int, int]] = []

    def sentence(self, text: str, start: int) -> int:
        index = len(self.sentences)
        node = KGID[f"sent/{self.doc_id}/{index}"]
        self.triples += [
            (node, RDF.type, KG.Sentence),
            (node, KG.text, Literal(text)),
            (node, KG.sentenceIndex, Literal(index)),
            (node, KG.startOffset, Literal(start)),
            (node, KG.endOffset, Literal(start + len(text))),
            (node, KG.inDocument, self.doc),
        ]
        self.sentences.append((start, start + len(text)))
        return index

    def relation(self, s, p, o, sentence: int, span: tuple[int, int], rule: str) -> None:
        node = KGID[f"stmt/{self.doc_id}/{len(self.triples)}"]
        self.triples += [
            (s, p, o),
            (node, RDF.type, KG.Statement),
            (node, RDF.subject, s),
            (node, RDF.predicate, p),
            (node, RDF.object, o),
            (node, KG.inDocument, self.doc),
            (node, KG.sentence, KGID[f"sent/{self.doc_id}/{sentence}"]),
            (node, KG.startOffset, Literal(span[0])),
            (node, KG.endOffset, Literal(span[1])),
            (node, KG.rule, Literal(rule)),
            (node, KG.confidence, Literal("0.9", datatype=XSD.decimal)),
        ]

    def mention(self, entity, text: str, start: int, sentence: int) -> None:
        node = KGID[f"mention/{self.doc_id}/{start}-{start + len(text)}"]
        self.triples += [
            (node, RDF.type, KG.Mention),
            (node, KG.mentionOf, entity),
            (node, KG.text, Literal(text)),
            (node, KG.startOffset, Literal(start)),
            (node, KG.endOffset, Literal(start + len(text))),
            (node, KG.sentence, KGID[f"sent/{self.doc_id}/{sentence}"]),
            (node, KG.rule, Literal("entity.admin_suffix")),
        ]


def sample_documents() -> dict[URIRef, list[Triple]]:
    """Two small documents that share entities (枫泾镇, 金山区) and one relation."""
    a = _DocumentBuilder(DOC_A, "aaaaaaaaaaaaaaaa", "金山区党建创新项目同台竞技", HASH_A)
    a.triples += _place(SHANGHAI, KG.Province, "上海市", "310000", 1)
    a.triples += _place(JINSHAN, KG.District, "金山区", "310116", 3, SHANGHAI)
    a.triples += _place(FENGJING, KG.Township, "枫泾镇", "310116102", 4, SHANGHAI, hant="楓涇鎮")
    a.triples += _place(ZHEJIANG, KG.Province, "浙江省", "330000", 1)
    a.triples += _place(JIAXING, KG.City, "嘉兴市", "330400", 2, ZHEJIANG)
    a.triples += _place(JIASHAN, KG.County, "嘉善县", "330421", 3)  # province via the chain only
    a.triples += _thing(BRAND, KG.PartyBrand, "红领LINK")
    a.triples += _thing(ALLIANCE, KG.Alliance, "沪浙联盟") + [
        (ALLIANCE, KG.crossRegional, Literal(True))
    ]
    a.triples += _thing(PARK, KG.IndustrialPark, "科创园")
    a.triples += _thing(COMPANY, KG.Enterprise, "某科技公司")
    s0 = a.sentence("评审会在楓涇鎮举行。", 10)
    s1 = a.sentence("金山区打造红领LINK党建品牌。", 30)
    s2 = a.sentence("枫泾镇与嘉善县成立沪浙联盟，嘉善县隶属嘉兴市。", 60)
    s3 = a.sentence("某科技公司入驻位于枫泾镇的科创园。", 100)
    a.mention(FENGJING, "楓涇鎮", 14, s0)
    a.relation(FENGJING, KG.locatedIn, JINSHAN, s0, (10, 20), "gazetteer.parent")
    a.relation(JINSHAN, KG.locatedIn, SHANGHAI, s1, (30, 33), "gazetteer.parent")
    a.relation(BRAND, KG.brandOf, JINSHAN, s1, (30, 45), "relation.brand_owner")
    a.relation(FENGJING, KG.memberOf, ALLIANCE, s2, (60, 77), "relation.trigger.found")
    a.relation(JIASHAN, KG.memberOf, ALLIANCE, s2, (64, 77), "relation.trigger.found")
    a.relation(JIASHAN, KG.locatedIn, JIAXING, s2, (74, 83), "gazetteer.parent")
    a.relation(COMPANY, KG.settledIn, PARK, s3, (100, 112), "relation.trigger.settled")
    a.relation(PARK, KG.locatedIn, FENGJING, s3, (105, 116), "relation.located")

    b = _DocumentBuilder(DOC_B, "bbbbbbbbbbbbbbbb", "石化街道开展结对共建", HASH_B)
    b.triples += _place(SHANGHAI, KG.Province, "上海市", "310000", 1)
    b.triples += _place(JINSHAN, KG.District, "金山区", "310116", 3, SHANGHAI)
    b.triples += _place(FENGJING, KG.Township, "枫泾镇", "310116102", 4, SHANGHAI)
    b.triples += _place(SHIHUA, KG.Subdistrict, "石化街道", "310116001", 4, SHANGHAI)
    b.triples += _thing(LOCAL_ALLIANCE, KG.Alliance, "金山联盟")
    t0 = b.sentence("石化街道与枫泾镇组建金山联盟。", 0)
    b.relation(SHIHUA, KG.locatedIn, JINSHAN, t0, (0, 4), "gazetteer.parent")
    b.relation(FENGJING, KG.locatedIn, JINSHAN, t0, (5, 8), "gazetteer.parent")
    b.relation(SHIHUA, KG.memberOf, LOCAL_ALLIANCE, t0, (0, 14), "relation.trigger.found")
    b.relation(FENGJING, KG.memberOf, LOCAL_ALLIANCE, t0, (5, 14), "relation.trigger.found")
    return {DOC_A: a.triples, DOC_B: b.triples}


def fill_store(store: GraphStore, documents: dict[URIRef, list[Triple]] | None = None) -> None:
    for doc, triples in (documents or sample_documents()).items():
        store.replace_document(doc, triples)


def union_of(documents: dict[URIRef, list[Triple]]) -> set[Triple]:
    return {t for triples in documents.values() for t in triples}


@pytest.fixture
def sample_store(tmp_path: Path):
    store = GraphStore.open(tmp_path / "build")
    fill_store(store)
    yield store
    store.close()


# --------------------------------------------------------------------------- opening


def test_open_creates_a_build_dir_and_refuses_a_missing_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a kg build directory"):
        GraphStore.open(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        GraphStore.open(tmp_path / "file")
    store = GraphStore.open(tmp_path / "new")
    assert (tmp_path / "new" / "store" / "CURRENT").is_file()
    store.close()
    reopened = GraphStore.open(tmp_path / "new", create=False)
    assert reopened.document_iris() == []


def test_a_second_writer_in_this_process_is_refused(sample_store: GraphStore) -> None:
    with pytest.raises(StoreError, match="already open in this process"):
        GraphStore.open(sample_store.build_dir)


def test_a_writer_in_another_process_is_refused(sample_store: GraphStore) -> None:
    script = textwrap.dedent(
        f"""
        from kg.store.graphstore import GraphStore
        from kg.errors import StoreError
        try:
            GraphStore.open({str(sample_store.build_dir)!r})
        except StoreError as exc:
            print(exc)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "in use by another process" in out


def test_read_only_store_reads_but_refuses_writes(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path / "b") as store:
        fill_store(store)
    reader = GraphStore.open(tmp_path / "b", read_only=True)
    assert reader.document_iris() == [DOC_A, DOC_B]
    with pytest.raises(StoreError, match="read-only"):
        reader.replace_document(DOC_A, [])
    with pytest.raises(StoreError, match="read-only"):
        reader.remove_document(DOC_A)


# --------------------------------------------------------------------------- writing


def test_documents_are_stored_as_named_graphs(sample_store: GraphStore) -> None:
    docs = sample_documents()
    assert sample_store.document_iris() == [DOC_A, DOC_B]
    for doc, triples in docs.items():
        assert sample_store.document_triples(doc) == set(triples)
    assert sample_store.union_triples() == union_of(docs)
    # 枫泾镇 locatedIn 金山区 is in both documents but counted once
    assert sample_store.triple_count() == len(union_of(docs)) < sum(map(len, docs.values()))
    assert sample_store.content_hash(DOC_A) == HASH_A
    assert sample_store.content_hash(KGID["doc/unknown"]) is None


def test_replacing_a_document_drops_its_old_triples_only(sample_store: GraphStore) -> None:
    old = set(sample_documents()[DOC_A])
    new = [t for t in sample_documents()[DOC_A] if t[1] != KG.brandOf]
    sample_store.replace_document(DOC_A, new)
    assert sample_store.document_triples(DOC_A) == set(new)
    assert (BRAND, KG.brandOf, JINSHAN) not in sample_store.union_triples()
    assert sample_store.document_triples(DOC_B) == set(sample_documents()[DOC_B])
    sample_store.replace_document(DOC_A, old)  # and back, no leftovers
    assert sample_store.document_triples(DOC_A) == old


def test_meta_sets_article_facts_and_unknown_keys_are_refused(sample_store: GraphStore) -> None:
    sample_store.replace_document(DOC_B, sample_documents()[DOC_B], {"content_hash": "c" * 64})
    assert sample_store.content_hash(DOC_B) == "c" * 64
    hashes = [o for s, p, o in sample_store.document_triples(DOC_B) if p == KG.contentHash]
    assert hashes == [Literal("c" * 64)]
    with pytest.raises(StoreError, match="known keys: content_hash"):
        sample_store.replace_document(DOC_B, [], {"colour": "red"})
    assert sample_store.content_hash(DOC_B) == "c" * 64  # refused before anything was written


def test_remove_document(sample_store: GraphStore) -> None:
    assert sample_store.remove_document(DOC_A) is True
    assert sample_store.document_iris() == [DOC_B]
    assert sample_store.remove_document(DOC_A) is False
    assert sample_store.union_triples() == set(sample_documents()[DOC_B])


def test_literals_that_look_like_sparql_are_stored_verbatim(sample_store: GraphStore) -> None:
    nasty = [
        '"} } ; DROP ALL ; INSERT DATA { <http://x/a> <http://x/b> <http://x/c> } #',
        "line\nbreak\ttab \\ backslash \u0000 nul",
        "'''triple''' \"\"\"quotes\"\"\" >",
    ]
    doc = KGID["doc/nasty"]
    triples = [(KGID[f"thing/{i}"], RDFS.label, Literal(s, lang="zh-Hans")) for i, s in
               enumerate(nasty)]
    sample_store.replace_document(doc, triples)
    assert sample_store.document_triples(doc) == set(triples)
    assert sample_store.document_iris() == sorted([DOC_A, DOC_B, doc])
    assert not any(s == URIRef("http://x/a") for s, _, _ in sample_store.union_triples())


def test_bad_triples_are_refused_before_writing(sample_store: GraphStore) -> None:
    before = sample_store.document_triples(DOC_A)
    with pytest.raises(StoreError, match="not an RDF triple"):
        sample_store.replace_document(DOC_A, [(Literal("x"), RDFS.label, Literal("y"))])
    with pytest.raises(StoreError, match="cannot store"):
        sample_store.replace_document(DOC_A, [(URIRef("http://x/a b"), RDFS.label, Literal("y"))])
    assert sample_store.document_triples(DOC_A) == before


def test_the_default_graph_is_the_union_of_the_documents(sample_store: GraphStore) -> None:
    def named_union() -> set:
        return {(s, p, o) for s, p, o, _ in sample_store.quads()}

    assert sample_store.union_triples() == named_union() == union_of(sample_documents())
    shared = (FENGJING, KG.locatedIn, JINSHAN)  # in both documents
    only_a = (BRAND, KG.brandOf, JINSHAN)
    sample_store.replace_document(DOC_A, [t for t in sample_documents()[DOC_A]
                                          if t not in (shared, only_a)])
    assert shared in sample_store.union_triples()  # still held by DOC_B
    assert only_a not in sample_store.union_triples()
    sample_store.remove_document(DOC_B)
    assert shared not in sample_store.union_triples()
    assert sample_store.union_triples() == named_union()


def test_rebuild_union_repairs_writes_made_behind_its_back(sample_store: GraphStore) -> None:
    stray = f"<{FENGJING}> <{RDFS.label}> \"stray\""
    sample_store.pyoxigraph_store.update(f"INSERT DATA {{ {stray} }}")
    sample_store.pyoxigraph_store.update(f"DELETE DATA {{ GRAPH <{DOC_B}> {{ {stray} }} }}")
    sample_store.pyoxigraph_store.update(f"DROP GRAPH <{DOC_B}>")
    sample_store.rebuild_union()
    assert sample_store.union_triples() == set(sample_documents()[DOC_A])


def test_replace_is_one_update_request(sample_store: GraphStore) -> None:
    label = (FENGJING, RDFS.label, Literal("枫泾镇", lang="zh-Hans"))
    request = replace_graph_update(DOC_A, [label])
    assert request.count(" ;\n") == 2  # three operations in one request
    assert f"DROP SILENT GRAPH <{DOC_A}> ;\nINSERT DATA {{" in request
    # What the design relies on: Oxigraph applies a whole request or nothing.
    # The second operation fails, so the first one must be rolled back.
    with pytest.raises(RuntimeError):
        sample_store.pyoxigraph_store.update(
            f"DROP GRAPH <{DOC_A}> ; DROP GRAPH <{KGID['doc/not-there']}>"
        )
    assert sample_store.document_triples(DOC_A) == set(sample_documents()[DOC_A])


_WRITER = """
import sys
from rdflib import Literal, RDFS, URIRef
from kg.store.graphstore import GraphStore
store = GraphStore.open(sys.argv[1])
doc = URIRef("https://w3id.org/kg-zh/id/doc/churn")
round = 0
while True:
    version = round % 2
    size = 2000 if version else 3000
    store.replace_document(doc, [
        (URIRef(f"https://w3id.org/kg-zh/id/thing/{i}"), RDFS.label, Literal(f"v{version}-{i}"))
        for i in range(size)
    ])
    round += 1
    if round == 2:
        print("ready", flush=True)
"""


def test_sigkill_mid_write_leaves_the_document_whole(tmp_path: Path) -> None:
    build = tmp_path / "b"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(build)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait(timeout=30)
    with GraphStore.open(build, create=False) as store:
        labels = {str(o) for _, _, o in store.document_triples(KGID["doc/churn"])}
    versions = {label.split("-")[0] for label in labels}
    assert len(versions) == 1
    assert len(labels) == (2000 if versions == {"v1"} else 3000)


# --------------------------------------------------------------------------- rdflib views


def test_rdflib_graph_is_a_clean_union_copy(sample_store: GraphStore) -> None:
    graph = sample_store.rdflib_graph()
    assert set(graph) == union_of(sample_documents())
    assert len(graph) == sample_store.triple_count()
    assert (FENGJING, RDFS.label, Literal("枫泾镇", lang="zh-Hans")) in graph
    assert (DOC_A, KG.sourceFile, Literal("docs/aaaaaaaaaaaaaaaa.txt")) in graph


def test_rdflib_dataset_queries_the_union(sample_store: GraphStore) -> None:
    dataset = sample_store.rdflib_dataset()
    rows = list(dataset.query("SELECT (COUNT(*) AS ?n) WHERE { ?s kg:locatedIn ?o }"))
    # 枫泾镇→金山区 is in both documents; the union holds it once
    assert int(rows[0][0]) == 5
    assert len(dataset) == sample_store.triple_count()
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert {str(DOC_A), str(DOC_B)} <= graphs


def test_term_conversion_round_trips() -> None:
    terms = [
        URIRef("https://w3id.org/kg-zh/id/place/310116102"),
        Literal("枫泾镇", lang="zh-Hans"),
        Literal("Fēngjīng Zhèn", lang="zh-Latn-pinyin"),
        Literal("plain"),
        Literal(4),
        Literal("0.9", datatype=XSD.decimal),
        Literal(True),
    ]
    for term in terms:
        assert to_rdflib_term(to_ox_term(term)) == term
    assert to_rdflib_term(ox.DefaultGraph()) is None


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [("zh-hans", "zh-Hans"), ("ZH-HANT", "zh-Hant"), ("zh-latn-pinyin", "zh-Latn-pinyin"),
     ("en", "en"), ("zh-hans-cn", "zh-Hans-CN"), ("en-x-abcd", "en-x-abcd")],
)
def test_canonical_language_tag(tag: str, canonical: str) -> None:
    assert canonical_language_tag(tag) == canonical


# --------------------------------------------------------------------------- export


ODD_TERMS = [
    Literal('quote " backslash \\ newline \n cr \r tab \t nul \u0000 del \x7f'),
    Literal("'''triple''' \"\"\"quotes\"\"\" } ; DROP ALL ; #"),
    Literal("Fēngjīng Zhèn", lang="zh-Latn-pinyin"),
    Literal("-12", datatype=XSD.integer),
    Literal("012", datatype=XSD.integer),
    Literal(".5", datatype=XSD.decimal),
    Literal("1e3", datatype=XSD.double),
    Literal("false", datatype=XSD.boolean),
    Literal("not a number", datatype=XSD.integer),
    Literal("2022-01-19", datatype=XSD.date),
    URIRef("https://w3id.org/kg-zh/ontology#locatedIn"),
    URIRef("http://example.org/a%20b?x=1#frag"),
]


def test_export_is_deterministic_and_faithful(tmp_path: Path) -> None:
    docs = sample_documents()
    odd = KGID["thing/odd"]
    docs[DOC_B] = docs[DOC_B] + [(odd, KG.text, term) for term in ODD_TERMS]
    outputs = []
    for name, order in (("one", [DOC_A, DOC_B]), ("two", [DOC_B, DOC_A])):
        with GraphStore.open(tmp_path / name) as store:
            for doc in order:  # different insertion order, reversed triples
                store.replace_document(doc, list(reversed(docs[doc])))
            files = store.export()
        outputs.append((files.turtle.read_bytes(), files.trig.read_bytes()))
        assert files.turtle == tmp_path / name / "graph.ttl"
    assert outputs[0] == outputs[1]

    turtle, trig = outputs[0]
    assert turtle.startswith(b"@prefix ")
    assert b"@prefix kg: <https://w3id.org/kg-zh/ontology#> ." in turtle
    assert '"枫泾镇"@zh-Hans'.encode() in turtle  # the tag keeps its case
    assert re.search(rb"\sa kg:Township [;.]", turtle) and b"kg:adminLevel 4 " in turtle
    # rdflib and Oxigraph both read the files back to exactly the same triples
    assert set(Graph().parse(data=turtle, format="turtle")) == union_of(docs)
    reread = {
        (to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object))
        for t in ox.parse(turtle, ox.RdfFormat.TURTLE)
    }
    assert reread == union_of(docs)
    dataset = Dataset()
    dataset.parse(data=trig, format="trig")
    for doc, triples in docs.items():
        assert set(dataset.graph(doc)) == set(triples)
    assert len(list(ox.parse(trig, ox.RdfFormat.TRIG))) == sum(len(set(t)) for t in docs.values())
    assert not list(tmp_path.glob("*/.graph*"))  # no temporary files left behind


def test_kept_trig_blocks_are_copied_into_the_export(
    sample_store: GraphStore, tmp_path: Path
) -> None:
    """Blocks dumped after each write give the bytes of a full dump, and are what is written."""
    plain = sample_store.export(tmp_path / "plain").trig.read_bytes()
    store = sample_store.pyoxigraph_store
    docs = [to_ox_term(doc) for doc in sample_store.document_iris()]
    with closing(TrigBlocks(tmp_path)) as blocks:
        for node in docs:
            blocks.add(node, "<stale> {\n}\n")  # replaced by the block added next
            blocks.add(node, named_graph_block(store, node))  # type: ignore[arg-type]
        assert len(blocks) == len(docs)
        assert sample_store.export(tmp_path / "kept", blocks).trig.read_bytes() == plain
        blocks.add(docs[0], "<marker> {\n}\n")  # type: ignore[arg-type]
        marked = sample_store.export(tmp_path / "marked", blocks).trig.read_bytes()
    assert b"<marker> {\n}\n" in marked and b"<stale>" not in marked
    assert marked != plain
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dump")]


def test_a_block_that_cannot_be_written_is_dumped_by_the_export(
    sample_store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = sample_store.export(tmp_path / "plain").trig.read_bytes()
    node = to_ox_term(sample_store.document_iris()[0])
    with closing(TrigBlocks(tmp_path)) as blocks:
        assert blocks.add(node, "<old> {\n}\n")  # type: ignore[arg-type]

        def disk_full(data: bytes) -> int:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(blocks._file, "write", disk_full)
        assert not blocks.add(node, "<new> {\n}\n")  # type: ignore[arg-type]
        assert blocks.get(node) is None and len(blocks) == 0  # type: ignore[arg-type]
        assert sample_store.export(tmp_path / "out", blocks).trig.read_bytes() == plain


def test_export_to_another_folder(sample_store: GraphStore, tmp_path: Path) -> None:
    files = sample_store.export(tmp_path / "out")
    assert files.turtle.parent == tmp_path / "out"
    assert files.trig.is_file()


# --------------------------------------------------------------------------- fsutil


def test_atomic_write_text_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic_write_text(target, "第一版\n")
    assert target.read_text(encoding="utf-8") == "第一版\n"
    assert target.stat().st_mode & 0o777 == 0o644
    atomic_write_text(target, "second\r\n")
    assert target.read_bytes() == b"second\r\n"
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "枫泾", encoding="ascii")
    assert target.read_bytes() == b"second\r\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]


def test_language_tags_get_their_case_back_only_after_a_closing_quote() -> None:
    text = r'<s> <p> "a"@zh-hans , "b\\"@zh-latn-pinyin , "x\"@en-us\" not a tag" .' + "\n"
    fixed = restore_language_tags(text)
    assert '"a"@zh-Hans' in fixed
    assert r'"b\\"@zh-Latn-pinyin' in fixed  # an escaped backslash, then the real quote
    assert r'"x\"@en-us\" not a tag"' in fixed  # an escaped quote inside a string is text


def test_a_graph_block_wraps_the_turtle_dump_of_one_graph() -> None:
    store = ox.Store()
    graph, subject = ox.NamedNode("http://x/g"), ox.NamedNode("http://x/a")
    kg_p, kg_q = ox.NamedNode(f"{KG}p"), ox.NamedNode(f"{KG}q")
    store.add(ox.Quad(subject, kg_p, ox.Literal("枫泾 {", language="zh-Hans"), graph))
    store.add(ox.Quad(subject, kg_q, ox.Literal("1}\n2"), graph))
    store.add(ox.Quad(subject, kg_q, ox.Literal("union only"), ox.DefaultGraph()))
    turtle = store.dump(format=ox.RdfFormat.TURTLE, from_graph=graph, prefixes={"kg": str(KG)})
    block = trig_graph_block(graph, turtle)
    assert block.startswith("<http://x/g> {\n\t<http://x/a> ") and block.endswith("\n}\n")
    assert "@prefix" not in block and "union only" not in block
    assert '"枫泾 {"@zh-Hans' in block  # the tag gets its case back
    text = prefix_header({"kg": str(KG)}) + block
    assert {(q.predicate, q.object, q.graph_name) for q in ox.parse(text, ox.RdfFormat.TRIG)} == {
        (kg_p, ox.Literal("枫泾 {", language="zh-hans"), graph),
        (kg_q, ox.Literal("1}\n2"), graph),
    }


def test_a_bad_line_fails_the_whole_write_on_both_write_paths(tmp_path: Path) -> None:
    docs = sample_documents()
    good = [ntriples_line(t) for t in docs[DOC_A]]
    injected = (
        '<http://x/a> <http://x/b> "x" } } ; DROP ALL ; INSERT DATA { GRAPH <http://x/g> '
        '{ <http://x/a> <http://x/b> "y" .'
    )
    bad_lines = [
        "<http://x/a> <http://x/b> .",  # no object
        "<http://x/a> <http://x/b> <http://x/c> <http://x/other> .",  # a quad of another graph
        injected,
    ]
    with GraphStore.open(tmp_path / "s") as store:
        store.replace_document(DOC_B, docs[DOC_B])
        before = (store.union_triples(), store.document_iris())
        for bad in bad_lines:
            # DOC_A is new (loaded as N-Quads); DOC_B exists (replaced by an update)
            for doc in (DOC_A, DOC_B):
                with pytest.raises(StoreError, match="could not write 1 document graphs"):
                    store.replace_documents([(doc, [*good, bad])])
                assert (store.union_triples(), store.document_iris()) == before
        assert store.document_triples(DOC_B) == set(docs[DOC_B])


def test_several_documents_replace_in_one_request_from_ntriples_lines(tmp_path: Path) -> None:
    docs = sample_documents()
    with GraphStore.open(tmp_path / "lines") as store:
        graphs = [(doc, [ntriples_line(t) for t in triples]) for doc, triples in docs.items()]
        assert store.replace_documents(graphs) == len(docs)
        for doc, triples in docs.items():
            assert store.document_triples(doc) == set(triples)
        assert store.union_triples() == union_of(docs)
        with pytest.raises(StoreError, match="could not write 1 document graphs"):
            store.replace_documents([(DOC_A, ["<http://x/a> <http://x/b> broken ."])])
        assert store.document_triples(DOC_A) == set(docs[DOC_A])  # untouched


def test_unchanged_graphs_are_copied_from_the_previous_trig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: an export after one new document dumps that one, and gives the same bytes."""
    import kg.store.trig as store_module

    docs = sample_documents()
    hashes = {DOC_A: "a" * 16, DOC_B: "b" * 16}
    with GraphStore.open(tmp_path / "grown") as store:
        store.replace_document(DOC_A, docs[DOC_A], meta={"content_hash": hashes[DOC_A]})
        store.export()
        store.replace_document(DOC_B, docs[DOC_B], meta={"content_hash": hashes[DOC_B]})
        dumped: list[str] = []
        real = store_module.named_graph_block
        monkeypatch.setattr(store_module, "named_graph_block",
                            lambda s, g: dumped.append(g.value) or real(s, g))
        grown = store.export().trig.read_bytes()
        assert dumped == [str(DOC_B)]
        # a changed graph (another content hash) is dumped again, never copied
        dumped.clear()
        store.replace_document(DOC_A, docs[DOC_A][:3], meta={"content_hash": "c" * 16})
        changed = store.export().trig.read_bytes()
        assert str(DOC_A) in dumped
        monkeypatch.setattr(store_module, "named_graph_block", real)
    with GraphStore.open(tmp_path / "fresh") as store:
        for doc in (DOC_B, DOC_A):
            store.replace_document(doc, docs[doc], meta={"content_hash": hashes[doc]})
        assert store.export().trig.read_bytes() == grown
        store.replace_document(DOC_A, docs[DOC_A][:3], meta={"content_hash": "c" * 16})
        assert store.export().trig.read_bytes() == changed
    # a graph.trig written by something else (same size, another time) is not copied from
    trig = tmp_path / "grown" / "graph.trig"
    assert (tmp_path / "grown" / TRIG_INDEX_FILENAME).is_file()
    time.sleep(0.01)
    trig.write_bytes(b"#" * trig.stat().st_size)
    with GraphStore.open(tmp_path / "grown") as store:
        assert store.export().trig.read_bytes() == changed
