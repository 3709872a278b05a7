"""Join order for SPARQL on Oxigraph: the triple patterns of a block, most selective first.

Why: Oxigraph joins the triple patterns of a block in the order they are
written. A query that starts from its largest pattern (every mention, then
the entity it names, then where that lies) took 20x as long on a million
triples as the same query written from its smallest pattern (the places that
have a province, then inwards; benchmarks/README.md). Users write queries in
the order they think, so kg reorders each block by how many triples its
patterns match in the store before handing the query to Oxigraph.

What is reordered, and what is left alone:

* a *block* is a run of triple patterns separated by ``.``, ``;`` or ``,``
  with nothing else between them; only the patterns of one block change
  places (a block's patterns form one basic graph pattern, whose order SPARQL
  does not define, so the answers are the same);
* OPTIONAL, MINUS, BIND, VALUES, FILTER and sub-queries stay where they are,
  and their groups are planned on their own;
* a query with anything this planner does not read (property paths, ``[ ]``
  or ``( )`` in a pattern, CONSTRUCT templates, SERVICE, unusual tokens) is
  sent as written. Planning never changes what a query means, only how fast
  it runs.

The order is greedy: first the pattern that matches the fewest triples, then
always a pattern that shares a variable with those already placed (so no
block turns into a cross product), the smallest first. Sizes come from the
store (:class:`PatternSizes`), counted up to :data:`FIRST_CAP`, and on up to
:data:`SIZE_CAP` only where that leaves a tie, and cached, because a count
is only needed to tell small from large.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import KgError

#: Counting stops here: a pattern this large is "large", whatever its exact size.
SIZE_CAP = 10_000
#: The first count stops here; only patterns tied at this size are counted on
#: to :data:`SIZE_CAP`. Counting 10,000 rows costs ~2 ms and 1,000 ~0.25 ms,
#: which is most of a small query's time when its plan is not kept yet.
FIRST_CAP = 1_000
#: Plans kept per store before the cache starts over.
_MAX_PLANS = 512

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<var>[?$][\w\u00b7]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<datatype>\^\^)
  | (?P<bnode>_:\w(?:[\w.-]*[\w-])?)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%-]|\\\S)(?:(?:[\w.:%-]|\\\S)*(?:[\w:%-]|\\\S))?
             |(?:[^\W\d_][\w.-]*)?:)
  | (?P<number>\d*\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
  | (?P<word>[^\W\d][\w]*)
  | (?P<punct>\|\||&&|!=|<=|>=|[{}()\[\].,;|^/!*+\-=<>?])
    """,
    re.VERBOSE,
)

#: Tokens that are RDF terms or variables in a triple pattern.
_TERM_KINDS = frozenset(("var", "iri", "pname", "string", "number", "bnode"))
_BOOLEANS = frozenset(("true", "false"))


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Pattern:
    """One triple pattern, each position as written (``?x``, ``kg:p``, ``"s"@zh``)."""

    subject: str
    predicate: str
    object: str

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(t[1:] for t in (self.subject, self.predicate, self.object)
                         if t[0] in "?$")

    def text(self) -> str:
        return f"{self.subject} {self.predicate} {self.object} ."


@dataclass
class Block:
    """A run of triple patterns in one group, and the span of query text it occupies."""

    start: int
    end: int
    patterns: list[Pattern]
    #: Variables bound by what comes before the block in its group (and parameters).
    bound_before: frozenset[str] = field(default_factory=frozenset)


class NotPlannable(KgError):
    """The query uses syntax this planner does not read; it is sent as written.

    Raised by :func:`find_blocks` and :func:`tokenize` only; :func:`plan_query`
    and :class:`PatternSizes` catch it, so ``kg query`` never shows it.
    """


def tokenize(sparql: str) -> list[Token]:
    """SPARQL's tokens with spaces and comments dropped; NotPlannable on anything unknown."""
    tokens: list[Token] = []
    at = 0
    while at < len(sparql):
        match = _TOKEN.match(sparql, at)
        if match is None:
            raise NotPlannable(f"unexpected character {sparql[at]!r} at {at}")
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, match.group(), at, match.end()))
        at = match.end()
    return tokens


class _Reader:
    """Walks a query's tokens and collects its blocks of triple patterns."""

    def __init__(self, tokens: list[Token], bound: frozenset[str]) -> None:
        self.tokens = tokens
        self.at = 0
        self.blocks: list[Block] = []
        self.parameters = bound
        #: Where the PREFIX and BASE declarations end in the query text.
        self.prologue_end = 0

    # -- token access
    def peek(self, ahead: int = 0) -> Token | None:
        index = self.at + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise NotPlannable("the query ends too early")
        self.at += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text != text:
            raise NotPlannable(f"expected {text!r}, found {token.text!r}")
        return token

    def is_keyword(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind == "word" and token.text.upper() in words

    def skip_balanced(self, opening: str, closing: str) -> set[str]:
        """Skip from an opening bracket past its match; the variables seen inside."""
        self.expect(opening)
        depth, seen = 1, set()
        while depth:
            token = self.take()
            if token.kind == "var":
                seen.add(token.text[1:])
            elif token.text == opening:
                depth += 1
            elif token.text == closing:
                depth -= 1
        return seen

    # -- query structure
    def query(self) -> None:
        while self.is_keyword("PREFIX", "BASE"):
            self.take()
            if self.peek() is not None and self.peek().kind == "pname":  # type: ignore[union-attr]
                self.take()
            self.prologue_end = self.take().end  # the IRI
        if not self.is_keyword("SELECT", "ASK", "DESCRIBE"):
            raise NotPlannable("only SELECT, ASK and DESCRIBE queries are planned")
        self.select_like()
        if self.peek() is not None:
            raise NotPlannable("unexpected tokens after the query")

    def select_like(self) -> None:
        """A query or sub-query: its head, its WHERE group, then its solution modifiers."""
        while not self.next_is("{"):
            if self.next_is("("):
                self.skip_balanced("(", ")")
            else:
                self.take()
        self.group(frozenset())
        while self.peek() is not None and not self.next_is("}"):
            if self.next_is("("):
                self.skip_balanced("(", ")")
            elif self.next_is("{"):
                self.skip_balanced("{", "}")  # a trailing VALUES block
            else:
                self.take()

    def group(self, outer: frozenset[str]) -> set[str]:
        """A ``{ … }`` group; returns the variables it mentions."""
        self.expect("{")
        if self.is_keyword("SELECT"):
            start = self.at
            self.select_like()
            self.expect("}")
            return {t.text[1:] for t in self.tokens[start:self.at] if t.kind == "var"}
        bound: set[str] = set(outer) | set(self.parameters)
        mentioned: set[str] = set()
        while True:
            token = self.peek()
            if token is None:
                raise NotPlannable("a group is not closed")
            if token.text == "}":
                self.take()
                return mentioned
            if token.text == ".":
                self.take()
                continue
            found = self.element(token, frozenset(bound))
            bound |= found
            mentioned |= found

    def element(self, token: Token, bound: frozenset[str]) -> set[str]:
        """One element of a group; returns the variables it mentions."""
        upper = token.text.upper() if token.kind == "word" else ""
        if token.text == "{":
            found = self.group(bound)
            while self.is_keyword("UNION"):
                self.take()
                found |= self.group(bound)
            return found
        if upper in ("OPTIONAL", "MINUS"):
            self.take()
            return self.group(bound)
        if upper == "GRAPH":
            self.take()
            graph = self.take()
            if graph.kind not in ("var", "iri", "pname"):
                raise NotPlannable("GRAPH needs a variable or an IRI")
            found = self.group(bound)
            return found | ({graph.text[1:]} if graph.kind == "var" else set())
        if upper == "FILTER":
            self.take()
            if self.is_keyword("NOT"):
                self.take()
            if self.is_keyword("EXISTS"):
                self.take()
                self.group(bound)
                return set()
            if not self.next_is("("):  # a function call: FILTER regex(…), FILTER kg:f(…)
                self.take()
            self.skip_balanced("(", ")")
            return set()
        if upper == "BIND":
            self.take()
            return self.skip_balanced("(", ")")
        if upper == "VALUES":
            self.take()
            seen = self.skip_balanced("(", ")") if self.next_is("(") else {self.take().text[1:]}
            self.skip_balanced("{", "}")
            return seen
        if self.is_term(token):
            return self.block(bound)
        raise NotPlannable(f"{token.text!r} is not planned")

    def is_term(self, token: Token | None) -> bool:
        return token is not None and (
            token.kind in _TERM_KINDS or (token.kind == "word" and token.text in _BOOLEANS)
        )

    def term(self) -> str:
        token = self.take()
        if not self.is_term(token):
            raise NotPlannable(f"{token.text!r} in a triple pattern is not planned")
        text = token.text
        nxt = self.peek()
        if token.kind == "string" and nxt is not None:
            if nxt.kind == "langtag":
                text += self.take().text
            elif nxt.kind == "datatype":
                self.take()
                datatype = self.take()
                if datatype.kind not in ("iri", "pname"):
                    raise NotPlannable("a datatype must be an IRI")
                text += "^^" + datatype.text
        return text

    def predicate(self) -> str:
        token = self.take()
        if not self.is_predicate(token):
            raise NotPlannable(f"{token.text!r} as a predicate is not planned")
        nxt = self.peek()
        if nxt is not None and nxt.text in ("/", "|", "+", "*", "?", "^"):
            raise NotPlannable("property paths are sent as written")
        return token.text

    def block(self, bound: frozenset[str]) -> set[str]:
        """A run of triple patterns, each written out; ends before anything else."""
        start = self.peek().start  # type: ignore[union-attr]
        patterns: list[Pattern] = []
        end = start
        while self.is_term(self.peek()):
            subject = self.term()
            while True:  # the subject's predicate-object list
                predicate = self.predicate()
                patterns.append(Pattern(subject, predicate, self.term()))
                while self.next_is(","):
                    self.take()
                    patterns.append(Pattern(subject, predicate, self.term()))
                end = self.tokens[self.at - 1].end
                if not self.next_is(";"):
                    break
                while self.next_is(";"):
                    end = self.take().end
                if not self.is_predicate(self.peek()):
                    break
            if not self.next_is("."):
                if self.is_term(self.peek()):
                    raise NotPlannable("two patterns without a '.' between them")
                break
            end = self.take().end
        self.blocks.append(Block(start, end, patterns, bound))
        return set().union(*(p.variables for p in patterns))

    def next_is(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text

    @staticmethod
    def is_predicate(token: Token | None) -> bool:
        return token is not None and (
            token.kind in ("var", "iri", "pname") or (token.kind == "word" and token.text == "a")
        )


def read_query(sparql: str, parameters: Iterable[str] = ()) -> tuple[str, list[Block]]:
    """The query's PREFIX and BASE declarations, and its blocks of triple patterns.

    One pass over the tokens gives both: the declarations are what a pattern
    is counted with. NotPlannable when the query cannot be read.
    """
    reader = _Reader(tokenize(sparql), frozenset(parameters))
    reader.query()
    return sparql[: reader.prologue_end], reader.blocks


def find_blocks(sparql: str, parameters: Iterable[str] = ()) -> list[Block]:
    """The blocks of triple patterns in ``sparql``; NotPlannable when it cannot be read."""
    return read_query(sparql, parameters)[1]


def prologue(sparql: str) -> str:
    """The query's PREFIX and BASE declarations, to count its patterns with."""
    return read_query(sparql)[0]


def greedy_order(
    patterns: list[Pattern],
    size: Callable[[Pattern], int],
    bound: frozenset[str] = frozenset(),
    refine: Callable[[Pattern], int] | None = None,
) -> list[Pattern]:
    """The smallest pattern first, then always the smallest one joined to those placed.

    ``refine``, when given, is a finer size asked only of the patterns that
    tie for smallest under ``size``. Ties that remain keep the written order,
    so a block already in a good order is unchanged.
    """
    remaining = list(enumerate(patterns))
    placed: list[Pattern] = []
    known = set(bound)
    while remaining:
        joined = [item for item in remaining if item[1].variables & known]
        sized = [(size(pattern), index, pattern) for index, pattern in joined or remaining]
        smallest = min(sized, key=lambda entry: entry[:2])
        tied = [entry for entry in sized if entry[0] == smallest[0]]
        if refine is not None and len(tied) > 1:
            smallest = min(
                ((refine(pattern), index, pattern) for _, index, pattern in tied),
                key=lambda entry: entry[:2],
            )
        best = smallest[2]
        remaining = [item for item in remaining if item[1] is not best]
        placed.append(best)
        known |= best.variables
    return placed


def plan_query(
    sparql: str,
    size: Callable[[Pattern], int],
    parameters: Iterable[str] = (),
    refine: Callable[[Pattern], int] | None = None,
) -> str:
    """``sparql`` with each block's patterns in the greedy order; unchanged when not plannable.

    ``parameters`` are variables the caller binds (they count as known from
    the start); ``size`` and ``refine`` are as in :func:`greedy_order`.
    """
    try:
        blocks = find_blocks(sparql, parameters)
    except NotPlannable:
        return sparql
    return reorder_blocks(sparql, blocks, size, refine)


def reorder_blocks(
    sparql: str,
    blocks: list[Block],
    size: Callable[[Pattern], int],
    refine: Callable[[Pattern], int] | None = None,
) -> str:
    """``sparql`` with the patterns of each of its ``blocks`` in the greedy order."""
    pieces: list[str] = []
    at = 0
    for block in blocks:
        if len(block.patterns) < 2:
            continue
        ordered = greedy_order(block.patterns, size, block.bound_before, refine)
        if ordered == block.patterns:
            continue
        indent = _indent_at(sparql, block.start)
        pieces += [sparql[at:block.start], ("\n" + indent).join(p.text() for p in ordered)]
        at = block.end
    return sparql if not pieces else "".join(pieces) + sparql[at:]


def _indent_at(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    prefix = text[line_start:offset]
    return prefix if not prefix.strip() else " " * len(prefix)


class PatternSizes:
    """How many triples each pattern matches in a store, counted once and kept.

    Counts are only a guide to join order: a stale count after the store
    changed makes a query slower, never wrong, so the owner clears the cache
    when it writes (:meth:`clear`) but nothing depends on it.
    """

    def __init__(self, store: ox.Store, prefixes: Mapping[str, str]) -> None:
        self.store = store
        self.prefixes = dict(prefixes)
        #: (prologue, pattern with variables renamed) → (count, the cap it was counted to)
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}
        self._plans: dict[tuple[str, frozenset[str]], str] = {}

    def clear(self) -> None:
        self._counts.clear()
        self._plans.clear()

    def plan(self, sparql: str, parameters: Iterable[str] = ()) -> str:
        """``sparql`` planned against this store (see :func:`plan_query`), cached per text."""
        key = (sparql, frozenset(parameters))
        planned = self._plans.get(key)
        if planned is None:
            try:
                head, blocks = read_query(sparql, key[1])
            except NotPlannable:
                planned = sparql
            else:
                planned = reorder_blocks(
                    sparql,
                    blocks,
                    lambda p: self.size(head, p, FIRST_CAP),
                    refine=lambda p: self.size(head, p, SIZE_CAP),
                )
            if len(self._plans) >= _MAX_PLANS:  # a server sees endless distinct queries
                self._plans.clear()
            self._plans[key] = planned
        return planned

    def size(self, head: str, pattern: Pattern, cap: int = SIZE_CAP) -> int:
        """Triples matching ``pattern`` (variables free), counted up to ``cap``.

        A count below the cap it was made with is exact and answers any cap.
        """
        names: dict[str, str] = {}

        def generic(term: str) -> str:
            if term[0] not in "?$":
                return term
            return names.setdefault(term[1:], f"?v{len(names)}")

        shape = " ".join(map(generic, (pattern.subject, pattern.predicate, pattern.object)))
        key = (head, shape)
        kept = self._counts.get(key)
        if kept is not None and (kept[0] < kept[1] or kept[1] >= cap):
            return min(kept[0], cap)
        query = (f"{head}\nSELECT (COUNT(*) AS ?n) WHERE "
                 f"{{ SELECT * WHERE {{ {shape} }} LIMIT {cap} }}")
        try:
            answer = self.store.query(query, prefixes=self.prefixes)
            count = int(next(iter(answer))[0].value)  # type: ignore[index, union-attr]
        except (SyntaxError, OSError, RuntimeError, StopIteration, ValueError):
            count = cap  # unknown: as large as anything
        self._counts[key] = (count, cap)
        return count
