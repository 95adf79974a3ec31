"""Redraft a review's coaching agenda from the manager's scores when an override moves the focus.

The agenda was drafted from the AI's scorecard. Once the manager overrides a score, the ONE focus
skill may change (review.coach_analysis.choose_focus on the effective scorecard). `check_focus`
says whether it did; `save_redraft` stores the new draft's parts as new versions of the agenda
documents (review.agenda_doc), so the manager's earlier edits stay in each part's history.
"""

from __future__ import annotations

from dataclasses import dataclass

from .agenda_doc import documents_of
from .overrides import apply_overrides
from .types import CoachingDraft, Scorecard

__all__ = ["FocusCheck", "check_focus", "redraft", "save_redraft"]


@dataclass(frozen=True)
class FocusCheck:
    """What the manager's scores mean for the agenda's focus."""

    scorecard: Scorecard  # the effective scorecard (overrides applied)
    current_focus: str  # criterion id the agenda is about now
    new_focus: str  # criterion id the effective scorecard picks
    new_focus_name: str

    @property
    def changed(self) -> bool:
        return self.current_focus != self.new_focus


def redraft(review, overrides, methodology, history=(), rep: str | None = None, engine=None,
            settings=None, transcript=None) -> CoachingDraft:
    """The coaching draft of the review's effective scorecard (review.coach.draft_coaching).

    review: a ReviewRecord. overrides: its latest overrides (Store.overrides). methodology: the
    Methodology it was scored against. history: the rep's earlier scorecards. rep: the rep's name.
    engine: an optional ChatEngine to polish the wording (as in the pipeline). settings: the
    review.settings.Settings whose redaction applies to that polish (default: numbers only).
    transcript: the call's transcript (Store.get_transcript), for the moments behind a talk-metric focus.
    """
    from .coach import draft_coaching

    effective = apply_overrides(review.scorecard, overrides)
    return draft_coaching(effective, methodology, history=history, rep=rep, engine=engine,
                          redact=getattr(settings, "redact", True), redact_names=getattr(settings, "redact_names", False),
                          transcript=transcript)


def check_focus(review, current: CoachingDraft, overrides, methodology, history=(), rep: str | None = None) -> FocusCheck:
    """Whether the overrides move the focus away from the current draft's (no LLM is used).

    review: a ReviewRecord. current: the draft the agenda documents come from now.
    """
    draft = redraft(review, overrides, methodology, history, rep)
    return FocusCheck(apply_overrides(review.scorecard, overrides), current.focus_criterion_id,
                      draft.focus_criterion_id, draft.focus_criterion_name)


def save_redraft(store, review_id: int, draft: CoachingDraft, author: str = "manager") -> dict[str, int]:
    """Store every part of `draft` as the newest version of its document (earlier versions,
    with the manager's edits, stay in the history); document key -> its new version."""
    versions = {}
    for key, content in documents_of(draft).items():
        found = store.get_document(review_id, key)
        versions[key] = store.save_document(review_id, key, content, found[1] if found else None, author=author)
    return versions
