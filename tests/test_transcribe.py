"""Transcription with the embedded tiny.en model on real speech, and the pure parts around it."""

from __future__ import annotations

import json
import wave
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from review.cli import main
from review.errors import ConfigError
from review.transcribe import (
    MONO_WARNING,
    load_model,
    resolve_model,
    transcribe_audio,
    transcribe_samples,
    transcript_from_file,
    words_to_turns,
)
from review.types import Word
from testkit.wer import word_error_rate

AUDIO = Path(__file__).resolve().parent / "data" / "audio"
JFK = AUDIO / "jfk.flac"
JFK_TEXT = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
LEFT_TEXT = "He began a confused complaint against the wizard, who had vanished behind the curtain on the left."
RIGHT_TEXT = "The horizon seems extremely distant."



def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(channels)
        fh.setsampwidth(2)
        fh.setframerate(rate)
        fh.writeframes(pcm.tobytes())
    return path


def test_word_error_rate_counts_edits():
    assert word_error_rate("ask not what", "Ask not, what!") == 0.0
    assert word_error_rate("a b c d", "a x c") == 0.5
    assert word_error_rate("a b", "a b c d") == 1.0


def test_jfk_transcribed_within_ten_percent_wer(settings):
    transcript = transcribe_audio(JFK, settings)
    text = " ".join(s.text for s in transcript.segments)
    assert word_error_rate(JFK_TEXT, text) <= 0.10, text
    # jfk.flac is stereo with the same signal on both channels: one channel, one honest speaker.
    assert transcript.source.channels == "mono"
    assert {s.speaker for s in transcript.segments} == {"unknown"}
    assert MONO_WARNING in transcript.warnings
    assert [s.id for s in transcript.segments] == list(range(len(transcript.segments)))
    assert transcript.source.format == "audio"
    assert transcript.source.model == "embedded:base"  # 'embedded' is the model chosen by measurement
    assert transcript.source.options["word_timestamps"] is True
    assert transcript.source.options["vad_filter"] is True
    assert transcript.source.options["condition_on_previous_text"] is False
    assert len(transcript.audio_sha256) == 64
    assert 10.5 < transcript.duration < 11.5
    assert transcript.language == "en"


def test_stereo_channels_are_exact_speakers(settings):
    transcript = transcribe_audio(AUDIO / "stereo_two_speakers.wav", settings)
    assert transcript.source.channels == "split"
    by_speaker: dict[str, list[str]] = {}
    for seg in transcript.segments:
        by_speaker.setdefault(seg.speaker, []).append(seg.text)
    assert set(by_speaker) == {"speaker_1", "speaker_2"}
    assert word_error_rate(LEFT_TEXT, " ".join(by_speaker["speaker_1"])) <= 0.15
    assert word_error_rate(RIGHT_TEXT, " ".join(by_speaker["speaker_2"])) <= 0.15
    roles = {s.speaker: s.role for s in transcript.segments}
    assert roles == {"speaker_1": "rep", "speaker_2": "customer"}
    # Turns are ordered by word start and no two neighbours share a speaker.
    starts = [s.start for s in transcript.segments]
    assert starts == sorted(starts)
    assert all(a.speaker != b.speaker for a, b in zip(transcript.segments, transcript.segments[1:], strict=False))
    assert set(transcript.metrics.speakers) == {"speaker_1", "speaker_2"}


def test_rep_override_and_unknown_rep(settings):
    transcript = transcribe_audio(AUDIO / "stereo_two_speakers.wav", settings, rep_speaker="speaker_2")
    assert {s.speaker: s.role for s in transcript.segments} == {"speaker_1": "customer", "speaker_2": "rep"}
    with pytest.raises(ConfigError, match="speaker_9"):
        transcribe_audio(AUDIO / "stereo_two_speakers.wav", settings, rep_speaker="speaker_9")


def test_forced_mono_mixes_channels(settings):
    transcript = transcribe_audio(AUDIO / "stereo_two_speakers.wav", settings, channels="mono")
    assert transcript.source.channels == "mono"
    assert {s.speaker for s in transcript.segments} == {"unknown"}


def test_silence_gives_empty_transcript_and_warning(settings, tmp_path):
    silent = write_wav(tmp_path / "silence.wav", np.zeros(16000 * 5, dtype=np.float32))
    transcript = transcribe_audio(silent, settings)
    assert transcript.segments == []
    assert any("no speech found in silence.wav" in w for w in transcript.warnings)


def test_hum_and_noise_invent_no_text(settings, tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(16000 * 6) / 16000
    noisy = write_wav(tmp_path / "hum.wav", 0.1 * np.sin(2 * np.pi * 120 * t) + rng.normal(0, 0.02, t.size))
    assert transcribe_audio(noisy, settings).segments == []


def test_progress_reaches_total(settings):
    calls: list[tuple[float, float]] = []
    transcribe_audio(AUDIO / "stereo_two_speakers.wav", settings, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1][0] == calls[-1][1] == pytest.approx(10.0, abs=0.1)  # 5 s x two channels
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def _fake_segment(text, no_speech_prob=0.1, avg_logprob=-0.3, compression_ratio=1.2, start=0.0):
    words = [SimpleNamespace(start=start + i * 0.3, end=start + i * 0.3 + 0.25, word=" " + w, probability=0.9)
             for i, w in enumerate(text.split())]
    return SimpleNamespace(start=start, end=start + len(words) * 0.3, text=text, no_speech_prob=no_speech_prob,
                           avg_logprob=avg_logprob, compression_ratio=compression_ratio, words=words)


def test_invented_segments_are_dropped():
    fake_segments = [
        _fake_segment("real speech here"),
        _fake_segment("thanks for watching", no_speech_prob=0.9, avg_logprob=-1.4, start=2),
        _fake_segment("the the the the the the", compression_ratio=3.1, start=4),
        _fake_segment("confident though quiet", no_speech_prob=0.9, avg_logprob=-0.2, start=6),
        _fake_segment("[Music]", start=8),  # what Whisper writes over hold music: no one said it
        _fake_segment("(upbeat music) \u266a", start=9),
    ]
    fake_model = SimpleNamespace(transcribe=lambda samples, **opts: (iter(fake_segments), SimpleNamespace(language="en")))
    runs, language, dropped = transcribe_samples(fake_model, np.zeros(16000 * 10, np.float32), {})
    assert [" ".join(w.word.strip() for w in run) for run in runs] == ["real speech here", "confident though quiet"]
    assert dropped == 4 and language == "en"


def test_words_merge_into_turns_by_word_time_not_segment():
    def w(start, text):
        return Word(start=start, end=start + 0.2, word=" " + text)

    labelled = [("speaker_1", w(0.0, "so")), ("speaker_1", w(0.3, "what")), ("speaker_1", w(2.0, "okay")),
                ("speaker_2", w(1.0, "well")), ("speaker_2", w(1.3, "yes")), ("speaker_1", w(0.6, "happened"))]
    turns = words_to_turns(labelled)
    assert [(t.speaker, t.text) for t in turns] == [
        ("speaker_1", "so what happened"), ("speaker_2", "well yes"), ("speaker_1", "okay")]
    assert turns[1].start == 1.0 and turns[1].end == pytest.approx(1.5)


def test_unknown_model_name_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not available offline"):
        resolve_model("large-v3")
    with pytest.raises(ConfigError, match="not found"):
        resolve_model(str(tmp_path / "missing-model"))
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(ConfigError, match="no model.bin"):
        resolve_model(str(tmp_path / "empty-model"))


def test_model_is_loaded_once_per_configuration():
    path, label = resolve_model("embedded-tiny.en")
    assert label == "embedded:tiny.en"
    assert load_model(path, "cpu", "int8", 0) is load_model(path, "cpu", "int8", 0)


def test_cli_model_flag_error_is_one_line(capsys, settings, tmp_path):
    out = tmp_path / "t.json"
    assert main(["transcribe", str(JFK), "--model", "medium.en", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "medium.en" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_prints_transcript_and_writes_json(capsys, settings, tmp_path):
    out = tmp_path / "t.json"
    assert main(["transcribe", str(AUDIO / "stereo_two_speakers.wav"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "speaker_1" in printed and "horizon" in printed.lower()
    saved = json.loads(out.read_text())
    assert saved["source"]["channels"] == "split"
    assert {s["speaker"] for s in saved["segments"]} == {"speaker_1", "speaker_2"}
    assert list(tmp_path.iterdir()) == [out]  # no temp file left beside it


def test_transcript_files_are_read_not_transcribed(settings, tmp_path):
    text_file = tmp_path / "call.txt"
    text_file.write_text("Alex: Thanks for joining, what should we cover?\nJordan: Pricing, please.\n")
    transcript = transcript_from_file(text_file, settings)
    assert transcript.source.format != "audio"
    assert [s.speaker for s in transcript.segments] == ["Alex", "Jordan"]


def test_progress_bar_draws_one_line():
    import io

    from review.commands.transcribe import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, "call.wav")
    bar(30.0, 120.0)
    bar(120.0, 120.0)
    bar.close()
    drawn = stream.getvalue()
    assert "call.wav [" in drawn and " 25%" in drawn and "100%" in drawn and "02:00/02:00" in drawn  # review.timefmt.clock
    assert drawn.endswith("\n") and drawn.count("\n") == 1


def test_decoding_options_follow_settings(settings):
    from dataclasses import replace

    from review.transcribe import decoding_options

    options = decoding_options(replace(settings, hotwords=" Routewise, Northfield ,, ", whisper_language="auto",
                                       whisper_beam_size=2))
    assert options["hotwords"] == "Routewise, Northfield"
    assert options["language"] is None and options["beam_size"] == 2
    assert decoding_options(settings)["hotwords"] is None


def test_cli_reads_transcript_files(capsys, settings, tmp_path):
    text_file = tmp_path / "call.txt"
    text_file.write_text("Alex: What should we cover today?\nJordan: Pricing, please.\n")
    assert main(["transcribe", str(text_file), "--rep", "Alex"]) == 0
    printed = capsys.readouterr().out
    assert "Alex" in printed and "Pricing" in printed
