"""Retention: personal data older than ``RETENTION_DAYS`` is deleted, by command and on a timer.

`purge()` removes, for every document whose last activity (scan, re-upload, review) is older than
the cut-off: its row, its encrypted file, its cached results, its corrections and its search
index entries; and, by age, finished jobs, cache entries and stray stored files. The scan log
keeps its figures (time, duration, engine, error code) but loses the file name and the error text. The audit trail is kept
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

from . import files, id_index, store
from .config import Settings, get_settings
from .logs import log
from .record import cases, repository
from .store import ResultCache, connect, scrub

DAY = 86400.0


def purge(older_than_days: float | None = None, *, settings: Settings | None = None,
          now: float | None = None) -> dict[str, Any]:
    """Delete what is older than `older_than_days` (default RETENTION_DAYS; 0 = nothing).
    Returns the counts of what was removed. Each table is purged by the module that owns it."""
    from .jobs.table import JobStore

    settings = settings or get_settings()
    days = settings.retention_days if older_than_days is None else older_than_days
    out: dict[str, Any] = {"days": days, "documents": 0, "files": 0, "cache": 0, "corrections": 0, "jobs": 0,
                           "scans_cleared": 0}
    if not days or days <= 0:
        return out
    cutoff = (now or time.time()) - float(days) * DAY
    db = connect(settings.db_path)
    jobs, cache = JobStore(settings, db), ResultCache(settings, db)
    active = jobs.active_hashes()
    for h in repository.inactive_since(cutoff, db):
        repository.delete_row(h, db)
        out["corrections"] += repository.delete_corrections(h, db)
        out["cache"] += cache.delete(h)
        id_index.delete(db, h)  # the keyed hashes of its ID numbers and names go with it
        cases.delete(db, h)
        out["documents"] += 1
        if h not in active and files.delete(h, settings):
            out["files"] += 1
    out["corrections"] += repository.purge_corrections(cutoff, repository.hashes(db), db)  # of documents deleted elsewhere
    cases.purge(db, cutoff, repository.hashes(db))  # labels of jobs that never became a record
    out["jobs"] = jobs.purge(cutoff)
    active = jobs.active_hashes()
    out["cache"] += cache.delete_older(cutoff)
    out["scans_cleared"] = store.clear_scan_details(db, cutoff)
    out["files"] += _stray_files(db, cutoff, active, settings)
    out["checkpoint"] = scrub(db)
    log.info("retention purge", extra={"event": "purge", **{k: v for k, v in out.items() if k != "checkpoint"}})
    return out


def _stray_files(db, cutoff: float, active: set[str], settings: Settings) -> int:
    """Stored files older than the cut-off that no document or unfinished job refers to."""
    root = files.files_dir(settings)
    if not root.is_dir():
        return 0
    kept = repository.hashes(db)
    n = 0
    for sub in root.iterdir():
        if not sub.is_dir():
            continue
        if sub.name == "masked":  # masked page images (redact): one folder per file hash
            for p in (x for d in sub.iterdir() if d.is_dir() for x in d.iterdir()):
                if p.name not in kept and p.name not in active and p.stat().st_mtime < cutoff:
                    n += int(files.delete(p.name))
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
