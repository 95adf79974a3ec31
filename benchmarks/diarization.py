"""How well the built-in mono diarizer finds speakers (review.diarize), and what it costs.

    python benchmarks/diarization.py [--words] [--long-minutes 120] [--calls N]

1. Diarization error rate (DER, 0.25 s collar, benchmarks/der.py) on the real two-person sample
   tests/data/audio/two_speakers_mono.wav (and the same at 1/20 of its volume), and on synthetic
   two-voice calls (testkit.synth, espeak-ng: the script's turns are the exact reference) for several
   voice pairs, wideband (16 kHz) and through an 8 kHz phone band.
2. The one-voice rule (review.diarize.one_voice_reason) on one-voice audio (jfk.flac, each person of
   the real sample alone, synthetic single voices): does it keep one speaker? And on the two-voice
   audio above: does it keep two?
3. --words: the word-attribution rate: the real sample transcribed with the default settings, each word
   against the reference turn it falls in; synthetic mono calls transcribed with the default settings
   (this diarizer, rep = first speaker), the share of words whose role is right.
4. --long-minutes N: a child process diarizes an N-minute call (the real sample and synthetic calls
   concatenated) and reports wall time and peak RSS: memory must not grow with the square of the call.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the package, not benchmarks/review.py

AUDIO = REPO / "tests" / "data" / "audio"
CALLS = REPO / "tests" / "data" / "calls"
VOICE_PAIRS = [("en-us+m3", "en-gb+f2"), ("en-us+m1", "en-us+m7"), ("en-gb+f3", "en-us+f4"), ("en-us+m2", "en-gb+m4")]


def _der_module():
    spec = importlib.util.spec_from_file_location("der", Path(__file__).with_name("der.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _decode(path: Path):
    from faster_whisper.audio import decode_audio

    return decode_audio(str(path))


def _render(dialogue, voices: tuple[str, str], out: Path, phone: bool) -> list[tuple[float, float, str]]:
    """A mono synthetic call with the given (rep, customer) voices; phone band when asked."""
    from testkit import synth

    saved = dict(synth.VOICES)
    synth.VOICES.update(rep=voices[0], customer=voices[1])
    try:
        timeline = synth.render_dialogue(dialogue, out, layout="mono")
    finally:
        synth.VOICES.clear()
        synth.VOICES.update(saved)
    if phone:
        narrow = out.with_name(out.stem + "_8k.wav")
        synth.encode_audio(out, narrow, rate=8000)
        os.replace(narrow, out)
    return timeline


def der_rows(der, n_calls: int) -> list[tuple[str, float, int]]:
    from review import diarize
    from testkit.dialogue import load_dialogue

    rows = []
    real = _decode(AUDIO / "two_speakers_mono.wav")
    reference = der.read_rttm(str(AUDIO / "two_speakers_mono.rttm"))
    for name, audio in (("two_speakers_mono.wav (real)", real), ("  same at 1/20 volume", real * 0.05)):
        found = diarize.diarize(audio)
        rows.append((name, der.diarization_error_rate(reference, found.turns), len(found.speakers)))
    dialogues = [load_dialogue(REPO / "examples" / "discovery_call.yaml")]
    dialogues += [load_dialogue(p) for p in sorted(CALLS.glob("*.yaml"))[: max(0, n_calls - 1)]]
    with tempfile.TemporaryDirectory() as tmp:
        for voices in VOICE_PAIRS:
            for phone in (False, True):
                scores, kept = [], []
                for i, dialogue in enumerate(dialogues):
                    timeline = _render(dialogue, voices, Path(tmp) / f"call{i}.wav", phone)
                    ref = [diarize.SpeakerTurn(s, e, role) for s, e, role in timeline]
                    found = diarize.diarize(_decode(Path(tmp) / f"call{i}.wav"))
                    scores.append(der.diarization_error_rate(ref, found.turns))
                    kept.append(len(found.speakers))
                band = "8 kHz phone" if phone else "wideband"
                rows.append((f"synthetic {voices[0]}/{voices[1]} {band}", sum(scores) / len(scores), min(kept)))
    return rows


def one_voice_rows(der) -> list[tuple[str, int, str]]:
    import numpy as np

    from review import diarize
    from testkit.dialogue import load_dialogue

    cases = [("jfk.flac (real, 11 s)", _decode(AUDIO / "jfk.flac"))]
    real = _decode(AUDIO / "two_speakers_mono.wav")
    reference = der.read_rttm(str(AUDIO / "two_speakers_mono.rttm"))
    gap = np.zeros(8000, dtype=np.float32)
    for who in sorted({t.speaker for t in reference}):
        parts = [np.concatenate([real[int(t.start * 16000) : int(t.end * 16000)], gap]) for t in reference if t.speaker == who]
        cases.append((f"{who} of the real sample alone", np.concatenate(parts)))
    dialogue = load_dialogue(REPO / "examples" / "discovery_call.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        for voice, _ in VOICE_PAIRS:
            _render(dialogue, (voice, voice), Path(tmp) / "one.wav", phone=False)
            cases.append((f"synthetic single voice {voice}", _decode(Path(tmp) / "one.wav")))
    rows = []
    for name, audio in cases:
        found = diarize.diarize(audio)
        rows.append((name, len(found.speakers), found.one_voice or f"two voices (separation {found.separation:.2f})"))
    return rows


def word_rows(n_calls: int) -> list[tuple[str, float, int]]:
    """Share of words whose role is right, for synthetic mono calls through transcribe_audio."""
    from review.settings import load_settings
    from review.transcribe import transcribe_audio
    from testkit.attribution import word_roles
    from testkit.dialogue import load_dialogue

    settings = load_settings()
    dialogues = [load_dialogue(REPO / "examples" / "discovery_call.yaml")]
    dialogues += [load_dialogue(p) for p in sorted(CALLS.glob("*.yaml"))[: max(0, n_calls - 1)]]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for voices in VOICE_PAIRS:
            for phone in (False, True):
                right = total = 0
                for i, dialogue in enumerate(dialogues):
                    path = Path(tmp) / f"w{i}.wav"
                    timeline = _render(dialogue, voices, path, phone)
                    transcript = transcribe_audio(path, settings, channels="mono")
                    got, words = word_roles(transcript, timeline)
                    right, total = right + got, total + words
                band = "8 kHz phone" if phone else "wideband"
                rows.append((f"synthetic {voices[0]}/{voices[1]} {band}", right / max(total, 1), total))
    return rows


def real_word_row(der) -> tuple[str, float, int]:
    """Share of words of the real sample given to the speaker its reference turns name at that time
    (the speakers matched to the reference names the best way round); the reference has no words, so
    a word's speaker is the reference turn it overlaps most."""
    from itertools import permutations

    from review.settings import load_settings
    from review.transcribe import transcribe_audio

    reference = der.read_rttm(str(AUDIO / "two_speakers_mono.rttm"))
    transcript = transcribe_audio(AUDIO / "two_speakers_mono.wav", load_settings(), channels="mono")

    def truth(start: float, end: float) -> str | None:
        shared = max(reference, key=lambda t: min(end, t.end) - max(start, t.start))
        return shared.speaker if min(end, shared.end) - max(start, shared.start) > 0 else None

    pairs = [(seg.speaker, truth(w.start, w.end)) for seg in transcript.segments for w in seg.words]
    found = sorted({p[0] for p in pairs})
    names = sorted({t.speaker for t in reference})
    right = max((sum(dict(zip(found, order, strict=False)).get(f) == r for f, r in pairs)
                 for order in permutations(names, min(len(found), len(names)))), default=0)
    return "two_speakers_mono.wav (real; reference turn times)", right / max(len(pairs), 1), len(pairs)


LONG_CHILD = r"""
import os, resource, sys, time
sys.path.insert(0, sys.argv[2])
import numpy as np
from faster_whisper.audio import decode_audio
from review import diarize
minutes = float(sys.argv[1])
pieces = [np.concatenate([decode_audio(p), np.zeros(16000, dtype=np.float32)]) for p in sys.argv[3:]]
n = int(minutes * 60 * 16000)
audio = np.empty(n, dtype=np.float32)  # one array, as a decoded call; filled in place (no temporaries)
at, i = 0, 0
while at < n:
    piece = pieces[i % len(pieces)][: n - at]
    audio[at : at + len(piece)] = piece
    at, i = at + len(piece), i + 1
del pieces
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
found = diarize.diarize(audio)
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{wall:.1f} {before:.0f} {peak:.0f} {len(found.speakers)} {len(found.turns)}")
"""


def long_row(minutes: float) -> str:
    from testkit.dialogue import load_dialogue

    with tempfile.TemporaryDirectory() as tmp:
        parts = [str(AUDIO / "two_speakers_mono.wav")]
        for i, path in enumerate(sorted(CALLS.glob("*.yaml"))[:3]):
            out = Path(tmp) / f"long{i}.wav"
            _render(load_dialogue(path), VOICE_PAIRS[0], out, phone=False)
            parts.append(str(out))
        result = subprocess.run([sys.executable, "-c", LONG_CHILD, str(minutes), str(REPO), *parts],
                                capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return f"long call failed: {result.stderr.strip()[-300:]}"
    wall, before, peak, speakers, turns = result.stdout.split()
    seconds = minutes * 60
    return (f"{minutes:.0f}-minute call: diarized in {float(wall):.0f} s ({float(wall) / seconds:.3f} x real time), "
            f"peak RSS {peak} MB (audio alone {before} MB), {speakers} speakers, {turns} turns")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3, help="synthetic calls per voice pair (default 3)")
    parser.add_argument("--words", action="store_true", help="also transcribe synthetic calls for word attribution")
    parser.add_argument("--long-minutes", type=float, default=0, help="also diarize a call this long (e.g. 120)")
    args = parser.parse_args()
    der = _der_module()
    started = time.perf_counter()
    print("Mono diarization (review.diarize): DER with 0.25 s collar; target <= 8 % on the real sample")
    for name, value, n in der_rows(der, args.calls):
        print(f"  {name:46}{100 * value:6.1f} %   speakers kept: {n}")
    print("\nOne voice or two (review.diarize.one_voice_reason) on one-voice audio:")
    for name, n, why in one_voice_rows(der):
        print(f"  {name:46} speakers kept: {n}  ({why})")
    if args.words:
        print("\nWords given the right role (rep = first speaker), default settings; target >= 90 %")
        for name, share, total in [real_word_row(der), *word_rows(args.calls)]:
            print(f"  {name:46}{100 * share:6.1f} %  of {total} words")
    if args.long_minutes:
        print("\n" + long_row(args.long_minutes))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\n(this process: {time.perf_counter() - started:.0f} s, peak RSS {usage.ru_maxrss / 1024:.0f} MB; "
          f"{os.cpu_count()} CPUs, shared)")


if __name__ == "__main__":
    main()
