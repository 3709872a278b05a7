"""Make the benchmark corpus: real news text from MSRA, as article-sized documents.

Why generate rather than commit: the text belongs to ``../shared/data/ner`` (a
research corpus we may read but not redistribute), and a thousand files would
bloat the repository. The corpus is rebuilt in a few seconds, always the same
bytes for the same arguments, into a git-ignored folder.

Source: ``msra/peopledaily.zip:train.txt`` (People's Daily news, one character
per line with BIO tags, blocks of at most 100 characters). The tags are
dropped, the blocks are joined back into running text, the text is cut at
sentence ends into documents of about ``--chars`` characters, and each
document is laid out like an article: a title line (its first sentence, cut
short), then paragraphs of a few sentences.

Usage: ``python benchmarks/corpus.py [--docs 1000] [--chars 2000] [-o benchmarks/corpus]``
"""

from __future__ import annotations

import argparse
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
MSRA_ZIP = SHARED / "data" / "ner" / "msra" / "peopledaily.zip"
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "corpus"

SENTENCE_ENDS = "。！？"
PARAGRAPH_CHARS = 300
TITLE_CHARS = 24


def msra_characters(zip_path: Path = MSRA_ZIP, member: str = "train.txt") -> Iterator[str]:
    """The characters of the MSRA split in order, tags dropped, blocks joined."""
    with zipfile.ZipFile(zip_path) as archive, archive.open(member) as stream:
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line:
                yield line.split(" ", 1)[0]


def sentences(chars: Iterator[str]) -> Iterator[str]:
    """Running text cut after each sentence-final mark."""
    current: list[str] = []
    for char in chars:
        current.append(char)
        if char in SENTENCE_ENDS:
            yield "".join(current)
            current = []
    if current:
        yield "".join(current)


def documents(parts: Iterator[str], size: int) -> Iterator[list[str]]:
    """Consecutive sentences grouped into documents of at least ``size`` characters."""
    group: list[str] = []
    length = 0
    for sentence in parts:
        group.append(sentence)
        length += len(sentence)
        if length >= size:
            yield group
            group, length = [], 0
    if group:
        yield group


def article_text(group: list[str]) -> str:
    """A title line and paragraphs of about ``PARAGRAPH_CHARS`` characters."""
    title = group[0].rstrip(SENTENCE_ENDS)[:TITLE_CHARS]
    paragraphs: list[str] = []
    current = ""
    for sentence in group:
        current += sentence
        if len(current) >= PARAGRAPH_CHARS:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def write_corpus(out_dir: Path, docs: int, chars: int) -> list[Path]:
    """Replace ``out_dir`` with ``docs`` article files; return their paths."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    written: list[Path] = []
    for index, group in enumerate(documents(sentences(msra_characters()), chars)):
        if index >= docs:
            break
        path = out_dir / f"msra-{index:05d}.txt"
        path.write_text(article_text(group), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--chars", type=int, default=2000)
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    paths = write_corpus(args.out, args.docs, args.chars)
    total = sum(len(p.read_text(encoding="utf-8")) for p in paths)
    print(f"{len(paths)} documents, {total:,} characters in {args.out}")


if __name__ == "__main__":
    main()
