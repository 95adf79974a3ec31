"""Store methods for calls: adding and finding them, their status, the Calls page's filtered
list (with transcript text search), rep names, and keeping uploaded files."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy import exc as sa_exc

from ..agenda_doc import SHARED, SHARED_KEY
from ..errors import StoreError
from ..files import PRIVATE, write_atomic
from ..hashing import sha256_bytes, sha256_stream
from ..migrations import METADATA, call_text, calls, documents, reviews, transcripts, utc_now
from ..self_review import SELF_REVIEW_KEY
from .base import StoreBase, _check_date, inserted_id
from .records import CALL_STATUSES, Call, CallRow


class CallMethods(StoreBase):
    """The calls part of `review.store.Store`."""

    def add_call(
        self,
        *,
        filename: str,
        audio_sha256: str | None = None,
        stored_path: str | Path | None = None,
        rep: str | None = None,
        call_date: str | None = None,
        call_type: str | None = None,
        methodology_id: str | None = None,
        title: str | None = None,
        duration: float | None = None,
        status: str = "new",
    ) -> int:
        """Record a new call and return its id.

        filename: the name the user uploaded.
        audio_sha256: sha256 of the uploaded file's bytes (recording or transcript file), used to
            recognise a duplicate upload.
        stored_path: where the upload is kept (see keep_upload).
        rep: the rep's name. call_type: e.g. "discovery".
        call_date: ISO date (YYYY-MM-DD); None = today, the upload date.
        methodology_id: the methodology to review it with. title: shown in lists.
        duration: seconds, if known. status: one of CALL_STATUSES.
        """
        _check_status(status)
        _check_date("call_date", call_date)
        with self._write() as conn:
            return inserted_id(conn.execute(insert(calls).values(
                filename=filename, audio_sha256=audio_sha256,
                stored_path=str(stored_path) if stored_path is not None else None,
                rep=rep.strip() if rep else None, call_type=call_type,
                call_date=call_date or date.today().isoformat(),
                methodology_id=methodology_id, title=title, duration=duration,
                created_at=utc_now(), status=status, error=None,
            )))

    def claim_call(self, *, audio_sha256: str, filename: str, **details) -> tuple[int, bool]:
        """The call holding these bytes, recorded now if there is none: (call id, created).

        Safe against concurrent uploads of one file: a unique index on the hash lets exactly
        one insert win; the others get the winner's call. details: as for add_call.
        """
        for _attempt in range(2):
            existing = self.find_call_by_sha(audio_sha256)
            if existing is not None:
                return existing.id, False
            try:
                return self.add_call(audio_sha256=audio_sha256, filename=filename, **details), True
            except StoreError as err:
                if not isinstance(err.__context__, sa_exc.IntegrityError):
                    raise
        existing = self.find_call_by_sha(audio_sha256)
        if existing is None:
            raise StoreError(f"cannot record call {filename}: the store refused it twice; try again")
        return existing.id, False

    def begin_review(self, call_id: int) -> None:
        """Mark the call as being reviewed by this process (see mark_interrupted_reviews)."""
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            conn.execute(update(calls).where(calls.c.id == call_id).values(
                review_owner=_owner(), review_started_at=utc_now()))

    def mark_interrupted_reviews(self, max_age_hours: float = 6.0) -> list[int]:
        """Mark failed, with the reason "interrupted", every review whose process is gone.

        A review owned by a process of this machine that no longer runs is stale at once; one
        owned by another machine when it started more than max_age_hours ago. Returns the ids.
        """
        with self._read() as conn:
            rows = conn.execute(select(calls.c.id, calls.c.review_owner, calls.c.review_started_at)
                                .where(calls.c.review_owner.is_not(None))).all()
        stale = [row for row in rows if _is_stale(row.review_owner, row.review_started_at, max_age_hours)]
        for row in stale:
            with self._write() as conn:
                conn.execute(update(calls).where(and_(
                    calls.c.id == row.id, calls.c.review_owner == row.review_owner)).values(
                    status="failed", review_owner=None, review_started_at=None,
                    error=(f"interrupted: the review started {row.review_started_at} by "
                           f"{row.review_owner} did not finish; retry with "
                           f"callreview review --retry {row.id}")))
        return [row.id for row in stale]

    def get_call(self, call_id: int) -> Call | None:
        """The call with this id, or None."""
        with self._read() as conn:
            row = conn.execute(select(calls).where(calls.c.id == call_id)).mappings().first()
        return Call(**row) if row else None

    def find_call_by_sha(self, sha256: str) -> Call | None:
        """The first call uploaded with these bytes (a duplicate upload), or None."""
        with self._read() as conn:
            row = conn.execute(
                select(calls).where(calls.c.audio_sha256 == sha256).order_by(calls.c.id).limit(1)
            ).mappings().first()
        return Call(**row) if row else None

    def update_call_status(self, call_id: int, status: str, error: str | None = None) -> None:
        """Set a call's status ("new", "transcribed", "reviewed", "failed") and error message."""
        _check_status(status)
        values: dict = {"status": status, "error": error}
        if status in ("reviewed", "failed"):  # the review is over: nobody owns it any more
            values.update(review_owner=None, review_started_at=None)
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            conn.execute(update(calls).where(calls.c.id == call_id).values(**values))

    def update_call_details(self, call_id: int, **details: str | None) -> None:
        """Correct who and what a call is: `rep`, `call_date`, `call_type`, `title` (None or blank = keep)."""
        allowed = {"rep", "call_date", "call_type", "title"}
        unknown = sorted(set(details) - allowed)
        if unknown:
            raise StoreError(f"cannot update {', '.join(unknown)} of a call; only {', '.join(sorted(allowed))}")
        values = {k: v for k, v in details.items() if v is not None and v.strip()}  # blank: keep, never wipe
        _check_date("call_date", values.get("call_date"))
        if not values:
            return
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            conn.execute(update(calls).where(calls.c.id == call_id).values(**values))

    def list_calls(
        self,
        rep: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        methodology_id: str | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
        text: str | None = None,
        limit: int = 50,
        offset: int = 0,
        reps: Collection[str] | None = None,
    ) -> list[CallRow]:
        """Calls, newest call date first, with their latest review's score, engine and focus skill,
        whether its agenda is shared with the rep, whether the rep wrote a self-review of the call and
        the speaker taken for the rep where its latest transcript only guessed it.

        rep: exact match. methodology_id: the latest review's methodology (the call's when it has no
            review yet). date_from, date_to: inclusive ISO dates.
        min_score, max_score: inclusive bounds on the latest review's total percent (calls
            without a review are left out when either is given).
        text: case-insensitive substring of the latest transcript's text.
        limit, offset: paging.
        reps: only calls of these reps (the signed-in person's scope); None = no restriction.
        """
        _check_date("date_from", date_from)
        _check_date("date_to", date_to)
        self.mark_interrupted_reviews()
        latest = (
            select(reviews.c.call_id, func.max(reviews.c.id).label("review_id"))
            .group_by(reviews.c.call_id).subquery()
        )
        # the latest version of the review's share switch (review.agenda_doc.SHARED_KEY)
        shared = (select(documents.c.content)
                  .where(documents.c.review_id == reviews.c.id, documents.c.key == SHARED_KEY)
                  .order_by(documents.c.version.desc()).limit(1).correlate(reviews).scalar_subquery())
        # whether the rep wrote a self-review of the call, on any of its reviews (review.self_review)
        written_on = reviews.alias("written_on")
        self_reviewed = (select(func.count()).select_from(documents.join(
                             written_on, written_on.c.id == documents.c.review_id))
                         .where(written_on.c.call_id == calls.c.id, documents.c.key == SELF_REVIEW_KEY)
                         .correlate(calls).scalar_subquery())
        # the speaker taken for the rep, where the latest transcript only guessed it (review.speakers.rep_to_check)
        to_check = (select(transcripts.c.rep_to_check).where(transcripts.c.call_id == calls.c.id)
                    .order_by(transcripts.c.version.desc()).limit(1).correlate(calls).scalar_subquery())
        query = (
            select(
                calls, reviews.c.id.label("review_id"), reviews.c.total_percent, reviews.c.engine,
                reviews.c.focus_criterion_id, reviews.c.focus_criterion_name, shared.label("agenda_shared"),
                reviews.c.methodology_id.label("review_methodology_id"), self_reviewed.label("self_reviewed"),
                to_check.label("rep_to_check"),
            )
            .select_from(calls.outerjoin(latest, latest.c.call_id == calls.c.id)
                         .outerjoin(reviews, reviews.c.id == latest.c.review_id))
        )
        where = []
        if rep:
            where.append(calls.c.rep == rep)
        if reps is not None:
            where.append(calls.c.rep.in_(sorted(reps)))
        if methodology_id:  # the latest review's, as listed (a re-scored call moves), else the call's
            where.append(func.coalesce(reviews.c.methodology_id, calls.c.methodology_id) == methodology_id)
        if date_from:
            where.append(calls.c.call_date >= date_from)
        if date_to:
            where.append(calls.c.call_date <= date_to)
        if min_score is not None:
            where.append(reviews.c.total_percent >= min_score)
        if max_score is not None:
            where.append(reviews.c.total_percent <= max_score)
        if text and text.strip():
            pattern = "%" + _like_escape(text.strip().lower()) + "%"
            where.append(calls.c.id.in_(
                select(call_text.c.call_id).where(call_text.c.text.like(pattern, escape="\\"))
            ))
        query = query.where(and_(*where)) if where else query
        query = query.order_by(calls.c.call_date.desc(), calls.c.id.desc()).limit(limit).offset(offset)
        with self._read() as conn:
            return [CallRow(**(dict(row) | {"agenda_shared": row["agenda_shared"] == SHARED,
                                             "self_reviewed": bool(row["self_reviewed"])}))
                    for row in conn.execute(query).mappings()]

    def reps(self) -> list[str]:
        """Every rep name in the store, sorted."""
        with self._read() as conn:
            return list(conn.scalars(
                select(calls.c.rep).where(calls.c.rep.is_not(None)).distinct().order_by(calls.c.rep)
            ))

    def delete_call(self, call_id: int) -> str | None:
        """Delete a call and every row that belongs to it, in one transaction: rows that refer to
        its reviews first (overrides, documents, ...), then rows that refer to the call
        (reviews, transcripts, comments, search text), then the call. Any table with a
        `review_id` or `call_id` column is covered, also tables added by later migrations.

        Returns the kept upload's path when no other call shares it (the caller removes the
        file after the rows are gone), else None.
        """
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            stored = conn.scalar(select(calls.c.stored_path).where(calls.c.id == call_id))
            review_ids = select(reviews.c.id).where(reviews.c.call_id == call_id)
            tables = [t for t in reversed(METADATA.sorted_tables) if t is not calls]
            for table in tables:
                if "review_id" in table.c and table is not reviews:
                    conn.execute(delete(table).where(table.c.review_id.in_(review_ids)))
            for table in tables:
                if "call_id" in table.c:
                    conn.execute(delete(table).where(table.c.call_id == call_id))
            conn.execute(delete(calls).where(calls.c.id == call_id))
            shared = stored is not None and conn.scalar(
                select(func.count()).select_from(calls).where(calls.c.stored_path == stored))
        return None if stored is None or shared else stored

    # ------------------------------------------------------------------ uploads

    def keep_upload(self, src: bytes | str | Path, sha256: str, filename: str) -> Path:
        """Keep an uploaded file as `<uploads_dir>/<sha256><suffix>` and return that path.

        Written to a temporary file in the same folder and renamed, so a crash never leaves a
        half file; the same bytes uploaded again reuse the kept file.
        src: the file's bytes or a path to it. sha256: its sha256 (checked while copying).
        filename: the uploaded name (only its suffix is used, so decoders know the format).
        """
        if self.uploads_dir is None:
            raise StoreError("this store has no uploads folder; open it with Store.from_settings")
        if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
            raise StoreError(f"upload sha256 {sha256!r} is not 64 lower-case hex digits")
        return _keep_upload(self.uploads_dir, src, sha256, filename)


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _is_stale(owner: str, started_at: str | None, max_age_hours: float) -> bool:
    host, _, pid = owner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:  # it exists but belongs to someone else
            return False
        return False
    try:
        started = datetime.fromisoformat(started_at or "")
    except ValueError:
        return True
    return datetime.now(UTC) - started > timedelta(hours=max_age_hours)


def _check_status(status: str) -> None:
    if status not in CALL_STATUSES:
        raise StoreError(f"call status {status!r} is not one of {', '.join(CALL_STATUSES)}")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _keep_upload(folder: Path, src: bytes | str | Path, sha256: str, filename: str) -> Path:
    suffix = Path(filename).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""
    target = folder / f"{sha256}{suffix}"
    if target.is_file():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"cannot write the uploads folder {folder}: {err.strerror}") from None

    def copy(tmp: Path) -> None:
        # The copy is checked against the hash the caller computed: a file changed in between
        # is not kept under a name that lies about its content.
        with open(tmp, "wb") as out:
            if isinstance(src, bytes):
                out.write(src)
                copied = sha256_bytes(src)
            else:
                with open(src, "rb") as fh:
                    copied = sha256_stream(fh, sink=out)
        if copied != sha256:
            raise StoreError(f"upload {filename}: its content does not match sha256 {sha256[:12]}...; "
                             "upload it again")

    try:
        # Recordings of customer calls are private: owner-only, like the settings with a key.
        return write_atomic(target, copy, mode=PRIVATE)
    except OSError as err:
        raise StoreError(f"cannot keep upload {filename} in {folder}: {err.strerror or err}") from None
