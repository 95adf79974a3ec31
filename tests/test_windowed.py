"""Long recordings: 16-bit decoding a slice at a time (review.audio.Pcm16) and windowed
transcription (review.windowed) give the words and times of the whole-file path."""

from __future__ import annotations

import difflib
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from review import audio, windowed
from review.transcribe import (
    decoding_options,
    load_model,
    resolve_model,
    transcribe_audio,
    transcribe_samples,
)
from review.whisper_models import models_folder
from testkit.wer import word_error_rate

AUDIO = Path(__file__).resolve().parent / "data" / "audio"
REAL = AUDIO / "two_speakers_mono.wav"  # 30 s, a real two-person conversation


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9']", "", word.lower())


def _pairs(a: list, b: list) -> list[tuple]:
    """Words of `a` and `b` that the alignment of their normalised text matches one to one."""
    matcher = difflib.SequenceMatcher(a=[_norm(w.word) for w in a], b=[_norm(w.word) for w in b], autojunk=False)
    return [(a[m.a + i], b[m.b + i]) for m in matcher.get_matching_blocks() for i in range(m.size)]


def test_cut_points_fall_in_the_pause_before_the_nominal_cut():
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(16000 * 25) * 0.1).astype(np.float32)
    samples[16000 * 8 : 16000 * 8 + 8000] = 0.0  # a half-second pause at 8.0-8.5 s
    cuts = windowed.cut_points(samples, window_s=10.0, search_s=4.0)
    assert cuts[0] == 0 and cuts[-1] == len(samples)
    assert 16000 * 8 <= cuts[1] <= 16000 * 8 + 8000
    assert all(b - a <= 16000 * 10 for a, b in zip(cuts[:-1], cuts[1:], strict=True))
    assert cuts == sorted(set(cuts))
    assert windowed.cut_points(samples, window_s=30.0) == [0, len(samples)]
    assert windowed.cut_points(samples, window_s=0) == [0, len(samples)]


def test_pcm16_reads_as_the_whole_file_decoder(monkeypatch, tmp_path):
    from faster_whisper.audio import decode_audio

    whole = decode_audio(str(REAL))
    monkeypatch.setattr(audio, "STREAM_OVER_S", 2.0)
    decoded = audio.decode(REAL, channels="mono")
    (samples,) = decoded.channels
    assert isinstance(samples, audio.Pcm16) and samples.pcm.dtype == np.int16
    assert len(samples) == len(whole) and decoded.duration == pytest.approx(30.0, abs=0.01)
    assert np.array_equal(samples[16000:48000], whole[16000:48000])
    # a stereo file whose channels are the same is mixed to one 16-bit channel
    same = audio.decode(AUDIO / "jfk.flac")
    assert same.channels_identical and not same.split and isinstance(same.channels[0], audio.Pcm16)
    split = audio.decode(AUDIO / "stereo_two_speakers.wav")
    assert split.split and all(isinstance(c, audio.Pcm16) for c in split.channels)
    left, right = decode_audio(str(AUDIO / "stereo_two_speakers.wav"), split_stereo=True)
    assert np.array_equal(split.channels[0][0:len(left)], left) and np.array_equal(split.channels[1][0:len(right)], right)


@pytest.fixture(scope="module")
def real_words(tmp_path_factory):
    """(whole-file words, windowed words, cuts) of the real sample, Whisper tiny.en, 8 s windows."""
    from review.settings import load_settings

    folder = tmp_path_factory.mktemp("models")
    settings = load_settings(models_dir=str(folder), whisper_model="embedded-tiny.en")
    path, _ = resolve_model(settings.whisper_model, models_folder(settings))
    model = load_model(path, "cpu", "int8", 0)
    options = decoding_options(settings, multilingual=False)
    from faster_whisper.audio import decode_audio

    samples = decode_audio(str(REAL))
    whole, _, _ = transcribe_samples(model, samples, options, window_s=0)
    pieces, language, _ = transcribe_samples(model, samples, options, window_s=8.0)
    cuts = windowed.cut_points(samples, 8.0)
    return [w for run in whole for w in run], [w for run in pieces for w in run], cuts, language


def test_windowed_transcription_keeps_the_words_and_their_times(real_words):
    whole, pieces, cuts, language = real_words
    assert len(cuts) >= 4 and language == "en"  # 30 s in about 8 s windows
    text_whole = " ".join(w.word for w in whole)
    text_pieces = " ".join(w.word for w in pieces)
    assert word_error_rate(text_whole, text_pieces) <= 0.15, (text_whole, text_pieces)
    starts = [w.start for w in pieces]
    assert starts == sorted(starts) and all(w.end >= w.start for w in pieces)
    assert pieces[-1].end > 20.0  # times are in the call, not in the window
    pairs = _pairs(whole, pieces)
    assert len(pairs) >= 0.85 * len(whole)
    offsets = [abs(a.start - b.start) for a, b in pairs]
    assert float(np.median(offsets)) <= 0.15 and max(offsets) <= 1.0, offsets


def test_a_word_at_a_window_boundary_is_neither_lost_nor_duplicated(real_words):
    """Around each cut, by time, not by spelling: tiny.en's int8 kernels differ between CPUs, so a
    window may hear "Neither did I" as "I need the design" on one machine and not on another."""
    whole, pieces, cuts, _ = real_words
    for cut in (c / 16000 for c in cuts[1:-1]):
        near_whole = [w for w in whole if abs(w.start - cut) <= 2.0]
        near_pieces = [w for w in pieces if abs(w.start - cut) <= 2.0]
        # lost: every word the whole file heard near the cut has a windowed word close to it in time
        lost = [w.word for w in near_whole if not any(abs(p.start - w.start) <= 0.6 for p in pieces)]
        assert not lost, (cut, lost)
        # duplicated: the windows do not hear the cut's stretch twice (more words than the whole file
        # heard, beyond recognition noise), and at most one word is said twice in a row at the cut
        assert len(near_pieces) <= len(near_whole) + max(2, 0.2 * len(near_whole)), (cut, near_whole, near_pieces)
        repeats = sum(_norm(a.word) == _norm(b.word) for a, b in pairwise(near_pieces))
        repeats_whole = sum(_norm(a.word) == _norm(b.word) for a, b in pairwise(near_whole))
        assert repeats - repeats_whole <= 1, (cut, [w.word for w in near_pieces])


def test_a_long_mono_call_takes_the_16_bit_windowed_path_end_to_end(monkeypatch, settings, tmp_path):
    """Decoding, windowed transcription and diarization of a mono call over the short-file limit."""
    import dataclasses

    settings = dataclasses.replace(settings, whisper_model="embedded-tiny.en")
    short = transcribe_audio(REAL, settings)
    monkeypatch.setattr(audio, "STREAM_OVER_S", 10.0)
    monkeypatch.setattr(windowed, "WINDOW_S", 10.0)
    seen = []
    real_decode = audio.decode
    monkeypatch.setattr(audio, "decode", lambda *a, **k: seen.append(real_decode(*a, **k)) or seen[-1])
    long = transcribe_audio(REAL, settings)
    assert isinstance(seen[0].channels[0], audio.Pcm16)
    words = [w for s in long.segments for w in s.words]
    assert word_error_rate(" ".join(s.text for s in short.segments), " ".join(s.text for s in long.segments)) <= 0.15
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert {s.speaker for s in long.segments} == {s.speaker for s in short.segments}
    assert long.duration == short.duration and long.metrics.speakers.keys() == short.metrics.speakers.keys()


@pytest.mark.slow
def test_a_synthetic_call_in_45_second_windows_keeps_its_words_and_times(settings, tmp_path):
    """A 2-3 minute synthetic two-voice call (testkit.synth) through the default model: windowed
    and whole-file words against the script, and their times against each other."""
    from faster_whisper.audio import decode_audio

    from testkit import synth
    from testkit.dialogue import load_dialogue

    calls = sorted((Path(__file__).resolve().parent / "data" / "calls").glob("*.yaml"))
    path = tmp_path / "call.wav"
    dialogue = load_dialogue(calls[0])
    synth.render_dialogue(dialogue, path, layout="mono")
    script = " ".join(turn.text for turn in dialogue.turns)
    samples = decode_audio(str(path))
    model_path, _ = resolve_model(settings.whisper_model, models_folder(settings))
    model = load_model(model_path, "cpu", "int8", 0)
    options = decoding_options(settings)
    whole = [w for run in transcribe_samples(model, samples, options, window_s=0)[0] for w in run]
    pieces = [w for run in transcribe_samples(model, samples, options, window_s=45.0)[0] for w in run]
    assert len(windowed.cut_points(samples, 45.0)) >= 4
    # Whisper reads synthetic voices unsteadily (windowed vs whole differ by ~8 % of words, e.g.
    # "Sending it out" / "Ending it now"), so each is held to the script: windowing costs little.
    assert word_error_rate(script, " ".join(w.word for w in pieces)) <= word_error_rate(
        script, " ".join(w.word for w in whole)) + 0.03
    pairs = _pairs(whole, pieces)
    assert len(pairs) >= 0.85 * len(whole)
    assert float(np.median([abs(a.start - b.start) for a, b in pairs])) <= 0.1
    assert [w.start for w in pieces] == sorted(w.start for w in pieces)


class _WindowModel:
    """A fake WhisperModel: each call (a window) hears the words given for it, times in the window."""

    def __init__(self, windows):
        self.windows = list(windows)

    def transcribe(self, samples, **options):
        from types import SimpleNamespace

        words = [SimpleNamespace(word=w, start=s, end=s + 0.4, probability=0.9) for w, s in self.windows.pop(0)]
        segment = SimpleNamespace(no_speech_prob=0.0, avg_logprob=-0.2, compression_ratio=1.2,
                                  text="".join(w.word for w in words), words=words, end=words[-1].end if words else 0.0)
        return [segment], SimpleNamespace(language="en")


def test_a_word_heard_again_at_the_start_of_the_next_window_is_kept_once():
    samples = np.zeros(16000 * 15, dtype=np.float32)
    cuts = windowed.cut_points(samples, 8.0)
    assert len(cuts) == 3
    model = _WindowModel([[(" Hello.", 6.4)], [(" Hello.", 0.0), (" Oh,", 1.0), (" hello.", 1.5)]])
    runs, _, _ = transcribe_samples(model, samples, {}, window_s=8.0)
    assert [w.word for run in runs for w in run] == [" Hello.", " Oh,", " hello."]
    # a word said again after a real pause, or a different word at the window start, stays
    for second in ([(" Hello.", 1.2), (" Oh.", 2.0)], [(" Yes.", 0.0), (" Oh.", 1.0)]):
        model = _WindowModel([[(" Hello.", 6.4)], second])
        runs, _, _ = transcribe_samples(model, samples, {}, window_s=8.0)
        assert len([w for run in runs for w in run]) == 3
