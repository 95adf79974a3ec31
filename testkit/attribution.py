"""How many words a transcript gives to the right role, against a synthesized call's timeline (the
script is the exact reference): the word-attribution rate of tests and benchmarks/diarization.py."""

from __future__ import annotations


def word_roles(transcript, timeline) -> tuple[int, int]:
    """(words with the right role, words): each word's role is the role of the scripted turn that
    holds its midpoint (or the nearest turn, for a word in a pause).

    transcript: a review.types.Transcript. timeline: [(start, end, role), ...] from testkit.synth.
    """
    right = total = 0
    for seg in transcript.segments:
        for w in seg.words:
            mid = (w.start + w.end) / 2
            truth = min(timeline, key=lambda t: 0 if t[0] <= mid <= t[1] else min(abs(mid - t[0]), abs(mid - t[1])))[2]
            right += seg.role == truth
            total += 1
    return right, total
