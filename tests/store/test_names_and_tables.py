"""Finding things by any spelling, and the tables a colleague opens in Excel."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from kg.explore.tables import ENTITY_COLUMNS, RELATION_COLUMNS, export_tables
from kg.store.graphstore import GraphStore
from kg.store.named_queries import load_named_query, run_named_query
from kg.store.names import name_key
from kg.store.query import QueryError

TOWNSHIP = "https://w3id.org/kg-zh/id/place/310116102"


@pytest.mark.parametrize("typed", ["枫泾镇", "楓涇鎮", "fengjingzhen", "Feng Jing Zhen",
                                   "FENGJING TOWN", "310116102"])
def test_mentions_by_any_spelling(seed_build: Path, typed: str) -> None:
    with GraphStore.open(seed_build, create=False, read_only=True) as store:
        result = run_named_query(store, "mentions", {"name": typed})
    assert {str(e) for e in result.column("entity")} == {TOWNSHIP}
    assert len(result) >= 2
    assert {str(n) for n in result.column("name")} == {typed}
    for record in result.records():
        assert record["sentence"] is not None and int(record["start"]) < int(record["end"])


def test_an_entity_without_relations_has_mentions(seed_build: Path) -> None:
    with GraphStore.open(seed_build, create=False, read_only=True) as store:
        people = store.pyoxigraph_store.query(
            "PREFIX kg: <https://w3id.org/kg-zh/ontology#> "
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT ?label WHERE { ?p a ?class ; rdfs:label ?label "
            "FILTER EXISTS { ?m kg:mentionOf ?p } "
            "FILTER NOT EXISTS { ?s rdf:subject|rdf:object ?p } }")
        labels = [row["label"].value for row in people]
        assert labels, "the seed names an entity that takes part in no relation"
        result = run_named_query(store, "mentions", {"name": labels[0]})
        assert len(result) >= 1


def test_document_entities_by_id_path_and_title(seed_build: Path) -> None:
    with GraphStore.open(seed_build, create=False, read_only=True) as store:
        doc = store.document_iris()[0]
        by_iri = run_named_query(store, "document-entities", {"doc": f"<{doc}>"})
        by_id = run_named_query(store, "document-entities", {"doc": str(doc).rsplit("/", 1)[1]})
        title = next(iter(store.pyoxigraph_store.query(
            "SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t }")))["t"].value
        by_title = run_named_query(store, "document-entities", {"doc": title})
    assert by_iri.rows == by_id.rows == by_title.rows
    assert len(by_iri) > 20
    assert TOWNSHIP in {str(e) for e in by_iri.column("entity")}


def test_did_you_mean() -> None:
    with pytest.raises(QueryError, match="did you mean 'mentions'"):
        load_named_query("mentoins")
    assert load_named_query("Document_Entities").name == "document-entities"


def test_name_key() -> None:
    assert name_key("Fēng jīng Zhèn") == name_key("fengjingzhen") == name_key("FENGJING zhen")
    assert name_key("楓涇鎮") == name_key("枫泾镇")


def test_csv_and_xlsx_tables(seed_build: Path, tmp_path: Path) -> None:
    [entities, relations] = export_tables(seed_build, "csv", tmp_path / "tables")
    raw = entities.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    rows = list(csv.DictReader(entities.read_text(encoding="utf-8-sig").splitlines()))
    assert list(rows[0]) == list(ENTITY_COLUMNS)
    town = next(r for r in rows if r["iri"] == TOWNSHIP)
    assert (town["label"], town["traditional"], town["class"], town["official_code"]) == (
        "枫泾镇", "楓涇鎮", "Township", "310116102")
    assert town["english"] == "Fengjing Town" and town["pinyin"].lower().startswith("fēng")
    assert int(town["documents"]) == 1 and int(town["mentions"]) >= 2
    links = list(csv.DictReader(relations.read_text(encoding="utf-8-sig").splitlines()))
    assert list(links[0]) == list(RELATION_COLUMNS)
    assert {r["predicate"] for r in links} >= {"locatedIn", "memberOf"}
    assert not any(r["predicate"].startswith("http") for r in links)
    for row in links:
        assert row["evidence_sentence"] and row["document_title"] and row["document_date"]
        assert int(row["start_offset"]) < int(row["end_offset"])

    from openpyxl import load_workbook

    [book_path] = export_tables(seed_build, "xlsx", tmp_path / "graph.xlsx")
    book = load_workbook(book_path, read_only=True)
    assert book.sheetnames == ["entities", "relations"]
    sheet_rows = list(book["relations"].iter_rows(values_only=True))
    assert sheet_rows[0] == RELATION_COLUMNS and len(sheet_rows) == len(links) + 1
    assert isinstance(sheet_rows[1][RELATION_COLUMNS.index("start_offset")], int)


def test_cli_table_shows_labels_and_fits_the_terminal(seed_build: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kg", "query", str(seed_build), "--named", "evidence",
         "--param", "name=楓涇鎮"], capture_output=True, text=True, env={
             "COLUMNS": "100", "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert done.returncode == 0, done.stderr
    from rich.cells import cell_len

    lines = done.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 100
    assert "%E" not in done.stdout and "kgid:place/310116102" not in done.stdout
    assert "枫泾镇" in done.stdout
