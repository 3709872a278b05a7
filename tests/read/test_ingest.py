"""Ingest: every bad input becomes a one-line Failure, every good one a RawDocument."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

import kg.read.ingest
from kg.errors import InputError
from kg.model import Failure, RawDocument
from kg.read.clean import remove_pinyin_annotations
from kg.read.decode import decode_bytes
from kg.read.html_text import extract_html
from kg.read.ingest import iter_documents

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_7df76e14de67d081.txt"


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_bad_inputs", REPO / "tests" / "data" / "make_bad_inputs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, Path]:
    return generator.make_bad_inputs(tmp_path_factory.mktemp("bad"))


def only(path: Path, **kwargs) -> RawDocument | Failure:
    results = list(iter_documents([path], **kwargs))
    assert len(results) == 1, results
    return results[0]


def assert_failure(result, path: Path, fragment: str) -> Failure:
    assert isinstance(result, Failure), result
    assert result.source == str(path)
    assert fragment in result.problem
    assert "\n" not in str(result)
    assert str(result).startswith(f"{path}: ")
    return result


# --- encodings ------------------------------------------------------------------------------


def test_utf8_seed_is_read_as_is():
    doc = only(SEED)
    assert isinstance(doc, RawDocument)
    assert doc.encoding == "utf-8"
    assert doc.media_type == "text"
    assert doc.text == SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["empty", "whitespace"])
def test_empty_documents_fail(bad, case):
    assert_failure(only(bad[case]), bad[case], "empty document")


@pytest.mark.parametrize("case", ["png_named_txt", "zip_named_txt"])
def test_binary_files_with_a_text_name_fail(bad, case):
    assert_failure(only(bad[case]), bad[case], "binary file, not text")


def test_a_bad_byte_inside_utf8_is_reported_with_its_offset(bad):
    failure = assert_failure(only(bad["bad_utf8"]), bad["bad_utf8"], "invalid UTF-8")
    assert f"byte offset {generator.BAD_UTF8_OFFSET} " in failure.problem


@pytest.mark.parametrize(
    ("case", "encoding"),
    [("gb18030", "gb18030"), ("big5", "big5"), ("utf16_bom", "utf-16"), ("utf8_bom", "utf-8-sig")],
)
def test_legacy_and_bom_encodings_decode_to_the_sample(bad, case, encoding):
    doc = only(bad[case])
    assert isinstance(doc, RawDocument), doc
    assert doc.encoding == encoding
    assert doc.text == generator.SAMPLE_TEXT


def _big5_safe_seed() -> str:
    """The seed without pinyin and without the few characters Big5 has no code for."""
    text = remove_pinyin_annotations(SEED.read_text(encoding="utf-8"))
    kept = []
    for char in text:
        try:
            char.encode("big5")
        except UnicodeEncodeError:
            continue
        kept.append(char)
    return "".join(kept)


def test_big5_and_gb18030_encodings_of_the_seed_decode_to_the_same_text(tmp_path):
    text = _big5_safe_seed()
    assert len(text) > 1300
    (tmp_path / "seed_big5.txt").write_bytes(text.encode("big5"))
    (tmp_path / "seed_gb.txt").write_bytes(text.encode("gb18030"))
    docs = {Path(d.source).name: d for d in iter_documents([tmp_path])}
    assert docs["seed_big5.txt"].encoding == "big5"
    assert docs["seed_gb.txt"].encoding == "gb18030"
    assert docs["seed_big5.txt"].text == docs["seed_gb.txt"].text == text


def test_decode_bytes_raises_input_error_naming_the_source():
    with pytest.raises(InputError) as caught:
        decode_bytes(b"\x00\x01\x02", "x.txt")
    assert str(caught.value) == "x.txt: binary file, not text"


def test_crlf_line_ends_become_newlines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("第一行\r\n第二行\r第三行".encode())
    assert only(path).text == "第一行\n第二行\n第三行"


# --- size cap -------------------------------------------------------------------------------


def test_a_50_mb_single_line_file_is_refused_quickly(tmp_path):
    big = generator.write_big_file(tmp_path / "big.txt")
    assert big.stat().st_size == 50 * 1024 * 1024
    started = time.perf_counter()
    failure = assert_failure(only(big), big, "over the 20,000,000-byte limit")
    assert time.perf_counter() - started < 1.0
    assert "--max-bytes" in failure.problem
    assert "52,428,800 bytes" in failure.problem


def test_the_cap_can_be_raised(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("正文" * 600, encoding="utf-8")  # 3,600 bytes
    assert_failure(only(path, max_bytes=1000), path, "--max-bytes")
    assert isinstance(only(path, max_bytes=10_000), RawDocument)


def test_an_overlong_jsonl_record_fails_alone(tmp_path):
    path = tmp_path / "long.jsonl"
    long_record = '{"text": "' + "长" * 2000 + '"}'
    lines = ['{"text": "短文。"}', long_record, '{"text": "又一篇。"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = list(iter_documents([path], max_bytes=1000))
    assert [type(r).__name__ for r in results] == ["RawDocument", "Failure", "RawDocument"]
    assert results[1].source == f"{path}:2"
    assert "--max-bytes" in results[1].problem
    assert results[2].text == "又一篇。"


# --- HTML -----------------------------------------------------------------------------------


def test_ten_thousand_levels_of_nesting_are_survived(bad):
    doc = only(bad["deep_html"])
    assert isinstance(doc, RawDocument), doc
    assert doc.media_type == "html"
    assert "最深處的一段正文" in doc.text
    assert doc.title == "深層頁面"


def test_text_only_inside_script_is_not_an_article(bad):
    failure = assert_failure(only(bad["script_html"]), bad["script_html"], "empty document")
    assert "腳本" not in failure.problem


def test_html_main_text_and_metadata(tmp_path):
    paragraph = "本鎮黨委與鄰縣黨委簽訂結對共建協議，雙方將在產業和人才方面合作。" * 4
    page = f"""<html><head><meta charset="utf-8"><title>結對共建簽約</title>
    <meta property="article:published_time" content="2023-03-24T09:30:00+08:00">
    <link rel="canonical" href="https://news.example.org/a/1.html"></head>
    <body><nav>首頁 | 新聞 | 視頻</nav><article><h1>結對共建簽約</h1>
    <p>{paragraph}</p><p>{paragraph}</p></article>
    <script>var secret = "腳本中的文字";</script></body></html>"""
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    doc = only(path)
    assert isinstance(doc, RawDocument), doc
    assert paragraph in doc.text
    assert "腳本中的文字" not in doc.text
    assert doc.title == "結對共建簽約"
    assert doc.date == "2023-03-24"
    assert doc.url == "https://news.example.org/a/1.html"


def test_html_in_gbk_with_a_charset_declaration(tmp_path):
    body = "镇党委与园区签订共建协议。" * 10
    page = f'<html><head><meta charset="gb2312"></head><body><p>{body}</p></body></html>'
    path = tmp_path / "gbk.htm"
    path.write_bytes(page.encode("gbk"))
    doc = only(path)
    assert doc.encoding == "gb18030"
    assert body in doc.text


def test_the_fallback_parser_is_used_when_the_extractor_fails(monkeypatch):
    import trafilatura

    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)
    article = extract_html("<p>一段正文。</p><script>x = '不要';</script><style>p{}</style>")
    assert article.text == "一段正文。"


# --- JSONL ----------------------------------------------------------------------------------


def test_one_malformed_jsonl_line_does_not_stop_the_others(bad):
    results = list(iter_documents([bad["jsonl"]]))
    first, broken, third = results
    assert isinstance(first, RawDocument)
    assert (first.source, first.doc_id, first.title, first.date) == (
        f"{bad['jsonl']}:1", "a1", "第一篇", "2022-01-19"
    )
    assert first.text == "第一篇文章的正文。"
    assert isinstance(broken, Failure)
    assert broken.source == f"{bad['jsonl']}:2"
    assert "malformed JSON" in broken.problem
    assert "\n" not in str(broken)
    assert isinstance(third, RawDocument)
    assert third.url == "https://example.org/3"
    assert third.doc_id is None


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('["not", "an", "object"]', "expected a JSON object"),
        ('{"title": "no text"}', "missing the string field 'text'"),
        ('{"text": "   "}', "empty document"),
        ('{"text": "正文", "title": {"nested": 1}}', "field 'title' must be a string"),
    ],
)
def test_jsonl_record_problems(tmp_path, line, problem):
    path = tmp_path / "r.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    failure = only(path)
    assert isinstance(failure, Failure)
    assert failure.source == f"{path}:1"
    assert problem in failure.problem


def test_a_deeply_nested_jsonl_record_is_a_failure(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "\n" + '{"text": "正文。"}\n', encoding="utf-8")
    failure, document = iter_documents([path])
    assert isinstance(failure, Failure) and "nested too deeply" in failure.problem
    assert isinstance(document, RawDocument)


def test_an_unexpected_error_while_decoding_is_a_failure(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("正文。", encoding="utf-8")

    def broken(*args, **kwargs):
        raise ValueError("something\nunforeseen")

    monkeypatch.setattr(kg.read.ingest, "decode_bytes", broken)
    failure = assert_failure(only(path), path, "ValueError: something unforeseen")
    assert "please report" in failure.problem


def test_blank_jsonl_lines_are_skipped_and_numbering_follows_the_file(tmp_path):
    path = tmp_path / "gaps.jsonl"
    path.write_text('\n{"text": "甲。"}\n\n{"text": "乙。"}\n', encoding="utf-8")
    assert [d.source for d in iter_documents([path])] == [f"{path}:2", f"{path}:4"]


# --- paths ----------------------------------------------------------------------------------


def test_a_symlink_loop_is_walked_once(bad):
    results = list(iter_documents([bad["symlink_loop"]]))
    assert [Path(r.source).name for r in results] == ["inside.txt"]


def test_the_whole_corpus_yields_each_file_once_and_never_raises(bad):
    results = list(iter_documents([bad["symlink_loop"].parent]))
    sources = [r.source for r in results]
    assert len(sources) == len(set(sources))
    assert not any(s.endswith("notes.xyz") for s in sources)  # unknown extension in a folder
    for result in results:
        assert "\n" not in str(result)
        if isinstance(result, Failure):
            assert result.source.split(":")[0] in str(result)


def test_folders_are_walked_in_name_order_skipping_hidden_entries(tmp_path):
    for name in ["b.txt", "a/z.md", "a/c.txt", ".hidden.txt", ".git/x.txt", "c.html.bak"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<p>正文。</p>" if name.endswith("html") else "正文。", encoding="utf-8")
    names = [Path(d.source).relative_to(tmp_path).as_posix() for d in iter_documents([tmp_path])]
    assert names == ["b.txt", "a/c.txt", "a/z.md"]
    assert names == [
        Path(d.source).relative_to(tmp_path).as_posix() for d in iter_documents([tmp_path])
    ]


def test_a_file_reached_twice_is_read_once(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("甲。", encoding="utf-8")
    os.symlink(path, tmp_path / "link.txt")
    assert [d.source for d in iter_documents([path, tmp_path, str(path)])] == [str(path)]


def test_an_explicit_unknown_extension_is_a_failure(bad):
    assert_failure(only(bad["unknown_extension"]), bad["unknown_extension"], "unsupported")


def test_a_missing_path_is_a_failure(tmp_path):
    missing = tmp_path / "nowhere.txt"
    assert_failure(only(missing), missing, "no such file or folder")


def test_a_broken_symlink_in_a_folder_is_a_failure(tmp_path):
    os.symlink(tmp_path / "gone.txt", tmp_path / "dangling.txt")
    assert_failure(only(tmp_path), tmp_path / "dangling.txt", "broken symbolic link")


def test_a_file_vanishing_between_listing_and_reading(tmp_path):
    (tmp_path / "a.txt").write_text("甲。", encoding="utf-8")
    (tmp_path / "b.txt").write_text("乙。", encoding="utf-8")
    documents = iter_documents([tmp_path])
    first = next(documents)  # the folder has been listed by now
    assert Path(first.source).name == "a.txt"
    (tmp_path / "b.txt").unlink()
    assert_failure(next(documents), tmp_path / "b.txt", "disappeared")
    assert list(documents) == []


def test_an_unreadable_file_is_a_failure(tmp_path, monkeypatch):
    """chmod 000 does not stop root, and the suite may run as root, so ``open`` is made
    to raise the PermissionError a non-root user would get."""
    path = tmp_path / "locked.txt"
    path.write_text("正文。", encoding="utf-8")

    def refuse(file, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(file))

    monkeypatch.setattr(kg.read.ingest, "open", refuse, raising=False)
    assert_failure(only(path), path, "permission denied")


def test_an_unreadable_file_is_a_failure_without_root(tmp_path):
    """A real chmod 000, read by an unprivileged process (root ignores file modes,
    so under root the reading happens in a child that drops to ``nobody``)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    tmp_path.chmod(0o755)
    path = folder / "locked.txt"
    path.write_text("正文。", encoding="utf-8")
    path.chmod(0)
    try:
        if os.geteuid() != 0:
            assert_failure(only(path), path, "permission denied")
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: become an ordinary user, then read as kg would
            status = 1
            try:
                os.close(read_end)
                os.setgid(65534)
                os.setuid(65534)
                items = [str(d) for d in iter_documents([path])]
                os.write(write_end, "\n".join(items).encode("utf-8"))
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            output = pipe.read().decode("utf-8")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert str(path) in output and "permission denied" in output.lower()
    finally:
        path.chmod(0o644)
