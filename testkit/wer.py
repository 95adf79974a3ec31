"""Word error rate: how far a transcript is from a reference text (for tests and benchmarks)."""

from __future__ import annotations

import re


def normalise_words(text: str) -> list[str]:
    """Lower case, punctuation removed ("30" stays "30": references here spell no numbers)."""
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def word_edits(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words), by word-level Levenshtein."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1], len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word edits / reference words."""
    edits, words = word_edits(reference, hypothesis)
    return edits / max(words, 1)
