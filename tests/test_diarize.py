"""The built-in mono diarizer: the numpy voice encoder, speakers on real and synthetic audio,
honesty about one voice, and clustering that stays flat in memory for long calls."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

from review import diarize, voice_encoder
from testkit.dialogue import Dialogue

AUDIO = DATA / "audio"
REFERENCE = DATA / "voice_encoder_reference.npz"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def load_der():
    """benchmarks/der.py (the DER scorer lives outside the runtime package)."""
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "der.py"
    spec = importlib.util.spec_from_file_location("der", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


der = load_der()


def decode(path: Path) -> np.ndarray:
    from faster_whisper.audio import decode_audio

    return decode_audio(str(path))


def test_numpy_encoder_matches_torch_embeddings():
    """Embeddings torch's nn.LSTM gave with Resemblyzer's weights (tools/extract_voice_encoder.py)."""
    ref = np.load(REFERENCE)
    ours = voice_encoder.embed_partials(
        np.concatenate(list(ref["mels"])), np.arange(len(ref["mels"])) * voice_encoder.PARTIAL_FRAMES)
    cosines = (ours * ref["embeddings"]).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines
    # different partials really are different vectors (the check above is not trivially true)
    assert (ref["embeddings"][0] @ ref["embeddings"][1]) < 0.99


def test_mel_front_end_matches_librosa():
    ref = np.load(REFERENCE)
    assert np.abs(voice_encoder.mel_filters() - ref["librosa_filters"]).max() < 1e-6
    audio = voice_encoder.normalise_volume(decode(AUDIO / "two_speakers_mono.wav"))
    ours = voice_encoder.mel_frames(audio[:16000])
    assert ours.shape == ref["librosa_frames"].shape
    assert np.abs(ours - ref["librosa_frames"]).max() <= 1e-5 * ref["librosa_frames"].max()
    # and the stored partials are this front end's frames of the same audio
    mels = voice_encoder.mel_frames(audio)
    for start, partial in zip(ref["starts"], ref["mels"], strict=True):
        assert np.allclose(mels[start : start + 160], partial, rtol=1e-4, atol=1e-6)


def test_real_two_person_sample_within_target_der():
    found = diarize.diarize(decode(AUDIO / "two_speakers_mono.wav"))
    reference = der.read_rttm(str(AUDIO / "two_speakers_mono.rttm"))
    error = der.diarization_error_rate(reference, found.turns)
    print(f"two_speakers_mono.wav: DER {error:.1%}, separation {found.separation}")
    assert found.one_voice is None and found.speakers == ["speaker_1", "speaker_2"]
    assert error <= 0.08
    assert set(found.voices) == {"speaker_1", "speaker_2"}
    assert all(abs(np.linalg.norm(v) - 1) < 1e-5 for v in found.voices.values())


def test_real_single_voice_keeps_one_speaker():
    found = diarize.diarize(decode(AUDIO / "jfk.flac"))
    assert found.speakers == ["speaker_1"] and found.one_voice
    # one person of the real sample alone (their turns joined): still one voice
    real = decode(AUDIO / "two_speakers_mono.wav")
    turns = [t for t in der.read_rttm(str(AUDIO / "two_speakers_mono.rttm")) if t.speaker == "speaker91"]
    alone = np.concatenate([real[int(t.start * 16000) : int(t.end * 16000)] for t in turns])
    found = diarize.diarize(alone)
    assert found.speakers == ["speaker_1"], found.separation


def test_speaker_count_setting_one_skips_clustering():
    found = diarize.diarize(decode(AUDIO / "two_speakers_mono.wav"), n_speakers=1)
    assert found.speakers == ["speaker_1"] and found.one_voice is None


def _script(n: int) -> Dialogue:
    """The first n turns of a scripted call (varied sentences: repeated ones would be identical audio)."""
    from testkit.dialogue import load_dialogue

    dialogue = load_dialogue(DATA / "calls" / "hr_onboarding_weak.yaml")
    return Dialogue(id="short", turns=dialogue.turns[:n])


@needs_espeak
def test_synthetic_single_voice_keeps_one_speaker(tmp_path, monkeypatch):
    from testkit import synth

    monkeypatch.setitem(synth.VOICES, "customer", synth.VOICES["rep"])  # one voice for both roles
    synth.render_dialogue(_script(8), tmp_path / "one.wav", layout="mono")
    found = diarize.diarize(decode(tmp_path / "one.wav"))
    assert found.speakers == ["speaker_1"], found.separation
    assert "one voice" in found.one_voice


@needs_espeak
def test_synthetic_two_voices_found(tmp_path):
    from testkit.synth import render_dialogue

    timeline = render_dialogue(_script(8), tmp_path / "two.wav", layout="mono")
    found = diarize.diarize(decode(tmp_path / "two.wav"))
    reference = [diarize.SpeakerTurn(s, e, role) for s, e, role in timeline]
    error = der.diarization_error_rate(reference, found.turns)
    print(f"synthetic two voices: DER {error:.1%}, separation {found.separation}")
    assert found.speakers == ["speaker_1", "speaker_2"] and error <= 0.10


def test_long_calls_cluster_a_sample_and_assign_the_rest(monkeypatch):
    """Past MAX_CLUSTERED windows only a sample is clustered (no n x n matrix); all get labels."""
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(2, 256))
    points = np.concatenate([c + rng.normal(scale=0.6, size=(2500, 256)) for c in centres])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    seen = []
    real = diarize.spectral_labels
    monkeypatch.setattr(diarize, "spectral_labels", lambda e, k, *a: seen.append(len(e)) or real(e, k, *a))
    labels = diarize.cluster(points.astype(np.float32), 2)
    assert seen and set(seen) == {diarize.MAX_CLUSTERED}
    first, second = labels[:2500], labels[2500:]
    assert (first == first[0]).mean() > 0.99 and (second == second[0]).mean() > 0.99 and first[0] != second[0]


def test_words_go_to_the_speaker_they_overlap_most():
    turns = [diarize.SpeakerTurn(0, 2, "speaker_1"), diarize.SpeakerTurn(2, 4, "speaker_2")]
    assert diarize.speaker_at(turns, 1.5, 2.2) == "speaker_1"
    assert diarize.speaker_at(turns, 1.9, 2.6) == "speaker_2"
    assert diarize.speaker_at(turns, 4.5, 4.5) == "speaker_2"  # in a gap: the nearest turn
    assert diarize.speaker_at([], 0, 1) is None


def test_der_scoring():
    ref = [diarize.SpeakerTurn(0, 10, "a"), diarize.SpeakerTurn(10, 20, "b")]
    assert der.diarization_error_rate(ref, ref) == 0.0
    renamed = [diarize.SpeakerTurn(0, 10, "x"), diarize.SpeakerTurn(10, 20, "y")]
    assert der.diarization_error_rate(ref, renamed) == 0.0
    # One speaker for everything: half the scored speech is confused.
    one = [diarize.SpeakerTurn(0, 20, "x")]
    assert der.diarization_error_rate(ref, one) == pytest.approx(0.5, abs=0.02)
    # A boundary 0.2 s off is inside the 0.25 s collar; 1 s off is not.
    assert der.diarization_error_rate(ref, [diarize.SpeakerTurn(0, 10.2, "x"), diarize.SpeakerTurn(10.2, 20, "y")]) == 0.0
    shifted = [diarize.SpeakerTurn(0, 11, "x"), diarize.SpeakerTurn(11, 20, "y")]
    assert der.diarization_error_rate(ref, shifted) == pytest.approx(0.75 / 19.5, abs=0.01)
    assert der.diarization_error_rate(ref, []) == pytest.approx(1.0)
