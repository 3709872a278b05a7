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

import re
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.base.fsutil import is_corruption
from kg.errors import QueryError, StoreDamagedError
from kg.graph.terms import to_ox_term, to_rdflib_term
from kg.store.graphstore import GraphStore
from kg.store.ordering import (
    MAX_CACHED_TERMS,
    NOT_CONVERTED,
    forget_order_keys,
    sort_result,
    split_trailing_order,
)
from kg.store.query_plan import PatternSizes
from kg.store.results import QueryResult, QuerySource, normalise_term
from kg.store.trig import SERIALISATION_PREFIXES

if TYPE_CHECKING:
    pass


_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Characters RFC 3987 forbids in an IRI reference, as SPARQL's IRIREF does.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')





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
    forget_order_keys()


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


#: Oxigraph terms already turned into rdflib terms, shared by the queries of the
#: process. Why: rdflib builds a language-tagged literal in ~1.8 µs, which was
#: a third of a millisecond query's time, and a column repeats a few terms
#: (classes, predicates) while queries over one store repeat its labels and
#: IRIs. rdflib terms are immutable, so sharing them is safe.
_CONVERTED: dict[Any, Node | None] = {None: None}


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
    if len(_CONVERTED) > MAX_CACHED_TERMS:
        _forget_converted()
    converted = _CONVERTED
    known = converted.__getitem__

    def convert(value: Any) -> Node | None:
        term = converted.get(value, NOT_CONVERTED)
        if term is NOT_CONVERTED:
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



def planned_query(
    store: GraphStore, sparql: str, bindings: Mapping[str, str] | None = None
) -> str:
    """The text :func:`run_query` would send to Oxigraph for ``sparql`` on ``store``.

    Why: the planner rewrites the join order silently, and a user looking
    into a slow query needs to see what actually ran.
    """
    terms = _check_bindings(sparql, bindings or {}, "the query")
    return pattern_sizes(store).plan(sparql, terms)


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


