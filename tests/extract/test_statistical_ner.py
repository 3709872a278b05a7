"""The shipped NER model and the corpus/scoring helpers around it.

The model tests use sentences written for this file (not taken from MSRA), so
they check that the model generalises to plain news prose rather than that it
remembers its training data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import ModelError
from kg.extract.ner import (
    bio_to_spans,
    default_model_dir,
    fold_width,
    lexicon_sets,
    load_ner_model,
    predict_spans,
    word_positions,
)
from kg.extract.ner_train import (
    Sentence,
    parse_bio_blocks,
    parse_sighan_line,
    score_spans,
    sentence_to_doc,
    split_train_dev,
)


@pytest.fixture(scope="module")
def nlp():
    return load_ner_model()


def entities(nlp, text: str) -> set[tuple[str, str]]:
    (spans,) = predict_spans(nlp, [text])
    return {(text[start:end], label) for start, end, label in spans}


# --- the shipped model ---------------------------------------------------------------


def test_shipped_model_is_small_and_loadable():
    size = sum(f.stat().st_size for f in default_model_dir().rglob("*") if f.is_file())
    assert size <= 30 * 1024 * 1024
    assert load_ner_model() is load_ner_model()  # cached per process


def test_tags_person_province_city_and_organisation(nlp):
    found = entities(nlp, "国务院总理李强在湖南省长沙市考察。")
    assert found == {("国务院", "ORG"), ("李强", "PER"), ("湖南省", "LOC"), ("长沙市", "LOC")}


def test_tags_organisations(nlp):
    found = entities(nlp, "北京大学的学生参观了故宫博物院。")
    assert found == {("北京大学", "ORG"), ("故宫博物院", "ORG")}


def test_tags_several_people_and_places(nlp):
    text = "王丽华和刘志强一起从北京出发，前往四川省成都市参加会议。"
    found = entities(nlp, text)
    assert {("王丽华", "PER"), ("刘志强", "PER"), ("北京", "LOC"), ("成都市", "LOC")} <= found


def test_plain_sentence_has_no_entities(nlp):
    assert entities(nlp, "今天天气很好，我们一起去散步吧。") == set()


def test_offsets_refer_to_the_callers_text(nlp):
    # Full-width digits and a leading space must not shift the offsets.
    text = " １９９８年，李明在上海市工作。"
    (spans,) = predict_spans(nlp, [text])
    assert all(0 <= s < e <= len(text) for s, e, _ in spans)
    assert ("李明", "PER") in {(text[s:e], label) for s, e, label in spans}
    assert ("上海市", "LOC") in {(text[s:e], label) for s, e, label in spans}


def test_predict_spans_keeps_order_and_handles_empty_text(nlp):
    texts = ["", "李明在上海市工作。", "今天下雨。"]
    results = list(predict_spans(nlp, texts))
    assert len(results) == 3
    assert results[0] == []
    assert results[1]


def test_missing_model_raises_model_error(tmp_path: Path):
    with pytest.raises(ModelError, match="not found"):
        load_ner_model(tmp_path / "no-such-model")


# --- span conversion and scoring -----------------------------------------------------


def test_bio_to_spans_reads_orphan_inside_tags_as_begin():
    tags = ["I-PER", "I-PER", "O", "B-LOC", "I-LOC", "I-ORG", "B-PER", "B-PER"]
    assert bio_to_spans(tags) == [
        (0, 2, "PER"),
        (3, 5, "LOC"),
        (5, 6, "ORG"),
        (6, 7, "PER"),
        (7, 8, "PER"),
    ]


def test_parse_bio_blocks_gives_character_offsets():
    content = "李 B-PER\n明 I-PER\n在 O\n京 B-LOC\n\n局 I-ORG\n长 O\n\n"
    blocks = list(parse_bio_blocks(content))
    assert blocks == [
        Sentence("李明在京", ((0, 2, "PER"), (3, 4, "LOC"))),
        Sentence("局长", ((0, 1, "ORG"),)),
    ]


def test_parse_sighan_line_folds_digits_and_maps_tags():
    sentence = parse_sighan_line("１９９８年/o 江泽民/nr 在/o 北京/ns 会见/o 新华社/nt 记者/o ")
    assert sentence.text == "1998年江泽民在北京会见新华社记者"
    assert sentence.spans == ((5, 8, "PER"), (9, 11, "LOC"), (13, 16, "ORG"))


def test_fold_width_keeps_length():
    text = "２０２４年ＡＢＣ，中文"
    assert fold_width(text) == "2024年ABC,中文"
    assert len(fold_width(text)) == len(text)


def test_word_positions_mark_place_and_tag_per_character():
    tags = {"湖南省": "ns", "在": "p"}
    features = word_positions(["在", "湖南省", "张三丰"], tags)
    assert features == [
        ("S-p", "在"),
        ("B-ns", "湖南省"),
        ("I-ns", "湖南省"),
        ("E-ns", "湖南省"),
        ("B-x", "张三丰"),
        ("I-x", "张三丰"),
        ("E-x", "张三丰"),
    ]


def test_lexicon_sets_list_every_dictionary_word_covering_a_character():
    # 苏州工业园区 as one organisation word and, overlapping it, the place 苏州
    # and the noun 工业: every covering word counts, not only a best path.
    text = "在苏州工业园区"
    dag = {0: [0], 1: [1, 2, 6], 2: [2], 3: [3, 4], 4: [4], 5: [5], 6: [6]}
    tags = {"苏州": "ns", "苏州工业园区": "nt", "工业": "n"}
    features = lexicon_sets(text, dag, tags)
    assert features[0] == ("B:-|E:-", "M=-")
    assert features[1] == ("B:L2.O5|E:-", "M=-")  # lengths above five share one bucket
    assert features[2] == ("B:-|E:L2", "M=O5")
    assert features[3] == ("B:N2|E:-", "M=O5")
    assert features[6] == ("B:-|E:O5", "M=-")


def test_lexicon_sets_mark_words_unknown_to_the_tag_table_as_other():
    features = lexicon_sets("甲乙丙", {0: [0, 2], 1: [1], 2: [2]}, {})
    assert features == [("B:W3|E:-", "M=-"), ("B:-|E:-", "M=W3"), ("B:-|E:W3", "M=-")]


def test_lexicon_component_reads_the_jieba_dictionary():
    import spacy

    nlp = spacy.blank("zh")
    nlp.add_pipe("kg_lexicon_sets")
    doc = nlp("我在湖南省工作")
    assert [token.text for token in doc][:3] == ["我", "在", "湖"]
    by_text = {token.text: (token.dep_, str(token.morph)) for token in doc}
    assert "L" in by_text["湖"][0].split("|")[0]  # a place word begins at 湖
    assert by_text["南"][1] != "M=-"  # and 南 sits inside one
    assert all(not token.is_sent_start or token.i == 0 for token in doc)


def test_shipped_pipeline_features_follow_character_offsets(nlp):
    # The word features are looked up by character offset, so spaces that spaCy
    # folds into the previous token's whitespace must not shift them.
    assert "kg_jieba_words" in nlp.pipe_names
    doc = nlp(" 我在 湖南省工作")
    lemmas = {token.text: token.lemma_ for token in doc}
    assert lemmas["湖"].startswith("B-") and lemmas["省"].startswith("E-")
    assert doc[len(doc) - 1].tag_ == "工作"
    # the lexicon features too: a place word of three characters begins at 湖
    assert "kg_lexicon_sets" in nlp.pipe_names
    boundary = {token.text: token.dep_ for token in doc}
    assert "L3" in boundary["湖"].split("|")[0]


def test_split_is_deterministic_every_tenth_block():
    blocks = [Sentence(str(i), ()) for i in range(25)]
    train, dev = split_train_dev(blocks)
    assert [s.text for s in dev] == ["9", "19"]
    assert len(train) == 23


def test_sentence_to_doc_marks_misaligned_entities_missing():
    import spacy

    nlp = spacy.blank("xx")  # whitespace tokens, so "AB" cannot hold an entity of "B" alone
    doc = sentence_to_doc(nlp, Sentence("AB C", ((1, 2, "PER"), (3, 4, "LOC"))))
    assert [(e.text, e.label_) for e in doc.ents] == [("C", "LOC")]
    assert [t.ent_iob_ for t in doc] == ["", "B"]
    assert [t.tag_ for t in doc] == ["", "B-LOC"]


def test_score_spans_counts_exact_matches_only():
    gold = [[(0, 2, "PER"), (3, 5, "LOC")]]
    predicted = [[(0, 2, "PER"), (3, 4, "LOC"), (6, 8, "ORG")]]
    scores = score_spans(gold, predicted)
    assert scores["micro"]["tp"] == 1 and scores["micro"]["fp"] == 2 and scores["micro"]["fn"] == 1
    assert scores["PER"]["f1"] == 1.0
    assert scores["LOC"]["f1"] == 0.0
    assert scores["micro"]["p"] == pytest.approx(1 / 3)
