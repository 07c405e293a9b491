"""The audit trail: append-only, keyed and anchored outside the database.

Every row holds ``prev_hash`` (the hash of the row before it) and ``hash`` = ``k1:`` + HMAC-SHA256
over its own fields and ``prev_hash``, under the audit key (``AUDIT_KEY``, or derived with HKDF from
the encryption key; never stored in the database). Without the key nobody can re-hash the chain
after an edit. Each append also writes the chain's **head** (last id, number of rows, last hash,
HMAC-signed) to a file outside the database (``AUDIT_HEAD_FILE``, default beside it), to the JSON
log and, with ``REDIS_URL``, to a Redis key; `verify()` (``python -m ocr_core audit verify``) walks
the chain and compares its end with the head, so deleting the last rows, blanking the hashes or
re-hashing them (unkeyed, or with another key) is found, as is an edited, inserted or removed row.

The row and its head are written inside one write transaction (``BEGIN IMMEDIATE``: one writer at
a time across threads and processes), the head just before COMMIT; a rolled-back transaction puts
the previous head back. When an append finds the head out of step with the chain (tampering, or a
crash between head and COMMIT) it still appends the row but leaves the head as it is, so the
evidence stays until an admin accepts the chain with ``audit reanchor`` (itself an audited row).

Rows written before the keyed chain (no hash, or the old unkeyed SHA-256 chain) are **legacy**: the
first keyed row's ``prev_hash`` is ``anchor:v1:<count>:<digest>``, a SHA-256 over all of them (GENESIS
in a new database), so they can no longer be edited, added or removed either. SQLite triggers refuse
UPDATE and DELETE on the table; nothing in the application rewrites audit rows (retention and
deletion keep them). Details are encrypted (they may hold a reason); the hash covers the ciphertext.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlite_utils

from . import crypto
from .config import get_settings
from .logs import log
from .store import connect

GENESIS = "0" * 64
KEYED = "k1:"
ANCHOR = "anchor:v1:"
FIELDS = ("id", "time", "operator", "role", "action", "file_hash", "detail", "prev_hash")
_APPEND_ONLY = "the audit trail is append-only"
_HEAD_FIELDS = ("v", "id", "count", "hash", "time")
_OPEN: dict[int, dict[str, Any]] = {}  # connection id -> the head to put back if its transaction rolls back


@contextmanager
def atomic(db: sqlite_utils.Database):
    """One write transaction taken before reading (or the caller's, when one is open). A rollback
    puts back the audit head this transaction wrote (before the lock is released)."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    _OPEN[id(db.conn)] = {}
    try:
        yield
        db.conn.execute("COMMIT")
    except BaseException:  # a failed COMMIT too: never leave this thread's connection inside a transaction
        saved = _OPEN.get(id(db.conn)) or {}
        if "text" in saved:
            try:
                _put_head(saved["path"], saved["text"], saved["redis"])
            except Exception as e:  # noqa: BLE001 - the rollback must happen; verify will report the head
                log.error("audit head not restored", extra={"event": "audit_head", "error": type(e).__name__})
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    finally:
        _OPEN.pop(id(db.conn), None)


# ---------------------------------------------------------------- hashes and keys
def row_hash(row: dict[str, Any]) -> str:
    """The old, unkeyed SHA-256 of a row (legacy rows written before the keyed chain)."""
    payload = json.dumps([row.get(f) for f in FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _key() -> bytes:
    s = get_settings()
    if s.audit_key:
        k = s.audit_key.get_secret_value()
        if len(k) < 16:
            raise ValueError("AUDIT_KEY must be at least 16 characters")
        return k.encode()
    return crypto.derive_key("ocr-review-desk audit-chain v1")


def _mac(domain: str, items: list[Any]) -> str:
    payload = json.dumps([domain, *items], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), payload.encode(), hashlib.sha256).hexdigest()


def keyed_hash(row: dict[str, Any]) -> str:
    return KEYED + _mac("audit-entry/v1", [row.get(f) for f in FIELDS])


def _anchor(legacy: list[dict[str, Any]]) -> str:
    """What the first keyed row's prev_hash is: GENESIS, or the count and digest of the rows before it."""
    if not legacy:
        return GENESIS
    d = GENESIS
    for r in legacy:
        item = json.dumps([r.get(f) for f in (*FIELDS, "hash")], ensure_ascii=False, separators=(",", ":"))
        d = hashlib.sha256(f"{d}\x1f{item}".encode()).hexdigest()
    return f"{ANCHOR}{len(legacy)}:{d}"


# ---------------------------------------------------------------- the head
def head_path(db: sqlite_utils.Database) -> Path | None:
    s = get_settings()
    if s.audit_head_file:
        return Path(s.audit_head_file)
    main = next((r[2] for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main"), "")
    return Path(main + ".audit-head") if main else None  # an in-memory database has no head


def _redis_key(db: sqlite_utils.Database) -> str | None:
    main = next((r[2] for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main"), "")
    if not get_settings().redis_url or not main:
        return None
    return "ocr:audit-head:" + hashlib.sha256(os.path.realpath(main).encode()).hexdigest()[:16]


@lru_cache(maxsize=2)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)


def sign_head(h: dict[str, Any]) -> dict[str, Any]:
    return {**{k: h[k] for k in _HEAD_FIELDS}, "sig": _mac("audit-head/v1", [h[k] for k in _HEAD_FIELDS])}


def _parse_head(text: str | bytes | None) -> dict[str, Any] | None | str:
    """The head in `text`: None when there is none, "invalid" when it is not one signed with this key."""
    if text is None:
        return None
    try:
        h = json.loads(text)
        ok = hmac.compare_digest(str(h.get("sig", "")), sign_head(h)["sig"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return "invalid"
    return h if ok else "invalid"


def _read_file(path: Path | None) -> str | None:
    try:
        return path.read_text() if path else None
    except FileNotFoundError:
        return None


def _write_file(path: Path, text: str | None) -> None:
    if text is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _put_head(path: Path | None, text: str | None, redis_key: str | None) -> None:
    if path is not None:
        _write_file(path, text)
    if redis_key:
        try:
            r = _redis(get_settings().redis_url)
            r.set(redis_key, text) if text is not None else r.delete(redis_key)
        except Exception as e:  # noqa: BLE001 - Redis is a second copy; the file is the head
            log.warning("audit head not written to Redis", extra={"event": "audit_head", "error": type(e).__name__})


def _redis_head(db: sqlite_utils.Database) -> tuple[str | None, Any]:
    key = _redis_key(db)
    if key is None:
        return None, None
    try:
        raw = _redis(get_settings().redis_url).get(key)
    except Exception:  # noqa: BLE001 - reported, not fatal
        return "unreachable", None
    return ("missing", None) if raw is None else ("found", _parse_head(raw))


# ---------------------------------------------------------------- append
def write(action: str, file_hash: str | None, operator: str, detail: dict[str, Any] | None = None, *,
          role: str | None = None, db: sqlite_utils.Database | None = None, _accept: bool = False) -> int:
    """Append one audit row (detail must not hold ID numbers; it is stored encrypted), write the new
    head (file, Redis) in the same transaction, and log it."""
    db = db or connect()
    with atomic(db):
        last = db.execute("select id, hash from audit order by id desc limit 1").fetchone()
        path, rkey = head_path(db), _redis_key(db)
        old_text = _read_file(path)
        head = _parse_head(old_text)
        begun = bool(last and str(last[1] or "").startswith(KEYED))
        if begun:
            prev = last[1]
            in_step = isinstance(head, dict) and head["id"] == last[0] and head["hash"] == last[1]
            count = head["count"] + 1 if in_step else None
        else:  # the first keyed row: it anchors every row before it
            legacy = list(db.query("select * from audit order by id"))
            prev, in_step, count = _anchor(legacy), head is None, len(legacy) + 1
        if _accept and count is None:
            count = db.execute("select count(*) from audit").fetchone()[0] + 1
        row = {"id": (last[0] + 1) if last else 1, "time": time.time(), "operator": operator, "role": role,
               "action": action, "file_hash": file_hash,
               "detail": crypto.encrypt_text(json.dumps(detail or {}, ensure_ascii=False)), "prev_hash": prev}
        row["hash"] = keyed_hash(row)
        cols = list(row)
        db.conn.execute(f"insert into audit ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                        [row[c] for c in cols])
        new = None
        if in_step or _accept:
            new = sign_head({"v": 1, "id": row["id"], "count": count, "hash": row["hash"], "time": row["time"]})
            saved = _OPEN.get(id(db.conn))
            if saved is not None and "text" not in saved:  # what a rollback puts back
                saved.update(path=path, text=old_text, redis=rkey)
            _put_head(path, json.dumps(new), rkey)
        else:  # keep the evidence: `audit verify` reports it until an admin runs `audit reanchor`
            log.error("audit head out of step with the chain: not moved; run audit verify",
                      extra={"event": "audit_head", "head_file": str(path)})
    log.info("audit", extra={"event": action, "file_hash": (file_hash or "")[:16], "operator": operator,
                             "audit_head": new})
    return int(row["id"])


def rows(file_hash: str | None = None, limit: int = 200, *, action_prefix: str | None = None,
         db: sqlite_utils.Database | None = None) -> list[dict[str, Any]]:
    """Newest first, details decrypted."""
    db = db or connect()
    where, args = [], []
    if file_hash:
        where.append("file_hash = ?")
        args.append(file_hash)
    if action_prefix:
        where.append("action like ?")
        args.append(action_prefix + "%")
    sql = "select * from audit" + (" where " + " and ".join(where) if where else "") + " order by id desc limit ?"
    out = list(db.query(sql, [*args, limit]))
    for r in out:
        d = r["detail"] or "{}"
        r["detail"] = json.loads(crypto.decrypt_text(d) if d.startswith(crypto.PREFIX) else d)
    return out


# ---------------------------------------------------------------- verify
@dataclass
class Verdict:
    ok: bool
    entries: int  # keyed rows checked
    legacy: int  # rows written before the keyed chain (anchored by its first row)
    broken_at: int | None = None
    problem: str = ""
    head: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "legacy": self.legacy, "broken_at": self.broken_at,
                "problem": self.problem, "head": self.head}


def _walk(db: sqlite_utils.Database) -> tuple[Verdict, dict[int, str], dict[str, Any] | None]:
    """The chain alone: every keyed row's HMAC and link, the legacy rows against the anchor, no id
    missing. Returns the verdict, each row's hash by id, and the last row."""
    prev, prev_id, keyed, legacy, unkeyed_prev = None, None, 0, [], None
    hashes: dict[int, str] = {}
    last = None

    def broken(r, text):
        return Verdict(False, keyed, len(legacy), r["id"], text), hashes, last

    for r in db.query("select * from audit order by id"):
        last, h = r, r.get("hash") or ""
        hashes[r["id"]] = h
        if prev_id is not None and r["id"] != prev_id + 1:
            return broken(r, f"rows {prev_id + 1}..{r['id'] - 1} are missing")
        prev_id = r["id"]
        if h.startswith(KEYED):
            if prev is None:  # the first keyed row anchors the legacy rows
                if r["prev_hash"] != _anchor(legacy):
                    return broken(r, f"the {len(legacy)} rows before the keyed chain are not the ones its first "
                                  "row anchored (legacy rows edited, added or removed)")
            elif r["prev_hash"] != prev:
                return broken(r, "prev_hash is not the hash of the row before (a row was removed or inserted)")
            if not hmac.compare_digest(keyed_hash(r), h):
                return broken(r, "the row's content does not match its hash (it was edited, or re-hashed "
                              "without the audit key)")
            prev, keyed = h, keyed + 1
            continue
        if prev is not None:
            return broken(r, "a row without a keyed hash after the keyed chain began (its hash was "
                          + ("blanked)" if not h else "re-hashed without the key)"))
        if h:  # the old unkeyed chain, checked as before it was keyed
            if r["prev_hash"] != (unkeyed_prev or GENESIS) or row_hash(r) != h:
                return broken(r, "a legacy row does not match its unkeyed hash (it was edited, removed or inserted)")
            unkeyed_prev = h
        elif unkeyed_prev is not None or r.get("prev_hash"):
            return broken(r, "a row without a hash inside the chain (its hash was blanked)")
        legacy.append(r)
    return Verdict(True, keyed, len(legacy)), hashes, last


def _compare(h: Any, where: str, hashes: dict[int, str], last: dict[str, Any] | None,
             exact: bool) -> tuple[int | None, str]:
    """(broken_at, problem) when the chain does not reach, or runs past (`exact`), the head `h`."""
    if h == "invalid":
        return (last or {}).get("id"), f"the head in {where} is not signed with the audit key (forged, or another key)"
    last_id = last["id"] if last else 0
    if h["id"] > last_id:
        return last_id + 1, (f"the chain ends at entry {last_id} but the head in {where} records entry {h['id']}: "
                             "entries were removed from the end")
    if hashes.get(h["id"]) != h["hash"]:
        return h["id"], (f"entry {h['id']} is not the one the head in {where} records (hashes blanked, or the chain "
                         "re-hashed or replaced)")
    if exact and h["id"] < last_id:
        return h["id"] + 1, (f"the chain goes on past the head in {where} (entry {h['id']}): the head is older than "
                             "the chain (replaced with an old copy?)")
    if exact and h["count"] != len(hashes):
        return h["id"], f"the head in {where} records {h['count']} rows, the table holds {len(hashes)}"
    return None, ""


def verify(db: sqlite_utils.Database | None = None) -> Verdict:
    """Walk the chain in id order (every keyed hash recomputed, every prev_hash the hash before it, no
    id missing, the legacy rows as the first keyed row anchored them), then compare its end with the
    head file (exactly) and the Redis copy (which may only lag). The first problem is reported."""
    db = db or connect()
    v, hashes, last = _walk(db)
    path = head_path(db)
    text = _read_file(path)
    fh = _parse_head(text)
    v.head = {"file": str(path) if path else None, "id": fh.get("id") if isinstance(fh, dict) else None,
              "count": fh.get("count") if isinstance(fh, dict) else None,
              "state": "missing" if fh is None else "invalid" if fh == "invalid" else "found"}
    if not v.ok:
        return v
    if fh is None:
        if v.entries:
            v.ok, v.broken_at = False, last["id"] if last else None
            v.problem = "the head file is missing while the keyed chain holds entries (deleted?)"
            return v
    else:
        at, problem = _compare(fh, "the head file", hashes, last, exact=True)
        if problem:
            v.ok, v.broken_at, v.problem = False, at, problem
            return v
    state, rh = _redis_head(db)
    if state is not None:
        v.head["redis"] = state
    if state == "found":
        at, problem = _compare(rh, "Redis", hashes, last, exact=False)
        if problem:
            v.ok, v.broken_at, v.problem = False, at, problem
        elif isinstance(rh, dict) and last and rh["id"] < last["id"]:
            v.head["redis"] = "behind"
    return v


def reanchor(operator: str, reason: str, db: sqlite_utils.Database | None = None) -> dict[str, Any]:
    """Accept the chain as it stands and write a new head (after a restore from backup, a lost head
    file or a crash between head and COMMIT): an audited row records the old head and why. Refused
    when the chain itself is broken (an edited or removed row cannot be accepted this way)."""
    if not (reason or "").strip():
        raise ValueError("give a reason to re-anchor the audit trail (it is kept in the trail)")
    db = db or connect()
    with atomic(db):
        v, hashes, last = _walk(db)
        if not v.ok:
            raise ValueError(f"the chain itself is broken at entry {v.broken_at}: {v.problem}")
        h = _parse_head(_read_file(head_path(db)))
        was = h if h is None or h == "invalid" else {k: h[k] for k in ("id", "count")}
        write("audit_reanchor", None, operator, {"reason": reason.strip(), "head_was": was,
                                                 "chain_was": {"id": last["id"] if last else 0, "count": len(hashes)}},
              db=db, _accept=True)
    return verify(db).to_dict()
