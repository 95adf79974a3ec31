"""Coaching prep page: the SLED agenda as a document, edited in place, and the prep note.

Each agenda part is shown formatted; its Edit toggle opens its talking points as a list (one row
per point, rows added or removed), and the action plan is a table of action / owner / due date /
criterion to watch. Every change is saved as a new version of that document in the store
(review.agenda_doc keys) as soon as it is made, and the Save button saves explicitly. The version
the editor opened is kept in session state; if someone saved a newer one meanwhile (another tab,
another manager), the store refuses the save and the page shows both: nothing is overwritten
silently. History and restore per part. When the manager's overrides move the focus skill, the
page offers to redraft the agenda (review.redraft); the earlier text stays in the history. Every
moment a part or the note quotes can be heard from a play button under it (review.ui.moments).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from review.agenda_doc import (
    ACTIONS_KEY,
    PREP_NOTE_KEY,
    actions_from_rows,
    actions_json,
    actions_to_rows,
    base_draft,
    from_points,
    part_key,
    stored_actions,
    to_points,
    without_action_table,
)
from review.errors import CallreviewError, EditConflict
from review.speaker_names import relabel_quotes
from review.ui import (
    agenda_elsewhere,
    agenda_share,
    exports,
    moments,
    progress_check,
    self_review,
    state,
    team_hint,
)
from review.ui.safe_text import md_text

PICK_FROM = 50  # latest reviewed calls offered when no call is chosen
SOLUTION_LABELS = {"training": "Training", "coaching": "Coaching", "feedback": "Feedback", "other": "Other"}


def _keys(review_id: int, key: str) -> tuple[str, str, str, str]:
    tag = f"{review_id}_{key}"
    return f"doc_{tag}", f"base_{tag}", f"conflict_{tag}", f"saved_{tag}"


def _reset(review_id: int, key: str) -> None:
    """Make the editor start again from the stored text (after a restore, a redraft, a reload)."""
    doc = _keys(review_id, key)[0]
    st.session_state[f"nonce_{doc}"] = st.session_state.get(f"nonce_{doc}", 0) + 1


def _load(store, review_id: int, key: str, fallback: str) -> None:
    """Put the stored latest version in the editor, once per session (or after a reload)."""
    doc, base, _, _ = _keys(review_id, key)
    if doc in st.session_state:
        return
    found = store.get_document(review_id, key)
    st.session_state[doc], st.session_state[base] = found if found else (fallback, None)


def _save(store, review_id: int, key: str, base_version: int | None) -> None:
    """Save the editor's text as a new version on top of `base_version` (autosave and Save)."""
    doc, base, conflict, saved = _keys(review_id, key)
    try:
        version = store.save_document(review_id, key, st.session_state[doc], base_version)
    except EditConflict as exc:
        st.session_state[conflict] = str(exc)
        st.session_state.pop(saved, None)
        return
    except Exception as exc:
        st.session_state[conflict] = state.error_line(exc, key)
        return
    st.session_state[base] = version
    st.session_state[saved] = version
    st.session_state.pop(conflict, None)


def _save_now(store, review_id: int, key: str) -> None:
    _save(store, review_id, key, st.session_state.get(_keys(review_id, key)[1]))


def _take_newer(store, review_id: int, key: str) -> None:
    doc, base, conflict, saved = _keys(review_id, key)
    found = store.get_document(review_id, key)
    if found:
        st.session_state[doc], st.session_state[base] = found
    st.session_state.pop(conflict, None)
    st.session_state.pop(saved, None)
    _reset(review_id, key)


def _keep_mine(store, review_id: int, key: str) -> None:
    """The manager chose to keep their text: save it on top of the newest version (history keeps both)."""
    found = store.get_document(review_id, key)
    _save(store, review_id, key, found[1] if found else None)


def _restore(store, review_id: int, key: str, version: int) -> None:
    doc, base, conflict, saved = _keys(review_id, key)
    try:
        new = store.restore_document(review_id, key, version, st.session_state.get(base))
    except EditConflict as exc:
        st.session_state[conflict] = str(exc)
        return
    found = store.get_document(review_id, key)
    st.session_state[doc] = found[0] if found else st.session_state[doc]
    st.session_state[base] = new
    st.session_state[saved] = new
    st.session_state.pop(conflict, None)
    _reset(review_id, key)


def _status(store, review_id: int, key: str) -> None:
    """Save button, conflict resolution, saved state and history of one document."""
    doc, base, conflict, saved = _keys(review_id, key)
    if conflict in st.session_state:
        st.error(st.session_state[conflict], icon=":material/sync_problem:")
        newer = store.get_document(review_id, key)
        if newer:
            st.markdown(f"**Newer text (version {newer[1]}):**")
            st.code(newer[0], language="markdown", wrap_lines=True)
        c1, c2 = st.columns(2)
        c1.button("Use the newer version", key=f"take_{doc}", on_click=_take_newer, args=(store, review_id, key))
        c2.button("Keep my text as the newest version", key=f"keep_{doc}", on_click=_keep_mine,
                  args=(store, review_id, key))
    c1, c2 = st.columns([1, 4], vertical_alignment="center")
    c1.button("Save", key=f"save_{doc}", icon=":material/save:", on_click=_save_now, args=(store, review_id, key))
    if conflict in st.session_state:
        c2.caption("Not saved: see above.")
    elif saved in st.session_state:
        c2.caption(f":material/cloud_done: Saved as version {st.session_state[saved]}")
    elif st.session_state.get(base) is not None:
        c2.caption(f"Version {st.session_state[base]}. Changes save automatically.")
    history = store.document_history(review_id, key)
    if len(history) > 1:
        with st.expander(f"History ({len(history)} versions)", icon=":material/history:"):
            labels = {v.version: f"Version {v.version} \u00b7 {v.author} \u00b7 {v.created_at[:16].replace('T', ' ')}"
                      for v in reversed(history)}
            chosen = st.selectbox("Version", list(labels), format_func=lambda v: labels[v], key=f"hist_{doc}")
            old = next(v for v in history if v.version == chosen)
            st.code(old.content, language="markdown" if key != ACTIONS_KEY else "json", wrap_lines=True)
            st.button("Restore this version", key=f"restore_{doc}", on_click=_restore,
                      args=(store, review_id, key, chosen), disabled=chosen == history[-1].version)


def _origin(editor: str, doc: str, nonce: int, latest: list) -> list:
    """The rows a data_editor starts from: the text it opened on, kept while the editor is shown.

    The editor's state (what the browser sends: edited, added, deleted rows) is relative to the rows it
    was given, so those stay fixed while it is open, even as each edit is saved. Streamlit drops that
    state when the editor is not drawn in a run (Edit turned off, another page opened): the editor then
    starts afresh, and so must its rows, from `latest` (the session's newest text); else it would reopen
    on the text of its first opening and that old text, looking like an edit, would be saved over the
    manager's. Conflict detection is unaffected: it compares the version opened (`base_...`) with the
    store's newest.
    """
    origin = f"origin_{doc}_{nonce}"
    if editor not in st.session_state or origin not in st.session_state:
        st.session_state[origin] = latest
    return st.session_state[origin]


def _changed(store, review_id: int, key: str, content: str) -> None:
    """Autosave: an edit that changes the document is saved at once."""
    doc, base, _, _ = _keys(review_id, key)
    if content != st.session_state[doc]:
        st.session_state[doc] = content
        _save(store, review_id, key, st.session_state[base])


def _part(store, review_id: int, section, names: dict[str, str], audio: Path | None = None,
          editable: bool = True) -> None:
    """One SLED part: formatted; with Edit on, its talking points as an editable list; under it, a play
    button for each moment it quotes.

    names: speaker label -> display name; quotes show (and, once edited, keep) the display name.
    audio: the call's playable recording (review.ui.moments.recording), None when there is none.
    """
    key = part_key(section.key)
    fallback = without_action_table(section.body_markdown) if section.key == "develop_plan" else section.body_markdown
    _load(store, review_id, key, fallback)
    doc = _keys(review_id, key)[0]
    head, toggle = st.columns([5, 1], vertical_alignment="bottom")
    head.subheader(f"{section.title} ({section.minutes} min)")
    editing = editable and toggle.toggle("Edit", key=f"edit_{doc}")
    if editing:
        import pandas as pd

        nonce = st.session_state.get(f"nonce_{doc}", 0)
        shown = to_points(relabel_quotes(st.session_state[doc], names))
        origin = _origin(f"points_{doc}_{nonce}", doc, nonce, shown)
        edited = st.data_editor(
            pd.DataFrame({"point": origin}, dtype="string"), key=f"points_{doc}_{nonce}", num_rows="dynamic",
            hide_index=True, width="stretch",
            column_config={"point": st.column_config.TextColumn(
                "Talking points (one per row; **bold** and - lists are kept)", width="large")},
        )
        points = [str(p) for p in edited["point"].tolist() if isinstance(p, str) and p.strip()]
        if points != shown:
            _changed(store, review_id, key, from_points(points))
    with st.container(border=True):
        text = relabel_quotes(st.session_state[doc], names)
        st.markdown(text or ("*Nothing in this part yet: turn on Edit to add talking points.*" if editable
                             else "*Nothing in this part.*"))
    moments.listen(audio, review_id, key, text)
    if editable and (editing or st.session_state.get(_keys(review_id, key)[2])):
        _status(store, review_id, key)


def _action_plan(store, review_id: int, draft, names: dict[str, str], editable: bool = True) -> None:
    """The action plan as a table: action, owner, due date, criterion to watch; rows added or removed."""
    import pandas as pd

    key = ACTIONS_KEY
    _load(store, review_id, key, actions_json(draft.actions))
    doc = _keys(review_id, key)[0]
    st.markdown("**Action plan**")
    try:
        current = stored_actions(st.session_state[doc])
    except CallreviewError as exc:
        st.error(str(exc))
        current = draft.actions
    if not editable:
        rows = [{"Action": a.action, "Owner": a.owner, "Due": a.due,
                 "Criterion to watch": names.get(a.watch_criterion or "", a.watch_criterion or "")} for a in current]
        st.dataframe(pd.DataFrame(rows, columns=["Action", "Owner", "Due", "Criterion to watch"]),
                     hide_index=True, width="stretch")
        return
    nonce = st.session_state.get(f"nonce_{doc}", 0)
    origin = _origin(f"actions_{doc}_{nonce}", doc, nonce, actions_to_rows(current))
    by_name = {v: k for k, v in names.items()}
    frame = pd.DataFrame(
        [{"action": r["action"], "owner": r["owner"], "due": pd.to_datetime(r["due"]).date(),
          "watch": names.get(r["watch"], r["watch"])} for r in origin],
        columns=["action", "owner", "due", "watch"],
    )
    edited = st.data_editor(
        frame, key=f"actions_{doc}_{nonce}", num_rows="dynamic", hide_index=True, width="stretch",
        column_config={
            "action": st.column_config.TextColumn("Action", width="large", required=True),
            "owner": st.column_config.SelectboxColumn("Owner", options=["rep", "manager"], required=True),
            "due": st.column_config.DateColumn("Due", format="YYYY-MM-DD", required=True),
            "watch": st.column_config.SelectboxColumn("Criterion to watch", options=list(names.values())),
        },
    )
    rows = [{**r, "watch": by_name.get(r.get("watch"), r.get("watch"))}
            for r in edited.to_dict("records")]
    try:
        items = actions_from_rows([{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in rows])
    except CallreviewError as exc:
        st.warning(f"Not saved yet: {exc}", icon=":material/edit_note:")
    else:
        if [a.model_dump() for a in items] != [a.model_dump() for a in current]:
            _changed(store, review_id, key, actions_json(items))
    _status(store, review_id, key)


def _prep_note(store, review_id: int, draft, names: dict[str, str], audio: Path | None = None) -> None:
    key = PREP_NOTE_KEY
    _load(store, review_id, key, draft.prep_note_markdown)
    doc, base, _, _ = _keys(review_id, key)
    if st.toggle("Edit the prep note", key=f"edit_{doc}"):
        nonce = st.session_state.get(f"nonce_{doc}", 0)
        text = st.text_area("Prep note", value=st.session_state[doc], key=f"text_{doc}_{nonce}", height=360,
                            label_visibility="collapsed")
        _changed(store, review_id, key, text)
    with st.container(border=True):
        text = relabel_quotes(st.session_state[doc], names)
        st.markdown(text)
    moments.listen(audio, review_id, key, text)
    _status(store, review_id, key)


def _coaching_summary(draft, for_manager: bool = True) -> None:
    """The focus skill; for the manager also the Solution Chart's recommendation and the ROAM
    diagnosis (their reading of the rep, not shown to the rep)."""
    from review.coaching_models import load_coaching_models

    c1, c2 = st.columns(2) if for_manager else (st.container(), None)
    with c1.container(border=True):
        st.markdown("#### Focus skill")
        st.markdown(f"**{md_text(draft.focus_criterion_name)}**")
        whose = "the rep's" if for_manager else "your"  # the rep reads their own agenda
        st.markdown(f"Pattern across {whose} calls: **{md_text(draft.pattern)}**")
    if c2 is None:
        return
    with c2.container(border=True):
        st.markdown("#### Solution Chart")
        st.markdown(f"Recommended: **{SOLUTION_LABELS[draft.solution]}** \u2014 {md_text(draft.solution_reason)}")
        if draft.confirm_questions:
            st.markdown("Confirm first:\n" + "\n".join(f"- {md_text(q)}" for q in draft.confirm_questions))
        with st.expander("The other options", icon=":material/alt_route:"):
            for option in load_coaching_models().solution_chart.solutions:
                if option.key != draft.solution:
                    st.markdown(f"**{SOLUTION_LABELS[option.key]}** \u2014 when: {option.cause} "
                                f"Do: {option.what_to_do}")
    if draft.roam:
        with st.expander("ROAM diagnosis", icon=":material/explore:"):
            for name, text in draft.roam.items():
                st.markdown(f"**{md_text(name.capitalize())}:** {md_text(text)}")


def _redraft_offer(services, call, review, draft) -> None:
    """When the manager's overrides move the focus skill, offer to redraft the agenda."""
    from review.methodology import MethodologyLibrary
    from review.redraft import check_focus, redraft, save_redraft

    store = services.store
    overrides = store.overrides(review.id)
    if not overrides:
        return
    rep = call.rep or draft.rep
    try:
        methodology = MethodologyLibrary(state.settings()).get(review.scorecard.methodology_id).methodology
        history = store.rep_history(rep, methodology.id, before=call.id) if rep else []
        check = check_focus(review, draft, overrides, methodology, history, rep)
    except CallreviewError as exc:
        st.caption(f"Your overrides could not be checked against the focus: {exc}")
        return
    if not check.changed:
        return
    st.warning(f"Your overrides change the focus skill from **{draft.focus_criterion_name}** to "
               f"**{check.new_focus_name}**.", icon=":material/swap_horiz:")
    if st.button(f"Redraft the agenda for {check.new_focus_name}", icon=":material/refresh:", key="redraft"):
        try:
            with st.spinner("Redrafting the agenda from your scores"):
                new = redraft(review, overrides, methodology, history, rep, engine=services.engine,
                              settings=services.settings,
                              transcript=store.get_transcript(review.call_id, review.transcript_version))
                save_redraft(store, review.id, new)
        except CallreviewError as exc:
            st.error(state.error_line(exc, "redraft"))
            return
        for key in [part_key(s.key) for s in new.agenda] + [ACTIONS_KEY, PREP_NOTE_KEY]:
            _forget(review.id, key)
        st.rerun()


def _forget(review_id: int, key: str) -> None:
    """Drop the editor's state of a document, so it opens the stored newest version."""
    for name in _keys(review_id, key)[:4]:
        st.session_state.pop(name, None)
    _reset(review_id, key)



def _pick_a_call(store) -> None:
    """No call chosen yet: the latest reviewed calls (of the reps this person may see), one click from
    their agenda, so preparing Monday's one-to-ones does not start on another page."""
    st.title("Coaching prep")
    try:
        calls = [c for c in store.list_calls(limit=PICK_FROM) if c.review_id is not None]
    except Exception as exc:
        st.error(state.error_line(exc, "calls list"))
        calls = []
    if not calls:
        st.info("No reviewed call yet: upload one, and its SLED coaching agenda opens here.", icon=":material/list:")
        if st.button("Go to Upload"):
            state.go("upload")
        return
    by_id = {c.id: c for c in calls}
    names = state.methodology_names()

    def label(call_id: int) -> str:
        c = by_id[call_id]
        focus = f" \u00b7 focus: {c.focus_criterion_name}" if c.focus_criterion_name else ""
        shared = " \u00b7 shared" if c.agenda_shared else ""
        return (f"{c.rep or 'rep not named'} \u00b7 {c.title or c.filename} \u00b7 {c.call_date} \u00b7 "
                f"{names.get(c.listed_methodology_id or '', c.listed_methodology_id)}{focus}{shared}")

    chosen = st.selectbox("Prepare a session on", list(by_id), format_func=label, key="prep_pick_call",
                          help="The latest reviewed calls, newest first; the Calls page finds older ones")
    c1, c2, _ = st.columns([1, 1, 3])
    if c1.button("Open its agenda", type="primary", icon=":material/edit_note:"):
        state.go("prep", chosen, by_id[chosen].review_id)
    if c2.button("Go to Calls"):
        state.go("calls")


def render() -> None:
    services = state.services()
    store = services.store
    call_id = state.selected_call_id()
    call = store.get_call(call_id) if call_id is not None else None
    review = state.current_review(store, call.id) if call else None
    state.mirror_selection()
    # a rep reads the agenda of their coaching session; the manager's preparation (prep note, Solution
    # Chart, ROAM) and editing are the manager's. The store hands a rep no draft until it is shared.
    reader = state.scope().is_rep
    if call is None or review is None or (review.draft is None and not reader):
        _pick_a_call(store)
        return
    if reader and review.draft is not None:
        try:  # the manager sees that the rep opened it; reading never fails on it
            store.mark_agenda_read(review.id, state.scope().display_name)
        except CallreviewError:
            pass
    if review.draft is None:
        st.title(f"Coaching agenda: {md_text(call.rep or 'rep')}")
        st.info("Your manager has not shared this agenda with you yet; it opens here once they do.",
                icon=":material/lock_clock:")
        if st.button("Back to the call review", icon=":material/arrow_back:", key="back_to_review"):
            state.go("review", call.id, review.id)
        return
    try:
        draft = base_draft(review.draft, lambda key: store.get_document(review.id, key))
    except CallreviewError as exc:
        st.error(str(exc))
        draft = review.draft
    who = md_text(draft.rep or call.rep or "rep")  # names and file names as typed, never as Markdown
    st.title(f"Coaching agenda: {who}" if reader else f"Coaching prep: {who}")
    st.caption(f"{md_text(call.title or call.filename)} · {call.call_date} · drafted by {draft.engine_label}"
               + (" · read-only: your manager edits it" if reader else ""))
    if st.button("Back to the call review", icon=":material/arrow_back:", key="back_to_review"):
        state.go("review", call.id, review.id)
    for warning in draft.warnings:
        st.warning(warning, icon=":material/person_alert:")
    if not reader:
        agenda_share.share_switch(store, review.id, draft.rep or call.rep)
        agenda_elsewhere.offer(store, call, review, draft, _forget)
        _redraft_offer(services, call, review, draft)
    _coaching_summary(draft, for_manager=not reader)
    if not reader:
        team_hint.render(store, review, draft.focus_criterion_id, draft.rep or call.rep)
        self_review.prep_section(store, review)
    try:
        speakers = exports.display_names(store, call, review)
    except CallreviewError:
        speakers = {}

    audio = moments.recording(call)
    if reader:
        tab_agenda, tab_export = st.tabs(["SLED agenda", "Export"])
        tab_note = None
    else:
        tab_agenda, tab_note, tab_export = st.tabs(["SLED agenda", "Prep note", "Export"])
    with tab_agenda:
        criteria = {c.id: c.name for c in review.scorecard.criteria}
        for section in draft.agenda:
            _part(store, review.id, section, speakers, audio, editable=not reader)
            if section.key == "develop_plan":
                _action_plan(store, review.id, draft, criteria, editable=not reader)
        if not any(s.key == "develop_plan" for s in draft.agenda):
            _action_plan(store, review.id, draft, criteria, editable=not reader)
        progress_check.render(store, call, review, draft)
    if tab_note is not None:
        with tab_note:
            _prep_note(store, review.id, draft, speakers, audio)
    with tab_export:
        exports.export_buttons(store, call, review, with_prep_note=not reader)


if __name__ == "__main__":
    render()
