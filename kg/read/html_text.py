"""HTML to text: the article's main text by trafilatura, tags stripped when it finds none."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from kg.read.decode import normalise_newlines

# --- HTML -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HtmlArticle:
    """The main text of a page and the metadata found with it."""

    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None


def extract_html(html: str) -> HtmlArticle:
    """Main text, title, date and URL of a page, offline.

    trafilatura does the work. When it finds no text or fails (it builds an lxml
    tree, and pathological nesting can exhaust the parser or the recursion
    limit), a plain tag-stripping pass over the page is used instead: it needs
    no tree, so nesting depth does not matter.
    """
    import trafilatura

    text, title, date, url = "", None, None, None
    try:
        found = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception:  # noqa: BLE001 - any failure inside the extractor means: use the fallback
        found = None
    if found is not None:
        text = found.text or ""
        title, date, url = found.title, found.date, found.url
    if not text.strip():
        stripped = strip_tags(html)
        text = stripped.text
        title = title or stripped.title
        url = url or stripped.url
    return HtmlArticle(normalise_newlines(text).strip(), title, date, url)


_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"
    }
)
_HIDDEN_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "head", "iframe", "object"
    }
)


class _TagStripper(HTMLParser):
    """Collects visible text line by line; no tree, so depth is irrelevant."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.url: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _HIDDEN_TAGS:
            self.hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "canonical" and values.get("href"):
            self.url = values["href"]
        if tag == "meta" and values.get("property") == "og:url" and values.get("content"):
            self.url = self.url or values["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _HIDDEN_TAGS:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif self.hidden_depth == 0:
            self.parts.append(data)


def strip_tags(html: str) -> HtmlArticle:
    """Visible text of ``html`` without script, style and head content, one block per line."""
    parser = _TagStripper()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    title = " ".join("".join(parser.title_parts).split()) or None
    return HtmlArticle("\n".join(line for line in lines if line), title, None, parser.url)
