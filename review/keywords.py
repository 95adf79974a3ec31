"""A criterion's keyword patterns, matched the same way by retrieval and the rules engine.

A keyword is a case-insensitive regular expression, multi-line (`^` is the start of a line); a
keyword that is not a valid regex is matched as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .schema import Criterion


@lru_cache(maxsize=1024)
def compile_keyword(pattern: str) -> re.Pattern:
    """The compiled pattern of one keyword."""
    try:
        return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
    except re.error:
        return re.compile(re.escape(pattern), re.IGNORECASE | re.MULTILINE)


def keyword_hits(criterion: Criterion, texts: str | Iterable[str]) -> list[str]:
    """The criterion's keyword patterns that match `texts`, in the criterion's order, each once.

    texts: one text, or several matched separately (one per turn, so `^` is a turn's start).
    """
    texts = [texts] if isinstance(texts, str) else list(texts)
    return [k for k in criterion.keywords if any(compile_keyword(k).search(t) for t in texts)]
