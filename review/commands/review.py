"""`callreview review FILE_OR_FOLDER --methodology NAME [--rep NAME] [--out DIR]`, and
`callreview review --retry CALL_ID` (a failed or interrupted call, from its kept upload)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from ..errors import CallreviewError, InputError
from ..timefmt import clock
from .args import whole


def register(sub) -> None:
    p = sub.add_parser(
        "review",
        help="transcribe, score and draft a SLED coaching agenda for a call or a folder of calls",
        description="Transcribe -> index -> score -> coach. A folder reviews every recording and "
        "transcript in it and carries on past a bad file.",
    )
    p.add_argument("path", metavar="FILE_OR_FOLDER", nargs="?")
    p.add_argument("--retry", type=whole, metavar="CALL_ID",
                   help="review a stored call again from its kept upload (e.g. one that failed)")
    p.add_argument("--methodology", "-m", help="methodology id or name (default: discovery, or the "
                   "call's own with --retry)")
    p.add_argument("--rep", help="the rep's name (for history, patterns and trends)")
    p.add_argument("--rep-speaker", help="which transcript speaker is the rep (default: left channel / first speaker); "
                   "with --retry, sets the stored call's rep and scores it again")
    p.add_argument("--out", help="folder for transcript.json, scorecard.json, agenda.md, prep_note.md")
    p.add_argument("--channels", choices=["auto", "mono", "split"], default="auto")
    p.add_argument("--date", dest="call_date", help="call date, YYYY-MM-DD (default: today)")
    p.add_argument("--call-type", default="discovery", help="e.g. discovery, demo, negotiation")
    p.add_argument("--engine", choices=["rules", "openai", "local"], help="override CALLREVIEW_LLM_ENGINE")
    p.add_argument("--model", help="override the faster-whisper model (name or path)")
    p.add_argument("--queue", action="store_true",
                   help="submit as background jobs for a worker instead of reviewing here")
    p.set_defaults(handler=run)


def _inputs(path: Path) -> list[Path]:
    from ..audio import AUDIO_EXTENSIONS
    from ..formats import TRANSCRIPT_EXTENSIONS

    if path.is_dir():
        wanted = set(AUDIO_EXTENSIONS) | TRANSCRIPT_EXTENSIONS
        present = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        files = [p for p in present if p.suffix.lower() in wanted]
        skipped = [p.name for p in present if p.suffix.lower() not in wanted]
        if skipped and files:  # say what the folder review leaves out, before any work
            print(f"callreview: note: skipped {len(skipped)} file(s) that are not recordings or transcripts: "
                  f"{', '.join(skipped)}", file=sys.stderr)
        if not files:
            raise InputError(f"{path}: no recordings or transcripts in this folder ({', '.join(sorted(wanted))})")
        return files
    if not path.exists():
        raise InputError(f"{path}: no such file or folder; check the path")
    return [path]


OUTPUT_NAMES = ("transcript.json", "scorecard.json", "agenda.md", "prep_note.md")


def out_folder(out_dir: Path, f: Path, files: list[Path]) -> Path:
    """Where the review of `f` is written: `out_dir` itself for one file, else a sub-folder per call named
    by its stem (call.vtt and call.json in one folder must not share it: then "call_vtt", "call_json")."""
    if len(files) == 1:
        return out_dir
    return out_dir / (f.stem if [g.stem for g in files].count(f.stem) == 1 else f.name.replace(".", "_"))


def _check_out(files: list[Path], out_dir: Path) -> None:
    """Refuse an --out that is a file, or whose review files would replace one of the calls reviewed
    (a transcript.json given from the folder it is written to)."""
    if not str(out_dir).strip():
        raise InputError("--out is empty; give a folder for the review's files, e.g. --out review-out")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file; give a folder for the review's files")
    written = {(out_folder(out_dir, f, files) / name).resolve() for f in files for name in OUTPUT_NAMES}
    clash = next((f for f in files if f.resolve() in written), None)
    if clash is not None:
        raise InputError(f"--out {out_dir} would write over {clash}, a call being reviewed; give another folder")


def write_outputs(result, out_dir: Path) -> list[Path]:
    """Write the review's files as one set: all are written to a temporary folder beside
    `out_dir` first and only then moved into place, so a failed write leaves the folder as it was."""
    from ..formats import write_json_atomic
    from ..render import agenda_to_markdown, prep_note_to_markdown, write_text_atomic
    from ..speaker_names import relabel_quotes, speaker_names

    out_dir = Path(out_dir)
    names = speaker_names(result.transcript, result.draft.rep)
    agenda = relabel_quotes(agenda_to_markdown(result.draft, result.scorecard), names)
    prep = relabel_quotes(prep_note_to_markdown(result.draft, result.scorecard), names)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file; give a folder for the review's files "
                         "(the review itself is saved in the store)")
    staging: Path | None = None
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.", suffix=".tmp"))
        write_json_atomic(staging / "transcript.json", result.transcript)
        write_json_atomic(staging / "scorecard.json", result.scorecard)
        write_text_atomic(staging / "agenda.md", agenda)
        write_text_atomic(staging / "prep_note.md", prep)
        if not out_dir.exists():
            os.rename(staging, out_dir)
        else:
            for name in OUTPUT_NAMES:
                os.replace(staging / name, out_dir / name)
    except (OSError, InputError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(
            f"{out_dir}: cannot write the review there ({detail}); choose another --out folder "
            "(the review itself is saved in the store; nothing was written)"
        ) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / n for n in OUTPUT_NAMES]


def _progress(name: str):
    def show(stage: str, fraction: float, message: str) -> None:
        if message:
            print(f"  [{name}] {stage}: {message}", file=sys.stderr)

    return show


def summary(result) -> str:
    sc, d = result.scorecard, result.draft
    lines = [
        f"{sc.methodology_name}: {sc.total_score:g}/{sc.total_max:g} ({sc.total_percent:.0f}%)"
        f"  [{sc.provenance.engine_label}]" + ("  (from the store)" if result.cached else ""),
        f"  review {result.review_id} of call {result.call_id} (`callreview feedback show {result.review_id}`, "
        f"`callreview turn {result.call_id}`)",
    ]
    for c in sc.criteria:
        when = f" @ {clock(c.evidence[0].start)}" if c.evidence else ""
        lines.append(f"  {c.score}/{c.max_score}  {c.verdict:<14} {c.name}{when}")
    lines += [f"  ! {flag}" for flag in sc.flags]  # what the scorecard warns of (unknown speakers ...)
    transcript = getattr(result, "transcript", None)
    if transcript is not None:  # what reading the call warned of ("the rep is taken to be speaker_1 ..."), as the
        from ..speakers import said_in_speaker_flags  # call page shows it, each said once

        lines += [f"  ! {w}" for w in transcript.warnings
                  if w not in sc.flags and not said_in_speaker_flags(w, transcript)]
    lines.append(f"Focus for coaching: {d.focus_criterion_name} ({d.pattern}); recommended: {d.solution}")
    return "\n".join(lines)


def run(args) -> int:
    from ..methodology import MethodologyLibrary
    from ..pipeline import Services, check_call_date, failure_reason, review_file
    from ..settings import load_settings

    settings = load_settings(llm_engine=args.engine, whisper_model=args.model)
    if args.retry is not None:
        return _retry(args, settings)
    if not args.path:
        raise InputError("give a FILE_OR_FOLDER to review, or --retry CALL_ID")
    methodology = args.methodology or "discovery"
    args.call_date = check_call_date(args.call_date)  # a bad date is the command's error: said once, before any work
    files = _inputs(Path(args.path))
    if args.out is not None:
        _check_out(files, Path(args.out))  # before minutes of transcription, and never over an input
    # a bad name is the command's error, not each file's: say it once, before any work
    MethodologyLibrary(settings).get(methodology)
    if args.queue:
        if args.out:
            raise InputError("--out needs the review now; drop --queue, or export from the app when the job is done")
        from .jobs import queue_files

        args.methodology = methodology
        return queue_files(files, args, settings)
    services = Services.from_settings(settings)
    failed = 0
    for f in files:
        try:
            result = review_file(
                f, services, methodology, rep=args.rep, call_date=args.call_date,
                call_type=args.call_type, rep_speaker=args.rep_speaker, channels=args.channels,
                progress=_progress(f.name),
            )
            print(f"== {f.name}")
            print(summary(result))
            if args.out:
                out = out_folder(Path(args.out), f, files)
                written = write_outputs(result, out)
                print(f"Wrote {', '.join(str(p) for p in written)}")
        except CallreviewError as exc:
            if len(files) == 1:
                raise
            failed += 1
            print(f"callreview: error: {exc} (skipped; carrying on)", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001  one file's unexpected failure must not stop the folder
            if len(files) == 1:
                raise
            failed += 1
            print(f"callreview: error: {f}: {failure_reason(exc)} (skipped; carrying on)", file=sys.stderr)
    if failed:
        print(f"callreview: {failed} of {len(files)} files failed; see the errors above", file=sys.stderr)
        return 1
    return 0


def _retry(args, settings) -> int:
    from ..pipeline import Services
    from ..rework import change_rep_speaker, retry_call

    if args.path:
        raise InputError("give either FILE_OR_FOLDER or --retry CALL_ID, not both")
    services = Services.from_settings(settings)
    progress = _progress(f"call {args.retry}")
    if args.rep_speaker:  # a stored call's rep named (a guess confirmed or corrected): a new version, scored
        result = change_rep_speaker(args.retry, services, args.rep_speaker, args.methodology, progress=progress)
    else:
        result = retry_call(args.retry, services, args.methodology, progress=progress)
    print(f"== call {result.call_id}")
    print(summary(result))
    if args.out:
        written = write_outputs(result, Path(args.out))
        print(f"Wrote {', '.join(str(p) for p in written)}")
    return 0
