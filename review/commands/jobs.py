"""`callreview jobs` (list background review jobs), `callreview worker` (run a worker), and the
`review --queue` path that submits files instead of reviewing them in the foreground."""

from __future__ import annotations

import sys
from pathlib import Path

from .args import whole


def register(sub) -> None:
    p = sub.add_parser("jobs", help="list background review jobs: status, stage, progress, outcome",
                       description="Jobs submitted from the app's Upload page or `callreview review --queue`.")
    p.add_argument("--status", choices=["queued", "running", "done", "failed"], help="only jobs in this state")
    p.add_argument("--limit", type=whole, default=50, help="newest N jobs, 1 or more (default 50)")
    p.set_defaults(handler=run_jobs)
    w = sub.add_parser("worker", help="run a worker that reviews queued jobs (Ctrl-C stops it)",
                       description="Runs a Huey consumer against CALLREVIEW_QUEUE_URL (empty: the SQLite "
                       "queue in the data folder). Start several, on several machines with Redis.")
    w.add_argument("--workers", type=whole, help="worker processes, 1 to 64 (default: CALLREVIEW_WORKERS); "
                   "for more, start workers on several machines with Redis")
    w.add_argument("--threads", action="store_true", help="threads instead of processes")
    w.add_argument("--embedded", action="store_true", help=argparse_hidden())
    w.set_defaults(handler=run_worker)


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


def run_jobs(args) -> int:
    from ..errors import InputError
    from ..jobs import job_name
    from ..settings import load_settings
    from ..store import Store

    if args.limit < 1:
        raise InputError(f"--limit {args.limit}: give 1 or more")
    settings = load_settings()
    store = Store.from_settings(settings)
    try:
        rows = store.list_jobs(status=args.status, limit=args.limit)
    finally:
        store.close()
    if not rows:
        print("No jobs." if not args.status else f"No {args.status} jobs.")
        return 0
    print(f"{'id':>5}  {'status':<8} {'stage':<10} {'progress':>8}  {'call':>5}  file / message")
    for j in rows:
        what = j.error if j.status == "failed" else (j.message or "")
        print(f"{j.id:>5}  {j.status:<8} {(j.stage or '-'):<10} {j.progress:>7.0%}  "
              f"{(j.call_id or '-')!s:>5}  {job_name(j)}: {what}")
    return 0


def run_worker(args) -> int:
    from ..jobs import hold_embedded_lock, run_worker, worker_count
    from ..settings import load_settings

    settings = load_settings()
    count = worker_count(settings, args.workers)  # refused before anything is printed or started
    if args.embedded and not hold_embedded_lock(settings):
        print("callreview: a local worker is running already", file=sys.stderr)
        return 0
    print(f"callreview worker: {count} worker(s) on "
          f"{settings.queue_url or 'the SQLite queue in ' + str(settings.home_path)}; Ctrl-C stops",
          file=sys.stderr)
    run_worker(settings, workers=count, worker_type="thread" if args.threads else "process")
    return 0


def queue_files(files: list[Path], args, settings) -> int:
    """`review --queue`: submit each file as a job and print its id; a bad file is skipped."""
    from ..errors import CallreviewError
    from ..jobs import ReviewOptions, check_submission, submit_review
    from ..store import Store

    store = Store.from_settings(settings)
    failed = queued = 0
    try:
        for f in files:
            try:
                check_submission(f.name, f.stat().st_size, settings.max_upload_mb)
                options = ReviewOptions(methodology=args.methodology, rep=args.rep, call_date=args.call_date,
                                        call_type=args.call_type, rep_speaker=args.rep_speaker,
                                        channels=args.channels)
                job, created = submit_review(store, settings, f, f.name, options)
                state = "queued" if created else f"already submitted ({job.status})"
                print(f"{f.name}: job {job.id} {state}")
                queued += 1
            except CallreviewError as exc:
                failed += 1
                print(f"callreview: error: {exc} (skipped)", file=sys.stderr)
    finally:
        store.close()
    if queued:
        print("Follow them with `callreview jobs`; a worker reviews them (`callreview worker`, or the "
              "app's).", file=sys.stderr)
    return 1 if failed else 0
