"""Mono calls end to end: speakers found by voice, roles and metrics on them, the rep picked by a
voice profile (enrolled, or learned from a two-channel call), and the profile commands."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import DATA

from review.cli import main
from review.speakers import MONO_WARNING, speaker_flags
from review.store import Store
from review.transcribe import transcribe_audio
from review.voices import merged, similarities, voice_of
from testkit.attribution import word_roles
from testkit.dialogue import Dialogue, load_dialogue

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

CALL = load_dialogue(DATA / "calls" / "hr_onboarding_weak.yaml")


def render(tmp_path, name: str, turns, layout: str = "mono", voices: dict | None = None):
    from testkit import synth

    saved = dict(synth.VOICES)
    synth.VOICES.update(voices or {})
    try:
        timeline = synth.render_dialogue(Dialogue(id=name, turns=turns), tmp_path / f"{name}.wav", layout=layout)
    finally:
        synth.VOICES.update(saved)
    return tmp_path / f"{name}.wav", timeline


def word_roles_right(transcript, timeline) -> float:
    right, total = word_roles(transcript, timeline)
    return right / total


@pytest.fixture(scope="module")
def mono_call(tmp_path_factory):
    return render(tmp_path_factory.mktemp("mono"), "call", CALL.turns[:10])


def test_mono_call_gets_two_speakers_roles_and_metrics(settings, mono_call):
    path, timeline = mono_call
    transcript = transcribe_audio(path, settings, rep_name="Kevin Doyle")
    share = word_roles_right(transcript, timeline)
    print(f"synthetic mono call: {share:.1%} of words with the right role")
    assert share >= 0.90
    assert transcript.speakers() == ["speaker_1", "speaker_2"]
    assert MONO_WARNING not in transcript.warnings
    # "Hey Sarah, Kevin here from OnboardIQ": the rep introduced themselves by the rep's name
    assert any("found by voice" in w and "introduced themselves as Kevin" in w for w in transcript.warnings)
    assert transcript.attribution.method == "voices" and transcript.attribution.rep_chosen_by == "what was said"
    assert transcript.speaker_names == {"speaker_1": "Kevin Doyle (rep)", "speaker_2": "Customer"}
    metrics = transcript.metrics
    assert set(metrics.speakers) == {"speaker_1", "speaker_2"} and metrics.rep_speaker == "speaker_1"
    assert metrics.patience_s is not None and metrics.interactivity > 0
    rep_questions = sum(t.text.count("?") for t in CALL.turns[:10] if t.speaker == "rep")
    assert abs(metrics.speakers["speaker_1"].question_count - rep_questions) <= 1
    flags = speaker_flags(transcript)
    assert len(flags) == 1 and "found by voice" in flags[0] and flags[0].endswith("or `callreview turn`)")


def test_voice_profile_picks_the_rep(settings, mono_call, tmp_path):
    """A profile of the customer's voice (other sentences) makes the customer's speaker the rep."""
    path, _ = mono_call
    from testkit.synth import VOICES

    sample, _ = render(tmp_path, "sample", CALL.turns[10:16], voices={"rep": VOICES["customer"]})
    from faster_whisper.audio import decode_audio

    embedding, seconds = voice_of(decode_audio(str(sample)), sample.name)
    profile = merged(None, "Sarah Collins", embedding, {"kind": "sample", "name": sample.name, "seconds": seconds})
    transcript = transcribe_audio(path, settings, rep_name="Sarah Collins", rep_voice=profile)
    info = transcript.attribution
    assert info.rep_chosen_by == "voice profile" and info.profile == "Sarah Collins"
    assert transcript.metrics.rep_speaker == "speaker_2"
    assert info.similarity["speaker_2"] > info.similarity["speaker_1"] + 0.03, info.similarity  # 0.96 vs 0.90
    assert any("voice profile (similarity" in w for w in transcript.warnings)
    assert transcript.speaker_names["speaker_2"] == "Sarah Collins (rep)"
    # --rep-speaker still wins over the profile
    given = transcribe_audio(path, settings, rep_speaker="speaker_1", rep_voice=profile)
    assert given.metrics.rep_speaker == "speaker_1" and given.attribution.rep_chosen_by == "rep speaker given"


def test_one_voice_stays_unknown_and_the_scorecard_says_so(settings, tmp_path):
    from testkit.synth import VOICES

    path, _ = render(tmp_path, "one", CALL.turns[:8], voices={"customer": VOICES["rep"]})
    transcript = transcribe_audio(path, settings)
    assert {s.speaker for s in transcript.segments} == {"unknown"}
    assert MONO_WARNING in transcript.warnings
    assert any(w.startswith("one voice") for w in transcript.warnings)
    assert transcript.attribution.method == "one voice"
    flags = speaker_flags(transcript)
    assert flags and flags[0].startswith(MONO_WARNING) and "one voice" in flags[0]


def test_two_channel_call_teaches_the_rep_voice(settings, tmp_path, mono_call):
    stereo, _ = render(tmp_path, "stereo", CALL.turns[10:18], layout="stereo")
    heard = []
    transcribe_audio(stereo, settings, rep_voice_sink=lambda speaker, samples: heard.append((speaker, samples)))
    assert [speaker for speaker, _ in heard] == ["speaker_1"]
    embedding, seconds = voice_of(heard[0][1], "left channel")
    profile = merged(None, "Kevin Doyle", embedding, {"kind": "call", "name": stereo.name, "seconds": seconds})
    # the learned profile finds the rep's voice on the (other) mono call
    from faster_whisper.audio import decode_audio

    from review import diarize

    found = diarize.diarize(decode_audio(str(mono_call[0])))
    scores = similarities(profile, found.voices)
    assert max(scores, key=scores.get) == "speaker_1", scores


def test_voice_commands_enroll_list_delete(settings, tmp_path, capsys):
    sample, _ = render(tmp_path, "enroll", CALL.turns[:4])
    assert main(["voice", "enroll", "Kevin  Doyle", str(sample)]) == 0
    assert main(["voice", "enroll", "kevin doyle", str(sample)]) == 0  # same rep: averaged in
    assert main(["voice", "list"]) == 0
    out = capsys.readouterr().out
    assert "Kevin Doyle" in out and "2 source(s)" in out
    store = Store.from_settings(settings)
    profile = store.voice_profile("KEVIN DOYLE")
    assert profile.n_samples == 2 and abs(np.linalg.norm(profile.embedding) - 1) < 1e-4
    silent = tmp_path / "silent.wav"
    import wave

    with wave.open(str(silent), "wb") as fh:
        fh.setnchannels(1)
        fh.setsampwidth(2)
        fh.setframerate(16000)
        fh.writeframes(b"\0\0" * 32000)
    assert main(["voice", "enroll", "Kevin Doyle", str(silent)]) == 2
    assert "at least 3 s" in capsys.readouterr().err
    assert store.voice_profile("Kevin Doyle").n_samples == 2  # a failed enrollment changes nothing
    assert main(["voice", "delete", "Kevin Doyle"]) == 0
    assert main(["voice", "delete", "Kevin Doyle"]) == 2


def test_pipeline_learns_the_rep_voice_from_their_channel(settings, mono_call):
    from faster_whisper.audio import decode_audio

    from review.pipeline import _learn_rep_voice

    store = Store.from_settings(settings)
    sink = _learn_rep_voice(store, "Kevin Doyle", "call.flac")
    sink("speaker_1", np.zeros(16000 * 5, dtype=np.float32))  # a silent channel: skipped, no error
    assert store.voice_profile("Kevin Doyle") is None
    samples = decode_audio(str(mono_call[0]))
    sink("speaker_1", samples)
    sink("speaker_1", samples)
    profile = store.voice_profile("kevin doyle")
    assert profile.n_samples == 2 and [s["kind"] for s in profile.sources] == ["call", "call"]
    assert profile.sources[0]["channel"] == "speaker_1" and profile.seconds > 20
