"""The trained extraction components: data alignment, features, training, the shipped models.

Sentences here are written for the tests (no article text): they use invented
names shaped like the genre's (a county, a town, a company without a legal
suffix, an alliance founded by two towns).
"""

from __future__ import annotations

import pytest

from kg.extract.annotations import AnnotatedSpan, align, outermost, simplified_form
from kg.extract.relation_features import enumeration_groups, fold, label_of
from kg.extract.relation_model import load_relation_model
from kg.extract.rules.mention import Mention
from kg.extract.tagger import bio_tags, char_features, load_tagger, spans_from_tags
from kg.model import RawDocument
from kg.resources import learned_model_paths

TEXT = "江川县青禾镇与白沙镇共同组建青白党建联盟。青禾镇党委书记李明出席。"


def annotated():
    raw = RawDocument(source="test", text=TEXT)
    entities = [
        ("江川县", "District", ["江川县"]),
        ("青禾镇", "Township", ["青禾镇"]),
        ("白沙镇", "Township", ["白沙镇"]),
        ("青白党建联盟", "Alliance", ["青白党建联盟"]),
        ("青禾镇党委", "PartyOrganization", ["青禾镇党委"]),
        ("李明", "Person", ["李明"]),
    ]
    relations = [
        ("青禾镇", "memberOf", "青白党建联盟"),
        ("白沙镇", "memberOf", "青白党建联盟"),
        ("青禾镇", "cooperatesWith", "白沙镇"),
    ]
    return align("t1", raw, entities, relations)


def test_align_finds_every_occurrence_in_the_cleaned_text():
    doc = annotated()
    text = doc.clean.simplified
    found = {(text[s.start : s.end], s.cls) for s in doc.spans}
    assert ("青禾镇", "Township") in found
    assert ("青禾镇党委", "PartyOrganization") in found
    assert sum(1 for s in doc.spans if s.name == "青禾镇") == 2


def test_outermost_keeps_the_longest_of_overlapping_spans():
    spans = [AnnotatedSpan(0, 3, "Township", "a"), AnnotatedSpan(0, 5, "PartyOrganization", "b"),
             AnnotatedSpan(6, 8, "Person", "c")]
    assert [s.name for s in outermost(spans)] == ["b", "c"]


def test_annotated_forms_lose_pinyin_and_turn_simplified():
    assert simplified_form("吳江區(qū)") == "吴江区"


@pytest.mark.parametrize("spans", [[], [(0, 2, "Township")], [(1, 4, "Person"), (5, 6, "City")]])
def test_bio_tags_and_spans_round_trip(spans):
    assert spans_from_tags(bio_tags(8, spans)) == spans


def test_an_inside_tag_of_another_class_starts_a_new_span():
    assert spans_from_tags(["B-City", "I-Township", "I-Township", "O"]) == [
        (0, 1, "City"), (1, 3, "Township")]


def test_char_features_carry_context_words_and_rule_votes():
    text = "青禾镇党委"
    words, starts = ["青禾镇", "党委"], [0, 3]
    votes = [Mention(0, 3, "青禾镇", "Township", "place.gazetteer")]
    feats = char_features(text, words, starts, votes)
    assert len(feats) == len(text)
    assert "c=禾" in feats[1] and "c-1=青" in feats[1] and "c+1=镇" in feats[1]
    assert "w=青禾镇" in feats[1] and "wp=M3" in feats[1]
    assert "rc=BTownship" in feats[0] and "rr=Eplace" in feats[2]
    assert "r=0" in feats[3], "a character no rule covers says so"


def test_a_character_sees_the_head_word_that_ends_its_clause():
    # 青禾云数科技有限公司: a company named without a rule's help; its first
    # character is eight places before the head word 有限公司 ends
    text = "青禾云数科技有限公司落户，白沙镇"
    feats = char_features(text, list(text), list(range(len(text))), [])
    assert "h>=Enterprise:10" in feats[0] and "h>w=公司" in feats[0]
    assert "h>=Enterprise:1" in feats[9], "the last character of 有限公司 ends it"
    assert "h<=Enterprise" in feats[10], "落 follows the head word"
    assert not any(f.startswith("h>=") for f in feats[10] + feats[11]), "no head word ahead"
    assert "h>=Township:3" in feats[13], "a comma starts a new clause: 白沙镇 is seen from 白"
    assert "cs=1" in feats[13] and "cs=10" in feats[8]


def test_head_words_behind_a_comma_are_not_seen():
    feats = char_features("青禾，有限公司", list("青禾，有限公司"), list(range(7)), [])
    assert not any(f.startswith("h>=") for f in feats[0] + feats[1])


def test_second_words_on_either_side_are_features():
    words = ["江川县", "青禾镇", "党委", "书记"]
    text = "".join(words)
    starts = [0, 3, 6, 8]
    feats = char_features(text, words, starts, [])
    assert "wb2=^" in feats[4] and "wa2=书记" in feats[4]
    assert "wb2=江川县" in feats[6] and "wa2=$" in feats[6]


def test_quotes_are_a_feature_inside_them_only():
    feats = char_features("“青禾”品牌", ["“", "青禾", "”", "品牌"], [0, 1, 3, 4], [])
    assert "q=“" in feats[1] and "q=“" in feats[2]
    assert "q=" in feats[5]


def test_enumeration_groups_join_mentions_glued_by_list_marks():
    text = "甲镇、乙镇和丙镇签约,丁镇参加"
    ms = [Mention(0, 2, "甲镇", "Township", "x"), Mention(3, 5, "乙镇", "Township", "x"),
          Mention(6, 8, "丙镇", "Township", "x"), Mention(11, 13, "丁镇", "Township", "x")]
    groups = enumeration_groups(text, ms)
    assert [m.text for m in groups[id(ms[0])]] == ["甲镇", "乙镇", "丙镇"]
    assert id(ms[3]) not in groups


def test_fold_reads_inverse_and_symmetric_predicates_as_one():
    assert fold("会议", "organizedBy", "镇政府") == ("镇政府", "launched", "会议")
    assert fold("乙", "partnerOf", "甲") == fold("甲", "cooperatesWith", "乙")
    assert fold("乙", "partnerOf", "甲")[1] == "cooperatesWith"
    rels = {fold("乙", "memberOf", "联盟")}
    assert label_of("联盟", "乙", rels) == "memberOf<"
    assert label_of("乙", "联盟", rels) == "memberOf>"
    assert label_of("甲", "乙", rels) == "NONE"


def test_relation_examples_label_pairs_from_the_annotation():
    from kg.extract.training import oracle_pipeline, relation_examples

    examples = relation_examples(oracle_pipeline(), annotated())
    labels = sorted(y for _, y in examples if y != "NONE")
    assert labels.count("memberOf>") == 2
    assert "cooperatesWith" in labels
    rules = [f for feats, _ in examples for f in feats if f.startswith("rule=")]
    assert rules, "every pair carries the rules' vote, if only rule=none"


def test_a_tiny_model_trains_saves_loads_and_predicts(tmp_path):
    from kg.extract.training import (
        RelationSettings,
        TaggerSettings,
        oracle_pipeline,
        relation_examples,
        rule_view,
        rules_pipeline,
        train_relation_model,
        train_tagger,
    )

    doc = annotated()
    view = rule_view(rules_pipeline(), doc)
    tagger_path = train_tagger([(doc, view)] * 3, [], tmp_path / "m.crfsuite",
                               TaggerSettings(max_iterations=30))
    tagger = load_tagger(str(tagger_path))
    feats = char_features(view.text, view.words, view.starts, view.candidates)
    s, e = view.sentences[0]
    predicted = spans_from_tags(tagger.tag(feats[s:e]))
    assert (14, 20, "Alliance") in predicted  # 青白党建联盟, learnt from three copies
    examples = relation_examples(oracle_pipeline(), doc)
    model = train_relation_model([examples] * 3, [], tmp_path / "r.npz",
                                 RelationSettings(c=10.0, min_count=1))
    loaded = load_relation_model(str(tmp_path / "r.npz"))
    assert loaded.labels == model.labels
    probs = loaded.probabilities([f for f, _ in examples])
    best = [loaded.labels[int(row.argmax())] for row in probs]
    assert best == [y for _, y in examples]


# --- the shipped models ----------------------------------------------------------------

def test_the_trained_models_ship_with_the_package():
    missing = [str(p) for p in learned_model_paths() if not p.is_file()]
    assert not missing, f"run `make train`: {missing}"


def test_shipped_models_are_within_the_size_budget():
    from kg.resources import models_dir

    total = sum(p.stat().st_size for p in models_dir().rglob("*") if p.is_file())
    assert total <= 60 * 2**20


def test_the_shipped_pipeline_finds_an_unsuffixed_company_and_an_alliance():
    from kg.extract.pipeline import build_pipeline, extract_document
    from kg.read.clean import clean_document

    text = ("近日,江川县青禾镇与白沙镇共同组建“青白同心”党建联盟。"
            "青禾镇党委与禾丰农业签订结对共建协议,双方将在产业发展方面深化合作。")
    nlp = build_pipeline(use_learned=True)
    ex = extract_document(clean_document(RawDocument(source="t", text=text)), nlp)
    labels = {e.label: e.cls for e in ex.entities.values()}
    assert labels.get("禾丰农业") == "Enterprise", labels
    alliances = [k for k, e in ex.entities.items() if e.cls == "Alliance"]
    assert alliances, labels
    members = {ex.entities[r.subject].label for r in ex.relations
               if r.predicate == "memberOf" and r.object in alliances}
    assert {"青禾镇", "白沙镇"} <= members, [(r.subject, r.predicate, r.object)
                                          for r in ex.relations]


def test_the_tagger_keeps_an_alliance_named_by_its_suffix():
    """The tagger vetoes guessed names only: an unquoted …党建联盟 the rules found stays."""
    from kg.extract.pipeline import build_pipeline, extract_document
    from kg.read.clean import clean_document

    text = "青溪镇、白沙镇、柳塘镇共同组建环湖党建联盟。联盟将定期开展活动。"
    nlp = build_pipeline(use_learned=True, use_relation_model=False)
    ex = extract_document(clean_document(RawDocument(source="t", text=text)), nlp)
    labels = {e.label: e.cls for e in ex.entities.values()}
    assert labels.get("环湖党建联盟") == "Alliance", labels
    members = {ex.entities[r.subject].label for r in ex.relations if r.predicate == "memberOf"}
    assert members == {"青溪镇", "白沙镇", "柳塘镇"}


def crf_attributes(model, dump) -> set[str]:
    """The feature strings a crfsuite model knows, read from its text dump."""
    load_tagger(str(model)).dump(str(dump))
    lines = dump.read_text(encoding="utf-8", errors="replace").splitlines()
    start = lines.index("ATTRIBUTES = {") + 1
    end = lines.index("}", start)
    return {line.split(": ", 1)[1] for line in lines[start:end] if ": " in line}


def test_the_shipped_models_know_the_features_the_code_makes(tmp_path):
    """A change to the feature strings without retraining leaves the models blind: caught here."""
    from kg.extract.pipeline import prepared_doc
    from kg.extract.relation_model import doc_candidates, doc_featurizer, relation_model_path
    from kg.extract.tagger import tagger_model_path
    from kg.extract.training import rules_pipeline
    from kg.read.clean import clean_document

    text = "江川县青禾镇党委与白沙镇党委签订党建联盟协议,共同推动乡村振兴。"
    nlp = rules_pipeline()
    sdoc = prepared_doc(nlp, clean_document(RawDocument(source="t", text=text)))
    for _, pipe in nlp.pipeline:
        sdoc = pipe(sdoc)
    words = sdoc.user_data["kg_doc_jieba_words"]
    from kg.extract.tokenizer import word_starts

    feats = char_features(text, words, word_starts(words), sdoc._.kg_candidates)
    known = crf_attributes(tagger_model_path(), tmp_path / "dump.txt")
    made = {f for row in feats for f in row}
    assert len(made & known) / len(made) > 0.6
    model = load_relation_model(str(relation_model_path()))
    pair_feats = {f for c in doc_candidates(sdoc) for f in doc_featurizer(sdoc).features(c)}
    assert pair_feats and len(pair_feats & set(model.features)) / len(pair_feats) > 0.5


def test_trigger_families_are_found_as_a_scan_of_every_word_would_find_them():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg.extract.relation_features import TRIGGER_FAMILIES, trigger_families_in

    words = sorted({w for _, ws in TRIGGER_FAMILIES for w in ws}) + ["镇", "与", "共同", "签"]

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(words), max_size=8))
    def check(parts):
        text = "".join(parts)
        expected = [name for name, ws in TRIGGER_FAMILIES if any(w in text for w in ws)]
        assert trigger_families_in(text) == expected

    check()


def test_a_predicted_span_loses_the_symbols_at_its_edges() -> None:
    from kg.extract.tagger import trimmed

    text = "■吴中日报讯、“太湖之心”、"
    assert text[slice(*trimmed(text, 0, 5))] == "吴中日报"
    assert text[slice(*trimmed(text, 7, 14))] == "“太湖之心”"  # quotes are part of a name
    counted = "打造1条太湖生态党建联盟"
    assert counted[slice(*trimmed(counted, 2, len(counted)))] == "太湖生态党建联盟"


def test_a_learned_span_cut_before_a_townships_level_word_is_completed() -> None:
    from kg.extract.gazetteer import get_gazetteer
    from kg.extract.learned_spans import division_completed

    # a real township of Guizhou (official list); the tagger stopped before 乡
    text = "来到花溪区黔陶布依族苗族乡开展交流"
    cut = Mention(5, 12, text[5:12], "MassOrganization", "model.MassOrganization", certain=False)
    done = division_completed(cut, text, get_gazetteer())
    assert (done.text, done.cls, done.end) == ("黔陶布依族苗族乡", "Township", 13)
    # a span that is no division stays as it was
    other = Mention(0, 4, text[0:4], "Project", "model.Project", certain=False)
    assert division_completed(other, text, get_gazetteer()) is other


def test_a_learned_span_that_swallows_a_lists_count_gives_way() -> None:
    from kg.extract.learned_spans import prefer_learned

    text = "甲山、乙水、丙坪三村"
    counted = [Mention(0, 2, "甲山", "Village", "place.counted"),
               Mention(3, 5, "乙水", "Village", "place.counted"),
               Mention(6, 8, "丙坪", "Village", "place.counted")]
    swallowing = Mention(6, 10, text[6:10], "Village", "place.model", certain=False)
    inside = Mention(3, 5, text[3:5], "Village", "place.model", certain=False)
    kept = prefer_learned([*counted, swallowing, inside])
    assert swallowing not in kept and inside in kept and all(c in kept for c in counted)


def test_an_event_in_no_relation_is_left_out() -> None:
    from kg.extract.pipeline import without_bare_events
    from kg.model import Entity, Relation, Span

    entities = {
        "e1": Entity("e1", "Event", "吴中论坛开幕式"),
        "e2": Entity("e2", "Event", "太湖文化节"),
        "v": Entity("v", "Venue", "吴中会展中心"),
    }
    held = Relation("e2", "heldIn", "v", 0, Span(0, 5, "太湖文化节"), "test")
    kept = without_bare_events(entities, [held])
    assert set(kept) == {"e2", "v"}
