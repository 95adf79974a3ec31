"""Charts for the review and trends pages (Altair, which Streamlit ships with).

Only presentation: the numbers come from `review.metrics` (in the scorecard) and the store.
"""

from __future__ import annotations

import streamlit as st

from review.timefmt import clock
from review.ui import state


def call_metrics(metrics, transcript, rep_name: str | None = None) -> None:
    """Talk time per speaker, monologues and the turn-taking timeline of one call.

    metrics: the scorecard's Metrics. transcript: the call's Transcript (None: no timeline).
    rep_name: the call's rep, shown instead of a generic channel label.
    """
    import altair as alt
    import pandas as pd

    if not metrics.speakers:
        st.info("No conversation metrics for this call.")
        return
    roles: dict[str, str] = {}
    if transcript is not None:
        for seg in transcript.segments:
            roles.setdefault(seg.speaker, seg.role)
    rows = [{"speaker": state.speaker_label(name, roles.get(name, "unknown"), rep_name),
             "role": roles.get(name, "unknown"),
             "talk_percent": round(m.talk_ratio * 100, 1),
             "longest_monologue_s": round(m.longest_monologue_s, 1),
             "questions": m.question_count, "words_per_minute": round(m.words_per_minute)}
            for name, m in metrics.speakers.items()]
    table = pd.DataFrame(rows)
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Talk time per speaker**")
        st.altair_chart(alt.Chart(table).mark_bar().encode(
            x=alt.X("talk_percent:Q", title="% of talk time", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("speaker:N", title=None),
            color=alt.Color("role:N", title="Role"),
            tooltip=["speaker", "role", "talk_percent"]).properties(height=70 + 40 * len(rows)), width="stretch")
    with c2:
        st.markdown("**Longest monologue per speaker**")
        st.altair_chart(alt.Chart(table).mark_bar().encode(
            x=alt.X("longest_monologue_s:Q", title="seconds"),
            y=alt.Y("speaker:N", title=None),
            color=alt.Color("role:N", title="Role"),
            tooltip=["speaker", "longest_monologue_s"]).properties(height=70 + 40 * len(rows)),
            width="stretch")
    m1, m2, m3 = st.columns(3)
    m1.metric("Interactivity", f"{metrics.interactivity:.1f} switches/min", help="Speaker switches per minute")
    m2.metric("Patience", f"{metrics.patience_s:.1f} s" if metrics.patience_s is not None else "n/a",
              help="The rep's average pause before answering")
    rep_rows = [r for r in rows if r["role"] == "rep"]
    if rep_rows:
        m3.metric("Questions the rep asked", sum(r["questions"] for r in rep_rows))
    if transcript is not None and transcript.segments:
        turns = pd.DataFrame([{"speaker": state.speaker_label(s.speaker, s.role, rep_name), "role": s.role, "start": s.start, "end": s.end,
                               "from": clock(s.start), "seconds": round(s.end - s.start, 1)}
                              for s in transcript.segments])
        st.markdown("**Who talked when** (long bars are monologues)")
        st.altair_chart(alt.Chart(turns).mark_bar(height=18).encode(
            x=alt.X("start:Q", title="seconds into the call"), x2="end:Q",
            y=alt.Y("speaker:N", title=None), color=alt.Color("role:N", title="Role"),
            tooltip=["speaker", "from", "seconds"]).properties(height=60 + 30 * len(rows)),
            width="stretch")
    st.dataframe(table.rename(columns={
        "speaker": "Speaker", "role": "Role", "talk_percent": "Talk time (%)",
        "longest_monologue_s": "Longest monologue (s)", "questions": "Questions",
        "words_per_minute": "Words per minute"}), hide_index=True, width="stretch")


def trend_line(frame, column: str, title: str, max_value: float | None = None) -> None:
    """One measure over the rep's calls, oldest first; a dashed rule at each call coached on (its
    agenda shared with the rep), so a manager sees whether the measure moved after a session.

    frame: pandas DataFrame with a "call" label column, `column`, and optionally "coached" (the
        focus skill of the session on that call, "" where none). title: the chart title.
    max_value: top of the y axis (None: automatic).
    """
    import altair as alt

    # Altair reads "a:b" as field:type, so the measure gets a plain name here.
    data = frame[["call", "call_date", column]].rename(columns={column: "value"}).dropna()
    if data.empty:
        st.caption(f"{title}: no data")
        return
    whole = max_value is not None and max_value <= 10  # criterion levels: 0, 1, 2, ... only
    y = alt.Y("value:Q", title=None,
              scale=alt.Scale(domain=[0, max_value]) if max_value is not None else alt.Undefined,
              axis=alt.Axis(tickMinStep=1, format="d") if whole else alt.Undefined)
    x = alt.X("call:N", sort=list(frame["call"]), title=None, axis=alt.Axis(labelAngle=-30))
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=x, y=y, tooltip=["call", "call_date", alt.Tooltip("value:Q", title=title)],
    )
    if "coached" in frame and frame["coached"].astype(bool).any():
        sessions = frame.loc[frame["coached"].astype(bool), ["call", "coached"]]
        chart = chart + alt.Chart(sessions).mark_rule(strokeDash=[4, 3], color="#9aa0a6").encode(
            x=x, tooltip=["call", alt.Tooltip("coached:N", title="Coached on")])
    st.altair_chart(chart.properties(title=title, height=180), width="stretch")
