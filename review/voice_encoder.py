"""Voice embeddings in numpy: Resemblyzer's GE2E speaker encoder without torch.

The network is Resemblyzer's (resemble-ai/Resemblyzer 0.1.4, Apache-2.0, see
review/data/NOTICE-resemblyzer.txt): 40-channel mel power frames (16 kHz, 25 ms window, 10 ms hop,
librosa's Slaney mel filters) -> a 3-layer LSTM of 256 units -> the last layer's final hidden state ->
a linear projection to 256 -> ReLU -> L2 norm. Its parameters were read once from the package's
`pretrained.pt` (tools/extract_voice_encoder.py) into review/data/voice_encoder.npz (5.6 MB of
float32; the .pt also holds optimizer state), so the runtime needs numpy only. tests/test_voice_encoder.py
checks the output against an embedding computed by torch with the original package.

A "partial" is 160 frames (1.6 s) of speech; a voice is the normalised mean of its partials' embeddings.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s
TARGET_DBFS = -30.0
_BATCH = 128  # partials per LSTM pass: bounds memory (about 1 MB of state per 128 partials)


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney's mel scale (librosa's default, htk=False): linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, mel)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    hz = mel * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log_part, hz)


@functools.cache
def mel_filters() -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=40) with Slaney area normalisation, (40, 201)."""
    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    weights = np.zeros((N_MELS, len(fft_freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """Mel power frames of 16 kHz audio, one row per 10 ms (librosa.feature.melspectrogram, centred).

    Args:
        audio: 16 kHz float32 samples.
    """
    audio = np.asarray(audio, dtype=np.float32)
    padded = np.pad(audio, N_FFT // 2)  # librosa's center=True, pad_mode="constant"
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann
    out = np.empty((n_frames, N_MELS), dtype=np.float32)
    bank = mel_filters().T
    for start in range(0, n_frames, 4096):  # in blocks, so a 2-hour call never holds its whole STFT
        idx = np.arange(start, min(start + 4096, n_frames))
        frames = padded[idx[:, None] * HOP + np.arange(N_FFT)[None, :]] * window
        power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
        out[idx] = power.astype(np.float32) @ bank
    return out


def normalise_volume(audio: np.ndarray, speech: np.ndarray | None = None) -> np.ndarray:
    """`audio` scaled so its speech sits at about -30 dBFS (Resemblyzer's training level).

    Args:
        audio: float32 samples.
        speech: the samples to measure (speech only); all of `audio` when None.
    """
    measured = audio if speech is None or not len(speech) else speech
    rms = float(np.sqrt(np.mean(np.square(measured, dtype=np.float64)))) if len(measured) else 0.0
    if rms <= 1e-8:
        return audio
    return (audio * (10 ** (TARGET_DBFS / 20) / rms)).astype(np.float32)


@functools.cache
def _layers() -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """Per LSTM layer (W_ih^T, W_hh^T, bias) with gates reordered from torch's (i, f, g, o) to
    (i, f, o, g), so one sigmoid covers three gates; then the projection's W^T and bias."""
    with resources.files("review.data").joinpath("voice_encoder.npz").open("rb") as fh:
        with np.load(fh) as data:
            w = {k: data[k].astype(np.float32) for k in data.files}
    h = 256
    order = np.concatenate([np.arange(0, 2 * h), np.arange(3 * h, 4 * h), np.arange(2 * h, 3 * h)])
    layers = []
    for n in range(3):
        bias = (w[f"lstm.bias_ih_l{n}"] + w[f"lstm.bias_hh_l{n}"])[order]
        layers.append((np.ascontiguousarray(w[f"lstm.weight_ih_l{n}"][order].T),
                       np.ascontiguousarray(w[f"lstm.weight_hh_l{n}"][order].T), bias))
    return layers, np.ascontiguousarray(w["linear.weight"].T), w["linear.bias"]


def _forward(mels: np.ndarray) -> np.ndarray:
    """Embeddings of a batch of partials, (batch, 160, 40) -> (batch, 256), as torch's VoiceEncoder.

    BLAS runs on one thread here: these are small matrix products (batch x 256 x 1024), which
    threads slow down on a busy machine (measured 3.4 s vs 22 s for 70 partials on 2 shared cores).
    """
    from threadpoolctl import threadpool_limits

    layers, proj_t, proj_b = _layers()
    hidden = 256
    x = np.asarray(mels, dtype=np.float32)
    with threadpool_limits(1, "blas"):
        for layer, (w_ih_t, w_hh_t, bias) in enumerate(layers):
            inputs = x @ w_ih_t + bias  # every time step at once: (batch, time, 4 * hidden)
            h = np.zeros((x.shape[0], hidden), dtype=np.float32)
            c = np.zeros_like(h)
            last = layer == len(layers) - 1
            outputs = None if last else np.empty((x.shape[0], x.shape[1], hidden), dtype=np.float32)
            for t in range(x.shape[1]):
                gates = inputs[:, t] + h @ w_hh_t
                sig = 0.5 + 0.5 * np.tanh(0.5 * gates[:, : 3 * hidden])  # sigmoid of i, f, o
                c = sig[:, hidden : 2 * hidden] * c + sig[:, :hidden] * np.tanh(gates[:, 3 * hidden :])
                h = sig[:, 2 * hidden :] * np.tanh(c)
                if outputs is not None:
                    outputs[:, t] = h
            if outputs is not None:
                x = outputs
        raw = np.maximum(h @ proj_t + proj_b, 0.0)
    return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)


def embed_partials(mels: np.ndarray, starts: list[int] | np.ndarray) -> np.ndarray:
    """One 256-d unit vector per partial: 160 mel frames from each frame index in `starts`.

    Args:
        mels: frames from `mel_frames`; a partial reaching past the end is padded with zeros.
        starts: first frame of each partial.
    """
    starts = np.asarray(starts, dtype=np.int64)
    if not len(starts):
        return np.zeros((0, 256), dtype=np.float32)
    need = int(starts.max()) + PARTIAL_FRAMES
    if need > len(mels):
        mels = np.concatenate([mels, np.zeros((need - len(mels), N_MELS), dtype=np.float32)])
    out = np.empty((len(starts), 256), dtype=np.float32)
    offsets = np.arange(PARTIAL_FRAMES)
    for a in range(0, len(starts), _BATCH):
        chunk = starts[a : a + _BATCH]
        out[a : a + len(chunk)] = _forward(mels[chunk[:, None] + offsets[None, :]])
    return out


MAX_VOICE_PARTIALS = 150  # a voice needs no more (about 2 minutes of speech; 2 s to compute)


def embed_voice(audio: np.ndarray) -> np.ndarray:
    """One unit vector for all of `audio` (one speaker): the mean of its partials, 1.3 per second
    (at most MAX_VOICE_PARTIALS, evenly spread, so an hour-long channel costs no more).

    Args:
        audio: 16 kHz float32 samples of one voice, silence already removed or short.
    """
    audio = normalise_volume(np.asarray(audio, dtype=np.float32))
    mels = mel_frames(audio)
    step = int(round(SAMPLE_RATE / 1.3 / HOP))
    last = max(0, len(mels) - PARTIAL_FRAMES)
    starts = list(range(0, last + 1, step)) or [0]
    if len(starts) > MAX_VOICE_PARTIALS:
        starts = [starts[i] for i in np.linspace(0, len(starts) - 1, MAX_VOICE_PARTIALS).round().astype(int)]
    mean = embed_partials(mels, starts).mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)
