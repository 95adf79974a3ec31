"""`callreview transcribe FILE`: print a speaker-attributed transcript and its metrics.

A recording is transcribed (a transcript file is read), the readable transcript and the
conversation metrics go to stdout, and `--out` saves the JSON atomically, only once all
succeeded, so a failed run never leaves a partial file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ..errors import InputError
from ..timefmt import clock

# Show a progress bar for recordings longer than this even when stderr is not a terminal
# (e.g. a CI log), so a long run is visibly alive.
_LONG_RECORDING_S = 300.0
_BAR_WIDTH = 30


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "transcribe",
        help="Transcribe a call recording (or read a transcript file) and show speakers and metrics.",
        description="Transcribe a call recording offline with faster-whisper, or read a .vtt/.srt/.txt/.json "
        "transcript, and print the speaker-attributed transcript and conversation metrics.",
    )
    parser.add_argument("file", help="recording (wav, mp3, m4a, ogg/opus, webm, mp4, flac) or transcript file")
    parser.add_argument("--out", help="write the transcript as JSON to this file")
    parser.add_argument("--model", help="embedded (Whisper base, the default), embedded-tiny.en (faster, English only), or a faster-whisper model name or local folder")
    parser.add_argument(
        "--channels",
        choices=["auto", "mono", "split"],
        default="auto",
        help="auto: one speaker per channel when the two channels differ; mono: mix; split: always per channel",
    )
    parser.add_argument("--rep", help="speaker who is the rep (default: speaker_1, the left channel)")
    parser.set_defaults(handler=run)


class ProgressBar:
    """A one-line text bar on a stream, redrawn at most a few times a second.

    Args:
        stream: where to draw (stderr).
        label: file name shown before the bar.
    """

    def __init__(self, stream, label: str):
        self.stream = stream
        self.label = label
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, done: float, total: float) -> None:
        now = time.monotonic()
        if done < total and now - self._last_draw < 0.25:
            return
        self._last_draw = now
        share = min(done / total, 1.0) if total else 1.0
        filled = int(share * _BAR_WIDTH)
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        elapsed = now - self.started
        self.stream.write(f"\r{self.label} [{bar}] {share:4.0%}  {clock(done)}/{clock(total)} audio, {elapsed:.0f}s")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _wants_progress(path: str) -> bool:
    if sys.stderr.isatty():
        return True
    try:
        import av

        with av.open(path, metadata_errors="ignore") as container:
            return (container.duration or 0) / 1_000_000 > _LONG_RECORDING_S
    except Exception:  # noqa: BLE001 - an unreadable file gets its clear error from the decoder
        return False


def _check_out(source: Path, out: str) -> None:
    """Refuse an --out that would replace the file being transcribed or any file that is not a JSON
    transcript (a recording, a caption file), or that is a folder or empty."""
    if not out.strip():
        raise InputError("--out is empty; give a file name for the JSON transcript, e.g. --out call.json")
    target = Path(out)
    if target.is_dir():
        raise InputError(f"--out {out} is a folder; give a file name for the JSON transcript, e.g. {target / 'call.json'}")
    if target.exists() and source.exists() and os.path.samefile(target, source):
        raise InputError(f"--out {out} is the file being transcribed; give another name, e.g. "
                         f"{source.with_name(source.stem + '.transcript.json').name}")
    if target.exists() and target.suffix.lower() != ".json":
        raise InputError(f"--out {out} exists and is not a .json file; give a new name or a .json file to replace")


def run(args: argparse.Namespace) -> int:
    from ..formats import (
        TRANSCRIPT_EXTENSIONS,
        metrics_to_text,
        transcript_to_text,
        write_json_atomic,
    )
    from ..settings import load_settings
    from ..transcribe import transcript_from_file

    if args.out is not None:
        _check_out(Path(args.file), args.out)  # before the work, and never over the call itself
    settings = load_settings(whisper_model=args.model)
    bar = None
    is_transcript = args.file.lower().endswith(tuple(TRANSCRIPT_EXTENSIONS))
    if not is_transcript and _wants_progress(args.file):
        bar = ProgressBar(sys.stderr, args.file)
    try:
        transcript = transcript_from_file(
            args.file, settings, channels=args.channels, rep_speaker=args.rep, progress=bar
        )
    finally:
        if bar:
            bar.close()
    for warning in transcript.warnings:
        print(f"callreview: warning: {warning}", file=sys.stderr)
    print(transcript_to_text(transcript))
    print()
    print(metrics_to_text(transcript.metrics))
    if args.out:
        write_json_atomic(args.out, transcript)
        print(f"callreview: transcript written to {args.out}", file=sys.stderr)
    return 0
