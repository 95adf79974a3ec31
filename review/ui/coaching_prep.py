"""Coaching prep page: the SLED agenda section by section and the prep note, edited in place.

Every change is saved as a new version of that document in the store (autosave on change). The
version the editor opened is kept in session state; if someone saved a newer one meanwhile (another
tab, another manager), the store refuses the save and the page shows both texts: nothing is
overwritten silently. History and restore per section; exports of what is on screen.
"""

from __future__ import annotations

import streamlit as st

from review.errors import EditConflict
from review.ui import exports, state
from review.ui.safe_text import md_text

SOLUTION_LABELS = {"training": "Training", "coaching": "Coaching", "feedback": "Feedback", "other": "Other"}


def _keys(review_id: int, key: str) -> tuple[str, str, str, str]:
    tag = f"{review_id}_{key}"
    return f"doc_{tag}", f"base_{tag}", f"conflict_{tag}", f"saved_{tag}"


def _load(store, review_id: int, key: str, fallback: str) -> None:
    """Put the stored latest version in the editor, once per session (or after a reload)."""
    widget, base, _, _ = _keys(review_id, key)
    if widget in st.session_state:
        return
    found = store.get_document(review_id, key)
    st.session_state[widget], st.session_state[base] = found if found else (fallback, None)


def _save(store, review_id: int, key: str, base_version: int | None) -> None:
    """Autosave callback: the editor's text as a new version on top of `base_version`."""
    widget, base, conflict, saved = _keys(review_id, key)
    try:
        version = store.save_document(review_id, key, st.session_state[widget], base_version)
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


def _take_newer(store, review_id: int, key: str) -> None:
    widget, base, conflict, saved = _keys(review_id, key)
    found = store.get_document(review_id, key)
    if found:
        st.session_state[widget], st.session_state[base] = found
    st.session_state.pop(conflict, None)
    st.session_state.pop(saved, None)


def _keep_mine(store, review_id: int, key: str) -> None:
    """The manager chose to keep their text: save it on top of the newest version (history keeps both)."""
    found = store.get_document(review_id, key)
    _save(store, review_id, key, found[1] if found else None)


def _restore(store, review_id: int, key: str, version: int) -> None:
    widget, base, conflict, saved = _keys(review_id, key)
    try:
        new = store.restore_document(review_id, key, version, st.session_state.get(base))
    except EditConflict as exc:
        st.session_state[conflict] = str(exc)
        return
    found = store.get_document(review_id, key)
    st.session_state[widget] = found[0] if found else st.session_state[widget]
    st.session_state[base] = new
    st.session_state[saved] = new
    st.session_state.pop(conflict, None)


def _editor(store, review_id: int, key: str, title: str, fallback: str, height: int = 220,
            preview: bool = False) -> None:
    widget, base, conflict, saved = _keys(review_id, key)
    _load(store, review_id, key, fallback)
    st.text_area(title, key=widget, height=height, on_change=_save, label_visibility="collapsed",
                 args=(store, review_id, key, st.session_state[base]))
    if preview:
        with st.container(border=True):
            st.markdown(st.session_state[widget])
    if conflict in st.session_state:
        st.error(st.session_state[conflict], icon=":material/sync_problem:")
        newer = store.get_document(review_id, key)
        if newer:
            st.markdown(f"**Newer text (version {newer[1]}):**")
            st.code(newer[0], language="markdown", wrap_lines=True)
        c1, c2 = st.columns(2)
        c1.button("Use the newer version", key=f"take_{widget}", on_click=_take_newer,
                  args=(store, review_id, key))
        c2.button("Keep my text as the newest version", key=f"keep_{widget}", on_click=_keep_mine,
                  args=(store, review_id, key))
    elif saved in st.session_state:
        st.caption(f":material/cloud_done: Saved as version {st.session_state[saved]}")
    elif st.session_state.get(base) is not None:
        st.caption(f"Version {st.session_state[base]}. Changes save automatically when you click outside the box.")
    history = store.document_history(review_id, key)
    if len(history) > 1:
        with st.expander(f"History ({len(history)} versions)", icon=":material/history:"):
            labels = {v.version: f"Version {v.version} \u00b7 {v.author} \u00b7 {v.created_at[:16].replace('T', ' ')}"
                      for v in reversed(history)}
            chosen = st.selectbox("Version", list(labels), format_func=labels.get, key=f"hist_{widget}")
            old = next(v for v in history if v.version == chosen)
            st.code(old.content, language="markdown", wrap_lines=True)
            st.button("Restore this version", key=f"restore_{widget}", on_click=_restore,
                      args=(store, review_id, key, chosen), disabled=chosen == history[-1].version)


def _coaching_summary(draft) -> None:
    c1, c2 = st.columns(2)
    with c1.container(border=True):
        st.markdown("#### Focus skill")
        st.markdown(f"**{md_text(draft.focus_criterion_name)}**")
        st.markdown(f"Pattern across the rep's calls: **{md_text(draft.pattern)}**")
    with c2.container(border=True):
        st.markdown("#### Solution Chart")
        st.markdown(f"Recommended: **{SOLUTION_LABELS[draft.solution]}** \u2014 {md_text(draft.solution_reason)}")
        if draft.confirm_questions:
            st.markdown("Confirm first:\n" + "\n".join(f"- {md_text(q)}" for q in draft.confirm_questions))
    if draft.roam:
        with st.expander("ROAM diagnosis", icon=":material/explore:"):
            for name, text in draft.roam.items():
                st.markdown(f"**{md_text(name.capitalize())}:** {md_text(text)}")


def render() -> None:
    services = state.services()
    store = services.store
    call_id = state.selected_call_id()
    call = store.get_call(call_id) if call_id is not None else None
    review = state.current_review(store, call.id) if call else None
    state.mirror_selection()
    if call is None or review is None or review.draft is None:
        st.title("Coaching prep")
        st.info("Pick a reviewed call on the Calls page; its SLED coaching agenda opens here.",
                icon=":material/list:")
        if st.button("Go to Calls"):
            state.go("calls")
        return
    draft = review.draft
    st.title(f"Coaching prep: {draft.rep or call.rep or 'rep'}")
    st.caption(f"{call.title or call.filename} · {call.call_date} · drafted by {draft.engine_label}")
    if st.button("Back to the call review", icon=":material/arrow_back:", key="back_to_review"):
        state.go("review", call.id, review.id)
    _coaching_summary(draft)

    tab_agenda, tab_note, tab_export = st.tabs(["SLED agenda", "Prep note", "Export"])
    with tab_agenda:
        preview = st.toggle("Show each section formatted below its text", key="prep_preview")
        for section in draft.agenda:
            st.subheader(f"{section.title} ({section.minutes} min)")
            _editor(store, review.id, f"agenda/{section.key}", section.title, section.body_markdown,
                    preview=preview)
        develop = next((s for s in draft.agenda if s.key == "develop_plan"), None)
        if draft.actions and (develop is None or "| Action |" not in develop.body_markdown):
            st.subheader("Action items")
            st.dataframe([{"Action": a.action, "Owner": a.owner, "Due": a.due,
                           "Watch": a.watch_criterion or ""} for a in draft.actions],
                         hide_index=True, width="stretch")
    with tab_note:
        _editor(store, review.id, "prep_note", "Prep note", draft.prep_note_markdown, height=420,
                preview=st.toggle("Show it formatted", key="prep_note_preview"))
    with tab_export:
        exports.export_buttons(store, call, review)


if __name__ == "__main__":
    render()
