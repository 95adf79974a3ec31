"""What `callreview transcribe` costs over raw faster-whisper, and how well mono speakers are found.

    python benchmarks/transcribe.py [AUDIO] [--repeat N] [--no-der]

Part 1 runs, each in a fresh subprocess and alternating, (a) `callreview transcribe AUDIO --out`
and (b) a bare faster-whisper script doing the same work on the same audio with the same model
and decoding options (decode with PyAV, one pass per channel when the file has two differing
channels, iterate all segments). Each child's CPU seconds and peak RSS come from `os.wait4`, so
one child's figures never mix with another's. It prints the real-time factor (wall / audio
seconds), CPU seconds, peak RSS and our overhead; the target is <= 5 %.

Part 2 (diarization) runs benchmarks/diarization.py: the built-in mono diarizer's error rate
(0.25 s collar) on the real two-person sample tests/data/audio/two_speakers_mono.wav and on
synthetic two-voice calls wideband and 8 kHz phone band, the one-voice rule on one-voice audio, and
with --words the share of words given the right role (see that file's docstring).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_AUDIO = REPO / "examples" / "discovery_call.flac"

RAW_SCRIPT = r"""
import sys
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio
from review.audio import channels_identical
from review.settings import load_settings
from review.transcribe import decoding_options, resolve_model

settings = load_settings()
path, _ = resolve_model(settings.whisper_model)
model = WhisperModel(path, device=settings.whisper_device, compute_type=settings.whisper_compute_type,
                     cpu_threads=settings.whisper_threads)
left, right = decode_audio(sys.argv[1], sampling_rate=16000, split_stereo=True)
channels = [left] if channels_identical(left, right) else [left, right]
words = 0
for samples in channels:
    segments, _ = model.transcribe(samples, **decoding_options(settings))
    words += sum(len(s.words or []) for s in segments)
print(words)
"""


def run_child(argv: list[str], cwd: Path) -> dict:
    """Run one command, return wall seconds, CPU seconds and peak RSS (MB) of that child alone."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} failed ({proc.returncode}): {stderr.strip()[-400:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def audio_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return container.duration / 1_000_000


def overhead_table(audio: Path, repeat: int) -> None:
    seconds = audio_seconds(audio)
    results: dict[str, list[dict]] = {"callreview transcribe": [], "raw faster-whisper": []}
    with tempfile.TemporaryDirectory() as tmp:
        ours = [sys.executable, "-m", "review", "transcribe", str(audio), "--out", str(Path(tmp) / "t.json")]
        raw = [sys.executable, "-c", RAW_SCRIPT, str(audio)]
        for _ in range(repeat):
            results["callreview transcribe"].append(run_child(ours, REPO))
            results["raw faster-whisper"].append(run_child(raw, REPO))
    print(f"audio: {audio.name}, {seconds:.1f} s; {repeat} run(s) each, median shown; {os.cpu_count()} CPUs (shared)")
    print(f"{'':24}{'wall s':>8}{'RTF':>8}{'CPU s':>8}{'peak RSS MB':>13}")
    medians = {}
    for name, runs in results.items():
        m = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "rss_mb")}
        medians[name] = m
        print(f"{name:24}{m['wall']:8.2f}{m['wall'] / seconds:8.3f}{m['cpu']:8.2f}{m['rss_mb']:13.0f}")
    ours_m, raw_m = medians["callreview transcribe"], medians["raw faster-whisper"]
    for key, label in (("wall", "wall time"), ("cpu", "CPU time"), ("rss_mb", "peak RSS")):
        print(f"overhead {label:10} {100 * (ours_m[key] - raw_m[key]) / raw_m[key]:+6.1f} %  (target <= 5 %)")


def der_table(words: bool = False) -> None:
    """The diarization section: benchmarks/diarization.py in a child process (its own imports)."""
    argv = [sys.executable, str(Path(__file__).with_name("diarization.py"))] + (["--words"] if words else [])
    subprocess.run(argv, cwd=REPO, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", default=str(DEFAULT_AUDIO), help="recording to transcribe")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each command (median shown)")
    parser.add_argument("--no-der", action="store_true", help="skip the diarization section")
    parser.add_argument("--words", action="store_true", help="diarization section: also the word-attribution rate")
    args = parser.parse_args()
    overhead_table(Path(args.audio).resolve(), args.repeat)
    if not args.no_der:
        der_table(args.words)


if __name__ == "__main__":
    main()
