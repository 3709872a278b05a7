"""SPARQL ``ORDER BY`` done in Python, for the one order the genre's queries use most.

Why: Oxigraph sorts late and slowly on large answers; a trailing ORDER BY is
cut off, the query runs unsorted and the rows are sorted here with the
SPARQL ordering of terms (numbers by value, dates by instant, strings by
code point), with the sort keys of terms kept between queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.store.results import QueryResult

if TYPE_CHECKING:
    pass


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
NOT_CONVERTED = object()


#: Converted terms kept before the cache starts over (tens of MB at most).
MAX_CACHED_TERMS = 200_000
#: Sort keys of terms already sorted on, by ``id`` of the term, with the term
#: itself (a term kept here stays alive, so its ``id`` cannot name another
#: object). Why: the rows of repeated queries hold the same converted terms,
#: and computing their keys again was a tenth of ``relations``' time.
_ORDER_KEYS: dict[int, tuple[Node | None, tuple[Any, ...]]] = {}


def forget_order_keys() -> None:
    """Drop the kept sort keys (with the converted terms, before a store changes)."""
    _ORDER_KEYS.clear()


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
    if len(_ORDER_KEYS) > MAX_CACHED_TERMS:
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
