"""The one timestamp format of everything the project shows or exports: UTC, ISO 8601, seconds,
``Z`` (``2026-12-07T22:09:30Z``). The API, the exports (CSV, JSON, JSONL), the desk's tables and
the metrics use `iso_utc`; the JSON log lines add milliseconds (`iso_utc(t, ms=True)`).
Timestamps are stored as Unix seconds (floats) and formatted only on the way out."""
from __future__ import annotations

import datetime as dt
import time

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso_utc(ts: float | None, *, ms: bool = False) -> str | None:
    """Unix seconds as ``2026-12-07T22:09:30Z`` (with ``.123`` before the Z when `ms`); None for
    no time (None or 0: never set)."""
    if not ts:
        return None
    t = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    if ms:
        return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond // 1000:03d}Z"
    return t.strftime(FORMAT)


def now_utc() -> str:
    """This moment, as `iso_utc` writes it."""
    return iso_utc(time.time())  # type: ignore[return-value]


def id_stamp_utc(ts: float | None = None) -> str:
    """The time part of an identifier (a batch id): ``20261207-220930``, UTC, sortable."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if ts is None else ts))
