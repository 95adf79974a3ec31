"""Every recording format a call recorder produces decodes, and every bad file fails cleanly."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from test_transcribe import AUDIO, JFK, JFK_TEXT, word_error_rate, write_wav

from review import audio
from review.cli import main
from review.errors import InputError
from review.transcribe import transcribe_audio


def convert(src: Path, dst: Path, codec: str, rate: int | None = None) -> Path:
    """Re-encode `src` into `dst` (container from the extension) with the project's own encoder."""
    from testkit.synth import encode_audio

    return encode_audio(src, dst, codec, rate)


@pytest.mark.parametrize(
    "name,codec,rate",
    [
        ("call.mp3", "mp3", None),
        ("call.m4a", "aac", None),
        ("call.ogg", "libopus", None),
        ("call.opus", "libopus", None),
        ("call.webm", "libopus", None),
        ("call.mp4", "aac", None),
        ("telephone_8k.wav", "pcm_s16le", 8000),
        # Android call recorders: AMR-NB (8 kHz, 12.2 kbit/s), raw or in a 3GP container
        ("call.amr", None, None),
        ("call.3gp", None, None),
    ],
)
def test_recording_formats_transcribe(settings, tmp_path, name, codec, rate):
    recording = convert(JFK, tmp_path / name, codec, rate)
    transcript = transcribe_audio(recording, settings)
    text = " ".join(s.text for s in transcript.segments)
    # 8 kHz telephone audio loses the top half of the spectrum; tiny.en still gets nearly all of it.
    assert word_error_rate(JFK_TEXT, text) <= 0.2, f"{name}: {text}"
    assert transcript.source.file == name
    assert 10.5 < transcript.duration < 11.5


def test_stereo_detection(tmp_path):
    t = np.arange(16000 * 2) / 16000
    tone = 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    other = 0.3 * np.sin(2 * np.pi * 300 * t).astype(np.float32)
    same = write_wav(tmp_path / "same.wav", np.stack([tone, tone], axis=1))
    near_same = write_wav(tmp_path / "near.wav", np.stack([tone, tone * 0.98], axis=1))
    different = write_wav(tmp_path / "diff.wav", np.stack([tone, other], axis=1))
    mono = write_wav(tmp_path / "mono.wav", tone)

    assert audio.decode(same).split is False and audio.decode(same).channels_identical
    assert audio.decode(near_same).split is False
    decoded = audio.decode(different)
    assert decoded.split and len(decoded.channels) == 2 and decoded.file_channels == 2
    assert audio.decode(different, channels="mono").split is False
    assert audio.decode(same, channels="split").split is True
    assert audio.decode(mono, channels="split").split is False
    assert len(audio.decode(mono).sha256) == 64


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    """Files a user might give by mistake, each named for what is wrong with it."""
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    pdf = tmp_path / "contract.wav"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 20)
    text = tmp_path / "notes.mp3"
    text.write_text("Call notes: customer wants pricing by Friday.\n" * 20)
    garbage = tmp_path / "garbage.m4a"
    garbage.write_bytes(np.random.default_rng(1).bytes(20000))
    wav = AUDIO / "stereo_two_speakers.wav"
    truncated_wav = tmp_path / "cut.wav"
    truncated_wav.write_bytes(wav.read_bytes()[:100_000])
    truncated_flac = tmp_path / "cut.flac"
    truncated_flac.write_bytes(JFK.read_bytes()[:500_000])
    header_only = tmp_path / "header_only.flac"
    header_only.write_bytes(JFK.read_bytes()[:300])
    folder = tmp_path / "a_folder"
    folder.mkdir()
    return {
        "missing": tmp_path / "no_such_call.wav",
        "empty": empty,
        "pdf renamed .wav": pdf,
        "text renamed .mp3": text,
        "random bytes": garbage,
        "truncated wav": truncated_wav,
        "truncated flac": truncated_flac,
        "flac header only": header_only,
        "a folder": folder,
    }


@pytest.mark.parametrize(
    "kind",
    ["missing", "empty", "pdf renamed .wav", "text renamed .mp3", "random bytes", "truncated wav",
     "truncated flac", "flac header only", "a folder"],
)
def test_bad_input_is_one_clear_line_and_writes_nothing(capsys, settings, tmp_path, kind):
    bad = _bad_inputs(tmp_path)[kind]
    out = tmp_path / "out" / "transcript.json"
    out.parent.mkdir()
    code = main(["transcribe", str(bad), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert str(bad) in lines[0] and lines[0].startswith("callreview: error: ")
    assert "Traceback" not in captured.err and captured.out == ""
    assert list(out.parent.iterdir()) == []


def test_over_size_limit(capsys, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREVIEW_MAX_UPLOAD_MB", "1")  # jfk.flac is 1.1 MB
    recording = tmp_path / "long_call.flac"
    shutil.copy(JFK, recording)
    out = tmp_path / "t.json"
    assert main(["transcribe", str(recording), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "long_call.flac" in err and "1 MB limit" in err
    assert "CALLREVIEW_MAX_UPLOAD_MB" in err
    assert not out.exists()


def test_video_without_audio_track(tmp_path):
    import av

    video = tmp_path / "screen.mp4"
    with av.open(str(video), "w") as out:
        stream = out.add_stream("mpeg4", rate=5)
        stream.width, stream.height = 64, 48
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(InputError, match="has no audio track"):
        audio.decode(video)


# --------------------------------------------------------------------------- playing in a browser


def test_a_phone_recording_plays_from_an_mp3_copy_beside_it(tmp_path):
    recording = convert(JFK, tmp_path / "abc.amr", None)
    original = recording.read_bytes()
    copy = audio.playable(recording)
    assert copy == tmp_path / "abc.play.mp3" == audio.playable_copy(recording)
    assert copy.read_bytes()[:3] == b"ID3" or copy.read_bytes()[0] == 0xFF  # an MP3 stream
    assert 10.5 < audio.decode(copy).duration < 11.5  # the whole call, the same length
    assert recording.read_bytes() == original  # the upload itself is never touched
    made = copy.stat().st_mtime_ns
    assert audio.playable(recording) == copy and copy.stat().st_mtime_ns == made  # made once


def test_formats_a_browser_plays_are_played_as_they_are(tmp_path):
    for name in ("call.mp3", "call.ogg"):
        recording = convert(JFK, tmp_path / name, None)
        assert audio.playable(recording) == recording
    assert not list(tmp_path.glob("*.play.mp3"))
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio")
    assert audio.playable(notes) is None and audio.playable(tmp_path / "gone.amr") is None


def test_no_playable_copy_of_a_corrupt_recording_or_where_it_cannot_be_written(tmp_path):
    corrupt = tmp_path / "corrupt.wma"
    corrupt.write_bytes(np.random.default_rng(3).bytes(20000))
    assert audio.playable(corrupt) is None
    assert not [p for p in tmp_path.iterdir() if p.name != "corrupt.wma"]  # no half copy left behind
    recording = convert(JFK, tmp_path / "call.amr", None)
    audio.playable_copy(recording).mkdir()  # the copy cannot be written (as in a read-only folder, also as root)
    assert audio.playable(recording) is None
    assert recording.is_file()
