"""Coaching prep's word on the team: when the focus skill is one most of the team misses too
(review.team_trends), the manager is told before planning a session with one rep, since the Solution
Chart answers a gap in what a whole team knows with training the team together."""

from __future__ import annotations

import streamlit as st

from review.team_trends import WINDOW, overview

from .safe_text import md_text

CACHE_S = 60  # the team's trend rows are read at most once a minute per methodology (every rerun of the page)


@st.cache_data(ttl=CACHE_S, show_spinner=False, max_entries=32)
def _team_rows(_store, store_key: str, methodology_id: str, reps: tuple[str, ...]) -> dict[str, list[dict]]:
    """rep -> their latest WINDOW trend rows; store_key, methodology_id and reps key the cache (the
    store is not hashed)."""
    return {rep: _store.rep_trend_rows(rep, methodology_id, latest=WINDOW) for rep in reps}


def render(store, methodology, focus_criterion_id: str | None, rep: str | None) -> None:
    """A line under the coaching summary when the focus criterion is a team-wide gap (nothing otherwise).

    store: the page's (scoped) store: the team is the reps the manager sees. methodology: the review's
    Methodology (targets and names). focus_criterion_id: the agenda's focus. rep: the call's rep.
    """
    criterion = next((c for c in methodology.criteria if c.id == focus_criterion_id), None)
    reps = tuple(store.reps())
    if criterion is None or len(reps) < 2:
        return
    rows = _team_rows(store, str(store.display_url), methodology.id, reps)
    found = overview(rows, {c.id: c.target for c in methodology.criteria}, {c.id: c.name for c in methodology.criteria})
    gap = next((g for g in found.gaps if g.criterion_id == criterion.id), None)
    if gap is None:
        return
    others = [r for r in gap.missing if r != rep]
    st.info(md_text(f"Most of the team misses this skill too: {len(gap.missing)} of {gap.reps} reps are under the "
                    f"target ({', '.join(gap.missing)}); the team averages {gap.team_percent:.0f}%. A session with "
                    f"the team together (Field Training) may serve {rep or 'this rep'} and {len(others)} other "
                    "rep(s) better than coaching each alone.") + " See Rep trends \u2192 The team.",
            icon=":material/groups:")
