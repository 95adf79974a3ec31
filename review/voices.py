"""Rep voice profiles: a rep's mean voice, and picking the rep's speaker on a mono call by it.

A profile is the normalised mean of voice embeddings (review.voice_encoder) from the rep's
two-channel calls (their channel is known) and from short samples enrolled in the app or with
`callreview voice enroll`. On a mono call whose rep is known, the rep is the speaker whose voice is
most similar to the profile; the similarities are kept on the transcript and shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .audio import Samples
from .errors import InputError

MIN_SAMPLE_SPEECH_S = 3.0  # less speech than this gives an embedding too noisy to trust
# This encoder puts most voices close together: the centres of two people in one call are at
# cosine 0.78-0.89 (benchmarks/diarization.py), and a profile from other sentences of a synthetic
# voice scored 0.96 to its speaker vs 0.90 to the other (tests/test_voices.py). What decides is the
# lead of the best speaker over the next; under this lead the match is shown as weak.
WEAK_LEAD = 0.03


@dataclass
class VoiceProfile:
    """A rep's stored voice.

    rep: the rep's name. embedding: 256 floats, unit length. n_samples: calls and samples in it.
    seconds: speech behind it. sources: where each part came from ({"kind", "name", "seconds", ...}).
    """

    rep: str
    embedding: np.ndarray
    n_samples: int = 1
    seconds: float = 0.0
    sources: list[dict] = field(default_factory=list)
    updated_at: str = ""


def rep_key(name: str) -> str:
    """The name a profile is found by: case and spacing ignored."""
    return " ".join(name.split()).casefold()


def speech_only(audio: Samples) -> np.ndarray:
    """The speech of `audio` (Silero VAD), joined: what a voice sample's embedding is taken from."""
    from .diarize import SAMPLE_RATE, speech_regions

    parts = [audio[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)] for s, e in speech_regions(audio)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def voice_of(audio: Samples, what: str) -> tuple[np.ndarray, float]:
    """(embedding, seconds of speech) of one person's audio.

    Args:
        audio: 16 kHz float32 samples of one voice.
        what: how to name the audio in an error ("sample.wav", "the left channel").
    Raises InputError when there is too little speech.
    """
    from .voice_encoder import SAMPLE_RATE, embed_voice

    speech = speech_only(audio)
    seconds = len(speech) / SAMPLE_RATE
    if seconds < MIN_SAMPLE_SPEECH_S:
        raise InputError(f"{what} has {seconds:.1f} s of speech; a voice sample needs at least "
                         f"{MIN_SAMPLE_SPEECH_S:.0f} s (10-30 s of the rep talking is best)")
    return embed_voice(speech), seconds


def merged(profile: VoiceProfile | None, rep: str, embedding: np.ndarray, source: dict) -> VoiceProfile:
    """`profile` with one more sample averaged in (weighted by speech seconds), or a new profile.

    Args:
        profile: the rep's current profile, or None.
        rep: the rep's name.
        embedding: the new sample's unit embedding.
        source: {"kind": "call" | "sample", "name": ..., "seconds": ...}.
    """
    seconds = float(source.get("seconds", 0.0))
    if profile is None:
        return VoiceProfile(rep, embedding / np.linalg.norm(embedding), 1, seconds, [source])
    total = profile.seconds + seconds
    weight = seconds / total if total > 0 else 1.0 / (profile.n_samples + 1)
    mean = (1 - weight) * profile.embedding + weight * embedding
    return VoiceProfile(profile.rep, mean / np.linalg.norm(mean), profile.n_samples + 1, total,
                        [*profile.sources, source])


def similarities(profile: VoiceProfile, voices: dict[str, np.ndarray]) -> dict[str, float]:
    """Cosine similarity of each speaker's voice to the profile, rounded to 3 places."""
    return {speaker: round(float(np.dot(profile.embedding, v) / (np.linalg.norm(v) or 1.0)), 3)
            for speaker, v in voices.items()}


def match_note(profile: VoiceProfile, scores: dict[str, float], display: dict[str, str]) -> str:
    """One line on how the rep was picked by voice, e.g. "rep speaker_2 by Alex Rivera's voice
    profile (similarity 0.86; speaker_1 0.52)".

    Args:
        profile: the profile used. scores: `similarities`. display: speaker -> display name.
    """
    best = max(scores, key=lambda k: scores[k])
    others = {s: v for s, v in scores.items() if s != best}
    listed = "; ".join(f"{display.get(s, s)} {v:.2f}" for s, v in others.items())
    line = (f"rep is {best} by {profile.rep}'s voice profile (similarity {scores[best]:.2f}"
            f"{'; ' + listed if listed else ''})")
    if others and scores[best] - max(others.values()) < WEAK_LEAD:
        line += f"; a weak match (lead under {WEAK_LEAD:.2f}): check who is the rep"
    return line
