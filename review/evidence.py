"""Evidence that cannot be invented: a model points at transcript turns, code cuts the quotes.

A model (or the rules engine) returns references: `{"segment_id": 12}`, optionally with a word
span `{"span": {"start_word": 3, "end_word": 9}}` (0-based, both inclusive) or a `quote` that must
occur verbatim in that turn (compared after collapsing whitespace and case). Code turns each
reference into an EvidenceQuote cut from the local transcript, with speaker, role and the
timestamps of the words it covers. A reference that does not resolve is dropped and reported, so
text a model made up can never reach a scorecard.
"""

from __future__ import annotations

import re

from . import snippets
from .types import EvidenceQuote, Segment, Transcript

_QUOTE_EDGES = " \t\n\"'“”‘’…."
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with whitespace runs collapsed, and for each output char its source index."""
    out: list[str] = []
    index: list[int] = []
    prev_space = True  # also strips leading whitespace
    for i, ch in enumerate(text.translate(_FOLD)):
        if ch.isspace():
            if not prev_space:
                out.append(" ")
                index.append(i)
            prev_space = True
            continue
        prev_space = False
        for low in ch.lower():
            out.append(low)
            index.append(i)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def _tokens(text: str) -> list[tuple[int, int]]:
    """Character (start, end) of each whitespace-separated token of `text`."""
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def _time_of_chars(segment: Segment, char_start: int, char_end: int) -> tuple[float, float]:
    """Start/end time of the characters [char_start, char_end) of the segment's text.

    Uses the word timestamps when the words line up one-to-one with the text's tokens (the
    usual case); otherwise interpolates over the segment's duration by character position.
    """
    tokens = _tokens(segment.text)
    if segment.words and len(segment.words) == len(tokens):
        first = next(i for i, (s, e) in enumerate(tokens) if e > char_start)
        last = max(i for i, (s, e) in enumerate(tokens) if s < char_end)
        return segment.words[first].start, segment.words[last].end
    length = max(len(segment.text), 1)
    span = segment.end - segment.start
    return (
        round(segment.start + span * char_start / length, 3),
        round(segment.start + span * char_end / length, 3),
    )


def _quote(segment: Segment, char_start: int, char_end: int) -> EvidenceQuote:
    start, end = _time_of_chars(segment, char_start, char_end)
    return EvidenceQuote(
        segment_id=segment.id,
        quote=segment.text[char_start:char_end],
        start=start,
        end=end,
        speaker=segment.speaker,
        role=segment.role,
    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return snippets.shorten(text, limit)


def _resolve_one(transcript: Transcript, ref: object, allowed: set[int]) -> EvidenceQuote | str:
    """An EvidenceQuote, or a one-line reason why the reference was dropped."""
    if not isinstance(ref, dict):
        return f"evidence {_short(repr(ref))}: not an object with a segment_id"
    raw_id = ref.get("segment_id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int):
        return f"evidence {_short(repr(ref))}: segment_id is not an integer"
    segment = transcript.segment(raw_id)
    if segment is None:
        return f"segment {raw_id}: not in the transcript"
    if raw_id not in allowed:
        return f"segment {raw_id}: not among the turns shown for this criterion"
    tokens = _tokens(segment.text)
    if not tokens:
        return f"segment {raw_id}: the turn has no text"

    span = ref.get("span")
    if span is not None:
        try:
            first, last = int(span["start_word"]), int(span["end_word"])
        except (TypeError, KeyError, ValueError):
            return f"segment {raw_id}: span {_short(repr(span))} needs integer start_word and end_word"
        if not 0 <= first <= last < len(tokens):
            return f"segment {raw_id}: span {first}-{last} is outside the turn's {len(tokens)} words"
        return _quote(segment, tokens[first][0], tokens[last][1])

    quote = ref.get("quote")
    if quote is None or not str(quote).strip(_QUOTE_EDGES):
        return _quote(segment, tokens[0][0], tokens[-1][1])
    wanted, _ = _normalised_with_map(str(quote).strip(_QUOTE_EDGES))
    haystack, index = _normalised_with_map(segment.text)
    at = haystack.find(wanted)
    if at < 0:
        return f"segment {raw_id}: quote \"{_short(quote)}\" is not in that turn verbatim"
    char_start, char_end = index[at], index[at + len(wanted) - 1] + 1
    # widen to whole words: still a verbatim substring of the turn, and readable
    char_start = next(s for s, e in reversed(tokens) if s <= char_start)
    char_end = next(e for s, e in tokens if e >= char_end)
    return _quote(segment, char_start, char_end)


def resolve_evidence(
    transcript: Transcript, refs: list[dict], allowed_segment_ids: set[int]
) -> tuple[list[EvidenceQuote], list[str]]:
    """Turn evidence references into verbatim quotes; return (quotes, reasons for dropped refs).

    transcript: the local, unredacted transcript the quotes are cut from.
    refs: references as the engine returned them ({segment_id, span?, quote?}).
    allowed_segment_ids: ids of the turns the engine was shown for this criterion; a reference
        to any other turn is dropped even if that turn exists.
    """
    quotes: list[EvidenceQuote] = []
    dropped: list[str] = []
    seen: set[tuple[int, str]] = set()
    for ref in refs or []:
        result = _resolve_one(transcript, ref, allowed_segment_ids)
        if isinstance(result, str):
            dropped.append(result)
        elif (result.segment_id, result.quote) not in seen:
            seen.add((result.segment_id, result.quote))
            quotes.append(result)
    return quotes, dropped


def dropped_evidence_note(dropped: list[str], engine: str) -> str:
    """The one line shown under a criterion whose evidence references were dropped, true to who cited
    them: a model (an LLM engine) or the offline rules engine ("rules").

    dropped: CriterionScore.dropped_evidence. engine: Scorecard.engine.
    """
    what = ", ".join(dropped)
    if engine == "rules":
        return f"The rules engine left out turns it could not use as evidence: {what}"
    return f"Evidence the model cited that is not in the turns it was shown was dropped: {what}"
