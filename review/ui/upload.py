"""Upload page: several recordings or transcripts at once, each queued as a background review job
whose stage and progress stay visible (also after leaving the page and coming back)."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from review.ui import jobs_panel, processing, state
from review.ui.safe_text import md_text


def _rescore(outcome) -> None:
    """Queue the re-score as a background job; the jobs panel below shows it and opens its review."""
    from review.jobs import ReworkOptions, submit_rework

    try:
        services = state.pipeline_services(outcome.call_id)  # AccessDenied for a call not theirs, or a rep
        submit_rework(services.store, services.settings, "rescore",
                      ReworkOptions(outcome.call_id, methodology=outcome.methodology),
                      created_by=state.scope().username)
        state.start_worker(services.settings)
    except Exception as exc:
        st.error(state.error_line(exc, outcome.name))
        return
    st.session_state["upload_outcomes"] = [o for o in st.session_state.get("upload_outcomes") or [] if o is not outcome]
    st.rerun()


def _show_outcomes() -> None:
    # queued files are shown with their progress in the jobs panel below
    outcomes = [o for o in st.session_state.get("upload_outcomes") or [] if o.kind != "queued"]
    if not outcomes:
        return
    for i, o in enumerate(outcomes):
        left, right = st.columns([4, 1], vertical_alignment="center")
        if o.kind in ("duplicate", "rescore"):
            left.info(md_text(o.message), icon=":material/content_copy:")  # a file name is shown as typed
        else:
            left.error(md_text(o.message), icon=":material/error:")
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
        who = state.scope()
        if who.is_rep:  # a rep uploads their own calls (the store files them under their name)
            rep = c1.text_input("Rep name", value=who.display_name, disabled=True, key="upload_rep_self")
        else:
            reps = services.store.reps()
            rep = c1.text_input("Rep name", placeholder=f"e.g. {reps[0] if reps else 'Alex Rivera'}",
                                key="upload_rep")
        # the dates review.pipeline.check_call_date takes: none in the future, none before 1990
        call_date = c2.date_input("Call date", value="today", key="upload_date", min_value=date(1990, 1, 1),
                                  max_value=date.today() + timedelta(days=1))
        call_type = c3.selectbox("Call type", state.CALL_TYPES, key="upload_call_type")
        default = methodologies.index("discovery") if "discovery" in methodologies else 0
        methodology = c4.selectbox("Methodology", methodologies, index=default, key="upload_methodology",
                                   format_func=lambda key: names[key])
        submitted = st.form_submit_button("Review these calls", type="primary", icon=":material/play_arrow:")

    if submitted:
        if not files:
            st.warning("Choose at least one file first.")
        elif methodology is None:
            st.warning("Choose a methodology first.")
        else:
            st.session_state["upload_outcomes"] = [
                processing.submit_upload(f.name, f.getvalue(), methodology, rep.strip() or None,
                                         call_date.isoformat() if call_date else None, call_type)
                for f in files
            ]
    _show_outcomes()
    jobs_panel.render_jobs()

    if services.store.list_calls(limit=1) == [] and not st.session_state.get("upload_outcomes"):
        st.divider()
        processing.try_example_call("upload_example")


if __name__ == "__main__":
    render()
