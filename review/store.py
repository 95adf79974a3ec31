"""The store: calls, versioned transcripts, reviews, manager overrides, comments and documents.

SQLAlchemy Core over SQLite by default (WAL, foreign keys on) or any `DATABASE_URL`
(PostgreSQL for a team). Nothing a user made is ever overwritten: transcripts and documents get
new versions, overrides and comments are appended, the AI's scorecard stays as it was produced.
The schema and its migrations live in `review.migrations`; uploads are kept content-addressed in
`<home>/uploads`, written atomically, so no upload is ever lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, and_, create_engine, event, func, insert, or_, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from .errors import EditConflict, StoreError
from .migrations import (
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
from .types import CoachingDraft, Scorecard, Transcript

CALL_STATUSES = ("new", "transcribed", "reviewed", "failed")


# --------------------------------------------------------------------------- records


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


@dataclass
class CallRow(Call):
    """A call as listed on the Calls page, with its latest review's headline (None if unreviewed)."""

    review_id: int | None = None
    total_percent: float | None = None
    engine: str | None = None
    focus_criterion_id: str | None = None
    focus_criterion_name: str | None = None


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
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------- engine


def _safe_url(raw: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except Exception:  # unparseable: mask what looks like user:password@
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", raw)


def _first_line(err: BaseException, secret: str | None) -> str:
    orig = getattr(err, "orig", None) or err
    line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return line.replace(secret, "***") if secret else line


def _sqlite_events(engine: Engine, wal: bool) -> None:
    """Foreign keys on, WAL for files, and BEGIN IMMEDIATE for write transactions.

    pysqlite's own transaction handling is switched off so that BEGIN is ours: a write
    transaction takes the write lock before it reads, so two writers queue (busy timeout)
    instead of one failing half-way with "database is locked".
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("callreview_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _driver_errors(engine: Engine) -> tuple[type[BaseException], ...]:
    """The driver's own error class: errors raised in connect events are not always wrapped."""
    error = getattr(engine.dialect.dbapi, "Error", None)
    return (error,) if isinstance(error, type) else ()


def _make_engine(url: URL, shown: str) -> Engine:
    kwargs: dict = {}
    wal = False
    if url.get_backend_name() == "sqlite":
        memory = not url.database or url.database == ":memory:" or "mode=memory" in str(url)
        if memory:  # one shared connection, or each checkout would see a different empty database
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            folder = Path(url.database).resolve().parent
            if not folder.is_dir():
                raise StoreError(
                    f"database_url {shown}: folder {folder} does not exist; create it or fix the URL"
                )
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            wal = True
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ImportError, sa_exc.NoSuchModuleError) as err:
        raise StoreError(
            f"database_url {shown}: driver not installed ({err}); "
            "for PostgreSQL run pip install 'callreview[postgres]'"
        ) from None
    if url.get_backend_name() == "sqlite":
        _sqlite_events(engine, wal)
    return engine


# --------------------------------------------------------------------------- store


class Store:
    """All persistent state of callreview. Safe to share between threads (an in-memory SQLite
    store is one shared connection, meant for tests and single-user demos).

    url: SQLAlchemy URL, e.g. "sqlite:////home/me/.callreview/callreview.db", "sqlite://" (memory)
        or "postgresql+psycopg://user:pw@host/callreview".
    uploads_dir: where uploaded files are kept; None = an "uploads" folder beside a SQLite file
        (and no upload folder for other URLs: use `Store.from_settings`).
    """

    def __init__(self, url: str, uploads_dir: Path | str | None = None):
        self.display_url = _safe_url(url)
        try:
            parsed = make_url(url)
        except (sa_exc.ArgumentError, ValueError):
            raise StoreError(
                f"database_url {self.display_url!r} is not a valid SQLAlchemy URL; "
                "use e.g. postgresql+psycopg://user:pw@host/db or leave it empty for SQLite"
            ) from None
        self._password = parsed.password
        self.engine = _make_engine(parsed, self.display_url)
        if uploads_dir is None and parsed.get_backend_name() == "sqlite" and self._is_file(parsed):
            uploads_dir = Path(parsed.database).resolve().parent / "uploads"
        self.uploads_dir = Path(uploads_dir) if uploads_dir is not None else None
        try:
            migrate(self.engine)
        except StoreError:
            self.engine.dispose()
            raise
        except (sa_exc.DBAPIError, *_driver_errors(self.engine)) as err:
            self.engine.dispose()
            raise self._open_error(err, parsed) from None

    @staticmethod
    def _is_file(url: URL) -> bool:
        return bool(url.database) and url.database != ":memory:" and "mode=memory" not in str(url)

    def _open_error(self, err: Exception, url: URL) -> StoreError:
        detail = _first_line(err, self._password)
        if url.get_backend_name() == "sqlite" and "not a database" in detail:
            return StoreError(
                f"{url.database} is not a SQLite database ({detail}); move it aside or set "
                "CALLREVIEW_DATABASE_URL to another file"
            )
        return StoreError(
            f"cannot open the store at {self.display_url}: {detail}; check CALLREVIEW_DATABASE_URL "
            "and that the database server is running"
        )

    @classmethod
    def from_settings(cls, settings) -> Store:
        """The store the settings name: `database_url`, or SQLite `<home>/callreview.db`.

        settings: a review.settings.Settings.
        """
        home = settings.home_path
        url = settings.database_url or f"sqlite:///{home / 'callreview.db'}"
        return cls(url, uploads_dir=home / "uploads")

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa_exc.DBAPIError as err:
            raise StoreError(
                f"cannot read the store at {self.display_url}: {_first_line(err, self._password)}; "
                "check that the database is reachable and try again"
            ) from None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                conn.execution_options(callreview_write=True)
                with conn.begin():
                    yield conn
        except sa_exc.DBAPIError as err:
            raise StoreError(
                f"cannot write the store at {self.display_url}: {_first_line(err, self._password)}; "
                "try again (another process may be holding it)"
            ) from None

    @staticmethod
    def _require(conn: Connection, table, row_id: int, what: str) -> None:
        if conn.scalar(select(table.c.id).where(table.c.id == row_id)) is None:
            raise StoreError(f"{what} {row_id} does not exist in the store; reload the list")

    # ------------------------------------------------------------------ calls

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
            return int(conn.execute(insert(calls).values(
                filename=filename, audio_sha256=audio_sha256,
                stored_path=str(stored_path) if stored_path is not None else None,
                rep=rep.strip() if rep else None, call_type=call_type,
                call_date=call_date or date.today().isoformat(),
                methodology_id=methodology_id, title=title, duration=duration,
                created_at=utc_now(), status=status, error=None,
            )).inserted_primary_key[0])

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
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            conn.execute(update(calls).where(calls.c.id == call_id).values(status=status, error=error))

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
    ) -> list[CallRow]:
        """Calls, newest call date first, with their latest review's score, engine and focus skill.

        rep, methodology_id: exact match. date_from, date_to: inclusive ISO dates.
        min_score, max_score: inclusive bounds on the latest review's total percent (calls
            without a review are left out when either is given).
        text: case-insensitive substring of the latest transcript's text.
        limit, offset: paging.
        """
        _check_date("date_from", date_from)
        _check_date("date_to", date_to)
        latest = (
            select(reviews.c.call_id, func.max(reviews.c.id).label("review_id"))
            .group_by(reviews.c.call_id).subquery()
        )
        query = (
            select(
                calls, reviews.c.id.label("review_id"), reviews.c.total_percent, reviews.c.engine,
                reviews.c.focus_criterion_id, reviews.c.focus_criterion_name,
            )
            .select_from(calls.outerjoin(latest, latest.c.call_id == calls.c.id)
                         .outerjoin(reviews, reviews.c.id == latest.c.review_id))
        )
        where = []
        if rep:
            where.append(calls.c.rep == rep)
        if methodology_id:
            where.append(calls.c.methodology_id == methodology_id)
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
            return [CallRow(**row) for row in conn.execute(query).mappings()]

    def reps(self) -> list[str]:
        """Every rep name in the store, sorted."""
        with self._read() as conn:
            return list(conn.scalars(
                select(calls.c.rep).where(calls.c.rep.is_not(None)).distinct().order_by(calls.c.rep)
            ))

    # ------------------------------------------------------------------ transcripts

    def save_transcript(self, call_id: int, transcript: Transcript) -> int:
        """Store a new version of the call's transcript and return its version number.

        Identical to the latest version -> nothing is stored and the latest version returned.
        Also refreshes the call's search text, and its duration when that was unknown.
        call_id: the call. transcript: the Transcript.
        """
        body = transcript.model_dump_json()
        sha = hashlib.sha256(body.encode()).hexdigest()
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
                created_at=utc_now(),
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
        return Transcript.model_validate_json(body) if body is not None else None

    def transcript_versions(self, call_id: int) -> list[int]:
        """The call's transcript version numbers, oldest first."""
        with self._read() as conn:
            return list(conn.scalars(select(transcripts.c.version)
                                     .where(transcripts.c.call_id == call_id)
                                     .order_by(transcripts.c.version)))

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
        prov = scorecard.provenance
        now = utc_now()
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            transcript_version = conn.scalar(
                select(func.max(transcripts.c.version)).where(transcripts.c.call_id == call_id))
            review_id = int(conn.execute(insert(reviews).values(
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
            )).inserted_primary_key[0])
            if draft is not None:
                seeds = [(f"agenda/{s.key}", s.body_markdown) for s in draft.agenda]
                seeds.append(("prep_note", draft.prep_note_markdown))
                conn.execute(insert(documents), [
                    {"review_id": review_id, "key": key, "version": 1, "content": content,
                     "author": "ai", "created_at": now}
                    for key, content in seeds
                ])
            conn.execute(update(calls).where(calls.c.id == call_id)
                         .values(status="reviewed", error=None))
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
        """The rep's earlier reviewed calls in one methodology, newest first (latest review each).

        These are the AI's scorecards as produced; manager overrides are read with overrides().
        rep: the rep's name. methodology_id: only reviews with this methodology.
        before: a call id (calls earlier than that call, by call date then id, itself excluded)
            or an ISO date (calls dated strictly before it); None = all.
        limit: at most this many scorecards.
        """
        query = self._rep_reviews(rep, methodology_id, before)
        query = query.order_by(calls.c.call_date.desc(), calls.c.id.desc()).limit(limit)
        return [r.scorecard for r in self._reviews(query)]

    def rep_trend_rows(self, rep: str, methodology_id: str) -> list[dict]:
        """One flat row per reviewed call of the rep, oldest first, ready for a chart table.

        Keys: call_id, call_date, title, review_id, total_percent, "criterion:<id>" (the score,
        with the manager's latest override applied), "max:<id>", overridden (list of ids), and
        the rep's metrics "metric:talk_ratio", "metric:longest_monologue_s",
        "metric:question_count", "metric:words_per_minute", plus "metric:interactivity" and
        "metric:patience_s" (None where unknown).
        rep: the rep's name. methodology_id: only reviews with this methodology.
        """
        query = self._rep_reviews(rep, methodology_id, None)
        query = query.order_by(calls.c.call_date, calls.c.id)
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [r["id"] for r in rows]
            override_rows = conn.execute(
                select(overrides).where(overrides.c.review_id.in_(ids)).order_by(overrides.c.id)
            ).mappings().all() if ids else []
            cards = {r["id"]: Scorecard.model_validate_json(r["scorecard_json"]) for r in rows}
            # The rep's speaker label: from the evidence quotes (cut from the transcript with
            # roles), else from the transcript itself, which is much larger to parse.
            rep_speakers = {
                r["id"]: _evidence_rep_speakers(cards[r["id"]])
                or _rep_speakers(conn, r["call_id"], r["transcript_version"])
                for r in rows
            }
        latest_override: dict[tuple[int, str], int] = {}
        for o in override_rows:
            latest_override[(o["review_id"], o["criterion_id"])] = o["score"]
        out = []
        for row in rows:
            card = cards[row["id"]]
            item: dict = {"call_id": row["call_id"], "call_date": row["call_date"],
                          "title": row["title"], "review_id": row["id"],
                          "total_percent": row["total_percent"], "overridden": []}
            for c in card.criteria:
                score = latest_override.get((row["id"], c.id), c.score)
                if (row["id"], c.id) in latest_override:
                    item["overridden"].append(c.id)
                item[f"criterion:{c.id}"] = score
                item[f"max:{c.id}"] = c.max_score
            rep_metrics = next((card.metrics.speakers[s] for s in rep_speakers[row["id"]]
                                if s in card.metrics.speakers), None)
            for name in ("talk_ratio", "longest_monologue_s", "question_count", "words_per_minute"):
                item[f"metric:{name}"] = getattr(rep_metrics, name) if rep_metrics else None
            item["metric:interactivity"] = card.metrics.interactivity
            item["metric:patience_s"] = card.metrics.patience_s
            out.append(item)
        return out

    # ------------------------------------------------------------------ overrides, comments

    def add_override(
        self, review_id: int, criterion_id: str, score: int, comment: str, author: str = "manager"
    ) -> int:
        """Append a manager's score for one criterion; the AI's score stays in the scorecard.

        review_id: the review. criterion_id: a criterion of its scorecard.
        score: on the criterion's scale (0..max_score). comment: why. author: who.
        """
        review = self.get_review(review_id)
        if review is None:
            raise StoreError(f"review {review_id} does not exist in the store; reload the call")
        criterion = next((c for c in review.scorecard.criteria if c.id == criterion_id), None)
        if criterion is None:
            raise StoreError(f"override: criterion '{criterion_id}' is not in review {review_id}'s "
                             "scorecard; pick one of its criteria")
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= criterion.max_score:
            raise StoreError(f"override score {score!r} for '{criterion_id}' must be a whole number "
                             f"from 0 to {criterion.max_score}")
        with self._write() as conn:
            return int(conn.execute(insert(overrides).values(
                review_id=review_id, criterion_id=criterion_id, score=score,
                comment=comment.strip(), author=author, created_at=utc_now(),
            )).inserted_primary_key[0])

    def overrides(self, review_id: int) -> dict[str, Override]:
        """The latest override of each overridden criterion of the review."""
        return {o.criterion_id: o for o in self.override_history(review_id)}

    def override_history(self, review_id: int, criterion_id: str | None = None) -> list[Override]:
        """Every override of the review (or of one criterion), oldest first."""
        query = select(overrides).where(overrides.c.review_id == review_id)
        if criterion_id is not None:
            query = query.where(overrides.c.criterion_id == criterion_id)
        with self._read() as conn:
            return [Override(**r) for r in conn.execute(query.order_by(overrides.c.id)).mappings()]

    def add_comment(self, call_id: int, at_s: float, text: str, author: str = "manager") -> int:
        """Append a comment at a moment of the call and return its id.

        call_id: the call. at_s: seconds from the start. text: the comment. author: who.
        """
        if not text.strip():
            raise StoreError("comment text is empty; write something to save")
        if at_s < 0:
            raise StoreError(f"comment time {at_s} s is negative; use seconds from the start")
        with self._write() as conn:
            self._require(conn, calls, call_id, "call")
            return int(conn.execute(insert(comments).values(
                call_id=call_id, at_s=float(at_s), text=text.strip(), author=author,
                created_at=utc_now(),
            )).inserted_primary_key[0])

    def comments(self, call_id: int) -> list[Comment]:
        """The call's comments in time order."""
        with self._read() as conn:
            return [Comment(**r) for r in conn.execute(
                select(comments).where(comments.c.call_id == call_id)
                .order_by(comments.c.at_s, comments.c.id)).mappings()]

    # ------------------------------------------------------------------ documents

    def save_document(
        self, review_id: int, key: str, content: str, base_version: int | None,
        author: str = "manager",
    ) -> int:
        """Save an edited document as a new version and return the version number.

        Content equal to the latest version's is not stored again (its version is returned).
        review_id: the review. key: "agenda/<section key>" or "prep_note".
        content: the full new text. base_version: the version the editor opened (None = none);
            if it is not the latest any more, EditConflict is raised and nothing is saved.
        author: who saved it.
        """
        if not key or len(key) > 100:
            raise StoreError(f"document key {key!r} must be 1 to 100 characters, e.g. 'prep_note'")
        with self._write() as conn:
            self._require(conn, reviews, review_id, "review")
            last = conn.execute(
                select(documents.c.version, documents.c.content)
                .where(and_(documents.c.review_id == review_id, documents.c.key == key))
                .order_by(documents.c.version.desc()).limit(1)
            ).first()
            if last is not None and last.content == content:
                return int(last.version)
            latest = last.version if last is not None else None
            if base_version != latest:
                raise _conflict(latest, base_version)
            version = 1 if latest is None else latest + 1
            try:
                conn.execute(insert(documents).values(
                    review_id=review_id, key=key, version=version, content=content,
                    author=author, created_at=utc_now(),
                ))
            except sa_exc.IntegrityError:  # another writer stored this version first
                raise _conflict(version, base_version) from None
            return version

    def get_document(self, review_id: int, key: str) -> tuple[str, int] | None:
        """(content, version) of the document's latest version, or None if it has none."""
        with self._read() as conn:
            row = conn.execute(
                select(documents.c.content, documents.c.version)
                .where(and_(documents.c.review_id == review_id, documents.c.key == key))
                .order_by(documents.c.version.desc()).limit(1)
            ).first()
        return (row.content, int(row.version)) if row else None

    def document_history(self, review_id: int, key: str) -> list[DocumentVersion]:
        """Every version of the document, oldest first."""
        with self._read() as conn:
            return [DocumentVersion(**r) for r in conn.execute(
                select(documents.c.version, documents.c.content, documents.c.author,
                       documents.c.created_at)
                .where(and_(documents.c.review_id == review_id, documents.c.key == key))
                .order_by(documents.c.version)).mappings()]

    def restore_document(
        self, review_id: int, key: str, version: int, base_version: int | None,
        author: str = "manager",
    ) -> int:
        """Make an old version's content the newest version (history is kept); returns it.

        review_id, key: the document. version: the version to restore.
        base_version: the version the editor has open (conflict rules as in save_document).
        author: who restored it.
        """
        old = next((v for v in self.document_history(review_id, key) if v.version == version), None)
        if old is None:
            raise StoreError(f"document '{key}' of review {review_id} has no version {version}; "
                             "pick one from its history")
        return self.save_document(review_id, key, old.content, base_version, author=author)

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


# --------------------------------------------------------------------------- helpers


def _check_status(status: str) -> None:
    if status not in CALL_STATUSES:
        raise StoreError(f"call status {status!r} is not one of {', '.join(CALL_STATUSES)}")


def _check_date(name: str, value: str | None) -> None:
    if value is None:
        return
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise StoreError(f"{name} {value!r} is not an ISO date; use YYYY-MM-DD") from None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conflict(latest: int | None, base: int | None) -> EditConflict:
    opened = f"version {base}" if base is not None else "it"
    return EditConflict(f"this section was changed elsewhere (version {latest}) since you opened "
                        f"{opened}; reload to see it")


def _review_record(row) -> ReviewRecord:
    values = {k: row[k] for k in (
        "id", "call_id", "transcript_version", "created_at", "engine", "model", "prompt_version",
        "prompt_sha256", "methodology_id", "methodology_version", "methodology_sha256",
        "total_percent", "focus_criterion_id", "cache_key")}
    draft = row["draft_json"]
    return ReviewRecord(
        **values,
        scorecard=Scorecard.model_validate_json(row["scorecard_json"]),
        draft=CoachingDraft.model_validate_json(draft) if draft else None,
    )


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


def _keep_upload(folder: Path, src: bytes | str | Path, sha256: str, filename: str) -> Path:
    suffix = Path(filename).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""
    target = folder / f"{sha256}{suffix}"
    if target.is_file():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    except OSError as err:
        raise StoreError(f"cannot write the uploads folder {folder}: {err.strerror}") from None
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(src, bytes):
                digest.update(src)
                out.write(src)
            else:
                with open(src, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise StoreError(f"upload {filename}: its content does not match sha256 {sha256[:12]}...; "
                             "upload it again")
        os.replace(tmp, target)
    except OSError as err:
        raise StoreError(f"cannot keep upload {filename} in {folder}: {err.strerror or err}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
