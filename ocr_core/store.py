"""SQLite storage through sqlite-utils: the result cache (an index of results by file hash plus
engine, model and parameter versions; where the document record holds the result the entry keeps
no copy of it) and the log of every scan. WAL mode and a busy timeout make one file safe
for several processes; each thread gets its own connection.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

import sqlite_utils

from .config import Settings, get_settings

_local = threading.local()
_SCHEMA_HOOKS: list[Callable[[sqlite_utils.Database], None]] = []


def schema_hook(fn: Callable[[sqlite_utils.Database], None]) -> Callable[[sqlite_utils.Database], None]:
    """Register a function that creates a module's tables (run once per connection)."""
    _SCHEMA_HOOKS.append(fn)
    return fn


def connect(path: Path | str | None = None) -> sqlite_utils.Database:
    """This thread's connection to the database at path (default: settings.db_path)."""
    path = Path(path or get_settings().db_path)
    key = str(path.resolve())
    conns: dict[str, sqlite_utils.Database] = getattr(_local, "conns", None) or {}
    _local.conns = conns
    db = conns.get(key)
    if db is not None and Path(key).exists():
        _apply_hooks(db)  # modules imported after this thread connected add their tables now
        return db
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
    db = sqlite_utils.Database(conn)
    db.enable_wal()
    conn.execute("PRAGMA synchronous=NORMAL")
    _apply_hooks(db)
    conns[key] = db
    return db


def _apply_hooks(db: sqlite_utils.Database) -> None:
    done = getattr(db, "_ocr_hooks_done", 0)
    if done == len(_SCHEMA_HOOKS):
        return
    for hook in _SCHEMA_HOOKS[done:]:
        for attempt in range(100):  # two processes creating the same table at once: SQLITE_BUSY at once
            try:
                hook(db)  # hooks are idempotent (if not exists)
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or attempt == 99:
                    raise
                time.sleep(0.05 + 0.05 * (attempt % 4))
    db._ocr_hooks_done = len(_SCHEMA_HOOKS)  # type: ignore[attr-defined]


def scrub(db: sqlite_utils.Database) -> list[int]:
    """After deleting personal data: copy the WAL into the database file and truncate it, so the
    deleted rows' old page images are gone from both files (secure_delete zeroed the freed space).
    Returns SQLite's (busy, wal pages, checkpointed pages); busy=1 when another reader held on."""
    return list(db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())


def close_all() -> None:
    for db in (getattr(_local, "conns", None) or {}).values():
        db.conn.close()
    _local.conns = {}


@schema_hook
def _core_schema(db: sqlite_utils.Database) -> None:
    if "cache" not in db.table_names():
        db["cache"].create({"key": str, "file_hash": str, "engine_version": str, "result": str,
                            "created_at": float, "last_access": float, "hits": int}, pk="key", if_not_exists=True)
        db["cache"].create_index(["file_hash"], if_not_exists=True)
        db["cache"].create_index(["last_access"], if_not_exists=True)
    if "scans" not in db.table_names():
        db["scans"].create({"id": int, "time": float, "filename": str, "file_hash": str, "duration": float,
                            "cached": int, "engine": str, "engine_version": str, "document_type": str,
                            "pages": int, "n_ids": int, "n_invalid_ids": int, "error": str, "error_code": str,
                            "source": str}, pk="id", if_not_exists=True)
        db["scans"].create_index(["time"], if_not_exists=True)
        db["scans"].create_index(["file_hash"], if_not_exists=True)


# ---------------------------------------------------------------- encryption hook (see crypto.py)
def _encode(obj: dict[str, Any]) -> str:
    from . import crypto

    return crypto.encrypt_text(json.dumps(obj, ensure_ascii=False))


def _decode(text: str) -> dict[str, Any]:
    from . import crypto

    return json.loads(crypto.decrypt_text(text))


# ---------------------------------------------------------------- cache
class ResultCache:
    def __init__(self, settings: Settings | None = None, db: sqlite_utils.Database | None = None) -> None:
        self.settings = settings or get_settings()
        self._db = db

    @property
    def db(self) -> sqlite_utils.Database:
        return self._db or connect(self.settings.db_path)

    @staticmethod
    def key(file_hash: str, version: str) -> str:
        return f"{file_hash}:{version}"

    def get(self, file_hash: str, version: str) -> dict[str, Any] | None:
        k = self.key(file_hash, version)
        rows = list(self.db.query("select result, created_at from cache where key = ?", [k]))
        if not rows:
            return None
        now = time.time()
        if now - rows[0]["created_at"] > self.settings.cache_ttl_seconds:
            self.db.execute("delete from cache where key = ?", [k])
            return None
        result = _decode(rows[0]["result"]) if rows[0]["result"] else self._from_record(file_hash, version)
        if result is None:  # the record was deleted or re-scanned with another version
            self.db.execute("delete from cache where key = ?", [k])
            return None
        self.db.execute("update cache set last_access = ?, hits = hits + 1 where key = ?", [now, k])
        return result

    def _from_record(self, file_hash: str, version: str) -> dict[str, Any] | None:
        if "documents" not in self.db.table_names():
            return None
        row = self.db.execute("select result from documents where file_hash = ?", [file_hash]).fetchone()
        result = _decode(row[0]) if row and row[0] else None
        return result if result and result.get("engine_version") == version else None

    def link(self, file_hash: str, version: str) -> None:
        """The document record now holds this result: the entry keeps no copy, only the index
        (hash, version) that `get` resolves through the record."""
        self.db.execute("update cache set result = null where key = ?", [self.key(file_hash, version)])

    def put(self, file_hash: str, version: str, result: dict[str, Any]) -> None:
        now = time.time()
        self.db["cache"].upsert({"key": self.key(file_hash, version), "file_hash": file_hash,
                                 "engine_version": version, "result": _encode(result), "created_at": now,
                                 "last_access": now, "hits": 0}, pk="key")
        self.evict()

    def evict(self) -> int:
        """Drop expired entries and the least recently used beyond CACHE_MAX_SIZE."""
        now = time.time()
        n0 = self.db.execute("select count(*) from cache").fetchone()[0]
        self.db.execute("delete from cache where created_at < ?", [now - self.settings.cache_ttl_seconds])
        self.db.execute("delete from cache where key in (select key from cache order by last_access desc "
                        "limit -1 offset ?)", [self.settings.cache_max_size])
        return n0 - self.db.execute("select count(*) from cache").fetchone()[0]

    def delete(self, file_hash: str) -> int:
        cur = self.db.execute("delete from cache where file_hash = ?", [file_hash])
        return cur.rowcount

    def stats(self) -> dict[str, Any]:
        n = self.db.execute("select count(*), coalesce(sum(hits), 0) from cache").fetchone()
        return {"entries": n[0], "hits": n[1], "max_size": self.settings.cache_max_size,
                "ttl_seconds": self.settings.cache_ttl_seconds}


def record_scan(db: sqlite_utils.Database, **row: Any) -> None:
    row.setdefault("time", time.time())
    db["scans"].insert(row, alter=False)
