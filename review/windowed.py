"""Transcribe a long recording a window at a time, so memory does not grow with the call.

faster-whisper computes the log-mel features of everything it is given at once (numpy STFT: about
420 MB over a 10-minute window, 150 MB over 3 minutes, measured) after its Silero VAD made copies of
it; a 2-hour call given whole peaked at 7.5 GB RSS (benchmarks/memory.py). Here a channel longer than
`WINDOW_S` is cut into windows of about that length, each cut at the quietest stretch of the last
`SEARCH_S` seconds before it (a pause between words, so no word is split), and each window is transcribed on its own with the same options
(language, hotwords, initial prompt); word times are moved by the window's start, so every word
keeps its time in the call. A channel no longer than one window takes the unwindowed path.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
WINDOW_S = 180.0  # seconds of audio made float32 and transcribed at once; 0 = the whole channel
SEARCH_S = 30.0  # how far before a nominal cut to look for a pause
_FRAME = 160  # 10 ms energy frames
_QUIET_FRAMES = 30  # the pause looked for: the quietest 0.3 s


def cut_points(samples, window_s: float = WINDOW_S, search_s: float = SEARCH_S) -> list[int]:
    """Sample indices where a channel is cut into windows: 0, the cuts, len(samples).

    Each cut is the middle of the quietest 0.3 s in the `search_s` seconds before the nominal cut
    (the previous cut + `window_s`), so it falls in a pause when there is one.

    Args:
        samples: a 16 kHz channel (float32 array or `review.audio.Pcm16`: anything sliceable).
        window_s: nominal window length in seconds; 0 or a channel no longer than that gives one window.
        search_s: seconds before the nominal cut searched for a pause (at most half the window).
    """
    n = len(samples)
    step = int(window_s * SAMPLE_RATE)
    if step <= 0 or n <= step:
        return [0, n]
    search = max(_FRAME * _QUIET_FRAMES, min(int(search_s * SAMPLE_RATE), step // 2))
    cuts = [0]
    while n - cuts[-1] > step:
        nominal = cuts[-1] + step
        first = nominal - search
        region = np.asarray(samples[first:nominal], dtype=np.float32)
        frames = len(region) // _FRAME
        energy = np.square(region[: frames * _FRAME].reshape(frames, _FRAME), dtype=np.float64).mean(axis=1)
        width = min(_QUIET_FRAMES, frames)
        smoothed = np.convolve(energy, np.ones(width) / width, mode="valid")
        # the latest of the quietest stretches (ties are common in digital silence): windows stay long
        quietest = len(smoothed) - 1 - int(np.argmin(smoothed[::-1]))
        cuts.append(first + (quietest + width // 2) * _FRAME)
    return cuts + [n]


def release_freed_memory() -> None:
    """Give memory freed by the last window back to the system (glibc keeps freed heap pages of
    the many mid-sized numpy temporaries otherwise, so RSS creeps up window after window)."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): nothing to trim
            pass
