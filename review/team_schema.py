"""The team tables: background review jobs, user accounts and which reps belong to which team.

`team_tables` adds the current schema to `review.migrations.METADATA` (so `TABLES` lists them);
`m003_jobs_users_teams` builds its own Table objects, so that what it created never changes when
the current schema does.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

JOB_STATUSES = ("queued", "running", "done", "failed")
ROLES = ("admin", "manager", "rep")


def _jobs(md: MetaData) -> Table:
    return Table(
        "jobs", md,
        Column("id", Integer, primary_key=True),
        Column("kind", String(20), nullable=False),  # "review"
        # What makes two submissions the same job: the file's sha256 and the review options.
        Column("dedupe_key", String(64), nullable=False),
        Column("file_sha256", String(64), nullable=False),
        Column("filename", String(500), nullable=False),
        Column("stored_path", String(1000), nullable=False),
        Column("options_json", Text, nullable=False),
        Column("status", String(20), nullable=False),
        Column("stage", String(40)),
        Column("progress", Float, nullable=False, default=0.0),
        Column("message", Text),
        Column("attempts", Integer, nullable=False, default=0),
        Column("worker", String(200)),
        Column("heartbeat_at", Float),  # unix time of the running worker's last sign of life
        Column("call_id", Integer, ForeignKey("calls.id")),
        Column("review_id", Integer, ForeignKey("reviews.id")),
        Column("error", Text),
        Column("created_by", String(200)),
        Column("created_at", String(40), nullable=False),
        Column("updated_at", String(40), nullable=False),
        Index("ix_jobs_status", "status"),
        Index("ix_jobs_dedupe_key", "dedupe_key"),
    )


def _users(md: MetaData) -> Table:
    return Table(
        "users", md,
        Column("id", Integer, primary_key=True),
        Column("username", String(200), nullable=False),
        Column("display_name", String(200), nullable=False),
        Column("role", String(20), nullable=False),
        Column("team", String(200)),
        Column("password_hash", String(300)),  # argon2id; NULL for single sign-on accounts
        Column("disabled", Integer, nullable=False, default=0),
        Column("failed_logins", Integer, nullable=False, default=0),
        Column("locked_until", Float),  # unix time before which sign-in is refused
        Column("last_login_at", String(40)),
        Column("created_at", String(40), nullable=False),
        UniqueConstraint("username", name="uq_users_username"),
    )


def _team_reps(md: MetaData) -> Table:
    return Table(
        "team_reps", md,
        Column("id", Integer, primary_key=True),
        Column("team", String(200), nullable=False),
        Column("rep", String(200), nullable=False),  # a call's rep name
        UniqueConstraint("rep", name="uq_team_reps_rep"),  # a rep is in one team
    )



def team_tables(md: MetaData) -> tuple[Table, Table, Table]:
    """The current jobs, users and team_reps tables, added to `md` (review.migrations.METADATA)."""
    return _jobs(md), _users(md), _team_reps(md)


def m003_jobs_users_teams(conn: Connection) -> None:
    """Background review jobs, user accounts (admin / manager / rep) and team membership of reps."""
    md = MetaData()
    Table("calls", md, Column("id", Integer, primary_key=True))  # foreign key targets only
    Table("reviews", md, Column("id", Integer, primary_key=True))
    for make in (_jobs, _users, _team_reps):
        make(md).create(conn)
