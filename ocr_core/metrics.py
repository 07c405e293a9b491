"""Operator metrics from what the app already keeps, read through the modules that own it: the scan
log (`store`), the documents and corrections (`record.repository`) and jobs (`jobs`). No ID
numbers are read."""
from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from . import store
from .record import repository
from .store import connect
from .timefmt import iso_utc


def _process_start() -> float:
    try:
        import psutil

        return psutil.Process().create_time()
    except Exception:  # noqa: BLE001 - no psutil or no /proc: this module's import time
        return time.time()


STARTED_AT = _process_start()  # this process's start (not when a page first imported this module): the uptime
BUCKETS = {"minute": 60, "hour": 3600, "day": 86400}


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0 to 100, linear interpolation: `numpy.percentile`); None for no values.
    The one percentile of the project (the API's metrics use it too)."""
    return float(np.percentile(values, q)) if len(values) else None


def requests(db: sqlite_utils.Database | None = None, since: float | None = None) -> dict[str, Any]:
    """Requests, errors, error rate, cache hit rate, latency p50/p95 (all, and OCR without cache)."""
    db = db or connect()
    rows = store.scans(db, ("duration", "cached", "error"), since)
    ok = [r for r in rows if not r["error"]]
    hits = sum(1 for r in ok if r["cached"])
    lat = [r["duration"] for r in ok if r["duration"] is not None]
    ocr = [r["duration"] for r in ok if r["duration"] is not None and not r["cached"]]
    n, errors = len(rows), len(rows) - len(ok)
    return {"requests": n, "errors": errors, "error_rate": errors / n if n else 0.0,
            "cache_hits": hits, "cache_hit_rate": hits / len(ok) if ok else 0.0,
            "latency_p50": percentile(lat, 50), "latency_p95": percentile(lat, 95),
            "ocr_latency_p50": percentile(ocr, 50), "ocr_latency_p95": percentile(ocr, 95)}


def latency_by_engine(db: sqlite_utils.Database | None = None, since: float | None = None) -> pd.DataFrame:
    """Per engine: requests, errors, cache hits, latency p50/p95 (all) and of uncached OCR."""
    db = db or connect()
    cols = ["engine", "requests", "errors", "cache_hits", "p50_s", "p95_s", "ocr_p50_s", "ocr_p95_s"]
    df = pd.DataFrame(store.scans(db, ("engine", "duration", "cached", "error"), since),
                      columns=["engine", "duration", "cached", "error"])
    out = []
    for eng, g in df.groupby(df["engine"].fillna("?")):
        ok = g[g["error"].isna() | (g["error"] == "")]
        ocr = ok[ok["cached"] == 0]["duration"].dropna().tolist()
        lat = ok["duration"].dropna().tolist()
        out.append({"engine": eng, "requests": len(g), "errors": len(g) - len(ok),
                    "cache_hits": int((ok["cached"] == 1).sum()), "p50_s": percentile(lat, 50), "p95_s": percentile(lat, 95),
                    "ocr_p50_s": percentile(ocr, 50), "ocr_p95_s": percentile(ocr, 95)})
    return pd.DataFrame(out, columns=cols)


def throughput(db: sqlite_utils.Database | None = None, bucket: str = "hour",
               since: float | None = None) -> pd.DataFrame:
    """Documents processed and errors per time bucket (columns: time, documents, errors, cached)."""
    db = db or connect()
    cols = ["time", "documents", "errors", "cached"]
    size = BUCKETS.get(bucket, 3600)
    buckets: dict[int, list[int]] = {}  # bucket start: [scans, errors, cached]
    for r in store.scans(db, ("time", "cached", "error"), since):
        b = buckets.setdefault(int(r["time"] / size) * size, [0, 0, 0])
        b[0] += 1
        b[1] += bool(r["error"])
        b[2] += r["cached"] == 1
    return pd.DataFrame([{"time": pd.to_datetime(t, unit="s", utc=True).tz_convert(None),
                          "documents": n - e, "errors": e, "cached": c} for t, (n, e, c) in sorted(buckets.items())],
                        columns=cols)


def documents_per_type(db: sqlite_utils.Database | None = None) -> dict[str, int]:
    return repository.count_by("document_type", db or connect())


def review_status_counts(db: sqlite_utils.Database | None = None) -> dict[str, int]:
    return repository.count_by("review_status", db or connect())


def corrections(db: sqlite_utils.Database | None = None, by: str = "field") -> dict[str, int]:
    """Corrections counted per kind of change ("ID edited", "ID added", "ID removed"; or per id_type,
    or operator): the live accuracy signal."""
    if by not in ("field", "id_type", "operator"):
        return {}
    return repository.correction_counts("kind" if by == "field" else by, db=db or connect())


def mean_time_to_review(db: sqlite_utils.Database | None = None) -> float | None:
    """Mean seconds from a document's first processing to its review decision."""
    return repository.mean_time_to_review(db or connect())


def jobs(db: sqlite_utils.Database | None = None) -> dict[str, int]:
    """Jobs per status (only the statuses some job has)."""
    from .jobs.table import JobStore

    return JobStore(db=db or connect()).counts(present_only=True)


def engine_versions(db: sqlite_utils.Database | None = None) -> pd.DataFrame:
    """Engines loaded in this process, and the engine/model versions seen in scans: one row per
    engine version. A scan's version is the loaded engine's with the pipeline's settings after it
    ("<version>|dpi300|pipe7"): it is that engine's row (its last use), not a second one. Never
    used: last_used "never" (not None)."""
    from .engines import loaded_engines

    db = db or connect()
    rows = [{"engine": e.name, "version": e.version, "loaded": True, "last_used": None}
            for e in loaded_engines()]
    for r in store.engine_versions_seen(db, 20):  # most recent first
        version = re.sub(r"\|dpi[^|]*\|pipe[^|]*$", "", r["engine_version"])  # the pipeline's part off
        mine = next((x for x in rows if (x["engine"], x["version"]) == (r["engine"], version)), None)
        if mine is None:  # another version (an earlier model, another language): its own row
            rows.append(mine := {"engine": r["engine"], "version": version, "loaded": False, "last_used": None})
        mine["last_used"] = mine["last_used"] or iso_utc(r["t"])
    for x in rows:
        x["last_used"] = x["last_used"] or "never"
    return pd.DataFrame(rows, columns=["engine", "version", "loaded", "last_used"])


def uptime(now: float | None = None) -> float:
    return (now or time.time()) - STARTED_AT


def summary(db: sqlite_utils.Database | None = None, since: float | None = None) -> dict[str, Any]:
    """Everything the metrics page shows, in one call."""
    db = db or connect()
    out = requests(db, since)
    out.update({"documents_per_type": documents_per_type(db), "review_status": review_status_counts(db),
                "corrections_per_field": corrections(db, "field"),
                "corrections_per_id_type": corrections(db, "id_type"),
                "corrections_per_operator": corrections(db, "operator"),
                "corrections_total": sum(corrections(db, "field").values()),
                "mean_time_to_review": mean_time_to_review(db), "jobs": jobs(db),
                "uptime": uptime(), "documents": sum(documents_per_type(db).values())})
    return out


