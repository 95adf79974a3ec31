"""The signed-in person's jobs (reviews of uploads, and re-scores, new reps and retries of stored
calls) with their stage and progress, refreshed while any runs.

Read from the store (the job rows the workers update), so it shows the same after a reload, from
another tab, or after the manager left the page and came back.
"""

from __future__ import annotations

import streamlit as st

from review.jobs import job_name
from review.ui import state
from review.ui.safe_text import md_text

STAGE_LABELS = {"transcribe": "Transcribing", "index": "Finding evidence", "score": "Scoring",
                "coach": "Drafting the coaching agenda", "store": "Saving"}
STAGES = tuple(STAGE_LABELS)
REFRESH_S = 2.0


def overall(stage: str | None, fraction: float) -> float:
    """How far a job is across the five stages (0..1)."""
    index = STAGES.index(stage) if stage in STAGES else 0
    return min(1.0, (index + max(0.0, min(1.0, fraction))) / len(STAGES))


def stage_text(job) -> str:
    """What a queued or running job is doing now, in words ("Scoring", "Waiting for a worker")."""
    return STAGE_LABELS.get(job.stage or "", "Waiting for a worker") if job.status == "running" \
        else "Waiting for a worker"


def _row(job, i: int) -> None:
    left, right = st.columns([5, 1], vertical_alignment="center")
    if job.status == "done":
        left.success(md_text(f"{job_name(job)}: {job.message}"), icon=":material/check_circle:")  # names as typed
        if job.call_id and job.review_id and right.button("Open review", key=f"open_job_{job.id}_{i}"):
            state.go("review", job.call_id, job.review_id)
    elif job.status == "failed":
        left.error(md_text(job.error or f"{job.filename}: failed"), icon=":material/error:")
    else:
        label = stage_text(job)
        detail = f" ({job.message})" if job.message and job.status == "running" else ""
        left.caption(md_text(f"{job_name(job)}: {label}{detail}"))
        left.progress(overall(job.stage, job.progress) if job.status == "running" else 0.0)


def render_jobs(limit: int = 20) -> None:
    """The latest jobs of the signed-in person (all jobs for an admin)."""
    jobs = state.services().store.list_jobs(limit=limit)
    if not jobs:
        return
    running = any(not j.finished for j in jobs)

    @st.fragment(run_every=REFRESH_S if running else None)
    def panel() -> None:
        current = state.services().store.list_jobs(limit=limit)
        st.subheader("Reviews in progress and done")
        if any(not j.finished for j in current):
            st.caption("They run in the background: you can leave this page and come back.")
        for i, job in enumerate(current):
            _row(job, i)
        if running and not any(not j.finished for j in current):
            st.rerun()  # the last one finished: refresh the page (and stop refreshing)

    panel()
