"""Retention: personal data older than ``RETENTION_DAYS`` is deleted, by command and on a timer.

`purge()` removes, for every document whose last activity (scan, re-upload, review) is older than
the cut-off: its row, its encrypted file, its cached results and its corrections; and, by age,
finished jobs, cache entries and stray stored files. The scan log keeps its figures (time,
duration, engine, error code) but loses the file name and the error text. The audit trail is kept
(it holds no ID numbers and its details are encrypted). The deleted bytes are really gone:
connections run with ``secure_delete`` (freed pages are zeroed) and the WAL is checkpointed and
truncated afterwards (`store.scrub`).

`start_scheduler()` runs `purge()` in a daemon thread every ``RETENTION_INTERVAL_HOURS``; the API
and the review desk start it (one per process and database).
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any

from . import files
from .config import Settings, get_settings
from .logs import log
from .store import connect, scrub

DAY = 86400.0
ACTIVE_JOBS = ("PENDING", "STARTED", "RETRY")


def _tables(db) -> set[str]:
    return set(db.table_names())


def purge(older_than_days: float | None = None, *, settings: Settings | None = None,
          now: float | None = None) -> dict[str, Any]:
    """Delete what is older than `older_than_days` (default RETENTION_DAYS; 0 = nothing).
    Returns the counts of what was removed."""
    settings = settings or get_settings()
    days = settings.retention_days if older_than_days is None else older_than_days
    out: dict[str, Any] = {"days": days, "documents": 0, "files": 0, "cache": 0, "corrections": 0, "jobs": 0,
                           "scans_cleared": 0}
    if not days or days <= 0:
        return out
    cutoff = (now or time.time()) - float(days) * DAY
    db = connect(settings.db_path)
    t = _tables(db)
    active: set[str] = set()
    if "ocr_jobs" in t:
        active = {r[0] for r in db.execute(
            f"select distinct file_hash from ocr_jobs where status in ({','.join('?' * len(ACTIVE_JOBS))})",
            ACTIVE_JOBS)}
    old_docs: list[str] = []
    if "documents" in t:
        old_docs = [r[0] for r in db.execute(
            "select file_hash from documents where max(coalesce(created_at, 0), coalesce(updated_at, 0), "
            "coalesce(reviewed_at, 0)) < ?", [cutoff])]
    for h in old_docs:
        db.execute("delete from documents where file_hash = ?", [h])
        if "corrections" in t:
            out["corrections"] += db.execute("delete from corrections where file_hash = ?", [h]).rowcount
        if "cache" in t:
            out["cache"] += db.execute("delete from cache where file_hash = ?", [h]).rowcount
        if "id_index" in t:  # the keyed hashes of its ID numbers go with it
            db.execute("delete from id_index where file_hash = ?", [h])
        out["documents"] += 1
        if h not in active and files.delete(h):
            out["files"] += 1
    if "corrections" in t and "documents" in t:  # corrections left by a document deleted elsewhere
        out["corrections"] += db.execute(
            "delete from corrections where time < ? and file_hash not in (select file_hash from documents)",
            [cutoff]).rowcount
    if "ocr_jobs" in t:
        out["jobs"] = db.execute(
            f"delete from ocr_jobs where status not in ({','.join('?' * len(ACTIVE_JOBS))}) "
            "and coalesce(completed_at, created_at) < ?", [*ACTIVE_JOBS, cutoff]).rowcount
        active = {r[0] for r in db.execute(
            f"select distinct file_hash from ocr_jobs where status in ({','.join('?' * len(ACTIVE_JOBS))})",
            ACTIVE_JOBS)}
    if "cache" in t:
        out["cache"] += db.execute("delete from cache where created_at < ?", [cutoff]).rowcount
    if "scans" in t:
        out["scans_cleared"] = db.execute(
            "update scans set filename = null, error = case when error is null then null "
            "else coalesce(error_code, 'error') end where time < ? and (filename is not null or error != "
            "coalesce(error_code, 'error'))", [cutoff]).rowcount
    out["files"] += _stray_files(db, cutoff, active)
    out["checkpoint"] = scrub(db)
    log.info("retention purge", extra={"event": "purge", **{k: v for k, v in out.items() if k != "checkpoint"}})
    return out


def _stray_files(db, cutoff: float, active: set[str]) -> int:
    """Stored files older than the cut-off that no document or unfinished job refers to."""
    root = files.files_dir()
    if not root.is_dir():
        return 0
    kept = {r[0] for r in db.execute("select file_hash from documents")} if "documents" in _tables(db) else set()
    n = 0
    for sub in root.iterdir():
        if not sub.is_dir():
            continue
        for p in sub.iterdir():
            try:
                if p.stat().st_mtime >= cutoff:
                    continue
                h = p.name
                if h in kept or h in active:
                    continue
                p.unlink()
                n += 1
            except FileNotFoundError:
                continue
    return n


# ---------------------------------------------------------------- the timer in long-running processes
_SCHEDULERS: dict[str, tuple[threading.Thread, threading.Event]] = {}
_LOCK = threading.Lock()


def start_scheduler(settings: Settings | None = None, *, first_delay: float = 60.0,
                    interval: float | None = None) -> threading.Thread | None:
    """Purge now (after `first_delay` s) and every RETENTION_INTERVAL_HOURS in a daemon thread.
    One per process and database; None when RETENTION_DAYS is 0."""
    settings = settings or get_settings()
    if settings.retention_days <= 0:
        return None
    every = interval or settings.retention_interval_hours * 3600.0
    key = f"{os.getpid()}:{settings.db_path}"
    with _LOCK:
        running = _SCHEDULERS.get(key)
        if running and running[0].is_alive():
            return running[0]
        stop = threading.Event()

        def loop() -> None:
            delay = first_delay
            while not stop.wait(delay):
                try:
                    purge(settings=settings)
                except Exception:  # noqa: BLE001 - a failed purge is logged and tried again later
                    log.exception("retention purge failed", extra={"event": "purge_error"})
                delay = every

        th = threading.Thread(target=loop, name="ocr-retention", daemon=True)
        _SCHEDULERS[key] = (th, stop)
        th.start()
        return th


def stop_scheduler(settings: Settings | None = None) -> None:
    """Stop this process's timer for that database (the API's shutdown)."""
    settings = settings or get_settings()
    with _LOCK:
        running = _SCHEDULERS.pop(f"{os.getpid()}:{settings.db_path}", None)
    if running:
        running[1].set()


def stop_schedulers() -> None:
    with _LOCK:
        for _th, stop in _SCHEDULERS.values():
            stop.set()
        _SCHEDULERS.clear()
