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


class DiskFullError(StoreError):
    """The disk (or quota) holding the graph directory filled up during a write."""


class StoreDamagedError(StoreError):
    """The store's files are corrupt (a checksum mismatch); ``kg restore DIR`` rebuilds it."""


class BuildInterrupted(KgError):
    """A build was stopped by Ctrl-C; what was stored stays, and a re-run continues."""

    def __init__(self, out_dir: str, stored: int) -> None:
        self.out_dir = out_dir
        self.stored = stored
        super().__init__(
            f"interrupted: {stored} document{'s' if stored != 1 else ''} stored in {out_dir} "
            "in this run; re-run the same command to continue"
        )
