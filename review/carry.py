"""Carry a manager's corrections from one review of a call to another (same call, same methodology).

A re-score, a new rep or a corrected turn scores the call afresh in a new review, and the manager's
overrides and evidence marks stay on the review they were made on. The manager can carry them over:
overrides keep their score and comment, marked as carried; marks keep their verdict, on
the same turn of the new review's transcript (the same id when both reviews read one transcript
version, else the turn at that time holding the marked words). Nothing is taken from the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InputError
from .types import Segment, Transcript

__all__ = ["Carried", "carry_corrections", "carry_marks", "carry_overrides"]


@dataclass
class Carried:
    """What carrying did: criterion ids of the overrides carried and skipped, and how many marks."""

    overrides: list[str] = field(default_factory=list)
    skipped_overrides: list[str] = field(default_factory=list)
    marks: int = 0
    skipped_marks: int = 0


def _pair(store, source_review_id: int, target_review_id: int):
    source, target = store.get_review(source_review_id), store.get_review(target_review_id)
    if source is None or target is None or source.id == target.id or source.call_id != target.call_id \
            or source.methodology_id != target.methodology_id:
        raise InputError(f"reviews {source_review_id} and {target_review_id} are not two reviews of one call "
                         "against one methodology; corrections carry only between those")
    return source, target


def carry_overrides(store, source_review_id: int, target_review_id: int, author: str) -> tuple[list[str], list[str]]:
    """Give another review of the same call and methodology the manager's overrides of one review.

    Each criterion the target also scores, and the manager has not overridden there yet, gets the same
    score and comment, marked as carried; the source keeps its own. Returns (carried criterion ids,
    skipped ids: not on the target's scorecard, outside its scale, or already overridden there).
    store: review.store.Store (or the app's scoped store). author: who carries them.
    Raises InputError when the reviews are not two reviews of one call against one methodology.
    """
    source, target = _pair(store, source_review_id, target_review_id)
    return _overrides(store, source, target, author)


def _overrides(store, source, target, author: str) -> tuple[list[str], list[str]]:
    scored = {c.id: c for c in target.scorecard.criteria}
    already = store.overrides(target.id)
    carried, skipped = [], []
    for criterion_id, override in store.overrides(source.id).items():
        criterion = scored.get(criterion_id)
        if criterion is None or criterion_id in already or not 0 <= override.score <= criterion.max_score:
            skipped.append(criterion_id)
            continue
        store.add_override(target.id, criterion_id, override.score,
                           f"{override.comment} (carried from the review of {source.created_at[:10]})", author=author)
        carried.append(criterion_id)
    return carried, skipped


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def _same_turn(target: Transcript, turn: Segment, marked: str) -> Segment | None:
    """The turn of `target` at `turn`'s time that holds the marked words (a quote, or the whole turn)."""
    needle = _words(marked)
    return next((s for s in target.segments if s.start < turn.end and s.end > turn.start
                 and needle and needle in _words(s.text)), None)


def carry_marks(store, source_review_id: int, target_review_id: int, author: str) -> tuple[int, int]:
    """Give another review of the same call and methodology the manager's evidence marks of one review.

    The latest mark of each (criterion, turn) is carried with its verdict when the target scores the
    criterion, the turn is found in its transcript and the target has no mark of its own there:
    "right" always (on a turn the target does not cite it is a moment the AI missed), "wrong" only
    where the target cites that turn too (a quote it no longer cites needs no mark, and neither does a
    moment taken back). Returns (marks carried, marks skipped: the criterion is not scored there or
    the turn was not found, e.g. split by a corrected speaker). author: who carries them.
    Raises InputError when the reviews are not two reviews of one call against one methodology.
    """
    source, target = _pair(store, source_review_id, target_review_id)
    return _marks(store, source, target, author)


def _marks(store, source, target, author: str) -> tuple[int, int]:
    latest = {(m.criterion_id, m.segment_id): m for m in store.evidence_marks(source.id)}
    if not latest:
        return 0, 0
    taken = {(m.criterion_id, m.segment_id) for m in store.evidence_marks(target.id)}
    same_version = source.transcript_version == target.transcript_version
    before = store.get_transcript(source.call_id, source.transcript_version)
    after = before if same_version else store.get_transcript(target.call_id, target.transcript_version)
    quotes = {(c.id, q.segment_id): q.quote for c in source.scorecard.criteria for q in c.evidence}
    scored = {c.id: c for c in target.scorecard.criteria}
    carried = skipped = 0
    for (criterion_id, segment_id), mark in latest.items():
        turn = before.segment(segment_id) if before is not None else None
        if turn is not None and after is not None and not same_version:
            turn = _same_turn(after, turn, quotes.get((criterion_id, segment_id), turn.text))
        criterion = scored.get(criterion_id)
        cited = criterion is not None and turn is not None and any(q.segment_id == turn.id for q in criterion.evidence)
        if turn is None or criterion is None:
            skipped += 1
            continue
        if (criterion_id, turn.id) in taken or (mark.verdict == "wrong" and not cited):
            continue
        store.add_evidence_mark(target.id, criterion_id, turn.id, mark.verdict, author=author)
        taken.add((criterion_id, turn.id))
        carried += 1
    return carried, skipped


def carry_corrections(store, source_review_id: int, target_review_id: int, author: str) -> Carried:
    """Carry the overrides (carry_overrides) and the evidence marks (carry_marks) of one review to
    another review of the same call and methodology. author: who carries them."""
    source, target = _pair(store, source_review_id, target_review_id)  # looked up once for both
    carried, skipped = _overrides(store, source, target, author)
    marks, skipped_marks = _marks(store, source, target, author)
    return Carried(carried, skipped, marks, skipped_marks)
