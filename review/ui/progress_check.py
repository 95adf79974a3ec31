"""Coaching prep's progress check: the focus skill on the rep's calls reviewed after this one, against
its target (review.follow_up), under the action plan."""

from __future__ import annotations

import streamlit as st

from review.errors import CallreviewError
from review.ui import state
from review.ui.safe_text import md_text


def _methodology_target(methodology_id: str, criterion_id: str) -> int | None:
    """The criterion's target in the methodology file; None when the file or the criterion is gone."""
    from review.methodology import MethodologyLibrary

    try:
        methodology = MethodologyLibrary(state.settings()).get(methodology_id).methodology
    except CallreviewError:
        return None
    return next((c.target for c in methodology.criteria if c.id == criterion_id), None)


def render(store, call, review, draft) -> None:
    """The progress check: the focus skill on the rep's calls after this one (review.follow_up)."""
    import pandas as pd

    from review.follow_up import follow_up

    rep = call.rep or draft.rep
    if not rep:
        return
    try:
        rows = store.rep_trend_rows(rep, review.scorecard.methodology_id)
    except CallreviewError as exc:
        st.caption(state.error_line(exc, "progress check"))
        return
    found = follow_up(review.scorecard, call.id, call.call_date, draft.focus_criterion_id, rows,
                      _methodology_target(review.scorecard.methodology_id, draft.focus_criterion_id))
    if found is None:  # a talk-metric focus: its trend is on Rep trends
        return
    st.markdown(f"**Progress since this call: {md_text(found.criterion_name)}**")
    st.caption(found.summary)
    if found.calls:
        marks = {True: "yes", False: "not yet", None: "\u2014"}
        st.dataframe(pd.DataFrame(
            [{"Date": c.call_date, "Call": c.title,
              "Score": "not scored" if c.score is None else f"{c.score:g}/{(c.max_score or found.max_score):g}",
              "At the target": marks[c.on_target]} for c in found.calls],
            columns=["Date", "Call", "Score", "At the target"]), hide_index=True, width="stretch")
