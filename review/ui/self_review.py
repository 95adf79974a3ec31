"""The rep's self-review: the rep rates their own call on the call page before the session; the
manager reads it beside the scorecard there and in Coaching prep (review.self_review)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from review.errors import CallreviewError
from review.self_review import (
    MAX_NOTE_CHARS,
    MAX_REFLECTION_CHARS,
    SELF_REVIEW_KEY,
    SelfReview,
    compare,
    dump,
    find,
    to_markdown,
)

from . import state
from .safe_text import md_text

NOT_RATED = "Not rated"


def _stored(store, review) -> tuple[SelfReview, int | None, str | None]:
    """(the rep's latest self-review of the call, its version on this review or None, "who on when"
    with where it was written when not on this review); an empty one when there is none."""
    found = find(store, review.id, review.call_id)
    if found is None:
        return SelfReview(), None, None
    saved = f"{found.author} on {found.saved_at}" + ("" if found.review_id == review.id
                                                      else " (on an earlier review of this call)")
    return found.review, found.version if found.review_id == review.id else None, saved


def written(store, review) -> bool:
    """Whether the rep wrote a self-review of the review's call (on any of its reviews)."""
    try:
        return find(store, review.id, review.call_id) is not None
    except CallreviewError:
        return True  # there is one, damaged: the view says so


def level_labels(methodology_id: str) -> dict[str, list[str]]:
    """criterion id -> its levels' labels, from the methodology (empty when it cannot be loaded: the
    form then shows the numbers alone)."""
    from review.methodology import MethodologyLibrary

    try:
        methodology = MethodologyLibrary(state.settings()).get(methodology_id).methodology
    except CallreviewError:
        return {}
    return {c.id: [level.label for level in sorted(c.levels, key=lambda lv: lv.score)] for c in methodology.criteria}


def _level_text(option: str, max_score: int, labels: list[str]) -> str:
    if option == NOT_RATED:
        return option
    level = int(option)
    name = labels[level] if len(labels) == max_score + 1 else ""
    return f"{level} of {max_score}" + (f" \u00b7 {name}" if name else "")


def rep_form(store, review, card) -> None:
    """The rep's form: a level per criterion (or not rated) with a note, and what they would do
    differently; saved as a new version of the self-review (earlier ones kept)."""
    labels = level_labels(card.methodology_id)
    try:
        mine, version, saved = _stored(store, review)
    except CallreviewError as exc:  # damaged: the rep writes it again over it (its history keeps it)
        st.error(str(exc))
        stored = store.get_document(review.id, SELF_REVIEW_KEY)
        mine, version, saved = SelfReview(), stored[1] if stored else None, None
    if st.session_state.pop(f"self_saved_{review.id}", False):
        st.success("Saved. Your manager sees it when preparing your coaching session.", icon=":material/check:")
    st.caption("Rate your own call before your coaching session: your manager sees it beside the scorecard "
               "and starts where your view and the scorecard differ."
               + (f" Last saved by {md_text(saved)}." if saved else ""))
    with st.form(f"self_review_{review.id}"):
        levels: dict[str, str] = {}
        notes: dict[str, str] = {}
        for c in card.criteria:
            options = [NOT_RATED, *(str(i) for i in range(c.max_score + 1))]
            current = mine.levels.get(c.id)
            names = labels.get(c.id, [])
            col1, col2 = st.columns([2, 3])
            levels[c.id] = col1.selectbox(
                md_text(c.name), options, index=0 if current is None else min(current + 1, len(options) - 1),
                key=f"self_level_{review.id}_{c.id}",
                format_func=partial(_level_text, max_score=c.max_score, labels=names))
            notes[c.id] = col2.text_input(
                "Why", value=mine.notes.get(c.id, ""), key=f"self_note_{review.id}_{c.id}", max_chars=MAX_NOTE_CHARS,
                placeholder="What you did, or meant to do, at that point of the call")
        reflection = st.text_area("What would you do differently on this call?", value=mine.reflection,
                                  key=f"self_reflection_{review.id}", max_chars=MAX_REFLECTION_CHARS)
        if st.form_submit_button("Save my self-review", icon=":material/save:"):
            wanted = SelfReview(levels={cid: int(v) for cid, v in levels.items() if v != NOT_RATED},
                                notes=notes, reflection=reflection)
            try:
                store.save_document(review.id, SELF_REVIEW_KEY, dump(wanted, card), version)
            except CallreviewError as exc:
                st.error(state.error_line(exc, "self-review"))
            else:  # shown after the rerun, which reads back what was saved
                st.session_state[f"self_saved_{review.id}"] = True
                st.rerun()


def manager_view(store, review, card, empty_note: bool = True) -> None:
    """The rep's self-review beside the scorecard (overrides applied): where they differ first, the
    rep's notes, and what they would do differently. empty_note: say so when there is none."""
    try:
        theirs, _, saved = _stored(store, review)
    except CallreviewError as exc:
        st.error(str(exc))
        return
    if theirs.is_empty():
        if empty_note:
            st.caption("The rep has not written a self-review of this call yet. A rep signed in to callreview "
                       "writes it on the call page.")
        return
    lines = compare(theirs, card)
    rated = [line for line in lines if line.rep_level is not None]
    st.caption(f"Self-review by {md_text(saved or 'the rep')}" + (
        f" · differs from the scorecard on {sum(line.differs for line in rated)} of {len(rated)} rated criteria"
        if rated else ""))
    st.markdown(to_markdown(theirs, card, heading=False))


def prep_section(store, review) -> None:
    """Coaching prep's expander with the rep's self-review beside the scorecard (overrides applied),
    open when the rep wrote one."""
    from .call_scorecard import effective

    done = written(store, review)
    with st.expander("The rep's self-review" if done else "The rep's self-review (not written yet)",
                     icon=":material/rate_review:", expanded=done):
        manager_view(store, review, effective(store, review))
