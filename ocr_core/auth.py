"""Who may do what: roles, the permission table, the signed-in identity, API keys, OIDC roles.

Pure policy, no storage (accounts and sessions live in `users`). The desk, the API and the CLI ask
the same table, so a right is given or taken in one place:

    operator  upload, read, correct (IDs, region re-OCR), mark needs-review
    checker   the operator's rights, approve, reject, reopen, read the audit trail
    admin     the checker's rights, unmask Aadhaar/VID, delete, purge, manage users

Names in UNMASK_ALLOWED may also unmask. With MAKER_CHECKER (the default) nobody approves or
rejects a document they corrected (see `record.decisions.set_status`; its `STATUS_ACTIONS` maps a status to the action here).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Iterable

ROLES = ("operator", "checker", "admin")  # each has every right of the ones before it

# action -> the least role that may do it (one table for the desk, the API and the CLI)
PERMISSIONS: dict[str, str] = {
    "read": "operator",          # open documents, history, metrics, exports (masked), jobs
    "upload": "operator",        # scan files (review page, bulk, API predict)
    "correct": "operator",       # edit, add or remove IDs; region re-OCR
    "needs_review": "operator",  # flag a document for a checker
    "recapture": "operator",     # ask for a new photo (blurred, glare, too small): not a final decision
    "approve": "checker",
    "reject": "checker",
    "reopen": "checker",         # set a decided document back to pending
    "audit": "checker",          # read a document's audit trail
    "unmask": "admin",           # see a full Aadhaar/VID number (also names in UNMASK_ALLOWED)
    "delete": "admin",
    "purge": "admin",
    "manage_users": "admin",
}

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")


class Forbidden(PermissionError):
    """The caller's role (or the four-eyes rule) does not allow the action; the message says why."""

    def __init__(self, message: str, needed: str | None = None) -> None:
        super().__init__(message)
        self.needed = needed


@dataclass(frozen=True)
class Identity:
    """Someone signed in: a desk account, an OIDC user, an API key's name, or the CLI's user."""

    name: str
    role: str
    via: str = "password"  # password | oidc | api_key | open | cli

    def __str__(self) -> str:
        return self.name


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise ValueError("a user name is 1-64 letters, digits or . _ @ + - (starting with a letter or digit)")
    return name


def role_at_least(role: str | None, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def needed_role(action: str) -> str:
    if action not in PERMISSIONS:
        raise KeyError(f"no permission rule for {action!r}")
    return PERMISSIONS[action]


def allowed(role: str | None, action: str) -> bool:
    return role_at_least(role, needed_role(action))


def why_not(role: str | None, action: str) -> str:
    """The sentence the desk and the API show when `role` lacks `action`."""
    need = needed_role(action)
    label = action.replace("_", " ")
    return f"{label} needs the {need} role (you are {role or 'not signed in'})"


def require(who: Identity | None, action: str) -> Identity:
    """Raise Forbidden unless `who` may do `action`."""
    if who is None or not allowed(who.role, action):
        raise Forbidden(why_not(who.role if who else None, action), needed_role(action))
    return who


def may_unmask(who: Identity, unmask_allowed: str | Iterable[str] | None) -> bool:
    """Admins, and names in UNMASK_ALLOWED ('*' = everyone signed in)."""
    names = set(_entries(unmask_allowed))
    return allowed(who.role, "unmask") or "*" in names or who.name in names


# ---------------------------------------------------------------- API keys
@dataclass(frozen=True)
class ApiKey:
    name: str
    role: str
    key: str = ""

    @property
    def key_id(self) -> str:
        """A short, non-secret id of the key (rate limits, logs)."""
        return "key:" + hashlib.sha256(self.key.encode()).hexdigest()[:16]

    def __repr__(self) -> str:  # never print the key
        return f"ApiKey(name={self.name!r}, role={self.role!r})"


def _entries(value: str | Iterable[str] | None) -> list[str]:
    """A comma-separated setting as its entries: the string from the environment, or the set the
    settings object parsed it into (sorted, so the order is stable)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else sorted(value)
    return [x.strip() for x in items if x and x.strip()]


def parse_api_keys(text: str | Iterable[str] | None) -> list[ApiKey]:
    """OCR_API_KEYS: comma-separated `name:role:key`, `name:key` (an operator) or a bare `key`
    (an anonymous operator). A misspelt role is an error, not a silent operator."""
    out: list[ApiKey] = []
    for entry in _entries(text):
        entry = entry.strip()
        if not entry:
            continue
        parts = [p.strip() for p in entry.split(":")]
        if len(parts) == 1:
            name, role, key = "anonymous", "operator", parts[0]
        elif len(parts) == 2:
            name, role, key = parts[0], "operator", parts[1]
        elif len(parts) == 3:
            name, role, key = parts
            if role.lower() not in ROLES:
                raise ValueError(f"OCR_API_KEYS: unknown role {role!r} for {name!r} (one of {', '.join(ROLES)})")
        else:
            raise ValueError("OCR_API_KEYS: an entry is name:role:key, name:key or key (no ':' in keys)")
        if not key or not name:
            raise ValueError("OCR_API_KEYS: an entry has an empty name or key")
        out.append(ApiKey(check_name(name), role.lower(), key))
    return out


def match_api_key(keys: list[ApiKey], given: str | None) -> ApiKey | None:
    """The configured key equal to `given` (constant-time per key), or None."""
    if not given:
        return None
    found = None
    for k in keys:
        if hmac.compare_digest(given.encode(), k.key.encode()):
            found = k
    return found


# ---------------------------------------------------------------- OIDC (st.login) users
def parse_oidc_roles(text: str | None) -> list[tuple[str, str]]:
    out = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        pattern, sep, role = entry.rpartition(":")
        if not sep or not pattern:
            raise ValueError(f"OIDC_ROLES: {entry!r} is not email:role")
        out.append((pattern.strip().lower(), check_role(role)))
    return out


def oidc_role(email: str | None, mapping: str | None) -> str | None:
    """The role OIDC_ROLES gives this email: an exact entry first, then `*@domain`; None = no access."""
    email = (email or "").strip().lower()
    if "@" not in email:
        return None
    rules = parse_oidc_roles(mapping)
    for pattern, role in rules:
        if pattern == email:
            return role
    domain = "*@" + email.rsplit("@", 1)[1]
    for pattern, role in rules:
        if pattern == domain:
            return role
    return None
