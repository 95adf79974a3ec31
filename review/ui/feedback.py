"""Widgets on the call review page that teach the offline judge: right / wrong buttons beside
each evidence quote, a picker for a moment the AI missed, and the criterion's calibration
(examples, version) with a reset button."""

from __future__ import annotations

import streamlit as st

from review.ui import state


def _mark(store, review_id: int, criterion_id: str, segment_id: int, verdict: str) -> None:
    try:
        store.add_evidence_mark(review_id, criterion_id, segment_id, verdict)
        st.session_state["feedback_notice"] = f"Marked as {verdict} evidence; the judge learns from it at the next review."
    except Exception as exc:
        st.session_state["feedback_notice"] = state.error_line(exc, "evidence mark")


def mark_right(store, review_id: int, criterion_id: str, segment_id: int) -> None:
    """Mark a turn the AI did not count as right evidence (a button callback)."""
    _mark(store, review_id, criterion_id, segment_id, "right")


def unmark(store, review_id: int, criterion_id: str, segment_id: int) -> None:
    """Take back a moment the manager added (a button callback): it counts as not evidence."""
    try:
        store.add_evidence_mark(review_id, criterion_id, segment_id, "wrong")
        st.session_state["feedback_notice"] = "Removed; the judge counts that moment as not evidence."
    except Exception as exc:
        st.session_state["feedback_notice"] = state.error_line(exc, "evidence mark")


def _reset(store, methodology_id: str, criterion_id: str) -> None:
    from review.calibration import reset

    reset(store, methodology_id, criterion_id)
    st.session_state["feedback_notice"] = "Calibration reset; the next review uses the uncalibrated judge."


def quote_marks(column, store, review, criterion, index: int, marks: dict) -> None:
    """Right / wrong buttons for one quote (the latest mark shown as the label)."""
    quote = criterion.evidence[index]
    given = marks.get((criterion.id, quote.segment_id))
    left, right = column.columns(2)
    for col, verdict, icon in ((left, "right", ":material/thumb_up:"), (right, "wrong", ":material/thumb_down:")):
        col.button("", key=f"mark_{review.id}_{criterion.id}_{index}_{verdict}", icon=icon,
                   type="primary" if given == verdict else "secondary",
                   help=f"This quote is {verdict} evidence for the criterion",
                   on_click=_mark, args=(store, review.id, criterion.id, quote.segment_id, verdict))


def missed_moment_picker(store, review, criterion, transcript, label) -> None:
    """"Add a moment the AI missed": any turn of the call, marked right evidence for the criterion.

    transcript: the reviewed transcript (None: nothing to pick from). label: speaker, role -> name.
    """
    cited = {q.segment_id for q in criterion.evidence}
    turns = sorted((s for s in (transcript.segments if transcript else []) if s.id not in cited),
                   key=lambda s: (s.start, s.id))
    if not turns:
        return
    by_id = {s.id: s for s in turns}

    def shown(segment_id: int) -> str:
        seg = by_id[segment_id]
        return state.turn_choice(seg, label(seg.speaker, seg.role))

    with st.popover("Add a moment the AI missed", icon=":material/add_comment:"):
        choice = st.selectbox("The turn that shows it", [s.id for s in turns], format_func=shown,
                              key=f"missed_{review.id}_{criterion.id}")
        st.button("Mark as evidence", key=f"missed_add_{review.id}_{criterion.id}", type="primary",
                  on_click=_mark, args=(store, review.id, criterion.id, choice, "right"),
                  help="The judge learns from it at the next review, as from a quote marked right")


def latest_marks(store, review) -> dict[tuple[str, int], str]:
    return {(m.criterion_id, m.segment_id): m.verdict for m in store.evidence_marks(review.id)}


def calibration_note(store, review, criterion) -> None:
    """Says whether the team's calibrated model decided this criterion, with a reset button."""
    notice = st.session_state.pop("feedback_notice", None)
    if notice:
        st.toast(notice)
    info = review.scorecard.provenance.calibration.get(criterion.id)
    if not info:
        return
    parts = []
    if info.get("examples"):
        parts.append(f"Calibrated for your team on {info['examples']} calls corrected by a manager "
                     f"(version {info['version']}).")
    if info.get("marked_right") or info.get("marked_wrong"):
        parts.append(f"The judge also compared this call with {info.get('marked_right', 0)} quote(s) you marked "
                     f"right and {info.get('marked_wrong', 0)} marked wrong.")
    st.caption(" ".join(parts))
    from review.ui import state

    if not state.scope().is_admin:  # a calibration is shared by every team on this methodology
        return
    st.button("Reset calibration", key=f"reset_cal_{review.id}_{criterion.id}", icon=":material/restart_alt:",
              on_click=_reset, args=(store, review.scorecard.methodology_id, criterion.id))
