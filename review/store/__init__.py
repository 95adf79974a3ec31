"""The store: calls, versioned transcripts, reviews, manager overrides, comments and documents.

SQLAlchemy Core over SQLite by default (WAL, foreign keys on) or any `DATABASE_URL`
(PostgreSQL for a team). Nothing a user made is ever overwritten: transcripts and documents get
new versions, overrides and comments are appended, the AI's scorecard stays as it was produced.
The schema and its migrations live in `review.migrations`; uploads are kept content-addressed in
`<home>/uploads`, written atomically, so no upload is ever lost.

Modules: `records` (the dataclasses handed out), `base` (engine, URL errors, transactions),
`call_methods`, `review_methods` and `document_methods` (the methods `Store` is made of).
"""

from __future__ import annotations

# The errors, types and schema names below were importable from `review.store` when it was one
# module; they stay importable from here so no caller has to change.
from ..errors import EditConflict, StoreError
from ..migrations import (
    call_text,
    calls,
    comments,
    documents,
    migrate,
    overrides,
    reviews,
    transcript_search_text,
    transcripts,
    utc_now,
)
from ..types import CoachingDraft, Scorecard, Transcript
from .call_methods import CallMethods
from .document_methods import DocumentMethods
from .feedback_methods import (
    CalibrationRecord,
    EvidenceMark,
    FeedbackMethods,
    LabelledCall,
)
from .job_methods import Job, JobMethods
from .records import (
    CALL_STATUSES,
    Call,
    CallRow,
    Comment,
    DocumentVersion,
    Override,
    ReviewRecord,
    TranscriptVersion,
    review_cache_key,
)
from .review_methods import ReviewMethods
from .user_methods import User, UserMethods
from .voice_methods import VoiceMethods

__all__ = [
    "CALL_STATUSES",
    "CalibrationRecord",
    "EvidenceMark",
    "LabelledCall",
    "Call",
    "CallRow",
    "CoachingDraft",
    "Comment",
    "DocumentVersion",
    "EditConflict",
    "Job",
    "Override",
    "ReviewRecord",
    "Scorecard",
    "Store",
    "StoreError",
    "Transcript",
    "TranscriptVersion",
    "User",
    "call_text",
    "calls",
    "comments",
    "documents",
    "migrate",
    "overrides",
    "review_cache_key",
    "reviews",
    "transcript_search_text",
    "transcripts",
    "utc_now",
]


class Store(CallMethods, ReviewMethods, DocumentMethods, JobMethods, UserMethods, FeedbackMethods,
            VoiceMethods):
    """All persistent state of callreview. Safe to share between threads (an in-memory SQLite
    store is one shared connection, meant for tests and single-user demos).

    url: SQLAlchemy URL, e.g. "sqlite:////home/me/.callreview/callreview.db", "sqlite://" (memory)
        or "postgresql+psycopg://user:pw@host/callreview".
    uploads_dir: where uploaded files are kept; None = an "uploads" folder beside a SQLite file
        (and no upload folder for other URLs: use `Store.from_settings`).
    """
