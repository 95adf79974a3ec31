"""Settings page, team playbook upload: the parsed draft is shown for review, then saved.

The page reads the playbook (by rule, or by the configured LLM), shows what it made and where it
guessed, and saves only when the manager presses Save. The draft lives in the session between
the two clicks, tied to the uploaded file's hash so a different upload never saves a stale draft.
"""

from __future__ import annotations

import warnings
from pathlib import PurePath

import streamlit as st

from review.hashing import sha256_bytes
from review.ui import state
from review.ui.safe_text import md_text

DRAFT_KEY = "settings_playbook_draft"


def handles(upload) -> bool:
    """Whether an upload is a playbook (reviewed before saving) rather than a methodology YAML."""
    from review.methodology import PLAYBOOK_SUFFIXES

    return upload is not None and PurePath(upload.name).suffix.lower() in PLAYBOOK_SUFFIXES


def _draft(current, upload, digest: str) -> None:
    from review.playbook import import_playbook, llm_import

    try:
        engine = llm_import.make_import_engine(current)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = import_playbook(upload.getvalue(), PurePath(upload.name).name, engine=engine)
    except Exception as exc:
        st.session_state.pop(DRAFT_KEY, None)
        st.error(state.error_line(exc, upload.name))
        return
    st.session_state[DRAFT_KEY] = {"digest": digest, "result": result,
                                   "warnings": [str(w.message) for w in caught]}


def _show(result, problems: list[str]) -> None:
    m, report = result.methodology, result.report
    count = sum(len(s.criteria) for s in report.sections)
    # the uploaded document's words are shown as text, never rendered (an image link would be fetched)
    st.info(f"Draft from {md_text(report.source)}: **{md_text(m.name)}** `{m.id}`, {len(report.sections)} "
            f"section(s), {count} criteria, drafted by {md_text(report.drafted_by)}. Nothing is saved yet: check it, "
            "then Save.", icon=":material/rate_review:")
    for line in [*problems, *report.notes]:
        st.warning(md_text(line), icon=":material/warning:")
    by_id = {c.name: c for c in m.criteria}
    for section in report.sections:
        st.markdown(f"**{md_text(section.name)}**")
        for c in section.criteria:
            examples = f"{c.good_examples} good / {c.poor_examples} poor example(s)"
            weight = f", weight {c.weight:g}" if c.weight != 1.0 else ""
            st.markdown(f"- **{md_text(c.name)}**: {md_text(c.question)} \u00b7 _{examples}{weight}_")
            criterion = by_id.get(c.name)
            if criterion is not None and (criterion.good_examples or criterion.poor_examples):
                st.caption(" \u00b7 ".join([*(f"good: \u201c{md_text(e)}\u201d" for e in criterion.good_examples),
                                            *(f"avoid: \u201c{md_text(e)}\u201d" for e in criterion.poor_examples)]))


def render(library, current, upload, start: bool, replace: bool = False) -> None:
    """Draft the uploaded playbook when `start` (the Import button), show a pending draft, save on Save
    (replacing the team methodology with the same id only when `replace`)."""
    digest = sha256_bytes(upload.getvalue())
    if start:
        _draft(current, upload, digest)
    pending = st.session_state.get(DRAFT_KEY)
    if not pending or pending["digest"] != digest:
        return
    result = pending["result"]
    _show(result, pending["warnings"])
    c1, c2, _ = st.columns([1, 1, 3])
    save = c1.button("Save", key="settings_playbook_save", type="primary")
    discard = c2.button("Discard", key="settings_playbook_discard")
    if discard:
        st.session_state.pop(DRAFT_KEY, None)
        st.info("Draft discarded; nothing was saved.")
    elif save:
        from review.playbook.save import save_methodology

        try:
            loaded = save_methodology(library, result.methodology, upload.name, replace=replace)
        except Exception as exc:
            st.error(state.error_line(exc, upload.name))
            return
        st.session_state.pop(DRAFT_KEY, None)
        kept = f" (the previous version is kept at {loaded.backup})" if loaded.backup is not None else ""
        st.success(f"{upload.name} was imported{kept}: {loaded.methodology.name} ({loaded.methodology.id}), "
                   f"{len(loaded.methodology.criteria)} criteria.", icon=":material/check:")
