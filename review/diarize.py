"""Who speaks when in a one-channel recording, offline, with numpy and onnxruntime only.

Two-channel calls need none of this: the channel is the speaker. For mono audio:
speech regions (the Silero VAD that ships in faster-whisper) -> speech scaled to about -30 dBFS
-> 1.6 s windows every 0.4 s -> voice embeddings (review.voice_encoder) -> spectral clustering
into `n_speakers` groups -> each 10 ms of speech to the speaker of the nearest window -> turns.
Words go to the speaker whose turns they overlap most (`speaker_at`).

The embeddings alone cannot tell one voice from two (the two halves of one voice look as alike as
two people), so after clustering `one_voice_reason` checks the evidence that there really are two
(see its docstring for the rule and the figures it rests on); when it says one person is talking,
the recording keeps one speaker and the result says why.

Long calls: at most `MAX_CLUSTERED` windows are clustered (evenly spaced); every window then goes
to the nearest cluster centre, so memory stays flat however long the call: a 2-hour call took
593 s (0.08 x real time on 2 shared cores) at a peak RSS of 810 MB, 555 MB of it the process and
the decoded audio before diarizing (benchmarks/diarization.py --long-minutes 120). benchmarks/der.py scores the result (diarization error, 0.25 s collar).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from . import voice_encoder
from .audio import Samples, as_float
from .errors import ConfigError

SAMPLE_RATE = 16000
WINDOW_S = 1.6
HOP_S = 0.4
MIN_REGION_S = 0.3  # shorter speech gets its speaker from the nearest window, not its own
MAX_CLUSTERED = 1500  # windows in the affinity matrix: 1500^2 float32 = 9 MB
# One voice or two (see `one_voice_reason`): measured on the audio listed there.
MIN_WINDOWS = 20
MIN_SPEAKER_SHARE = 0.10
MIN_SEPARATION = 0.08
MAX_SWITCH_RATE = 0.12


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


@dataclass
class Diarization:
    """Speaker turns of a mono recording and what they rest on.

    turns: speaker turns, speakers named speaker_1, speaker_2, ... in order of first speech.
    voices: each speaker's mean voice embedding (unit vector), for matching voice profiles.
    one_voice: why one speaker was kept instead of the requested count, or None.
    separation: mean similarity of windows to their own speaker minus to the other (0 when one).
    """

    turns: list[SpeakerTurn]
    voices: dict[str, np.ndarray] = field(default_factory=dict)
    one_voice: str | None = None
    separation: float = 0.0

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(t.speaker for t in self.turns))


VAD_BLOCK_S = 180  # the VAD copies its input a few times: run it 3 minutes at a time (+75 MB, +171 MB for 10)


def speech_regions(audio: Samples) -> list[tuple[float, float]]:
    """(start, end) seconds of speech, found by the Silero VAD shipped with faster-whisper.

    Runs on 3-minute blocks (faster-whisper's VAD holds about three copies of what it is given:
    1.7 GB for a 2-hour call at once); a region cut by a block boundary is joined again.

    Args:
        audio: 16 kHz float32 samples.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=200, speech_pad_ms=30)
    block = VAD_BLOCK_S * SAMPLE_RATE
    regions: list[tuple[float, float]] = []
    for first in range(0, len(audio), block):
        for stamp in get_speech_timestamps(audio[first : first + block], options):
            start, end = (first + stamp["start"]) / SAMPLE_RATE, (first + stamp["end"]) / SAMPLE_RATE
            if regions and start - regions[-1][1] < 0.05 and first and abs(start - first / SAMPLE_RATE) < 0.1:
                regions[-1] = (regions[-1][0], end)
            else:
                regions.append((start, end))
    return regions


def _speech_gain(audio: Samples, regions: list[tuple[float, float]]) -> float:
    """The factor that brings the speech (not the silence) to about -30 dBFS."""
    total, count = 0.0, 0
    for start, end in regions:
        part = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)].astype(np.float64)
        total += float(np.square(part).sum())
        count += len(part)
    rms = np.sqrt(total / count) if count else 0.0
    return float(10 ** (voice_encoder.TARGET_DBFS / 20) / rms) if rms > 1e-8 else 1.0


def _windows(regions: list[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    """(start, end) of the 1.6 s windows: every 0.4 s inside each region; one centred window on a
    region shorter than 1.6 s (it borrows the audio around it)."""
    out = []
    for start, end in regions:
        length = end - start
        if length < MIN_REGION_S:
            continue
        if length <= WINDOW_S:
            middle = (start + end) / 2
            first = min(max(0.0, middle - WINDOW_S / 2), max(0.0, duration - WINDOW_S))
            out.append((first, first + WINDOW_S))
            continue
        n = int(np.ceil((length - WINDOW_S) / HOP_S)) + 1
        step = (length - WINDOW_S) / (n - 1)
        out += [(start + i * step, start + i * step + WINDOW_S) for i in range(n)]
    return out


def _embed_windows(audio: Samples, windows: list[tuple[float, float]], gain: float) -> np.ndarray:
    """Voice embeddings of the windows, a stretch of audio at a time (no copy of the whole call)."""
    out = np.zeros((len(windows), 256), dtype=np.float32)
    i = 0
    while i < len(windows):  # group windows that overlap into one stretch of mel frames
        j = i + 1
        while j < len(windows) and windows[j][0] < windows[j - 1][1] and j - i < 512:
            j += 1
        first = int(windows[i][0] * SAMPLE_RATE)
        last = int(windows[j - 1][1] * SAMPLE_RATE)
        mels = voice_encoder.mel_frames(audio[first:last] * gain)
        starts = [int(round((w[0] * SAMPLE_RATE - first) / voice_encoder.HOP)) for w in windows[i:j]]
        out[i:j] = voice_encoder.embed_partials(mels, starts)
        i = j
    return out


def _kmeans(points: np.ndarray, k: int, seed: int = 0, restarts: int = 8) -> np.ndarray:
    """Labels of k-means (k-means++ starts, best of `restarts`) on the rows of `points`."""
    rng = np.random.default_rng(seed)
    best, best_cost = np.zeros(len(points), dtype=int), np.inf
    for _ in range(restarts):
        picked = [points[rng.integers(len(points))]]
        for _ in range(1, k):
            dist = np.min([np.square(points - c).sum(axis=1) for c in picked], axis=0)
            p = dist / dist.sum() if dist.sum() > 0 else None
            picked.append(points[rng.choice(len(points), p=p)])
        centres = np.array(picked)
        for _ in range(100):
            labels = np.square(points[:, None, :] - centres[None]).sum(axis=2).argmin(axis=1)
            moved = np.array([points[labels == c].mean(axis=0) if np.any(labels == c) else centres[c]
                              for c in range(k)])
            if np.allclose(moved, centres):
                break
            centres = moved
        cost = float(np.square(points - centres[labels]).sum())
        if cost < best_cost:
            best, best_cost = labels, cost
    return best


def spectral_labels(embeddings: np.ndarray, k: int, keep_share: float = 0.2) -> np.ndarray:
    """Cluster unit vectors into k groups: cosine affinity, each row pruned to its nearest
    neighbours, symmetrised; k-means on the normalised Laplacian's first k eigenvectors.

    Args:
        embeddings: (n, d) unit vectors, n <= MAX_CLUSTERED.
        k: number of clusters.
        keep_share: share of each row's neighbours kept in the affinity (at least 10).
    """
    n = len(embeddings)
    if n <= k:
        return np.arange(n)
    affinity = np.clip(embeddings @ embeddings.T, 0.0, None)
    keep = max(10, int(keep_share * n))  # nearest neighbours per row that stay connected
    if keep < n:
        threshold = np.partition(affinity, n - keep, axis=1)[:, n - keep][:, None]
        affinity = np.where(affinity >= threshold, affinity, 0.0)
    affinity = (affinity + affinity.T) / 2
    degree = affinity.sum(axis=1)
    scale = 1.0 / np.sqrt(np.maximum(degree, 1e-12))
    laplacian = np.eye(n) - scale[:, None] * affinity * scale[None, :]
    _, vectors = np.linalg.eigh(laplacian)
    spectral = vectors[:, :k]
    spectral /= np.maximum(np.linalg.norm(spectral, axis=1, keepdims=True), 1e-12)
    return _kmeans(spectral, k)


def best_partition(embeddings: np.ndarray, k: int) -> np.ndarray:
    """Spectral clustering; when its split looks like one voice (separation under MIN_SEPARATION),
    the best-separated of a sparser and a denser affinity and plain k-means, among splits that give
    every speaker at least MIN_SPEAKER_SHARE of the windows.

    One affinity sometimes splits a short call along something else than the voice (a synthetic
    50 s call: separation 0.05 found, 0.10 for the true speakers); always taking the best-separated
    split instead costs accuracy elsewhere (DER on the real sample 3.1 % -> 5.9 %), hence the fallback.
    """
    labels = spectral_labels(embeddings, k)
    if _separation(embeddings, labels) >= MIN_SEPARATION or len(embeddings) <= k:
        return labels
    candidates = [labels] + [spectral_labels(embeddings, k, share) for share in (0.1, 0.35)]
    candidates.append(_kmeans(embeddings, k))

    def balanced(c: np.ndarray) -> bool:
        counts = np.bincount(c, minlength=k)
        return counts.min() / counts.sum() >= MIN_SPEAKER_SHARE

    fair = [c for c in candidates[1:] if balanced(c)]
    return max([labels, *fair], key=lambda c: _separation(embeddings, c))


def cluster(embeddings: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k-1 for every embedding; memory bounded by MAX_CLUSTERED however many there are."""
    if len(embeddings) <= MAX_CLUSTERED:
        return best_partition(embeddings, k)
    sample = np.linspace(0, len(embeddings) - 1, MAX_CLUSTERED).round().astype(int)
    sample_labels = best_partition(embeddings[sample], k)
    centres = np.stack([embeddings[sample][sample_labels == c].mean(axis=0) for c in range(k)])
    labels = np.empty(len(embeddings), dtype=int)
    for a in range(0, len(embeddings), 8192):
        labels[a : a + 8192] = (embeddings[a : a + 8192] @ centres.T).argmax(axis=1)
    return labels


def _separation(embeddings: np.ndarray, labels: np.ndarray) -> float:
    """Mean over windows of (similarity to own speaker's centre - best similarity to another's)."""
    ids = sorted(set(labels.tolist()))
    if len(ids) < 2:
        return 0.0
    centres = np.stack([embeddings[labels == c].mean(axis=0) for c in ids])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    sims = embeddings @ centres.T
    own = sims[np.arange(len(labels)), np.searchsorted(ids, labels)]
    sims[np.arange(len(labels)), np.searchsorted(ids, labels)] = -np.inf
    return float(np.mean(own - sims.max(axis=1)))


def _switch_rate(labels: np.ndarray, windows: list[tuple[float, float]]) -> float:
    """Share of neighbouring windows (overlapping, so within one stretch of speech) that change speaker."""
    pairs = [(i - 1, i) for i in range(1, len(windows)) if windows[i][0] < windows[i - 1][1]]
    return sum(labels[a] != labels[b] for a, b in pairs) / len(pairs) if pairs else 0.0


def one_voice_reason(labels: np.ndarray, separation: float, switch_rate: float) -> str | None:
    """Why these clusters are one person talking rather than several, or None when they are not.

    Measured (benchmarks/transcribe.py --diarization) on one-voice audio: jfk.flac, each channel of
    stereo_two_speakers.wav, each person of two_speakers_mono.wav alone, four espeak-ng voices
    alone (2-3 min each); and on two-voice audio: two_speakers_mono.wav, the mixed stereo sample,
    four synthetic voice pairs wideband and 8 kHz phone band. Signs of one voice:
    - too little speech to compare (under MIN_WINDOWS windows, about 10 s);
    - a "speaker" with under MIN_SPEAKER_SHARE of the windows (a stray, not a person);
    - separation under MIN_SEPARATION: windows barely closer to their own centre than to the other
      (one voice 0.03-0.08 on the long files, two voices 0.094-0.32);
    - the split flips within stretches of continuous speech (switch rate over MAX_SWITCH_RATE:
      one voice 10-20 %, two voices 1-6 %).
    Short real single-voice clips score separations of 0.08-0.15, as high as two real people,
    so the first and last signs carry them; a long monologue of a very varied voice can still
    be split in two (see README, "How speakers are found").
    """
    if len(labels) < MIN_WINDOWS:
        return "one voice: too little speech to tell voices apart"
    counts = np.bincount(labels)
    counts = counts[counts > 0]
    share = counts.min() / counts.sum() if len(counts) > 1 else 0.0
    if share < MIN_SPEAKER_SHARE:
        return f"one voice: a second speaker would hold only {share:.0%} of the speech"
    if separation < MIN_SEPARATION:
        return (f"one voice: the speech does not split into distinct voices "
                f"(separation {separation:.2f} < {MIN_SEPARATION:.2f})")
    if switch_rate > MAX_SWITCH_RATE:
        return (f"one voice: the voices found alternate within continuous speech "
                f"({switch_rate:.0%} of neighbouring windows)")
    return None


def _turns(regions, windows, labels, names) -> list[SpeakerTurn]:
    """Each 10 ms of speech to the speaker of the window whose centre is nearest; runs -> turns."""
    centres = np.array([(a + b) / 2 for a, b in windows])
    turns: list[SpeakerTurn] = []
    for start, end in regions:
        frames = np.arange(start, end, 0.01)
        if not len(frames):
            continue
        nearest = np.abs(centres[None, :] - frames[:, None]).argmin(axis=1) if len(frames) * len(centres) < 4e6 \
            else np.clip(np.searchsorted(centres, frames), 0, len(centres) - 1)
        who = [names[labels[i]] for i in nearest]
        run_start = 0
        for f in range(1, len(frames) + 1):
            if f == len(frames) or who[f] != who[run_start]:
                stop = end if f == len(frames) else float(frames[f])
                turns.append(SpeakerTurn(round(float(frames[run_start]), 3), round(stop, 3), who[run_start]))
                run_start = f
    return turns


def diarize(audio: Samples, n_speakers: int = 2) -> Diarization:
    """Speaker turns of a mono recording: speech windows clustered by voice.

    Args:
        audio: 16 kHz samples (float32, or `review.audio.Pcm16`: read a slice at a time).
        n_speakers: how many speakers to look for (1 skips clustering).
    """
    regions = speech_regions(audio)
    if not regions:
        return Diarization(turns=[])
    windows = _windows(regions, len(audio) / SAMPLE_RATE)
    if not windows:  # only very short speech: one speaker, nothing to compare
        return Diarization([SpeakerTurn(s, e, "speaker_1") for s, e in regions],
                           one_voice="one voice: too little speech to tell voices apart")
    embeddings = _embed_windows(audio, windows, _speech_gain(audio, regions))
    labels = cluster(embeddings, n_speakers) if n_speakers > 1 and len(windows) > n_speakers \
        else np.zeros(len(windows), dtype=int)
    separation = _separation(embeddings, labels)
    reason = one_voice_reason(labels, separation, _switch_rate(labels, windows)) if n_speakers > 1 else None
    if reason:
        labels = np.zeros(len(windows), dtype=int)
    # Name speakers by first appearance.
    names: dict[int, str] = {}
    for label in labels:
        names.setdefault(int(label), f"speaker_{len(names) + 1}")
    voices = {}
    for label, name in names.items():
        mean = embeddings[labels == label].mean(axis=0)
        voices[name] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return Diarization(_turns(regions, windows, labels, names), voices, reason, round(separation, 3))


def speaker_at(turns: list[SpeakerTurn], start: float, end: float) -> str | None:
    """The speaker whose turns overlap [start, end] the most, or None when none does.

    Args:
        turns: speaker turns from `diarize`.
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
    return max(overlap, key=lambda k: overlap[k])


def diarize_external(audio: Samples, spec: str, sample_rate: int = 16000) -> list[SpeakerTurn]:
    """Speaker turns from a diarizer the user has installed, named by the `diarizer` setting.

    Args:
        audio: mono float32 samples at `sample_rate`.
        spec: "pyannote:<local pipeline folder or config.yaml>" (pyannote.audio 3.x or 4.x, with its
            weights already on disk: nothing is downloaded here).
        sample_rate: samples per second of `audio`.
    Speakers are renamed speaker_1, speaker_2, ... in order of first appearance.
    """
    audio = as_float(audio)  # the external pipeline takes the call whole
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
