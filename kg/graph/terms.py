"""RDF terms between rdflib and Oxigraph, and their N-Triples form.

kg hands rdflib terms to its users (queries, views, tests) and keeps its graph
in Oxigraph, so terms cross between the two libraries in both directions.
Terms coming out of Oxigraph differ from what rdflib code writes in two
harmless-looking ways that break equality in rdflib: plain strings come back
as ``xsd:string``-typed literals and language tags come back in lower case
(``zh-hans``). :func:`to_rdflib_term` undoes both, so the graphs handed to the
rest of kg compare equal to the ones the graph stage built.

N-Triples lines are always written by Oxigraph's term writer, so every string
is escaped by an RDF library and never pasted by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import StoreError

Triple = tuple[Node, Node, Node]

_XSD_STRING = str(XSD.string)


@lru_cache(maxsize=256)
def canonical_language_tag(tag: str) -> str:
    """Write a BCP 47 tag in its conventional case: ``zh-hans`` → ``zh-Hans``.

    Language subtags are lower case, four-letter script subtags title case and
    two-letter region subtags upper case; everything after a singleton (``x-``,
    ``u-`` extensions) stays lower case (RFC 5646 §2.1.1). Cached: every label
    read from the store passes here, and a store holds a handful of tags.
    """
    parts = tag.lower().split("-")
    out = [parts[0]]
    after_singleton = False
    for part in parts[1:]:
        if len(part) == 1:
            after_singleton = True
        if not after_singleton and len(part) == 4 and part.isalpha():
            part = part.title()
        elif not after_singleton and len(part) == 2 and part.isalpha():
            part = part.upper()
        out.append(part)
    return "-".join(out)


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph) -> Node | None:
    """Convert an Oxigraph term to rdflib (``None`` for the default graph).

    Plain strings lose their explicit ``xsd:string`` datatype and language tags
    get their conventional case back, see the module docstring.
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=canonical_language_tag(term.language))
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise StoreError(f"unsupported RDF term from the store: {term!r}")


def to_ox_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to Oxigraph; invalid IRIs or tags raise StoreError."""
    try:
        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
    except ValueError as exc:
        raise StoreError(f"cannot store the RDF term {term!r}: {exc}") from exc
    raise StoreError(f"cannot store {term!r}: expected an IRI, blank node or literal")


def ntriples_line(triple: Triple) -> str:
    """One triple as an N-Triples line (terms written by Oxigraph), without the newline."""
    subject, predicate, obj = triple
    if isinstance(subject, Literal) or not isinstance(predicate, URIRef):
        raise StoreError(
            f"not an RDF triple: {triple!r}; the subject must be an IRI or blank node "
            "and the predicate an IRI"
        )
    return f"{to_ox_term(subject)} {to_ox_term(predicate)} {to_ox_term(obj)} ."


def ntriples(triples: Iterable[Triple]) -> str:
    """Triples as an N-Triples document, one sorted line each (for HTTP uploads)."""
    lines = sorted({ntriples_line(t) for t in triples})
    return "".join(line + "\n" for line in lines)
