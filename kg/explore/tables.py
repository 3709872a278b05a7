"""The graph as two tables a colleague can open: entities and relations (CSV or Excel).

``kg export DIR --format csv -o FOLDER`` writes ``entities.csv`` and
``relations.csv``; ``--format xlsx -o FILE.xlsx`` writes the same tables as
two sheets. They are for people with a spreadsheet, not for RDF tools, so:

- CSV files are UTF-8 with a byte-order mark, which is what makes Excel
  read Chinese correctly instead of guessing a legacy code page;
- classes and predicates are their compact names (``Township``,
  ``locatedIn``), entities appear by label, with their IRI in a last column
  for those who want to join back to the graph;
- every relation row carries its evidence: the sentence, the document's
  title, date and URL, the character offsets and, for PDF and Word sources,
  the page or paragraph;
- every entity row carries its labels in Simplified, Traditional, pinyin and
  English, its class, its official code and how many documents mention it.

Rows are sorted, so the same graph always gives the same files.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.base.fsutil import atomic_write_bytes, atomic_writer
from kg.base.vocab import ENTITY_CLASSES, KG
from kg.errors import StoreError
from kg.read.normalise import to_traditional
from kg.store.graphstore import GraphStore

ENTITY_COLUMNS = (
    "label", "traditional", "pinyin", "english", "class", "official_code",
    "documents", "mentions", "iri",
)
RELATION_COLUMNS = (
    "subject", "predicate", "object", "evidence_sentence", "evidence_text",
    "document_title", "document_date", "document_url", "source_file", "start_offset",
    "end_offset", "page", "paragraph", "rule", "confidence", "subject_class",
    "object_class", "subject_iri", "object_iri", "document_iri",
)

_PREFIXES = (
    "PREFIX kg: <https://w3id.org/kg-zh/ontology#>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
)


@dataclass(frozen=True)
class Tables:
    """The two tables, as rows of strings in column order."""

    entities: list[tuple[str, ...]]
    relations: list[tuple[str, ...]]


def _value(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    return "" if term is None else term.value


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1] if iri.startswith(str(KG)) else iri


def graph_tables(store: GraphStore) -> Tables:
    """The entity and relation tables of a build."""
    ox_store = store.pyoxigraph_store
    classes = " ".join(f"kg:{c}" for c in ENTITY_CLASSES)
    entities: dict[str, dict[str, str]] = {}
    for row in ox_store.query(_PREFIXES + (
        f"SELECT ?e ?c ?label WHERE {{ VALUES ?c {{ {classes} }} ?e a ?c ; rdfs:label ?label }}"
    )):
        iri = row["e"].value
        item = entities.setdefault(iri, {"label": row["label"].value, "class": set()})
        item["class"].add(_local(row["c"].value))  # type: ignore[union-attr]
        item["label"] = min(item["label"], row["label"].value)
    alt: dict[str, dict[str, str]] = defaultdict(dict)
    for row in ox_store.query(_PREFIXES + "SELECT ?e ?alt WHERE { ?e skos:altLabel ?alt }"):
        literal = row["alt"]
        if row["e"].value in entities and isinstance(literal, ox.Literal) and literal.language:
            forms = alt[row["e"].value]
            tag = literal.language.lower()
            forms[tag] = min(forms.get(tag, literal.value), literal.value)
    codes = {row["e"].value: row["code"].value for row in ox_store.query(
        _PREFIXES + "SELECT ?e ?code WHERE { ?e kg:officialCode ?code }")}
    mentions: dict[str, tuple[int, int]] = {
        row["e"].value: (int(row["d"].value), int(row["m"].value))
        for row in ox_store.query(_PREFIXES + (
            "SELECT ?e (COUNT(DISTINCT ?g) AS ?d) (COUNT(DISTINCT ?m) AS ?m) "
            "WHERE { GRAPH ?g { ?m kg:mentionOf ?e } } GROUP BY ?e"
        ))
    }
    entity_rows = []
    for iri, item in entities.items():
        forms = alt.get(iri, {})
        label = item["label"]
        documents, count = mentions.get(iri, (0, 0))
        entity_rows.append((
            label, forms.get("zh-hant") or to_traditional(label), forms.get("zh-latn-pinyin", ""),
            forms.get("en", ""), "|".join(sorted(item["class"])), codes.get(iri, ""),
            str(documents), str(count), iri,
        ))
    entity_rows.sort(key=lambda r: (r[4], r[0], r[-1]))
    return Tables(entity_rows, _relation_rows(ox_store, entities))


def _relation_rows(
    ox_store: ox.Store, entities: dict[str, dict[str, object]]
) -> list[tuple[str, ...]]:
    rows = ox_store.query(_PREFIXES + """
SELECT ?st ?s ?p ?o ?doc ?sentence ?text ?title ?issued ?url ?file ?start ?end ?page ?paragraph
       ?rule ?confidence
WHERE {
  ?st a kg:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:inDocument ?doc .
  OPTIONAL { ?st kg:sentence/kg:text ?sentence }
  OPTIONAL { ?st kg:text ?text }
  OPTIONAL { ?st kg:startOffset ?start }
  OPTIONAL { ?st kg:endOffset ?end }
  OPTIONAL { ?st kg:page ?page }
  OPTIONAL { ?st kg:paragraph ?paragraph }
  OPTIONAL { ?st kg:rule ?rule }
  OPTIONAL { ?st kg:confidence ?confidence }
  OPTIONAL { ?doc dcterms:title ?title }
  OPTIONAL { ?doc dcterms:issued ?issued }
  OPTIONAL { ?doc dcterms:source ?url }
  OPTIONAL { ?doc kg:sourceFile ?file }
}""")

    def label(iri: str) -> str:
        item = entities.get(iri)
        return str(item["label"]) if item else iri

    def cls(iri: str) -> str:
        item = entities.get(iri)
        return "|".join(sorted(item["class"])) if item else ""  # type: ignore[arg-type]

    out = {}
    for row in rows:
        s, o = row["s"].value, row["o"].value
        out[row["st"].value] = (
            label(s), _local(row["p"].value), label(o), _value(row["sentence"]),
            _value(row["text"]), _value(row["title"]), _value(row["issued"]), _value(row["url"]),
            _value(row["file"]), _value(row["start"]), _value(row["end"]), _value(row["page"]),
            _value(row["paragraph"]), _value(row["rule"]), _value(row["confidence"]),
            cls(s), cls(o), s, o, row["doc"].value,
        )
    return sorted(out.values(), key=lambda r: (r[5], r[19], _int(r[9]), r[1], r[0], r[2]))


def _int(text: str) -> int:
    return int(text) if text.isdigit() else -1


def write_csv_tables(tables: Tables, folder: Path) -> list[Path]:
    """``entities.csv`` and ``relations.csv`` in ``folder`` (UTF-8 with BOM, CRLF, for Excel)."""
    if folder.exists() and not folder.is_dir():
        raise StoreError(
            f"{folder} is a file; --format csv writes a folder (entities.csv, relations.csv)"
        )
    written = []
    for name, columns, rows in (
        ("entities.csv", ENTITY_COLUMNS, tables.entities),
        ("relations.csv", RELATION_COLUMNS, tables.relations),
    ):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(rows)
        written.append(atomic_write_bytes(folder / name, buffer.getvalue().encode("utf-8-sig")))
    return written


def write_xlsx_tables(tables: Tables, path: Path) -> Path:
    """One workbook with the sheets ``entities`` and ``relations``, header row frozen."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    if path.suffix.lower() != ".xlsx":
        raise StoreError(f"{path}: an Excel workbook must end in .xlsx")
    book = Workbook(write_only=True)
    for title, columns, rows in (
        ("entities", ENTITY_COLUMNS, tables.entities),
        ("relations", RELATION_COLUMNS, tables.relations),
    ):
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            wide = column in ("evidence_sentence", "document_title", "evidence_text")
            sheet.column_dimensions[get_column_letter(index)].width = 60 if wide else 18
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_cell(column, value) for column, value in zip(columns, row, strict=True)])
    with atomic_writer(path) as handle:
        book.save(handle)
    return path


_NUMERIC = {"documents", "mentions", "start_offset", "end_offset", "page", "paragraph"}


def _cell(column: str, value: str) -> str | int | float:
    """Counts and offsets as numbers (so a sheet sorts them as numbers), the rest as text."""
    if column in _NUMERIC and value.isdigit():
        return int(value)
    if column == "confidence" and value:
        try:
            return float(value)
        except ValueError:
            return value
    return value


def export_tables(directory: Path, fmt: str, output: Path) -> list[Path]:
    """Read the build in ``directory`` and write its tables as ``csv`` (a folder) or ``xlsx``."""
    with GraphStore.open(directory, create=False, read_only=True) as store:
        tables = graph_tables(store)
    if fmt == "csv":
        return write_csv_tables(tables, Path(output))
    return [write_xlsx_tables(tables, Path(output))]
