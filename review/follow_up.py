"""The progress check of a coaching agenda: how the focus skill went on the rep's calls after this one.

The SLED agenda's last part says how progress is checked: which criterion should move on the rep's next
calls, and to what level. This reads the rep's later reviewed calls in the same methodology (the
store's trend rows, the manager's overrides applied) and says, call by call, where the focus skill
stood against its target. Coaching is a loop; this is where the manager sees whether it closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .types import Scorecard


@dataclass
class LaterCall:
    call_id: int
    call_date: str | None
    title: str | None
    score: float | None  # the focus criterion's score on that call (None: not scored there)
    max_score: float | None
    on_target: bool | None  # None: no score, or no target to compare with


@dataclass
class FollowUp:
    criterion_id: str
    criterion_name: str
    target: int | None  # the level the team expects (the criterion's target, capped at its maximum)
    max_score: int
    calls: list[LaterCall] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """One line: "2 of 3 later calls at the target (2/2)" or why there is nothing to say yet."""
        if not self.calls:
            return "No reviewed call after this one yet: the progress check reads the rep's next calls here."
        scored = [c for c in self.calls if c.on_target is not None]
        if self.target is None or not scored:
            return f"{len(self.calls)} later call(s); no target to compare with."
        met = sum(1 for c in scored if c.on_target)
        return f"{met} of {len(scored)} later call(s) at the target ({self.target}/{self.max_score})"


def follow_up(scorecard: Scorecard, call_id: int, call_date: str | None, focus_id: str,
              rows: list[dict], methodology_target: int | None = None) -> FollowUp | None:
    """The focus criterion on the rep's calls after this one; None when the focus is not a criterion
    of this scorecard (a talk-metric focus: its trend is on the Rep trends page).

    scorecard: this call's review. call_id, call_date: this call (later = a later date, or the same
        date and a higher id). focus_id: the agenda's focus criterion id.
    rows: store.rep_trend_rows(rep, methodology) for the rep and this scorecard's methodology.
    methodology_target: the criterion's target in the methodology file, for a scorecard stored
        without one (the offline judge's scorecards before 0.3 did not keep it).
    """
    focus = next((c for c in scorecard.criteria if c.id == focus_id), None)
    if focus is None:
        return None
    wanted = focus.target if focus.target is not None else methodology_target
    target = min(wanted, focus.max_score) if wanted is not None else None
    out = FollowUp(focus.id, focus.name, target, focus.max_score)
    here = (call_date or "", call_id)
    for row in rows:
        if (row.get("call_date") or "", row["call_id"]) <= here:
            continue
        score = row.get(f"criterion:{focus.id}")
        out.calls.append(LaterCall(
            call_id=row["call_id"], call_date=row.get("call_date"), title=row.get("title"), score=score,
            max_score=row.get(f"max:{focus.id}"),
            on_target=None if score is None or target is None else score >= target,
        ))
    return out
