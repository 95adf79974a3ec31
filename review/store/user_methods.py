"""Store methods for user accounts and teams (the rules of sign-in and access are in review.auth)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select, update

from ..errors import StoreError
from ..migrations import calls, team_reps, users, utc_now
from ..team_schema import ROLES
from .base import StoreBase, inserted_id


@dataclass
class User:
    id: int
    username: str
    display_name: str
    role: str
    team: str | None
    password_hash: str | None
    disabled: bool
    failed_logins: int
    locked_until: float | None
    last_login_at: str | None
    created_at: str


def _user(row) -> User:
    data = dict(row)
    data["disabled"] = bool(data["disabled"])
    return User(**data)


class UserMethods(StoreBase):
    """The users and teams part of `review.store.Store`."""

    def add_user(self, username: str, role: str, password_hash: str | None, display_name: str = "",
                 team: str | None = None) -> int:
        """Create an account; a taken username is an error."""
        if role not in ROLES:
            raise StoreError(f"role {role!r} is not one of {', '.join(ROLES)}")
        username = username.strip().lower()
        if not username:
            raise StoreError("a username cannot be empty")
        with self._write() as conn:
            if conn.scalar(select(users.c.id).where(users.c.username == username)) is not None:
                raise StoreError(f"user {username!r} exists already; pick another name or use "
                                 "`callreview users reset`")
            return inserted_id(conn.execute(insert(users).values(
                username=username, display_name=display_name.strip() or username, role=role,
                team=(team or "").strip() or None, password_hash=password_hash, disabled=0,
                failed_logins=0, locked_until=None, last_login_at=None, created_at=utc_now(),
            )))

    def get_user(self, username: str) -> User | None:
        with self._read() as conn:
            row = conn.execute(select(users).where(users.c.username == username.strip().lower())).mappings().first()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        with self._read() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.username)).mappings()]

    def count_users(self) -> int:
        with self._read() as conn:
            return int(conn.scalar(select(func.count()).select_from(users)) or 0)

    def update_user(self, username: str, **values) -> None:
        """Change `password_hash`, `disabled`, `failed_logins`, `locked_until`, `last_login_at`,
        `role`, `team` or `display_name` of an existing account."""
        allowed = {"password_hash", "disabled", "failed_logins", "locked_until", "last_login_at",
                   "role", "team", "display_name"}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise StoreError(f"cannot update {', '.join(unknown)} of a user")
        if "role" in values and values["role"] not in ROLES:
            raise StoreError(f"role {values['role']!r} is not one of {', '.join(ROLES)}")
        if "disabled" in values:
            values["disabled"] = int(bool(values["disabled"]))
        with self._write() as conn:
            done = conn.execute(update(users).where(users.c.username == username.strip().lower())
                                .values(**values)).rowcount
        if not done:
            raise StoreError(f"no user {username!r}; see `callreview users list`")

    # ------------------------------------------------------------------ teams

    def assign_rep(self, rep: str, team: str) -> None:
        """Put a rep (a call's rep name) in a team; a rep is in one team, so this moves them."""
        rep, team = rep.strip(), team.strip()
        if not rep or not team:
            raise StoreError("both a rep name and a team are needed")
        with self._write() as conn:
            moved = conn.execute(update(team_reps).where(team_reps.c.rep == rep).values(team=team)).rowcount
            if not moved:
                conn.execute(insert(team_reps).values(rep=rep, team=team))

    def team_of_rep(self, rep: str) -> str | None:
        with self._read() as conn:
            return conn.scalar(select(team_reps.c.team).where(team_reps.c.rep == rep.strip()))

    def team_rep_names(self, team: str) -> set[str]:
        """The reps of a team: assigned ones, and rep accounts of the team (by display name)."""
        with self._read() as conn:
            names = set(conn.scalars(select(team_reps.c.rep).where(team_reps.c.team == team)))
            names |= set(conn.scalars(select(users.c.display_name).where(
                (users.c.team == team) & (users.c.role == "rep"))))
        return names

    def unassigned_reps(self) -> list[str]:
        """Rep names on calls that are in no team (only an admin sees their calls until assigned)."""
        with self._read() as conn:
            assigned = select(team_reps.c.rep)
            return list(conn.scalars(select(calls.c.rep).where(
                calls.c.rep.is_not(None), calls.c.rep.not_in(assigned)).distinct().order_by(calls.c.rep)))
