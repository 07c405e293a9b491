"""Desk accounts and sign-in sessions, in the database.

Passwords are hashed with Argon2id (argon2-cffi, its recommended parameters); the database holds
no password and no session token in clear. A sign-in that fails LOGIN_MAX_ATTEMPTS times in a row
locks the account for LOGIN_LOCKOUT_MINUTES; every sign-in, failure, lockout and account change is
in the audit trail. A session is a random token (in the browser's cookie) whose SHA-256 is stored
with its user and its expiry (SESSION_HOURS after sign-in); disabling a user or changing their
password ends their sessions.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import auditlog
from .auth import Identity, check_name, check_role
from .config import get_settings
from .store import connect

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password: spends the same time on unknown names")


class LoginError(Exception):
    """A refused sign-in; the message is what the person is shown."""


@dataclass
class User:
    name: str
    role: str
    disabled: bool
    locked_until: float | None
    failed_attempts: int
    created_at: float
    last_login: float | None

    @property
    def locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > time.time())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "disabled": self.disabled, "locked": self.locked,
                "failed_attempts": self.failed_attempts, "created_at": self.created_at, "last_login": self.last_login}


def _user(r: dict[str, Any]) -> User:
    return User(r["name"], r["role"], bool(r["disabled"]), r["locked_until"], int(r["failed_attempts"] or 0),
                r["created_at"], r["last_login"])


def _row(name: str, db: sqlite_utils.Database) -> dict[str, Any] | None:
    rows = list(db.query("select * from users where name = ?", [name]))
    return rows[0] if rows else None


def check_password(password: str) -> str:
    n = get_settings().password_min_length
    if len(password or "") < n:
        raise ValueError(f"a password needs at least {n} characters")
    if password != password.strip():
        raise ValueError("a password may not start or end with spaces")
    return password


def any_users(db: sqlite_utils.Database | None = None) -> bool:
    return (db or connect()).execute("select count(*) from users").fetchone()[0] > 0


def get(name: str) -> User | None:
    r = _row(name, connect())
    return _user(r) if r else None


def list_users() -> list[User]:
    return [_user(r) for r in connect().query("select * from users order by name")]


def add(name: str, role: str, password: str, *, actor: str) -> User:
    """A new account (the name must be free)."""
    name, role = check_name(name), check_role(role)
    check_password(password)
    db = connect()
    now = time.time()
    with auditlog.atomic(db):
        if _row(name, db):
            raise ValueError(f"user {name!r} exists already")
        db.conn.execute("insert into users (name, role, password_hash, disabled, failed_attempts, created_at, "
                        "updated_at) values (?, ?, ?, 0, 0, ?, ?)", [name, role, _hasher.hash(password), now, now])
        auditlog.write("user_add", None, actor, {"user": name, "role": role}, db=db)
    return get(name)  # type: ignore[return-value]


def add_first_admin(name: str, password: str) -> User:
    """The first account, only while there is none (the desk's first start)."""
    db = connect()
    with auditlog.atomic(db):
        if any_users(db):
            raise ValueError("an account exists already: sign in")
        return add(name, "admin", password, actor=check_name(name))


def _update(name: str, fields: dict[str, Any], db: sqlite_utils.Database) -> None:
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.conn.execute(f"update users set {sets}, updated_at = ? where name = ?", [*fields.values(), time.time(), name])


def _existing(name: str, db: sqlite_utils.Database) -> dict[str, Any]:
    r = _row(name, db)
    if r is None:
        raise LookupError(f"no user {name!r}")
    return r


def set_password(name: str, password: str, *, actor: str) -> None:
    check_password(password)
    db = connect()
    with auditlog.atomic(db):
        _existing(name, db)
        _update(name, {"password_hash": _hasher.hash(password), "failed_attempts": 0, "locked_until": None}, db)
        end_sessions(name, db)
        auditlog.write("user_passwd", None, actor, {"user": name}, db=db)


def set_disabled(name: str, disabled: bool, *, actor: str) -> None:
    db = connect()
    with auditlog.atomic(db):
        _existing(name, db)
        _update(name, {"disabled": int(disabled), "failed_attempts": 0, "locked_until": None}, db)
        if disabled:
            end_sessions(name, db)
        auditlog.write("user_disable" if disabled else "user_enable", None, actor, {"user": name}, db=db)


def set_role(name: str, role: str, *, actor: str) -> None:
    role = check_role(role)
    db = connect()
    with auditlog.atomic(db):
        _existing(name, db)
        _update(name, {"role": role}, db)
        end_sessions(name, db)
        auditlog.write("user_role", None, actor, {"user": name, "role": role}, db=db)


# ---------------------------------------------------------------- sign-in
def authenticate(name: str, password: str) -> Identity:
    """The account's identity, or LoginError. Counts failures; locks after LOGIN_MAX_ATTEMPTS.
    The count, the lock and the audit row are committed before the refusal is raised."""
    db = connect()
    with auditlog.atomic(db):
        who, refusal = _attempt((name or "").strip(), password or "", db)
    if refusal:
        raise LoginError(refusal)
    return who  # type: ignore[return-value]


def _attempt(name: str, password: str, db: sqlite_utils.Database) -> tuple[Identity | None, str | None]:
    s = get_settings()
    r = _row(name, db) if name else None
    if r is None:
        try:
            _hasher.verify(_DUMMY, password or "-")
        except VerificationError:
            pass
        # the typed name may be a mistyped password: kept only inside the encrypted detail
        auditlog.write("login_failed", None, "?", {"reason": "unknown user", "typed": name[:64]}, db=db)
        return None, "wrong user name or password"
    now = time.time()
    if r["locked_until"] and r["locked_until"] > now:
        auditlog.write("login_locked", None, name, {"until": r["locked_until"]}, role=r["role"], db=db)
        mins = max(1, round((r["locked_until"] - now) / 60))
        return None, (f"this account is locked after {s.login_max_attempts} failed sign-ins; try again in "
                      f"{mins} min or ask an administrator")
    try:
        ok = _hasher.verify(r["password_hash"], password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        failed = int(r["failed_attempts"] or 0) + 1
        if failed >= s.login_max_attempts:
            _update(name, {"failed_attempts": 0, "locked_until": now + s.login_lockout_minutes * 60}, db)
            auditlog.write("lockout", None, name, {"failed_attempts": failed, "minutes": s.login_lockout_minutes},
                           role=r["role"], db=db)
            return None, (f"wrong user name or password; the account is now locked for "
                          f"{s.login_lockout_minutes:g} min after {failed} failed sign-ins")
        _update(name, {"failed_attempts": failed}, db)
        auditlog.write("login_failed", None, name, {"failed_attempts": failed}, role=r["role"], db=db)
        return None, "wrong user name or password"
    if r["disabled"]:
        auditlog.write("login_disabled", None, name, {}, role=r["role"], db=db)
        return None, "this account is disabled; ask an administrator"
    fields: dict[str, Any] = {"failed_attempts": 0, "locked_until": None, "last_login": now}
    if _hasher.check_needs_rehash(r["password_hash"]):
        fields["password_hash"] = _hasher.hash(password)
    _update(name, fields, db)
    auditlog.write("login", None, name, {"via": "password"}, role=r["role"], db=db)
    return Identity(name, r["role"], "password"), None


# ---------------------------------------------------------------- sessions
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(who: Identity) -> str:
    """A new session token for `who` (give it to the browser; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    db = connect()
    db.execute("delete from sessions where expires_at < ?", [now])
    db.execute("insert into sessions (token_hash, user, via, created_at, expires_at) values (?, ?, ?, ?, ?)",
               [_digest(token), who.name, who.via, now, now + get_settings().session_hours * 3600])
    return token


def session_identity(token: str | None) -> Identity | None:
    """Who holds this token now: None when unknown, expired, or the account is disabled or gone.
    The role is read from the account each time (a changed role applies at once)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    db = connect()
    rows = list(db.query("select s.user, s.via, s.expires_at, u.role, u.disabled from sessions s "
                         "join users u on u.name = s.user where s.token_hash = ?", [_digest(token)]))
    if not rows or rows[0]["disabled"] or rows[0]["expires_at"] < time.time():
        return None
    r = rows[0]
    return Identity(r["user"], r["role"], r["via"] or "password")


def session_expires(token: str | None) -> float | None:
    if not token:
        return None
    row = connect().execute("select expires_at from sessions where token_hash = ?", [_digest(token)]).fetchone()
    return row[0] if row else None


def end_session(token: str | None, who: Identity | None = None) -> None:
    if not token:
        return
    db = connect()
    n = db.execute("delete from sessions where token_hash = ?", [_digest(token)]).rowcount
    if n and who is not None:
        auditlog.write("logout", None, who.name, {}, role=who.role, db=db)


def end_sessions(name: str, db: sqlite_utils.Database | None = None) -> int:
    db = db or connect()
    return db.conn.execute("delete from sessions where user = ?", [name]).rowcount


def oidc_identity(email: str | None) -> Identity | None:
    """An identity-provider user (st.login): the account named by the email when there is one (its
    role; None when disabled), else the role OIDC_ROLES maps the email to; None = no access."""
    from .auth import oidc_role

    email = (email or "").strip().lower()
    if not email:
        return None
    r = _row(email, connect())
    if r is not None:
        return None if r["disabled"] else Identity(email, r["role"], "oidc")
    role = oidc_role(email, get_settings().oidc_roles)
    return Identity(email, role, "oidc") if role else None
