"""Write the bad-input corpus that kg's ingest stage must survive.

The files are generated, not committed: some are large (the over-the-cap file),
some are symbolic links, and all are cheap to rebuild. Tests call
:func:`make_bad_inputs` into a temporary folder; to look at the corpus by hand run

    python tests/data/make_bad_inputs.py            # writes tests/data/bad/
    python tests/data/make_bad_inputs.py OUT --big  # also the 50 MB single-line file
    python tests/data/make_bad_inputs.py OUT --special  # also unreadable paths, a pipe …

``--big`` adds the 50 MB single-line file and a JSONL record over the default
20 MB cap. ``--special`` adds entries that only the file system can express: a
file and a folder without read permission (root reads them anyway, see
tests/test_robustness.py), a named pipe with a ``.txt`` name, a broken symbolic
link, and a JSONL record holding a lone surrogate escape. A file that vanishes
during a build cannot be stored; tests/test_robustness.py makes one.

The sample text is written for this corpus (it names no real place or body),
so the files carry no third-party content.
"""

from __future__ import annotations

import io
import json
import os
import sys
import zipfile
from pathlib import Path

#: A short Traditional-script news paragraph, written for these tests.
SAMPLE_TEXT = (
    "某縣舉行黨建聯盟簽約儀式\n"
    "日前，某縣三個鄉鎮的黨委在縣黨群服務中心簽訂共建協議，"
    "約定在組織建設、產業發展和人才培養等方面深化合作。\n"
    "與會代表表示，將以聯盟為平臺，推動資源共享、優勢互補。\n"
)

#: Byte offset of the stray byte in ``bad_utf8.txt``.
BAD_UTF8_OFFSET = len(SAMPLE_TEXT[: len(SAMPLE_TEXT) // 2].encode("utf-8"))

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)

GOOD_JSONL_RECORDS = (
    '{"id": "a1", "text": "第一篇文章的正文。", "title": "第一篇", "date": "2022-01-19"}',
    '{"id": "a2", "text": "第二篇文章的正文。" ',  # malformed: the object is never closed
    '{"text": "第三篇文章的正文。", "url": "https://example.org/3"}',
)

BIG_FILE_BYTES = 50 * 1024 * 1024
#: Size of the padding field of the JSONL record that is over the default cap.
OVERSIZED_RECORD_PADDING = 21_000_000
#: The article text carried by that record.
OVERSIZED_RECORD_TEXT = "某鎮黨委與某公司簽訂共建協議，成立產業聯盟。"


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("article.txt", SAMPLE_TEXT)
    return buffer.getvalue()


def _bad_utf8_bytes() -> bytes:
    data = SAMPLE_TEXT.encode("utf-8")
    return data[:BAD_UTF8_OFFSET] + b"\xff" + data[BAD_UTF8_OFFSET:]


def write_big_file(path: Path, size: int = BIG_FILE_BYTES) -> Path:
    """One line of ``size`` bytes of ASCII text, written in 1 MiB blocks."""
    block = b"a" * (1 << 20)
    with open(path, "wb") as stream:
        remaining = size
        while remaining > 0:
            stream.write(block[: min(remaining, len(block))])
            remaining -= len(block)
    return path


def make_bad_inputs(
    target: Path, *, big: bool = False, special: bool = False
) -> dict[str, Path]:
    """Write the corpus into ``target`` and return its entries by case name."""
    target.mkdir(parents=True, exist_ok=True)
    deep_html = (
        "<html><head><title>深層頁面</title></head><body>"
        + "<div>" * 10_000
        + "<p>最深處的一段正文，測試解析器不會因嵌套過深而崩潰。</p>"
        + "</div>" * 10_000
        + "</body></html>"
    )
    script_html = (
        "<html><head><title>腳本頁面</title></head><body>"
        "<script>document.write('正文只存在於腳本之中，不應被當作文章。');</script>"
        "</body></html>"
    )
    files: dict[str, bytes] = {
        "empty": b"",
        "whitespace": b" \n\t\r\n\xe3\x80\x80\n",
        "png_named_txt": PNG_BYTES,
        "zip_named_txt": _zip_bytes(),
        "bad_utf8": _bad_utf8_bytes(),
        "gb18030": SAMPLE_TEXT.encode("gb18030"),
        "big5": SAMPLE_TEXT.encode("big5"),
        "utf16_bom": SAMPLE_TEXT.encode("utf-16"),
        "utf8_bom": SAMPLE_TEXT.encode("utf-8-sig"),
    }
    names = {
        "empty": "empty.txt",
        "whitespace": "whitespace.txt",
        "png_named_txt": "image.txt",
        "zip_named_txt": "archive.txt",
        "bad_utf8": "bad_utf8.txt",
        "gb18030": "gb18030.txt",
        "big5": "big5.txt",
        "utf16_bom": "utf16_bom.txt",
        "utf8_bom": "utf8_bom.txt",
    }
    paths: dict[str, Path] = {}
    for case, data in files.items():
        paths[case] = target / names[case]
        paths[case].write_bytes(data)

    paths["deep_html"] = target / "deep.html"
    paths["deep_html"].write_text(deep_html, encoding="utf-8")
    paths["script_html"] = target / "script_only.html"
    paths["script_html"].write_text(script_html, encoding="utf-8")
    paths["jsonl"] = target / "records.jsonl"
    paths["jsonl"].write_text("\n".join(GOOD_JSONL_RECORDS) + "\n", encoding="utf-8")
    paths["unknown_extension"] = target / "notes.xyz"
    paths["unknown_extension"].write_text(SAMPLE_TEXT, encoding="utf-8")

    loop = target / "loop"
    (loop / "sub").mkdir(parents=True, exist_ok=True)
    (loop / "inside.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    for link, points_to in ((loop / "sub" / "back", ".."), (loop / "self", ".")):
        if not link.is_symlink():  # loop/sub/back → loop, loop/self → loop
            os.symlink(points_to, link, target_is_directory=True)
    paths["symlink_loop"] = loop

    if big:
        paths["big"] = write_big_file(target / "big_single_line.txt")
        paths["oversized_record"] = write_oversized_record(target / "oversized_record.jsonl")
    if special:
        paths.update(make_special_inputs(target))
    return paths


def write_oversized_record(path: Path, padding: int = OVERSIZED_RECORD_PADDING) -> Path:
    """One JSONL record with a short text and a huge raw-HTML field, as scrapers write."""
    with open(path, "wb") as stream:
        text = json.dumps(OVERSIZED_RECORD_TEXT, ensure_ascii=False)
        head = '{"id": "oversized", "text": ' + text + ', "raw_html": "'
        stream.write(head.encode("utf-8"))
        block = b"<div>" * (1 << 18)
        remaining = padding
        while remaining > 0:
            stream.write(block[: min(remaining, len(block))])
            remaining -= len(block)
        stream.write(b'"}\n')
    return path


def make_special_inputs(target: Path) -> dict[str, Path]:
    """Unreadable file and folder, a named pipe, a broken link, a lone surrogate in JSONL."""
    target.mkdir(parents=True, exist_ok=True)
    paths = {
        "unreadable_file": target / "locked.txt",
        "unreadable_folder": target / "locked_folder",
        "fifo": target / "pipe.txt",
        "broken_link": target / "broken_link.txt",
        "lone_surrogate": target / "surrogate.jsonl",
    }
    locked = paths["unreadable_file"]
    if locked.exists():
        locked.chmod(0o600)
    locked.write_text(SAMPLE_TEXT, encoding="utf-8")
    locked.chmod(0)
    folder = paths["unreadable_folder"]
    if folder.exists():
        folder.chmod(0o700)
    folder.mkdir(exist_ok=True)
    (folder / "hidden_article.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    folder.chmod(0)
    if not paths["fifo"].exists():
        os.mkfifo(paths["fifo"])
    if not paths["broken_link"].is_symlink():
        os.symlink("no_such_target.txt", paths["broken_link"])
    paths["lone_surrogate"].write_text('{"text": "某縣\\ud800黨委"}\n', encoding="utf-8")
    return paths


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    default = Path(__file__).resolve().parent / "bad"
    written = make_bad_inputs(
        Path(arguments[0]) if arguments else default,
        big="--big" in sys.argv,
        special="--special" in sys.argv,
    )
    for case, path in written.items():
        print(f"{case:18} {path}")
