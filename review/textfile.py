"""Text files as the tools teams use write them: UTF-8 (with or without a byte-order mark), UTF-16
with its byte-order mark (Windows "Unicode" text, Excel's "Unicode Text"), or else Windows-1252
(Excel's plain CSV, older Windows editors). Bytes that are none of these (binary content, an
unknown encoding) are not text. Used for transcripts (review.formats) and playbooks (review.playbook).
"""

from __future__ import annotations

from typing import NamedTuple

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class Decoded(NamedTuple):
    text: str
    encoding: str  # "utf-8", "utf-16" or "cp1252"


def decode_text(data: bytes, legacy: bool = True) -> Decoded | None:
    """The text of `data`, or None when it is not text; legacy: Windows-1252 when it is not UTF-8."""
    if data.startswith(_UTF16_BOMS):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp1252") if legacy else ("utf-8-sig",):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
        if controls <= len(text) // 1000:
            return Decoded(text, "utf-8" if encoding == "utf-8-sig" else encoding)
    return None


def first_non_utf8_byte(data: bytes) -> int | None:
    """Where `data` stops being UTF-8 (for a message), or None when all of it is."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None
