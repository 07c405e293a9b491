"""The audit trail: append-only and tamper-evident.

Every row holds ``prev_hash`` (the hash of the row before it) and ``hash`` = SHA-256 over its own
fields and ``prev_hash``, so editing, inserting or deleting a row breaks the chain from there on;
`verify()` (``python -m ocr_core audit verify``) walks it. SQLite triggers refuse UPDATE and
DELETE on the table, so the application itself cannot rewrite history; someone with the file can
drop them, which is what the chain is for. Rows are chained inside one write transaction, so two
processes writing at once never fork it. Details are encrypted (they may hold a reason); the
hash covers the stored ciphertext. Rows written before the chain existed (no hash) are counted
as legacy and not checked.
"""
from __future__ import annotations

import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from . import crypto
from .logs import log
from .store import connect

GENESIS = "0" * 64
FIELDS = ("id", "time", "operator", "role", "action", "file_hash", "detail", "prev_hash")
_APPEND_ONLY = "the audit trail is append-only"


@contextmanager
def atomic(db: sqlite_utils.Database):
    """One write transaction taken before reading (or the caller's, when one is open)."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.conn.execute("COMMIT")
    except BaseException:  # a failed COMMIT too: never leave this thread's connection inside a transaction
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def row_hash(row: dict[str, Any]) -> str:
    payload = json.dumps([row.get(f) for f in FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def write(action: str, file_hash: str | None, operator: str, detail: dict[str, Any] | None = None, *,
          role: str | None = None, db: sqlite_utils.Database | None = None) -> int:
    """Append one audit row (detail must not hold ID numbers; it is stored encrypted) and log it."""
    db = db or connect()
    with atomic(db):
        last = db.execute("select id, hash from audit order by id desc limit 1").fetchone()
        row = {"id": (last[0] + 1) if last else 1, "time": time.time(), "operator": operator, "role": role,
               "action": action, "file_hash": file_hash,
               "detail": crypto.encrypt_text(json.dumps(detail or {}, ensure_ascii=False)),
               "prev_hash": (last[1] if last and last[1] else GENESIS)}
        row["hash"] = row_hash(row)
        cols = list(row)
        db.conn.execute(f"insert into audit ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                        [row[c] for c in cols])
    log.info("audit", extra={"event": action, "file_hash": (file_hash or "")[:16], "operator": operator})
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


@dataclass
class Verdict:
    ok: bool
    entries: int  # rows checked
    legacy: int  # rows written before the chain existed
    broken_at: int | None = None
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "legacy": self.legacy, "broken_at": self.broken_at,
                "problem": self.problem}


def verify(db: sqlite_utils.Database | None = None) -> Verdict:
    """Walk the chain in id order: every hash recomputed, every prev_hash the hash before it, no
    id missing. The first broken row is reported."""
    db = db or connect()
    prev, prev_id, checked, legacy = None, None, 0, 0
    for r in db.query("select * from audit order by id"):
        if not r.get("hash"):
            if prev is None:
                legacy += 1
                prev_id = r["id"]
                continue
            return Verdict(False, checked, legacy, r["id"], "a row without a hash inside the chain")
        if prev_id is not None and r["id"] != prev_id + 1:
            return Verdict(False, checked, legacy, r["id"], f"rows {prev_id + 1}..{r['id'] - 1} are missing")
        if r["prev_hash"] != (prev or GENESIS):
            return Verdict(False, checked, legacy, r["id"], "prev_hash is not the hash of the row before "
                           "(a row was removed or inserted)")
        if row_hash(r) != r["hash"]:
            return Verdict(False, checked, legacy, r["id"], "the row's content does not match its hash "
                           "(it was edited)")
        prev, prev_id = r["hash"], r["id"]
        checked += 1
    return Verdict(True, checked, legacy)
