"""Speak a scripted `Dialogue` into a call recording with espeak-ng: the script is the reference.

Each turn is rendered with the voice of its role (rep and customer sound clearly different), the
turns are laid end to end with short, varied gaps, and the result is written as a 16-bit WAV
(stereo: rep left, customer right, like a two-channel call recorder; mono: both summed) or, for
other extensions, encoded with PyAV. The actual start and end of every turn are returned, so tests
can score speaker attribution against where each turn really is in the audio.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Literal

import numpy as np

from review.errors import ConfigError, InputError
from testkit.dialogue import Dialogue

VOICES = {"rep": "en-us+m3", "customer": "en-gb+f2"}
WORDS_PER_MINUTE = 160
_GAP_RANGE_S = (0.4, 0.9)
_LEAD_IN_S = 0.5


def _espeak(text: str, voice: str, sample_rate: int) -> np.ndarray:
    """One utterance as float32 samples at `sample_rate`."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ConfigError("espeak-ng is not installed; install espeak-ng: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "turn.wav")
        result = subprocess.run(
            [exe, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", out, "--", text],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not os.path.exists(out):
            message = (result.stderr or "no output").strip().splitlines()[0]
            raise ConfigError(f"espeak-ng failed for voice {voice} ({message}); check the espeak-ng install")
        with wave.open(out, "rb") as fh:
            rate = fh.getframerate()
            raw = np.frombuffer(fh.readframes(fh.getnframes()), dtype=np.int16)
    samples = raw.astype(np.float32) / 32768.0
    if rate != sample_rate:
        # espeak-ng speaks at 22.05 kHz; linear interpolation is plenty for synthetic speech.
        n_out = int(round(len(samples) * sample_rate / rate))
        samples = np.interp(np.arange(n_out) * rate / sample_rate, np.arange(len(samples)), samples)
    return _trim(samples.astype(np.float32))


def _trim(samples: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Cut espeak-ng's leading and trailing silence so turn times are where the speech is."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return samples
    return samples[loud[0] : loud[-1] + 1]


def _write_wav(path: Path, channels: list[np.ndarray], sample_rate: int) -> None:
    interleaved = np.stack(channels, axis=1) if len(channels) > 1 else channels[0][:, None]
    pcm = (np.clip(interleaved, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(len(channels))
        fh.setsampwidth(2)
        fh.setframerate(sample_rate)
        fh.writeframes(pcm.tobytes())


CODECS = {".flac": "flac", ".ogg": "libopus", ".opus": "libopus", ".mp3": "mp3", ".m4a": "aac",
          ".webm": "libopus", ".mp4": "aac", ".wav": "pcm_s16le", ".amr": "libopencore_amrnb",
          ".3gp": "libopencore_amrnb"}


def encode_audio(src: Path, out_path: Path, codec: str | None = None, rate: int | None = None) -> Path:
    """Re-encode `src` into the container of `out_path`'s extension, with PyAV.

    codec: the audio codec (default: the usual one for the extension, see CODECS).
    rate: output sample rate (default: the input's; 48 kHz for Opus, which allows no other; AMR-NB,
        the codec of phone call recorders, is always 8 kHz mono at 12.2 kbit/s).
    """
    from review.audio import transcode

    codec = codec or CODECS.get(Path(out_path).suffix.lower())
    if codec is None:
        raise InputError(f"{out_path}: cannot write this kind of audio; use {', '.join(sorted(CODECS))}")
    if codec == "libopencore_amrnb":
        return transcode(src, out_path, codec, rate=8000, layout="mono", bit_rate=12200)
    return transcode(src, out_path, codec, rate=rate or (48000 if codec == "libopus" else None))


def render_dialogue(
    dialogue: Dialogue,
    out_path: str | os.PathLike,
    layout: str = "stereo",
    sample_rate: int = 16000,
    seed: int = 7,
) -> list[tuple[float, float, Literal["rep", "customer"]]]:
    """Speak a dialogue into an audio file, one voice per role.

    Args:
        dialogue: the scripted call.
        out_path: .wav (written directly) or .flac/.ogg/.opus/.mp3/.m4a (encoded with PyAV).
        layout: "stereo" (rep on the left channel, customer on the right) or "mono" (summed).
        sample_rate: sample rate of the rendered audio.
        seed: seed of the gap lengths between turns, so a render is reproducible.

    Returns:
        (start, end, role) of each turn in the rendered audio, in seconds.
    """
    if layout not in ("stereo", "mono"):
        raise InputError(f"layout {layout!r} is not 'stereo' or 'mono'")
    out = Path(out_path)
    rng = random.Random(seed)
    clips = [(turn.speaker, _espeak(turn.text, VOICES[turn.speaker], sample_rate)) for turn in dialogue.turns]
    timeline: list[tuple[float, float, Literal["rep", "customer"]]] = []
    t = _LEAD_IN_S
    for role, clip in clips:
        timeline.append((round(t, 3), round(t + len(clip) / sample_rate, 3), role))
        t += len(clip) / sample_rate + rng.uniform(*_GAP_RANGE_S)
    n = int((t + _LEAD_IN_S) * sample_rate)
    tracks = {"rep": np.zeros(n, np.float32), "customer": np.zeros(n, np.float32)}
    for (start, _end, role), (_, clip) in zip(timeline, clips, strict=True):
        first = int(round(start * sample_rate))
        tracks[role][first : first + len(clip)] += clip
    channels = [tracks["rep"], tracks["customer"]]
    if layout == "mono":
        channels = [tracks["rep"] + tracks["customer"]]
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        wav = Path(tmp) / "render.wav"
        _write_wav(wav, channels, sample_rate)
        if out.suffix.lower() == ".wav":
            os.replace(wav, out)
        else:
            encoded = Path(tmp) / f"render{out.suffix.lower()}"
            encode_audio(wav, encoded)
            os.replace(encoded, out)
    return timeline
