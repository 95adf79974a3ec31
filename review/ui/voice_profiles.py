"""Settings section "Rep voice profiles": enroll a short sample of a rep's voice, see and remove
profiles. A profile picks the rep's speaker on one-channel calls (review.voices)."""

from __future__ import annotations

import streamlit as st

from review.audio import AUDIO_EXTENSIONS
from review.ui import state

# every recording a call can be (Android call recorders keep .amr / .3gp: a rep's own phone calls)
SAMPLE_TYPES = [e.lstrip(".") for e in AUDIO_EXTENSIONS]


def _enroll(store, current, rep: str, upload) -> None:
    import tempfile
    from pathlib import Path

    from review.commands.voice import enroll_sample

    suffix = Path(upload.name).suffix or ".wav"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"sample{suffix}"
        path.write_bytes(upload.getvalue())
        try:
            profile = enroll_sample(store, rep, path, current.max_upload_mb, name=upload.name)
        except Exception as exc:
            st.error(state.error_line(exc, upload.name).replace(str(path), upload.name))
            return
    st.success(f"{profile.rep}: voice profile from {profile.n_samples} sample(s)/call(s), "
               f"{profile.seconds:.0f} s of speech", icon=":material/check:")


def render_section(current) -> None:
    """The section, for the Settings page. current: the settings in force."""
    store = state.services().store
    st.subheader("Rep voice profiles")
    st.caption("On a one-channel recording the speakers are found by voice; a rep's voice profile says "
               "which of them is the rep. Profiles grow from the rep's two-channel calls (their channel) "
               "and from samples added here: 10-30 s of the rep talking alone.")
    rep = st.text_input("Rep's name (as on their calls)", key="voice_rep")
    upload = st.file_uploader("Voice sample", type=SAMPLE_TYPES, key="voice_sample")
    if st.button("Add to the rep's profile", key="voice_enroll", icon=":material/record_voice_over:"):
        if not rep.strip() or upload is None:
            st.error("Give the rep's name and a recording of them speaking alone.")
        else:
            _enroll(store, current, rep, upload)
    profiles = store.voice_profiles()
    if not profiles:
        st.info("No voice profiles yet.", icon=":material/info:")
        return
    st.dataframe([{"rep": p.rep, "sources": p.n_samples, "speech (s)": round(p.seconds),
                   "from": ", ".join(sorted({s.get("kind", "?") for s in p.sources})),
                   "updated": p.updated_at[:10]} for p in profiles], hide_index=True, width="stretch")
    c1, c2, _ = st.columns([2, 1, 2], vertical_alignment="bottom")
    chosen = c1.selectbox("Profile", [p.rep for p in profiles], key="voice_delete_choice")
    if c2.button("Remove", key="voice_delete", icon=":material/delete:"):
        store.delete_voice_profile(chosen)
        st.rerun()
