"""What `callreview transcribe` costs over raw faster-whisper, which embedded model transcribes best,
and how well mono speakers are found.

    python benchmarks/transcribe.py [AUDIO] [--repeat N] [--no-der] [--no-wer] [--no-overhead]

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

Part 3 (tiny.en vs base) transcribes real speech with reference text (tests/data/audio: jfk.flac,
both channels of stereo_two_speakers.wav, five LibriVox clips) with each embedded model, in a fresh
subprocess per model, through callreview's own decoding (VAD, drop rules), in three versions: as
recorded, through an 8 kHz phone band (300-3400 Hz, 8 kHz sampling), and 20 dB quieter. It prints
the word error rate per file and version, the pooled WER (all edits / all reference words), the
real-time factor (decoding wall seconds / audio seconds, model load excluded), the model load time
and the child's peak RSS. `embedded` means the model these figures chose
(review.whisper_models.EMBEDDED_DEFAULT).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's `review`, whatever is installed
DEFAULT_AUDIO = REPO / "examples" / "discovery_call.flac"
AUDIO = REPO / "tests" / "data" / "audio"
WER_MODELS = ("embedded-tiny.en", "embedded-base")
VERSIONS = ("wideband", "phone 8k", "quiet -20dB")

RAW_SCRIPT = r"""
import sys
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio
from review.audio import channels_identical
from review.settings import load_settings
from review.transcribe import decoding_options, model_is_multilingual, resolve_model
from review.whisper_models import models_folder

settings = load_settings()
path, _ = resolve_model(settings.whisper_model, models_folder(settings))
model = WhisperModel(path, device=settings.whisper_device, compute_type=settings.whisper_compute_type,
                     cpu_threads=settings.whisper_threads)
options = decoding_options(settings, model_is_multilingual(model))
left, right = decode_audio(sys.argv[1], sampling_rate=16000, split_stereo=True)
channels = [left] if channels_identical(left, right) else [left, right]
words = 0
for samples in channels:
    segments, _ = model.transcribe(samples, **options)
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


def wer_samples() -> list[tuple[str, str, object]]:
    """(name, reference text, 16 kHz float32 samples) of real speech shipped in tests/data/audio."""
    from faster_whisper.audio import decode_audio

    samples = [("jfk", "And so my fellow Americans, ask not what your country can do for you, ask what you "
                "can do for your country.", decode_audio(str(AUDIO / "jfk.flac")))]
    left, right = decode_audio(str(AUDIO / "stereo_two_speakers.wav"), split_stereo=True)
    samples.append(("stereo left", "He began a confused complaint against the wizard, who had vanished "
                    "behind the curtain on the left.", left))
    samples.append(("stereo right", "The horizon seems extremely distant.", right))
    for wav in sorted((AUDIO / "librivox").glob("*.wav")):
        samples.append((f"librivox {wav.stem[-4:]}", wav.with_suffix(".txt").read_text().strip(),
                        decode_audio(str(wav))))
    return samples


def version(samples, which: str):
    """The recording as is, through an 8 kHz phone band, or 20 dB quieter (16 kHz float32 out)."""
    import numpy as np
    from scipy.signal import butter, resample_poly, sosfiltfilt

    if which == "wideband":
        return samples
    if which == "quiet -20dB":
        return (samples * 10 ** (-20 / 20)).astype(np.float32)
    narrow = resample_poly(samples, 1, 2)  # 16 kHz -> 8 kHz
    narrow = sosfiltfilt(butter(6, [300, 3400], btype="bandpass", fs=8000, output="sos"), narrow)
    return resample_poly(narrow, 2, 1).astype(np.float32)  # back to the 16 kHz Whisper reads


def wer_child(model_name: str) -> None:
    """In a child process: transcribe every sample and version with one model, print JSON."""
    from review.settings import load_settings
    from review.transcribe import (
        decoding_options,
        load_model,
        model_is_multilingual,
        resolve_model,
        transcribe_samples,
    )
    from review.whisper_models import models_folder

    settings = load_settings(whisper_model=model_name)
    started = time.perf_counter()
    path, label = resolve_model(settings.whisper_model, models_folder(settings))
    model = load_model(path, settings.whisper_device, settings.whisper_compute_type, settings.whisper_threads)
    options = decoding_options(settings, model_is_multilingual(model))
    load_s = time.perf_counter() - started
    rows = []
    for name, reference, samples in wer_samples():
        for which in VERSIONS:
            audio = version(samples, which)
            started, cpu = time.perf_counter(), time.process_time()
            runs, _, _ = transcribe_samples(model, audio, options)
            rows.append({"file": name, "version": which, "reference": reference,
                         "text": "".join(w.word for words in runs for w in words).strip(),
                         "seconds": len(audio) / 16000, "wall": time.perf_counter() - started,
                         "cpu": time.process_time() - cpu})
    print(json.dumps({"label": label, "load_s": load_s, "rows": rows}))


def wer_table() -> None:
    from testkit.wer import word_edits

    results = {}
    for model_name in WER_MODELS:
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            proc = subprocess.Popen([sys.executable, __file__, "--wer-child", model_name], cwd=REPO, stdout=out)
            _, status, usage = os.wait4(proc.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{model_name} child failed")
            out.seek(0)
            result = json.loads(out.read().decode())
        result["rss_mb"] = usage.ru_maxrss / 1024
        result["child_wall"] = time.perf_counter() - started
        results[model_name] = result
    print(f"\nembedded models on real speech (tests/data/audio), WER % per file; {os.cpu_count()} CPUs (shared)")
    header = "".join(f"{m.removeprefix('embedded-') + ' ' + v:>22}" for v in VERSIONS for m in WER_MODELS)
    print(f"{'file':16}{header}")
    rows = {m: r["rows"] for m, r in results.items()}
    first = rows[WER_MODELS[0]]
    for i in range(0, len(first), len(VERSIONS)):
        cells = []
        for j, _ in enumerate(VERSIONS):
            for m in WER_MODELS:
                row = rows[m][i + j]
                edits, words = word_edits(row["reference"], row["text"])
                cells.append(f"{100 * edits / words:22.1f}")
        print(f"{first[i]['file']:16}{''.join(cells)}")
    audio_s = sum(r["seconds"] for r in first if r["version"] == VERSIONS[0])
    print(f"\n{len(first) // len(VERSIONS)} files, {audio_s:.0f} s of speech per version. RTF = decoding wall s / audio s "
          "(load excluded; inflated when other jobs share the CPUs); CPU/s = CPU seconds per audio second")
    print(f"{'model':12}{'version':14}{'pooled WER %':>14}{'RTF':>8}{'CPU/s':>8}")
    for m in WER_MODELS:
        for which in VERSIONS:
            chosen = [r for r in rows[m] if r["version"] == which]
            edits = sum(word_edits(r["reference"], r["text"])[0] for r in chosen)
            words = sum(word_edits(r["reference"], r["text"])[1] for r in chosen)
            seconds = sum(r["seconds"] for r in chosen)
            rtf, cpu = sum(r["wall"] for r in chosen) / seconds, sum(r["cpu"] for r in chosen) / seconds
            print(f"{m.removeprefix('embedded-'):12}{which:14}{100 * edits / words:14.1f}{rtf:8.3f}{cpu:8.3f}")
    print(f"\n{'model':12}{'label':16}{'load s':>8}{'peak RSS MB':>13}")
    for m, r in results.items():
        print(f"{m.removeprefix('embedded-'):12}{r['label']:16}{r['load_s']:8.2f}{r['rss_mb']:13.0f}")
    from review.whisper_models import EMBEDDED_DEFAULT

    print(f"'embedded' is: {EMBEDDED_DEFAULT}")
    for m in WER_MODELS:
        wrong = [r for r in rows[m] if r["version"] == "wideband" and word_edits(r["reference"], r["text"])[0]]
        for r in wrong:
            print(f"  {m.removeprefix('embedded-')} {r['file']}: {r['text']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", default=str(DEFAULT_AUDIO), help="recording to transcribe")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each command (median shown)")
    parser.add_argument("--no-der", action="store_true", help="skip the diarization section")
    parser.add_argument("--words", action="store_true", help="diarization section: also the word-attribution rate")
    args = parser.parse_args()
    if args.wer_child:
        wer_child(args.wer_child)
        return
    if not args.no_overhead:
        overhead_table(Path(args.audio).resolve(), args.repeat)
    if not args.no_wer:
        wer_table()
    if not args.no_der:
        der_table(args.words)


if __name__ == "__main__":
    main()
