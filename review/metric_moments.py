"""The moments of a call behind a talk metric, for an agenda whose focus is one (ROAM "Activities").

A metric is a figure over the whole call ("patience 0.3 s"); a manager coaching on it needs the
moments that make it, to play them and ask the rep about them: the rep's quickest replies to the
customer (patience), the rep's longest turns (talk ratio), the longest monologue, and the rep's
longest turns without a question (too few questions) or the turns packed with questions (too
many). Each moment is a verbatim quote cut from the turn by code (review.evidence), labelled with
the figure it shows. Definitions as in review.metrics.
"""

from __future__ import annotations

import re
from itertools import pairwise

from .evidence import resolve_evidence
from .metrics import count_questions
from .types import EvidenceQuote, Segment, Transcript

MOMENTS = 2  # moments per metric (the longest monologue is one moment)
QUOTE_WORDS = 30  # a quote is the turn's opening sentences, at most this many words ...
MIN_QUOTE_WORDS = 8  # ... and at least this many where the turn has them ("Great!" alone says nothing)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def _opening(text: str) -> str:
    """The opening sentences of `text`, verbatim: whole sentences until MIN_QUOTE_WORDS words, cut
    at QUOTE_WORDS words."""
    body = text.strip()
    end = 0
    for match in _SENTENCE_END.finditer(body):
        end = match.end()
        if len(body[:end].split()) >= MIN_QUOTE_WORDS:
            break
    else:
        end = len(body)
    opening = body[:end]
    words = list(re.finditer(r"\S+", opening))
    return opening[: words[QUOTE_WORDS - 1].end()] if len(words) > QUOTE_WORDS else opening


def _quote(transcript: Transcript, seg: Segment) -> EvidenceQuote | None:
    quotes, _ = resolve_evidence(transcript, [{"segment_id": seg.id, "quote": _opening(seg.text)}], {seg.id})
    return quotes[0] if quotes else None


def _reply_label(gap: float) -> str:
    """How the rep came in after the customer: `gap` seconds after they finished (negative: before)."""
    if gap <= -0.05:
        return f"Talked over the customer ({-gap:.1f} s before they finished)"
    if gap < 0.05:
        return "Answered with no pause after the customer finished"
    return f"Answered {gap:.1f} s after the customer finished"


def _runs(turns: list[Segment]) -> list[list[Segment]]:
    """Consecutive turns of one speaker, in time order (a monologue as review.metrics measures it)."""
    runs: list[list[Segment]] = []
    for seg in turns:
        if runs and runs[-1][0].speaker == seg.speaker:
            runs[-1].append(seg)
        else:
            runs.append([seg])
    return runs


def metric_moments(transcript: Transcript, key: str, speaker: str | None,
                   too_many_questions: bool = False) -> list[tuple[str, EvidenceQuote]]:
    """(label, quote) of the moments behind the rep's talk metric `key` in `transcript`.

    key: talk_ratio, question_count, longest_monologue or patience (review.coach_analysis.ActivityFinding).
    speaker: the rep's speaker label (None: the turns whose role is "rep").
    too_many_questions: for question_count, the rep asked more than the benchmark (else fewer).
    Empty when the call has no such moment (no timings, no rep turn), and for patience when the call's
    pauses are not measured (metrics.patience_s None: a transcript file's times estimated from word counts).
    """
    turns = sorted((s for s in transcript.segments if s.text.strip()), key=lambda s: (s.start, s.id))

    def is_rep(seg: Segment) -> bool:
        return seg.speaker == speaker if speaker else seg.role == "rep"

    picked: list[tuple[str, Segment]] = []
    if key == "patience" and transcript.metrics.patience_s is None:
        pass  # estimated times make every reply look instant: no moment to cite
    elif key == "patience":
        # the raw gap: a rep who starts before the customer finished talked over them (the metric counts 0)
        replies = [(b.start - a.end, b) for a, b in pairwise(turns) if a.role == "customer" and b.role == "rep"]
        picked = [(_reply_label(gap), seg) for gap, seg in sorted(replies, key=lambda r: (r[0], r[1].start))[:MOMENTS]]
    elif key == "talk_ratio":
        rep = sorted((s for s in turns if is_rep(s) and s.end > s.start), key=lambda s: (s.start - s.end, s.start))
        picked = [(f"The rep talking for {s.end - s.start:.0f} s", s) for s in rep[:MOMENTS]]
    elif key == "longest_monologue":
        runs = [r for r in _runs(turns) if is_rep(r[0])]
        if runs:
            run = max(runs, key=lambda r: (max(s.end for s in r) - r[0].start, -r[0].start))
            picked = [(f"Longest monologue ({max(s.end for s in run) - run[0].start:.0f} s)", run[0])]
    elif key == "question_count" and too_many_questions:
        asked = sorted(((count_questions(s.text), s) for s in turns if is_rep(s)), key=lambda r: (-r[0], r[1].start))
        picked = [(f"{n} questions in one turn", s) for n, s in asked[:MOMENTS] if n >= 2]
    elif key == "question_count":
        told = sorted((s for s in turns if is_rep(s) and not count_questions(s.text) and s.end > s.start),
                      key=lambda s: (s.start - s.end, s.start))
        picked = [(f"{s.end - s.start:.0f} s without a question", s) for s in told[:MOMENTS]]
    out = []
    for label, seg in sorted(picked, key=lambda p: p[1].start):
        quote = _quote(transcript, seg)
        if quote is not None:
            out.append((label, quote))
    return out
