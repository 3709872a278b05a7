"""Documents extracted together give what each gives alone, and one bad one fails alone.

The articles were written for these tests (invented people, companies and
platforms in real places of other provinces than the seed's).
"""

from __future__ import annotations

import pytest

import kg.graph.processed
from kg.extract import pipeline, statistical
from kg.extract.pipeline import default_pipeline, extract_document, extract_documents
from kg.graph.processed import ProcessedDocument, process_documents
from kg.graph.runners import BATCH_SIZE, run_local
from kg.model import CleanDocument, Failure, RawDocument
from kg.read.clean import clean_document

ARTICLES = [
    "江苏省苏州市吴中区木渎镇党委书记张建国表示，木渎镇将与胥口镇共建“太湖红帆”党建品牌。",
    "浙江省杭州市萧山区瓜沥镇召开大会。镇长陈立新说，瓜沥镇引进了远航科技有限公司。",
    "记者王海峰报道：嘉善县西塘镇与如皋市签约，周文斌出席签约仪式并讲话。",
    "没有人名也没有地名的一句话。",
    "罗晓燕介绍，萧山区瓜沥镇数字产业园已落地企业二十余家，木渎镇的“邻里汇”平台同步上线。",
]


def cleaned(texts: list[str]) -> list[CleanDocument]:
    return [
        clean_document(RawDocument(source=f"{n}.txt", text=text)) for n, text in enumerate(texts)
    ]


def summary(ex) -> tuple:  # type: ignore[no-untyped-def]
    entities = sorted(
        (key, e.label, e.cls, sorted((s.start, s.end, rule) for s, rule in e.mentions))
        for key, e in ex.entities.items()
    )
    relations = sorted((r.subject, r.predicate, r.object, r.evidence.start) for r in ex.relations)
    return entities, relations, [(s.start, s.end) for s in ex.sentences]


def test_extracting_together_equals_extracting_alone() -> None:
    docs = cleaned(ARTICLES)
    together = extract_documents(docs)
    alone = [extract_document(doc) for doc in docs]
    assert [summary(ex) for ex in together] == [summary(ex) for ex in alone]
    assert any(e.cls == "Person" for ex in together for e in ex.entities.values())


def test_the_ner_reads_a_batch_as_each_document_alone() -> None:
    """StatisticalNer.pipe adds the same candidates as calling it on each document."""
    nlp = default_pipeline(use_model=True, use_learned=False)  # the NER's own proposals
    ner = nlp.get_pipe("kg_statistical_ner")
    assert isinstance(ner, statistical.StatisticalNer)
    before = nlp.pipeline[: nlp.pipe_names.index("kg_statistical_ner")]

    def prepared(text: str):  # type: ignore[no-untyped-def]
        doc = nlp.make_doc(text)
        for _, proc in before:
            doc = proc(doc)
        return doc

    alone = [ner(prepared(text))._.kg_candidates for text in ARTICLES]
    together = [doc._.kg_candidates for doc in ner.pipe([prepared(t) for t in ARTICLES], 3)]
    assert together == alone
    assert any(m.rule.startswith("ner.") for found in alone for m in found)


def test_one_failing_document_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document that breaks the extraction fails with its own source; the rest are kept."""
    docs = cleaned(ARTICLES)
    original = pipeline._add_metadata_entities

    def breaks_on_one(doc, entities):  # type: ignore[no-untyped-def]
        if "签约仪式" in doc.simplified:
            raise RuntimeError("a component broke")
        return original(doc, entities)

    monkeypatch.setattr(pipeline, "_add_metadata_entities", breaks_on_one)
    with pytest.raises(RuntimeError):
        extract_documents(docs)  # together, the batch fails as a whole …
    results = process_documents(docs)  # … so the build retries each document alone
    assert [r.source for r in results] == [d.source for d in docs]
    failed = [r for r in results if isinstance(r, Failure)]
    assert [(f.source, f.problem) for f in failed] == [
        ("2.txt", "extraction failed (RuntimeError: a component broke)")
    ]
    assert all(isinstance(r, ProcessedDocument) and r.lines for r in results if r not in failed)


def test_a_graph_error_fails_only_its_document(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = cleaned(ARTICLES[:3])
    original = kg.graph.processed.document_lines

    def lines(ex):  # type: ignore[no-untyped-def]
        if ex.doc.source == "1.txt":
            raise ValueError("no graph for this one")
        return original(ex)

    monkeypatch.setattr(kg.graph.processed, "document_lines", lines)
    results = process_documents(docs)
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["ProcessedDocument", "Failure", "ProcessedDocument"]
    assert "no graph for this one" in results[1].problem  # type: ignore[union-attr]


def test_run_local_keeps_input_order_across_batches() -> None:
    texts = [f"{ARTICLES[n % len(ARTICLES)]}第{n}号。" for n in range(BATCH_SIZE + 3)]
    docs = cleaned(texts)
    results = list(run_local(iter(docs), workers=1))
    assert [r.source for r in results] == [d.source for d in docs]
    assert all(isinstance(r, ProcessedDocument) for r in results)


def test_batches_stop_at_a_number_of_documents_or_of_characters() -> None:
    """A batch is held in memory whole: long documents make shorter batches."""
    from kg.graph.runners import in_batches

    lengths = [10, 10, 10, 10, 10, 95, 10, 200, 10, 10]
    docs = cleaned(["木" * n for n in lengths])
    batches = list(in_batches(iter(docs), size=4, max_chars=100))
    assert [[len(d.text) for d in batch] for batch in batches] == [
        [10, 10, 10, 10],  # four documents
        [10, 95],  # 105 characters
        [10, 200],  # a long document ends its batch
        [10, 10],
    ]
    assert [d for batch in batches for d in batch] == docs
