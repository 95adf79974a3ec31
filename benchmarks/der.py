"""Diarization error rate (DER) and RTTM reading, for benchmarks and tests (not the runtime package).

    from der import diarization_error_rate, read_rttm   # with benchmarks/ importable, see tests/test_der.py
"""

from __future__ import annotations

import itertools

import numpy as np

from review.diarize import SpeakerTurn


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
