"""Managing a stored call from its page: re-score it against another methodology or engine,
choose which speaker is the rep or who said a turn (review.ui.who_said), retry a failed review, delete
the call (confirmed first).

Re-scoring, a new rep and a retry run as background jobs (review.jobs.submit_rework; the work is
review.rework's), so a long call does not hold the page: the page shows the job's progress and opens
the new review when it is done; a manager who leaves finds it on the Upload page's jobs list. This
module only asks and shows."""

from __future__ import annotations

import streamlit as st

from review import rework, speaker_edits
from review.jobs import REWORK_KINDS, ReworkOptions
from review.speakers import rep_to_check
from review.ui import state, who_said
from review.ui.jobs_panel import REFRESH_S, overall, stage_text
from review.ui.safe_text import md_text

ENGINE_LABELS = {"rules": "Offline rules engine (no LLM)", "openai": "OpenAI-compatible endpoint",
                 "local": "Local model (GGUF)"}


def _open(call_id: int, review_id: int) -> None:
    state.select(call_id, review_id)
    st.session_state.pop(f"review_pick_{call_id}", None)  # the review picker shows the new one too
    st.rerun()


def _watch_key(call_id: int) -> str:
    return f"rework_job_{call_id}"


def queue_work(services, call, kind: str, options: ReworkOptions) -> None:
    """Queue work on the call and watch it from this page (`watch`)."""
    from dataclasses import replace

    from review.jobs import submit_rework

    scope = state.scope()
    options = replace(options, author=scope.display_name or scope.username)  # as overrides and marks name them
    try:
        job, _ = submit_rework(services.store, services.settings, kind, options, created_by=scope.username)
        state.start_worker(services.settings)
    except Exception as exc:
        st.error(state.error_line(exc, call.filename))
        return
    st.session_state[_watch_key(call.id)] = job.id
    st.session_state.pop(f"rework_error_{call.id}", None)
    st.rerun()


def watch(call) -> None:
    """The call's queued work asked from this page: its progress while it runs (refreshed), the new
    review when it is done, the one-line error when it failed (kept until the next try)."""
    failed = st.session_state.get(f"rework_error_{call.id}")
    if failed:
        st.error(failed, icon=":material/error:")
    job_id = st.session_state.get(_watch_key(call.id))
    if job_id is None:
        return
    store = state.services().store
    job = store.get_job(job_id)
    if job is None:
        st.session_state.pop(_watch_key(call.id), None)
        return
    if job.finished:
        _finished(call, job)
        return

    @st.fragment(run_every=REFRESH_S)
    def progress() -> None:
        now = state.services().store.get_job(job_id)
        if now is None or now.finished:
            st.rerun()  # the whole page: open the new review or show the error
        what = REWORK_KINDS.get(now.kind, "work").capitalize()
        st.caption(f"{what} in the background: {stage_text(now)}. You can leave this page; the Upload page lists it.")
        st.progress(overall(now.stage, now.progress) if now.status == "running" else 0.0)

    progress()


def _finished(call, job) -> None:
    st.session_state.pop(_watch_key(call.id), None)
    if job.status == "done" and job.review_id is not None:
        _open(call.id, job.review_id)
    st.session_state[f"rework_error_{call.id}"] = state.without_upload_folder(job.error or "the work failed")
    st.rerun()


def rescore(services, call, review) -> None:
    """Re-score against another methodology or engine: a new review beside this one."""
    names = state.methodology_names()
    ids = list(names)
    others = [m for m in ids if m != review.scorecard.methodology_id]
    default = ids.index(others[0]) if others else 0
    with st.form(f"rescore_{call.id}", border=False):
        c1, c2 = st.columns(2)
        methodology = c1.selectbox("Methodology", ids, index=default, format_func=lambda m: names.get(m, m),
                                   key=f"rescore_methodology_{call.id}")
        engines = list(dict.fromkeys([services.settings.llm_engine or "rules", "rules"]))
        engine = c2.selectbox("Scoring engine", engines, format_func=lambda e: ENGINE_LABELS.get(e, e),
                              key=f"rescore_engine_{call.id}")
        go = st.form_submit_button("Re-score", icon=":material/refresh:")
    if go:
        queue_work(services, call, "rescore", ReworkOptions(call.id, methodology=methodology, engine=engine))


def rep_speaker(services, call, transcript) -> None:
    """Choose which speaker is the rep: roles, metrics and scores are computed again."""
    speakers = speaker_edits.speakers(transcript) if transcript else []
    named = [s for s in speakers if s != "unknown"]
    if len(named) < 2:
        st.caption("Fewer than two named speakers in this call, so the rep cannot be chosen here: say who said "
                   "its turns first (Who said a turn, below).")
        return
    current = transcript.metrics.rep_speaker if transcript.metrics.rep_speaker in named else named[0]
    roles = {s.speaker: s.role for s in transcript.segments}
    if rep_to_check(transcript):
        st.caption(f"{current} was taken for the rep as a guess: pick who the rep is and set it (setting "
                   f"{current} confirms it).")
    with st.form(f"rep_speaker_{call.id}", border=False):
        chosen = st.selectbox("The rep is", named, index=named.index(current), key=f"rep_speaker_pick_{call.id}",
                              format_func=lambda s: state.speaker_label(s, roles.get(s, "unknown"), call.rep),
                              help="Roles, talk metrics and scores are computed again for a new review")
        go = st.form_submit_button("Set the rep and re-score", icon=":material/record_voice_over:")
    if go:
        # the rep that was only guessed can be confirmed: the call is no longer listed as one to check
        if chosen == current and rep_to_check(transcript) is None:
            st.info(f"{chosen} is already the rep.")
            return
        queue_work(services, call, "rep_speaker", ReworkOptions(call.id, rep_speaker=chosen))


def rep_check(services, call, transcript) -> bool:
    """Above the scorecard of a call whose rep was only guessed (review.speakers.rep_to_check): each
    speaker's first words, and one click to say who the rep is (the guess confirmed or corrected, then
    scored again). A wrong guess scores the customer as the rep, so it is asked where it is seen.
    Returns whether it was asked (the transcript's warning of the guess then need not be shown too)."""
    from review.snippets import cut_at_word
    from review.timefmt import clock
    from review.ui.safe_text import md_text

    guessed = rep_to_check(transcript) if transcript is not None and not state.scope().is_rep else None
    named = [s for s in speaker_edits.speakers(transcript) if s != "unknown"] if guessed else []
    if len(named) < 2:
        return False
    with st.container(border=True):
        st.markdown(f"**Who is the rep?** {md_text(guessed)} was taken for the rep as a guess, and the scores "
                    "are the rep's. Each speaker's first words:")
        for n, speaker in enumerate(named[:4]):
            first = next(seg for seg in sorted(transcript.segments, key=lambda g: g.start) if seg.speaker == speaker)
            c1, c2 = st.columns([5, 2], vertical_alignment="center")
            c1.markdown(f"**{md_text(speaker)}** at {clock(first.start)}: \u201c{md_text(cut_at_word(first.text, 160))}\u201d")
            label = "Yes, the rep" if speaker == guessed else "This is the rep"
            if c2.button(label, key=f"rep_is_{call.id}_{n}", icon=":material/record_voice_over:"):
                queue_work(services, call, "rep_speaker", ReworkOptions(call.id, rep_speaker=speaker))
    return True


def retry(services, call, key: str = "retry") -> None:
    """A button that reviews a failed call again (from its transcript, else its kept upload)."""
    if state.scope().is_rep:
        return
    services = state.pipeline_services(call.id)
    if not st.button("Retry the review", key=f"{key}_{call.id}", icon=":material/replay:"):
        return
    queue_work(services, call, "retry", ReworkOptions(call.id))


def delete(services, call) -> None:
    """Delete the call after a confirmation that says what goes with it."""
    if state.scope().is_rep:
        return
    services = state.pipeline_services(call.id)
    confirm_key = f"confirm_delete_{call.id}"
    if not st.session_state.get(confirm_key):
        if st.button("Delete this call", key=f"delete_{call.id}", icon=":material/delete:"):
            st.session_state[confirm_key] = True
            st.rerun()
        return
    reviews = len(services.store.reviews_for_call(call.id))
    comments = len(services.store.comments(call.id))
    st.warning(f"Delete \u201c{md_text(call.title or call.filename)}\u201d with its recording, {reviews} review(s), "
               f"{comments} comment(s), overrides and coaching documents? This cannot be undone.",
               icon=":material/warning:")
    c1, c2 = st.columns(2)
    if c1.button("Delete for good", key=f"delete_yes_{call.id}", type="primary"):
        try:
            rework.delete_call(call.id, services)
        except Exception as exc:
            st.error(state.error_line(exc, call.filename))
            return
        st.session_state.pop(confirm_key, None)
        state.select(None)
        st.session_state["deleted_call"] = call.title or call.filename
        state.go("calls")
    if c2.button("Keep it", key=f"delete_no_{call.id}"):
        st.session_state.pop(confirm_key, None)
        st.rerun()


def manage(services, call, review, transcript) -> None:
    """The "Manage this call" panel of the call page (not for reps: they read their calls)."""
    if state.scope().is_rep:
        return
    services = state.pipeline_services(call.id)
    with st.expander("Manage this call: re-score, change the rep or a turn's speaker, delete", icon=":material/tune:"):
        st.markdown("**Re-score** (a new review beside this one; compare them below)")
        rescore(services, call, review)
        st.markdown("**Who is the rep**")
        rep_speaker(services, call, transcript)
        st.markdown("**Who said a turn** (when the voices gave a turn, or part of one, to the wrong speaker)")
        who_said.section(call, transcript, review.transcript_version,
                         lambda kind, options: queue_work(services, call, kind, options))
        if call.status == "failed":
            retry(services, call, key="retry_manage")
        st.markdown("**Delete**")
        delete(services, call)
