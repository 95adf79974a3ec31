"""Download buttons for the coaching prep page: the agenda and prep note as the manager edited them
(Markdown, DOCX, PDF) and the scorecard (CSV with the manager's overrides, JSON).

DOCX and PDF are built only when their button is clicked (Streamlit calls the data function then).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import streamlit as st

from review.ui import state


def edited_draft(store, review):
    """The review's coaching draft with each agenda section and the prep note at their latest saved
    versions (the manager's edits), ready for the renderers.

    store: the Store. review: a ReviewRecord with a draft.
    """
    draft = review.draft
    sections = []
    for section in draft.agenda:
        found = store.get_document(review.id, f"agenda/{section.key}")
        sections.append(section.model_copy(update={"body_markdown": found[0]}) if found else section)
    note = store.get_document(review.id, "prep_note")
    return draft.model_copy(update={"agenda": sections,
                                    "prep_note_markdown": note[0] if note else draft.prep_note_markdown})


def scorecard_csv(store, review) -> str:
    """The scorecard as CSV with the manager's latest override (score and comment) per criterion.

    store: the Store. review: a ReviewRecord.
    """
    from review.render import scorecard_to_csv

    return scorecard_to_csv(review.scorecard, manager_overrides(store, review))


def manager_overrides(store, review) -> dict:
    """The manager's latest override per criterion, with the verdict its score implies."""
    from review.render import override_verdict

    max_by_id = {c.id: c.max_score for c in review.scorecard.criteria}
    return {cid: {"score": o.score, "verdict": override_verdict(o.score, max_by_id.get(cid, 0)), "note": o.comment}
            for cid, o in store.overrides(review.id).items()}


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


def export_buttons(store, call, review) -> None:
    """The export section of the coaching prep page.

    store: the Store. call: the Call. review: its ReviewRecord (with a draft).
    """
    from review.render import agenda_to_markdown, prep_note_to_markdown, scorecard_to_json
    from review.render_docs import markdown_to_docx, markdown_to_pdf

    stem = _file_stem(call)
    try:
        draft = edited_draft(store, review)
        agenda = agenda_to_markdown(draft, review.scorecard, call.title, include_prep_note=True)
        note = prep_note_to_markdown(draft, review.scorecard, call.title)
        csv_text = scorecard_csv(store, review)
        json_text = scorecard_to_json(review.scorecard, manager_overrides(store, review))
    except Exception as exc:
        st.error(state.error_line(exc, "export"))
        return
    st.markdown("**Coaching agenda and prep note** (with your edits)")
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button("Agenda (Markdown)", agenda, f"{stem}-agenda.md", "text/markdown",
                       icon=":material/description:", on_click="ignore")
    c2.download_button("Agenda (Word)", _binary(agenda, markdown_to_docx, ".docx"), f"{stem}-agenda.docx",
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       icon=":material/article:", on_click="ignore")
    c3.download_button("Agenda (PDF)", _binary(agenda, markdown_to_pdf, ".pdf"), f"{stem}-agenda.pdf",
                       "application/pdf", icon=":material/picture_as_pdf:", on_click="ignore")
    c4.download_button("Prep note (Markdown)", note, f"{stem}-prep-note.md", "text/markdown",
                       icon=":material/sticky_note_2:", on_click="ignore")
    st.markdown("**Scorecard**")
    c1, c2, _, _ = st.columns(4)
    c1.download_button("Scorecard (CSV)", csv_text, f"{stem}-scorecard.csv", "text/csv",
                       icon=":material/table:", on_click="ignore")
    c2.download_button("Scorecard (JSON)", json_text, f"{stem}-scorecard.json", "application/json",
                       icon=":material/data_object:", on_click="ignore")
    with st.expander("Preview the agenda as exported", icon=":material/visibility:"):
        st.markdown(agenda)
