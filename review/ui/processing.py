"""Uploaded files from the app: checks, de-duplication and a background job per file.

Shared by the Upload page and the "Try the example call" offer on empty pages. Every file gets
its own outcome (queued, duplicate, or one error line), so one bad file never stops the others;
the jobs' progress is shown by review/ui/jobs_panel.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from review.errors import CallreviewError
from review.hashing import sha256_bytes
from review.jobs import accepted_formats  # noqa: F401  (the Upload page's caption)
from review.resources import example_call

from ..formats import TRANSCRIPT_EXTENSIONS as _TRANSCRIPTS
from . import state

TRANSCRIPT_EXTENSIONS = tuple(sorted(_TRANSCRIPTS))


@dataclass
class UploadOutcome:
    """What happened to one uploaded file.

    name: the uploaded file name. kind: "queued", "duplicate", "rescore" (the same recording, another methodology) or "error".
    message: one line for the manager. call_id, review_id: the call and review to open (if any).
    """

    name: str
    kind: str
    message: str
    call_id: int | None = None
    review_id: int | None = None
    job_id: int | None = None
    methodology: str | None = None  # kind "rescore": the methodology to re-score the call against


def check_upload(name: str, size: int, max_mb: int) -> None:
    """Refuse a file the pipeline cannot read or that is over the size limit, before any work
    (the same checks as `callreview review --queue`: review.jobs.check_submission)."""
    from review.jobs import check_submission

    check_submission(name, size, max_mb)


def submit_upload(name: str, data: bytes, methodology: str, rep: str | None, call_date: str | None,
                  call_type: str) -> UploadOutcome:
    """Check, de-duplicate and queue one uploaded file as a background job; never raises.

    The review runs in a worker process (review.jobs), so the manager may leave the page: the
    job's progress is in the store and the Upload page shows it when they come back.
    name: the uploaded name. data: its bytes. methodology: a methodology id.
    rep: the rep's name. call_date: ISO date or None (today). call_type: e.g. "discovery".
    """
    from review.auth import AccessDenied
    from review.jobs import ReviewOptions, submit_review

    services = state.services()
    store = services.store
    try:
        check_upload(name, len(data), services.settings.max_upload_mb)
        try:
            existing = store.find_call_by_sha(sha256_bytes(data))
        except AccessDenied as exc:  # stored as a call outside the scope: never reviewed again as this person's
            return UploadOutcome(name, "error", f"{name}: {exc}")
        review = store.latest_review(existing.id) if existing else None
        done = {r.methodology_id for r in store.reviews_for_call(existing.id)} if existing is not None and review is not None else set()
        if existing is not None and review is not None and methodology not in done:  # another methodology
            return UploadOutcome(name, "rescore",
                                 f"{name}: already reviewed as \u201c{existing.title or existing.filename}\u201d "
                                 f"({existing.call_date}) with another methodology; re-score it from its "
                                 "stored transcript, or open the existing review",
                                 existing.id, review.id, methodology=methodology)
        if existing is not None and review is not None:
            return UploadOutcome(name, "duplicate",
                                 f"{name}: already reviewed as \u201c{existing.title or existing.filename}\u201d "
                                 f"({existing.call_date}); not processed again",
                                 existing.id, review.id)
        scope = state.scope()
        rep = scope.display_name if scope.role == "rep" else rep
        state.check_rep_allowed(store, rep)
        options = ReviewOptions(methodology=methodology, rep=rep, call_date=call_date, call_type=call_type,
                                title=Path(name).stem)
        job, created = submit_review(store, services.settings, data, name, options, created_by=scope.username)
    except Exception as exc:  # one file's failure is reported on its own line; the others go on
        return UploadOutcome(name, "error", state.error_line(exc, name))
    state.start_worker(services.settings)
    note = "queued" if created else f"submitted before ({job.status})"
    return UploadOutcome(name, "queued", f"{name}: {note} as job {job.id}", job_id=job.id)


def try_example_call(key: str) -> None:
    """The empty-state offer: review the bundled example call with the real pipeline and open it.

    key: a widget key unique on the page.
    """
    import streamlit as st

    st.info("No calls yet. Upload your own on the **Upload** page, or try the bundled two-minute "
            "discovery call: it is transcribed, scored against the Discovery checklist and turned "
            "into a SLED coaching agenda, all on this machine.", icon=":material/school:")
    if not st.button("Try the example call", key=key, type="primary", icon=":material/play_arrow:"):
        return
    try:
        example = example_call()
    except CallreviewError as exc:
        st.error(str(exc))
        return
    outcome = submit_upload(example.name, example.read_bytes(),
                            state.EXAMPLE_METHODOLOGY, state.EXAMPLE_REP, None, "discovery")
    if outcome.kind == "error":
        st.error(outcome.message)
        return
    job = state.services().store.get_job(outcome.job_id) if outcome.job_id else None
    if job is not None and job.status == "done":
        state.go("review", job.call_id, job.review_id)
    st.session_state["upload_outcomes"] = [outcome]
    state.go("upload")
