"""SPARQL over the graph: ad-hoc and named queries, safe parameters, result formats.

Queries run on Oxigraph's engine when given a :class:`~kg.store.graphstore.GraphStore`
(whose default graph is the union of the document graphs, each triple once;
``GRAPH ?doc { … }`` reaches single documents) and on rdflib's engine when given
an rdflib graph, so the same query text works on a build directory and on a
graph held in memory.

Parameters (``--param name=木渎镇``) are never pasted into the query text. Each
value becomes one RDF term (a plain string literal, or an IRI when written as
``<…>``) that the engine binds to the variable of the same name: Oxigraph's
``substitutions`` or rdflib's ``initBindings``. A value such as
``"} ; DROP ALL ; #`` is then just a string that matches nothing.

Queries are read-only: only the query form of SPARQL is evaluated, and an
UPDATE request is reported as such instead of as a syntax error.

Named queries are the ``.rq`` files of ``ontology/queries/``. Each starts with
a comment block: the first line is a one-line summary, further lines describe
it, and ``# param: NAME — what it is`` lines declare the parameters, all of
which the caller must give.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.base.fsutil import is_corruption
from kg.errors import QueryError, StoreDamagedError
from kg.resources import queries_dir
from kg.store.graphstore import (
    SERIALISATION_PREFIXES,
    GraphStore,
    canonical_language_tag,
    to_ox_term,
    to_rdflib_term,
)
from kg.store.query_plan import PatternSizes

if TYPE_CHECKING:
    from rich.table import Table

FORMATS: tuple[str, ...] = ("table", "csv", "json")

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUERY_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_PARAM_LINE = re.compile(r"#\s*param:\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:[—–:-]+\s*)?(.*)")
# Characters RFC 3987 forbids in an IRI reference, as SPARQL's IRIREF does.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')

QuerySource = GraphStore | ox.Store | Graph
Row = tuple[Node | None, ...]


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- formats


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


# --------------------------------------------------------------------------- parameters


def parse_params(items: Iterable[str]) -> dict[str, str]:
    """Turn ``["name=木渎镇", …]`` (the CLI's ``--param`` values) into a dictionary."""
    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not _VARIABLE_NAME.fullmatch(name):
            raise QueryError(
                f"bad parameter {item!r}: write NAME=VALUE with NAME a SPARQL variable name "
                "(letters, digits, underscore), e.g. --param name=木渎镇"
            )
        params[name] = value
    return params


def param_term(value: str) -> URIRef | Literal:
    """The RDF term a parameter value stands for.

    ``<https://…>`` is an IRI; anything else is a plain string literal (labels
    are matched with ``STR(?label) = ?name`` so the language tag does not matter).
    """
    if len(value) >= 2 and value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
        if not iri or _IRI_FORBIDDEN.search(iri):
            raise QueryError(
                f"parameter value {value!r} is not a valid IRI; remove the angle brackets "
                "to pass it as a string"
            )
        return URIRef(iri)
    return Literal(value)


def _check_bindings(sparql: str, bindings: Mapping[str, str], origin: str) -> dict[str, Node]:
    terms: dict[str, Node] = {}
    for name, value in bindings.items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise QueryError(f"bad parameter name {name!r}: use letters, digits and underscores")
        if not re.search(rf"[?$]{name}(?![A-Za-z0-9_])", sparql):
            raise QueryError(f"{origin} has no variable ?{name} to bind the parameter {name!r} to")
        terms[name] = param_term(value)
    return terms


# --------------------------------------------------------------------------- running


def _is_update(sparql: str) -> bool:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(sparql)
    except Exception:  # noqa: BLE001 - any parse failure means "not an update"
        return False
    return True


def _syntax_error(sparql: str, origin: str, exc: Exception) -> QueryError:
    if _is_update(sparql):
        return QueryError(
            f"{origin} is a SPARQL UPDATE; kg query is read-only and only runs SELECT, "
            "ASK, CONSTRUCT and DESCRIBE queries"
        )
    return QueryError(f"SPARQL syntax error in {origin}: {exc}")


#: Each open GraphStore's pattern sizes and plans, with the store generation they were read at.
_SIZES: weakref.WeakKeyDictionary[GraphStore, tuple[int, PatternSizes]] = (
    weakref.WeakKeyDictionary()
)


def clear_query_caches() -> None:
    """Forget kept plans, pattern counts and converted terms, as a new process would.

    Nothing needs it for correct answers (the plans of a store are dropped
    when kg writes to it); benchmarks use it to time a first query.
    """
    _SIZES.clear()
    _forget_converted()


def _forget_converted() -> None:
    _CONVERTED.clear()
    _CONVERTED[None] = None  # an unbound value stays unbound
    _ORDER_KEYS.clear()


def pattern_sizes(store: GraphStore) -> PatternSizes:
    """The store's :class:`~kg.store.query_plan.PatternSizes`, kept until kg writes to it."""
    kept = _SIZES.get(store)
    if kept is None or kept[0] != store.generation:
        kept = _SIZES[store] = (
            store.generation, PatternSizes(store.pyoxigraph_store, SERIALISATION_PREFIXES)
        )
    return kept[1]


def _run_planned(
    store: ox.Store, sparql: str, terms: Mapping[str, Node], origin: str, sizes: PatternSizes
) -> QueryResult:
    """Run ``sparql`` with its triple patterns in the join order :mod:`kg.store.query_plan` plans.

    Should the planned text fail where the written one might not (a planner
    bug), the query runs as written, so planning can cost speed but never an
    answer, and errors always quote the user's query.
    """
    planned = sizes.plan(sparql, terms)
    if planned == sparql:
        return _run_on_oxigraph(store, sparql, terms, origin)
    try:
        return _run_on_oxigraph(store, planned, terms, origin)
    except QueryError:
        return _run_on_oxigraph(store, sparql, terms, origin)


def _run_on_oxigraph(
    store: ox.Store, sparql: str, terms: Mapping[str, Node], origin: str
) -> QueryResult:
    """Evaluate on Oxigraph; a final ORDER BY of plain variables is applied here instead.

    Why: Oxigraph compares two strings by reading both from its database, on
    every comparison of the sort, so sorting thousands of rows by their labels
    took 4x as long as finding them (``entities`` on 1M triples: 882 ms with
    its ORDER BY, 187 ms without; benchmarks/README.md). The rows come back
    as Python terms anyway and sort in milliseconds, in SPARQL's order
    (:func:`sparql_order_key`). Anything else (an ORDER BY on an expression,
    or followed by LIMIT or OFFSET) is left to Oxigraph.
    """
    split = split_trailing_order(sparql)
    if split is not None:
        unordered, order = split
        result = _evaluate_on_oxigraph(store, unordered, terms, origin)
        if result.boolean is None and all(name in result.columns for name, _ in order):
            return sort_result(result, order)
    return _evaluate_on_oxigraph(store, sparql, terms, origin)


#: A query's last clause when it is ``ORDER BY`` over plain variables, each
#: optionally in ``ASC(…)``/``DESC(…)``, with nothing after it (no LIMIT, OFFSET
#: or VALUES): the outermost query's ordering, safe to apply to its rows.
_TRAILING_ORDER_BY = re.compile(
    r"\bORDER\s+BY((?:\s*(?:[?$][A-Za-z_]\w*|(?:ASC|DESC)\s*\(\s*[?$][A-Za-z_]\w*\s*\)))+)\s*$",
    re.IGNORECASE,
)
_ORDER_CONDITION = re.compile(r"(?:(ASC|DESC)\s*\(\s*)?[?$]([A-Za-z_]\w*)", re.IGNORECASE)


def split_trailing_order(sparql: str) -> tuple[str, list[tuple[str, bool]]] | None:
    """The query without its final ``ORDER BY`` and that clause's ``(variable, descending)`` keys.

    None when the query does not end with an ORDER BY over plain variables.
    Comment lines after it are ignored; a comment on its own line is needed,
    since ``#`` also occurs inside IRIs.
    """
    lines = sparql.rstrip().split("\n")
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    text = "\n".join(lines)
    start = text.upper().rfind("ORDER")
    match = _TRAILING_ORDER_BY.match(text, start) if start >= 0 else None
    if match is None:
        return None
    keys = [
        (name, (direction or "").upper() == "DESC")
        for direction, name in _ORDER_CONDITION.findall(match.group(1))
    ]
    return text[:start], keys


_NUMERIC_TYPES = frozenset(
    XSD[name] for name in (
        "integer", "decimal", "float", "double", "int", "long", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
        "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    )
)
_TEMPORAL_TYPES = frozenset((XSD.dateTime, XSD.date, XSD.dateTimeStamp))
_RDF_LANG_STRING = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
#: Marks a term not converted yet (None is a value: an unbound variable).
_MISSING = object()
#: Oxigraph terms already turned into rdflib terms, shared by the queries of the
#: process. Why: rdflib builds a language-tagged literal in ~1.8 µs, which was
#: a third of a millisecond query's time, and a column repeats a few terms
#: (classes, predicates) while queries over one store repeat its labels and
#: IRIs. rdflib terms are immutable, so sharing them is safe.
_CONVERTED: dict[Any, Node | None] = {None: None}
#: Converted terms kept before the cache starts over (tens of MB at most).
_MAX_CONVERTED = 200_000
#: Sort keys of terms already sorted on, by ``id`` of the term, with the term
#: itself (a term kept here stays alive, so its ``id`` cannot name another
#: object). Why: the rows of repeated queries hold the same converted terms,
#: and computing their keys again was a tenth of ``relations``' time.
_ORDER_KEYS: dict[int, tuple[Node | None, tuple[Any, ...]]] = {}


def sparql_order_key(term: Node | None) -> tuple[Any, ...]:
    """A sort key that orders terms as SPARQL's ORDER BY does (SPARQL 1.1, 15.1).

    Unbound < blank nodes < IRIs < literals. Numbers compare by value,
    dates and times by instant (a time without a zone is taken as UTC),
    strings by code point; where SPARQL leaves the order to the engine, it
    follows Oxigraph's: a string with a language tag comes before the same
    text without one, and literals of other datatypes compare by their text.
    Literals SPARQL cannot compare with each other (a number and a string)
    are ordered by kind, so the order is total and the same on every run.
    """
    if not isinstance(term, Literal):
        if term is None:
            return (0,)
        if isinstance(term, BNode):
            return (1, str(term))
        return (2, str(term)) if isinstance(term, URIRef) else (4, str(term))
    datatype = term.datatype
    if datatype is None:  # the common case: a label
        return _string_key(term)
    if datatype in _NUMERIC_TYPES:
        try:
            return (3, 0, float(term), str(term))
        except (TypeError, ValueError):
            pass
    if datatype in _TEMPORAL_TYPES:
        instant = _instant(term)
        if instant is not None:
            return (3, 2, instant, str(term))
    if datatype in (XSD.string, _RDF_LANG_STRING):
        return _string_key(term)
    if datatype == XSD.boolean:
        return (3, 3, str(term) in ("true", "1"), str(term))
    return (3, 4, str(term), str(datatype))


def _string_key(term: Literal) -> tuple[Any, ...]:
    language = term.language
    return (3, 1, str(term), 0, language.lower()) if language else (3, 1, str(term), 1, "")


def _instant(term: Literal) -> float | None:
    value = term.toPython()
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return aware.timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).timestamp()
    return None


def sort_result(result: QueryResult, order: Sequence[tuple[str, bool]]) -> QueryResult:
    """``result`` with its rows sorted by ``(column, descending)`` keys, in SPARQL's order.

    The sort is stable: rows equal on every key keep the engine's order.
    """
    rows = list(result.rows)
    at = [result.columns.index(name) for name, _ in order]
    key_of = _order_keys(row[i] for row in rows for i in at)
    if not any(descending for _, descending in order):
        rows.sort(key=lambda row: [key_of[id(row[i])] for i in at])
    else:  # one stable pass per key, the last key first
        for (_, descending), i in zip(reversed(order), reversed(at), strict=True):
            rows.sort(key=lambda row, i=i: key_of[id(row[i])], reverse=descending)
    return QueryResult(columns=result.columns, rows=tuple(rows), boolean=result.boolean)


def _order_keys(terms: Iterable[Node | None]) -> dict[int, tuple[Any, ...]]:
    """The :func:`sparql_order_key` of each distinct term, by ``id``, from :data:`_ORDER_KEYS`.

    A column repeats its predicates, labels and IRIs, so each distinct term's
    key is looked up (or computed and kept) once per sort.
    """
    if len(_ORDER_KEYS) > _MAX_CONVERTED:
        _ORDER_KEYS.clear()
    kept = _ORDER_KEYS
    key_of: dict[int, tuple[Any, ...]] = {}
    for term in terms:
        ident = id(term)
        if ident in key_of:
            continue
        entry = kept.get(ident)
        if entry is None:  # a kept entry holds its term, so the same id is the same term
            entry = kept[ident] = (term, sparql_order_key(term))
        key_of[ident] = entry[1]
    return key_of


def _evaluate_on_oxigraph(
    store: ox.Store, sparql: str, terms: Mapping[str, Node], origin: str
) -> QueryResult:
    try:
        answer = store.query(
            sparql,
            prefixes=dict(SERIALISATION_PREFIXES),
            substitutions={ox.Variable(k): to_ox_term(v) for k, v in terms.items()},
        )
    except SyntaxError as exc:
        raise _syntax_error(sparql, origin, exc) from exc
    except (OSError, RuntimeError) as exc:
        if is_corruption(exc):
            raise StoreDamagedError(_first_words(exc)) from exc
        if "SELECT projection" in str(exc):
            names = ", ".join(f"?{k}" for k in terms)
            raise QueryError(
                f"{origin} must list its parameter variables ({names}) in the SELECT clause: "
                "Oxigraph binds parameters only to projected variables"
            ) from exc
        raise QueryError(f"{origin} failed: {exc}") from exc
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(columns=(), boolean=bool(answer))
    if isinstance(answer, ox.QueryTriples):
        rows = tuple(
            (to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object))
            for t in answer
        )
        return QueryResult(columns=("subject", "predicate", "object"), rows=rows)
    columns = tuple(v.value for v in answer.variables)
    if len(_CONVERTED) > _MAX_CONVERTED:
        _forget_converted()
    converted = _CONVERTED
    known = converted.__getitem__

    def convert(value: Any) -> Node | None:
        term = converted.get(value, _MISSING)
        if term is _MISSING:
            term = converted[value] = to_rdflib_term(value)
        return term  # type: ignore[return-value]

    rows = []
    try:
        for solution in answer:
            try:  # every term seen before: a lookup each, without a Python call
                rows.append(tuple(map(known, solution)))
            except KeyError:
                rows.append(tuple(map(convert, solution)))
    except (OSError, RuntimeError) as exc:  # the store's files are read as rows come
        if is_corruption(exc):
            raise StoreDamagedError(_first_words(exc)) from exc
        raise QueryError(f"{origin} failed: {exc}") from exc
    return QueryResult(columns=columns, rows=tuple(rows))


def _first_words(exc: BaseException) -> str:
    return " ".join(str(exc).split()).split(" The file ")[0][:160]


def _run_on_rdflib(
    graph: Graph, sparql: str, terms: Mapping[str, Node], origin: str
) -> QueryResult:
    try:
        answer = graph.query(sparql, initNs=SERIALISATION_PREFIXES, initBindings=dict(terms))
        if answer.type == "ASK":
            return QueryResult(columns=(), boolean=bool(answer.askAnswer))
        if answer.type in ("CONSTRUCT", "DESCRIBE"):
            rows = tuple(
                tuple(normalise_term(t) for t in triple) for triple in answer.graph
            )
            return QueryResult(columns=("subject", "predicate", "object"), rows=rows)
        columns = tuple(str(v) for v in answer.vars or ())
        rows = tuple(tuple(normalise_term(v) for v in row) for row in answer)
    except QueryError:
        raise
    except Exception as exc:  # rdflib raises pyparsing and plain exceptions alike
        if type(exc).__name__ == "ParseException":
            raise _syntax_error(sparql, origin, exc) from exc
        raise QueryError(f"{origin} failed: {exc}") from exc
    return QueryResult(columns=columns, rows=rows)


def run_query(
    source: QuerySource,
    sparql: str,
    bindings: Mapping[str, str] | None = None,
    *,
    origin: str = "the query",
) -> QueryResult:
    """Run a read-only SPARQL query with parameters bound as RDF terms.

    ``source`` is a GraphStore or pyoxigraph Store (default graph = union of
    all documents) or an rdflib Graph/Dataset (queried as it is). ``bindings`` maps variable names
    (without ``?``) to parameter values, see :func:`param_term`. ``origin``
    names the query in error messages.
    """
    terms = _check_bindings(sparql, bindings or {}, origin)
    if isinstance(source, GraphStore):
        store = source.pyoxigraph_store
        return _run_planned(store, sparql, terms, origin, pattern_sizes(source))
    if isinstance(source, ox.Store):
        sizes = PatternSizes(source, SERIALISATION_PREFIXES)
        return _run_planned(source, sparql, terms, origin, sizes)
    if isinstance(source, Graph):
        return _run_on_rdflib(source, sparql, terms, origin)
    raise QueryError(
        f"cannot query a {type(source).__name__}; pass a GraphStore or an rdflib Graph"
    )


# --------------------------------------------------------------------------- named queries


@dataclass(frozen=True)
class NamedQuery:
    """One ``.rq`` file of the query folder, with its documentation parsed."""

    name: str
    path: Path
    sparql: str
    summary: str
    description: str = ""
    #: Parameter name → what it means, in declaration order.
    params: dict[str, str] = field(default_factory=dict)


def parse_named_query(path: Path) -> NamedQuery:
    """Read a ``.rq`` file and the comment block at its top."""
    text = path.read_text(encoding="utf-8")
    comments: list[str] = []
    params: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("#"):
            if line:
                break
            continue
        match = _PARAM_LINE.fullmatch(line)
        if match:
            params[match.group(1)] = match.group(2).strip()
        else:
            comments.append(line.lstrip("#").strip())
    paragraphs = "\n".join(comments).strip().split("\n", 1)
    summary = paragraphs[0].strip()
    description = paragraphs[1].strip() if len(paragraphs) > 1 else ""
    return NamedQuery(
        name=path.stem, path=path, sparql=text, summary=summary,
        description=description, params=params,
    )


def list_named_queries(folder: Path | None = None) -> list[NamedQuery]:
    """All named queries, sorted by name."""
    directory = folder or queries_dir()
    return [parse_named_query(p) for p in sorted(directory.glob("*.rq"))]


def load_named_query(name: str, folder: Path | None = None) -> NamedQuery:
    """The named query ``name``; an unknown name raises QueryError with the likeliest one.

    Names are matched case-insensitively, ``_`` standing for ``-``.
    """
    import difflib

    directory = folder or queries_dir()
    known = [q.name for q in list_named_queries(directory)]
    wanted = name.strip().lower().replace("_", "-")
    if wanted in known and _QUERY_NAME.fullmatch(wanted):
        return parse_named_query(directory / f"{wanted}.rq")
    close = difflib.get_close_matches(wanted, known, n=1, cutoff=0.6)
    guess = f"did you mean {close[0]!r}? " if close else ""
    available = ", ".join(known) or "(none)"
    raise QueryError(f"unknown named query {name!r}; {guess}available: {available}")


def _checked_named_query(name: str, given: Mapping[str, str], folder: Path | None) -> NamedQuery:
    """The named query ``name``, once ``given`` matches the parameters it declares."""
    query = load_named_query(name, folder)
    unknown = sorted(set(given) - set(query.params))
    if unknown:
        declared = ", ".join(query.params) or "none"
        raise QueryError(
            f"query {name!r} has no parameter {unknown[0]!r}; its parameters: {declared}"
        )
    missing = [p for p in query.params if p not in given]
    if missing:
        p = missing[0]
        raise QueryError(f"query {name!r} needs --param {p}=VALUE ({query.params[p]})")
    return query


def run_named_query(
    source: QuerySource,
    name: str,
    bindings: Mapping[str, str] | None = None,
    folder: Path | None = None,
) -> QueryResult:
    """Run a named query after checking its parameters against its declaration.

    For kg's own queries (``folder`` None) on a build or an rdflib graph,
    ``name`` may be any spelling of a label and ``doc`` any handle of a
    document (:mod:`kg.store.names`): the query runs
    for each stored label or document they stand for, and the rows are
    merged, in the query's order, with the parameter as it was typed.
    """
    given = dict(bindings or {})
    query = _checked_named_query(name, given, folder)
    origin = f"named query {query.name!r}"
    # kg's own queries only: a query from elsewhere gets its parameters as given
    choices = _parameter_choices(source, given) if folder is None else []
    if not choices:
        return run_query(source, query.sparql, given, origin=origin)
    results = [run_query(source, query.sparql, {**given, **choice}, origin=origin)
               for choice in choices]
    typed = {"name": given["name"]} if "name" in choices[0] else {}
    return _merged(results, typed, query.sparql)


def _parameter_choices(source: QuerySource, given: Mapping[str, str]) -> list[dict[str, str]]:
    """The bindings ``name`` and ``doc`` stand for in ``source``; [] to run the query as given."""
    from kg.store import names

    if not isinstance(source, GraphStore | ox.Store | Graph):
        return []
    options: dict[str, list[str]] = {}
    if "name" in given and not given["name"].startswith("<"):
        found = names.label_index(source).labels_for(given["name"])
        if found and found != [given["name"]]:
            options["name"] = found
    if "doc" in given:
        docs = names.document_iris(source, given["doc"])
        if docs:
            options["doc"] = [f"<{iri}>" for iri in docs]
    choices: list[dict[str, str]] = [{}]
    for key, values in options.items():
        choices = [{**choice, key: value} for choice in choices for value in values]
    return choices if options else []


def _merged(results: Sequence[QueryResult], typed: Mapping[str, str], sparql: str) -> QueryResult:
    """The rows of several runs of one query, each once, in the query's final order."""
    columns = results[0].columns
    shown = {columns.index(k): Literal(v) for k, v in typed.items()
             if k in columns and not v.startswith("<")}
    rows: dict[Row, None] = {}
    for result in results:
        for row in result.rows:
            if shown:
                row = tuple(shown.get(i, value) for i, value in enumerate(row))
            rows[row] = None
    merged = QueryResult(columns=columns, rows=tuple(rows))
    split = split_trailing_order(sparql)
    if split is not None and all(name in columns for name, _ in split[1]):
        merged = sort_result(merged, split[1])
    return merged


def planned_query(
    store: GraphStore, sparql: str, bindings: Mapping[str, str] | None = None
) -> str:
    """The text :func:`run_query` would send to Oxigraph for ``sparql`` on ``store``.

    Why: the planner rewrites the join order silently, and a user looking
    into a slow query needs to see what actually ran.
    """
    terms = _check_bindings(sparql, bindings or {}, "the query")
    return pattern_sizes(store).plan(sparql, terms)


def planned_named_query(
    store: GraphStore, name: str, bindings: Mapping[str, str] | None = None
) -> str:
    """:func:`planned_query` for a named query, its parameters checked as for running it."""
    given = dict(bindings or {})
    query = _checked_named_query(name, given, None)
    return planned_query(store, query.sparql, given)


# --------------------------------------------------------------------------- remote endpoints


def standalone_query(
    sparql: str, bindings: Mapping[str, str] | None = None, origin: str = "the query"
) -> str:
    """A query any SPARQL endpoint can run on its own: prefixes declared, parameters inlined.

    Why: locally, parameters are bound as terms and kg's prefixes are known to
    the engine; the SPARQL protocol has neither. Each parameter becomes a
    one-row ``VALUES`` block at the top of the query's WHERE clause, its term
    written by Oxigraph (never pasted by hand), and the prefixes kg supplies
    implicitly are declared unless the query declares them itself.
    """
    terms = _check_bindings(sparql, bindings or {}, origin)
    if terms:
        body = "\n".join(re.sub(r"^\s*#.*$", "", line) for line in sparql.splitlines())
        where = re.search(r"\bWHERE\s*\{", body, flags=re.IGNORECASE)
        if where is None:
            raise QueryError(
                f"{origin} needs a WHERE clause to take parameters when sent to an endpoint"
            )
        names = " ".join(f"?{n}" for n in terms)
        values = " ".join(str(to_ox_term(t)) for t in terms.values())
        sparql = f"{body[: where.end()]} VALUES ({names}) {{ ({values}) }}{body[where.end():]}"
    prologue = [
        f"PREFIX {prefix}: <{namespace}>"
        for prefix, namespace in SERIALISATION_PREFIXES.items()
        if not re.search(rf"PREFIX\s+{prefix}\s*:", sparql, flags=re.IGNORECASE)
    ]
    return "\n".join([*prologue, sparql])


def standalone_named_query(
    name: str, bindings: Mapping[str, str] | None = None, folder: Path | None = None
) -> str:
    """:func:`standalone_query` for a named query, its parameters checked first."""
    given = dict(bindings or {})
    query = _checked_named_query(name, given, folder)
    return standalone_query(query.sparql, given, origin=f"named query {name!r}")
