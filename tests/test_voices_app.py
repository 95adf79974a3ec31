"""The app's "Rep voice profiles" section (Settings) and the speaker line on the scorecard tab."""

from __future__ import annotations

import shutil

import pytest
from conftest import DATA
from test_app import app, seams, store, store_review, texts, tiny_wav  # noqa: F401 - fixtures

from review.speakers import MONO_WARNING
from review.ui.safe_text import md_text
from testkit.dialogue import Dialogue, load_dialogue

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@needs_espeak
def test_enroll_a_voice_sample_in_settings(seams, store, tmp_path):  # noqa: F811
    from testkit.synth import render_dialogue

    call = load_dialogue(DATA / "calls" / "hr_onboarding_weak.yaml")
    render_dialogue(Dialogue(id="s", turns=call.turns[:4]), tmp_path / "sample.wav", layout="mono")
    at = app("settings")
    assert "No voice profiles yet." in texts(at)
    at.text_input(key="voice_rep").input("Alex Rivera")
    at.file_uploader(key="voice_sample").set_value(("sample.wav", (tmp_path / "sample.wav").read_bytes(), "audio/wav"))
    at.run()
    next(b for b in at.button if b.label == "Add to the rep's profile").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Alex Rivera: voice profile from 1" in s.value for s in at.success)
    assert store.voice_profile("alex rivera").n_samples == 1
    # a sample from the rep's Android call recorder (.amr, 8 kHz) is taken too
    from testkit.synth import encode_audio

    amr = encode_audio(tmp_path / "sample.wav", tmp_path / "from_phone.amr")
    at.file_uploader(key="voice_sample").set_value(("from_phone.amr", amr.read_bytes(), "audio/amr"))
    at.run()
    next(b for b in at.button if b.label == "Add to the rep's profile").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert store.voice_profile("alex rivera").n_samples == 2
    # too little speech: one line, nothing stored
    at.text_input(key="voice_rep").input("Jordan Lee")
    at.file_uploader(key="voice_sample").set_value(("quiet.wav", tiny_wav(2.0), "audio/wav"))
    at.run()
    next(b for b in at.button if b.label == "Add to the rep's profile").click().run()
    assert len(at.error) == 1 and "quiet.wav" in at.error[0].value and "\n" not in at.error[0].value
    assert store.voice_profile("Jordan Lee") is None


def test_scorecard_tab_says_speakers_were_not_found(seams, store):  # noqa: F811
    result = store_review(store, tiny_wav(1.0, tone=3), "mono.wav")
    unknown = result.transcript.model_copy(update={"segments": [
        s.model_copy(update={"speaker": "unknown", "role": "unknown"}) for s in result.transcript.segments],
        "source": result.transcript.source.model_copy(update={"format": "audio"})})  # a recording
    store.save_transcript(result.call_id, unknown)
    store.save_review(result.call_id, result.scorecard, result.draft, None)  # reviewed on the new version
    at = app("review", call_id=result.call_id)
    assert any(w.value.startswith(md_text(MONO_WARNING)) for w in at.warning), [w.value for w in at.warning]
