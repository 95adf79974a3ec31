"""Coaching prep's share switch: the manager shares an agenda with the rep once it is ready, and sees
who shared it, when, and whether the rep has opened it (review.agenda_doc SHARED_KEY / READ_KEY;
the store keeps a rep from an agenda not shared, review.store.scoped)."""

from __future__ import annotations

import streamlit as st

from review.agenda_doc import READ_KEY, SHARED, SHARED_KEY, read_marker
from review.errors import CallreviewError
from review.ui import state
from review.ui.safe_text import md_text


def share_switch(store, review_id: int, rep: str | None) -> None:
    """The manager shares the agenda with the rep once it is ready (never the prep note); until then
    the rep's page says it is not shared yet."""
    shared, version = store.agenda_shared(review_id)
    on = st.toggle(f"Shared with {md_text(rep) if rep else 'the rep'}", value=shared, key=f"share_{review_id}",
                   help="The rep reads the agenda and the action plan, read-only; never your prep note")
    if on != shared:
        try:
            store.save_document(review_id, SHARED_KEY, SHARED if on else "off", version)
        except CallreviewError as exc:
            st.error(state.error_line(exc, "sharing"))
            return
        st.rerun()
    if shared:
        who = store.document_history(review_id, SHARED_KEY)[-1]
        read = [v for v in store.document_history(review_id, READ_KEY) if v.content == read_marker(who.version)]
        seen = (f"Read by {md_text(read[-1].author)} on {read[-1].created_at[:10]}." if read
                else "Not opened by the rep yet.")
        st.caption(f"Shared by {md_text(who.author)} on {who.created_at[:10]}: the rep sees this agenda, not the "
                   f"prep note. {seen}")
