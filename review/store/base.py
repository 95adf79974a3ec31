"""Opening a store: the engine for a URL (SQLite pragmas, driver errors, passwords kept out of
messages), migrating it, and the read and write transactions every Store method runs in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Self

from sqlalchemy import Connection, CursorResult, create_engine, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from ..errors import StoreError
from ..migrations import migrate


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


def _known_cause(detail: str, shown: str) -> str | None:
    """What to do about a driver error whose cause is clear from its text, else None."""
    low = detail.lower()
    if "readonly" in low or "read-only" in low or "permission denied" in low:
        return (f"the database is read-only ({detail}); make the file and its folder writable, "
                "or set CALLREVIEW_DATABASE_URL to a writable one")
    if "disk is full" in low or "no space left" in low or "disk full" in low:
        return f"the disk is full ({detail}); free some space, then try again"
    if "locked" in low or "busy" in low:
        return f"{detail}; another process is holding it, try again in a moment"
    return None


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


def _driver_errors(engine: Engine) -> tuple[type[Exception], ...]:
    """The driver's own error class: errors raised in connect events are not always wrapped."""
    error = getattr(engine.dialect.dbapi, "Error", None)
    return (error,) if isinstance(error, type) and issubclass(error, Exception) else ()


def _make_engine(url: URL, shown: str) -> Engine:
    kwargs: dict = {}
    wal = False
    if url.get_backend_name() == "sqlite":
        memory = not url.database or url.database == ":memory:" or "mode=memory" in str(url)
        if memory:  # one shared connection, or each checkout would see a different empty database
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            folder = Path(url.database or "").resolve().parent  # not memory: database names a file
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


def inserted_id(result: CursorResult) -> int:
    """The primary key of the row an INSERT just made."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("the database returned no id for a new row; check the database server")
    return int(key[0])


class StoreBase:
    """Engine, uploads folder and transactions of a Store; the public class and its arguments are
    documented on `review.store.Store`, which adds the methods for calls, reviews and documents."""

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
        if uploads_dir is None and parsed.get_backend_name() == "sqlite" and self._is_file(parsed) \
                and parsed.database:
            uploads_dir = Path(parsed.database).resolve().parent / "uploads"
        self.uploads_dir = Path(uploads_dir) if uploads_dir is not None else None
        opening_errors: tuple[type[Exception], ...] = (sa_exc.DBAPIError, *_driver_errors(self.engine))
        try:
            migrate(self.engine)
        except StoreError:
            self.engine.dispose()
            raise
        except opening_errors as err:
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
        known = _known_cause(detail, self.display_url)
        if known:
            return StoreError(f"cannot open the store at {self.display_url}: {known}")
        return StoreError(
            f"cannot open the store at {self.display_url}: {detail}; check CALLREVIEW_DATABASE_URL "
            "and that the database server is running"
        )

    @classmethod
    def from_settings(cls, settings) -> Self:
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
            detail = _first_line(err, self._password)
            advice = _known_cause(detail, self.display_url) or f"{detail}; try again"
            raise StoreError(f"cannot write the store at {self.display_url}: {advice}") from None

    @staticmethod
    def _require(conn: Connection, table, row_id: int, what: str) -> None:
        if conn.scalar(select(table.c.id).where(table.c.id == row_id)) is None:
            raise StoreError(f"{what} {row_id} does not exist in the store; reload the list")


def _check_date(name: str, value: str | None) -> None:
    if value is None:
        return
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise StoreError(f"{name} {value!r} is not an ISO date; use YYYY-MM-DD") from None
