"""Rep trends page: each criterion and conversation metric over one rep's reviewed calls, so a
manager coaches a pattern rather than one call. Scores include the manager's overrides."""

from __future__ import annotations

import streamlit as st

from review.ui import charts, state

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
    call_id = state.selected_call_id()
    call = store.get_call(call_id) if call_id is not None else None
    c1, c2 = st.columns(2)
    rep = c1.selectbox("Rep", reps, index=reps.index(call.rep) if call and call.rep in reps else 0, key="trend_rep")
    methodologies = store.rep_methodologies(rep)  # every methodology a call was scored against, re-scores too
    if not methodologies:
        st.info(f"{rep} has no reviewed calls yet.")
        return
    names = state.methodology_names()
    methodology = c2.selectbox("Methodology", methodologies, key="trend_methodology",
                               format_func=lambda m: names.get(m, m))
    rows = store.rep_trend_rows(rep, methodology)
    if not rows:
        st.info(f"{rep} has no reviewed {methodology} calls yet.")
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


if __name__ == "__main__":
    render()
