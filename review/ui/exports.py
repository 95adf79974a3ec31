"""Download buttons for the coaching prep page: the agenda and the prep note as the manager edited
them (each as Markdown, DOCX, PDF) and the scorecard (CSV and JSON), all with the manager's
overrides applied (the AI's scores beside them) and speakers by display name.

DOCX and PDF are built only when their button is clicked (Streamlit calls the data function then).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import streamlit as st

from review.ui import state


def edited_draft(store, review, with_prep_note: bool = True):
    """The review's coaching draft with each agenda section, the action plan and the prep note at
    their latest saved versions (the manager's edits), ready for the renderers.

    store: the Store. review: a ReviewRecord with a draft. with_prep_note: False for a rep, who may
    not read the manager's prep note (it is left as drafted, and not exported).
    """
    from review.agenda_doc import PREP_NOTE_KEY
    from review.agenda_doc import edited_draft as with_edits

    return with_edits(review.draft, lambda key: None if key == PREP_NOTE_KEY and not with_prep_note
                      else store.get_document(review.id, key))


def effective_scorecard(store, review):
    """The review's scorecard with the manager's latest overrides applied (review.overrides)."""
    from review.overrides import apply_overrides

    return apply_overrides(review.scorecard, store.overrides(review.id))


def display_names(store, call, review) -> dict[str, str]:
    """speaker label -> how exports show it ("Alex Rivera (rep)", "Customer")."""
    from review.speaker_names import speaker_names

    transcript = store.get_transcript(call.id, review.transcript_version)
    rep = call.rep or (review.draft.rep if review.draft else None)
    return speaker_names(transcript if transcript is not None else review.scorecard, rep)


def scorecard_csv(store, review, names: dict[str, str] | None = None) -> str:
    """The scorecard as CSV: the manager's score where overridden, the AI's beside it.

    store: the Store. review: a ReviewRecord. names: speaker display names for the quotes.
    """
    from review.render import scorecard_to_csv

    return scorecard_to_csv(review.scorecard, store.overrides(review.id), names=names)


def _file_stem(call) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "-", (call.title or call.filename or "call")).strip("-").lower()
    return f"{base[:60] or 'call'}-{call.call_date or ''}".rstrip("-")


def _binary(markdown: str, writer, suffix: str):
    """A data function for st.download_button: render `markdown` with `writer(markdown, path)`."""

    def build() -> bytes:
        with tempfile.TemporaryDirectory(prefix="callreview-export-") as folder:
            path = Path(folder) / f"export{suffix}"
            writer(markdown, path)
            return path.read_bytes()

    return build


def _with_self_review(store, review, card, note: str) -> str:
    """The prep note with the rep's self-review appended, when the rep wrote one."""
    from review.errors import CallreviewError
    from review.self_review import find, to_markdown

    try:
        found = find(store, review.id, review.call_id)
        section = to_markdown(found.review, card, f"{found.author}, {found.saved_at}") if found else ""
    except CallreviewError:  # a damaged self-review does not hold up the manager's export
        section = "**The rep's self-review** could not be read; ask the rep to save it again.\n"
    return f"{note.rstrip()}\n\n{section}" if section else note


def _with_transcript_changes(store, review, note: str) -> str:
    """The prep note with the hand changes to the transcript this review scored, when there are any
    (a corrected turn, a new rep): a quote the rep disputes may come from a corrected turn."""
    from review.markdown_text import escape_markdown
    from review.speaker_edits import hand_changes

    changes = hand_changes(store.transcript_history(review.call_id), review.transcript_version)
    if not changes:
        return note
    lines = "\n".join(f"- {escape_markdown(line)}" for line in changes)
    return f"{note.rstrip()}\n\n**The transcript was corrected by hand** (this review scored the corrected one):\n\n{lines}\n"


def export_buttons(store, call, review, with_prep_note: bool = True) -> None:
    """The export section of the coaching prep page.

    store: the Store. call: the Call. review: its ReviewRecord (with a draft). with_prep_note:
    False for a rep (the agenda and the scorecard only).
    """
    from review.render import agenda_to_markdown, prep_note_to_markdown, scorecard_to_json
    from review.render_docs import markdown_to_docx, markdown_to_pdf
    from review.speaker_names import relabel_quotes

    stem = _file_stem(call)
    try:
        names = display_names(store, call, review)
        draft = edited_draft(store, review, with_prep_note)
        card = effective_scorecard(store, review)
        agenda = relabel_quotes(agenda_to_markdown(draft, card, call.title, include_prep_note=False), names)
        note = relabel_quotes(prep_note_to_markdown(draft, card, call.title), names) if with_prep_note else ""
        if with_prep_note:  # the rep's own view goes into the session with the manager
            note = _with_transcript_changes(store, review, _with_self_review(store, review, card, note))
        csv_text = scorecard_csv(store, review, names)
        json_text = scorecard_to_json(review.scorecard, store.overrides(review.id))
    except Exception as exc:
        st.error(state.error_line(exc, "export"))
        return
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    documents = [("Coaching agenda (for the rep)", agenda, "agenda"), ("Prep note (for you)", note, "prep-note")]
    for label, text, name in documents[:2 if with_prep_note else 1]:
        st.markdown(f"**{label}**, " + ("with your edits and overrides" if with_prep_note
                                          else "with your manager's edits and overrides"))
        c1, c2, c3, _ = st.columns(4)
        short = "Agenda" if name == "agenda" else "Prep note"
        c1.download_button(f"{short} (Markdown)", text, f"{stem}-{name}.md", "text/markdown",
                           icon=":material/description:", on_click="ignore", key=f"dl_{name}_md")
        c2.download_button(f"{short} (Word)", _binary(text, markdown_to_docx, ".docx"), f"{stem}-{name}.docx",
                           docx, icon=":material/article:", on_click="ignore", key=f"dl_{name}_docx")
        c3.download_button(f"{short} (PDF)", _binary(text, markdown_to_pdf, ".pdf"), f"{stem}-{name}.pdf",
                           "application/pdf", icon=":material/picture_as_pdf:", on_click="ignore",
                           key=f"dl_{name}_pdf")
    st.markdown("**Scorecard** (" + ("your" if with_prep_note else "your manager's")
                + " overrides, with the AI's score beside them)")
    c1, c2, _, _ = st.columns(4)
    c1.download_button("Scorecard (CSV)", csv_text, f"{stem}-scorecard.csv", "text/csv",
                       icon=":material/table:", on_click="ignore")
    c2.download_button("Scorecard (JSON)", json_text, f"{stem}-scorecard.json", "application/json",
                       icon=":material/data_object:", on_click="ignore")
    with st.expander("Preview the agenda as exported", icon=":material/visibility:"):
        st.markdown(agenda)
