"""Training helpers of kg.extract.ner_train: the synthetic name-run augmentation and shipping.

The corpora here are tiny hand-written stand-ins (not MSRA text), so the tests
check the construction rules: names come only from the given split, every
name is gold PER with exact offsets, and the draw is deterministic per seed.
"""

from __future__ import annotations

import random
from pathlib import Path

from kg.extract.ner import default_model_dir, load_ner_model, predict_spans
from kg.extract.ner_train import (
    Sentence,
    entity_free_contexts,
    ethnic_groups,
    name_run,
    name_run_blocks,
    name_run_share,
    person_names,
    ship_model,
    train_on_dev,
    with_name_runs,
)


def sentence(text: str, *entities: tuple[str, str]) -> Sentence:
    """A Sentence whose entities are given as (surface, label), located by ``str.find``."""
    spans = []
    for surface, label in entities:
        start = text.find(surface)
        assert start >= 0, surface
        spans.append((start, start + len(surface), label))
    return Sentence(text, tuple(sorted(spans)))


CORPUS = [
    sentence("会议由张小明主持，李华出席。", ("张小明", "PER"), ("李华", "PER")),
    sentence("王大力在北京工作。", ("王大力", "PER"), ("北京", "LOC")),
    sentence("约翰·史密斯和赵一说。", ("约翰·史密斯", "PER"), ("赵一", "PER")),
    sentence("代表中有回族、藏族、汉族和瑶族、回族、藏族群众。"),
    sentence("X教授说", ("X", "PER")),
]


def test_person_names_keeps_two_to_four_han_characters_sorted():
    assert person_names(CORPUS) == sorted(["张小明", "李华", "王大力", "赵一"])


def test_ethnic_groups_are_mined_from_enumerations_seen_twice():
    assert ethnic_groups(CORPUS) == ["藏族"]  # 回族 follows 、 only once
    assert ethnic_groups([sentence("各民族、种族、家族、回族、回族")]) == ["回族"]


def test_contexts_exclude_other_entities():
    prefixes, suffixes = entity_free_contexts(CORPUS, max_chars=4)
    assert "会议由" in prefixes
    assert "主持，" in prefixes  # cut at the end of 张小明, the entity before 李华
    assert all("张小明" not in p for p in prefixes)
    assert "在" not in suffixes  # a single character is too short to be a context
    assert all("北京" not in s for s in suffixes)


def test_name_run_labels_each_name_with_exact_offsets():
    rng = random.Random(3)
    block = name_run(
        rng, ["张三", "李四五"], ["回族"], ["名单："], ["等人"], marker_rate=0.5, context_rate=1.0
    )
    assert block.text.startswith("名单：") and block.text.endswith("等人")
    surfaces = [block.text[start:end] for start, end, _ in block.spans]
    assert 3 <= len(surfaces) <= 12
    assert set(surfaces) <= {"张三", "李四五"}
    assert {label for _, _, label in block.spans} == {"PER"}
    residue = block.text[len("名单：") : -len("等人")]
    for surface in surfaces:
        residue = residue.replace(surface, "", 1)
    assert set(residue) <= set("（女，回族）")


def test_name_run_blocks_are_deterministic_and_draw_only_from_the_split():
    first = name_run_blocks(CORPUS, 20, seed=7)
    assert first == name_run_blocks(CORPUS, 20, seed=7)
    assert first != name_run_blocks(CORPUS, 20, seed=8)
    names = set(person_names(CORPUS))
    assert len(first) == 20
    for block in first:
        assert {block.text[s:e] for s, e, _ in block.spans} <= names


def test_with_name_runs_appends_a_share_and_zero_adds_nothing():
    assert with_name_runs(CORPUS, 0.0, seed=0) == CORPUS
    augmented = with_name_runs(CORPUS, 0.4, seed=0)
    assert augmented[: len(CORPUS)] == CORPUS and len(augmented) == len(CORPUS) + 2
    assert name_run_blocks([sentence("没有人名。")], 5) == []


def test_name_run_share_reads_the_config_section(tmp_path: Path):
    config = tmp_path / "a.cfg"
    config.write_text("[nlp]\nlang = \"zh\"\n\n[kg_augment]\nname_run_share = 0.03\n")
    assert name_run_share(config) == 0.03
    config.write_text("[nlp]\nlang = \"zh\"\n")
    assert name_run_share(config) == 0.0


def test_train_on_dev_reads_the_config_section(tmp_path: Path):
    config = tmp_path / "a.cfg"
    config.write_text("[nlp]\nlang = \"zh\"\n\n[kg_augment]\ntrain_on_dev = true\n")
    assert train_on_dev(config) is True
    config.write_text("[nlp]\nlang = \"zh\"\n\n[kg_augment]\nname_run_share = 0.03\n")
    assert train_on_dev(config) is False


def test_shipping_empties_the_string_table_and_tags_the_same(tmp_path: Path):
    # Ship a copy of the shipped model whose string table is full again (as a
    # freshly trained model-best's is), then compare its tags with the original's.
    import json
    import shutil

    trained = tmp_path / "model-best"
    shutil.copytree(default_model_dir(), trained)
    strings = ["甲乙", "乙丙", *(f"feature{i}" for i in range(1000))]
    (trained / "vocab" / "strings.json").write_text(json.dumps(strings), encoding="utf-8")
    shipped = ship_model(trained, tmp_path / "ner-zh")
    assert json.loads((shipped / "vocab" / "strings.json").read_text(encoding="utf-8")) == []
    texts = ["国务院总理李强在湖南省长沙市考察。", "北京大学的学生参观了故宫博物院。"]
    original = list(predict_spans(load_ner_model(), texts))
    assert list(predict_spans(load_ner_model(shipped), texts)) == original
    assert original[0]  # the comparison is between real taggings
