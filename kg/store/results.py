"""Query results and their formats: a table for people, CSV and JSON for programs.

A ``QueryResult`` holds rdflib terms whichever engine answered, so every
format, and every caller, sees the same values; entity IRIs are shown by
their labels in tables.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import QueryError
from kg.graph.terms import canonical_language_tag
from kg.store.graphstore import GraphStore
from kg.store.trig import SERIALISATION_PREFIXES

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


FORMATS: tuple[str, ...] = ("table", "csv", "json")


QuerySource = GraphStore | ox.Store | Graph


Row = tuple[Node | None, ...]


@dataclass(frozen=True)
class QueryResult:
    """The answer to a query: named columns and rows of rdflib terms (None = unbound).

    An ASK query has no columns and sets ``boolean``; a CONSTRUCT or DESCRIBE
    query has the columns ``subject``, ``predicate``, ``object``.
    """

    columns: tuple[str, ...]
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict[str, Node | None]]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Node | None]:
        """All values of one column."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_sparql_json(self) -> dict[str, Any]:
        """The result in the SPARQL 1.1 Query Results JSON Format."""
        if self.boolean is not None:
            return {"head": {}, "boolean": self.boolean}
        bindings = [
            {col: _term_json(value) for col, value in zip(self.columns, row, strict=True)
             if value is not None}
            for row in self.rows
        ]
        return {"head": {"vars": list(self.columns)}, "results": {"bindings": bindings}}

    @classmethod
    def from_sparql_json(cls, data: Mapping[str, Any]) -> QueryResult:
        """Read a SPARQL 1.1 JSON result document (as returned by an endpoint)."""
        if "boolean" in data:
            return cls(columns=(), boolean=bool(data["boolean"]))
        try:
            columns = tuple(data["head"]["vars"])
            rows = tuple(
                tuple(_json_term(binding[c]) if c in binding else None for c in columns)
                for binding in data["results"]["bindings"]
            )
        except (KeyError, TypeError) as exc:
            raise QueryError(f"not a SPARQL JSON result (missing {exc})") from exc
        return cls(columns=columns, rows=rows)


def _term_json(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            out["datatype"] = str(term.datatype)
        return out
    raise QueryError(f"cannot write {term!r} as a SPARQL JSON term")


def _json_term(value: Mapping[str, str]) -> Node:
    kind = value.get("type")
    text = value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        return normalise_term(
            Literal(text, lang=value.get("xml:lang"), datatype=value.get("datatype"))
        )
    raise QueryError(f"unsupported term in SPARQL JSON result: {value!r}")


def normalise_term(term: Node | None) -> Node | None:
    """Drop an explicit ``xsd:string`` datatype and fix the case of language tags."""
    if isinstance(term, Literal):
        if term.language:
            return Literal(str(term), lang=canonical_language_tag(term.language))
        if term.datatype == XSD.string:
            return Literal(str(term))
    return term


def display_term(term: Node | None) -> str:
    """A short human-readable form: IRIs with a known prefix, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        best = max(
            ((p, ns) for p, ns in SERIALISATION_PREFIXES.items() if term.startswith(ns)),
            key=lambda item: len(item[1]),
            default=None,
        )
        return f"{best[0]}:{term[len(best[1]):]}" if best else str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _csv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def format_table(
    result: QueryResult,
    max_width: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """Plain text with aligned columns (wide CJK characters count as two cells).

    For people, not programs: kg's IRIs are shown with their percent-encoding
    undone (``kgid:org/Alliance/长三角…``), or as the entity's label when
    ``labels`` has one (:func:`entity_labels`), and with ``max_width`` (the
    terminal's width) the widest columns are cut with "…" until a row fits.
    """
    from rich.cells import cell_len

    if result.boolean is not None:
        return "true\n" if result.boolean else "false\n"
    labels = labels or {}
    cells = [
        [labels.get(str(v), "") or readable_term(v) if v is not None else "" for v in row]
        for row in result.rows
    ]
    widths = [
        max([cell_len(name)] + [cell_len(row[i]) for row in cells])
        for i, name in enumerate(result.columns)
    ]
    if max_width is not None:
        widths = fit_widths(widths, [cell_len(name) for name in result.columns], max_width)

    def line(values: Sequence[str]) -> str:
        cut = (truncate_cells(v, w) for v, w in zip(values, widths, strict=True))
        padded = (v + " " * (w - cell_len(v)) for v, w in zip(cut, widths, strict=True))
        return "  ".join(padded).rstrip()

    out = [line(result.columns), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    out.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def readable_term(term: Node | None) -> str:
    """:func:`display_term` with the percent-encoding of kg's IRIs undone."""
    from urllib.parse import unquote

    shown = display_term(term)
    return unquote(shown) if isinstance(term, URIRef) and "%" in shown else shown


def fit_widths(widths: list[int], minimums: list[int], max_width: int) -> list[int]:
    """Column widths that fit ``max_width`` cells (two spaces between columns), widest cut first.

    No column is cut below its header (or 3 cells), so a very narrow
    terminal still gets its headers whole, and wraps instead.
    """
    widths = list(widths)
    floors = [max(m, 3) for m in minimums]
    while sum(widths) + 2 * (len(widths) - 1) > max_width:
        widest = max(range(len(widths)), key=lambda i: widths[i] - floors[i])
        if widths[widest] <= floors[widest]:
            break
        widths[widest] -= 1
    return widths


def truncate_cells(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, ending in "…" when cut."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def entity_labels(source: QuerySource, result: QueryResult) -> dict[str, str]:
    """The ``rdfs:label`` of each kg entity IRI in ``result`` (documents and provenance aside)."""
    iris = sorted({
        str(v) for row in result.rows for v in row
        if isinstance(v, URIRef) and str(v).startswith(SERIALISATION_PREFIXES["kgid"])
        and not str(v).startswith(tuple(
            SERIALISATION_PREFIXES["kgid"] + part
            for part in ("doc/", "stmt/", "sent/", "mention/", "graph/")
        ))
    })
    if not iris or not isinstance(source, GraphStore):
        return {}
    labels: dict[str, str] = {}
    store = source.pyoxigraph_store
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for iri in iris:
        found = sorted(q.object.value for q in store.quads_for_pattern(
            ox.NamedNode(iri), label, None, ox.DefaultGraph()))
        if found:
            labels[iri] = found[0]
    return labels


def rich_table(result: QueryResult) -> Table:
    """The result as a rich Table, for printing to a terminal."""
    from rich.table import Table

    table = Table(show_lines=False)
    if result.boolean is not None:
        table.add_column("boolean")
        table.add_row(str(result.boolean).lower())
        return table
    for name in result.columns:
        table.add_column(name, overflow="fold")
    for row in result.rows:
        table.add_row(*(display_term(v) for v in row))
    return table


def format_csv(result: QueryResult) -> str:
    """The SPARQL 1.1 CSV results format: full IRIs, literals as their lexical form."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.boolean is not None:
        writer.writerow(["boolean"])
        writer.writerow([str(result.boolean).lower()])
        return buffer.getvalue()
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_csv_term(v) for v in row])
    return buffer.getvalue()


def format_json(result: QueryResult) -> str:
    """The SPARQL 1.1 JSON results format, UTF-8 kept readable."""
    return json.dumps(result.to_sparql_json(), ensure_ascii=False, indent=2) + "\n"


def format_result(result: QueryResult, fmt: str) -> str:
    """Render a result as ``table``, ``csv`` or ``json``."""
    formatters = {"table": format_table, "csv": format_csv, "json": format_json}
    if fmt not in formatters:
        raise QueryError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return formatters[fmt](result)


def print_result(console: Console, result: QueryResult, fmt: str, labels: dict[str, str]) -> None:
    """A query's answer on ``console``: a table fits a terminal (or $COLUMNS), a pipe all of it."""
    if fmt != "table":
        console.print(format_result(result, fmt), markup=False, end="")
        return
    width = console.width if console.is_terminal or os.environ.get("COLUMNS") else None
    console.print(format_table(result, max_width=width, labels=labels), markup=False, end="")
