"""Schema of the store and the append-only list of migrations that builds it.

`TABLES` below is the current schema, which `review.store` queries. `MIGRATIONS` is the history
that produces it: a database records the migrations it has in `schema_version`, and `migrate`
applies the missing ones in order, inside one transaction, whenever a `Store` opens. Never edit or
reorder a migration that has shipped; append a new one (and change `TABLES` to match).

Only portable SQL: JSON is kept as TEXT, timestamps as ISO-8601 TEXT (UTC, so they sort), no
SQLite- or PostgreSQL-only column types, so a `DATABASE_URL` for PostgreSQL works unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
)

from .errors import StoreError
from .team_schema import m003_jobs_users_teams, team_tables

# Any constant works; it only has to be the same for every callreview process on one server.
_PG_MIGRATION_LOCK = 7_345_210_001


def utc_now() -> str:
    """Current time as ISO-8601 UTC text, the one timestamp format of the store."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


# --------------------------------------------------------------------------- current schema
# Keep in step with MIGRATIONS; tests/test_store.py compares a migrated database with this.

METADATA = MetaData()

schema_version = Table(
    "schema_version", METADATA,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_at", String(40), nullable=False),
)

calls = Table(
    "calls", METADATA,
    Column("id", Integer, primary_key=True),
    Column("audio_sha256", String(64), index=True),  # sha256 of the uploaded file's bytes
    Column("filename", String(500), nullable=False),
    Column("stored_path", String(1000)),
    Column("rep", String(200), index=True),
    Column("call_date", String(10), index=True),  # ISO date
    Column("call_type", String(100)),
    Column("methodology_id", String(100), index=True),
    Column("title", String(500)),
    Column("duration", Float),
    Column("created_at", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("error", Text),
    # m004: the review in progress ("host:pid" and its start), so a killed one is found stale
    Column("review_owner", String(300)),
    Column("review_started_at", String(40)),
    # m004: a later call with the same bytes (made before the unique index); None for the first
    Column("duplicate_of", Integer),
    Index("ux_calls_sha", "audio_sha256", unique=True,
          sqlite_where=text("audio_sha256 IS NOT NULL AND duplicate_of IS NULL"),
          postgresql_where=text("audio_sha256 IS NOT NULL AND duplicate_of IS NULL")),
)

transcripts = Table(
    "transcripts", METADATA,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),  # of transcript_json, for cache keys
    Column("transcript_json", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("author", String(200)),  # who changed it by hand (a new rep, a corrected turn); NULL: made by callreview
    Column("note", Text),  # what they changed ("sentence 2 of turn 3 given to Jordan Lee")
    # the speaker taken for the rep when the manager should check it (review.speakers.rep_to_check), else NULL
    Column("rep_to_check", String(200)),
    UniqueConstraint("call_id", "version", name="uq_transcripts_call_version"),
)

reviews = Table(
    "reviews", METADATA,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False),
    Column("transcript_version", Integer),
    Column("created_at", String(40), nullable=False),
    Column("engine", String(50), nullable=False),
    Column("model", String(200)),
    Column("prompt_version", String(50)),
    Column("prompt_sha256", String(64)),
    Column("methodology_id", String(100), nullable=False),
    Column("methodology_version", String(50)),
    Column("methodology_sha256", String(64)),
    Column("total_percent", Float, nullable=False),
    Column("focus_criterion_id", String(100)),
    Column("focus_criterion_name", String(300)),
    Column("cache_key", String(128), index=True),
    Column("scorecard_json", Text, nullable=False),
    Column("draft_json", Text),
    # (call_id, id): the latest review of each call is found from this index alone.
    Index("ix_reviews_call_id_id", "call_id", "id"),
    # m004: one review per call and review inputs, so concurrent reviews store one
    Index("ux_reviews_call_cache_key", "call_id", "cache_key", unique=True,
          sqlite_where=text("cache_key IS NOT NULL"), postgresql_where=text("cache_key IS NOT NULL")),
)

overrides = Table(
    "overrides", METADATA,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id"), nullable=False, index=True),
    Column("criterion_id", String(100), nullable=False),
    Column("score", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
)

comments = Table(
    "comments", METADATA,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
    Column("at_s", Float, nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
)

documents = Table(
    "documents", METADATA,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id"), nullable=False),
    Column("key", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    # Two writers that both read version N can't both store N+1: one insert fails.
    UniqueConstraint("review_id", "key", "version", name="uq_documents_review_key_version"),
)

call_text = Table(
    "call_text", METADATA,
    Column("call_id", Integer, ForeignKey("calls.id"), primary_key=True, autoincrement=False),
    Column("transcript_version", Integer, nullable=False),
    Column("text", Text, nullable=False),  # lower-cased plain text of the latest transcript
)

evidence_marks = Table(
    "evidence_marks", METADATA,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id"), nullable=False, index=True),
    Column("criterion_id", String(100), nullable=False),
    Column("segment_id", Integer, nullable=False),
    Column("verdict", String(10), nullable=False),  # "right" or "wrong"
    Column("author", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
)

calibrations = Table(
    "calibrations", METADATA,
    Column("id", Integer, primary_key=True),
    Column("methodology_id", String(100), nullable=False),
    Column("criterion_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("examples", Integer, nullable=False),
    Column("positives", Integer, nullable=False),
    Column("model_json", Text),  # NULL: a reset (the uncalibrated judge from here on)
    Column("examples_sha256", String(64), nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    UniqueConstraint("methodology_id", "criterion_id", "version", name="uq_calibrations_criterion_version"),
)

voice_profiles = Table(
    "voice_profiles", METADATA,
    Column("id", Integer, primary_key=True),
    Column("rep", String(200), nullable=False, unique=True),  # as entered; matched ignoring case
    Column("rep_key", String(200), nullable=False, unique=True),  # casefolded, single-spaced name
    Column("embedding", Text, nullable=False),  # JSON list of 256 floats: mean voice (unit vector)
    Column("n_samples", Integer, nullable=False),  # calls and samples averaged into it
    Column("seconds", Float, nullable=False),  # speech behind it
    Column("sources", Text, nullable=False),  # JSON list of {"kind", "name", "seconds", "added_at"}
    Column("updated_at", String(40), nullable=False),
)

jobs, users, team_reps = team_tables(METADATA)

TABLES = [schema_version, calls, transcripts, reviews, overrides, comments, documents, call_text,
          jobs, users, team_reps, evidence_marks, calibrations, voice_profiles]


def transcript_search_text(segment_texts: list[str]) -> str:
    """The searchable copy of a transcript: its turns' text, one per line, lower-cased.

    Lower-cased here so a plain LIKE on a lower-cased query is case-insensitive on every
    database (SQLite has no ILIKE; lower() per row at query time would be slower).
    """
    return "\n".join(t.strip() for t in segment_texts).lower()


# --------------------------------------------------------------------------- migrations
# Each migration builds its own Table objects: what it created must not change when TABLES does.


def m001_calls_reviews_documents(conn: Connection) -> None:
    """Calls, versioned transcripts, reviews, manager overrides, comments and documents."""
    md = MetaData()
    Table(
        "calls", md,
        Column("id", Integer, primary_key=True),
        Column("audio_sha256", String(64), index=True),
        Column("filename", String(500), nullable=False),
        Column("stored_path", String(1000)),
        Column("rep", String(200), index=True),
        Column("call_date", String(10), index=True),
        Column("call_type", String(100)),
        Column("methodology_id", String(100), index=True),
        Column("title", String(500)),
        Column("duration", Float),
        Column("created_at", String(40), nullable=False),
        Column("status", String(20), nullable=False),
        Column("error", Text),
    )
    Table(
        "transcripts", md,
        Column("id", Integer, primary_key=True),
        Column("call_id", Integer, ForeignKey("calls.id"), nullable=False),
        Column("version", Integer, nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("transcript_json", Text, nullable=False),
        Column("created_at", String(40), nullable=False),
        UniqueConstraint("call_id", "version", name="uq_transcripts_call_version"),
    )
    Table(
        "reviews", md,
        Column("id", Integer, primary_key=True),
        Column("call_id", Integer, ForeignKey("calls.id"), nullable=False),
        Column("transcript_version", Integer),
        Column("created_at", String(40), nullable=False),
        Column("engine", String(50), nullable=False),
        Column("model", String(200)),
        Column("prompt_version", String(50)),
        Column("prompt_sha256", String(64)),
        Column("methodology_id", String(100), nullable=False),
        Column("methodology_version", String(50)),
        Column("methodology_sha256", String(64)),
        Column("total_percent", Float, nullable=False),
        Column("focus_criterion_id", String(100)),
        Column("focus_criterion_name", String(300)),
        Column("cache_key", String(128), index=True),
        Column("scorecard_json", Text, nullable=False),
        Column("draft_json", Text),
        Index("ix_reviews_call_id_id", "call_id", "id"),
    )
    Table(
        "overrides", md,
        Column("id", Integer, primary_key=True),
        Column("review_id", Integer, ForeignKey("reviews.id"), nullable=False, index=True),
        Column("criterion_id", String(100), nullable=False),
        Column("score", Integer, nullable=False),
        Column("comment", Text, nullable=False),
        Column("author", String(200), nullable=False),
        Column("created_at", String(40), nullable=False),
    )
    Table(
        "comments", md,
        Column("id", Integer, primary_key=True),
        Column("call_id", Integer, ForeignKey("calls.id"), nullable=False, index=True),
        Column("at_s", Float, nullable=False),
        Column("text", Text, nullable=False),
        Column("author", String(200), nullable=False),
        Column("created_at", String(40), nullable=False),
    )
    Table(
        "documents", md,
        Column("id", Integer, primary_key=True),
        Column("review_id", Integer, ForeignKey("reviews.id"), nullable=False),
        Column("key", String(100), nullable=False),
        Column("version", Integer, nullable=False),
        Column("content", Text, nullable=False),
        Column("author", String(200), nullable=False),
        Column("created_at", String(40), nullable=False),
        UniqueConstraint("review_id", "key", "version", name="uq_documents_review_key_version"),
    )
    md.create_all(conn)


def m002_transcript_search_text(conn: Connection) -> None:
    """A searchable plain-text copy of each call's latest transcript, filled for existing calls.

    Reads the stored JSON as plain data (not through review.types) so this migration keeps
    working whatever the Transcript model becomes later.
    """
    md = MetaData()
    Table("calls", md, Column("id", Integer, primary_key=True))  # the foreign key's target only
    table = Table(
        "call_text", md,
        Column("call_id", Integer, ForeignKey("calls.id"), primary_key=True, autoincrement=False),
        Column("transcript_version", Integer, nullable=False),
        Column("text", Text, nullable=False),
    )
    table.create(conn)
    latest = conn.execute(text(
        "SELECT t.call_id, t.version, t.transcript_json FROM transcripts t "
        "WHERE t.version = (SELECT MAX(t2.version) FROM transcripts t2 WHERE t2.call_id = t.call_id)"
    )).all()
    for call_id, version, transcript_json in latest:
        segments = json.loads(transcript_json).get("segments", [])
        conn.execute(insert(table).values(
            call_id=call_id,
            transcript_version=version,
            text=transcript_search_text([str(s.get("text", "")) for s in segments]),
        ))


def m004_review_claims_and_unique_calls(conn: Connection) -> None:
    """Who is reviewing a call (so a killed review is found), and unique calls and reviews.

    Calls stored twice with the same bytes before this (a race) stay, marked duplicate_of the
    first; of reviews stored twice with one cache key for one call, the newest keeps the key
    (it is only a cache lookup), so the unique indexes can be built without losing a row.
    """
    for column, kind in (("review_owner", "VARCHAR(300)"), ("review_started_at", "VARCHAR(40)"),
                         ("duplicate_of", "INTEGER")):
        conn.execute(text(f"ALTER TABLE calls ADD COLUMN {column} {kind}"))
    conn.execute(text(
        "UPDATE calls SET duplicate_of = (SELECT MIN(c2.id) FROM calls c2 "
        "WHERE c2.audio_sha256 = calls.audio_sha256) "
        "WHERE audio_sha256 IS NOT NULL AND id > (SELECT MIN(c3.id) FROM calls c3 "
        "WHERE c3.audio_sha256 = calls.audio_sha256)"))
    conn.execute(text(
        "UPDATE reviews SET cache_key = NULL WHERE cache_key IS NOT NULL AND id < "
        "(SELECT MAX(r2.id) FROM reviews r2 WHERE r2.call_id = reviews.call_id "
        "AND r2.cache_key = reviews.cache_key)"))
    conn.execute(text("CREATE UNIQUE INDEX ux_calls_sha ON calls (audio_sha256) "
                      "WHERE audio_sha256 IS NOT NULL AND duplicate_of IS NULL"))
    conn.execute(text("CREATE UNIQUE INDEX ux_reviews_call_cache_key ON reviews (call_id, cache_key) "
                      "WHERE cache_key IS NOT NULL"))


def m005_evidence_marks_calibrations(conn: Connection) -> None:
    """The manager's right / wrong marks on evidence quotes, and the per-criterion calibration
    models fitted from marks and overrides (append-only versions; a NULL model is a reset)."""
    md = MetaData()
    Table("reviews", md, Column("id", Integer, primary_key=True))  # the foreign key's target only
    Table(
        "evidence_marks", md,
        Column("id", Integer, primary_key=True),
        Column("review_id", Integer, ForeignKey("reviews.id"), nullable=False, index=True),
        Column("criterion_id", String(100), nullable=False),
        Column("segment_id", Integer, nullable=False),
        Column("verdict", String(10), nullable=False),
        Column("author", String(200), nullable=False),
        Column("created_at", String(40), nullable=False),
    ).create(conn)
    Table(
        "calibrations", md,
        Column("id", Integer, primary_key=True),
        Column("methodology_id", String(100), nullable=False),
        Column("criterion_id", String(100), nullable=False),
        Column("version", Integer, nullable=False),
        Column("examples", Integer, nullable=False),
        Column("positives", Integer, nullable=False),
        Column("model_json", Text),
        Column("examples_sha256", String(64), nullable=False),
        Column("author", String(200), nullable=False),
        Column("created_at", String(40), nullable=False),
        UniqueConstraint("methodology_id", "criterion_id", "version", name="uq_calibrations_criterion_version"),
    ).create(conn)


def m006_voice_profiles(conn: Connection) -> None:
    """Each rep's voice profile: the mean voice embedding of their calls and samples."""
    md = MetaData()
    Table(
        "voice_profiles", md,
        Column("id", Integer, primary_key=True),
        Column("rep", String(200), nullable=False, unique=True),
        Column("rep_key", String(200), nullable=False, unique=True),
        Column("embedding", Text, nullable=False),
        Column("n_samples", Integer, nullable=False),
        Column("seconds", Float, nullable=False),
        Column("sources", Text, nullable=False),
        Column("updated_at", String(40), nullable=False),
    ).create(conn)


def m007_transcript_changes(conn: Connection) -> None:
    """Who changed a transcript version by hand and what they changed (NULL for versions callreview made)."""
    conn.execute(text("ALTER TABLE transcripts ADD COLUMN author VARCHAR(200)"))
    conn.execute(text("ALTER TABLE transcripts ADD COLUMN note TEXT"))


def m008_rep_to_check(conn: Connection) -> None:
    """The speaker taken for the rep where it was only guessed or doubted, so the Calls list can say
    which calls to check; filled in for each call's latest transcript (older versions are not listed).
    Reads the stored JSON as plain data, as m002 does."""
    from .speakers import doubted_rep

    conn.execute(text("ALTER TABLE transcripts ADD COLUMN rep_to_check VARCHAR(200)"))
    latest = conn.execute(text(
        "SELECT t.id, t.transcript_json FROM transcripts t JOIN call_text c "
        "ON c.call_id = t.call_id AND c.transcript_version = t.version"
    )).all()
    for row_id, transcript_json in latest:
        data = json.loads(transcript_json)
        attribution = data.get("attribution") or {}
        speaker = doubted_rep(attribution.get("rep_chosen_by"), [str(w) for w in data.get("warnings") or []],
                              (data.get("metrics") or {}).get("rep_speaker"))
        if speaker:
            conn.execute(text("UPDATE transcripts SET rep_to_check = :speaker WHERE id = :id"),
                         {"speaker": str(speaker), "id": row_id})


MIGRATIONS: list[Callable[[Connection], None]] = [
    m001_calls_reviews_documents,
    m002_transcript_search_text,
    m003_jobs_users_teams,
    m004_review_claims_and_unique_calls,
    m005_evidence_marks_calibrations,
    m006_voice_profiles,
    m007_transcript_changes,
    m008_rep_to_check,
]


def applied_version(conn: Connection) -> int:
    """The number of migrations this database has (0 for an empty database)."""
    if not conn.dialect.has_table(conn, "schema_version"):
        return 0
    return int(conn.scalar(select(func.max(schema_version.c.version))) or 0)


def migrate(engine: Engine, until: int | None = None) -> list[int]:
    """Apply the migrations this database is missing, in order, in one transaction.

    engine: the store's engine (its SQLite connections start write transactions with
        BEGIN IMMEDIATE, so two processes opening a new file migrate one after the other).
    until: stop after this migration number (tests build old databases with it); None = all.
    Returns the numbers applied, [] when the database was up to date.
    """
    last = len(MIGRATIONS) if until is None else until
    applied: list[int] = []
    with engine.connect() as conn:
        conn.execution_options(callreview_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                # Serialise concurrent first starts; released at the end of the transaction.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            schema_version.create(conn, checkfirst=True)
            current = applied_version(conn)
            if current > len(MIGRATIONS):
                raise StoreError(
                    f"the store's schema is version {current}, newer than this callreview knows "
                    f"({len(MIGRATIONS)}); upgrade callreview to open it"
                )
            for number in range(current + 1, last + 1):
                migration = MIGRATIONS[number - 1]
                migration(conn)
                conn.execute(insert(schema_version).values(
                    version=number, name=migration.__name__, applied_at=utc_now()
                ))
                applied.append(number)
    return applied
