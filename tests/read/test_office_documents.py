"""PDF and Word inputs: files generated here, read back, and built into the same graph as .txt.

The PDF is printed by Chromium (through Playwright) from an HTML page, as a
researcher's browser would print a notice: its text layer has Kangxi
radicals for common characters (⽇ for 日), and its lines wrap inside words.
The Word file is written with python-docx, with a table. Both must give the
text the author wrote, and the graph of that text as a ``.txt`` file, apart
from the provenance that only they can give (page, paragraph, source file).
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from browser import chromium, require_chromium
from rdflib import Graph, URIRef

from kg.base.vocab import KG
from kg.build import build
from kg.errors import InputError
from kg.model import Failure, RawDocument
from kg.read.ingest import iter_documents
from kg.read.pdf_text import join_wrapped_lines, read_pdf, remove_layout_spaces, unify_ideographs
from kg.store.graphstore import GraphStore

#: An invented notice: places from the gazetteer, bodies and a project, no seed entity.
TITLE = "青浦区朱家角镇召开乡村振兴推进会"
PARAGRAPHS = [
    TITLE,
    "2023年3月8日，上海市青浦区朱家角镇人民政府与江苏省苏州市吴江区黎里镇人民政府签订合作协议，"
    "共同成立淀山湖乡村振兴联盟。会议指出，要把日常工作落到实处，让月月有进展。",
    "朱家角镇党委书记李明华表示，镇里将依托“水韵朱家角”党建品牌，推动数字乡村项目在朱家角镇落地。",
    "第二部分：青浦区司法局牵头设立了长三角法律服务平台，服务两地群众与企业。",
]
TEXT = "\n".join(PARAGRAPHS) + "\n"

PROVENANCE = {KG.sourceFile, KG.page, KG.paragraph}


def print_pdf(path: Path, paragraphs: list[str], *, page_break_before: int | None = None,
              image_only: bool = False) -> Path:
    """Print ``paragraphs`` to a PDF with headless Chromium (narrow column: lines wrap)."""
    require_chromium()
    blocks = []
    for index, paragraph in enumerate(paragraphs):
        style = ' style="break-before: page"' if index == page_break_before else ""
        blocks.append(f"<p{style}>{html.escape(paragraph)}</p>")
    body = (
        '<img alt="" src="data:image/svg+xml;utf8,<svg xmlns=%22http://www.w3.org/2000/svg%22 '
        'width=%22300%22 height=%22200%22><rect width=%22300%22 height=%22200%22 '
        'fill=%22gray%22/></svg>">' if image_only else "".join(blocks)
    )
    page = (
        f"<html><head><meta charset='utf-8'><title>{html.escape(paragraphs[0])}</title>"
        "<style>body{font-family:'Noto Sans CJK SC','Noto Serif CJK SC';font-size:15px;"
        "width:330px}</style></head><body>" + body + "</body></html>"
    )
    with chromium() as browser:
        tab = browser.new_page()
        tab.set_content(page)
        tab.pdf(path=str(path))
    return path


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
        document.add_paragraph("")  # an empty paragraph between: not counted, not text
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path


def graph_of(directory: Path) -> Graph:
    with GraphStore.open(directory, create=False, read_only=True) as store:
        return store.rdflib_graph()


def without(graph: Graph, properties: set[URIRef]) -> set:
    return {t for t in graph if t[1] not in properties}


@pytest.fixture(scope="module")
def printed_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pdf")
    return print_pdf(folder / "notice.pdf", PARAGRAPHS, page_break_before=3)


def test_repairs_of_a_pdf_text_layer() -> None:
    assert unify_ideographs("⽇⽉⼈⺠⻓⻔") == "日月人民长门"
    assert unify_ideographs("\uf900") == "豈"  # a compatibility ideograph
    assert remove_layout_spaces("协议 ， 共同 “成立” Open Data") == "协议，共同“成立”Open Data"
    assert join_wrapped_lines(["上海市青浦", "区朱家角镇", "Open", "Data"]) == (
        "上海市青浦区朱家角镇Open Data")


def test_a_printed_pdf_gives_the_text_as_written(printed_pdf: Path) -> None:
    raw = read_pdf(printed_pdf.read_bytes(), str(printed_pdf))
    assert raw.text == TEXT.rstrip("\n")
    assert not any("\u2f00" <= c <= "\u2fdf" or "\u2e80" <= c <= "\u2eff" for c in raw.text)
    # the break before the last paragraph made two pages
    assert [(r.unit, r.number) for r in raw.regions] == [("page", 1), ("page", 2)]
    assert raw.text[raw.regions[1].start:].startswith("第二部分")
    assert raw.title == TITLE


def test_the_pdf_text_layer_really_had_radicals(printed_pdf: Path) -> None:
    """The repair is needed: Chromium's text layer writes ⽇ for 日 (or the test proves nothing)."""
    from pdfminer.high_level import extract_text

    layer = extract_text(str(printed_pdf))
    assert any("\u2f00" <= c <= "\u2fdf" for c in layer), layer[:200]
    assert TEXT.splitlines()[1][:30] not in layer.replace("\n", "")


def test_pdf_and_docx_build_the_same_graph_as_txt(tmp_path: Path, printed_pdf: Path) -> None:
    txt = tmp_path / "in-txt" / "notice.txt"
    txt.parent.mkdir()
    txt.write_text(TEXT, encoding="utf-8")
    docx_file = write_docx(tmp_path / "notice.docx", PARAGRAPHS)
    graphs = {}
    for name, source in (("txt", txt), ("pdf", printed_pdf), ("docx", docx_file)):
        report = build([source], tmp_path / f"out-{name}", write_html=False)
        assert report.ok and report.built == 1, [str(f) for f in report.failures]
        graphs[name] = graph_of(tmp_path / f"out-{name}")
    reference = without(graphs["txt"], PROVENANCE | {KG.extractor})
    assert len(reference) > 100
    assert without(graphs["pdf"], PROVENANCE | {KG.extractor}) == reference
    assert without(graphs["docx"], PROVENANCE | {KG.extractor}) == reference
    # the provenance only they have: pages of the PDF, paragraphs of the Word file
    pages = {int(o) for o in graphs["pdf"].objects(None, KG.page)}
    assert pages == {1, 2}
    paragraphs = {int(o) for o in graphs["docx"].objects(None, KG.paragraph)}
    assert paragraphs == {1, 2, 3, 4}
    assert not set(graphs["txt"].objects(None, KG.page))


def test_evidence_on_page_two_says_page_two(tmp_path: Path, printed_pdf: Path) -> None:
    from kg.store.named_queries import run_named_query

    build([printed_pdf], tmp_path / "out", write_html=False)
    with GraphStore.open(tmp_path / "out", create=False, read_only=True) as store:
        result = run_named_query(store, "mentions", {"name": "青浦区司法局"})
    records = result.records()
    assert records, "the body of the last paragraph is mentioned"
    assert {int(r["page"]) for r in records} == {2}


def test_docx_reads_paragraphs_in_order_and_tables(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "t.docx", ["第一段。", "第二段。"],
                      table=[["单位", "地址"], ["朱家角镇人民政府", "青浦区朱家角镇"]])
    [doc] = list(iter_documents([path]))
    assert isinstance(doc, RawDocument)
    assert doc.text == "第一段。\n第二段。\n单位\t地址\n朱家角镇人民政府\t青浦区朱家角镇"
    assert [(r.number, doc.text[r.start:r.start + 3]) for r in doc.regions] == [
        (1, "第一段"), (2, "第二段"), (3, "单位\t"), (4, "朱家角")]


def test_a_scanned_pdf_is_an_error_not_an_empty_document(tmp_path: Path) -> None:
    scan = print_pdf(tmp_path / "scan.pdf", ["x"], image_only=True)
    [failure] = list(iter_documents([scan]))
    assert isinstance(failure, Failure)
    assert "no text layer" in failure.problem and "OCR it first" in failure.problem
    with pytest.raises(InputError, match="no text layer"):
        read_pdf(scan.read_bytes(), str(scan))


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("fake.pdf", b"hello, not a pdf", "not a PDF file"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF", "no text layer|damaged"),
        ("fake.docx", b"plain text", "not a .docx file"),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old binary .doc"),
    ],
)
def test_bad_office_files_fail_alone(tmp_path: Path, name: str, data: bytes, problem: str) -> None:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    results = list(iter_documents([tmp_path]))
    failures = [r for r in results if isinstance(r, Failure)]
    assert len(failures) == 1 and len(results) == 2
    import re

    assert re.search(problem, failures[0].problem), failures[0].problem
    assert "\n" not in str(failures[0])
