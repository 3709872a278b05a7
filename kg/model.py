"""The plain data that passes between the pipeline stages.

Each stage takes one of these and returns the next: ``RawDocument`` (ingest) →
``CleanDocument`` (clean) → ``Extraction`` (extract) → RDF (graph). They are
frozen or plain dataclasses with no behaviour beyond small derived values, so a
stage can be tested without the others and results can cross process
boundaries (workers, Dask) by pickling.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Region:
    """Where a page (PDF) or a paragraph (DOCX) begins in a document's raw text.

    Why: a user holding the PDF or the Word file looks an evidence sentence up
    by page or paragraph, not by character offset. ``start`` is an offset into
    ``RawDocument.text``; a region runs until the next one starts.
    """

    unit: str  #: "page" or "paragraph"
    number: int  #: 1-based, as a reader counts them
    start: int


@dataclass(frozen=True)
class RawDocument:
    """One decoded input document, before any cleaning.

    ``source`` names where it came from in a way a user recognises in an error
    message: a path, or ``path:LINE`` for a JSONL record.
    """

    source: str
    text: str
    doc_id: str | None = None
    title: str | None = None
    date: str | None = None
    url: str | None = None
    #: "text", "markdown", "html" or "jsonl": how the text was obtained.
    media_type: str = "text"
    #: Encoding the bytes were decoded with (``utf-8``, ``gb18030``, ``big5`` …).
    encoding: str = "utf-8"
    #: Pages of a PDF or paragraphs of a DOCX, in text order (empty for other inputs).
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True)
class Metadata:
    """What the article says about itself (header and footer lines)."""

    title: str | None = None
    subtitle: str | None = None
    #: ISO 8601 with the +08:00 offset, e.g. ``2022-01-19T12:20:00+08:00``.
    published: str | None = None
    publisher: str | None = None
    channel: str | None = None
    source: str | None = None
    editors: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class CleanDocument:
    """The article body with pinyin annotations and page chrome removed.

    ``text`` keeps the original script. ``simplified`` is the same text in
    Simplified Chinese with exactly the same length, so an offset into one is an
    offset into the other. ``raw_offsets[i]`` is the offset in the raw text of
    the character at ``i`` in ``text``, which lets any span be reported against
    the original input as well.
    """

    source: str
    doc_id: str
    text: str
    simplified: str
    metadata: Metadata
    raw_offsets: tuple[int, ...]
    #: "Hant" when the source was written in Traditional characters, else "Hans".
    script: str = "Hans"
    #: SHA-256 of ``simplified``: the document's identity when no id is given.
    content_hash: str = ""
    #: The raw document's pages or paragraphs (offsets into the raw text, see ``raw_offsets``).
    regions: tuple[Region, ...] = ()

    def region_at(self, offset: int) -> Region | None:
        """The page or paragraph holding the character at ``offset`` of ``text``."""
        if not self.regions or not 0 <= offset < len(self.raw_offsets):
            return None
        index = bisect_right(self.regions, self.raw_offsets[offset], key=lambda r: r.start)
        return self.regions[index - 1] if index else None


@dataclass(frozen=True)
class Span:
    """A stretch of the cleaned text: ``text == doc.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass
class Entity:
    """One thing the article talks about, resolved within the document.

    ``key`` is stable within the document and across documents for the same
    thing: the official code for a linked place, else the class and canonical
    name. The graph stage turns it into an IRI.
    """

    key: str
    cls: str
    label: str
    #: Other Simplified forms seen in the text (short forms, unresolved prefixes).
    alt_labels: set[str] = field(default_factory=set)
    #: Traditional form, when the document was written in Traditional characters.
    label_hant: str | None = None
    #: Gazetteer link, for administrative places.
    code: str | None = None
    admin_level: int | None = None
    #: Where each mention occurs, with the rule that recognised it.
    mentions: list[tuple[Span, str]] = field(default_factory=list)
    #: The name only makes sense inside its article (区司法局 where the article
    #: never says which district): such an entity is not shared across documents.
    local: bool = False


@dataclass(frozen=True)
class Relation:
    """A typed link between two entity keys, with its evidence.

    ``source`` is ``"text"`` for relations stated in the article and
    ``"gazetteer"`` for administrative facts added from the division list (their
    evidence is the mention of the subject).
    """

    subject: str
    predicate: str
    object: str
    sentence_index: int
    evidence: Span
    rule: str
    trigger: str | None = None
    confidence: float = 1.0
    source: str = "text"


@dataclass
class Extraction:
    """Everything extracted from one document."""

    doc: CleanDocument
    sentences: list[Span]
    entities: dict[str, Entity]
    relations: list[Relation]


@dataclass(frozen=True)
class Skipped:
    """A file in a folder that kg does not read (``.doc``, ``.xlsx``, an image)."""

    source: str
    suffix: str


@dataclass(frozen=True)
class Failure:
    """A document that could not be processed, reported and skipped."""

    source: str
    problem: str

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}"
