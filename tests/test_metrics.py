"""Operator metrics over real scans, documents, corrections and jobs."""
from __future__ import annotations

import time

import pytest

from ocr_core import metrics
from ocr_core.record import corrections, decisions
from ocr_core.errors import InputError
from ocr_core.intake import process_upload
from ocr_core.store import connect


def test_empty_database_gives_zeros(settings):
    db = connect()  # a new file: every table exists, empty (see test_schema for older databases)
    s = metrics.summary(db)
    assert s["requests"] == 0 and s["error_rate"] == 0.0 and s["latency_p50"] is None
    assert s["corrections_per_field"] == {} and s["mean_time_to_review"] is None
    assert metrics.throughput(db).empty and metrics.latency_by_engine(db).empty


def test_metrics_from_real_activity(settings, dev_dir, engine):
    names = ["gst_000_digital.pdf", "udyam_000_digital.pdf", "pan_000.png"]
    hashes = {n: process_upload((dev_dir / n).read_bytes(), n).file_hash for n in names}
    process_upload((dev_dir / "pan_000.png").read_bytes(), "pan_000.png")  # a cache hit
    with pytest.raises(InputError):
        process_upload(b"not a document", "x.txt")
    decisions.set_status(hashes["pan_000.png"], "approved", "asha")
    corrections.add_id(hashes["gst_000_digital.pdf"], "PAN", "ABCPE1234F", "ravi", reason="missed")
    s = metrics.summary()
    assert s["requests"] == 5 and s["errors"] == 1 and s["error_rate"] == pytest.approx(0.2)
    assert s["cache_hits"] == 1 and s["cache_hit_rate"] == pytest.approx(0.25)
    assert 0 < s["latency_p50"] <= s["latency_p95"]
    assert s["ocr_latency_p95"] >= s["ocr_latency_p50"] > 0
    assert s["documents_per_type"] == {"GSTIN": 1, "UDYAM": 1, "PAN": 1}
    assert s["review_status"] == {"pending": 2, "approved": 1}
    assert s["corrections_per_operator"] == {"ravi": 1} and sum(s["corrections_per_field"].values()) == 1
    assert s["mean_time_to_review"] is not None and 0 <= s["mean_time_to_review"] < 600
    assert s["uptime"] > 0
    per = metrics.latency_by_engine().set_index("engine")
    assert per.loc["cascade", "requests"] == 5 and per.loc["cascade", "cache_hits"] == 1
    tp = metrics.throughput(bucket="minute")
    assert tp["documents"].sum() == 4 and tp["errors"].sum() == 1
    since = metrics.requests(since=time.time() + 60)
    assert since["requests"] == 0
    ev = metrics.engine_versions()
    assert (ev["engine"] == "cascade").any() and ev["loaded"].any()


def test_an_engine_is_listed_once_with_its_last_use(settings, engine):
    """A scan logs the engine's version with the pipeline's part after it ("<version>|dpi300|pipe9"):
    it is the loaded engine's row (its last use), not a second row beside one with last use None."""
    from ocr_core import store

    db = connect()
    now = time.time()
    for t, version in ((now - 60, f"{engine.version}|dpi300|pipe9"), (now, f"{engine.version}|dpi200|pipe9"),
                       (now - 3600, "an-older-model/en|dpi300|pipe8")):
        store.record_scan(db, time=t, file_hash="0" * 64, engine=engine.name, engine_version=version,
                          duration=0.1, cached=0)
    ev = metrics.engine_versions(db)
    mine = ev[ev["engine"] == engine.name]
    assert sorted(mine["version"]) == sorted([engine.version, "an-older-model/en"])
    loaded = mine[mine["version"] == engine.version].iloc[0]
    assert bool(loaded["loaded"]) and loaded["last_used"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))  # UTC (timefmt)
    assert not bool(mine[mine["version"] == "an-older-model/en"].iloc[0]["loaded"])
    assert ev["last_used"].notna().all() and "None" not in set(ev["last_used"].astype(str))
    assert not ev.duplicated(["engine", "version"]).any()


def test_one_percentile_function():
    """`metrics.percentile` is the project's one percentile (linear interpolation); the API's
    metrics round it, and no other module defines its own."""
    import re
    from pathlib import Path

    from ocr_api.metrics import _pct

    assert metrics.percentile([], 50) is None
    assert metrics.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5 and metrics.percentile([1.0, 2.0, 3.0], 100) == 3.0
    assert metrics.percentile([0.0, 10.0], 95) == 9.5
    assert _pct([0.0, 1.0 / 3.0], 100) == 0.3333 and _pct([], 95) is None
    root = Path(__file__).resolve().parents[1]
    defs, wrappers = [], []
    for p in sorted(q for pkg in ("ocr_core", "ocr_api", "ocr_worker", "pages", "ui", "bench") for q in (root / pkg).rglob("*.py")):
        text = p.read_text(encoding="utf-8")
        defs += [f"{p.relative_to(root)}: {m.group(0)}" for m in re.finditer(r"def \w*(?:percentile|quantile)\w*\(", text)]
        # a latency percentile under another name (pct, _pct) only rounds the core's
        wrappers += [(f"{p.relative_to(root)}: {m.group(1)}", "percentile(" in m.group(2))
                     for m in re.finditer(r"def (_?pct)\((.*?)\n\n\n", text, re.S)]
    assert defs == ["ocr_core/metrics.py: def percentile("], defs
    assert len(wrappers) >= 3 and all(uses for _, uses in wrappers), wrappers  # the API's and the benches'
