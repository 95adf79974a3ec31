"""Call review page: audio, transcript, scorecard with playable evidence quotes, metrics, manager
overrides (the AI's score stays visible beside them) and comments at a moment of the call."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from review.timefmt import clock
from review.ui import charts, feedback, state
from review.ui.safe_text import md_text


def _play_from(call_id: int, seconds: float) -> None:
    st.session_state[f"audio_start_{call_id}"] = float(seconds)
    st.session_state[f"audio_autoplay_{call_id}"] = True


def _audio(call) -> None:
    path = Path(call.stored_path) if call.stored_path else None
    start = st.session_state.get(f"audio_start_{call.id}", 0.0)
    autoplay = st.session_state.pop(f"audio_autoplay_{call.id}", False)
    if path is None or path.suffix.lower() not in state.AUDIO_MIME:
        st.caption("This call was imported as a transcript; there is no recording to play.")
        return
    if not path.is_file():
        st.warning(f"The recording {path.name} is missing from the uploads folder; the review is intact.")
        return
    st.audio(str(path), format=state.AUDIO_MIME[path.suffix.lower()], start_time=int(start), autoplay=autoplay)
    if start:
        st.caption(f"Playing from {clock(start)}")


def _header(call, review) -> None:
    card = review.scorecard
    st.title(call.title or call.filename)
    st.caption(f"{call.rep or 'Rep not named'} · {call.call_date} · {call.call_type or 'call'} · "
               f"{card.methodology_name} · scored by {card.provenance.engine_label}"
               + (f" ({card.provenance.model})" if card.provenance.model else ""))
    c1, c2, c3, c4 = st.columns([2, 5, 2, 3], vertical_alignment="top")
    c1.metric("Score", f"{card.total_percent:.0f}%", f"{card.total_score:g} of {card.total_max:g} points",
              delta_color="off", delta_arrow="off")
    if review.draft is not None:
        with c2:
            st.caption("Coaching focus")
            st.markdown(f"**{md_text(review.draft.focus_criterion_name)}**  \n{md_text(review.draft.pattern)}")
    c3.metric("Length", clock(call.duration))
    if c4.button("Open coaching prep", type="primary", icon=":material/edit_note:", key="to_prep"):
        state.go("prep", call.id, review.id)
    for flag in card.flags:
        st.warning(md_text(flag), icon=":material/flag:")


def _override_box(store, review, criterion, latest) -> None:
    with st.popover("Override the score", icon=":material/edit:"), \
            st.form(f"override_{review.id}_{criterion.id}", border=False):
        c1, c2 = st.columns([1, 3])
        score = c1.number_input("Manager score", min_value=0, max_value=criterion.max_score, step=1,
                                value=latest.score if latest else criterion.score,
                                key=f"ov_score_{review.id}_{criterion.id}")
        comment = c2.text_input("Why", key=f"ov_comment_{review.id}_{criterion.id}",
                                placeholder="What did you hear that the AI missed?")
        if st.form_submit_button("Save override"):
            if not comment.strip():
                st.error("Add a comment that says why you changed the score.")
                return
            try:
                store.add_override(review.id, criterion.id, int(score), comment)
            except Exception as exc:
                st.error(state.error_line(exc, f"override of {criterion.name}"))
                return
            st.rerun()


def _criterion(store, call, review, criterion, latest, marks) -> None:
    verdict = state.VERDICT_LABELS[criterion.verdict]
    shown = f"{criterion.score}/{criterion.max_score}"
    if latest is not None:
        shown = f"{latest.score}/{criterion.max_score} (manager; AI {criterion.score}/{criterion.max_score})"
    label = f"{md_text(criterion.name)} \u2014 {shown} \u00b7 {verdict}"
    with st.expander(label, icon=state.VERDICT_ICONS[criterion.verdict], expanded=criterion.verdict != "met"):
        st.markdown(md_text(criterion.rationale))
        if not criterion.evidence:
            st.caption("No evidence quote in the transcript.")
        for i, quote in enumerate(criterion.evidence):
            c1, c2, c3 = st.columns([1, 6, 1], vertical_alignment="center")
            feedback.quote_marks(c3, store, review, criterion, i, marks)
            c1.button(clock(quote.start), key=f"play_{criterion.id}_{i}", icon=":material/play_arrow:",
                      on_click=_play_from, args=(call.id, quote.start),
                      help="Play the call from this moment")
            c2.markdown(f"\u201c{md_text(quote.quote)}\u201d \u2014 "
                        f"*{md_text(state.speaker_label(quote.speaker, quote.role, call.rep))}*")
        if criterion.dropped_evidence:
            st.caption(f"Evidence the model cited that is not in the transcript was dropped: "
                       f"{md_text(', '.join(criterion.dropped_evidence))}")
        st.markdown("**AI score** " + f"{criterion.score}/{criterion.max_score} ({verdict})")
        feedback.calibration_note(store, review, criterion)
        for o in store.override_history(review.id, criterion.id):
            st.markdown(f"**Manager score** {o.score}/{criterion.max_score} \u2014 {md_text(o.comment)} "
                        f":gray[({md_text(o.author)}, {o.created_at[:16].replace('T', ' ')})]")
        _override_box(store, review, criterion, latest)


def _scorecard(store, call, review) -> None:
    card = review.scorecard
    latest = store.overrides(review.id)
    marks = feedback.latest_marks(store, review)
    names = state.section_names(card.methodology_id)
    if card.sections:
        cols = st.columns(len(card.sections))
        for col, section in zip(cols, card.sections, strict=True):
            col.metric(names.get(section.section, section.section), f"{section.percent:.0f}%",
                       f"{section.score:g} of {section.max_score:g}", delta_color="off", delta_arrow="off")
    sections = list(dict.fromkeys(c.section for c in card.criteria))
    for section in sections:
        if len(sections) > 1:
            st.subheader(names.get(section, section) or "Criteria")
        for criterion in (c for c in card.criteria if c.section == section):
            _criterion(store, call, review, criterion, latest.get(criterion.id), marks)


def _transcript(transcript, call_id: int, rep_name: str | None) -> None:
    if transcript is None:
        st.info("No transcript stored for this call.")
        return
    for w in transcript.warnings:
        st.warning(md_text(w), icon=":material/warning:")
    with st.container(height=520):
        for seg in transcript.segments:
            c1, c2 = st.columns([1, 8])
            c1.button(clock(seg.start), key=f"seg_{seg.id}", on_click=_play_from,
                      args=(call_id, seg.start), type="tertiary")
            c2.markdown(f"**{md_text(state.speaker_label(seg.speaker, seg.role, rep_name))}**  \n{md_text(seg.text)}")


def _comments(store, call) -> None:
    with st.form(f"comment_{call.id}", clear_on_submit=True, border=False):
        c1, c2 = st.columns([1, 4])
        at = c1.text_input("At (mm:ss)", value=clock(st.session_state.get(f"audio_start_{call.id}", 0)),
                           key=f"comment_at_{call.id}")
        text = c2.text_input("Comment", placeholder="e.g. Good recovery after the pricing objection",
                             key=f"comment_text_{call.id}")
        if st.form_submit_button("Add comment", icon=":material/add_comment:"):
            try:
                store.add_comment(call.id, state.parse_clock(at), text)
            except Exception as exc:
                st.error(state.error_line(exc, "comment"))
    for i, c in enumerate(store.comments(call.id)):
        c1, c2 = st.columns([1, 8], vertical_alignment="center")
        c1.button(clock(c.at_s), key=f"comment_play_{i}", on_click=_play_from, args=(call.id, c.at_s),
                  icon=":material/play_arrow:")
        c2.markdown(f"{md_text(c.text)} :gray[\u2014 {md_text(c.author)}, {c.created_at[:10]}]")


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
        st.title(call.title or call.filename)
        if call.status == "failed":
            st.error(state.without_upload_folder(call.error or "The review of this call failed."))
        else:
            st.info(f"This call has no review yet (status: {call.status}).")
        return
    _header(call, review)
    _audio(call)
    transcript = store.get_transcript(call.id, review.transcript_version)
    tab_card, tab_text, tab_metrics, tab_comments = st.tabs(
        ["Scorecard", "Transcript", "Talk metrics", "Comments"])
    with tab_card:
        from review.speakers import speaker_flags

        for line in speaker_flags(transcript) if transcript is not None else []:
            st.warning(line, icon=":material/record_voice_over:")
        _scorecard(store, call, review)
    with tab_text:
        _transcript(transcript, call.id, call.rep)
    with tab_metrics:
        charts.call_metrics(review.scorecard.metrics, transcript, call.rep)
    with tab_comments:
        _comments(store, call)


if __name__ == "__main__":
    render()
