"""One exception family, so the CLI can turn any of them into a one-line message.

Every message names the offending value (a file, a query name, a parameter) and,
where there is one, what the user can do about it.
"""

from __future__ import annotations


class KgError(Exception):
    """Base class of every error kg raises on purpose."""


class InputError(KgError):
    """A document could not be read or decoded; the rest of the batch goes on."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class StoreError(KgError):
    """The graph directory or the SPARQL endpoint cannot be used."""


class QueryError(KgError):
    """A SPARQL query is malformed, unknown, or given bad parameters."""


class ValidationError(KgError):
    """The graph does not conform to the SHACL shapes."""


class ModelError(KgError):
    """The statistical NER model is missing or cannot be loaded."""
