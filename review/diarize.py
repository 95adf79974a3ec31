"""Who speaks when in a one-channel recording, without any downloaded model.

Two-channel calls need none of this: the channel is the speaker. For mono audio the only
weights we may use are those shipped inside a PyPI package, and none of the installed packages
ships a speaker-embedding model. So this is a weight-free estimate: MFCC statistics over short
windows of speech (speech found by the Silero VAD that ships in faster-whisper), clustered into
two groups. `diarization_error_rate` scores it the standard way (0.25 s collar) so the choice
between "estimated speakers" and one honest "unknown" speaker rests on a measurement
(see `ESTIMATE_GOOD_ENOUGH` and benchmarks/transcribe.py).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError

SAMPLE_RATE = 16000
_FRAME = 400  # 25 ms
_HOP = 160  # 10 ms
_N_MELS = 40
_N_MFCC = 20
_WINDOW_S = 1.5
_WINDOW_HOP_S = 0.5

# Measured on /work/shared/audio/two_speakers_mono.wav (30 s, two people) against its RTTM with a
# 0.25 s collar: DER 29 % with these windows (1.5 s, hop 0.5 s), and anywhere from 3 % to 46 % for
# windows of 0.75-2 s and hops of 0.25-0.5 s (one cluster for everything scores 46 %); 29 % also on a
# mono rendering of examples/discovery_call.yaml, whose two synthetic voices differ far more than
# real callers do. An estimate that swings with a window length is not one to attribute quotes to
# people with, and we require DER <= 20 %; so mono audio gets one honest "unknown" speaker.
# Rerun the measurement with benchmarks/transcribe.py.
ESTIMATE_GOOD_ENOUGH = False


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


def _mel_filterbank(n_fft: int) -> np.ndarray:
    def hz_to_mel(hz):
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def mel_to_hz(mel):
        return 700.0 * (10 ** (mel / 2595.0) - 1.0)

    mels = np.linspace(hz_to_mel(60.0), hz_to_mel(SAMPLE_RATE / 2 * 0.95), _N_MELS + 2)
    bins = np.floor((n_fft + 1) * mel_to_hz(mels) / SAMPLE_RATE).astype(int)
    bank = np.zeros((_N_MELS, n_fft // 2 + 1))
    for m in range(1, _N_MELS + 1):
        left, centre, right = bins[m - 1], bins[m], bins[m + 1]
        for k in range(left, centre):
            bank[m - 1, k] = (k - left) / max(centre - left, 1)
        for k in range(centre, right):
            bank[m - 1, k] = (right - k) / max(right - centre, 1)
    return bank


def mfcc(audio: np.ndarray) -> np.ndarray:
    """MFCCs (without c0, so loudness does not decide the speaker), one row per 10 ms frame.

    Args:
        audio: 16 kHz float32 samples.
    """
    n_fft = 512
    if len(audio) < _FRAME:
        return np.zeros((0, _N_MFCC - 1), dtype=np.float32)
    emphasised = np.append(audio[0], audio[1:] - 0.97 * audio[:-1])
    n_frames = 1 + (len(emphasised) - _FRAME) // _HOP
    index = np.arange(_FRAME)[None, :] + _HOP * np.arange(n_frames)[:, None]
    frames = emphasised[index] * np.hamming(_FRAME)
    power = np.abs(np.fft.rfft(frames, n_fft)) ** 2 / n_fft
    log_mel = np.log(power @ _mel_filterbank(n_fft).T + 1e-10)
    # Orthonormal DCT-II of each log-mel row, as a matrix product.
    k = np.arange(_N_MELS)
    basis = np.cos(np.pi / _N_MELS * (k[None, :] + 0.5) * np.arange(_N_MFCC)[:, None])
    basis *= np.sqrt(2.0 / _N_MELS)
    basis[0] /= np.sqrt(2.0)
    coeffs = (log_mel @ basis.T)[:, 1:]
    return (coeffs - coeffs.mean(axis=0)).astype(np.float32)


def speech_regions(audio: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of speech, found by the Silero VAD shipped with faster-whisper.

    Args:
        audio: 16 kHz float32 samples.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=200, speech_pad_ms=30))
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


def estimate_speakers(audio: np.ndarray, n_speakers: int = 2) -> list[SpeakerTurn]:
    """Estimated speaker turns of a mono recording: windows of speech clustered by voice.

    Needs scipy (hierarchical clustering), which only this estimate uses.

    Speakers are named "speaker_1", "speaker_2" in order of first appearance.

    Args:
        audio: 16 kHz float32 samples.
        n_speakers: how many speakers to find.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    features = mfcc(audio)
    regions = speech_regions(audio)
    windows: list[tuple[float, float]] = []
    for start, end in regions:
        t = start
        while True:
            w_end = min(t + _WINDOW_S, end)
            windows.append((t, w_end))
            if w_end >= end:
                break
            t += _WINDOW_HOP_S
    windows = [(s, e) for s, e in windows if e - s >= 0.3]
    if len(windows) < n_speakers:
        return [SpeakerTurn(s, e, "speaker_1") for s, e in regions]
    vectors = []
    for s, e in windows:
        block = features[int(s * 100) : max(int(e * 100), int(s * 100) + 1)]
        vectors.append(np.concatenate([block.mean(axis=0), block.std(axis=0)]))
    matrix = np.array(vectors)
    matrix = (matrix - matrix.mean(axis=0)) / (matrix.std(axis=0) + 1e-9)
    labels = fcluster(linkage(matrix, method="ward"), n_speakers, criterion="maxclust")
    # Each 10 ms frame takes the majority label of the windows covering it.
    n_frames = int(len(audio) / SAMPLE_RATE * 100) + 1
    votes = np.zeros((n_frames, n_speakers + 1))
    for (s, e), label in zip(windows, labels, strict=True):
        votes[int(s * 100) : int(e * 100), label] += 1
    frame_label = votes.argmax(axis=1)
    turns: list[SpeakerTurn] = []
    names: dict[int, str] = {}
    for start, end in regions:
        a, b = int(start * 100), int(end * 100)
        current, run_start = None, a
        for f in range(a, b + 1):
            label = frame_label[f] if f < b and f < n_frames else None
            if label != current:
                if current:
                    name = names.setdefault(current, f"speaker_{len(names) + 1}")
                    turns.append(SpeakerTurn(run_start / 100, f / 100, name))
                current, run_start = label, f
    return turns


def speaker_at(turns: list[SpeakerTurn], start: float, end: float) -> str | None:
    """The speaker whose turns overlap [start, end] the most, or None when none does.

    Args:
        turns: speaker turns from `estimate_speakers`.
        start: interval start, seconds.
        end: interval end, seconds.
    """
    overlap: dict[str, float] = {}
    for turn in turns:
        shared = min(end, turn.end) - max(start, turn.start)
        if shared > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + shared
    if not overlap:  # a zero-length word, or one in a gap: the turn containing or nearest its middle
        middle = (start + end) / 2
        nearest = min(turns, key=lambda t: 0.0 if t.start <= middle <= t.end
                      else min(abs(t.start - middle), abs(t.end - middle)), default=None)
        return nearest.speaker if nearest else None
    return max(overlap, key=overlap.get)


def read_rttm(path: str) -> list[SpeakerTurn]:
    """Speaker turns from an RTTM file (`SPEAKER file 1 start duration <NA> <NA> name ...`)."""
    turns = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 8 and parts[0] == "SPEAKER":
                start, duration = float(parts[3]), float(parts[4])
                turns.append(SpeakerTurn(start, start + duration, parts[7]))
    return turns


def diarization_error_rate(
    reference: list[SpeakerTurn], hypothesis: list[SpeakerTurn], collar: float = 0.25, step: float = 0.01
) -> float:
    """Diarization error rate: (missed + false alarm + confusion) / reference speech time.

    Scored on a 10 ms grid like NIST md-eval: frames within `collar` seconds of a reference
    boundary are not scored, overlapping reference speech counts once per speaker, and
    hypothesis speakers are mapped to reference speakers one-to-one to maximise agreement.

    Args:
        reference: true speaker turns.
        hypothesis: estimated speaker turns.
        collar: seconds around each reference boundary left unscored.
        step: frame length in seconds.
    """
    end = max([t.end for t in reference + hypothesis] + [0.0])
    n = int(np.ceil(end / step)) + 1
    ref_names = sorted({t.speaker for t in reference})
    hyp_names = sorted({t.speaker for t in hypothesis})

    def grid(turns, names):
        g = np.zeros((len(names), n), dtype=bool)
        for t in turns:
            g[names.index(t.speaker), int(round(t.start / step)) : int(round(t.end / step))] = True
        return g

    ref, hyp = grid(reference, ref_names), grid(hypothesis, hyp_names)
    scored = np.ones(n, dtype=bool)
    for t in reference:
        for edge in (t.start, t.end):
            scored[max(0, int(round((edge - collar) / step))) : int(round((edge + collar) / step))] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    agreement = ref.astype(float) @ hyp.T.astype(float)  # frames where ref i and hyp j both speak
    # Best one-to-one mapping by trying every assignment: calls have a handful of speakers.
    best: tuple[float, list[tuple[int, int]]] = (-1.0, [])
    n_pairs = min(len(ref_names), len(hyp_names))
    for ref_pick in itertools.permutations(range(len(ref_names)), n_pairs):
        for hyp_pick in itertools.combinations(range(len(hyp_names)), n_pairs):
            pairs = list(zip(ref_pick, hyp_pick, strict=True))
            score = sum(agreement[i, j] for i, j in pairs)
            if score > best[0]:
                best = (score, pairs)
    correct = np.zeros(ref.shape[1])
    for i, j in best[1]:
        correct += ref[i] & hyp[j]
    errors = np.maximum(ref.sum(axis=0), hyp.sum(axis=0)) - correct
    total = ref.sum()
    return float(errors.sum() / total) if total else 0.0


def diarize_external(audio: np.ndarray, spec: str, sample_rate: int = 16000) -> list[SpeakerTurn]:
    """Speaker turns from a diarizer the user has installed, named by the `diarizer` setting.

    Args:
        audio: mono float32 samples at `sample_rate`.
        spec: "pyannote:<local pipeline folder or config.yaml>" (pyannote.audio 3.x or 4.x, with its
            weights already on disk: nothing is downloaded here).
        sample_rate: samples per second of `audio`.
    Speakers are renamed speaker_1, speaker_2, ... in order of first appearance.
    """
    kind, _, location = spec.partition(":")
    if kind != "pyannote" or not location:
        raise ConfigError(f"diarizer '{spec}' is not understood; use 'pyannote:<local pipeline path>' or leave it empty")
    if not os.path.exists(location):
        raise ConfigError(f"diarizer pipeline {location} does not exist; point CALLREVIEW_DIARIZER at a local copy")
    try:
        from pyannote.audio import Pipeline
    except ImportError:
        raise ConfigError("the pyannote diarizer is not installed; pip install 'callreview[diarization]'") from None
    try:
        import torch

        waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)[None, :])
    except ImportError:  # pyannote brings torch; a stand-in pipeline may not need it
        waveform = np.ascontiguousarray(audio, dtype=np.float32)[None, :]
    try:
        pipeline = Pipeline.from_pretrained(location)
        output = pipeline({"waveform": waveform, "sample_rate": sample_rate})
    except Exception as exc:  # a third-party model: any failure is the user's setup to fix
        raise ConfigError(f"the diarizer at {location} failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    annotation = getattr(output, "speaker_diarization", output)  # pyannote 4 wraps the annotation
    names: dict[str, str] = {}
    turns = []
    for segment, _, label in annotation.itertracks(yield_label=True):
        name = names.setdefault(label, f"speaker_{len(names) + 1}")
        turns.append(SpeakerTurn(float(segment.start), float(segment.end), name))
    return sorted(turns, key=lambda t: t.start)
