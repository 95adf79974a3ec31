"""Upload page: several recordings or transcripts at once, each reviewed with visible progress."""

from __future__ import annotations

import streamlit as st

from review.ui import processing, state

DONE_LABELS = {"reviewed": "reviewed", "duplicate": "already in the library",
               "rescore": "already in the library (re-score offered)", "error": "failed (see below)"}


def _rescore(outcome) -> None:
    from review.rework import rescore_call

    try:
        with st.spinner(f"Re-scoring {outcome.name}"):
            result = rescore_call(outcome.call_id, state.services(), outcome.methodology)
    except Exception as exc:
        st.error(state.error_line(exc, outcome.name))
        return
    state.go("review", result.call_id, result.review_id)


def _show_outcomes() -> None:
    outcomes = st.session_state.get("upload_outcomes") or []
    if not outcomes:
        return
    st.subheader("Results")
    for i, o in enumerate(outcomes):
        left, right = st.columns([4, 1], vertical_alignment="center")
        if o.kind == "reviewed":
            left.success(o.message, icon=":material/check_circle:")
        elif o.kind in ("duplicate", "rescore"):
            left.info(o.message, icon=":material/content_copy:")
        else:
            left.error(o.message, icon=":material/error:")
        if o.kind == "rescore" and right.button("Re-score", key=f"rescore_outcome_{i}", type="primary",
                                                icon=":material/refresh:", width="stretch"):
            _rescore(o)
        if o.call_id is not None and o.review_id is not None:
            if right.button("Open review", key=f"open_outcome_{i}", width="stretch"):
                state.go("review", o.call_id, o.review_id)


def render() -> None:
    st.title("Upload calls")
    services = state.services()
    state.mirror_selection()
    try:
        names = state.methodology_names()
        methodologies = list(names)
    except Exception as exc:
        st.error(state.error_line(exc, "methodology library"))
        return
    if not methodologies:
        st.error("No methodology files found; add one on the Settings page.")
        return
    st.caption(f"Upload {processing.accepted_formats()}. "
               f"Up to {services.settings.max_upload_mb} MB each. Everything runs on this machine "
               "unless Settings name an LLM endpoint.")
    with st.form("upload_form", clear_on_submit=False):
        files = st.file_uploader("Call recordings or transcripts", accept_multiple_files=True,
                                 key="upload_files")
        c1, c2, c3, c4 = st.columns(4)
        reps = services.store.reps()
        rep = c1.text_input("Rep name", placeholder=f"e.g. {reps[0] if reps else 'Alex Rivera'}", key="upload_rep")
        call_date = c2.date_input("Call date", value="today", key="upload_date")
        call_type = c3.selectbox("Call type", state.CALL_TYPES, key="upload_call_type")
        default = methodologies.index("discovery") if "discovery" in methodologies else 0
        methodology = c4.selectbox("Methodology", methodologies, index=default, key="upload_methodology",
                                   format_func=names.get)
        submitted = st.form_submit_button("Review these calls", type="primary", icon=":material/play_arrow:")

    if submitted:
        if not files:
            st.warning("Choose at least one file first.")
        else:
            # Outcomes are kept after each file: if the manager clicks away mid-batch (Streamlit then
            # stops this run), the files already reviewed are listed when they come back.
            outcomes = st.session_state["upload_outcomes"] = []
            st.caption(f"Reviewing {len(files)} file(s) one after another; stay on this page until they finish.")
            for f in files:
                with st.status(f"{f.name}", expanded=True) as status:
                    outcome = processing.review_upload(
                        f.name, f.getvalue(), methodology, rep.strip() or None,
                        call_date.isoformat() if call_date else None, call_type, status)
                    status.update(label=f"{f.name} \u2014 {DONE_LABELS[outcome.kind]}",
                                  state="error" if outcome.kind == "error" else "complete",
                                  expanded=False)
                outcomes.append(outcome)
    _show_outcomes()

    if services.store.list_calls(limit=1) == [] and not st.session_state.get("upload_outcomes"):
        st.divider()
        processing.try_example_call("upload_example")


if __name__ == "__main__":
    render()
