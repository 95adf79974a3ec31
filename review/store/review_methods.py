"""Store methods for transcripts and reviews: versioned transcripts, reviews (never replaced),
and a rep's history and trend rows across reviewed calls."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy import exc as sa_exc

from ..errors import StoreError
from ..hashing import transcript_sha256
from ..migrations import (
    call_text,
    calls,
    documents,
    overrides,
    reviews,
    transcript_search_text,
    transcripts,
    utc_now,
)
from ..overrides import apply_overrides
from ..speakers import rep_to_check
from ..transcript_json import check_finite
from ..types import CoachingDraft, Scorecard, Transcript
from .base import StoreBase, _check_date, inserted_id
from .records import Call, ReviewRecord, TranscriptVersion


class ReviewMethods(StoreBase):
    """The transcripts and reviews part of `review.store.Store` (uses its get_call)."""

    if TYPE_CHECKING:  # provided by CallMethods in the composed Store
        def get_call(self, call_id: int) -> Call | None: ...
        def update_call_status(self, call_id: int, status: str, error: str | None = None) -> None: ...

    def save_transcript(self, call_id: int, transcript: Transcript, author: str | None = None,
                        note: str | None = None) -> int:
        """Store a new version of the call's transcript and return its version number.

        Identical to the latest version -> nothing is stored and the latest version returned.
        Also refreshes the call's search text, and its duration when that was unknown.
        call_id: the call. transcript: the Transcript. author, note: who changed it by hand and what
        they changed (a new rep, a corrected turn); None for a transcript callreview made.
        """
        check_finite(transcript, f"call {call_id}'s transcript")  # JSON would store it as null
        body = transcript.model_dump_json()
        sha = transcript_sha256(transcript)
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            last = conn.execute(
                select(transcripts.c.version, transcripts.c.sha256)
                .where(transcripts.c.call_id == call_id)
                .order_by(transcripts.c.version.desc()).limit(1)
            ).first()
            if last is not None and last.sha256 == sha:
                return int(last.version)
            version = 1 if last is None else last.version + 1
            conn.execute(insert(transcripts).values(
                call_id=call_id, version=version, sha256=sha, transcript_json=body,
                created_at=utc_now(), author=author, note=note, rep_to_check=rep_to_check(transcript),
            ))
            search = transcript_search_text([s.text for s in transcript.segments])
            if last is None:
                conn.execute(insert(call_text).values(
                    call_id=call_id, transcript_version=version, text=search))
            else:
                conn.execute(update(call_text).where(call_text.c.call_id == call_id)
                             .values(transcript_version=version, text=search))
            conn.execute(update(calls).where(and_(calls.c.id == call_id, calls.c.duration.is_(None)))
                         .values(duration=transcript.duration))
            return version

    def get_transcript(self, call_id: int, version: int | None = None) -> Transcript | None:
        """A transcript version of the call (the latest when version is None), or None."""
        query = select(transcripts.c.transcript_json).where(transcripts.c.call_id == call_id)
        if version is None:
            query = query.order_by(transcripts.c.version.desc()).limit(1)
        else:
            query = query.where(transcripts.c.version == version)
        with self._read() as conn:
            body = conn.scalar(query)
        if body is None:
            return None
        try:
            return Transcript.model_validate_json(body)
        except ValidationError as err:  # e.g. a NaN an older version stored as null
            raise StoreError(f"call {call_id}'s stored transcript is damaged ({_first_error(err)}); "
                             f"review the recording again with callreview review --retry {call_id}") from None

    def transcript_versions(self, call_id: int) -> list[int]:
        """The call's transcript version numbers, oldest first."""
        with self._read() as conn:
            return list(conn.scalars(select(transcripts.c.version)
                                     .where(transcripts.c.call_id == call_id)
                                     .order_by(transcripts.c.version)))

    def transcript_history(self, call_id: int) -> list[TranscriptVersion]:
        """Each transcript version of the call, oldest first: when, and who changed it by hand and how."""
        query = (select(transcripts.c.version, transcripts.c.created_at, transcripts.c.author, transcripts.c.note)
                 .where(transcripts.c.call_id == call_id).order_by(transcripts.c.version))
        with self._read() as conn:
            return [TranscriptVersion(**r) for r in conn.execute(query).mappings()]

    # ------------------------------------------------------------------ reviews

    def save_review(
        self, call_id: int, scorecard: Scorecard, draft: CoachingDraft | None, cache_key: str | None
    ) -> int:
        """Store a review of the call (never replacing an earlier one) and return its id.

        The draft's agenda sections and prep note also become version 1 of the editable
        documents "agenda/<section key>" and "prep_note" (author "ai"), so the manager's edits
        are versions on top of them and the AI's text can always be restored. The call's status
        becomes "reviewed".
        call_id: the call. scorecard: the AI's Scorecard. draft: the CoachingDraft, or None when
            no draft was made. cache_key: see review_cache_key; find_review_by_cache_key finds it.
        """
        check_finite(scorecard, f"the review of call {call_id}")
        try:
            return self._insert_review(call_id, scorecard, draft, cache_key)
        except StoreError as err:
            if cache_key is None or not isinstance(err.__context__, sa_exc.IntegrityError):
                raise
            # another process stored this very review first (same call, same inputs): use it
            winner = self.find_review_by_cache_key(cache_key)
            if winner is None or winner.call_id != call_id:
                raise
            self.update_call_status(call_id, "reviewed")
            return winner.id

    def _insert_review(
        self, call_id: int, scorecard: Scorecard, draft: CoachingDraft | None, cache_key: str | None
    ) -> int:
        prov = scorecard.provenance
        now = utc_now()
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            transcript_version = conn.scalar(
                select(func.max(transcripts.c.version)).where(transcripts.c.call_id == call_id))
            review_id = inserted_id(conn.execute(insert(reviews).values(
                call_id=call_id, transcript_version=transcript_version, created_at=now,
                engine=scorecard.engine, model=prov.model, prompt_version=prov.prompt_version,
                prompt_sha256=prov.prompt_sha256, methodology_id=scorecard.methodology_id,
                methodology_version=prov.methodology_version,
                methodology_sha256=prov.methodology_sha256,
                total_percent=scorecard.total_percent,
                focus_criterion_id=draft.focus_criterion_id if draft else None,
                focus_criterion_name=draft.focus_criterion_name if draft else None,
                cache_key=cache_key, scorecard_json=scorecard.model_dump_json(),
                draft_json=draft.model_dump_json() if draft else None,
            )))
            if draft is not None:
                seeds = [(f"agenda/{s.key}", s.body_markdown) for s in draft.agenda]
                seeds.append(("prep_note", draft.prep_note_markdown))
                conn.execute(insert(documents), [
                    {"review_id": review_id, "key": key, "version": 1, "content": content,
                     "author": "ai", "created_at": now}
                    for key, content in seeds
                ])
            conn.execute(update(calls).where(calls.c.id == call_id)
                         .values(status="reviewed", error=None, review_owner=None,
                                 review_started_at=None))
            return review_id

    def _reviews(self, query) -> list[ReviewRecord]:
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        return [_review_record(row) for row in rows]

    def get_review(self, review_id: int) -> ReviewRecord | None:
        """The review with this id, or None."""
        found = self._reviews(select(reviews).where(reviews.c.id == review_id))
        return found[0] if found else None

    def find_review_by_cache_key(self, cache_key: str) -> ReviewRecord | None:
        """The newest review stored with this cache key (same call, same settings), or None."""
        found = self._reviews(select(reviews).where(reviews.c.cache_key == cache_key)
                              .order_by(reviews.c.id.desc()).limit(1))
        return found[0] if found else None

    def latest_review(self, call_id: int) -> ReviewRecord | None:
        """The call's newest review, or None."""
        found = self._reviews(select(reviews).where(reviews.c.call_id == call_id)
                              .order_by(reviews.c.id.desc()).limit(1))
        return found[0] if found else None

    def scores_mark(self) -> tuple[int, int]:
        """The newest review id and the newest override id: what a cache of trend rows keys on, since
        each new review or override changes them (two cheap lookups on primary keys)."""
        with self._read() as conn:
            return (conn.scalar(select(func.max(reviews.c.id))) or 0,
                    conn.scalar(select(func.max(overrides.c.id))) or 0)

    def reviews_for_call(self, call_id: int) -> list[ReviewRecord]:
        """Every review of the call, oldest first."""
        return self._reviews(select(reviews).where(reviews.c.call_id == call_id)
                             .order_by(reviews.c.id))

    def _rep_reviews(self, rep: str, methodology_id: str, before: int | str | None):
        """Query: the latest review of each of the rep's calls in one methodology."""
        latest = (
            select(func.max(reviews.c.id).label("review_id"))
            .where(reviews.c.methodology_id == methodology_id)
            .group_by(reviews.c.call_id).subquery()
        )
        query = (
            select(reviews, calls.c.call_date, calls.c.title)
            .select_from(reviews.join(latest, latest.c.review_id == reviews.c.id)
                         .join(calls, calls.c.id == reviews.c.call_id))
            .where(calls.c.rep == rep)
        )
        if isinstance(before, str):
            _check_date("before", before)
            query = query.where(calls.c.call_date < before)
        elif before is not None:
            call = self.get_call(before)
            if call is None:
                raise StoreError(f"call {before} does not exist in the store; reload the list")
            query = query.where(calls.c.id != call.id)
            if call.call_date:
                query = query.where(or_(calls.c.call_date < call.call_date,
                                        and_(calls.c.call_date == call.call_date,
                                             calls.c.id < call.id)))
        return query

    def rep_history(
        self, rep: str, methodology_id: str, before: int | str | None = None, limit: int = 10
    ) -> list[Scorecard]:
        """The rep's earlier reviewed calls in one methodology, newest first (latest review each),
        with the manager's latest overrides applied (review.overrides.apply_overrides).

        rep: the rep's name. methodology_id: only reviews with this methodology.
        before: a call id (calls earlier than that call, by call date then id, itself excluded)
            or an ISO date (calls dated strictly before it); None = all.
        limit: at most this many scorecards.
        """
        query = self._rep_reviews(rep, methodology_id, before)
        query = query.order_by(calls.c.call_date.desc(), calls.c.id.desc()).limit(limit)
        found = self._reviews(query)
        return [apply_overrides(r.scorecard, latest) for r, latest in
                zip(found, self._latest_overrides([r.id for r in found]), strict=True)]

    def _latest_overrides(self, review_ids: list[int]) -> list[dict[str, dict]]:
        """For each review id: criterion id -> {"score", "comment"} of its latest override."""
        if not review_ids:
            return []
        with self._read() as conn:
            rows = conn.execute(select(overrides).where(overrides.c.review_id.in_(review_ids))
                                .order_by(overrides.c.id)).mappings().all()
        latest: dict[int, dict[str, dict]] = {i: {} for i in review_ids}
        for o in rows:
            latest[o["review_id"]][o["criterion_id"]] = {"score": o["score"], "comment": o["comment"]}
        return [latest[i] for i in review_ids]

    def rep_methodologies(self, rep: str) -> list[str]:
        """The methodologies the rep's calls were reviewed against (any review, a re-score too), sorted."""
        with self._read() as conn:
            return list(conn.scalars(
                select(reviews.c.methodology_id).join(calls, calls.c.id == reviews.c.call_id)
                .where(calls.c.rep == rep).distinct().order_by(reviews.c.methodology_id)))

    def rep_trend_rows(self, rep: str, methodology_id: str, latest: int | None = None) -> list[dict]:
        """One flat row per reviewed call of the rep, oldest first, ready for a chart table.

        Keys: call_id, call_date, title, review_id, total_percent, "criterion:<id>" (the score, None
        where the criterion was not applicable;
        scores and total_percent with the manager's latest overrides applied, as
        review.overrides.apply_overrides computes them), "max:<id>", overridden (list of ids), and
        the rep's metrics "metric:talk_ratio", "metric:longest_monologue_s",
        "metric:question_count", "metric:words_per_minute", plus "metric:interactivity" and
        "metric:patience_s" (None where unknown).
        rep: the rep's name. methodology_id: only reviews with this methodology. latest: only the
        rep's latest N calls (the team view reads a window of each rep's calls, not all of them).
        """
        query = self._rep_reviews(rep, methodology_id, None)
        if latest is not None:
            query = query.order_by(calls.c.call_date.desc(), calls.c.id.desc()).limit(max(0, latest))
        else:
            query = query.order_by(calls.c.call_date, calls.c.id)
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
            if latest is not None:
                rows = list(reversed(rows))  # oldest first, as without a window
            cards = {r["id"]: _load_scorecard(r["scorecard_json"]) for r in rows}
            # The rep's speaker label: from the evidence quotes (cut from the transcript with
            # roles), else from the transcript itself, which is much larger to parse.
            rep_speakers = {
                r["id"]: _evidence_rep_speakers(cards[r["id"]])
                or _rep_speakers(conn, r["call_id"], r["transcript_version"])
                for r in rows
            }
        ids = [r["id"] for r in rows]
        effective = dict(zip(ids, (apply_overrides(cards[i], latest) for i, latest in
                                   zip(ids, self._latest_overrides(ids), strict=True)), strict=True))
        out = []
        for row in rows:
            card = effective[row["id"]]
            item: dict = {"call_id": row["call_id"], "call_date": row["call_date"],
                          "title": row["title"], "review_id": row["id"],
                          "total_percent": card.total_percent, "overridden": []}
            for c in card.criteria:
                if c.ai_score is not None:
                    item["overridden"].append(c.id)
                # not applicable on this call: no score (a gap in the trend, not a 0 that drags the mean)
                item[f"criterion:{c.id}"] = None if c.verdict == "not_applicable" else c.score
                item[f"max:{c.id}"] = c.max_score
            rep_metrics = next((card.metrics.speakers[s] for s in rep_speakers[row["id"]]
                                if s in card.metrics.speakers), None)
            for name in ("talk_ratio", "longest_monologue_s", "question_count", "words_per_minute"):
                item[f"metric:{name}"] = getattr(rep_metrics, name) if rep_metrics else None
            item["metric:interactivity"] = card.metrics.interactivity
            item["metric:patience_s"] = card.metrics.patience_s
            out.append(item)
        return out


def _review_record(row) -> ReviewRecord:
    values = {k: row[k] for k in (
        "id", "call_id", "transcript_version", "created_at", "engine", "model", "prompt_version",
        "prompt_sha256", "methodology_id", "methodology_version", "methodology_sha256",
        "total_percent", "focus_criterion_id", "cache_key")}
    draft = row["draft_json"]
    try:
        scorecard = _load_scorecard(row["scorecard_json"])
        coaching = CoachingDraft.model_validate_json(draft) if draft else None
    except ValidationError as err:
        raise StoreError(f"review {row['id']} in the store is damaged ({_first_error(err)}); "
                         f"review call {row['call_id']} again") from None
    return ReviewRecord(**values, scorecard=scorecard, draft=coaching)


def _load_scorecard(body: str) -> Scorecard:
    """A stored scorecard. Older versions stored a NaN metric as null, which no longer
    validates; metrics are derived numbers, so such a null reads as "not measured" (0), and
    one bad old row never breaks the rep's later reviews."""
    try:
        return Scorecard.model_validate_json(body)
    except ValidationError:
        data = json.loads(body)
        metrics = data.get("metrics")
        if not isinstance(metrics, dict):
            raise
        for speaker in (metrics.get("speakers") or {}).values():
            if isinstance(speaker, dict):
                for name, value in speaker.items():
                    speaker[name] = 0 if value is None else value
        if metrics.get("interactivity") is None:
            metrics["interactivity"] = 0.0
        return Scorecard.model_validate(data)


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {' '.join(str(first['msg']).split())}"


def _evidence_rep_speakers(card: Scorecard) -> list[str]:
    labels: list[str] = []
    for criterion in card.criteria:
        for quote in criterion.evidence:
            if quote.role == "rep" and quote.speaker not in labels:
                labels.append(quote.speaker)
    return labels


def _rep_speakers(conn: Connection, call_id: int, version: int | None) -> list[str]:
    """Speaker labels with the rep role in the transcript a review was made from."""
    query = select(transcripts.c.transcript_json).where(transcripts.c.call_id == call_id)
    query = (query.where(transcripts.c.version == version) if version is not None
             else query.order_by(transcripts.c.version.desc()).limit(1))
    body = conn.scalar(query)
    if body is None:
        return []
    labels: list[str] = []
    for seg in json.loads(body).get("segments", []):
        if seg.get("role") == "rep" and seg.get("speaker") not in labels:
            labels.append(seg["speaker"])
    return labels
