"""The records the store hands out (plain dataclasses, one per kind of row) and the review
cache key."""

from __future__ import annotations

from dataclasses import dataclass

from ..hashing import sha256_json
from ..types import CoachingDraft, Scorecard

CALL_STATUSES = ("new", "transcribed", "reviewed", "failed")


@dataclass
class Call:
    id: int
    filename: str
    audio_sha256: str | None
    stored_path: str | None
    rep: str | None
    call_date: str | None
    call_type: str | None
    methodology_id: str | None
    title: str | None
    duration: float | None
    created_at: str
    status: str
    error: str | None
    review_owner: str | None = None  # "host:pid" of the review in progress, None when none is
    review_started_at: str | None = None
    duplicate_of: int | None = None  # the first call with the same bytes (stored before m003)


@dataclass
class CallRow(Call):
    """A call as listed on the Calls page, with its latest review's headline (None if unreviewed)."""

    review_id: int | None = None
    total_percent: float | None = None
    engine: str | None = None
    focus_criterion_id: str | None = None
    focus_criterion_name: str | None = None
    agenda_shared: bool = False  # the manager shared the latest review's agenda with the rep
    review_methodology_id: str | None = None  # the methodology of the latest review (total_percent's)
    self_reviewed: bool = False  # the rep wrote a self-review of the call (on any of its reviews)
    rep_to_check: str | None = None  # the speaker taken for the rep, where the latest transcript only guessed it

    @property
    def listed_methodology_id(self) -> str | None:
        """The methodology the row's score is against: the latest review's, else the call's own."""
        return self.review_methodology_id or self.methodology_id


@dataclass
class ReviewRecord:
    id: int
    call_id: int
    transcript_version: int | None
    created_at: str
    engine: str
    model: str | None
    prompt_version: str | None
    prompt_sha256: str | None
    methodology_id: str
    methodology_version: str | None
    methodology_sha256: str | None
    total_percent: float
    focus_criterion_id: str | None
    cache_key: str | None
    scorecard: Scorecard
    draft: CoachingDraft | None


@dataclass
class TranscriptVersion:
    """One version of a call's transcript: author and note say who changed it by hand and what
    (None for a version callreview made: the first transcript, an imported file)."""

    version: int
    created_at: str
    author: str | None
    note: str | None


@dataclass
class Override:
    id: int
    review_id: int
    criterion_id: str
    score: int
    comment: str
    author: str
    created_at: str


@dataclass
class Comment:
    id: int
    call_id: int
    at_s: float
    text: str
    author: str
    created_at: str


@dataclass
class DocumentVersion:
    version: int
    content: str
    author: str
    created_at: str


def review_cache_key(**parts: object) -> str:
    """A stable key for "the same call reviewed with the same settings".

    parts: anything that changes the result, e.g. transcript_sha256, methodology_sha256, engine,
        model, prompt_sha256, embedding; values must be JSON-serialisable.
    """
    return sha256_json(parts)


def scored_criterion(review: ReviewRecord | None, review_id: int, criterion_id: str, what: str):
    """The criterion `criterion_id` of a stored review's scorecard, for an override or an evidence
    mark (`what` names it in the message); a one-line StoreError when the review or the criterion
    is not there."""
    from ..errors import StoreError

    if review is None:
        raise StoreError(f"review {review_id} does not exist in the store; reload the call")
    criterion = next((c for c in review.scorecard.criteria if c.id == criterion_id), None)
    if criterion is None:
        raise StoreError(f"{what}: criterion '{criterion_id}' is not in review {review_id}'s scorecard; "
                         f"pick one of {', '.join(c.id for c in review.scorecard.criteria)}")
    return criterion
