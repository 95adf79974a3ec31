"""Calls page: the library of calls, filtered by rep, date, methodology and score, searched by
transcript text, one page of rows at a time (the store does the filtering, so a thousand calls
open as fast as ten)."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from review.ui import processing, state
from review.ui.safe_text import md_text

PAGE_SIZE = 25
ANY = "Any"


def _filters(store) -> dict:
    with st.container(border=True):
        if state.scope().is_rep:  # their own calls only: no rep to choose
            c2, c3, c4 = st.columns([2, 2, 3])
            rep = ANY
        else:
            c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
            rep = c1.selectbox("Rep", [ANY, *store.reps()], key="calls_rep")
        names = state.methodology_names()
        methodology = c2.selectbox("Methodology", [ANY, *names], key="calls_methodology",
                                   format_func=lambda m: names.get(m, m))
        dates = c3.date_input("Call date", value=[], key="calls_dates", help="Pick a start and an end date",
                              min_value=date(1990, 1, 1), max_value=date.today() + timedelta(days=1))
        text = c4.text_input("Search transcripts", key="calls_text", placeholder="e.g. budget, pricing, renewal")
        low, high = st.slider("Score (%)", 0, 100, (0, 100), key="calls_score")
    date_from = dates[0].isoformat() if len(dates) > 0 else None
    date_to = dates[1].isoformat() if len(dates) > 1 else date_from
    return {
        "rep": None if rep == ANY else rep,
        "methodology_id": None if methodology == ANY else methodology,
        "date_from": date_from, "date_to": date_to,
        "min_score": float(low) if low > 0 else None, "max_score": float(high) if high < 100 else None,
        "text": text.strip() or None,
    }


def _row(call, names: dict[str, str]) -> None:
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([5, 2, 4, 2], vertical_alignment="center")
        # the methodology by the name a manager knows it by ("Discovery call checklist", not "discovery"):
        # the latest review's, whose score is shown (a call re-scored against BANT shows BANT's score)
        methodology = call.listed_methodology_id
        about = [call.rep or "rep not named", call.call_date, call.call_type, names.get(methodology or "", methodology)]
        c1.markdown(f"**{md_text(call.title or call.filename)}**  \n"
                    + md_text(" · ".join(str(part) for part in about if part)))
        if call.total_percent is not None:
            c2.metric("Score", f"{call.total_percent:.0f}%", label_visibility="collapsed")
        elif call.status == "failed":
            c2.markdown(":red[**failed**]")
        else:
            c2.markdown(f":gray[{call.status}]")
        reader = state.scope().is_rep
        marks = []  # the manager sees which agendas they handed over and which reps reviewed themselves
        if call.focus_criterion_name and call.agenda_shared:
            marks.append("Agenda shared with you" if reader else "Agenda shared with the rep")
        if call.self_reviewed:
            marks.append("Your self-review written" if reader else "The rep wrote a self-review")
        if call.focus_criterion_name:
            c3.markdown(f"Focus: **{md_text(call.focus_criterion_name)}**")
        elif call.error:
            c3.caption(state.without_upload_folder(call.error))
        if marks:
            c3.caption(" \u00b7 ".join(marks))
        if call.rep_to_check:  # scored on a guess: a wrong one scores the customer as the rep
            c3.markdown(":orange[:material/person_search: " + (
                f"You were taken to be {md_text(call.rep_to_check)}, a guess: tell your manager if that is wrong]"
                if reader else f"Rep taken to be {md_text(call.rep_to_check)}, a guess: check who is the rep]"))
        # A call without a review opens too: its page says why and offers a retry or delete.
        if c4.button("Open", key=f"open_call_{call.id}", icon=":material/open_in_new:"):
            state.go("review", call.id, call.review_id)


def render() -> None:
    st.title("Calls")
    services = state.services()
    store = services.store
    state.mirror_selection()
    deleted = st.session_state.pop("deleted_call", None)
    if deleted:
        st.success(f"Deleted \u201c{md_text(deleted)}\u201d with its recording, reviews and comments.",
                   icon=":material/delete:")
    if not store.list_calls(limit=1):
        processing.try_example_call("calls_example")
        return
    try:
        filters = _filters(store)
        page = st.session_state.get("calls_page", 0)
        # A change of filters starts again at the first page.
        if st.session_state.get("calls_filters") != filters:
            st.session_state["calls_filters"] = filters
            page = st.session_state["calls_page"] = 0
        rows = store.list_calls(**filters, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE)
    except Exception as exc:
        st.error(state.error_line(exc, "calls list"))
        return
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if not rows:
        st.info("No calls match these filters.", icon=":material/filter_alt_off:")
        return
    first = page * PAGE_SIZE + 1
    st.caption(f"Calls {first}\u2013{first + len(rows) - 1}, newest first")
    names = state.methodology_names()
    for call in rows:
        _row(call, names)
    prev_col, _, next_col = st.columns([1, 4, 1])
    if page > 0 and prev_col.button("Previous", key="calls_prev", icon=":material/chevron_left:"):
        st.session_state["calls_page"] = page - 1
        st.rerun()
    if more and next_col.button("Next", key="calls_next", icon=":material/chevron_right:"):
        st.session_state["calls_page"] = page + 1
        st.rerun()


if __name__ == "__main__":
    render()
