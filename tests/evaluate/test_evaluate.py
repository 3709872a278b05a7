"""The scorer against hand-built graphs, and against perfect graphs of the real references.

The small reference below uses names of the seed article (allowed in tests). The
perfect-graph tests read the references from ``../shared/eval`` and check the
reading of the scoring rules: a graph holding exactly the reference must score
1.0 everywhere, with or without the optional items.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import RDF, RDFS, SKOS, Dataset, Graph, Literal, Namespace, URIRef

from kg.base.vocab import KG
from kg.errors import KgError
from kg.evaluate.score import (
    Counts,
    DocScore,
    EvaluationError,
    Gold,
    evaluate_folder,
    format_report,
    load_gold,
    micro_average,
    parse_gold,
    score_graph,
)
from kg.read.normalise import normalise_name

REPO = Path(__file__).resolve().parents[2]
SHARED_EVAL = REPO.parent / "shared" / "eval"
REAL_GOLD_NAMES = ["seed"] + sorted(
    path.name.removesuffix(".gold.json") for path in (SHARED_EVAL / "dev").glob("d*.gold.json"))
EX = Namespace("https://example.org/test/")

SMALL_GOLD = {
    "document": "small.txt",
    "entities": [
        {"canonical": "上海市", "surface": "上海", "aliases": ["沪"],
         "types": ["City", "Province"]},
        {"canonical": "金山区", "surface": "金山區", "types": ["District"]},
        {"canonical": "枫泾镇", "surface": "楓涇鎮", "types": ["Township"]},
        {"canonical": "新埭镇", "surface": "新埭鎮", "types": ["Township"]},
        {"canonical": "长三角产业集群联盟", "surface": "長三角產業集群聯盟", "types": ["Alliance"]},
        {"canonical": "金山区社工委", "surface": "區社工委",
         "types": ["PartyOrganization", "GovernmentBody"]},
        {"canonical": "暖“新”行动服务平台", "surface": "暖“新”行動服務平臺",
         "types": ["Project", "PartyBrand"]},
        {"canonical": "金山区“两新”组织党建创新项目评审会", "types": ["Event"], "core": False},
    ],
    "relations": [
        {"subject": "枫泾镇", "predicate": "locatedIn", "object": "金山区", "source": "text"},
        {"subject": "金山区", "predicate": "locatedIn", "object": "上海市", "source": "gazetteer"},
        {"subject": "枫泾镇", "predicate": "cooperatesWith", "object": "新埭镇", "source": "text"},
        {"subject": "枫泾镇", "predicate": "memberOf", "object": "长三角产业集群联盟",
         "source": "text"},
        {"subject": "暖“新”行动服务平台", "predicate": "organizedBy", "object": "金山区社工委",
         "source": "text"},
        {"subject": "金山区“两新”组织党建创新项目评审会", "predicate": "heldIn",
         "object": "枫泾镇", "source": "text", "core": False},
    ],
}
CORE_ENTITIES = 7
CORE_RELATIONS = 4


@pytest.fixture
def small_gold() -> Gold:
    return parse_gold(SMALL_GOLD, Path("small.gold.json"))


def node(name: str) -> URIRef:
    return EX[quote(name)]


def add_entity(graph: Graph, label: str, cls: str, lang: str = "zh-Hans",
               predicate: URIRef = RDFS.label) -> URIRef:
    subject = node(label)
    graph.add((subject, RDF.type, KG[cls]))
    graph.add((subject, predicate, Literal(label, lang=lang)))
    return subject


def link(graph: Graph, subject: str, predicate: str, obj: str) -> None:
    graph.add((node(subject), KG[predicate], node(obj)))


def perfect_graph(gold: Gold, core_only: bool) -> Graph:
    """Each entity typed with its first type and labelled with its canonical name."""
    graph = Graph()
    for entity in gold.entities:
        if entity.core or not core_only:
            add_entity(graph, entity.canonical, entity.types[0])
    for relation in gold.relations:
        if relation.required or not core_only:
            link(graph, relation.subject, relation.predicate, relation.object)
    return graph


def all_f1(score: DocScore) -> list[float]:
    return [score.entities_typed.f1, score.entities_relaxed.f1,
            score.relations_strict.f1, score.relations_relaxed.f1]


def core_places(gold: Gold, drop: str = "") -> Graph:
    """The small gold's core entities, typed with their first type, without relations."""
    graph = Graph()
    for entity in gold.entities:
        if entity.core and entity.canonical != drop:
            add_entity(graph, entity.canonical, entity.types[0])
    return graph


# --- names -------------------------------------------------------------------


@pytest.mark.parametrize(("written", "expected"), [
    ("楓涇鎮", "枫泾镇"),
    ("暖“新”行動服務平臺", "暖新行动服务平台"),
    ("  BAY客廳\u3000", "bay客厅"),
    ("ＢＡＹ客厅", "bay客厅"),                      # full-width letters (NFKC)
    ("数字（福建）安溪产业园", "数字福建安溪产业园"),  # full-width brackets
    ("《金山报》", "金山报"),
    ("「鄰里新事」", "邻里新事"),
])
def test_names_compare_as_the_scoring_rule_says(written: str, expected: str) -> None:
    assert normalise_name(written) == expected


# --- entities ----------------------------------------------------------------


def test_perfect_small_graph_scores_one(small_gold: Gold) -> None:
    score = score_graph(small_gold, perfect_graph(small_gold, core_only=False))
    assert all_f1(score) == [1.0, 1.0, 1.0, 1.0]
    assert score.entities_typed == Counts(correct=CORE_ENTITIES, spurious=0, optional=1,
                                          found=CORE_ENTITIES, required=CORE_ENTITIES)
    assert score.relations_strict.found == score.relations_strict.required == CORE_RELATIONS
    assert not (score.missed_entities or score.spurious_entities
                or score.missed_relations or score.spurious_relations)


def test_traditional_label_matches_simplified_reference(small_gold: Gold) -> None:
    graph = Graph()
    add_entity(graph, "楓涇鎮", "Township", lang="zh-Hant", predicate=SKOS.altLabel)
    score = score_graph(small_gold, graph)
    assert score.entities_typed.correct == 1
    assert score.entities_typed.found == 1
    assert "枫泾镇 [Township]" not in score.missed_entities


def test_alias_and_surface_match(small_gold: Gold) -> None:
    graph = Graph()
    add_entity(graph, "沪", "City")              # an alias
    add_entity(graph, "區社工委", "PartyOrganization")  # the surface form
    score = score_graph(small_gold, graph)
    assert (score.entities_typed.correct, score.entities_typed.found) == (2, 2)


@pytest.mark.parametrize(("label", "cls"), [
    ("枫泾镇", "Subdistrict"), ("金山区", "County"), ("上海市", "Province"),
])
def test_equivalent_classes_match(small_gold: Gold, label: str, cls: str) -> None:
    graph = Graph()
    add_entity(graph, label, cls)
    score = score_graph(small_gold, graph)
    assert (score.entities_typed.correct, score.entities_typed.spurious) == (1, 0)


def test_wrong_class_counts_only_in_relaxed_scoring(small_gold: Gold) -> None:
    graph = Graph()
    add_entity(graph, "枫泾镇", "Enterprise")
    score = score_graph(small_gold, graph)
    assert (score.entities_typed.correct, score.entities_typed.spurious) == (0, 1)
    assert (score.entities_relaxed.correct, score.entities_relaxed.spurious) == (1, 0)
    assert score.entities_relaxed.found == 1 and score.entities_typed.found == 0
    assert "枫泾镇 [Township] (found as Enterprise)" in score.missed_entities
    assert "枫泾镇 [Enterprise] (name of 枫泾镇)" in score.spurious_entities


def test_optional_entity_is_not_an_error_but_unknown_one_is(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    add_entity(graph, "金山区“两新”组织党建创新项目评审会", "Event")
    score = score_graph(small_gold, graph)
    assert score.entities_typed.precision == 1.0
    assert score.entities_typed.optional == 1

    add_entity(graph, "松江区", "District")
    score = score_graph(small_gold, graph)
    assert score.entities_typed.precision == pytest.approx(CORE_ENTITIES / (CORE_ENTITIES + 1))
    assert score.spurious_entities == ["松江区 [District]"]


def test_optional_entity_with_wrong_class_is_an_error(small_gold: Gold) -> None:
    graph = Graph()
    add_entity(graph, "金山区“两新”组织党建创新项目评审会", "Project")
    score = score_graph(small_gold, graph)
    assert score.entities_typed.spurious == 1
    assert score.entities_relaxed.optional == 1


def test_missed_core_entity_lowers_recall(small_gold: Gold) -> None:
    score = score_graph(small_gold, core_places(small_gold, drop="新埭镇"))
    assert score.entities_typed.recall == pytest.approx((CORE_ENTITIES - 1) / CORE_ENTITIES)
    assert score.missed_entities == ["新埭镇 [Township]"]


def test_untyped_and_unlisted_classes_are_not_entities(small_gold: Gold) -> None:
    graph = Graph()
    graph.add((EX.a, RDFS.label, Literal("枫泾镇")))              # no type at all
    graph.add((EX.b, RDF.type, KG.Mention))
    graph.add((EX.b, RDFS.label, Literal("新埭镇")))              # not a contract class
    score = score_graph(small_gold, graph)
    assert score.entities_typed.correct + score.entities_typed.spurious == 0
    assert score.entities_typed.found == 0


def test_entities_in_named_graphs_of_a_dataset_are_read(small_gold: Gold) -> None:
    dataset = Dataset()
    named = dataset.graph(EX.doc)
    add_entity(named, "枫泾镇", "Township")
    add_entity(named, "金山区", "District")
    link(named, "枫泾镇", "locatedIn", "金山区")
    score = score_graph(small_gold, dataset)
    assert score.entities_typed.found == 2
    assert score.relations_strict.found == 1


# --- relations ---------------------------------------------------------------


def test_cooperates_with_is_symmetric(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "新埭镇", "cooperatesWith", "枫泾镇")
    score = score_graph(small_gold, graph)
    assert (score.relations_strict.correct, score.relations_strict.found) == (1, 1)


def test_both_directions_of_a_symmetric_link_are_one_fact(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "新埭镇", "cooperatesWith", "枫泾镇")
    link(graph, "枫泾镇", "cooperatesWith", "新埭镇")
    assert score_graph(small_gold, graph).relations_strict.correct == 1


def test_partner_of_is_read_as_cooperates_with(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "新埭镇", "partnerOf", "枫泾镇")
    score = score_graph(small_gold, graph)
    assert (score.relations_strict.correct, score.relations_strict.found) == (1, 1)
    assert score.by_predicate["cooperatesWith"].found == 1


def test_scores_are_broken_down_by_class_and_predicate(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "枫泾镇", "locatedIn", "金山区")
    link(graph, "长三角产业集群联盟", "memberOf", "枫泾镇")
    totals = micro_average([score_graph(small_gold, graph)] * 2)
    assert totals.by_predicate["locatedIn"] == Counts(correct=2, found=2, required=2)
    assert totals.by_predicate["memberOf"].spurious == 2
    assert totals.by_class["Township"].required == 4
    assert totals.by_class["Alliance"].found == 2
    assert totals.by_class["Alliance"].correct == 2
    graph = core_places(small_gold, drop="长三角产业集群联盟")
    alone = score_graph(small_gold, graph)
    assert (alone.by_class["Alliance"].found, alone.by_class["Alliance"].required) == (0, 1)


def test_other_predicates_keep_their_direction(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "长三角产业集群联盟", "memberOf", "枫泾镇")
    score = score_graph(small_gold, graph)
    assert (score.relations_strict.correct, score.relations_strict.spurious) == (0, 1)
    assert score.spurious_relations == ["长三角产业集群联盟 memberOf 枫泾镇"]
    assert "枫泾镇 memberOf 长三角产业集群联盟 (linked otherwise)" in score.missed_relations


def test_located_in_transitive_closure_is_accepted(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "枫泾镇", "locatedIn", "上海市")      # via 金山区 (a gazetteer link)
    score = score_graph(small_gold, graph)
    assert score.relations_strict.spurious == 0
    assert score.relations_strict.optional == 1
    assert score.relations_strict.found == 0         # the stated link is still missing

    link(graph, "上海市", "locatedIn", "枫泾镇")      # the closure has no reverse
    assert score_graph(small_gold, graph).relations_strict.spurious == 1


def test_gazetteer_relation_is_optional(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "金山区", "locatedIn", "上海市")
    score = score_graph(small_gold, graph)
    assert score.relations_strict == Counts(correct=0, spurious=0, optional=1,
                                            found=0, required=CORE_RELATIONS)


@pytest.mark.parametrize("predicate", ["launched", "organizedBy", "publishedBy"])
def test_launched_is_the_inverse_of_organized_by(small_gold: Gold, predicate: str) -> None:
    graph = core_places(small_gold)
    agent, thing = "金山区社工委", "暖“新”行动服务平台"
    if predicate == "launched":
        link(graph, agent, predicate, thing)
    else:
        link(graph, thing, predicate, agent)
    score = score_graph(small_gold, graph)
    assert (score.relations_strict.correct, score.relations_strict.found) == (1, 1)


def test_relation_misses_are_written_as_reference_and_graph_write_them(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "金山区社工委", "organizedBy", "暖“新”行动服务平台")   # reversed
    score = score_graph(small_gold, graph)
    assert score.spurious_relations == ["金山区社工委 organizedBy 暖“新”行动服务平台"]
    assert ("暖“新”行动服务平台 organizedBy 金山区社工委 (linked otherwise)"
            in score.missed_relations)
    assert score.relations_relaxed.correct == 1


def test_relation_endpoints_match_by_traditional_label(small_gold: Gold) -> None:
    graph = Graph()
    add_entity(graph, "楓涇鎮", "Township", lang="zh-Hant")
    add_entity(graph, "金山區", "District", lang="zh-Hant")
    link(graph, "楓涇鎮", "locatedIn", "金山區")
    assert score_graph(small_gold, graph).relations_strict.found == 1


def test_relaxed_scoring_ignores_predicate_and_direction(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    link(graph, "金山区", "locatedIn", "枫泾镇")              # reversed
    link(graph, "枫泾镇", "brandOf", "长三角产业集群联盟")      # wrong predicate
    link(graph, "新埭镇", "memberOf", "长三角产业集群联盟")     # no link between them
    score = score_graph(small_gold, graph)
    assert score.relations_strict == Counts(correct=0, spurious=3, optional=0,
                                            found=0, required=CORE_RELATIONS)
    assert score.relations_relaxed == Counts(correct=2, spurious=1, optional=0,
                                             found=2, required=CORE_RELATIONS)


def test_relations_to_non_entities_are_ignored(small_gold: Gold) -> None:
    graph = core_places(small_gold)
    graph.add((node("枫泾镇"), KG.locatedIn, EX.unknown))
    graph.add((node("枫泾镇"), RDFS.seeAlso, node("金山区")))
    score = score_graph(small_gold, graph)
    assert score.relations_strict.correct + score.relations_strict.spurious == 0


# --- totals and report -------------------------------------------------------


def test_micro_average_sums_counts_before_dividing() -> None:
    small = DocScore(entities_typed=Counts(correct=1, spurious=0, found=1, required=1))
    large = DocScore(entities_typed=Counts(correct=1, spurious=9, found=1, required=10))
    totals = micro_average([small, large])
    assert totals.documents == 2
    assert totals.entities_typed == Counts(correct=2, spurious=9, found=2, required=11)
    assert totals.entities_typed.precision == pytest.approx(2 / 11)   # macro would be 0.55
    assert totals.relations_strict.f1 == 1.0                           # nothing anywhere


def test_empty_graph_scores_zero_recall(small_gold: Gold) -> None:
    score = score_graph(small_gold, Graph())
    assert score.entities_typed.precision == 1.0
    assert score.entities_typed.recall == 0.0
    assert all_f1(score) == [0.0, 0.0, 0.0, 0.0]
    assert len(score.missed_entities) == CORE_ENTITIES


def test_format_report_lists_documents_totals_and_misses(small_gold: Gold) -> None:
    graph = core_places(small_gold, drop="新埭镇")
    add_entity(graph, "松江区", "District")
    rows = [("small", score_graph(small_gold, graph)),
            ("perfect", score_graph(small_gold, perfect_graph(small_gold, core_only=True)))]
    report = format_report(rows, show_misses=True)
    assert "| small | 0.857 / 0.857 / 0.857 |" in report
    assert "| perfect | 1.000 / 1.000 / 1.000 |" in report
    assert "| **micro (2 docs)** | 0.929 / 0.929 / 0.929 |" in report
    assert "- missed core entities (1): 新埭镇 [Township]" in report
    assert "- spurious entities (1): 松江区 [District]" in report
    assert "松江区" not in format_report(rows, show_misses=False)


# --- reference files and folders ---------------------------------------------


def test_load_gold_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "x01.gold.json"
    path.write_text(json.dumps(SMALL_GOLD, ensure_ascii=False), encoding="utf-8")
    gold = load_gold(path)
    assert gold.name == "x01"
    assert len(gold.entities) == 8 and len(gold.relations) == 6
    assert gold.entities[1].names == ("金山区", "金山區")


@pytest.mark.parametrize(("change", "message"), [
    (lambda data: data["entities"][0].pop("canonical"), "needs 'canonical'"),
    (lambda data: data["relations"][0].update(object="松江区"), "no entity's canonical"),
    (lambda data: data["relations"][0].update(predicate="near"), "unknown predicate"),
])
def test_bad_reference_file_is_reported(tmp_path: Path, change, message: str) -> None:
    data = json.loads(json.dumps(SMALL_GOLD))
    change(data)
    path = tmp_path / "bad.gold.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(EvaluationError, match=message) as caught:
        load_gold(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, KgError)


def test_evaluate_folder_pairs_gold_with_text(tmp_path: Path) -> None:
    (tmp_path / "eval").mkdir()
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "000_x.txt").write_text("seed text", encoding="utf-8")
    (tmp_path / "eval" / "d01.txt").write_text("dev text", encoding="utf-8")
    for name, document in (("d01", "elsewhere/d01.txt"), ("seed", "seeds/000_x.txt")):
        data = dict(SMALL_GOLD, document=document)
        (tmp_path / "eval" / f"{name}.gold.json").write_text(
            json.dumps(data, ensure_ascii=False), encoding="utf-8")
    built: list[list[Path]] = []

    def build(paths: list[Path]) -> Graph:
        built.append(paths)
        return perfect_graph(parse_gold(SMALL_GOLD, Path("small.gold.json")), core_only=False)

    rows = evaluate_folder(tmp_path / "eval", build)
    assert [name for name, _ in rows] == ["d01", "seed"]
    assert built == [[tmp_path / "eval" / "d01.txt"], [tmp_path / "seeds" / "000_x.txt"]]
    assert all(all_f1(score) == [1.0] * 4 for _, score in rows)


def test_evaluate_folder_reports_missing_document(tmp_path: Path) -> None:
    (tmp_path / "d02.gold.json").write_text(
        json.dumps(dict(SMALL_GOLD, document="nowhere/d02.txt")), encoding="utf-8")
    with pytest.raises(EvaluationError, match="cannot find its document"):
        evaluate_folder(tmp_path, lambda paths: Graph())
    with pytest.raises(EvaluationError, match="no \\*.gold.json"):
        evaluate_folder(tmp_path / "empty", lambda paths: Graph())


# --- the real references -----------------------------------------------------


def real_gold_path(name: str) -> Path:
    return SHARED_EVAL / ("seed.gold.json" if name == "seed" else f"dev/{name}.gold.json")


@pytest.mark.parametrize("core_only", [False, True], ids=["full", "core-only"])
@pytest.mark.parametrize("name", REAL_GOLD_NAMES)
def test_perfect_graph_of_real_reference_scores_one(name: str, core_only: bool) -> None:
    gold = load_gold(real_gold_path(name))
    score = score_graph(gold, perfect_graph(gold, core_only))
    assert all_f1(score) == [1.0, 1.0, 1.0, 1.0], format_report([(name, score)], True)


@pytest.mark.parametrize("name", REAL_GOLD_NAMES)
def test_real_reference_without_one_core_entity_scores_below_one(name: str) -> None:
    gold = load_gold(real_gold_path(name))
    dropped = next(entity.canonical for entity in gold.entities if entity.core)
    graph = perfect_graph(gold, core_only=True)
    graph.remove((node(dropped), None, None))
    score = score_graph(gold, graph)
    assert score.entities_typed.recall < 1.0
    assert score.missed_entities and score.missed_entities[0].startswith(dropped)


def test_evaluate_folder_on_the_real_references() -> None:
    golds = {path: load_gold(path) for path in map(real_gold_path, REAL_GOLD_NAMES)}
    by_text: dict[Path, Gold] = {}
    for gold in golds.values():
        text = gold.path.with_name(f"{gold.name}.txt")
        by_text[text if text.is_file() else SHARED_EVAL.parent / gold.document] = gold

    def build(paths: list[Path]) -> Graph:
        return perfect_graph(by_text[paths[0]], core_only=False)

    rows = evaluate_folder(SHARED_EVAL, build) + evaluate_folder(SHARED_EVAL / "dev", build)
    assert [name for name, _ in rows] == REAL_GOLD_NAMES
    totals = micro_average(score for _, score in rows)
    # the core counts the dev README gives (seed: 34 entities, 22 relations)
    assert totals.entities_typed.required == 34 + 531
    assert totals.relations_strict.required == 22 + 345
    assert totals.entities_typed.f1 == totals.relations_strict.f1 == 1.0
