"""Coaching prep: where the manager's agenda edits are when this review's agenda is the AI's.

A re-score, a new rep or a corrected turn makes a new review with an agenda drafted afresh; the
manager's edited parts, action plan and prep note stay on the review they were written on. The page
says which review holds them and copies them here on request (each as a new version: the AI's draft
stays in the history, and the source keeps its own).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from review.agenda_doc import (
    ACTIONS_KEY,
    PREP_NOTE_KEY,
    base_draft,
    documents_of,
    part_key,
    without_action_table,
)
from review.ui import state
from review.ui.safe_text import md_text


def edited_parts(store, review) -> dict[str, str]:
    """Document key -> its name, for each agenda part, the action plan and the prep note the manager
    changed from the draft they start from (a redraft alone is no edit); {} for a review without a draft."""
    if review.draft is None:
        return {}
    draft = base_draft(review.draft, lambda key: store.get_document(review.id, key))
    drafted = documents_of(draft)
    names = {part_key(s.key): s.title for s in draft.agenda} | {ACTIONS_KEY: "action plan", PREP_NOTE_KEY: "prep note"}
    edited = {}
    for key, name in names.items():
        history = store.document_history(review.id, key)
        if not history:
            continue
        latest = history[-1].content
        ai = {v.content for v in history if v.author == "ai"} | {drafted.get(key)}
        if latest not in ai and without_action_table(latest) != drafted.get(key):
            edited[key] = name
    return edited


def offer(store, call, review, draft, forget: Callable[[int, str], None]) -> None:
    """When this review's agenda has no edits and another review of the call has some, say where they
    are and offer to copy them here. forget(review_id, key): drop the editor's state of a document."""
    if state.scope().is_rep or edited_parts(store, review):
        return
    for other in reversed(store.reviews_for_call(call.id)):
        if other.id == review.id:
            continue
        parts = edited_parts(store, other)
        if not parts:
            continue
        focus = other.draft.focus_criterion_name if other.draft else "?"
        same = other.draft is not None and other.draft.focus_criterion_id == draft.focus_criterion_id
        st.info(f"Your edits of this call's coaching agenda ({md_text(', '.join(parts.values()))}) are on the "
                f"review of {other.created_at[:16].replace('T', ' ')} (focus: {md_text(focus)}); this review's "
                "agenda was drafted afresh" + ("" if same else f" for another focus ({md_text(draft.focus_criterion_name)})")
                + ". Copy them here, or pick that review on the call page.", icon=":material/edit_note:")
        if st.button("Copy my edits here", key=f"copy_edits_{review.id}", icon=":material/content_copy:"):
            try:
                for key in parts:
                    content = store.get_document(other.id, key)[0]
                    found = store.get_document(review.id, key)
                    store.save_document(review.id, key, content, found[1] if found else None)
            except Exception as exc:
                st.error(state.error_line(exc, "agenda edits"))
                return
            for key in parts:
                forget(review.id, key)
            st.rerun()
        return
