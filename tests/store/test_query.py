"""Tests of kg.store.query: named queries on the sample graph, parameters, formats, read-only."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Literal
from rich.cells import cell_len
from test_store import (
    ALLIANCE,
    BRAND,
    COMPANY,
    DOC_A,
    FENGJING,
    JIASHAN,
    JINSHAN,
    KGID,
    LOCAL_ALLIANCE,
    PARK,
    SHIHUA,
    fill_store,
)

from kg.base.vocab import KG
from kg.errors import QueryError
from kg.store.graphstore import GraphStore
from kg.store.named_queries import (
    list_named_queries,
    load_named_query,
    run_named_query,
    standalone_named_query,
)
from kg.store.ordering import sort_result, sparql_order_key, split_trailing_order
from kg.store.query import (
    _evaluate_on_oxigraph,
    clear_query_caches,
    param_term,
    parse_params,
    run_query,
    standalone_query,
)
from kg.store.results import QueryResult, format_result, rich_table

EXPECTED_QUERIES = {
    "townships-by-district", "brands-and-owners", "cross-regional-alliances", "alliances",
    "enterprises-and-projects-by-township", "evidence", "entities", "relations", "documents",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    graph_store = GraphStore.open(tmp_path_factory.mktemp("query") / "build")
    fill_store(graph_store)
    yield graph_store
    graph_store.close()


@pytest.fixture(scope="module")
def graph(store: GraphStore):
    return store.rdflib_graph()


def _params(name: str) -> dict[str, str]:
    return {"name": "枫泾镇"} if load_named_query(name).params else {}


def _rows(result: QueryResult, *columns: str) -> set[tuple]:
    return {tuple(record[c] for c in columns) for record in result.records()}


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh-Hans")


# --------------------------------------------------------------------------- named queries


def test_every_named_query_is_documented() -> None:
    queries = list_named_queries()
    assert {q.name for q in queries} >= EXPECTED_QUERIES
    for query in queries:
        assert query.summary and not query.summary.startswith("PREFIX"), query.name
        assert "PREFIX kg:" in query.sparql, f"{query.name} should declare its prefixes"
    assert load_named_query("evidence").params == {"name": "a label of the entity, e.g. 木渎镇"}


@pytest.mark.parametrize("name", sorted(EXPECTED_QUERIES))
def test_named_query_gives_the_same_rows_on_both_engines(store, graph, name: str) -> None:
    on_oxigraph = run_named_query(store, name, _params(name))
    on_rdflib = run_named_query(graph, name, _params(name))
    assert on_oxigraph.columns == on_rdflib.columns
    assert len(on_oxigraph) > 0
    assert sorted(on_oxigraph.rows, key=repr) == sorted(on_rdflib.rows, key=repr)
    assert len(set(on_oxigraph.rows)) == len(on_oxigraph.rows), "duplicate rows"


def _engine_order(store: GraphStore, sparql: str, params: dict[str, str]) -> QueryResult:
    """The query as Oxigraph answers it, ORDER BY included (what kg used to return)."""
    terms = {k: param_term(v) for k, v in params.items()}
    return _evaluate_on_oxigraph(store.pyoxigraph_store, sparql, terms, "test")


@pytest.mark.parametrize("name", sorted(EXPECTED_QUERIES))
def test_named_queries_sorted_by_kg_come_in_the_engines_order(store, name: str) -> None:
    """kg sorts the rows of a final ORDER BY itself; the order must be Oxigraph's.

    Rows equal on every ORDER BY key may come in any order (the engine's sort
    is not stable either); everything else must match row for row.
    """
    query = load_named_query(name)
    split = split_trailing_order(query.sparql)
    assert split is not None, f"{name} should end with an ORDER BY over variables"
    _, order = split
    ours = run_named_query(store, name, _params(name))
    engine = _engine_order(store, query.sparql, _params(name))
    assert ours.columns == engine.columns
    assert sorted(ours.rows, key=repr) == sorted(engine.rows, key=repr)

    def keys(result: QueryResult) -> list[tuple]:
        at = [result.columns.index(column) for column, _ in order]
        return [tuple(sparql_order_key(row[i]) for i in at) for row in result.rows]

    assert keys(ours) == keys(engine)


def test_the_seed_build_is_ordered_as_the_engine_orders_it(seed_build: Path) -> None:
    """The same on a real build: labels in four scripts, dates, counts, unbound columns."""
    with GraphStore.open(seed_build, create=False, read_only=True) as store:
        for query in list_named_queries():
            doc = f"<{store.document_iris()[0]}>"
            params = {p: "金山区" if p == "name" else doc for p in query.params}
            ours = run_named_query(store, query.name, params)
            engine = _engine_order(store, query.sparql, params)
            assert ours.rows == engine.rows or (
                sorted(ours.rows, key=repr) == sorted(engine.rows, key=repr)
            ), query.name
            _, order = split_trailing_order(query.sparql) or ("", [])
            at = [ours.columns.index(column) for column, _ in order]
            assert [tuple(sparql_order_key(r[i]) for i in at) for r in ours.rows] == [
                tuple(sparql_order_key(r[i]) for i in at) for r in engine.rows
            ], query.name


@pytest.mark.parametrize(
    ("sparql", "expected"),
    [
        ("SELECT ?a WHERE { ?a ?b ?c } ORDER BY ?a",
         ("SELECT ?a WHERE { ?a ?b ?c } ", [("a", False)])),
        ("SELECT * WHERE { ?a ?b ?c }\nORDER BY DESC(?b) asc( ?a ) $c\n# done\n",
         ("SELECT * WHERE { ?a ?b ?c }\n", [("b", True), ("a", False), ("c", False)])),
    ],
)
def test_a_final_order_by_over_variables_is_split_off(sparql: str, expected: tuple) -> None:
    assert split_trailing_order(sparql) == expected


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT ?a WHERE { ?a ?b ?c } ORDER BY ?a LIMIT 10",
        "SELECT ?a WHERE { ?a ?b ?c } ORDER BY ?a OFFSET 2",
        "SELECT ?a WHERE { ?a ?b ?c } ORDER BY STR(?a)",
        "SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?b ?c } ORDER BY ?a } }",
        "SELECT ?a WHERE { ?a ?b ?c }",
        "SELECT ?a WHERE { ?a ?b ?c } ORDER BY ?a VALUES ?a { <x:y> }",
    ],
)
def test_other_orderings_are_left_to_the_engine(sparql: str) -> None:
    assert split_trailing_order(sparql) is None


def test_an_order_by_on_an_unprojected_variable_still_works(store) -> None:
    """kg cannot sort by a column it does not get back; Oxigraph sorts then."""
    sparql = (
        "SELECT ?label WHERE { ?s rdfs:label ?label ; kg:adminLevel ?level } "
        "ORDER BY DESC(?level) ?label"
    )
    result = run_query(store, sparql)
    assert result.columns == ("label",)
    assert len(result) > 2
    assert result.rows == _engine_order(store, sparql, {}).rows


def test_sparql_order_puts_kinds_and_values_in_order() -> None:
    from rdflib import BNode, URIRef
    from rdflib.namespace import XSD

    terms = [
        Literal("b"), Literal(10), None, URIRef("x:b"), Literal("a", lang="zh-Hans"),
        Literal(9.5), BNode("n"), URIRef("x:a"), Literal("a"),
        Literal("2022-01-19T12:20:00+08:00", datatype=XSD.dateTime),
        Literal("2022-01-19T05:00:00+00:00", datatype=XSD.dateTime),
    ]
    ordered = sorted(terms, key=sparql_order_key)
    assert ordered[:4] == [None, BNode("n"), URIRef("x:a"), URIRef("x:b")]
    assert ordered[4:6] == [Literal(9.5), Literal(10)]
    assert ordered[6:9] == [Literal("a", lang="zh-Hans"), Literal("a"), Literal("b")]
    # 12:20 at +08:00 is 04:20 UTC, before 05:00 UTC
    assert [str(t) for t in ordered[9:]] == [
        "2022-01-19T12:20:00+08:00", "2022-01-19T05:00:00+00:00",
    ]


@pytest.mark.parametrize(
    "objects",
    [
        ['"b"', '"a"@zh-hans', '"B"', '"a"', '"a"@en', '"ab"', '"木渎镇"', '"胥口"@zh-hans'],
        ['10', '9.5', '-3', '"7"^^xsd:double', '0.25', '"12"^^xsd:long'],
        ['"2022-01-19T12:20:00+08:00"^^xsd:dateTime', '"2022-01-19T05:00:00Z"^^xsd:dateTime',
         '"2021-12-31T23:00:00Z"^^xsd:dateTime'],
        ['"y"^^<x:a>', '"a"^^<x:c>', '"x"^^<x:b>'],
        ['<x:b>', '<x:a>', '_:n', '<x:aa>'],
    ],
)
def test_kg_orders_each_kind_of_term_as_oxigraph_does(objects: list[str]) -> None:
    """The same query, sorted by kg and by Oxigraph, on a column of one kind of term."""
    store = ox.Store()
    data = "".join(f"<x:s{i}> <x:p> {o} .\n" for i, o in enumerate(objects))
    store.load(f"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n{data}",
               format=ox.RdfFormat.TURTLE)
    for order in ("?o", "DESC(?o)"):
        sparql = f"SELECT ?o ?s WHERE {{ ?s <x:p> ?o }} ORDER BY {order}"
        ours = run_query(store, sparql)
        engine = _evaluate_on_oxigraph(store, sparql, {}, "test")
        if objects[0].startswith("<"):  # blank nodes are all equal to Oxigraph
            assert [r[0] for r in ours.rows if not isinstance(r[0], BNode)] == [
                r[0] for r in engine.rows if not isinstance(r[0], BNode)
            ]
        else:
            assert [r[0] for r in ours.rows] == [r[0] for r in engine.rows], order


def test_descending_keys_and_ties_keep_the_engines_order() -> None:
    result = QueryResult(
        columns=("n", "s"),
        rows=((Literal(1), Literal("z")), (Literal(2), Literal("y")), (Literal(1), Literal("x"))),
    )
    assert sort_result(result, [("n", True)]).rows == (
        (Literal(2), Literal("y")), (Literal(1), Literal("z")), (Literal(1), Literal("x")),
    )
    assert sort_result(result, [("n", False), ("s", False)]).rows == (
        (Literal(1), Literal("x")), (Literal(1), Literal("z")), (Literal(2), Literal("y")),
    )


def test_kept_sort_keys_follow_the_terms_sorted_now() -> None:
    """Keys kept from earlier sorts never order other terms: every sort is as if it were first."""
    from kg.store import ordering

    clear_query_caches()
    for values in (["b", "a", "c"], ["c", "b", "a"], [3, 1, 2]):
        rows = tuple((Literal(v),) for v in values)  # new objects, whose ids may be reused
        result = QueryResult(columns=("v",), rows=rows)
        expected = tuple(sorted(rows, key=lambda row: sparql_order_key(row[0])))
        assert sort_result(result, [("v", False)]).rows == expected
        assert sort_result(result, [("v", True)]).rows == expected[::-1]
    assert ordering._ORDER_KEYS
    clear_query_caches()
    assert not ordering._ORDER_KEYS


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_named_queries_find_nothing_in_an_empty_graph(tmp_path: Path, engine: str) -> None:
    """No named query invents a row where the graph has nothing (rdflib's empty groups)."""
    source: GraphStore | Graph = (
        GraphStore.open(tmp_path / "empty") if engine == "oxigraph" else Graph()
    )
    for query in list_named_queries():
        given = {name: "木渎镇" for name in query.params}
        assert run_named_query(source, query.name, given).rows == (), query.name


def test_townships_by_district(store) -> None:
    result = run_named_query(store, "townships-by-district")
    assert _rows(result, "districtLabel", "townshipLabel", "class") == {
        (_zh("金山区"), _zh("枫泾镇"), KG.Township),
        (_zh("金山区"), _zh("石化街道"), KG.Subdistrict),
    }


def test_brands_and_owners(store) -> None:
    result = run_named_query(store, "brands-and-owners")
    assert _rows(result, "brand", "owner", "ownerLabel") == {(BRAND, JINSHAN, _zh("金山区"))}


def test_cross_regional_alliances_find_provinces_along_the_chain(store) -> None:
    result = run_named_query(store, "cross-regional-alliances")
    # 枫泾镇 has kg:province; 嘉善县 only reaches 浙江省 through 嘉兴市
    assert _rows(result, "alliance", "member", "provinces") == {
        (ALLIANCE, FENGJING, Literal("上海市")),
        (ALLIANCE, JIASHAN, Literal("浙江省")),
    }
    assert set(result.column("crossRegional")) == {Literal(True)}


def test_alliances_include_the_local_ones(store) -> None:
    result = run_named_query(store, "alliances")
    assert {r["alliance"] for r in result.records()} == {ALLIANCE, LOCAL_ALLIANCE}
    local = [r for r in result.records() if r["alliance"] == LOCAL_ALLIANCE]
    assert {r["member"] for r in local} == {FENGJING, SHIHUA}
    assert {r["crossRegional"] for r in local} == {Literal(False)}


def test_one_document_marking_an_alliance_cross_regional_is_enough(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path / "b") as store:
        fill_store(store)
        store.replace_document(KGID["doc/other"], [(ALLIANCE, KG.crossRegional, Literal(False))])
        result = run_named_query(store, "alliances")
        flags = {r["crossRegional"] for r in result.records() if r["alliance"] == ALLIANCE}
        assert flags == {Literal(True)}
        assert len(result) == 4  # one row per member, not one per flag
        crossing = run_named_query(store, "cross-regional-alliances")
        assert {r["member"] for r in crossing.records()} == {FENGJING, JIASHAN}


def test_enterprises_and_projects_by_township(store) -> None:
    result = run_named_query(store, "enterprises-and-projects-by-township")
    # the company is settled in the park, which lies in the town
    assert _rows(result, "township", "entity", "class") == {
        (FENGJING, COMPANY, KG.Enterprise),
        (FENGJING, PARK, KG.IndustrialPark),
    }


def test_evidence_lists_every_statement_about_the_entity(store) -> None:
    result = run_named_query(store, "evidence", {"name": "枫泾镇"})
    assert len(result) == 5  # 2 in DOC_B, 3 in DOC_A (one of them as the object)
    by_role = _rows(result, "role", "predicate", "other")
    assert (Literal("object"), KG.locatedIn, PARK) in by_role
    assert (Literal("subject"), KG.memberOf, ALLIANCE) in by_role
    record = next(r for r in result.records() if r["other"] == ALLIANCE)
    assert record["sentence"] == Literal("枫泾镇与嘉善县成立沪浙联盟，嘉善县隶属嘉兴市。")
    assert record["title"] == Literal("金山区党建创新项目同台竞技")
    assert (record["start"].toPython(), record["end"].toPython()) == (60, 77)
    # the Traditional form is a label too
    assert len(run_named_query(store, "evidence", {"name": "楓涇鎮"})) == 5
    assert len(run_named_query(store, "evidence", {"name": "不存在的镇"})) == 0


def test_documents_counts_statements(store) -> None:
    result = run_named_query(store, "documents")
    counts = {r["doc"]: r["statements"].toPython() for r in result.records()}
    assert counts == {DOC_A: 8, KGID["doc/bbbbbbbbbbbbbbbb"]: 4}


def test_unknown_named_query_lists_the_known_ones() -> None:
    with pytest.raises(QueryError, match=r"unknown named query 'nope'; available: .*evidence"):
        load_named_query("nope")
    with pytest.raises(QueryError, match="unknown named query"):
        load_named_query("../queries/evidence")


def test_named_query_parameters_are_checked(store) -> None:
    with pytest.raises(QueryError, match=r"needs --param name=VALUE \(a label"):
        run_named_query(store, "evidence")
    with pytest.raises(QueryError, match="has no parameter 'colour'"):
        run_named_query(store, "evidence", {"name": "枫泾镇", "colour": "red"})
    with pytest.raises(QueryError, match="has no parameter 'name'; its parameters: none"):
        run_named_query(store, "entities", {"name": "枫泾镇"})


def test_named_queries_from_another_folder(tmp_path: Path, store) -> None:
    (tmp_path / "count.rq").write_text(
        "# How many entities there are.\n#\n# Longer text.\n"
        "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e rdfs:label ?l }\n",
        encoding="utf-8",
    )
    [query] = list_named_queries(tmp_path)
    assert (query.name, query.summary, query.description) == (
        "count", "How many entities there are.", "Longer text."
    )
    assert run_named_query(store, "count", folder=tmp_path).rows[0][0] == Literal(12)


# --------------------------------------------------------------------------- parameters


INJECTIONS = [
    '"} ; DROP ALL ; #',
    "枫泾镇\" } } ; DROP ALL ; #",
    "') } DROP ALL #",
    '""" ; CLEAR ALL ; """',
    "枫泾镇\\\" . ?x ?y ?z",
    "?entity",
    "枫泾镇\n} UNION { ?entity ?p ?o }",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_parameters_cannot_inject_sparql(store, graph, payload: str) -> None:
    before = set(store.quads())
    for source in (store, graph):
        assert len(run_named_query(source, "evidence", {"name": payload})) == 0
        adhoc = "SELECT ?e ?name WHERE { ?e rdfs:label ?l FILTER (STR(?l) = ?name) }"
        assert len(run_query(source, adhoc, {"name": payload})) == 0
    assert set(store.quads()) == before
    assert len(graph) == store.triple_count()


def test_parameter_values_become_terms() -> None:
    assert param_term("枫泾镇") == Literal("枫泾镇")
    assert param_term(f"<{FENGJING}>") == FENGJING
    assert param_term("<>x") == Literal("<>x")
    for bad in ["<http://x/a> } ; DROP ALL ; #>", "<http://x/a b>", '<http://x/"a">', "<>"]:
        with pytest.raises(QueryError, match="not a valid IRI"):
            param_term(bad)


def test_iri_parameters_are_bound(store) -> None:
    sparql = "SELECT ?e ?label WHERE { ?e rdfs:label ?label }"
    result = run_query(store, sparql, {"e": f"<{FENGJING}>"})
    assert result.column("label") == [_zh("枫泾镇")]


def test_parse_params() -> None:
    assert parse_params(["name=枫泾镇", "x=a=b", "y="]) == {"name": "枫泾镇", "x": "a=b", "y": ""}
    for bad in ["name", "=x", "x y=1", "} DROP ALL #=1"]:
        with pytest.raises(QueryError, match="bad parameter"):
            parse_params([bad])


def test_parameters_must_name_a_variable_of_the_query(store) -> None:
    with pytest.raises(QueryError, match=r"has no variable \?place"):
        run_query(store, "SELECT ?e WHERE { ?e a ?c }", {"place": "x"})
    with pytest.raises(QueryError, match="bad parameter name"):
        run_query(store, "SELECT ?e WHERE { ?e a ?c }", {"c }": "x"})
    with pytest.raises(QueryError, match=r"SELECT clause"):
        run_query(store, "SELECT ?e WHERE { ?e a ?c }", {"c": f"<{KG.Township}>"})


# --------------------------------------------------------------------------- read-only


@pytest.mark.parametrize(
    "update",
    [
        "DROP ALL",
        "CLEAR DEFAULT",
        f"DELETE WHERE {{ <{FENGJING}> ?p ?o }}",
        "PREFIX kg: <https://w3id.org/kg-zh/ontology#> INSERT DATA { kg:a kg:b kg:c }",
        "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
    ],
)
def test_updates_are_refused(store, graph, update: str) -> None:
    before = set(store.quads())
    for source in (store, graph):
        with pytest.raises(QueryError, match="read-only|syntax error"):
            run_query(source, update)
    assert set(store.quads()) == before


def test_an_update_is_named_as_such(store) -> None:
    with pytest.raises(QueryError, match="is a SPARQL UPDATE; kg query is read-only"):
        run_query(store, "DROP ALL")


def test_syntax_errors_name_the_query(store) -> None:
    with pytest.raises(QueryError, match="SPARQL syntax error in the query"):
        run_query(store, "SELEKT ?x WHERE { ?x ?y ?z }")


# --------------------------------------------------------------------------- formats


def test_json_format_is_sparql_results_json(store) -> None:
    result = run_named_query(store, "evidence", {"name": "枫泾镇"})
    text = format_result(result, "json")
    data = json.loads(text)
    assert data["head"]["vars"] == list(result.columns)
    first = data["results"]["bindings"][0]
    assert first["entity"] == {"type": "uri", "value": str(FENGJING)}
    assert first["name"] == {"type": "literal", "value": "枫泾镇"}
    assert first["start"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert "枫泾镇" in text  # readable, not \\u escapes
    # a SPARQL library reads it back, and so do we
    parsed = ox.parse_query_results(text, ox.QueryResultsFormat.JSON)
    assert len(list(parsed)) == len(result)
    assert QueryResult.from_sparql_json(data) == result


def test_json_of_labels_keeps_the_language(store) -> None:
    result = run_named_query(store, "entities")
    binding = json.loads(format_result(result, "json"))["results"]["bindings"][0]
    assert binding["label"]["xml:lang"] == "zh-Hans"


def test_csv_format(store) -> None:
    result = run_named_query(store, "townships-by-district")
    rows = list(csv.reader(io.StringIO(format_result(result, "csv"))))
    assert rows[0] == list(result.columns)
    assert rows[1] == ["金山区", str(JINSHAN), "枫泾镇", str(FENGJING), str(KG.Township)]
    assert len(rows) == 3


def test_table_format_aligns_wide_characters(store) -> None:
    result = run_named_query(store, "entities")
    lines = format_result(result, "table").splitlines()
    assert lines[0].split() == ["class", "label", "entity"]
    assert lines[-1] == "(12 rows)"
    entity_starts = {cell_len(line[: line.index("kgid:")]) for line in lines[2:-1]}
    assert entity_starts == {cell_len(lines[0][: lines[0].index("entity")])}  # CJK labels
    assert "kgid:place/310116102" in "\n".join(lines)
    assert rich_table(result).row_count == 12


def test_ask_and_construct(store, graph) -> None:
    for source in (store, graph):
        ask = run_query(source, f"ASK {{ <{FENGJING}> a kg:Township }}")
        assert ask.boolean is True
        assert format_result(ask, "table") == "true\n"
        assert json.loads(format_result(ask, "json")) == {"head": {}, "boolean": True}
        construct = f"CONSTRUCT {{ ?s a ?c }} WHERE {{ ?s a ?c FILTER (?s = <{SHIHUA}>) }}"
        built = run_query(source, construct)
        assert built.columns == ("subject", "predicate", "object")
        assert built.rows == ((SHIHUA, RDF.type, KG.Subdistrict),)


def test_unknown_format() -> None:
    with pytest.raises(QueryError, match="choose one of table, csv, json"):
        format_result(QueryResult(columns=()), "xml")


def test_standalone_queries_declare_prefixes_and_inline_parameters() -> None:
    text = standalone_query("SELECT ?e WHERE { ?e rdfs:label ?name }", {"name": "木渎镇"})
    assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" in text
    assert 'VALUES (?name) { ("木渎镇") }' in text
    declared = "PREFIX kg: <urn:other#>\nSELECT * WHERE { ?s kg:p ?o }"
    assert standalone_query(declared).count("PREFIX kg:") == 1
    with pytest.raises(QueryError, match="needs a WHERE clause"):
        standalone_query("SELECT * { ?s ?p ?name }", {"name": "x"})
    with pytest.raises(QueryError, match="no variable"):
        standalone_query("SELECT * WHERE { ?s ?p ?o }", {"name": "x"})
    with pytest.raises(QueryError, match="needs --param name"):
        standalone_named_query("evidence")


def test_converted_terms_are_shared_between_queries_and_can_be_forgotten(store) -> None:
    from kg.store.query import clear_query_caches

    sparql = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label ?s"
    clear_query_caches()
    first = run_query(store, sparql)
    again = run_query(store, sparql)
    assert first.rows == again.rows and len(first.rows) > 3
    pairs = zip(first.rows, again.rows, strict=True)
    assert all(a is b for row, other in pairs for a, b in zip(row, other, strict=True))
    clear_query_caches()
    fresh = run_query(store, sparql)
    assert fresh.rows == first.rows
    assert fresh.rows[0][1] is not first.rows[0][1]
