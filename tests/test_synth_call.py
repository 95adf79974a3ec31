"""A synthesized two-voice sales call: the script is the exact reference for words and speakers."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
from test_transcribe import word_error_rate

from review.errors import ConfigError
from review.transcribe import MONO_WARNING, transcribe_audio
from review.types import Transcript
from testkit.dialogue import Dialogue, Turn
from testkit.synth import render_dialogue

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

CALL = Dialogue(
    id="short_call",
    rep="Alex Rivera",
    customer="Jordan Lee",
    turns=[
        Turn(speaker="rep", text="Thanks for joining today. I would like to cover your current process and next steps."),
        Turn(speaker="customer", text="Sounds good. We plan every delivery by hand right now."),
        Turn(speaker="rep", text="How many hours does your team spend on that each week?"),
        Turn(speaker="customer", text="About twenty hours, and it keeps growing."),
        Turn(speaker="rep", text="Could we meet again on Friday to look at a pilot?"),
        Turn(speaker="customer", text="Friday works for me."),
    ],
)


def turn_attribution(transcript: Transcript, timeline: list[tuple[float, float, str]]) -> list[str | None]:
    """The role the transcript gives each reference turn: the majority role of its words."""
    roles = []
    for start, end, _ in timeline:
        votes: dict[str, int] = {}
        for seg in transcript.segments:
            for w in seg.words:
                if start - 0.3 <= (w.start + w.end) / 2 <= end + 0.3:
                    votes[seg.role] = votes.get(seg.role, 0) + 1
        roles.append(max(votes, key=votes.get) if votes else None)
    return roles


def words_of(transcript: Transcript, role: str) -> str:
    return " ".join(s.text for s in transcript.segments if s.role == role)


def script_of(role: str) -> str:
    return " ".join(t.text for t in CALL.turns if t.speaker == role)


@needs_espeak
def test_render_places_voices_on_their_channels(tmp_path):
    out = tmp_path / "call.wav"
    timeline = render_dialogue(CALL, out, layout="stereo")
    assert [role for _, _, role in timeline] == [t.speaker for t in CALL.turns]
    gaps = [b[0] - a[1] for a, b in zip(timeline, timeline[1:], strict=False)]
    assert all(0.4 <= g <= 0.9 for g in gaps), gaps
    with wave.open(str(out)) as fh:
        assert fh.getnchannels() == 2 and fh.getframerate() == 16000
        samples = np.frombuffer(fh.readframes(fh.getnframes()), "<i2").reshape(-1, 2)
    first_start, first_end, _ = timeline[0]
    during_rep = samples[int(first_start * 16000) : int(first_end * 16000)]
    assert np.abs(during_rep[:, 0]).mean() > 100 and np.abs(during_rep[:, 1]).max() == 0


@needs_espeak
def test_two_channel_call_attributes_every_turn(settings, tmp_path):
    timeline = render_dialogue(CALL, tmp_path / "call.flac", layout="stereo")
    transcript = transcribe_audio(tmp_path / "call.flac", settings)
    assert transcript.source.channels == "split"
    attributed = turn_attribution(transcript, timeline)
    assert attributed == [role for _, _, role in timeline]  # ALL turns under the right speaker
    rep_wer = word_error_rate(script_of("rep"), words_of(transcript, "rep"))
    customer_wer = word_error_rate(script_of("customer"), words_of(transcript, "customer"))
    print(f"two-channel synthesized call: rep WER {rep_wer:.1%}, customer WER {customer_wer:.1%}, turns right 100%")
    assert rep_wer <= 0.25 and customer_wer <= 0.25
    assert transcript.metrics.speakers["speaker_1"].question_count >= 2


@needs_espeak
def test_mono_call_gets_speakers_by_voice(settings, tmp_path):
    timeline = render_dialogue(CALL, tmp_path / "call.wav", layout="mono")
    transcript = transcribe_audio(tmp_path / "call.wav", settings)
    assert transcript.source.channels == "mono"
    attributed = turn_attribution(transcript, timeline)
    right = sum(a == role for a, (_, _, role) in zip(attributed, timeline, strict=True))
    everything = " ".join(s.text for s in transcript.segments)
    wer = word_error_rate(" ".join(t.text for t in CALL.turns), everything)
    print(f"mono synthesized call: WER {wer:.1%}, turns attributed right {right}/{len(timeline)}")
    assert wer <= 0.25
    # a 25 s call: too little speech to be sure of two voices is allowed, inventing wrong ones is not
    if transcript.attribution.method == "one voice":
        assert {s.speaker for s in transcript.segments} == {"unknown"} and MONO_WARNING in transcript.warnings
    else:
        assert right >= len(timeline) - 1 and MONO_WARNING not in transcript.warnings


def test_missing_espeak_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="apt-get install espeak-ng"):
        render_dialogue(CALL, tmp_path / "call.wav")
    assert not (tmp_path / "call.wav").exists()


@needs_espeak
@pytest.mark.slow
def test_example_call_every_turn_attributed(settings, tmp_path):
    """examples/discovery_call.flac (2 min, stereo): every scripted turn under the right speaker."""
    from testkit.dialogue import load_dialogue

    examples = Path(__file__).resolve().parent.parent / "examples"
    dialogue = load_dialogue(examples / "discovery_call.yaml")
    timeline = render_dialogue(dialogue, tmp_path / "again.wav")  # same seed: same turn times
    transcript = transcribe_audio(examples / "discovery_call.flac", settings)
    assert turn_attribution(transcript, timeline) == [role for _, _, role in timeline]
    rep_wer = word_error_rate(
        " ".join(t.text for t in dialogue.turns if t.speaker == "rep"), words_of(transcript, "rep"))
    print(f"examples/discovery_call.flac: rep WER {rep_wer:.1%}")
    assert rep_wer <= 0.25


@needs_espeak
def test_a_rep_recorded_on_the_right_channel_is_pointed_out(settings, tmp_path):
    """The rep is the left channel by convention; a recorder wired the other way round puts the rep's
    "this is Alex" on the right, and the transcript says so instead of scoring the customer quietly."""
    wired = Dialogue(id="wired", rep="Jordan Lee", customer="Alex Rivera", turns=[  # the rep on the right
        Turn(speaker="rep", text="Hello, Acme logistics, how can I help?"),
        Turn(speaker="customer", text="Hi, this is Alex from Rautwise, returning your call about deliveries."),
        Turn(speaker="rep", text="Great, thanks for calling back."),
    ])
    render_dialogue(wired, tmp_path / "wired.wav", layout="stereo")
    transcript = transcribe_audio(tmp_path / "wired.wav", settings, rep_name="Alex Rivera")
    assert transcript.source.channels == "split" and transcript.metrics.rep_speaker == "speaker_1"
    assert any(w.startswith("speaker_2 introduced themselves as Alex, but the rep is taken to be speaker_1")
               for w in transcript.warnings), transcript.warnings
    named = transcribe_audio(tmp_path / "wired.wav", settings, rep_name="Alex Rivera", rep_speaker="speaker_2")
    assert not [w for w in named.warnings if "introduced themselves" in w]
