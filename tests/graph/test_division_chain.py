"""The division list completes what the text leaves out: a linked town's chain up to
its province, and the district of a town under a county-level city.

The divisions the article never names are written as ``kg:AdministrativeDivision``
nodes, not as entities of the article, so the entity and relation scores (which
read the contract's classes only) do not change; the links carry the rule
``gazetteer.division_chain``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import build
from kg.extract.relation_model import contradicts_division_list
from kg.model import Entity, Relation, Span
from kg.store.graphstore import GraphStore
from kg.store.named_queries import run_named_query
from kg.store.query import run_query

PREFIX = "PREFIX kg: <https://w3id.org/kg-zh/ontology#>\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chain")
    (root / "in").mkdir()
    (root / "in" / "a.txt").write_text("日前，木渎镇举行项目签约仪式。\n", encoding="utf-8")
    (root / "in" / "b.txt").write_text("千灯镇召开乡村振兴推进会。\n", encoding="utf-8")
    build([root / "in"], root / "out", write_html=False)
    return root / "out"


def rows(out: Path, sparql: str) -> list[dict[str, str]]:
    with GraphStore.open(out, create=False, read_only=True) as store:
        result = run_query(store, PREFIX + sparql)
        return [{k: str(v) for k, v in r.items()} for r in result.records()]


def test_a_town_named_alone_reaches_its_province(built: Path) -> None:
    found = rows(built, """
        SELECT ?label ?code WHERE {
          ?town kg:officialCode "320506108" ; kg:locatedIn+ ?up .
          ?up kg:officialCode ?code ; <http://www.w3.org/2000/01/rdf-schema#label> ?label .
        }""")
    assert {(r["label"], r["code"]) for r in found} == {
        ("吴中区", "320506"), ("苏州市", "320500"), ("江苏省", "320000")}


def test_the_divisions_it_adds_are_no_entities_and_say_where_they_come_from(
    built: Path,
) -> None:
    types = rows(built, 'SELECT ?t WHERE { ?d kg:officialCode "320500" ; a ?t }')
    assert [r["t"].rsplit("#")[-1] for r in types] == ["AdministrativeDivision"]
    rules = rows(built, """
        SELECT DISTINCT ?rule WHERE {
          ?s a kg:Statement ; kg:rule ?rule ;
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?d .
          ?d kg:officialCode "320500" .
        }""")
    assert [r["rule"] for r in rules] == ["gazetteer.division_chain"]


def test_a_town_under_a_county_level_city_has_its_district(built: Path) -> None:
    with GraphStore.open(built, create=False, read_only=True) as store:
        result = run_named_query(store, "townships-by-district")
        table = {(str(r["townshipLabel"]), str(r["districtLabel"] or ""))
                 for r in result.records()}
    assert ("千灯镇", "昆山市") in table
    assert ("木渎镇", "吴中区") in table


def _place(key: str, label: str, code: str, cls: str) -> Entity:
    return Entity(key=key, cls=cls, label=label, code=code)


def test_a_predicted_location_the_division_list_denies_is_dropped() -> None:
    entities = {
        "t": _place("t", "木渎镇", "320506108", "Township"),
        "c": _place("c", "昆山市", "320583", "City"),
        "d": _place("d", "吴中区", "320506", "District"),
    }
    span = Span(0, 3, "木渎镇")

    def located(o: str) -> Relation:
        return Relation("t", "locatedIn", o, 0, span, "model.relation", None, 0.9)

    assert contradicts_division_list(located("c"), entities)
    assert not contradicts_division_list(located("d"), entities)
