"""Settings page: the LLM engine and endpoint, transcription model, upload limit, and the
methodology library (view, validate or import a team's own playbook).

The API key is write-only here: the page says whether a key is saved, never shows it, and an empty
key field keeps the saved key (review.settings.save_settings).
"""

from __future__ import annotations

import streamlit as st

from review.errors import CallreviewError
from review.ui import state
from review.ui.safe_text import md_text

ENGINES = {"rules": "Offline rules engine (no LLM, nothing leaves this machine)",
           "openai": "OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp server)",
           "local": "Local GGUF model in-process"}


def _engine_form(current) -> None:
    with st.form("settings_form"):
        st.subheader("Scoring and coaching engine")
        engines = list(ENGINES)
        engine = st.selectbox("LLM engine", engines, format_func=lambda key: ENGINES[key],
                              index=engines.index(current.llm_engine) if current.llm_engine in engines else 0)
        c1, c2 = st.columns(2)
        base_url = c1.text_input("Endpoint URL", value=current.llm_base_url,
                                 placeholder="https://api.openai.com/v1 or http://localhost:11434/v1")
        model = c2.text_input("Model", value=current.llm_model, key="settings_llm_model")
        # Never pre-filled: the key is not sent back to the browser.
        key = st.text_input("API key", value="", type="password", key="settings_llm_api_key",
                            placeholder="a key is saved; type a new one to replace it" if current.llm_api_key
                            else "paste the endpoint's API key")
        if current.llm_api_key:
            st.caption(":material/key: A key is saved. Leave the field empty to keep it.")
        else:
            st.caption("No key is saved.")
        gguf = st.text_input("GGUF file (local engine)", value=current.llm_gguf_path)
        st.subheader("Transcription")
        c1, c2 = st.columns(2)
        whisper = c1.text_input("Transcription model", value=current.whisper_model,
                                help="'embedded' is the offline Whisper base model ('embedded-tiny.en' is faster, "
                                     "English only); or a faster-whisper model name or path")
        language = c2.text_input("Spoken language", value=current.whisper_language, key="settings_language",
                                 help="A language code such as en, es, de; 'auto' detects it (not with tiny.en)")
        c1, c2, c3 = st.columns(3)
        company = c1.text_input("Company name", value=current.company_name, key="settings_company_name",
                                help="Transcription favours your company's name")
        products = c2.text_input("Product names", value=current.product_names, key="settings_product_names",
                                 help="Comma-separated names of your products; transcription favours them")
        hotwords = c3.text_input("Hot words", value=current.hotwords,
                                 help="Other comma-separated names to favour (customers, competitors)")
        max_mb = st.number_input("Largest upload (MB)", min_value=1, max_value=10_000, value=current.max_upload_mb)
        if st.form_submit_button("Save settings", type="primary"):
            from review.settings import save_settings

            updates = {"llm_engine": engine, "llm_base_url": base_url.strip(), "llm_model": model.strip(),
                       "llm_api_key": key.strip(), "llm_gguf_path": gguf.strip(),
                       "whisper_model": whisper.strip() or "embedded", "hotwords": hotwords.strip(),
                       "whisper_language": language.strip().lower() or "en", "company_name": company.strip(),
                       "product_names": products.strip(),
                       "max_upload_mb": int(max_mb)}
            try:
                path = save_settings(updates)
                from review.settings import load_settings

                load_settings()  # fails now, not on the next review, if the file cannot be read back
            except Exception as exc:
                st.error(state.error_line(exc, "settings"))
                return
            state.forget_services()
            # The key leaves the field at once (it could be revealed there); the message survives the rerun.
            st.session_state.pop("settings_llm_api_key", None)
            st.session_state["settings_saved_to"] = str(path)
            st.rerun()
    saved_to = st.session_state.pop("settings_saved_to", None)
    if saved_to:
        st.success(f"Saved to {saved_to}. New reviews use these settings.", icon=":material/check:")


def _describe(loaded) -> None:
    m = loaded.methodology
    st.markdown(f"**{md_text(m.name)}** `{m.id}` version {md_text(m.version)} \u00b7 {loaded.origin} \u00b7 "
                f"{len(m.criteria)} criteria")
    st.markdown(md_text(m.description))  # an imported playbook's text: shown as written, never rendered
    if m.source:
        st.caption(f"Source: {md_text(m.source)}")
    for section in m.sections:
        st.markdown(f"**{md_text(section.name)}**")
        for c in (c for c in m.criteria if c.section == section.id):
            st.markdown(f"- **{md_text(c.name)}** ({c.max_score} points): {md_text(c.question)}")


def _library(current) -> None:
    import tempfile
    from pathlib import Path

    from review.methodology import MethodologyLibrary

    st.subheader("Methodology library")
    library = MethodologyLibrary(current)
    try:
        every = library.list()
    except CallreviewError as exc:  # no methodology at all: say why, importing one still works
        st.error(str(exc), icon=":material/error:")
        every = []
    for problem in library.problems:
        st.warning(problem, icon=":material/warning:")
    st.dataframe([{"id": m.methodology.id, "name": m.methodology.name, "version": m.methodology.version,
                   "criteria": len(m.methodology.criteria), "origin": m.origin} for m in every],
                 hide_index=True, width="stretch")
    if every:
        ids = [m.methodology.id for m in every]
        names = {m.methodology.id: m.methodology.name for m in every}
        # by name, with the id the CLI takes (`callreview review ... -m discovery`)
        chosen = st.selectbox("View", ids, key="settings_view_methodology",
                              format_func=lambda i: f"{names[i]} ({i})" if names[i] != i else i)
        with st.expander(f"Criteria of {md_text(names[chosen])}", expanded=False):
            _describe(every[ids.index(chosen)])

    st.markdown("**Add your team's playbook** (a methodology .yaml, or a playbook as .md, .txt, .docx or a spreadsheet saved as .csv)")
    upload = st.file_uploader("Methodology or playbook", key="settings_playbook",
                              type=["yaml", "yml", "md", "markdown", "txt", "docx", "csv", "tsv"])
    replace = st.checkbox("Replace the team methodology with the same id (the old file is kept in versions/)",
                          key="settings_replace_methodology")
    c1, c2, _ = st.columns([1, 1, 3])
    validate = c1.button("Validate", key="settings_validate", disabled=upload is None)
    do_import = c2.button("Import", key="settings_import", disabled=upload is None, type="primary")
    from review.ui import playbook_review

    if playbook_review.handles(upload) and not validate:  # a playbook is reviewed before it is saved
        playbook_review.render(library, current, upload, start=do_import, replace=replace)
        return
    if upload is None or not (validate or do_import):
        return
    # The upload folder's prefix is the one error messages drop, so they name the uploaded file.
    with tempfile.TemporaryDirectory(prefix=state.UPLOAD_FOLDER_PREFIX) as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            loaded = library.validate_file(path) if validate else library.import_file(path, replace=replace)
        except Exception as exc:
            st.error(state.error_line(exc, upload.name))
            return
    verb = "is valid" if validate else "was imported"
    if loaded.backup is not None:
        verb += f" (the previous version is kept at {loaded.backup})"
    st.success(f"{upload.name} {verb}: {loaded.methodology.name} ({loaded.methodology.id}), "
               f"{len(loaded.methodology.criteria)} criteria.", icon=":material/check:")
    _describe(loaded)


def render() -> None:
    if not state.scope().is_admin:  # the page is not in a non-admin's menu; a direct link ends here
        st.error("Settings: only an admin may change them; ask an admin of this callreview")
        return
    st.title("Settings")
    state.mirror_selection()
    try:
        current = state.settings()
    except Exception as exc:
        st.error(state.error_line(exc, "settings"))
        return
    import os

    pinned = sorted(k for k in os.environ if k.startswith("CALLREVIEW_") and k != "CALLREVIEW_HOME")
    if pinned:
        st.warning("Set in the server's environment, which wins over what you save here: "
                   + ", ".join(pinned), icon=":material/lock:")
    _engine_form(current)
    st.divider()
    _library(current)
    st.divider()
    from review.ui.voice_profiles import render_section

    render_section(current)


if __name__ == "__main__":
    render()
