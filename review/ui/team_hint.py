"""Coaching prep's word on the team: when the focus skill is one most of the team misses too
(review.team_trends), the manager is told before planning a session with one rep, since the Solution
Chart answers a gap in what a whole team knows with training the team together."""

from __future__ import annotations

import streamlit as st

from review.errors import CallreviewError
from review.team_trends import WINDOW, for_criteria, team_rows

from . import state
from .safe_text import md_text

CACHE_S = 60  # the team's trend rows are read again at least once a minute (a call given to another rep)


@st.cache_data(ttl=CACHE_S, show_spinner=False, max_entries=32)
def _team_rows(_store, store_key: str, methodology_id: str, reps: tuple[str, ...],
               mark: tuple[int, int]) -> dict[str, list[dict]]:
    """review.team_trends.team_rows; store_key, methodology_id, reps and the store's scores_mark (the
    newest review and override: a new one is read at once) key the cache (the store is not hashed)."""
    return team_rows(_store, reps, methodology_id, WINDOW)


def render(store, review, focus_criterion_id: str | None, rep: str | None) -> None:
    """A line under the coaching summary when the focus criterion is a team-wide gap (nothing otherwise,
    nor when the methodology file or the store cannot be read: it is a hint).

    store: the page's (scoped) store: the team is the reps the manager sees. review: the ReviewRecord
    (its methodology). focus_criterion_id: the agenda's focus. rep: the call's rep.
    """
    from review.methodology import MethodologyLibrary

    try:
        methodology = MethodologyLibrary(state.settings()).get(review.scorecard.methodology_id).methodology
        reps = tuple(store.reps())
        if focus_criterion_id not in {c.id for c in methodology.criteria} or len(reps) < 2:
            return
        rows = _team_rows(store, str(store.display_url), methodology.id, reps, store.scores_mark())
    except CallreviewError:
        return
    gap = next((g for g in for_criteria(rows, methodology.criteria).gaps if g.criterion_id == focus_criterion_id), None)
    if gap is None:
        return
    others = [r for r in gap.missing if r != rep]
    st.info(md_text(f"Most of the team misses this skill too: {len(gap.missing)} of {gap.reps} reps are under the "
                    f"target ({', '.join(gap.missing)}); the team averages {gap.team_percent:.0f}%. A session with "
                    f"the team together (Field Training) may serve {rep or 'this rep'} and {len(others)} other "
                    "rep(s) better than coaching each alone.") + " See Rep trends \u2192 The team.",
            icon=":material/groups:")
