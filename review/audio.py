"""Decode a recording into 16 kHz float samples, one array per speaker channel.

PyAV (bundled FFmpeg libraries, through `faster_whisper.audio.decode_audio`) reads wav, mp3, m4a,
ogg/opus, webm, mp4, flac, aac, wma and the AMR phone recordings (.amr, .3gp) of Android call
recorders, at any sample rate, so no system ffmpeg is needed. A browser plays only some of them:
`playable` makes a kept MP3 copy of the others for the app's player. Every way a file can
be unusable (missing, empty, too large, not audio, cut short) becomes one `InputError` line that
names the file and says what to do, before any model is loaded.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError, NotAudioError
from .hashing import sha256_file

SAMPLE_RATE = 16000
CHANNEL_MODES = ("auto", "mono", "split")
# Recording types callreview accepts (PyAV decodes them; anything else may still work but is not offered).
AUDIO_EXTENSIONS = (".wav", ".mp3", ".m4a", ".ogg", ".opus", ".webm", ".mp4", ".flac", ".aac", ".wma",
                    ".amr", ".3gp")
# Those a browser's audio element plays as they are (Chrome, Firefox, Safari); the others (WMA, AMR,
# 3GP) are played from an MP3 copy beside the kept upload (`playable`).
BROWSER_PLAYABLE = (".wav", ".mp3", ".m4a", ".ogg", ".opus", ".webm", ".mp4", ".flac", ".aac")
PLAYABLE_COPY_SUFFIX = ".play.mp3"

# Two channels whose difference carries less than this share of their energy are one signal
# recorded twice (a mono call saved as stereo); splitting them would duplicate every word.
_SAME_CHANNEL_RATIO = 0.05
# A file that decodes to less than this share of the duration its header declares was cut short.
_TRUNCATED_SHARE = 0.9
# A recording declared longer than this is decoded to 16-bit samples (`Pcm16`, half the memory of
# float32: 230 MB for 2 hours) and handed out a slice at a time; shorter ones decode as before.
STREAM_OVER_S = 600.0
_BLOCK = 600 * SAMPLE_RATE  # samples per block when a long recording is mixed or compared


class Pcm16:
    """16 kHz 16-bit samples of one channel that read as float32 a slice at a time.

    `samples[a:b]` gives float32 in [-1, 1) exactly as `faster_whisper.decode_audio` would, so
    code that slices (the VAD, the voice encoder, windowed transcription) never holds the whole
    call as float32.
    """

    def __init__(self, pcm: np.ndarray):
        self.pcm = pcm

    def __len__(self) -> int:
        return len(self.pcm)

    def __getitem__(self, key: slice) -> np.ndarray:
        return self.pcm[key].astype(np.float32) / 32768.0


Samples = np.ndarray | Pcm16  # one channel of 16 kHz audio: float32 array or 16-bit samples


def as_float(samples: Samples) -> np.ndarray:
    """All of `samples` as one float32 array (for short audio, or a consumer that needs it whole)."""
    return samples[0 : len(samples)] if isinstance(samples, Pcm16) else samples


@dataclass
class DecodedAudio:
    """A decoded recording.

    Attributes:
        path: the file it came from.
        sha256: hex digest of the file's bytes (identifies the recording across renames).
        duration: length in seconds.
        file_channels: channel count stored in the file.
        channels: one 16 kHz channel per speaker: two when split (left, right), else one (the mix);
            float32 arrays, or `Pcm16` for a recording longer than STREAM_OVER_S.
        split: True when `channels` holds left and right separately.
        channels_identical: True when the file has two channels carrying the same signal.
    """

    path: Path
    sha256: str
    duration: float
    file_channels: int
    channels: list[Samples]
    split: bool
    channels_identical: bool = False


def check_input_file(path: str | os.PathLike, max_mb: int) -> Path:
    """Check that `path` is an existing, non-empty file within the size limit.

    Args:
        path: the file the user gave.
        max_mb: largest accepted size in MB (`settings.max_upload_mb`).

    Returns:
        The path as a `Path`.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: file not found; check the path")
    if not p.is_file():
        raise InputError(f"{p}: is not a file; give a recording or transcript file")
    size = p.stat().st_size
    if size == 0:
        from .formats import TRANSCRIPT_EXTENSIONS

        what = "transcript" if p.suffix.lower() in TRANSCRIPT_EXTENSIONS else "recording"
        raise InputError(f"{p}: file is empty (0 bytes); export the {what} again")
    if size > max_mb * 1024 * 1024:
        raise InputError(
            f"{p}: file is {size / 1024 / 1024:.0f} MB, over the {max_mb} MB limit; "
            "compress it (e.g. to mp3 or opus) or raise CALLREVIEW_MAX_UPLOAD_MB"
        )
    return p


def channels_identical(left: Samples, right: Samples) -> bool:
    """True when two channels carry (nearly) the same signal, so splitting would add nothing.

    Args:
        left: left channel samples.
        right: right channel samples, same length.
    """
    sums = np.zeros(3)
    for first in range(0, len(left), _BLOCK):  # a block at a time: no whole-call temporaries
        a, b = left[first : first + _BLOCK], right[first : first + _BLOCK]
        sums += [float(np.square(a, dtype=np.float64).sum()), float(np.square(b, dtype=np.float64).sum()),
                 float(np.square(a - b, dtype=np.float64).sum())]
    n = max(len(left), 1)
    energy = max(float(np.sqrt(sums[0] / n)), float(np.sqrt(sums[1] / n)), 1e-9)
    return float(np.sqrt(sums[2] / n)) / energy < _SAME_CHANNEL_RATIO


def _riff_truncated(p: Path) -> bool:
    """A WAV whose RIFF header declares more bytes than the file holds was cut short.

    FFmpeg derives a WAV's duration from the file size, so the header is the only witness.
    """
    with open(p, "rb") as fh:
        head = fh.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return False
    declared = struct.unpack("<I", head[4:8])[0] + 8
    # 0 and 0xFFFFFFFF are used by streaming writers that never knew the final size.
    return declared not in (8, 0xFFFFFFFF + 8) and p.stat().st_size < declared


_OGG_MAX_PAGE = 27 + 255 + 255 * 255  # header, segment table, body


def _ogg_truncated(p: Path) -> bool:
    """An Ogg (Opus, Vorbis) file that does not end with a whole end-of-stream page was cut short.

    FFmpeg reads an Ogg file's duration from its last page, so a file cut in the middle
    declares exactly what it still holds; the missing end-of-stream flag is the witness.
    """
    size = p.stat().st_size
    with open(p, "rb") as fh:
        if fh.read(4) != b"OggS":
            return False
        fh.seek(max(0, size - _OGG_MAX_PAGE))
        tail = fh.read()
    at = tail.rfind(b"OggS")
    while at >= 0:
        header = tail[at: at + 27]
        if len(header) == 27 and header[4] == 0:  # stream structure version 0: a real page header
            segments = tail[at + 27: at + 27 + header[26]]
            end = at + 27 + header[26] + sum(segments)
            return len(segments) < header[26] or end != len(tail) or not header[5] & 0x04
        at = tail.rfind(b"OggS", 0, at)
    return True


def _probe(p: Path) -> tuple[int, float | None]:
    """Channel count and declared duration (None when the container does not say)."""
    import av

    try:
        with av.open(str(p), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise InputError(f"{p}: has no audio track; give a call recording")
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels or 1
            declared = None
            if stream.duration is not None and stream.time_base is not None:
                declared = float(stream.duration * stream.time_base)
            elif container.duration:
                declared = container.duration / 1_000_000
            return channels, declared
    except InputError:
        raise
    except (av.error.FFmpegError, UnicodeDecodeError, IndexError, EOFError):
        from .formats import TRANSCRIPT_EXTENSIONS

        raise NotAudioError(
            f"{p}: is not a readable audio file (corrupt, truncated, or another kind of file); "
            f"give a recording ({', '.join(e.lstrip('.') for e in AUDIO_EXTENSIONS)}) or a transcript "
            f"file ({', '.join(e.lstrip('.') for e in sorted(TRANSCRIPT_EXTENSIONS))})"
        ) from None


def probe_recording(path: str | os.PathLike, max_mb: int) -> Path:
    """Check, without decoding it, that a file is a recording we can read: size, container,
    an audio track, not cut short. Cheap enough to run before a file is kept or a call recorded.

    Args:
        path: the recording.
        max_mb: largest accepted file size in MB.
    """
    p = check_input_file(path, max_mb)
    _probe(p)
    _check_not_truncated(p)
    return p


def _check_not_truncated(p: Path) -> None:
    if _riff_truncated(p):
        raise InputError(f"{p}: WAV file is truncated (shorter than its header says); copy or export it again")
    if _ogg_truncated(p):
        raise InputError(f"{p}: Ogg file is truncated (it stops before its end-of-stream page); "
                         "copy or export it again")


def _decode_pcm16(p: Path, stereo: bool, declared: float | None) -> list[Samples]:
    """The recording as 16-bit samples, one `Pcm16` per channel, decoded frame by frame into one
    array sized from the declared duration (no list of chunks, no float32 copy of the whole call)."""
    import itertools

    import av

    width = 2 if stereo else 1
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="stereo" if stereo else "mono",
                                                  rate=SAMPLE_RATE)
    out = np.empty((int((declared or 600.0) * 1.01 * SAMPLE_RATE) + SAMPLE_RATE, width), dtype=np.int16)
    at = 0
    with av.open(str(p), mode="r", metadata_errors="ignore") as container:
        frames = container.decode(audio=0)
        for frame in itertools.chain(frames, [None]):
            if frame is not None:
                frame.pts = None  # as faster-whisper: ignore timestamp gaps
            for resampled in resampler.resample(frame):
                block = resampled.to_ndarray().reshape(-1, width)
                if at + len(block) > len(out):  # the header understated the length
                    grown = np.empty((max(2 * len(out), at + len(block)), width), dtype=np.int16)
                    grown[:at] = out[:at]
                    out = grown
                out[at : at + len(block)] = block
                at += len(block)
    return [Pcm16(out[:at, c]) for c in range(width)]


def _mixed(left: Samples, right: Samples) -> Samples:
    """The mean of two channels, a block at a time (16-bit in, 16-bit out for `Pcm16`)."""
    if not isinstance(left, Pcm16) or not isinstance(right, Pcm16):
        return (as_float(left) + as_float(right)) / 2
    mix = np.empty(len(left), dtype=np.int16)
    for first in range(0, len(left), _BLOCK):
        a = left.pcm[first : first + _BLOCK].astype(np.int32)
        mix[first : first + _BLOCK] = (a + right.pcm[first : first + _BLOCK]) // 2
    return Pcm16(mix)


def decode(path: str | os.PathLike, channels: str = "auto", max_mb: int = 500,
           sha256: str | None = None) -> DecodedAudio:
    """Decode a recording to 16 kHz float32, split into left/right when that separates speakers.

    Args:
        path: the recording.
        channels: "auto" (split only a two-channel file whose channels differ), "mono" (mix all
            channels), or "split" (left and right separately; a one-channel file stays mono).
        max_mb: largest accepted file size in MB.
        sha256: the file's sha256 when the caller has it already (a recording is hashed once).
    """
    from faster_whisper.audio import decode_audio

    if channels not in CHANNEL_MODES:
        raise InputError(f"--channels {channels!r} is not one of {', '.join(CHANNEL_MODES)}")
    p = check_input_file(path, max_mb)
    file_channels, declared = _probe(p)
    _check_not_truncated(p)
    import av

    samples: list[Samples]
    try:
        if declared is not None and declared > STREAM_OVER_S:
            samples = _decode_pcm16(p, file_channels == 2 and channels != "mono", declared)
        elif file_channels == 2 and channels != "mono":
            left, right = decode_audio(str(p), sampling_rate=SAMPLE_RATE, split_stereo=True)
            samples = [left, right]
        else:
            samples = [decode_audio(str(p), sampling_rate=SAMPLE_RATE)]
    except (av.error.FFmpegError, ValueError, EOFError):
        raise InputError(f"{p}: audio data is corrupt and cannot be decoded; export the recording again") from None
    duration = len(samples[0]) / SAMPLE_RATE
    if len(samples[0]) == 0:
        raise InputError(f"{p}: contains no decodable audio (corrupt or truncated); export the recording again")
    if declared and declared - duration > 0.5 and duration < _TRUNCATED_SHARE * declared:
        raise InputError(
            f"{p}: decodes to {duration:.1f} s of the {declared:.1f} s it declares (truncated or corrupt); "
            "copy or export the recording again"
        )
    identical = len(samples) == 2 and channels_identical(samples[0], samples[1])
    split = len(samples) == 2 and (channels == "split" or not identical)
    if len(samples) == 2 and not split:
        samples = [_mixed(samples[0], samples[1])]
    return DecodedAudio(
        path=p,
        sha256=sha256 or sha256_file(p),
        duration=duration,
        file_channels=file_channels,
        channels=samples,
        split=split,
        channels_identical=identical,
    )


def playable_copy(path: str | os.PathLike) -> Path:
    """Where `playable` keeps the MP3 copy of a recording a browser cannot play."""
    return Path(path).with_suffix(PLAYABLE_COPY_SUFFIX)


def playable(path: str | os.PathLike) -> Path | None:
    """The recording as a browser can play it: the file itself when browsers play its format, else
    an MP3 copy made once beside it (the original is never changed). None when there is no such
    file, it is not a recording, or the copy cannot be made (a corrupt file, a read-only folder).

    path: a kept upload (the copy is written next to it, so never pass a user's own file).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in AUDIO_EXTENSIONS or not p.is_file():
        return None
    if suffix in BROWSER_PLAYABLE:
        return p
    copy = playable_copy(p)
    if copy.is_file() and copy.stat().st_mtime >= p.stat().st_mtime:
        return copy
    import av

    from .files import PRIVATE, write_atomic

    try:  # as private as the recording it copies
        return write_atomic(copy, lambda tmp: _encode_mp3(p, tmp), mode=PRIVATE)
    except (OSError, av.error.FFmpegError, ValueError, EOFError, IndexError):  # IndexError: no audio track
        return None


def _encode_mp3(src: Path, out: Path) -> None:
    """`src`'s first audio track as MP3 (its channels kept: the rep and the customer may each have
    one), at a rate MP3 allows."""
    import av

    with av.open(str(src), metadata_errors="ignore") as inp:
        stream = inp.streams.audio[0]
        layout = "stereo" if (stream.codec_context.channels or 1) >= 2 else "mono"
        rate = stream.rate if stream.rate in _MP3_RATES else 44100
    transcode(src, out, "mp3", rate=rate, layout=layout, container="mp3")


_MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def transcode(src: str | os.PathLike, out: str | os.PathLike, codec: str, rate: int | None = None,
              layout: str | None = None, container: str | None = None, bit_rate: int | None = None) -> Path:
    """Re-encode `src`'s first audio track into `out` with PyAV.

    codec: the audio codec ("mp3", "libopus", "libopencore_amrnb", ...). rate, layout: the output's
    (default: the input's). container: the output format (default: from `out`'s extension).
    bit_rate: bits per second, for codecs that need one (AMR-NB: 12200).
    Raises av.error.FFmpegError for a file PyAV cannot read or a codec it cannot write.
    """
    import av
    from av.audio.stream import AudioStream

    with av.open(str(src), metadata_errors="ignore") as inp, av.open(str(out), "w", format=container) as dst:
        stream = inp.streams.audio[0]
        layout = layout or stream.layout.name
        encoded = dst.add_stream(codec, rate=rate or stream.rate, layout=layout)
        assert isinstance(encoded, AudioStream)  # an audio codec makes an audio stream
        if bit_rate:
            encoded.bit_rate = bit_rate
        resampler = av.AudioResampler(format=encoded.format.name, layout=layout, rate=encoded.rate)
        for frame in inp.decode(stream):
            frame.pts = None
            for converted in resampler.resample(frame):
                dst.mux(encoded.encode(converted))
        for converted in resampler.resample(None):
            dst.mux(encoded.encode(converted))
        dst.mux(encoded.encode(None))
    return Path(out)
