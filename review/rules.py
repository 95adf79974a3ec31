"""Engine 1, the offline default: score each criterion from its signals, no LLM.

Signals come from the methodology file and the retrieved candidate windows:
- keyword patterns of the criterion (regexes) hit in a turn;
- who spoke (`shown_by`) and, for `needs_question` criteria, whether the turn is a question;
- similarity of the candidate window to the criterion (Candidate.similarity);
- specificity the top level asks for: a number where the top level is about quantities, a day
  or date where it is about dates.

Levels (for a scale 0..N): 0 when no turn carries the criterion's signals; the top level when
the signals are strong (several matching turns or patterns, the buyer took part, and the number
or date the top level asks for is there); the level just below the top otherwise (N-1; on a
yes/no scale any match is 1). Thresholds were calibrated on the 10-call dev set (tests/data/calls,
benchmarks/agreement.py): 83% agreement, Cohen's kappa 0.72 over 180 labelled criteria with real
retrieval; a small set, so treat the thresholds as a starting point, not a fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .schema import Criterion
from .types import Candidate, Segment, Transcript

ENGINE_LABEL = "Offline rules engine (no LLM)"

# A window this similar to the criterion counts as a matching turn even without a keyword hit.
SIMILARITY_STRONG = 0.62
# Top level: at least this many distinct keyword patterns across the matching turns ...
TOP_MIN_PATTERNS = 2
# ... or this many matching turns.
TOP_MIN_TURNS = 3
# ... or the buyer gave a number in a matching turn.
BUYER_FIGURE_IS_SPECIFIC = True
# needs_question criteria: questions by the right speaker needed for the top level.
TOP_MIN_QUESTIONS = 3

_NUMBER_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|hundred|thousand|million|billion|half|dozen|percent|quarter of"
)
NUMBER = re.compile(rf"\d|\b({_NUMBER_WORDS})\b|%", re.I)
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow"
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
DATE = re.compile(
    rf"\b({_DAYS})\b|\b({_MONTHS})\b|\b\d{{1,2}}(st|nd|rd|th)\b|\bq[1-4]\b"
    r"|\bat \d{1,2}(:\d{2})?\s?(am|pm|o'clock)?\b|\b\d{1,2}(:\d{2})?\s?(am|pm)\b"
    r"|\bend of (the )?(month|quarter|year)\b|\bnext (week|month|quarter|year)\b|\bin (two|three|four|\d+) weeks\b"
    r"|\b(calendar|meeting) invite\b|\bsend (you )?(an|the) invite\b",
    re.I,
)
_QUESTION_START = re.compile(
    r"^(so,? |and,? |okay,? |ok,? )?(what|how|why|who|when|where|which|can|could|would|will|do|does|did|is|are|"
    r"have|has|tell me|walk me|help me understand)\b",
    re.I,
)
_CLOSED_START = re.compile(r"^(so,? |and,? )?(do|does|did|is|are|can|could|would|will|have|has)\b", re.I)
_WANTS_NUMBER = re.compile(r"\b(number|numbers|quantif\w*|amount|range|baseline|percent\w*|how much|how long)\b", re.I)
_WANTS_DATE = re.compile(r"\b(dates?|day|deadline|period|calendar)\b", re.I)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern, re.I | re.M)
    except re.error:
        return re.compile(re.escape(pattern), re.I)  # a plain phrase that is not a valid regex


def keyword_hits(criterion: Criterion, text: str) -> list[str]:
    """The criterion's keyword patterns that match `text` (each pattern once)."""
    return [k for k in criterion.keywords if _compiled(k).search(text)]


def matched_phrase(pattern: str, text: str) -> str:
    """The words of `text` that `pattern` matched, for a rationale a manager can read."""
    m = _compiled(pattern).search(text)
    return m.group(0).strip() if m else pattern


def is_question(text: str) -> bool:
    """A question mark, or a sentence starting like a question."""
    if "?" in text:
        return True
    return any(_QUESTION_START.match(s.strip()) for s in re.split(r"(?<=[.!])\s+", text) if s.strip())


def is_open_question(text: str) -> bool:
    """A question that is not a plain yes/no question."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    return any(
        (s.endswith("?") or _QUESTION_START.match(s)) and not _CLOSED_START.match(s) for s in sentences
    )


def criterion_wants(criterion: Criterion) -> tuple[bool, bool]:
    """(wants a number, wants a date) for the top level, read from its description."""
    top = criterion.levels[-1].description
    return bool(_WANTS_NUMBER.search(top)), bool(_WANTS_DATE.search(top))


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


@dataclass
class TurnSignals:
    segment: Segment
    similarity: float
    hits: list[str]
    role_ok: bool
    question: bool
    open_question: bool
    number: bool
    date: bool

    @property
    def matches(self) -> bool:
        return self.role_ok and (bool(self.hits) or self.similarity >= SIMILARITY_STRONG)


@dataclass
class RuleResult:
    score: int
    refs: list[dict]  # evidence references, resolved to quotes by review.evidence
    rationale: str
    signals: list[TurnSignals] = field(default_factory=list)


def _turn_signals(transcript: Transcript, criterion: Criterion, candidates: list[Candidate]) -> list[TurnSignals]:
    similarity: dict[int, float] = {}
    for cand in candidates:
        for sid in cand.segment_ids:
            similarity[sid] = max(similarity.get(sid, 0.0), cand.similarity)
    out = []
    for sid in sorted(similarity):
        seg = transcript.segment(sid)
        if seg is None:
            continue
        role_ok = criterion.shown_by == "either" or seg.role in (criterion.shown_by, "unknown")
        out.append(
            TurnSignals(
                segment=seg,
                similarity=similarity[sid],
                hits=keyword_hits(criterion, seg.text),
                role_ok=role_ok,
                question=is_question(seg.text),
                open_question=is_open_question(seg.text),
                number=bool(NUMBER.search(seg.text)),
                date=bool(DATE.search(seg.text)),
            )
        )
    return out


def score_criterion(transcript: Transcript, criterion: Criterion, candidates: list[Candidate]) -> RuleResult:
    """Score one criterion from its candidate windows.

    transcript: the call (turns are looked up by segment id).
    criterion: the methodology criterion, with keywords, shown_by, needs_question and levels.
    candidates: the retrieved windows for this criterion (may be empty).
    """
    top = criterion.max_score
    signals = _turn_signals(transcript, criterion, candidates)
    matching = [s for s in signals if s.matches and (not criterion.needs_question or s.question)]
    wants_number, wants_date = criterion_wants(criterion)
    # Lead with the turn that shows the most: the specifics the top level asks for, then signals.
    matching.sort(
        key=lambda s: ((wants_number and s.number) + (wants_date and s.date), len(s.hits), s.similarity),
        reverse=True,
    )
    if not matching:
        best = max((s.similarity for s in signals), default=0.0)
        why = (
            f"no retrieved turn carries its signals (closest turn similarity {best:.2f})"
            if signals else "no turn in the call was retrieved for it"
        )
        return RuleResult(0, [], f"{criterion.levels[0].label} (0/{top}): {why}.", signals)

    patterns = {h for s in matching for h in s.hits}
    window_ids = {s.segment.id for s in signals}
    customer_took_part = any(s.segment.role == "customer" for s in signals if s.segment.id in window_ids)
    if criterion.needs_question:
        n_questions = sum(1 for s in matching if s.open_question)
        strong = n_questions >= TOP_MIN_QUESTIONS
    else:
        n_questions = 0
        # the buyer putting a figure on it is specific enough on its own ("about ninety-five thousand dollars")
        buyer_figure = BUYER_FIGURE_IS_SPECIFIC and any(s.segment.role == "customer" and s.number for s in matching)
        strong = customer_took_part and (
            len(patterns) >= TOP_MIN_PATTERNS or len(matching) >= TOP_MIN_TURNS or buyer_figure
        )
    has_number = any(s.number for s in matching)
    has_date = any(s.date for s in matching)
    if wants_number and not has_number:
        strong = False
    if wants_date and not has_date:
        strong = False
    score = top if strong else max(1, top - 1)  # a yes/no scale (0/1) has no level in between

    lead = matching[0]
    who = "the rep" if lead.segment.role == "rep" else "the customer" if lead.segment.role == "customer" else lead.segment.speaker
    verb = "asked" if lead.question else "said"
    cue = f"“{matched_phrase(lead.hits[0], lead.segment.text)}”" if lead.hits else "a turn close to the criterion"
    parts = [f"{who} {verb} {cue} at {_clock(lead.segment.start)}"]
    if criterion.needs_question:
        parts.append(f"{n_questions} open question(s) by the {criterion.shown_by}")
    elif len(matching) > 1:
        parts.append(f"{len(matching) - 1} more turn(s) on it")
    if wants_number:
        parts.append("with a number" if has_number else "but no number was put on it")
    if wants_date:
        parts.append("with a day or date" if has_date else "but no day or date was set")
    if not criterion.needs_question and not customer_took_part:
        parts.append("the customer did not take part")
    level = criterion.levels[score]
    rationale = f"{level.label} ({score}/{top}): {'; '.join(parts)}."
    refs = [{"segment_id": s.segment.id} for s in matching[:3]]
    return RuleResult(score, refs, rationale, signals)
