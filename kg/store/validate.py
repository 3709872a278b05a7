"""Checking a graph against the SHACL shapes of the graph contract.

The shapes live in ``ontology/shapes.ttl`` (one rule per constraint of
docs/architecture.md: one zh-Hans label per entity, well-formed official codes,
complete statement provenance with ordered offsets, boolean flags, IRI-valued
relations). pyshacl evaluates them; this module turns its result graph into a
short report with one line per violation, sorted, so that two runs on the same
graph print the same report and a user can grep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.errors import ValidationError
from kg.resources import shapes_file
from kg.store.results import display_term


@dataclass(frozen=True, order=True)
class Violation:
    """One failed constraint: which node, along which property, and why."""

    focus: str
    path: str
    constraint: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"- {self.focus} {self.path} [{self.constraint}]: {self.message}{value}"


def load_shapes(path: Path | None = None) -> Graph:
    """The shapes graph (``ontology/shapes.ttl`` unless another file is given)."""
    source = path or shapes_file()
    if not source.is_file():
        raise ValidationError(f"SHACL shapes file {source} is missing; reinstall kg")
    return Graph().parse(source, format="turtle")


def _text(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return repr(str(term)) if term.language is None else f"{str(term)!r}@{term.language}"
    return display_term(term)


def _constraint(results: Graph, result: Node) -> str:
    """``sh:MaxCountConstraintComponent`` → ``MaxCount``."""
    component = results.value(result, SH.sourceConstraintComponent)
    if not isinstance(component, URIRef):
        return "constraint"
    return str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")


def violations(results: Graph) -> list[Violation]:
    """The results of a pyshacl report graph, sorted (duplicates removed)."""
    found = set()
    for result in results.subjects(SH.resultSeverity, None):
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        found.add(
            Violation(
                focus=_text(results.value(result, SH.focusNode)),
                path=_text(results.value(result, SH.resultPath)),
                constraint=_constraint(results, result),
                message=messages[0] if messages else "constraint failed",
                value=_text(results.value(result, SH.value)),
            )
        )
    return sorted(found)


def format_report(conforms: bool, found: list[Violation]) -> str:
    """The report printed by ``kg validate``."""
    if conforms:
        return "Conforms: the graph satisfies every shape.\n"
    lines = [f"Does not conform: {len(found)} violation{'s' if len(found) != 1 else ''}."]
    lines.extend(str(v) for v in found)
    return "\n".join(lines) + "\n"


def validate_graph(graph: Graph, shapes: Graph | None = None) -> tuple[bool, str]:
    """Validate ``graph`` (usually ``GraphStore.rdflib_graph()``); return (conforms, report)."""
    from pyshacl import validate

    conforms, results, _ = validate(
        graph,
        shacl_graph=shapes if shapes is not None else load_shapes(),
        inference="none",
        advanced=False,
        allow_warnings=True,
    )
    return bool(conforms), format_report(bool(conforms), violations(results))


def require_valid(graph: Graph, shapes: Graph | None = None) -> None:
    """Raise ValidationError carrying the report when ``graph`` does not conform."""
    conforms, report = validate_graph(graph, shapes)
    if not conforms:
        raise ValidationError(report.rstrip())
