"""Operator metrics from the tables the app already keeps: ``scans`` (every request), ``documents``
(types, review status), ``corrections`` and ``ocr_jobs``. Tables that do not exist yet count as
empty. No ID numbers are read."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from .store import connect

def _process_start() -> float:
    try:
        import psutil

        return psutil.Process().create_time()
    except Exception:  # noqa: BLE001 - no psutil or no /proc: this module's import time
        return time.time()


STARTED_AT = _process_start()  # this process's start (not when a page first imported this module): the uptime
BUCKETS = {"minute": 60, "hour": 3600, "day": 86400}


def _has(db: sqlite_utils.Database, table: str) -> bool:
    return table in db.table_names()


def _pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _since(since: float | None) -> tuple[str, list[Any]]:
    return ("where time >= ?", [since]) if since else ("", [])


def requests(db: sqlite_utils.Database | None = None, since: float | None = None) -> dict[str, Any]:
    """Requests, errors, error rate, cache hit rate, latency p50/p95 (all, and OCR without cache)."""
    db = db or connect()
    w, p = _since(since)
    rows = list(db.query(f"select duration, cached, error from scans {w}", p)) if _has(db, "scans") else []
    ok = [r for r in rows if not r["error"]]
    hits = sum(1 for r in ok if r["cached"])
    lat = [r["duration"] for r in ok if r["duration"] is not None]
    ocr = [r["duration"] for r in ok if r["duration"] is not None and not r["cached"]]
    n, errors = len(rows), len(rows) - len(ok)
    return {"requests": n, "errors": errors, "error_rate": errors / n if n else 0.0,
            "cache_hits": hits, "cache_hit_rate": hits / len(ok) if ok else 0.0,
            "latency_p50": _pct(lat, 50), "latency_p95": _pct(lat, 95),
            "ocr_latency_p50": _pct(ocr, 50), "ocr_latency_p95": _pct(ocr, 95)}


def latency_by_engine(db: sqlite_utils.Database | None = None, since: float | None = None) -> pd.DataFrame:
    """Per engine: requests, errors, cache hits, latency p50/p95 (all) and of uncached OCR."""
    db = db or connect()
    cols = ["engine", "requests", "errors", "cache_hits", "p50_s", "p95_s", "ocr_p50_s", "ocr_p95_s"]
    if not _has(db, "scans"):
        return pd.DataFrame(columns=cols)
    w, p = _since(since)
    df = pd.DataFrame(list(db.query(f"select engine, duration, cached, error from scans {w}", p)),
                      columns=["engine", "duration", "cached", "error"])
    out = []
    for eng, g in df.groupby(df["engine"].fillna("?")):
        ok = g[g["error"].isna() | (g["error"] == "")]
        ocr = ok[ok["cached"] == 0]["duration"].dropna().tolist()
        lat = ok["duration"].dropna().tolist()
        out.append({"engine": eng, "requests": len(g), "errors": len(g) - len(ok),
                    "cache_hits": int((ok["cached"] == 1).sum()), "p50_s": _pct(lat, 50), "p95_s": _pct(lat, 95),
                    "ocr_p50_s": _pct(ocr, 50), "ocr_p95_s": _pct(ocr, 95)})
    return pd.DataFrame(out, columns=cols)


def throughput(db: sqlite_utils.Database | None = None, bucket: str = "hour",
               since: float | None = None) -> pd.DataFrame:
    """Documents processed and errors per time bucket (columns: time, documents, errors, cached)."""
    db = db or connect()
    cols = ["time", "documents", "errors", "cached"]
    if not _has(db, "scans"):
        return pd.DataFrame(columns=cols)
    size = BUCKETS.get(bucket, 3600)
    w, p = _since(since)
    rows = list(db.query(
        f"select cast(time / {size} as integer) * {size} as t, count(*) as n, "
        f"sum(case when error is not null and error != '' then 1 else 0 end) as e, "
        f"sum(case when cached = 1 then 1 else 0 end) as c from scans {w} group by t order by t", p))
    df = pd.DataFrame([{"time": pd.to_datetime(r["t"], unit="s", utc=True).tz_convert(None),
                        "documents": r["n"] - r["e"], "errors": r["e"], "cached": r["c"]} for r in rows],
                      columns=cols)
    return df


def documents_per_type(db: sqlite_utils.Database | None = None) -> dict[str, int]:
    db = db or connect()
    if not _has(db, "documents"):
        return {}
    return {r["t"]: r["n"] for r in db.query(
        "select coalesce(document_type, 'UNKNOWN') t, count(*) n from documents group by t order by n desc")}


def review_status_counts(db: sqlite_utils.Database | None = None) -> dict[str, int]:
    db = db or connect()
    if not _has(db, "documents"):
        return {}
    return {r["s"]: r["n"] for r in db.query(
        "select coalesce(review_status, 'pending') s, count(*) n from documents group by s order by n desc")}


def corrections(db: sqlite_utils.Database | None = None, by: str = "field") -> dict[str, int]:
    """Corrections counted per kind of change ("ID edited", "ID added", "ID removed"; or per id_type,
    or operator): the live accuracy signal."""
    db = db or connect()
    if by not in ("field", "id_type", "operator") or not _has(db, "corrections"):
        return {}
    col = {"field": "case when field like 'field:%' then 'field ' else 'ID ' end || case when before = '' "
                    "then 'added' when after = '' then 'removed' else 'edited' end"}.get(by, by)  # no internal keys
    return {r["k"]: r["n"] for r in db.query(
        f"select coalesce({col}, '?') k, count(*) n from corrections group by k order by n desc")}


def mean_time_to_review(db: sqlite_utils.Database | None = None) -> float | None:
    """Mean seconds from a document's first processing to its review decision."""
    db = db or connect()
    if not _has(db, "documents"):
        return None
    v = db.execute("select avg(reviewed_at - created_at) from documents where reviewed_at is not null "
                   "and review_status in ('approved', 'rejected')").fetchone()[0]
    return float(v) if v is not None else None


def jobs(db: sqlite_utils.Database | None = None) -> dict[str, int]:
    db = db or connect()
    if not _has(db, "ocr_jobs"):
        return {}
    return {r["status"]: r["n"] for r in db.query("select status, count(*) n from ocr_jobs group by status")}


def engine_versions(db: sqlite_utils.Database | None = None) -> pd.DataFrame:
    """Engines loaded in this process, and the engine/model versions seen in scans."""
    from .engines import loaded_engines

    db = db or connect()
    rows = [{"engine": e.name, "version": e.version, "loaded": True, "last_used": None}
            for e in loaded_engines()]
    seen = {(r["engine"], r["version"]) for r in rows}
    if _has(db, "scans"):
        for r in db.query("select engine, engine_version, max(time) t from scans where engine_version is not null "
                          "group by engine, engine_version order by t desc limit 20"):
            key = (r["engine"], r["engine_version"])
            if key in seen:
                for x in rows:
                    if (x["engine"], x["version"]) == key:
                        x["last_used"] = _iso(r["t"])
                continue
            loaded = any(x["engine"] == r["engine"] and x["version"] and r["engine_version"].startswith(x["version"])
                         for x in rows)
            rows.append({"engine": r["engine"], "version": r["engine_version"], "loaded": loaded,
                         "last_used": _iso(r["t"])})
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


def _iso(t: float | None) -> str | None:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else None
