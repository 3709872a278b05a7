"""Named queries: the ``.rq`` files of ``ontology/queries/``, their parameters, running them.

Each file starts with a comment block: a one-line summary, more lines of
description, and ``# param: NAME — what it is`` lines, all of which the
caller must give. A parameter left out on a store is run for each value the
store holds, when the query says how to list them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, Literal

from kg.errors import QueryError
from kg.resources import queries_dir
from kg.store.graphstore import GraphStore
from kg.store.ordering import sort_result, split_trailing_order
from kg.store.query import planned_query, run_query, standalone_query
from kg.store.results import QueryResult, QuerySource, Row

if TYPE_CHECKING:
    pass


_QUERY_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


_PARAM_LINE = re.compile(r"#\s*param:\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:[—–:-]+\s*)?(.*)")


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


def planned_named_query(
    store: GraphStore, name: str, bindings: Mapping[str, str] | None = None
) -> str:
    """:func:`planned_query` for a named query, its parameters checked as for running it."""
    given = dict(bindings or {})
    query = _checked_named_query(name, given, None)
    return planned_query(store, query.sparql, given)


def standalone_named_query(
    name: str, bindings: Mapping[str, str] | None = None, folder: Path | None = None
) -> str:
    """:func:`standalone_query` for a named query, its parameters checked first."""
    given = dict(bindings or {})
    query = _checked_named_query(name, given, folder)
    return standalone_query(query.sparql, given, origin=f"named query {name!r}")
