"""Bytes to text: byte-order marks, declared charsets, UTF-8 first, then the legacy encodings.

Chinese pages still come in GB18030 and Big5. charset-normalizer decides
between them only when the bytes are not UTF-8, and a decoding that reads as
chaos is refused rather than guessed, with a message naming the file.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from kg.errors import InputError

#: Signatures of common binary formats that end up with a text extension.
_BINARY_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"%PDF", b"\xff\xd8\xff",
    b"GIF87a", b"GIF89a", b"\x7fELF", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!",
)
#: Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Legacy encodings offered to charset-normalizer when the bytes are not UTF-8.
_LEGACY_ENCODINGS = ["gb18030", "big5", "cp950", "big5hkscs"]
#: Declared HTML charsets that GB18030 decodes correctly (it is their superset).
_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "euc-cn", "cp936"}
#: charset-normalizer's "chaos" above which a legacy decoding is not trusted.
_MAX_CHAOS = 0.2
_CHARSET_DECLARATION = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` is a known binary format or contains NUL bytes (and has no BOM)."""
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return False
    return data.startswith(_BINARY_MAGIC) or b"\x00" in data


def decode_bytes(data: bytes, source: str, declared: str | None = None) -> tuple[str, str]:
    """Bytes → (text with ``\\n`` line ends, encoding name), or ``InputError``.

    Order: byte-order mark; strict UTF-8; the charset an HTML page declares;
    charset-normalizer restricted to GB18030 and Big5. Bytes that are mostly
    valid UTF-8 with a few bad ones are reported, not guessed at.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return normalise_newlines(data.decode(encoding)), encoding
            except UnicodeDecodeError as error:
                raise InputError(
                    source, f"invalid {encoding} at byte offset {error.start}; re-save it"
                ) from None
    if looks_binary(data):
        raise InputError(source, "binary file, not text")
    try:
        return normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    if _mostly_utf8(data):
        bad = data[utf8_error.start : utf8_error.start + 1].hex()
        raise InputError(
            source,
            f"invalid UTF-8 at byte offset {utf8_error.start} (0x{bad}) in otherwise UTF-8 "
            "text; the file is damaged or mixes encodings, so fix or re-save it as UTF-8",
        )
    if declared:
        encoding = "gb18030" if declared.lower() in _GB_ALIASES else declared.lower()
        try:
            return normalise_newlines(data.decode(encoding)), encoding
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong or unknown declaration: detect instead
    best = charset_normalizer.from_bytes(data, cp_isolation=_LEGACY_ENCODINGS).best()
    if best is None or best.chaos > _MAX_CHAOS:
        raise InputError(
            source,
            f"cannot tell the text encoding (not UTF-8, and not clean GB18030 or Big5; "
            f"first non-UTF-8 byte at offset {utf8_error.start}); re-save it as UTF-8",
        )
    return normalise_newlines(str(best)), best.encoding


def _mostly_utf8(data: bytes) -> bool:
    """Whether most non-ASCII bytes form valid UTF-8 sequences.

    GB18030 and Big5 text yields only occasional accidental UTF-8 sequences;
    real UTF-8 with a damaged spot is nearly all valid.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    invalid = valid = 0
    for char in text:
        if "\udc80" <= char <= "\udcff":  # one undecodable byte
            invalid += 1
        elif char > "\x7f":
            valid += len(char.encode("utf-8"))
    return valid >= 4 * invalid


def declared_charset(data: bytes) -> str | None:
    match = _CHARSET_DECLARATION.search(data[:4096])
    return match.group(1).decode("ascii", errors="replace") if match else None


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
