"""Tests of kg.store.query_plan: the blocks it reads, the order it picks, stable answers."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from kg.store.graphstore import GraphStore
from kg.store.query import pattern_sizes, run_query
from kg.store.query_plan import (
    FIRST_CAP,
    SIZE_CAP,
    NotPlannable,
    Pattern,
    PatternSizes,
    find_blocks,
    greedy_order,
    plan_query,
    prologue,
    tokenize,
)

EX = "http://example.org/"
PREFIXES = {"ex": EX}

THREE_HOPS = """PREFIX ex: <http://example.org/>
SELECT ?top (COUNT(?m) AS ?n) WHERE {
  ?m ex:names ?e .
  ?e ex:in ?place .
  ?place ex:top ?top .
}
GROUP BY ?top"""


def sizes_from(table: dict[str, int]):
    """A size function that looks a pattern's predicate up in ``table``."""
    return lambda pattern: table[pattern.predicate]


# --------------------------------------------------------------------------- reading


def test_tokens_keep_strings_iris_and_comments_apart():
    text = 'SELECT * { ?s <http://x/a#b> "{ } . ;"@zh-Hans ; ex:p.q 1.5 } # { not a brace'
    kinds = [(t.kind, t.text) for t in tokenize(text)]
    assert ("iri", "<http://x/a#b>") in kinds
    assert ("string", '"{ } . ;"') in kinds and ("langtag", "@zh-Hans") in kinds
    assert ("pname", "ex:p.q") in kinds and ("number", "1.5") in kinds
    assert [t for k, t in kinds if t in "{}"] == ["{", "}"]


def test_a_block_reads_semicolons_and_commas_as_separate_patterns():
    (block,) = find_blocks("SELECT * WHERE { ?s a ex:C ; ex:p ?o , ?o2 ; ex:q \"x\"^^ex:t . }")
    assert block.patterns == [
        Pattern("?s", "a", "ex:C"), Pattern("?s", "ex:p", "?o"),
        Pattern("?s", "ex:p", "?o2"), Pattern("?s", "ex:q", '"x"^^ex:t'),
    ]


def test_blocks_stop_at_optional_filter_values_bind_and_subqueries():
    query = """SELECT ?s WHERE {
      VALUES ?k { ex:a ex:b }
      ?s ex:p ?k . ?s ex:q ?o .
      FILTER (?o != "}")
      OPTIONAL { ?o ex:r ?x . ?x ex:t ?y }
      BIND (STR(?o) AS ?label)
      { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ex:u ?z ; ex:v ?w } GROUP BY ?s }
      FILTER NOT EXISTS { ?s ex:gone ?g . ?g ex:why ?why }
      ?label ex:seen ?t .
    } ORDER BY ?s"""
    blocks = find_blocks(query)
    assert [len(b.patterns) for b in blocks] == [2, 2, 2, 2, 1]
    first, optional = blocks[0], blocks[1]
    assert first.bound_before == {"k"}  # VALUES binds ?k before the block
    assert {"s", "o", "k"} <= optional.bound_before
    assert "label" in blocks[-1].bound_before


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?a ex:p+ ?b . ?b ex:q ?c }",  # property path
        "SELECT * WHERE { ?a ex:p/ex:q ?b . ?b ex:q ?c }",
        "SELECT * WHERE { ?a ^ex:p ?b . ?b ex:q ?c }",
        "SELECT * WHERE { [] ex:p ?b . ?b ex:q ?c }",  # blank node syntax
        "SELECT * WHERE { ?a ex:p (1 2) . ?b ex:q ?c }",  # collection
        "SELECT * WHERE { ?a ex:p -1 . ?b ex:q ?c }",
        "CONSTRUCT { ?a ex:p ?b . ?b ex:q ?c } WHERE { ?a ex:p ?b . ?b ex:q ?c }",
        "SELECT * WHERE { SERVICE <http://x/> { ?a ex:p ?b . ?b ex:q ?c } }",
        "SELECT * WHERE { ?a ex:p ?b ?b ex:q ?c }",  # a missing '.'
        "SELECT * WHERE { ?a ex:p ?b . ?b ex:q ?c ",  # not closed
        "INSERT DATA { ex:a ex:p ex:b }",
    ],
)
def test_what_the_planner_does_not_read_is_sent_as_written(query: str):
    with pytest.raises(NotPlannable):
        find_blocks(query)
    assert plan_query(query, lambda p: 1) == query


def test_prologue_is_the_prefix_and_base_lines():
    assert prologue(THREE_HOPS) == "PREFIX ex: <http://example.org/>"
    assert prologue("BASE <http://x/> PREFIX : <http://y/> SELECT * {}") == (
        "BASE <http://x/> PREFIX : <http://y/>"
    )
    assert prologue("SELECT * {}") == ""


# --------------------------------------------------------------------------- ordering


def test_the_smallest_pattern_goes_first_then_its_neighbours():
    patterns = find_blocks(THREE_HOPS)[0].patterns
    ordered = greedy_order(patterns, sizes_from({"ex:names": 5000, "ex:in": 800, "ex:top": 900}))
    assert [p.predicate for p in ordered] == ["ex:in", "ex:top", "ex:names"]


def test_a_connected_pattern_beats_a_smaller_unconnected_one():
    patterns = [Pattern("?a", "ex:big", "?b"), Pattern("?b", "ex:mid", "?c"),
                Pattern("?x", "ex:tiny", "?y"), Pattern("?c", "ex:link", "?x")]
    sizes = sizes_from({"ex:big": 50, "ex:mid": 40, "ex:tiny": 1, "ex:link": 30})
    ordered = [p.predicate for p in greedy_order(patterns, sizes)]
    # tiny first; then only ex:link touches ?x; then ex:mid through ?c
    assert ordered == ["ex:tiny", "ex:link", "ex:mid", "ex:big"]


def test_ties_and_good_orders_are_left_as_written():
    query = THREE_HOPS
    assert plan_query(query, lambda p: 7) == query
    good = sizes_from({"ex:names": 1, "ex:in": 2, "ex:top": 3})
    assert plan_query(query, good) == query


def test_a_finer_size_settles_only_ties():
    patterns = [Pattern("?a", "ex:big", "?b"), Pattern("?a", "ex:bigger", "?c"),
                Pattern("?c", "ex:small", "?d")]
    coarse = sizes_from({"ex:big": 1000, "ex:bigger": 1000, "ex:small": 1000})
    asked: list[str] = []

    def fine(pattern: Pattern) -> int:
        asked.append(pattern.predicate)
        return {"ex:big": 5000, "ex:bigger": 3000, "ex:small": 1000}[pattern.predicate]

    ordered = [p.predicate for p in greedy_order(patterns, coarse, refine=fine)]
    assert ordered == ["ex:small", "ex:bigger", "ex:big"]
    asked.clear()
    clear_winner = sizes_from({"ex:big": 1000, "ex:bigger": 1000, "ex:small": 3})
    greedy_order(patterns, clear_winner, refine=fine)
    assert asked == []  # the smallest was plain at once; after it only one pattern joins


def test_variables_bound_before_the_block_decide_where_it_starts():
    patterns = [Pattern("?a", "ex:p", "?b"), Pattern("?k", "ex:q", "?a")]
    sizes = sizes_from({"ex:p": 10, "ex:q": 100})
    assert greedy_order(patterns, sizes)[0].predicate == "ex:p"
    assert greedy_order(patterns, sizes, frozenset({"k"}))[0].predicate == "ex:q"


def test_the_rewritten_text_keeps_everything_outside_the_block():
    sizes = sizes_from({"ex:names": 5000, "ex:in": 800, "ex:top": 900})
    planned = plan_query(THREE_HOPS, sizes)
    assert planned != THREE_HOPS
    assert planned.startswith("PREFIX ex: <http://example.org/>\nSELECT ?top (COUNT(?m) AS ?n)")
    assert planned.endswith("}\nGROUP BY ?top")
    assert "  ?e ex:in ?place .\n  ?place ex:top ?top .\n  ?m ex:names ?e ." in planned


# --------------------------------------------------------------------------- on a store


def random_store(seed: int) -> ox.Store:
    """A small store whose predicates differ in size by orders of magnitude."""
    rng = random.Random(seed)
    store = ox.Store()
    nodes = [ox.NamedNode(f"{EX}n{i}") for i in range(60)]
    quads = []
    for predicate, count in (("names", 400), ("in", 40), ("top", 8), ("label", 60)):
        p = ox.NamedNode(EX + predicate)
        for _ in range(count):
            s, o = rng.choice(nodes), rng.choice(nodes)
            if predicate == "label":
                quads.append(ox.Quad(s, p, ox.Literal(f"name {rng.randint(0, 9)}")))
            else:
                quads.append(ox.Quad(s, p, o))
    store.extend(quads)
    return store


RANDOM_QUERIES = [
    THREE_HOPS,
    "SELECT ?a ?d WHERE { ?a ex:names ?b . ?b ex:in ?c . ?c ex:top ?d . ?d ex:label ?l }",
    "SELECT * WHERE { ?a ex:names ?b ; ex:label ?l . ?b ex:top ?c . FILTER (?l != \"name 3\") }",
    "SELECT * WHERE { ?a ex:names ?b . OPTIONAL { ?b ex:in ?c . ?c ex:top ?d } ?b ex:top ?e }",
    "SELECT DISTINCT ?a WHERE { ?a ex:names ex:n1 . ?a ex:in ?x , ?y . ?x ex:top ?y }",
    "SELECT * WHERE { VALUES ?x { ex:n1 ex:n2 } ?a ex:names ?x . ?x ex:in ?b . ?b ex:top ?c }",
    "SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ex:in ?b . { SELECT ?b WHERE "
    "{ ?c ex:names ?b . ?b ex:top ?d } } ?b ex:label ?l } GROUP BY ?a",
    "ASK { ?a ex:names ?b . ?b ex:top ?c . ?c ex:in ?a }",
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("query", RANDOM_QUERIES)
def test_planned_queries_give_the_same_answers(seed: int, query: str):
    store = random_store(seed)
    sizes = PatternSizes(store, PREFIXES)

    def answers(text: str) -> object:
        result = store.query(text, prefixes=PREFIXES)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return Counter(tuple(str(value) for value in row) for row in result)

    planned = sizes.plan(query)
    assert answers(planned) == answers(query)


def test_the_answer_comparison_covers_rewritten_queries():
    sizes = PatternSizes(random_store(1), PREFIXES)
    changed = [query for query in RANDOM_QUERIES if sizes.plan(query) != query]
    assert len(changed) >= len(RANDOM_QUERIES) // 2


def test_sizes_are_counted_in_the_store_and_capped():
    store = random_store(1)
    store.extend([ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "many"),
                          ox.NamedNode(EX + "o")) for i in range(SIZE_CAP + 5)])
    sizes = PatternSizes(store, PREFIXES)
    head = "PREFIX ex: <http://example.org/>"
    assert sizes.size(head, Pattern("?a", "ex:top", "?b")) == 8
    assert sizes.size(head, Pattern("?x", "ex:many", "?y")) == SIZE_CAP
    assert sizes.size(head, Pattern("?a", "ex:nothing", "?b")) == 0
    assert sizes.size(head, Pattern("?a", "ex:undeclared:x:", "?b")) in (0, SIZE_CAP)
    assert sizes.plan(THREE_HOPS) != THREE_HOPS  # names (400) no longer comes first


def test_large_patterns_are_counted_on_only_when_they_tie():
    store = random_store(1)
    many, more = ox.NamedNode(EX + "many"), ox.NamedNode(EX + "more")
    store.extend([ox.Quad(ox.NamedNode(f"{EX}s{i}"), many, ox.NamedNode(f"{EX}o{i % 7}"))
                  for i in range(SIZE_CAP + 5)])
    store.extend([ox.Quad(ox.NamedNode(f"{EX}s{i}"), more, ox.NamedNode(f"{EX}n{i % 9}"))
                  for i in range(2 * FIRST_CAP)])
    sizes = PatternSizes(store, PREFIXES)
    head = "PREFIX ex: <http://example.org/>"
    chain = f"{head}\nSELECT * WHERE {{ ?a ex:many ?b . ?b ex:more ?c . ?c ex:top ?d }}"
    sizes.plan(chain)
    assert {cap for _, cap in sizes._counts.values()} == {FIRST_CAP}
    pair = f"{head}\nSELECT * WHERE {{ ?a ex:many ?b . ?a ex:more ?c }}"
    planned = sizes.plan(pair)
    assert planned.index("ex:more") < planned.index("ex:many")  # 2,000 before 10,000
    assert sizes.size(head, Pattern("?x", "ex:more", "?y")) == 2 * FIRST_CAP
    assert sizes.size(head, Pattern("?x", "ex:more", "?y"), FIRST_CAP) == FIRST_CAP


def test_kg_queries_a_graph_store_in_the_planned_order(tmp_path: Path):
    with GraphStore.open(tmp_path / "build") as store:
        source = random_store(2)
        doc = URIRef("https://example.org/doc/1")
        lines = [f"{q.subject} {q.predicate} {q.object} ." for q in source]
        store.replace_documents([(doc, lines)])
        sizes = pattern_sizes(store)
        assert pattern_sizes(store) is sizes  # kept between queries
        planned = sizes.plan(THREE_HOPS)
        assert planned != THREE_HOPS
        expected = Counter(
            tuple(v.value for v in row) for row in source.query(THREE_HOPS, prefixes=PREFIXES)
        )
        result = run_query(store, THREE_HOPS)
        assert Counter(tuple(str(v) for v in row) for row in result.rows) == expected
        store.replace_documents([(doc, lines[:10])])
        assert pattern_sizes(store) is not sizes  # a write makes the counts stale


def test_a_plan_that_fails_falls_back_to_the_query_as_written(tmp_path, monkeypatch):
    with GraphStore.open(tmp_path / "build") as store:
        doc = URIRef("https://example.org/doc/1")
        store.replace_documents([(doc, [f"<{EX}a> <{EX}p> {Literal('x').n3()} ."])])
        monkeypatch.setattr(PatternSizes, "plan", lambda self, sparql, params=(): "SELECT {")
        result = run_query(store, f"SELECT ?o WHERE {{ <{EX}a> <{EX}p> ?o }}")
        assert [str(row[0]) for row in result.rows] == ["x"]


def reversing_sizes(sparql: str):
    """Sizes that make the planner turn every block around where joins allow it."""
    patterns = [pattern for block in find_blocks(sparql) for pattern in block.patterns]
    position = {pattern: i for i, pattern in enumerate(patterns)}
    return lambda pattern: -position[pattern]


def test_named_queries_planned_in_another_order_answer_the_same(seed_build: Path):
    from kg.store.named_queries import list_named_queries
    from kg.store.query import _run_on_oxigraph

    rewritten = 0
    with GraphStore.open(seed_build, create=False, read_only=True) as store:
        ox_store = store.pyoxigraph_store
        for named in list_named_queries():
            try:
                sizes = reversing_sizes(named.sparql)
            except NotPlannable:
                continue
            planned = plan_query(named.sparql, sizes, named.params)
            rewritten += planned != named.sparql
            terms = {name: Literal("枫泾镇") for name in named.params}
            as_written = _run_on_oxigraph(ox_store, named.sparql, terms, named.name)
            as_planned = _run_on_oxigraph(ox_store, planned, terms, named.name)
            assert as_planned.columns == as_written.columns
            assert Counter(as_planned.rows) == Counter(as_written.rows), named.name
    assert rewritten >= 2


def random_query(rng: random.Random) -> str:
    """A SELECT over ex: predicates, written with the syntax the planner reads."""
    variables = ["?a", "?b", "?c", "?d"]
    predicates = ["ex:names", "ex:in", "ex:top", "ex:label"]
    parts: list[str] = []
    for _ in range(rng.randint(2, 5)):
        subject = rng.choice(variables[:3] + ["ex:n1"])
        predicate = rng.choice(predicates)
        obj = rng.choice(variables) if predicate != "ex:label" else rng.choice(["?l", '"name 3"'])
        separator = rng.choice([" .", " .", " ;"]) if parts else ""
        if separator == " ;" and parts[-1].startswith(subject + " "):
            parts[-1] += f" ; {predicate} {obj}"
            continue
        parts.append(f"{subject} {predicate} {obj}")
    body = " .\n  ".join(parts) + " ."
    extra = rng.choice([
        "", "\n  FILTER (?a != ex:n2)", "\n  OPTIONAL { ?b ex:in ?x . ?x ex:top ?y }",
        "\n  MINUS { ?a ex:top ?z }", "\n  BIND (STR(?a) AS ?s)",
    ])
    return f"SELECT * WHERE {{\n  {body}{extra}\n}}"


def rows_of(store: ox.Store, query: str) -> Counter:
    return Counter(tuple(str(v) for v in row) for row in store.query(query, prefixes=PREFIXES))


def test_random_queries_answer_the_same_planned_or_not():
    rewritten = 0
    for seed in range(40):
        rng = random.Random(seed)
        store = random_store(seed)
        sizes = PatternSizes(store, PREFIXES)
        for _ in range(5):
            query = random_query(rng)
            planned = sizes.plan(query)
            rewritten += planned != query
            assert rows_of(store, planned) == rows_of(store, query), (query, planned)
    assert rewritten >= 50  # of 200: the comparison covers many rewritten queries
