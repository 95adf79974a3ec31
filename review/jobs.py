"""Background review jobs on a task queue: submit a file, a worker reviews it, anyone can watch.

The queue engine is Huey (see ARCHITECTURE.md, "Jobs"): by default its SQLite storage in the data
folder, so no server is needed; with `CALLREVIEW_QUEUE_URL=redis://...` the same code runs any
number of workers on several machines against Redis. Huey only carries job ids. The job itself
(file, options, status, stage, progress, heartbeat, the call and review it produced) is a row in
the store (review.store.job_methods), which is what makes it survive a killed worker: a job whose
worker stops sending heartbeats is queued again by any worker's reaper, `claim_job` lets one worker
run it at a time, and a review of unchanged content is served from the store, so a retried job
completes once and never makes a second review.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import audio
from .errors import CallreviewError, ConfigError, InputError

if TYPE_CHECKING:
    from huey import Huey

    from .settings import Settings
    from .store import Job, Store

log = logging.getLogger("callreview.jobs")

TASK_NAME = "callreview.review_job"
HEARTBEAT_S = 5.0


@dataclass
class ReviewOptions:
    """What a review job is asked to do (stored with the job as JSON)."""

    methodology: str
    rep: str | None = None
    call_date: str | None = None
    call_type: str = "discovery"
    rep_speaker: str | None = None
    channels: str = "auto"
    title: str | None = None


@dataclass
class ReworkOptions:
    """Work on a stored call, as a job (kinds in REWORK_KINDS; review.rework does the work)."""

    call_id: int
    methodology: str | None = None  # id or name; None: the latest review's
    engine: str | None = None  # "rules", "openai", "local"; None: the settings' engine (re-score only)
    rep_speaker: str | None = None  # the speaker who is the rep (change of rep only)
    segment_id: int | None = None  # the turn whose speaker is wrong (who said a turn only)
    speaker: str | None = None  # who really said it
    first_sentence: int = 0  # the first and last of its sentences that speaker said, from 0
    last_sentence: int | None = None  # None: to the end of the turn
    transcript_version: int | None = None  # the version the turn was picked on (None: the latest)
    turn_speakers: list | None = None  # [[turn id, speaker], ...]: who said each of many turns
    others: str | None = None  # who said every other turn still "unknown" (None: they stay so)
    alternate: str | None = None  # or: those turns go to the rep and the customer in turn, this one first
    author: str | None = None  # who asked, as the app names them (kept with a hand-changed transcript);
    # None: the job's created_by


# job kind -> what the job does, as the jobs lists say it
REWORK_KINDS = {"rescore": "re-score", "rep_speaker": "new rep", "turn_speaker": "who said a turn",
                "turn_speakers": "who said each turn", "retry": "review again"}


def job_name(job: Job) -> str:
    """The job's file, and for work on a stored call what is done to it ("call.wav (re-score)")."""
    return f"{job.filename} ({REWORK_KINDS[job.kind]})" if job.kind in REWORK_KINDS else job.filename


# --------------------------------------------------------------------------- the queue


_QUEUES: dict[str, tuple[Huey, Callable[[int], Any]]] = {}


def queue_for(settings: Settings) -> Huey:
    """The Huey queue the settings name, with the review task registered (one per process and URL)."""
    return _queue(settings)[0]


def _queue(settings: Settings) -> tuple[Huey, Callable[[int], Any]]:
    url = settings.queue_url.strip()
    key = url or f"sqlite:{settings.home_path / 'jobs.db'}"
    if key not in _QUEUES:
        _QUEUES[key] = _make_queue(url, settings)
    return _QUEUES[key]


def _make_queue(url: str, settings: Settings) -> tuple[Huey, Callable[[int], Any]]:
    from huey import RedisHuey, SqliteHuey

    if not url:
        huey = SqliteHuey("callreview", filename=str(settings.home_path / "jobs.db"), results=False,
                          fsync=True)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        try:
            huey = RedisHuey("callreview", url=url, results=False)
        except Exception as exc:  # a malformed URL
            raise ConfigError(f"CALLREVIEW_QUEUE_URL is not a Redis URL ({exc}); use redis://host:6379/0") from None
    else:
        raise ConfigError(f"CALLREVIEW_QUEUE_URL={url!r} is not supported; leave it empty for the "
                          "built-in SQLite queue or use redis://host:6379/0")

    @huey.task(name=TASK_NAME, retries=0)
    def review_job(job_id: int) -> None:
        run_job(job_id, _worker_settings())

    @huey.on_startup()
    def start_reaper() -> None:  # every worker also hands back the jobs of workers that died
        from .settings import load_settings

        _start_reaper(load_settings())

    return huey, review_job


def _worker_settings() -> Settings:
    from .settings import load_settings

    return load_settings()


def enqueue(settings: Settings, job_id: int) -> None:
    """Put a job id on the queue; a broker that cannot be reached is a one-line error."""
    _, task = _queue(settings)
    try:
        task(job_id)  # calling a Huey task puts it on the queue
    except Exception as exc:  # redis.ConnectionError, sqlite3.OperationalError, ...
        raise ConfigError(f"cannot reach the job queue ({type(exc).__name__}: {str(exc)[:120]}); "
                          "check CALLREVIEW_QUEUE_URL and that Redis runs") from None


# --------------------------------------------------------------------------- submitting


def dedupe_key(file_sha256: str, options: ReviewOptions) -> str:
    """Two submissions with the same bytes and options are the same job."""
    from .hashing import sha256_json

    return sha256_json({"file": file_sha256, "options": asdict(options)})


def submit_review(store: Store, settings: Settings, source: bytes | Path, filename: str,
                  options: ReviewOptions, created_by: str | None = None) -> tuple[Job, bool]:
    """Keep the file in the uploads folder, record a job and queue it; (job, created).

    The same file with the same options returns the job already submitted (queued, running or
    done) instead of a second one. Nothing is queued for a file that fails the upload checks:
    the caller checks size and type first (review.audio / the app's check_upload).
    source: the file's bytes or path. filename: the name the user gave it.
    """
    from .hashing import sha256_bytes, sha256_file
    from .pipeline import preflight

    # a file the pipeline cannot read is refused before anything is kept or queued
    if isinstance(source, bytes):
        # (the folder name is one the app strips from messages: they name the file as uploaded)
        with tempfile.TemporaryDirectory(prefix="callreview-upload-") as folder:
            named = Path(folder) / (Path(filename).name or "upload")
            named.write_bytes(source)
            preflight(named, settings, options.rep_speaker)
    else:
        preflight(Path(source), settings, options.rep_speaker)
    sha = sha256_bytes(source) if isinstance(source, bytes) else sha256_file(Path(source))
    stored = store.keep_upload(source, sha, filename)
    job, created = store.add_job(dedupe_key=dedupe_key(sha, options), file_sha256=sha,
                                 filename=Path(filename).name, stored_path=str(stored),
                                 options=asdict(options), created_by=created_by)
    if created:
        enqueue(settings, job.id)
    return job, created


def submit_rework(store: Store, settings: Settings, kind: str, options: ReworkOptions,
                  created_by: str | None = None) -> tuple[Job, bool]:
    """Queue work on a stored call (re-score it, change its rep or who said a turn, review it again);
    (job, created).

    The work runs in a worker like an upload's review, so the page that asked may be left; the same
    work asked again while it is queued or running is that job, not a second one.
    kind: one of REWORK_KINDS. options: which call, and what to do with it.
    """
    from .hashing import sha256_json

    if kind not in REWORK_KINDS:
        raise ValueError(f"unknown kind of work {kind!r}; one of {', '.join(REWORK_KINDS)}")
    call = store.get_call(options.call_id)
    if call is None:
        raise InputError(f"call {options.call_id} does not exist in the store; reload the Calls page")
    same_work = {**asdict(options), "author": None}  # the same work asked by two people is one job
    job, created = store.add_job(
        dedupe_key=sha256_json({"kind": kind, "options": same_work}), file_sha256=call.audio_sha256 or "",
        filename=call.filename, stored_path=call.stored_path or "", options=asdict(options),
        created_by=created_by, kind=kind, reuse_done=False, call_id=call.id)
    if created:
        enqueue(settings, job.id)
    return job, created


def _do_rework(kind: str, options: ReworkOptions, services, progress) -> Any:
    from . import rework

    if kind == "rescore":
        return rework.rescore_call(options.call_id, services, options.methodology, engine=options.engine,
                                   progress=progress)
    if kind == "rep_speaker":
        if not options.rep_speaker:
            raise InputError("name the speaker who is the rep")
        return rework.change_rep_speaker(options.call_id, services, options.rep_speaker, options.methodology,
                                         progress=progress, author=options.author)
    if kind == "turn_speaker":
        if options.segment_id is None or not options.speaker:
            raise InputError("name the turn and the speaker who said it")
        return rework.change_turn_speaker(options.call_id, services, options.segment_id, options.speaker,
                                          options.first_sentence, options.last_sentence, options.methodology,
                                          progress=progress, version=options.transcript_version,
                                          author=options.author)
    if kind == "turn_speakers":
        if not options.turn_speakers and not options.others and not options.alternate:
            raise InputError("name the turns and who said each")
        changes = {int(t): str(who) for t, who in options.turn_speakers or []}
        return rework.change_turn_speakers(options.call_id, services, changes, options.methodology, progress=progress,
                                           version=options.transcript_version, author=options.author,
                                           others=options.others, alternate=options.alternate)
    return rework.retry_call(options.call_id, services, options.methodology, progress=progress)


# --------------------------------------------------------------------------- running


_SERVICES: dict[str, object] = {}


def _services(settings: Settings):
    from .hashing import sha256_text
    from .pipeline import Services

    key = json.dumps(settings.redacted(), sort_keys=True, default=str) + sha256_text(settings.llm_api_key)
    if key not in _SERVICES:
        _SERVICES.clear()
        _SERVICES[key] = Services.from_settings(settings)
    return _SERVICES[key]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_job(job_id: int, settings: Settings, services=None, review: Callable | None = None) -> str:
    """Run one job if it is still queued: claim it, review the file with progress and heartbeats,
    and record the outcome. Returns the job's final status ("skipped" if another worker has it).

    services: the pipeline's services (tests pass fakes); None builds them from the settings.
    review: the pipeline's review_file (tests pass a fake).
    """
    from .pipeline import review_file

    review = review or review_file
    services = services or _services(settings)
    store = services.store
    worker = worker_name()
    job = store.claim_job(job_id, worker, settings.job_max_attempts)
    if job is None:
        return "skipped"
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(store, job_id, worker, stop), daemon=True)
    beat.start()
    folder = ""

    def progress(stage: str, fraction: float, message: str) -> None:
        store.job_progress(job_id, worker, stage, fraction, message)

    try:
        if job.kind in REWORK_KINDS:
            work = ReworkOptions(**job.options)
            work.author = work.author or job.created_by  # jobs queued before authors were kept
            result = _do_rework(job.kind, work, services, progress)
            card = result.scorecard
            note = " (served from the store: nothing changed)" if result.cached else ""
            store.finish_job(job_id, worker, result.call_id, result.review_id,
                             f"{card.methodology_name} {card.total_percent:.0f}%{note}")
            return "done"
        options = ReviewOptions(**job.options)
        with tempfile.TemporaryDirectory(prefix="callreview-job-") as folder:
            # the pipeline reads the format from the suffix and the title from the name the user gave
            named = Path(folder) / job.filename
            os.symlink(job.stored_path, named)
            result = review(
                named, services, options.methodology, rep=options.rep, call_date=options.call_date,
                call_type=options.call_type, rep_speaker=options.rep_speaker,
                channels=options.channels, title=options.title, progress=progress,
            )
        # A recording a browser cannot play (WMA, AMR) gets its MP3 copy here, off the page that
        # plays it; best effort: without it the page makes it or says it cannot.
        audio.playable(job.stored_path)
        card = result.scorecard
        note = " (served from the store)" if result.cached else ""
        store.finish_job(job_id, worker, result.call_id, result.review_id,
                         f"{card.methodology_name} {card.total_percent:.0f}%{note}")
        return "done"
    except CallreviewError as exc:
        message = str(exc).replace(f"{folder}/", "") if folder else str(exc)
        store.fail_job(job_id, worker, message if job.filename in message else f"{job.filename}: {message}")
        return "failed"
    except Exception as exc:  # reported on the job, never lost in a worker log only
        log.exception("job %s failed", job_id)
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        store.fail_job(job_id, worker, f"{job.filename}: the review failed unexpectedly "
                                       f"({type(exc).__name__}: {detail}); retry it or see the worker log")
        return "failed"
    finally:
        stop.set()


def _heartbeat(store: Store, job_id: int, worker: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            store.job_heartbeat(job_id, worker)
        except Exception:  # a missed beat only makes the job look stale sooner
            log.warning("heartbeat of job %s failed", job_id)


def reap(settings: Settings, store: Store | None = None) -> list[int]:
    """Queue again the jobs whose worker stopped (no heartbeat for job_stale_s) and queued jobs
    whose queue message may be lost (waiting longer than job_stale_s); returns their ids."""
    from .store import Store

    own = store is None
    store = store or Store.from_settings(settings)
    try:
        ids = store.requeue_stale(settings.job_stale_s, queued_after_s=settings.job_stale_s)
        for job_id in ids:
            enqueue(settings, job_id)
        if ids:
            log.info("queued again: jobs %s", ids)
        return ids
    finally:
        if own:
            store.close()


_REAPER_STARTED = threading.Event()


def _start_reaper(settings: Settings) -> None:
    if _REAPER_STARTED.is_set():
        return
    _REAPER_STARTED.set()

    def loop() -> None:
        interval = max(1.0, settings.job_stale_s / 3)
        while True:
            try:
                reap(settings)
            except Exception:
                log.exception("reaping stale jobs failed")
            threading.Event().wait(interval)

    threading.Thread(target=loop, name="callreview-reaper", daemon=True).start()


# Worker processes one `callreview worker` may start: each loads the models a review needs, so more than this
# on one machine only thrashes it (more workers: start them on several machines against Redis).
MAX_WORKERS = 64


def worker_count(settings: Settings, workers: int | None = None) -> int:
    """The worker processes to start: `workers` (--workers) or settings.workers, checked to be 1 to
    MAX_WORKERS; ConfigError naming the setting given otherwise."""
    count = workers if workers is not None else settings.workers
    given = f"--workers {count}" if workers is not None else f"CALLREVIEW_WORKERS={count}"
    if count < 1:
        raise ConfigError(f"{given}: a worker needs at least 1 process; give 1 to {MAX_WORKERS}")
    if count > MAX_WORKERS:
        raise ConfigError(f"{given}: at most {MAX_WORKERS} worker processes on one machine; give 1 to "
                          f"{MAX_WORKERS}, and for more start workers on several machines with Redis "
                          "(CALLREVIEW_QUEUE_URL)")
    return count


def run_worker(settings: Settings, workers: int | None = None, worker_type: str = "process") -> None:
    """Run a Huey consumer with `workers` workers until interrupted (`callreview worker`)."""
    count = worker_count(settings, workers)
    huey = queue_for(settings)
    reap(settings)  # jobs left running by a worker that died while none was up
    consumer = huey.create_consumer(workers=count, worker_type=worker_type, periodic=False,
                                    check_worker_health=True, health_check_interval=5)
    consumer.run()


def accepted_formats() -> str:
    """The formats callreview reviews, as one phrase (the upload caption and the errors use it)."""
    from .audio import AUDIO_EXTENSIONS
    from .formats import TRANSCRIPT_EXTENSIONS

    return (f"recordings ({', '.join(e.lstrip('.') for e in AUDIO_EXTENSIONS)}) or transcripts "
            f"({', '.join(e.lstrip('.') for e in sorted(TRANSCRIPT_EXTENSIONS))})")


# the longest upload name kept (in UTF-8 bytes): the kept copy adds a prefix, and file systems stop at 255
MAX_NAME_BYTES = 200


def check_submission(name: str, size: int, max_mb: int) -> None:
    """Refuse a file the pipeline cannot read or that is over the size limit, before anything is kept.

    name: the file's name. size: its size in bytes. max_mb: settings.max_upload_mb.
    """
    from .audio import AUDIO_EXTENSIONS
    from .errors import InputError
    from .formats import TRANSCRIPT_EXTENSIONS

    kinds = tuple(AUDIO_EXTENSIONS) + tuple(sorted(TRANSCRIPT_EXTENSIONS))
    suffix = Path(name).suffix.lower()
    if len(name.encode()) > MAX_NAME_BYTES:  # the kept upload's name: file systems take 255 bytes
        raise InputError(f"{name[:40]}\u2026{suffix}: the file name is {len(name)} characters long; rename the file "
                         f"(under {MAX_NAME_BYTES} characters) and upload it again")
    if not suffix and name.startswith(".") and name.lower() in kinds:
        raise InputError(f"{name}: the file has no name before its extension; rename it (e.g. call{name}) and "
                         "upload it again")
    if suffix not in kinds:
        raise InputError(f"{name}: '{suffix or 'no extension'}' is not a recording or transcript; "
                         f"upload {accepted_formats()}")
    if size == 0:
        what = "transcript" if suffix in TRANSCRIPT_EXTENSIONS else "recording"
        raise InputError(f"{name}: the file is empty; upload the {what} again")
    if size > max_mb * 1024 * 1024:
        raise InputError(f"{name}: {size / 1024 / 1024:.1f} MB is over the {max_mb} MB limit; "
                         "trim the recording or raise max_upload_mb in Settings")


# --------------------------------------------------------------------------- the app's own worker

_LOCK_HANDLES: list = []


def hold_embedded_lock(settings: Settings) -> bool:
    """Take the data folder's embedded-worker lock for this process; False if another holds it."""
    import fcntl

    handle = open(settings.home_path / "embedded-worker.lock", "a+")  # noqa: SIM115 (held for life)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")  # who holds it: `kill $(cat embedded-worker.lock)` stops the worker
    handle.flush()
    _LOCK_HANDLES.append(handle)
    return True


def embedded_worker_running(settings: Settings) -> bool:
    import fcntl

    path = settings.home_path / "embedded-worker.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def ensure_local_worker(settings: Settings) -> bool:
    """Start `callreview worker --embedded` in the background unless one runs (or it is switched
    off, or the queue is a shared broker whose workers run elsewhere). True if one was started.

    The worker is its own process, detached from the app: a manager who closes the tab, or an app
    that restarts, does not stop the batch.
    """
    import subprocess
    import sys

    if not settings.embedded_worker or settings.queue_url or embedded_worker_running(settings):
        return False
    logs = settings.home_path / "logs"
    logs.mkdir(exist_ok=True)
    with open(logs / "worker.log", "ab") as out:
        subprocess.Popen([sys.executable, "-m", "review", "worker", "--embedded"], stdout=out, stderr=out,
                         stdin=subprocess.DEVNULL, start_new_session=True, env=dict(os.environ))
    return True
