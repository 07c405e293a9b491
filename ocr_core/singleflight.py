"""Identical work in flight done once: `once(key)` holds a lock per key (a file's sha256) that
threads of one process and every process sharing the data folder (the API's uvicorn workers, the
desk) respect. The second upload of a file being scanned waits for the first, then finds its
result in the cache instead of scanning it again.

The lock is an advisory `flock` on ``<data>/locks/<key>.lock`` (released by the kernel when its
holder dies, so a killed process never leaves a key locked). The holder removes the file when it
is done; a waiter that then holds a lock on a removed file opens the new one (the usual
lock-file dance), so no lock files pile up. Without `fcntl` (not POSIX) the lock covers the
threads of this process only."""
from __future__ import annotations

import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .config import Settings, get_settings
from .logs import log

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: in-process only
    fcntl = None  # type: ignore[assignment]

WAIT_SECONDS = 900.0  # at most this long behind an identical scan; then scan anyway (and say so)
_KEY = re.compile(r"^[0-9a-f]{16,64}$")
_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def locks_dir(settings: Settings | None = None) -> Path:
    """``locks`` next to the database (settings.db_path)."""
    return Path((settings or get_settings()).db_path).parent / "locks"


@contextmanager
def once(key: str, settings: Settings | None = None, wait: float = WAIT_SECONDS) -> Iterator[float]:
    """Hold the lock of `key` (hex) for the block; yields the seconds waited for it."""
    if not _KEY.match(key):
        raise ValueError("a single-flight key is a hex digest")
    t0 = time.monotonic()
    if fcntl is None:  # pragma: no cover
        with _local_lock(key, wait):
            yield time.monotonic() - t0
        return
    folder = locks_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.lock"
    fd = _acquire(path, t0 + wait)
    waited = time.monotonic() - t0
    if waited >= 0.05:
        log.info("waited for an identical upload in flight", extra={"event": "single_flight", "key": key[:16],
                                                                    "seconds": round(waited, 3),
                                                                    "locked": fd is not None})
    try:
        yield waited
    finally:
        if fd is not None:
            try:
                os.unlink(path)  # before the release: a waiter on this file then knows to open the next
            except FileNotFoundError:
                pass
            os.close(fd)


def _acquire(path: Path, deadline: float) -> int | None:
    """The locked descriptor of `path`, or None when the deadline passed (then the work is done
    unlocked rather than never)."""
    pause = 0.01
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        os.close(fd)
                        return None
                    time.sleep(pause)
                    pause = min(0.25, pause * 1.5)
            try:  # is the file we locked still the one at `path`? (the last holder removed it)
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            return fd
        os.close(fd)


@contextmanager
def _local_lock(key: str, wait: float) -> Iterator[None]:  # pragma: no cover - without fcntl
    with _local_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    got = lock.acquire(timeout=wait)
    try:
        yield
    finally:
        if got:
            lock.release()
