"""Sign-in and access: password hashing, slowed repeated failures, sessions that expire, and the
scope of what a signed-in person may see.

Roles: `admin` (everything: settings, users, every call), `manager` (the calls, reviews and agendas
of the reps in their team), `rep` (their own calls). A `Scope` says which reps' calls a person may
open; `review.store.scoped.ScopedStore` enforces it on every store query the app makes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import CallreviewError

# Failed sign-ins before an account is locked for a while, and how the lock grows.
FREE_FAILURES = 3
LOCK_BASE_S = 30.0
LOCK_MAX_S = 15 * 60.0
MIN_PASSWORD_LENGTH = 10


class AuthError(CallreviewError):
    """Sign-in refused, or an action the signed-in person may not take."""


class AccessDenied(AuthError):
    """The signed-in person may not see or change this."""


@dataclass(frozen=True)
class Scope:
    """Who is signed in and what they may see.

    reps: the rep names whose calls they may open; None = every call (admin).
    """

    username: str
    display_name: str
    role: str
    team: str | None
    reps: frozenset[str] | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_rep(self) -> bool:
        """A rep reads their own calls, reviews and shared agendas; they change none of them."""
        return self.role == "rep"

    def allows_rep(self, rep: str | None) -> bool:
        if self.reps is None:
            return True
        return rep is not None and rep.strip() in self.reps


def hash_password(password: str) -> str:
    """An argon2id hash of the password (with its own salt and parameters)."""
    from argon2 import PasswordHasher

    check_password_strength(password)
    return PasswordHasher().hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters; choose a longer one")


def _verify(password_hash: str | None, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    if not password_hash:
        return False
    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def lock_seconds(failures: int) -> float:
    """How long an account is locked after `failures` consecutive failed sign-ins (0 = not)."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(LOCK_MAX_S, LOCK_BASE_S * 2 ** (failures - FREE_FAILURES))


def sign_in(store, username: str, password: str, now: float | None = None) -> Scope:
    """Check a username and password; the scope of the signed-in person, or AuthError.

    Every failure says the same ("wrong username or password") so names cannot be probed; after
    FREE_FAILURES failures in a row the account is locked for a time that doubles with each further
    failure (up to LOCK_MAX_S), and a locked account is refused even with the right password.
    """
    from .migrations import utc_now

    now = time.time() if now is None else now
    user = store.get_user(username or "")
    if user is None:
        _verify(None, password)  # the same work whether or not the name exists
        raise AuthError("wrong username or password")
    if user.disabled:
        raise AuthError("this account is disabled; ask an admin (`callreview users enable`)")
    if user.locked_until and now < user.locked_until:
        wait = int(user.locked_until - now) + 1
        raise AuthError(f"too many failed sign-ins; try again in {wait} s")
    if not _verify(user.password_hash, password):
        failures = user.failed_logins + 1
        lock = lock_seconds(failures)
        store.update_user(user.username, failed_logins=failures, locked_until=now + lock if lock else None)
        raise AuthError("wrong username or password")
    store.update_user(user.username, failed_logins=0, locked_until=None, last_login_at=utc_now())
    return scope_for(store, user.username)


def scope_for(store, username: str) -> Scope:
    """The scope of an existing, enabled account."""
    user = store.get_user(username)
    if user is None or user.disabled:
        raise AuthError(f"no enabled account {username!r}; ask an admin")
    if user.role == "admin":
        reps = None
    elif user.role == "manager":
        reps = frozenset(store.team_rep_names(user.team)) if user.team else frozenset()
    else:
        reps = frozenset({user.display_name})
    return Scope(user.username, user.display_name, user.role, user.team, reps)


def _session_secret(home) -> bytes:
    """The data folder's secret for session tokens (made once, owner-only)."""
    import secrets

    from .files import PRIVATE, write_atomic

    path = home / "session.key"
    if not path.is_file():
        write_atomic(path, secrets.token_hex(32), mode=PRIVATE)
    return path.read_text().strip().encode()


def session_token(store, home, username: str, hours: float, now: float | None = None) -> str:
    """A token that signs `username` in until it expires (kept in a browser cookie, so a reload or
    a new tab stays signed in). It is bound to the account's password hash: a password reset ends it."""
    import hashlib
    import hmac

    user = store.get_user(username)
    expires = int((time.time() if now is None else now) + hours * 3600)
    body = f"{user.username}|{expires}"
    mac = hmac.new(_session_secret(home), f"{body}|{user.password_hash or ''}".encode(), hashlib.sha256)
    return f"{body}|{mac.hexdigest()}"


def user_of_token(store, home, token: str, now: float | None = None) -> str | None:
    """The username a valid, unexpired session token signs in; None otherwise."""
    import hashlib
    import hmac

    try:
        username, expires, mac = token.rsplit("|", 2)
        expires_at = int(expires)
    except ValueError:
        return None
    user = store.get_user(username)
    if user is None or user.disabled or expires_at < (time.time() if now is None else now):
        return None
    body = f"{user.username}|{expires_at}|{user.password_hash or ''}"
    wanted = hmac.new(_session_secret(home), body.encode(), hashlib.sha256).hexdigest()
    return user.username if hmac.compare_digest(wanted, mac) else None


def session_expired(signed_in_at: float, hours: float, now: float | None = None) -> bool:
    """True when a session started at `signed_in_at` (unix time) is older than `hours`."""
    now = time.time() if now is None else now
    return hours > 0 and now - signed_in_at > hours * 3600
