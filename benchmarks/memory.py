"""Peak memory of a whole `callreview review` of a long mono call: windowed path vs the old whole-file path.

    python benchmarks/memory.py [--minutes 120] [--paths old,new] [--model embedded]

Builds an N-minute one-channel FLAC call (the real two-person sample tests/data/audio/two_speakers_mono.wav
and three synthetic two-voice calls from testkit.synth, repeated; as benchmarks/diarization.py does),
then reviews it end to end (`review.pipeline.review_file`, rules engine, default settings, a fresh data
folder) in a fresh child process per path and reports the child's peak RSS
(resource.getrusage(RUSAGE_SELF).ru_maxrss), the peak by the end of transcription, and wall times.

Paths:
- old: the whole recording decoded into one float32 array (faster_whisper.decode_audio) and given to
  faster-whisper at once (its Silero VAD over all of it): review.audio.STREAM_OVER_S and
  review.windowed.WINDOW_S set to "never" in the child.
- new: the defaults: a long recording is decoded to 16-bit samples (review.audio.Pcm16) and
  transcribed in windows of review.windowed.WINDOW_S seconds cut at pauses.
"By end of transcr+diariz" is the peak when transcription and diarization are done (before indexing).

Measured (2 shared CPUs, Whisper base, rules engine):
- 120 min, old path: killed after 36 min with VmHWM 7.5 GB (faster-whisper's numpy STFT over the whole call).
- 120 min, new path with 10-minute windows: 1.4 GB; with 3-minute windows and the diarizer's VAD in
  10-minute blocks: 1007 MB (transcription 920 MB; the VAD's blocks then added ~200 MB, measured apart:
  +323 MB for 10-minute blocks, +116 MB for 3-minute); 19556 words, 2 speakers, 1269 s + 135 s.
- 60 min, new path as committed (3-minute windows, 3-minute VAD blocks, malloc_trim): peak 808 MB (718 MB
  by the end of transcription and diarization; indexing and scoring add the rest); 9737 words, 2 speakers,
  823 s + 44 s. The 120-minute run of the committed code was not repeated before the deadline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the package

AUDIO = REPO / "tests" / "data" / "audio"
CALLS = REPO / "tests" / "data" / "calls"
VOICES = ("en-us+m3", "en-gb+f2")


def _pieces(folder: Path) -> list:
    """int16 pieces of real and synthetic two-voice speech, each followed by 1 s of silence."""
    import numpy as np
    from faster_whisper.audio import decode_audio

    from testkit import synth
    from testkit.dialogue import load_dialogue

    paths = [AUDIO / "two_speakers_mono.wav"]
    saved = dict(synth.VOICES)
    synth.VOICES.update(rep=VOICES[0], customer=VOICES[1])
    try:
        for i, yaml_path in enumerate(sorted(CALLS.glob("*.yaml"))[:3]):
            out = folder / f"piece{i}.wav"
            synth.render_dialogue(load_dialogue(yaml_path), out, layout="mono")
            paths.append(out)
    finally:
        synth.VOICES.clear()
        synth.VOICES.update(saved)
    gap = np.zeros(16000, dtype=np.int16)
    return [np.concatenate([(decode_audio(str(p)) * 32767).astype(np.int16), gap]) for p in paths]


def build_call(out: Path, minutes: float) -> float:
    """Write an N-minute mono 16 kHz FLAC call, streamed piece by piece; its length in seconds."""
    import av

    pieces = _pieces(out.parent)
    total, at, i = int(minutes * 60 * 16000), 0, 0
    with av.open(str(out), "w") as container:
        stream = container.add_stream("flac", rate=16000, layout="mono")
        while at < total:
            piece = pieces[i % len(pieces)][: total - at]
            frame = av.AudioFrame.from_ndarray(piece[None, :], format="s16", layout="mono")
            frame.rate = 16000
            for packet in stream.encode(frame):
                container.mux(packet)
            at, i = at + len(piece), i + 1
        for packet in stream.encode(None):
            container.mux(packet)
    return total / 16000


def child(path: str, which: str) -> dict:
    """Review `path` in this process along the given path; figures as a dict."""
    from review import audio, windowed
    from review.pipeline import Services, review_file
    from review.settings import load_settings

    if which == "old":
        audio.STREAM_OVER_S = float("inf")
        windowed.WINDOW_S = 0.0
    settings = load_settings(llm_engine="rules")
    services = Services.from_settings(settings)
    marks: dict[str, float] = {}

    def progress(stage: str, fraction: float, message: str) -> None:
        if stage == "transcribe" and fraction >= 1.0 and "transcribed" not in marks:
            marks["transcribed"] = time.perf_counter()
            marks["rss_transcribed"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    began = time.perf_counter()
    result = review_file(path, services, "discovery", rep="Benchmark Rep", progress=progress)
    finished = time.perf_counter()
    words = sum(len(s.words) for s in result.transcript.segments)
    return {
        "duration_s": result.transcript.duration,
        "transcribe_s": marks.get("transcribed", finished) - began,
        "rest_s": finished - marks.get("transcribed", finished),
        "words": words,
        "speakers": len({s.speaker for s in result.transcript.segments}),
        "rss_transcribed_mb": marks.get("rss_transcribed", 0.0),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(path: Path, which: str, model: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="callreview-mem-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLREVIEW_")}
        env.update(CALLREVIEW_HOME=home, CALLREVIEW_WHISPER_MODEL=model, PYTHONPATH=str(REPO))
        proc = subprocess.run([sys.executable, __file__, "--child", str(path), which], cwd=REPO, env=env,
                              capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("FILE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--minutes", type=float, default=120.0, help="length of the synthetic call (default 120)")
    parser.add_argument("--paths", default="old,new", help="comma list of old, new (default both, old first)")
    parser.add_argument("--model", default="embedded", help="CALLREVIEW_WHISPER_MODEL for the review")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    with tempfile.TemporaryDirectory(prefix="callreview-mem-call-") as folder:
        call = Path(folder) / "long_call.flac"
        seconds = build_call(call, args.minutes)
        print(f"{seconds / 60:.0f}-minute mono call ({call.stat().st_size / 1e6:.0f} MB FLAC), model {args.model}; "
              f"{os.cpu_count()} CPUs, shared", flush=True)
        print(f"{'path':<5} {'peak RSS':>9} {'by end of transcr+diariz':>24} {'transcribe':>11} {'rest':>7} "
              f"{'words':>6} {'speakers':>8}", flush=True)
        for which in [p.strip() for p in args.paths.split(",") if p.strip()]:
            r = run(call, which, args.model)
            if "error" in r:
                print(f"{which:<5} failed: {r['error']}", flush=True)
                continue
            print(f"{which:<5} {r['peak_rss_mb']:>6.0f} MB {r['rss_transcribed_mb']:>21.0f} MB "
                  f"{r['transcribe_s']:>9.0f} s {r['rest_s']:>5.0f} s {r['words']:>6} {r['speakers']:>8}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
