"""Store methods for learning from the manager: right / wrong marks on evidence quotes, the
labelled examples they and the score overrides make, and the calibration models fitted on them
(append-only versions; a reset is a version without a model)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, insert, select

from ..errors import StoreError
from ..migrations import calibrations, evidence_marks, overrides, reviews, utc_now
from .base import StoreBase, inserted_id
from .records import scored_criterion

if TYPE_CHECKING:
    from ..types import Transcript
    from .records import ReviewRecord

MARKS = ("right", "wrong")


@dataclass
class EvidenceMark:
    id: int
    review_id: int
    criterion_id: str
    segment_id: int
    verdict: str
    author: str
    created_at: str


@dataclass
class LabelledCall:
    """The manager's corrections of one criterion in one review: what its sentence model learns from."""

    review_id: int
    call_id: int
    transcript_version: int | None
    present: bool | None  # the latest override (score > 0); None when not overridden
    right: list[int]  # turns whose quote is (lastly) marked right
    wrong: list[int]  # ... marked wrong
    updated_at: str  # the latest correction counted


def _one_per_call(items: list[LabelledCall], present: bool | None) -> LabelledCall:
    """One call's corrections of a criterion over its reviews (oldest review first), as one example.

    present: the call's latest override of the criterion on any of its reviews (None: none).
    """
    if len(items) == 1:
        return items[0]
    marked = [i for i in items if i.right or i.wrong]
    base = marked[-1] if marked else items[-1]
    return replace(base, present=present, updated_at=max(i.updated_at for i in items))


@dataclass
class CalibrationRecord:
    methodology_id: str
    criterion_id: str
    version: int
    examples: int
    positives: int
    model: dict | None  # None: reset to the uncalibrated judge
    examples_sha256: str
    author: str
    created_at: str


class FeedbackMethods(StoreBase):
    """The evidence-mark and calibration part of `review.store.Store` (uses its get_review)."""

    if TYPE_CHECKING:  # provided by ReviewMethods in the composed Store
        def get_review(self, review_id: int) -> ReviewRecord | None: ...

        def get_transcript(self, call_id: int, version: int | None = None) -> Transcript | None: ...

    def add_evidence_mark(self, review_id: int, criterion_id: str, segment_id: int, verdict: str,
                          author: str = "manager") -> int:
        """Record that a quote the review cites for a criterion is right or wrong evidence, or that a
        turn it did not cite shows the criterion (a moment the AI missed: "right" only).

        review_id: the review. criterion_id: a criterion of its scorecard. segment_id: the turn
        of a quote cited for it, or any turn of the reviewed transcript (right). verdict: "right"
        or "wrong". author: who.
        """
        if verdict not in MARKS:
            raise StoreError(f"evidence mark {verdict!r} is not right or wrong; use one of those")
        review = self.get_review(review_id)
        criterion = scored_criterion(review, review_id, criterion_id, "mark")
        cited = [q.segment_id for q in criterion.evidence]
        if segment_id not in cited:
            # a moment the review missed: marked right, or taken back (wrong) once it was marked right
            added = verdict == "right" or any(m.criterion_id == criterion_id and m.segment_id == segment_id
                                              and m.verdict == "right" for m in self.evidence_marks(review_id))
            transcript = self.get_transcript(review.call_id, review.transcript_version) \
                if review is not None and added else None
            if transcript is None or transcript.segment(segment_id) is None:
                raise StoreError(f"mark: segment {segment_id} is not a quote of '{criterion_id}' in review {review_id}"
                                 f" (its quotes: {', '.join(map(str, cited)) or 'none'}); a turn it did not cite "
                                 "can only be marked right, and must be a turn of the call")
        with self._write() as conn:
            return inserted_id(conn.execute(insert(evidence_marks).values(
                review_id=review_id, criterion_id=criterion_id, segment_id=segment_id, verdict=verdict,
                author=author, created_at=utc_now(),
            )))

    def evidence_marks(self, review_id: int) -> list[EvidenceMark]:
        """Every mark on the review's quotes, oldest first."""
        query = select(evidence_marks).where(evidence_marks.c.review_id == review_id).order_by(evidence_marks.c.id)
        with self._read() as conn:
            return [EvidenceMark(**r) for r in conn.execute(query).mappings()]

    def labelled_calls(self, methodology_id: str, since: dict[str, str] | None = None
                       ) -> dict[str, list[LabelledCall]]:
        """criterion id -> each call the manager corrected for it in the methodology, oldest first.

        The latest override and the latest mark of each quote count; since: criterion id -> ISO
        time of its last reset (only corrections made after it count). A call corrected on more than
        one of its reviews (a re-score, a new rep, a corrected turn) counts once: its marks are those
        of the latest review with marks (quotes are turns of that review's transcript version), and
        whether the criterion is present is its latest override on any of them.
        """
        since = since or {}
        found: dict[tuple[int, str], LabelledCall] = {}
        with self._read() as conn:
            rows = {r.id: r for r in conn.execute(select(reviews.c.id, reviews.c.call_id, reviews.c.transcript_version)
                                                  .where(reviews.c.methodology_id == methodology_id))}
            if not rows:
                return {}
            marks = conn.execute(select(evidence_marks).where(evidence_marks.c.review_id.in_(list(rows)))
                                 .order_by(evidence_marks.c.id)).mappings().all()
            changes = conn.execute(select(overrides).where(overrides.c.review_id.in_(list(rows)))
                                   .order_by(overrides.c.id)).mappings().all()

        def entry(r) -> LabelledCall:
            review = rows[r["review_id"]]
            return found.setdefault((r["review_id"], r["criterion_id"]), LabelledCall(
                review.id, review.call_id, review.transcript_version, None, [], [], ""))

        for r in marks:
            if r["created_at"] > since.get(r["criterion_id"], ""):
                item = entry(r)
                for side in (item.right, item.wrong):
                    if r["segment_id"] in side:
                        side.remove(r["segment_id"])
                (item.right if r["verdict"] == "right" else item.wrong).append(r["segment_id"])
                item.updated_at = max(item.updated_at, r["created_at"])
        latest_present: dict[tuple[int, str], bool] = {}  # (call, criterion) -> its latest override, any review
        for r in changes:
            if r["created_at"] > since.get(r["criterion_id"], ""):
                item = entry(r)
                item.present = r["score"] > 0
                item.updated_at = max(item.updated_at, r["created_at"])
                latest_present[(item.call_id, r["criterion_id"])] = item.present
        per_call: dict[tuple[int, str], list[LabelledCall]] = {}
        for (_, criterion_id), item in sorted(found.items()):
            per_call.setdefault((item.call_id, criterion_id), []).append(item)
        out: dict[str, list[LabelledCall]] = {}
        for (_, criterion_id), items in sorted(per_call.items(), key=lambda kv: (kv[0][1], kv[1][0].review_id)):
            call_key = (items[0].call_id, criterion_id)
            out.setdefault(criterion_id, []).append(_one_per_call(items, latest_present.get(call_key)))
        return out

    def marked_quotes(self, methodology_id: str, since: dict[str, str] | None = None
                      ) -> dict[str, tuple[list[str], list[str]]]:
        """criterion id -> (quotes marked right, quotes marked wrong): the team's own examples.

        The latest mark of each quote counts, once per call (a mark carried to another review of the
        call is the same example); since: criterion id -> ISO time of its last reset.
        """
        since = since or {}
        latest: dict[tuple[int, str, str], tuple[str, str]] = {}
        with self._read() as conn:
            rows = conn.execute(select(evidence_marks, reviews.c.call_id, reviews.c.scorecard_json)
                                .join(reviews, reviews.c.id == evidence_marks.c.review_id)
                                .where(reviews.c.methodology_id == methodology_id)
                                .order_by(evidence_marks.c.id)).mappings().all()
        cards: dict[int, dict] = {}
        for r in rows:
            if r["created_at"] <= since.get(r["criterion_id"], ""):
                continue
            card = cards.setdefault(r["review_id"], json.loads(r["scorecard_json"]))
            quote = next((q["quote"] for c in card.get("criteria", []) if c.get("id") == r["criterion_id"]
                          for q in c.get("evidence", []) if q.get("segment_id") == r["segment_id"]), None)
            if quote:
                latest[(r["call_id"], r["criterion_id"], " ".join(quote.split()).casefold())] = (r["verdict"], quote)
        out: dict[str, tuple[list[str], list[str]]] = {}
        for (_, criterion_id, _), (verdict, quote) in sorted(latest.items()):
            right, wrong = out.setdefault(criterion_id, ([], []))
            (right if verdict == "right" else wrong).append(quote)
        return out

    def save_calibration(self, methodology_id: str, criterion_id: str, model: dict | None, examples: int,
                         positives: int, examples_sha256: str, author: str = "callreview") -> int:
        """Append the next version of a criterion's calibration (model None: a reset); its version."""
        with self._write() as conn:
            latest = conn.scalar(select(func.max(calibrations.c.version)).where(and_(
                calibrations.c.methodology_id == methodology_id, calibrations.c.criterion_id == criterion_id)))
            version = int(latest or 0) + 1
            conn.execute(insert(calibrations).values(
                methodology_id=methodology_id, criterion_id=criterion_id, version=version, examples=examples,
                positives=positives, model_json=None if model is None else json.dumps(model),
                examples_sha256=examples_sha256, author=author, created_at=utc_now(),
            ))
        return version

    def calibration_history(self, methodology_id: str | None = None) -> list[CalibrationRecord]:
        """Every calibration version (of one methodology, or all), oldest first."""
        query = select(calibrations).order_by(calibrations.c.id)
        if methodology_id is not None:
            query = query.where(calibrations.c.methodology_id == methodology_id)
        with self._read() as conn:
            return [_record(r) for r in conn.execute(query).mappings()]

    def calibrations(self, methodology_id: str | None = None) -> list[CalibrationRecord]:
        """The latest version of each criterion's calibration (resets included)."""
        latest: dict[tuple[str, str], CalibrationRecord] = {}
        for record in self.calibration_history(methodology_id):
            latest[(record.methodology_id, record.criterion_id)] = record
        return list(latest.values())


def _record(row) -> CalibrationRecord:
    data = dict(row)
    data.pop("id")
    raw = data.pop("model_json")
    return CalibrationRecord(model=None if raw is None else json.loads(raw), **data)
