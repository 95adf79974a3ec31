"""Rep trends page: each criterion and conversation metric over one rep's reviewed calls, so a
manager coaches a pattern rather than one call; and the team at a glance (review.team_trends): each
rep's recent level per criterion, and the skills most of the team misses. Scores include the
manager's overrides."""

from __future__ import annotations

import streamlit as st

from review.auth import AccessDenied
from review.errors import CallreviewError
from review.ui import charts, state
from review.ui.safe_text import md_text

METRICS = [
    ("metric:talk_ratio", "Rep talk share (%)", 100.0),
    ("metric:longest_monologue_s", "Rep's longest monologue (s)", None),
    ("metric:question_count", "Questions the rep asked", None),
    ("metric:words_per_minute", "Rep's words per minute", None),
    ("metric:interactivity", "Interactivity (switches/min)", None),
    ("metric:patience_s", "Patience (s before answering)", None),
]


def _criterion_names(store, rows) -> dict[str, str]:
    """Criterion id -> name, from the newest review in the rows."""
    review = store.get_review(rows[-1]["review_id"])
    return {c.id: c.name for c in review.scorecard.criteria} if review else {}


def render() -> None:
    import pandas as pd

    st.title("Rep trends")
    services = state.services()
    store = services.store
    state.mirror_selection()
    reps = store.reps()
    if not reps:
        st.info("Trends appear once calls are reviewed with a rep name. Upload calls with the rep's "
                "name on the Upload page.", icon=":material/trending_up:")
        return
    if not state.scope().is_rep and len(reps) > 1:
        if st.radio("View", ["One rep", "The team"], horizontal=True, key="trend_view",
                    label_visibility="collapsed") == "The team":
            _team(store, reps)
            return
    call_id = state.selected_call_id()
    try:
        call = store.get_call(call_id) if call_id is not None else None
    except AccessDenied:  # a call this person may not open (an old link): trends need no selection
        state.clear_selection()
        call = None
    c1, c2 = st.columns(2)
    rep = c1.selectbox("Rep", reps, index=reps.index(call.rep) if call and call.rep in reps else 0, key="trend_rep")
    methodologies = store.rep_methodologies(rep)  # every methodology a call was scored against, re-scores too
    if not methodologies:
        st.info(f"{md_text(rep)} has no reviewed calls yet.")
        return
    names = state.methodology_names()
    methodology = c2.selectbox("Methodology", methodologies, key="trend_methodology",
                               format_func=lambda m: names.get(m, m))
    rows = store.rep_trend_rows(rep, methodology)
    if not rows:
        st.info(f"{md_text(rep)} has no reviewed {md_text(methodology)} calls yet.")
        return
    frame = pd.DataFrame(rows)
    frame["call"] = [f"{r['call_date']} #{r['call_id']}" for r in rows]
    # the calls coached on: their agenda was shared with the rep (the focus of that session)
    coached = {c.id: c.focus_criterion_name or "shared agenda" for c in store.list_calls(rep=rep, limit=1000)
               if c.agenda_shared}
    frame["coached"] = [coached.get(r["call_id"], "") for r in rows]
    if "metric:talk_ratio" in frame:
        frame["metric:talk_ratio"] = frame["metric:talk_ratio"].astype(float) * 100
    st.caption(f"{len(rows)} reviewed call(s), oldest first. Scores include your overrides."
               + (" Dashed lines: calls coached on (their agenda shared with the rep)." if any(frame["coached"]) else ""))
    if len(rows) == 1:
        st.info("One call so far: trends start to mean something from the third call.", icon=":material/info:")
    charts.trend_line(frame, "total_percent", "Total score (%)", 100.0)

    names = _criterion_names(store, rows)
    st.subheader("Criteria")
    criteria = [k.split(":", 1)[1] for k in frame.columns if k.startswith("criterion:")]
    cols = st.columns(2)
    for i, cid in enumerate(criteria):
        top = frame[f"max:{cid}"].max() if f"max:{cid}" in frame else None
        with cols[i % 2]:
            charts.trend_line(frame, f"criterion:{cid}", names.get(cid, cid), float(top) if top is not None and top == top else None)
    st.subheader("Conversation")
    cols = st.columns(2)
    for i, (column, title, top) in enumerate(m for m in METRICS if m[0] in frame):
        with cols[i % 2]:
            charts.trend_line(frame, column, title, top)
    with st.expander("The numbers", icon=":material/table:"):
        shown = frame.drop(columns=[c for c in frame.columns if c.startswith("max:")])
        shown = shown.rename(columns={f"criterion:{cid}": names.get(cid, cid) for cid in criteria} | {"coached": "Coached on"})
        shown["overridden"] = shown["overridden"].map(lambda ids: ", ".join(names.get(i, i) for i in ids))
        st.dataframe(shown, hide_index=True, width="stretch")


def _team(store, reps: list[str]) -> None:
    """Each rep's mean level per criterion over their latest calls (a heatmap), and the team-wide gaps."""
    import altair as alt
    import pandas as pd

    from review.methodology import MethodologyLibrary
    from review.team_trends import (
        TEAM_GAP_ADVICE,
        WINDOW,
        for_criteria,
        scored_methodologies,
        team_rows,
    )

    names = state.methodology_names()
    methodologies = scored_methodologies(store, reps, label=lambda m: names.get(m, m))
    if not methodologies:
        st.info("The team view appears once calls are reviewed.", icon=":material/groups:")
        return
    c1, c2 = st.columns(2)
    methodology = c1.selectbox("Methodology", methodologies, key="team_methodology",
                               format_func=lambda m: names.get(m, m))
    window = c2.slider("Latest calls per rep", 1, 20, WINDOW, key="team_window")
    rows = team_rows(store, reps, methodology, window)
    try:
        criteria = MethodologyLibrary(state.settings()).get(methodology).methodology.criteria
    except CallreviewError:  # the file is gone or broken: names from the calls, no targets
        criteria = []
    from_calls: dict[str, str] = {}
    for rep_rows in rows.values():
        if rep_rows:
            from_calls |= _criterion_names(store, rep_rows)
    found = for_criteria(rows, criteria, window, from_calls)
    criterion_names = from_calls | {c.id: c.name for c in criteria}
    if not found.cells:
        st.info(f"No rep has a reviewed {md_text(names.get(methodology, methodology))} call yet.")
        return
    st.caption(f"{len(found.reps)} rep(s). Each cell: the rep's mean over their latest {window} reviewed call(s) on "
               "that criterion, as a share of its scale; your overrides included, calls where it did not apply "
               "left out.")
    frame = pd.DataFrame([{"rep": c.rep, "criterion": criterion_names.get(c.criterion_id, c.criterion_id),
                           "percent": c.percent, "level": f"{c.mean:g} of {c.max_score}", "calls": c.calls}
                          for c in found.cells])
    order = [criterion_names.get(cid, cid) for cid in found.criteria]
    # a row per criterion (names read in full), a column per rep
    base = alt.Chart(frame).encode(y=alt.Y("criterion:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
                                   x=alt.X("rep:N", sort=found.reps, title=None,
                                           axis=alt.Axis(orient="top", labelAngle=0, labelLimit=160)))
    heat = base.mark_rect().encode(
        color=alt.Color("percent:Q", title="% of the scale", scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen")),
        tooltip=["rep", "criterion", "level", "calls"])
    text = base.mark_text(fontSize=12).encode(text=alt.Text("percent:Q", format=".0f"), color=alt.condition(
        "datum.percent < 20 || datum.percent > 85", alt.value("white"), alt.value("black")))
    st.altair_chart((heat + text).properties(height=34 * len(found.criteria) + 30), width="stretch")
    st.subheader("Team-wide gaps")
    if found.gaps:
        st.caption(TEAM_GAP_ADVICE)
    for gap in found.gaps:
        st.warning(md_text(gap.text), icon=":material/groups:")
    if not found.gaps:
        st.success("No skill is under its target for most of the team: coach rep by rep on the Rep view.",
                   icon=":material/check:")
    with st.expander("The numbers", icon=":material/table:"):
        st.dataframe(frame.pivot(index="rep", columns="criterion", values="percent").reindex(
            index=found.reps, columns=order), width="stretch")


if __name__ == "__main__":
    render()
