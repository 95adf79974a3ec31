"""Store methods for background review jobs: the durable record of every submitted file.

The queue engine (Huey, see review.jobs) only carries job ids; what a job is, whether it runs, who
runs it and how far it got lives here, in the same database as the calls. That is what makes a job
survive a killed worker or a restarted app: a job whose worker stopped sending heartbeats is handed
back to the queue (`requeue_stale`), and `claim_job` lets exactly one worker run a job at a time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy import and_, insert, or_, select, update

from ..errors import StoreError
from ..migrations import jobs, utc_now
from ..team_schema import JOB_STATUSES
from .base import StoreBase, inserted_id


@dataclass
class Job:
    id: int
    kind: str
    dedupe_key: str
    file_sha256: str
    filename: str
    stored_path: str
    options: dict
    status: str
    stage: str | None
    progress: float
    message: str | None
    attempts: int
    worker: str | None
    heartbeat_at: float | None
    call_id: int | None
    review_id: int | None
    error: str | None
    created_by: str | None
    created_at: str
    updated_at: str

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


def _job(row) -> Job:
    data = dict(row)
    data["options"] = json.loads(data.pop("options_json") or "{}")
    return Job(**data)


class JobMethods(StoreBase):
    """The jobs part of `review.store.Store`."""

    def add_job(self, *, dedupe_key: str, file_sha256: str, filename: str, stored_path: str,
                options: dict, created_by: str | None = None, kind: str = "review",
                reuse_done: bool = True, call_id: int | None = None) -> tuple[Job, bool]:
        """Record a job, or return the live one already submitted with the same key.

        A job with the same `dedupe_key` that is queued, running or done is returned instead of a
        new one (the same file with the same options is reviewed once); a failed one is not, so
        submitting again retries. reuse_done=False: a done one is not either (work on a stored call,
        which may have changed since, is done again; the pipeline serves what did not change from
        the store). call_id: the stored call the work is on (work on a stored call), so deleting
        the call deletes its queued work with it (Store.delete_call). Returns (job, created).
        """
        over = ("failed",) if reuse_done else ("failed", "done")
        with self._write() as conn:
            row = conn.execute(
                select(jobs).where(and_(jobs.c.dedupe_key == dedupe_key, jobs.c.status.notin_(over)))
                .order_by(jobs.c.id.desc()).limit(1)
            ).mappings().first()
            if row is not None:
                return _job(row), False
            now = utc_now()
            job_id = inserted_id(conn.execute(insert(jobs).values(
                kind=kind, dedupe_key=dedupe_key, file_sha256=file_sha256, filename=filename,
                stored_path=stored_path, options_json=json.dumps(options, sort_keys=True),
                status="queued", stage=None, progress=0.0, message="Waiting for a worker",
                attempts=0, worker=None, heartbeat_at=None, call_id=call_id, review_id=None, error=None,
                created_by=created_by, created_at=now, updated_at=now,
            )))
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().one()
        return _job(row), True

    def get_job(self, job_id: int) -> Job | None:
        with self._read() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
        return _job(row) if row else None

    def list_jobs(self, status: str | None = None, created_by: str | None = None,
                  limit: int = 200) -> list[Job]:
        """Jobs, newest first; optionally only one status or one submitter's."""
        query = select(jobs)
        if status:
            _check_status(status)
            query = query.where(jobs.c.status == status)
        if created_by:
            query = query.where(jobs.c.created_by == created_by)
        with self._read() as conn:
            rows = conn.execute(query.order_by(jobs.c.id.desc()).limit(limit)).mappings().all()
        return [_job(r) for r in rows]

    def claim_job(self, job_id: int, worker: str, max_attempts: int) -> Job | None:
        """Take a queued job for `worker`; None if it is not queued (done, failed or already taken).

        Atomic (one UPDATE ... WHERE status = 'queued'), so of two workers handed the same job id
        only one runs it. A job past `max_attempts` is marked failed instead.
        """
        with self._write() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
            if row is None or row["status"] != "queued":
                return None
            if row["attempts"] >= max_attempts:
                conn.execute(update(jobs).where(jobs.c.id == job_id).values(
                    status="failed", updated_at=utc_now(),
                    error=f"gave up after {row['attempts']} interrupted attempts; submit the file again",
                ))
                return None
            taken = conn.execute(update(jobs).where(and_(jobs.c.id == job_id, jobs.c.status == "queued"))
                                 .values(status="running", worker=worker, heartbeat_at=time.time(),
                                         attempts=row["attempts"] + 1, updated_at=utc_now(),
                                         message="Started")).rowcount
            if taken != 1:
                return None
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().one()
        return _job(row)

    def job_progress(self, job_id: int, worker: str, stage: str, progress: float, message: str) -> None:
        """Record how far a running job got (and that its worker is alive)."""
        with self._write() as conn:
            conn.execute(update(jobs).where(and_(jobs.c.id == job_id, jobs.c.worker == worker,
                                                 jobs.c.status == "running"))
                         .values(stage=stage, progress=max(0.0, min(1.0, float(progress))),
                                 message=message or None, heartbeat_at=time.time(), updated_at=utc_now()))

    def job_heartbeat(self, job_id: int, worker: str) -> None:
        with self._write() as conn:
            conn.execute(update(jobs).where(and_(jobs.c.id == job_id, jobs.c.worker == worker,
                                                 jobs.c.status == "running"))
                         .values(heartbeat_at=time.time()))

    def finish_job(self, job_id: int, worker: str, call_id: int | None, review_id: int | None,
                   message: str) -> None:
        with self._write() as conn:
            conn.execute(update(jobs).where(and_(jobs.c.id == job_id, jobs.c.worker == worker))
                         .values(status="done", stage="store", progress=1.0, message=message,
                                 call_id=call_id, review_id=review_id, error=None, updated_at=utc_now()))

    def fail_job(self, job_id: int, worker: str | None, error: str, call_id: int | None = None) -> None:
        where = jobs.c.id == job_id if worker is None else and_(jobs.c.id == job_id, jobs.c.worker == worker)
        with self._write() as conn:
            conn.execute(update(jobs).where(where).values(
                status="failed", error=error, message=error, call_id=call_id, updated_at=utc_now()))

    def requeue_stale(self, stale_after_s: float, queued_after_s: float | None = None) -> list[int]:
        """Hand back jobs whose worker stopped: running with no heartbeat for `stale_after_s`.

        queued_after_s: also return queued jobs older than this (their queue message may have been
        lost with a broker restart), so the caller can enqueue them again; None = not those.
        Returns the ids to enqueue again (claim_job makes a duplicate message harmless).
        """
        now = time.time()
        with self._write() as conn:
            stale = conn.scalars(select(jobs.c.id).where(and_(
                jobs.c.status == "running",
                or_(jobs.c.heartbeat_at.is_(None), jobs.c.heartbeat_at < now - stale_after_s),
            ))).all()
            if stale:
                conn.execute(update(jobs).where(jobs.c.id.in_(stale)).values(
                    status="queued", worker=None, updated_at=utc_now(),
                    message="The worker stopped; queued again"))
            ids = list(stale)
            if queued_after_s is not None:
                cutoff = now - queued_after_s
                waiting = conn.execute(select(jobs.c.id, jobs.c.updated_at).where(jobs.c.status == "queued"))
                ids += [r.id for r in waiting if r.id not in stale and _age_ok(r.updated_at, cutoff)]
        return ids


def _age_ok(updated_at: str, cutoff: float) -> bool:
    from datetime import datetime

    try:
        return datetime.fromisoformat(updated_at).timestamp() < cutoff
    except ValueError:
        return True


def _check_status(status: str) -> None:
    if status not in JOB_STATUSES:
        raise StoreError(f"job status {status!r} is not one of {', '.join(JOB_STATUSES)}")
