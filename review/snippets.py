"""Small text helpers shared by the pipeline and the app: a sentence split and a cut to length.

Kept in one place so a quote, a rationale and a picker label are cut, and a turn is split into
sentences, the same way everywhere.
"""
from __future__ import annotations

import re

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of `text`, split after ".", "!" or "?" followed by a space; blanks dropped."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]


def shorten(text: str, limit: int) -> str:
    """`text` whole if it fits in `limit` characters, else cut to `limit` with a closing "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def cut_at_word(text: str, limit: int) -> str:
    """`text` whole if it fits in `limit` characters, else cut at the last word within it, marked " …"
    (what remains is still verbatim: a quote stays a substring of what was said)."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " \u2026"
