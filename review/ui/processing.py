"""Reviewing uploaded files from the app: checks before the pipeline, per-file progress, outcomes.

Shared by the Upload page and the "Try the example call" offer on empty pages. Every file gets
its own outcome (reviewed, duplicate, or one error line), so one bad file never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from review.errors import CallreviewError, InputError
from review.hashing import sha256_bytes
from review.pipeline import STAGES
from review.resources import example_call

from ..audio import AUDIO_EXTENSIONS
from ..formats import TRANSCRIPT_EXTENSIONS as _TRANSCRIPTS
from . import state

TRANSCRIPT_EXTENSIONS = tuple(sorted(_TRANSCRIPTS))
STAGE_LABELS = {"transcribe": "Transcribing", "index": "Finding evidence", "score": "Scoring",
                "coach": "Drafting the coaching agenda", "store": "Saving"}


@dataclass
class UploadOutcome:
    """What happened to one uploaded file.

    name: the uploaded file name. kind: "reviewed", "duplicate" or "error".
    message: one line for the manager. call_id, review_id: the call and review to open (if any).
    """

    name: str
    kind: str
    message: str
    call_id: int | None = None
    review_id: int | None = None
    methodology: str | None = None  # kind "rescore": the methodology to re-score the call against


def accepted_formats() -> str:
    """The formats the uploader takes, as one phrase shown in the caption and in the error."""
    return (f"recordings ({', '.join(e.lstrip('.') for e in AUDIO_EXTENSIONS)}) or transcripts "
            f"({', '.join(e.lstrip('.') for e in TRANSCRIPT_EXTENSIONS)})")


def check_upload(name: str, size: int, max_mb: int) -> None:
    """Refuse a file the pipeline cannot read or that is over the size limit, before any work.

    name: the uploaded name. size: its size in bytes. max_mb: settings.max_upload_mb.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in AUDIO_EXTENSIONS + TRANSCRIPT_EXTENSIONS:
        raise InputError(f"{name}: '{suffix or 'no extension'}' is not a recording or transcript; "
                         f"upload {accepted_formats()}")
    if size == 0:
        raise InputError(f"{name}: the file is empty; upload the recording again")
    if size > max_mb * 1024 * 1024:
        raise InputError(f"{name}: {size / 1024 / 1024:.1f} MB is over the {max_mb} MB limit; "
                         "trim the recording or raise max_upload_mb in Settings")


def _stage_progress(status, bar):
    """A pipeline progress callback that moves one progress bar across the five stages."""

    def show(stage: str, fraction: float, message: str) -> None:
        index = STAGES.index(stage) if stage in STAGES else 0
        overall = min(1.0, (index + max(0.0, min(1.0, fraction))) / len(STAGES))
        label = message or STAGE_LABELS.get(stage, stage)
        bar.progress(overall, text=label)
        if message:
            status.write(message)

    return show


def review_upload(name: str, data: bytes, methodology: str, rep: str | None, call_date: str | None,
                  call_type: str, status=None) -> UploadOutcome:
    """Check, de-duplicate and review one uploaded file; never raises for a bad file.

    name: the uploaded name. data: its bytes. methodology: a methodology id.
    rep: the rep's name. call_date: ISO date or None (today). call_type: e.g. "discovery".
    status: an `st.status` container to show progress in (None: no progress shown).
    """
    services = state.services()
    try:
        check_upload(name, len(data), services.settings.max_upload_mb)
        existing = services.store.find_call_by_sha(sha256_bytes(data))
        review = services.store.latest_review(existing.id) if existing else None
        done = {r.methodology_id for r in services.store.reviews_for_call(existing.id)} if review else set()
        if review is not None and methodology not in done:  # the same recording, another methodology
            return UploadOutcome(name, "rescore",
                                 f"{name}: already reviewed as \u201c{existing.title or existing.filename}\u201d "
                                 f"({existing.call_date}) with another methodology; re-score it from its "
                                 "stored transcript, or open the existing review",
                                 existing.id, review.id, methodology)
        if existing is not None and review is not None:
            return UploadOutcome(name, "duplicate",
                                 f"{name}: already reviewed as \u201c{existing.title or existing.filename}\u201d "
                                 f"({existing.call_date}); not processed again",
                                 existing.id, review.id)
        progress = None
        if status is not None:
            progress = _stage_progress(status, status.progress(0.0, text="Starting"))
        saved = state.save_upload(name, data)
        try:
            result = state.run_review(saved.path, services, methodology, rep=rep or None,
                                      call_date=call_date, call_type=call_type, progress=progress)
        finally:
            saved.cleanup()
    except Exception as exc:  # one file's failure is reported on its own line; the others go on
        return UploadOutcome(name, "error", state.error_line(exc, name))
    card = result.scorecard
    note = " (served from the store)" if result.cached else ""
    return UploadOutcome(name, "reviewed",
                         f"{name}: {card.methodology_name} {card.total_percent:.0f}%, focus "
                         f"\u201c{result.draft.focus_criterion_name}\u201d{note}",
                         result.call_id, result.review_id)


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
    with st.status(f"Reviewing {example.name}", expanded=True) as status:
        outcome = review_upload(example.name, example.read_bytes(),
                                state.EXAMPLE_METHODOLOGY, state.EXAMPLE_REP, None, "discovery", status)
        status.update(label=outcome.message, state="error" if outcome.kind == "error" else "complete")
    if outcome.kind == "error":
        st.error(outcome.message)
        return
    state.go("review", outcome.call_id, outcome.review_id)
