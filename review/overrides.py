"""The manager's overrides applied to a scorecard: the scorecard everything shows and uses.

The AI's scorecard is stored as produced; a manager's override (review.store `overrides`) sets a
criterion's score. `apply_overrides` returns the effective scorecard: each overridden criterion
with the manager's score and the verdict it implies, the AI's score and verdict kept beside it
(`ai_score`, `ai_verdict`, `manager_note`), and sections, totals, percent, strengths and gaps
recomputed by the scorer's own functions (review.score.totals / strengths_and_gaps), so an
overridden scorecard adds up exactly as a scored one does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from .errors import InputError
from .score import strengths_and_gaps, totals, verdict_for
from .types import CriterionScore, Scorecard

__all__ = ["OverrideLike", "apply_overrides", "overridden_ids"]


class OverrideLike(Protocol):
    """What an override needs: the manager's score (review.store.records.Override fits)."""

    score: int


def _value(override: object, key: str):
    return override.get(key) if isinstance(override, Mapping) else getattr(override, key, None)


def _target(c: CriterionScore, gaps: list[str]) -> int:
    """The criterion's target; for a scorecard made before targets were kept, the highest target
    consistent with its gaps (a scored criterion that was not a gap had reached its target)."""
    if c.target is not None:
        return c.target
    if c.verdict != "not_applicable" and c.id not in gaps:
        return min(c.score, c.max_score)
    return c.max_score


def _section_order(scorecard: Scorecard) -> list[str]:
    order = [s.section for s in scorecard.sections]
    for c in scorecard.criteria:  # sections of criteria that were all "not applicable" come last
        if c.section not in order:
            order.append(c.section)
    return order


def apply_overrides(scorecard: Scorecard, overrides: Mapping[str, object] | None) -> Scorecard:
    """The scorecard with the manager's overrides applied (a new object; the input is unchanged).

    scorecard: the AI's scorecard as stored. overrides: criterion id -> the latest override, an
    object or mapping with `score` (and optionally `comment` or `note`), e.g. Store.overrides(id).
    An overridden criterion gets the manager's score, the verdict that score implies (an override
    of a "not applicable" criterion counts it), ai_score / ai_verdict with the AI's values and
    manager_note with the comment. An override with the AI's own score still records the AI's
    values (it was reviewed). With no overrides the scorecard is returned unchanged.
    An id that is not a criterion of the scorecard, or a score outside 0..max_score, raises InputError.
    """
    if not overrides:
        return scorecard
    by_id = {c.id: c for c in scorecard.criteria}
    unknown = sorted(set(overrides) - set(by_id))
    if unknown:
        raise InputError(f"overrides name criteria not in the scorecard: {', '.join(unknown)}; "
                         "check the criterion ids")
    criteria = []
    for c in scorecard.criteria:
        o = overrides.get(c.id)
        if o is None:
            criteria.append(c)
            continue
        score = _value(o, "score")
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= c.max_score:
            raise InputError(f"override score {score!r} for '{c.id}' must be a whole number from 0 to "
                             f"{c.max_score}")
        note = _value(o, "comment")
        note = _value(o, "note") if note is None else note
        criteria.append(c.model_copy(update={
            "score": score, "verdict": verdict_for(score, c.max_score),
            "ai_score": c.score if c.ai_score is None else c.ai_score,
            "ai_verdict": c.verdict if c.ai_verdict is None else c.ai_verdict,
            "manager_note": note or None, "target": _target(c, scorecard.gaps),
        }))
    sections, total, total_max, percent = totals(_section_order(scorecard), criteria)
    targets = {c.id: _target(c, scorecard.gaps) for c in criteria}
    strengths, gaps = strengths_and_gaps(criteria, targets)
    return scorecard.model_copy(update={
        "criteria": criteria, "sections": sections, "total_score": total, "total_max": total_max,
        "total_percent": percent, "strengths": strengths, "gaps": gaps,
    })


def overridden_ids(scorecard: Scorecard) -> list[str]:
    """Ids of the criteria whose score is the manager's (in an applied scorecard)."""
    return [c.id for c in scorecard.criteria if c.ai_score is not None]

