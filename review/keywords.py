"""Criterion keywords: regular expressions from methodology files, checked at load and matched with a bound.

A keyword is written by an enablement lead (or drafted by an LLM from a playbook), so it is
untrusted: `^(\\w+\\s?)*$` backtracks for minutes on a 40-character turn. Three guards:

1. `keyword_problem` (called by the schema, so `methodology validate` / `import` refuse the file):
   the pattern must compile, be at most MAX_KEYWORD_CHARS long, not nest a variable repeat inside
   an unbounded one (`(a+)+`, `(\\w+\\s?)*`), not repeat an alternation without bound (`(a|ab)*`),
   and hold at most MAX_UNBOUNDED_REPEATS unbounded repeats (`.*.*.*.*` is polynomial but slow).
2. Matching runs on at most MAX_MATCH_CHARS of a turn.
3. Matching uses the `regex` module with a timeout (MATCH_TIMEOUT_S); a pattern that times out
   counts as no match and is skipped for the rest of the process, with one warning.
"""

from __future__ import annotations

import functools
import re
import warnings
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

MAX_KEYWORD_CHARS = 500
MAX_UNBOUNDED_REPEATS = 6
LARGE_REPEAT = 10  # an outer repeat allowing more than this many rounds counts as unbounded
MAX_MATCH_CHARS = 20_000
MATCH_TIMEOUT_S = 0.25

_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_timed_out: set[tuple[str, int]] = set()


class KeywordTimeoutWarning(UserWarning):
    """A keyword pattern took longer than MATCH_TIMEOUT_S on one turn and is skipped from now on."""


def keyword_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a keyword (one phrase, no trailing period), or None when it is fine."""
    if not pattern.strip():
        return "is empty; remove it"
    if len(pattern) > MAX_KEYWORD_CHARS:
        return f"is {len(pattern)} characters long (limit {MAX_KEYWORD_CHARS}); shorten it or split it"
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return (f"is not a valid regular expression ({getattr(exc, 'msg', exc)}); "
                f"escape special characters such as + ( ) [ ? * with a backslash")
    try:
        problem = _risky(parsed, inside_unbounded=False)
    except RecursionError:
        problem = "nests too many groups"
    if problem is None and _count_unbounded(parsed) > MAX_UNBOUNDED_REPEATS:
        problem = f"has more than {MAX_UNBOUNDED_REPEATS} unbounded repeats (* + {{n,}})"
    if problem is not None:
        return (f"{problem}, which can take minutes to match one turn (catastrophic backtracking); "
                f"use plain words or a bounded repeat such as {{0,3}}")
    return None


def _children(op, av) -> list:
    """The sub-patterns directly inside one parsed node."""
    if op in _REPEATS or op == getattr(sre_constants, "POSSESSIVE_REPEAT", None):
        return [av[2]]
    if op == sre_constants.SUBPATTERN:
        return [av[3]]
    if op == sre_constants.BRANCH:
        return list(av[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [av[1]]
    if op == getattr(sre_constants, "ATOMIC_GROUP", None):
        return [av]
    if op == sre_constants.GROUPREF_EXISTS:
        return [p for p in av[1:] if p is not None]
    return []


def _risky(subpattern, inside_unbounded: bool) -> str | None:
    for op, av in subpattern:
        if op in _REPEATS:
            low, high, body = av
            if inside_unbounded and high > 1 and low != high:
                return "nests a repeat inside another repeat"
            unbounded = high > LARGE_REPEAT
            if unbounded and _has_branch(body):
                return "repeats an alternation (a|b) without bound"
            problem = _risky(body, inside_unbounded or unbounded)
        else:
            problem = next((p for child in _children(op, av) if (p := _risky(child, inside_unbounded))), None)
        if problem:
            return problem
    return None


def _has_branch(subpattern) -> bool:
    return any(op == sre_constants.BRANCH or any(_has_branch(c) for c in _children(op, av)) for op, av in subpattern)


def _count_unbounded(subpattern) -> int:
    total = 0
    for op, av in subpattern:
        if op in _REPEATS and av[1] > LARGE_REPEAT:
            total += 1
        total += sum(_count_unbounded(child) for child in _children(op, av))
    return total


@functools.lru_cache(maxsize=2048)
def _compiled(pattern: str, multiline: bool):
    import regex  # the `regex` module: same syntax as `re`, plus a timeout on matching

    flags = regex.IGNORECASE | regex.VERSION0 | (regex.MULTILINE if multiline else 0)
    try:
        return regex.compile(pattern, flags)
    except (regex.error, RecursionError, OverflowError):  # only files loaded without the schema check
        return regex.compile(regex.escape(pattern), flags)


def search_keyword(pattern: str, text: str, multiline: bool = False):
    """The first match of keyword `pattern` in `text` (case-insensitive), or None.

    pattern: a criterion keyword. text: one turn (only its first MAX_MATCH_CHARS are searched).
    multiline: ^ and $ also match at line breaks. A search over MATCH_TIMEOUT_S gives None, and
    the pattern is skipped from then on (with one KeywordTimeoutWarning).
    """
    key = (pattern, int(multiline))
    if key in _timed_out:
        return None
    try:
        return _compiled(pattern, multiline).search(text[:MAX_MATCH_CHARS], timeout=MATCH_TIMEOUT_S)
    except TimeoutError:
        _timed_out.add(key)
        warnings.warn(f"keyword {pattern!r} took over {MATCH_TIMEOUT_S} s on one turn and is skipped; "
                      f"simplify it in the methodology file", KeywordTimeoutWarning, stacklevel=2)
        return None


def keyword_hits(criterion, texts) -> list[str]:
    """The criterion's keyword patterns that match `texts`, in the criterion's order, each once.

    The one matcher of keywords for retrieval and the rules engine: case-insensitive, multi-line
    (`^` is a line's start), bounded as `search_keyword` is.
    criterion: a review.schema.Criterion. texts: one text, or several matched separately (one per
        turn, so `^` is a turn's start).
    """
    texts = [texts] if isinstance(texts, str) else list(texts)
    return [k for k in criterion.keywords if any(search_keyword(k, t, multiline=True) for t in texts)]
