"""SQLite storage through sqlite-utils: connections, the result cache (an index of results by file
hash plus engine, model and parameter versions; where the document record holds the result the
entry keeps no copy of it) and the log of every scan (this module owns the ``cache`` and
``scans`` tables). WAL mode and a busy timeout make one file safe for several processes; each
thread gets its own connection. The schema is `schema`'s migrations, applied by the process's
first `connect` to a database.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from . import crypto, schema
from .config import Settings, get_settings

_local = threading.local()
_MIGRATED: set[str] = set()  # databases whose schema this process has brought up to date
_MIGRATE_LOCK = threading.Lock()


def connect(path: Path | str | None = None) -> sqlite_utils.Database:
    """This thread's connection to the database at path (default: settings.db_path). The first
    connection of the process to a database applies the schema's pending migrations (`schema`)."""
    path = Path(path or get_settings().db_path)
    key = str(path.resolve())
    conns: dict[str, sqlite_utils.Database] = getattr(_local, "conns", None) or {}
    _local.conns = conns
    db = conns.get(key)
    existed = Path(key).exists()
    if db is not None and existed:
        return db
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
    db = sqlite_utils.Database(conn)
    db.enable_wal()
    conn.execute("PRAGMA synchronous=NORMAL")
    with _MIGRATE_LOCK:
        if key not in _MIGRATED or not existed:  # a new (or deleted and new again) file: migrate it
            schema.apply(db)
            _MIGRATED.add(key)
    conns[key] = db
    return db


def scrub(db: sqlite_utils.Database) -> list[int]:
    """After deleting personal data: copy the WAL into the database file and truncate it, so the
    deleted rows' old page images are gone from both files (secure_delete zeroed the freed space).
    Returns SQLite's (busy, wal pages, checkpointed pages); busy=1 when another reader held on."""
    return list(db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())


def close_all() -> None:
    for db in (getattr(_local, "conns", None) or {}).values():
        db.conn.close()
    _local.conns = {}


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

    def fresh(self, file_hash: str, version: str) -> bool:
        """A fresh entry for this file and version is there (read only: hits and TTL untouched)."""
        row = self.db.execute("select created_at from cache where key = ?", [self.key(file_hash, version)]).fetchone()
        return row is not None and time.time() - row[0] <= self.settings.cache_ttl_seconds

    def get(self, file_hash: str, version: str) -> dict[str, Any] | None:
        k = self.key(file_hash, version)
        rows = list(self.db.query("select result, created_at from cache where key = ?", [k]))
        if not rows:
            return None
        now = time.time()
        if now - rows[0]["created_at"] > self.settings.cache_ttl_seconds:
            self.db.execute("delete from cache where key = ?", [k])
            return None
        result = crypto.unseal(rows[0]["result"]) if rows[0]["result"] else self._from_record(file_hash, version)
        if result is None:  # the record was deleted or re-scanned with another version
            self.db.execute("delete from cache where key = ?", [k])
            return None
        self.db.execute("update cache set last_access = ?, hits = hits + 1 where key = ?", [now, k])
        return result

    def _from_record(self, file_hash: str, version: str) -> dict[str, Any] | None:
        from .record import repository  # the record's owner (it takes this connection)

        result = repository.load_dict(file_hash, self.db)
        return result if result and result.get("engine_version") == version else None

    def link(self, file_hash: str, version: str) -> None:
        """The document record now holds this result: the entry keeps no copy, only the index
        (hash, version) that `get` resolves through the record."""
        self.db.execute("update cache set result = null where key = ?", [self.key(file_hash, version)])

    def put(self, file_hash: str, version: str, result: dict[str, Any]) -> None:
        now = time.time()
        self.db["cache"].upsert({"key": self.key(file_hash, version), "file_hash": file_hash,
                                 "engine_version": version, "result": crypto.seal(result), "created_at": now,
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
        cur = self.db.conn.execute("delete from cache where file_hash = ?", [file_hash])
        return cur.rowcount

    def delete_older(self, cutoff: float) -> int:
        """Drop entries created before `cutoff` (retention)."""
        return self.db.execute("delete from cache where created_at < ?", [cutoff]).rowcount

    def stats(self) -> dict[str, Any]:
        n = self.db.execute("select count(*), coalesce(sum(hits), 0) from cache").fetchone()
        return {"entries": n[0], "hits": n[1], "max_size": self.settings.cache_max_size,
                "ttl_seconds": self.settings.cache_ttl_seconds}


# ---------------------------------------------------------------- the scan log
SCAN_COLUMNS = ("id", "time", "file_hash", "duration", "cached", "engine", "engine_version", "document_type",
                "pages", "n_ids", "n_invalid_ids", "error", "error_code", "source")  # all but the file name


def record_scan(db: sqlite_utils.Database, **row: Any) -> None:
    row.setdefault("time", time.time())
    db["scans"].insert(row, alter=False)


def scans(db: sqlite_utils.Database, columns: tuple[str, ...] = SCAN_COLUMNS,
          since: float | None = None) -> list[dict[str, Any]]:
    """Scan log rows (oldest first), optionally only those at or after `since`."""
    bad = set(columns) - set(SCAN_COLUMNS)
    if bad:
        raise ValueError(f"unknown scans columns: {sorted(bad)}")
    where, params = ("where time >= ?", [since]) if since else ("", [])
    return list(db.query(f"select {', '.join(columns)} from scans {where} order by id", params))


def scan_count(db: sqlite_utils.Database) -> int:
    return db.execute("select count(*) from scans").fetchone()[0]


def engine_versions_seen(db: sqlite_utils.Database, limit: int = 20) -> list[dict[str, Any]]:
    """(engine, engine_version, t = last use) from the scan log, most recent first."""
    return list(db.query("select engine, engine_version, max(time) t from scans where engine_version is not null "
                         "group by engine, engine_version order by t desc limit ?", [limit]))


def clear_scan_details(db: sqlite_utils.Database, cutoff: float) -> int:
    """Scans before `cutoff` keep their figures but lose the file name and the error text (which
    may quote it); returns how many rows changed."""
    return db.execute(
        "update scans set filename = null, error = case when error is null then null "
        "else coalesce(error_code, 'error') end where time < ? and (filename is not null or error != "
        "coalesce(error_code, 'error'))", [cutoff]).rowcount


def forget_scan_file(db: sqlite_utils.Database, file_hash: str) -> int:
    """A deleted document's scans keep their figures but lose the file name and the error text."""
    return db.conn.execute("update scans set filename = null, error = coalesce(error_code, error) "
                           "where file_hash = ?", [file_hash]).rowcount
