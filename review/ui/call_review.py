"""Call review page: the scorecard beside the transcript. The transcript follows playback (the
current turn highlighted and scrolled into view), marks the selected criterion's evidence and can
be searched; quotes play from their moment. Below: talk metrics, comments at the player's time and
the comparison of the call's reviews. Overrides count everywhere (the effective scorecard), with
the AI's score kept beside them; the call can be re-scored, given another rep, retried or deleted."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from review import speaker_edits
from review.audio import AUDIO_EXTENSIONS
from review.timefmt import clock
from review.ui import call_actions, call_scorecard, charts, moments, player, self_review, state
from review.ui.safe_text import md_text


def _header(call, review, card) -> None:
    st.title(md_text(call.title or call.filename))  # a file name is the uploader's text: shown as text
    st.caption(md_text(f"{call.rep or 'Rep not named'} · {call.call_date} · {call.call_type or 'call'} · ")
               + f"{md_text(card.methodology_name)} · scored by {card.provenance.engine_label}"
               + (f" ({card.provenance.model})" if card.provenance.model else ""))
    c1, c2, c3, c4 = st.columns([2, 5, 2, 3], vertical_alignment="top")
    c1.metric("Score", f"{card.total_percent:.0f}%", f"{card.total_score:g} of {card.total_max:g} points",
              delta_color="off", delta_arrow="off")
    overridden = sum(1 for c in card.criteria if c.ai_score is not None)
    if overridden:
        c1.caption(f"with {overridden} manager override(s)")
    if review.draft is not None:
        with c2:
            st.caption("Coaching focus")
            st.markdown(f"**{md_text(review.draft.focus_criterion_name)}**  \n{md_text(review.draft.pattern)}")
    c3.metric("Length", clock(call.duration))
    reader = state.scope().is_rep
    waiting = reader and review.draft is None  # the store hands a rep no draft until it is shared
    label = "Agenda not shared yet" if waiting else "Open the coaching agenda" if reader else "Open coaching prep"
    if c4.button(label, type="primary", icon=":material/lock_clock:" if waiting else ":material/edit_note:",
                 key="to_prep", disabled=waiting,
                 help="Your manager shares it when it is ready" if waiting else None):
        state.go("prep", call.id, review.id)
    from review.speakers import is_speaker_flag

    for flag in card.flags:
        if not is_speaker_flag(flag):  # said once, below, for the transcript the page shows
            st.warning(md_text(flag), icon=":material/flag:")


def _review_picker(store, call, review) -> None:
    """With more than one review, choose which one the page shows."""
    changes = speaker_edits.hand_changes(store.transcript_history(call.id), review.transcript_version)
    if changes:  # the transcript this review scored was corrected by hand: say by whom and how
        st.caption(md_text("  \n".join(changes) + ". Earlier versions are kept with their reviews."))
    reviews = store.reviews_for_call(call.id)
    if len(reviews) < 2:
        return
    ids = [r.id for r in reviews]
    labels = {r.id: call_scorecard.review_label(r, call_scorecard.effective(store, r)) for r in reviews}
    picked = st.selectbox(f"Review ({len(reviews)} of this call, newest last)", ids, index=ids.index(review.id),
                          format_func=lambda i: labels[i], key=f"review_pick_{call.id}")
    if picked != review.id:
        state.select(call.id, picked)
        st.rerun()
    carried = st.session_state.pop(f"carry_result_{review.id}", None)
    if carried is not None and (carried.skipped_overrides or carried.skipped_marks):
        _carry_warning(carried)
    if not store.overrides(review.id) and not store.evidence_marks(review.id):
        _corrections_elsewhere(store, review, reviews, labels)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _carry_warning(carried) -> None:
    parts = []
    if carried.skipped_overrides:
        parts.append("overrides of " + md_text(", ".join(carried.skipped_overrides)) + " (this review does not "
                     "score them on that scale, or you had overridden them here already)")
    if carried.skipped_marks:
        parts.append(_count(carried.skipped_marks, "evidence mark") + " (their criterion is not scored here, or "
                     "their turn was split by a corrected speaker: mark it again here)")
    st.warning("Not carried: " + "; ".join(parts), icon=":material/info:")


def _corrections_elsewhere(store, review, reviews, labels) -> None:
    """Say where the manager's overrides and evidence marks are when this review has none and another
    review of the call against the same methodology has them (a re-score, a new rep or a corrected
    turn starts afresh), and offer to carry them here (review.carry)."""
    if state.scope().is_rep:
        return
    for other in reversed(reviews):
        if other.id == review.id or other.methodology_id != review.methodology_id:
            continue
        overrides = len(store.overrides(other.id))
        marks = len({(m.criterion_id, m.segment_id) for m in store.evidence_marks(other.id)})
        if not overrides and not marks:
            continue
        what = " and ".join(_count(n, w) for n, w in ((overrides, "override"), (marks, "evidence mark")) if n)
        st.info(f"Your corrections of this call ({what}) are on the review {md_text(labels[other.id])}; this "
                "review was scored afresh. Apply them here, pick that review above to see them, or correct "
                "this one again.", icon=":material/edit_note:")
        if st.button("Apply them to this review", key=f"carry_overrides_{review.id}", icon=":material/input:"):
            from review.carry import carry_corrections

            try:
                result = carry_corrections(store, other.id, review.id, author=call_scorecard.state_author())
            except Exception as exc:
                st.error(state.error_line(exc, "corrections"))
                return
            st.session_state[f"carry_result_{review.id}"] = result
            st.rerun()
        return


def turn_label(call):
    """speaker, role -> the name shown on a turn (issue 9 brings display names here)."""
    return lambda speaker, role: state.speaker_label(speaker, role, call.rep)


def _transcript(call, review, card, transcript, rep_asked: bool = False) -> None:
    """The transcript column: search, evidence marking and the player that follows playback.
    rep_asked: "Who is the rep?" is asked above the scorecard, so the warning that doubts the rep is not shown."""
    if transcript is None:
        st.info("No transcript stored for this call.")
        return
    from review.speakers import REP_DOUBTED, said_in_speaker_flags

    for w in transcript.warnings:  # a sentence on the page ("timings are estimated ..." heads it)
        if rep_asked and REP_DOUBTED in w:
            continue
        if not said_in_speaker_flags(w, transcript):  # said once, above the scorecard, with what to do
            st.warning(md_text(w[:1].upper() + w[1:]), icon=":material/warning:")
    c1, c2 = st.columns(2)
    search = c1.text_input("Search this call", key=f"search_{call.id}", placeholder="e.g. budget",
                           icon=":material/search:")
    with_evidence = {c.id: c.name for c in card.criteria if c.evidence}
    choices = ["", *with_evidence]
    key = f"evidence_of_{review.id}"
    if st.session_state.get(key) not in choices:
        st.session_state[key] = ""
    chosen = c2.selectbox("Mark the evidence of", choices, key=key,
                          format_func=lambda cid: with_evidence.get(cid, "no criterion"))
    evidence = sorted({q.segment_id for c in card.criteria if c.id == chosen for q in c.evidence})
    if search.strip():
        found = player.matching_turns(transcript, search)
        st.caption(f"{len(found)} of {len(transcript.segments)} turns mention \u201c{md_text(search.strip())}\u201d"
                   if found else f"No turn mentions \u201c{md_text(search.strip())}\u201d.")
    kept = Path(call.stored_path) if call.stored_path else None
    path = moments.recording(call)
    if kept is not None and kept.suffix.lower() in AUDIO_EXTENSIONS and path is None:
        st.warning(f"The recording {kept.name} is missing from the uploads folder; the review is intact."
                   if not kept.is_file() else
                   f"The recording {kept.name} cannot be played in the browser (no playable copy could be "
                   "made in the uploads folder); the review is intact.")
    if player.too_long_to_inline(path):
        st.caption("This recording is long: it plays here without the transcript following it.")
        st.audio(str(path), start_time=int(st.session_state.get(f"audio_start_{call.id}", 0)))
        source = ""
    else:
        source = player.audio_source(path)
    player.player(call.id, source, player.turn_rows(transcript, turn_label(call)), evidence, search)


def _comment_time(call_id: int) -> float:
    """Where a new comment goes: the player's last reported time, else the last played quote."""
    at = st.session_state.get(f"player_time_{call_id}")
    return float(at) if at is not None else float(st.session_state.get(f"audio_start_{call_id}", 0.0))


def _comments(store, call) -> None:
    at_key = f"comment_at_{call.id}"
    now = _comment_time(call.id)
    if st.session_state.get(f"comment_at_from_{call.id}") != now:  # the player moved: follow it
        st.session_state[f"comment_at_from_{call.id}"] = now
        st.session_state[at_key] = clock(now)
    with st.form(f"comment_{call.id}", border=False):
        c1, c2 = st.columns([1, 4])
        at = c1.text_input("At (mm:ss)", key=at_key, help="Where the player was paused or last played from")
        text = c2.text_input("Comment", placeholder="e.g. Good recovery after the pricing objection",
                             key=f"comment_text_{call.id}")
        if st.form_submit_button("Add comment", icon=":material/add_comment:"):
            try:
                store.add_comment(call.id, state.parse_clock(at), text, author=call_scorecard.state_author())
            except Exception as exc:
                st.error(state.error_line(exc, "comment"))
            else:
                st.session_state.pop(f"comment_text_{call.id}", None)
                st.rerun()
    for i, c in enumerate(store.comments(call.id)):
        c1, c2 = st.columns([1, 8], vertical_alignment="center")
        c1.button(clock(c.at_s), key=f"comment_play_{i}", on_click=player.request_seek, args=(call.id, c.at_s),
                  icon=":material/play_arrow:")
        c2.markdown(f"{md_text(c.text)} :gray[\u2014 {md_text(c.author)}, {c.created_at[:10]}]")


def _no_review(services, call) -> None:
    st.title(md_text(call.title or call.filename))
    call_actions.watch(call)
    if call.status == "failed":
        st.error(state.without_upload_folder(call.error or "The review of this call failed."))
        call_actions.retry(services, call)
    else:
        st.info(f"This call has no review yet (status: {call.status}).")
    call_actions.delete(services, call)


def render() -> None:
    services = state.services()
    store = services.store
    call_id = state.selected_call_id()
    call = store.get_call(call_id) if call_id is not None else None
    if call is None:
        st.title("Call review")
        st.info("Pick a call on the Calls page to review it.", icon=":material/list:")
        if st.button("Go to Calls"):
            state.go("calls")
        return
    review = state.current_review(store, call.id)
    state.mirror_selection()
    if review is None:
        _no_review(services, call)
        return
    card = call_scorecard.effective(store, review)
    _header(call, review, card)
    if call.status == "failed":  # a later attempt failed; this review is still the last good one
        st.warning("The last attempt to review this call again failed: "
                   + state.without_upload_folder(call.error or "no reason recorded"), icon=":material/error:")
    call_actions.watch(call)
    _review_picker(store, call, review)
    transcript = store.get_transcript(call.id, review.transcript_version)
    call_actions.manage(services, call, review, transcript)
    from review.speakers import speaker_flags

    for line in speaker_flags(transcript) if transcript is not None else []:
        st.warning(md_text(line), icon=":material/record_voice_over:")
    rep_asked = call_actions.rep_check(services, call, transcript)
    left, right = st.columns([5, 6], gap="medium")
    with left:
        call_scorecard.scorecard(store, call, review, card)
    with right:
        _transcript(call, review, card, transcript, rep_asked)
    tab_metrics, tab_self, tab_comments, tab_compare = st.tabs(
        ["Talk metrics", "Self-review", "Comments", "Compare reviews"])
    with tab_metrics:
        charts.call_metrics(card.metrics, transcript, call.rep)
        moments.metric_moment_buttons(call.id, transcript, card.metrics.rep_speaker)
    with tab_self:
        if state.scope().is_rep:
            self_review.rep_form(store, review, card)
        else:
            self_review.manager_view(store, review, card)
    with tab_comments:
        _comments(store, call)
    with tab_compare:
        call_scorecard.comparison(store, call, review, card)


if __name__ == "__main__":
    render()
