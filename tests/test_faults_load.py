"""Faults and load, against real processes on loopback and a real SQLite file (short versions of
bench/bench_reliability.py): 10 clients against the API and its job pool lose or duplicate
nothing; two processes writing corrections to one database lose nothing; the API killed mid-job
finishes or fails every job after a restart; RSS stays flat over many scans."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import bench_reliability as rel  # noqa: E402

LOAD_SECONDS = float(os.environ.get("OCR_TEST_LOAD_SECONDS", "25"))


def test_ten_clients_against_the_api_and_job_pool_lose_nothing(settings, dev_dir, tmp_path):
    srv = rel.Server(tmp_path).start()
    try:
        out = rel.load(srv.url, LOAD_SECONDS, clients=10, base=(dev_dir / "pan_000.png").read_bytes())
        log = srv.log.read_text()
    finally:
        srv.stop()
    print(json.dumps(out))
    assert out["problems"] == [] and out["lost_or_wrong"] == 0
    assert out["jobs"] >= 5 and out["jobs_done"] == out["jobs"]
    assert out["sync_new"] >= 5 and out["sync_cached"] >= 5
    assert out["server_errors"] == 0 and "unhandled error" not in log
    # the database agrees: one document per distinct file, one job row per queued file
    import sqlite3

    con = sqlite3.connect(tmp_path / "ocr.db")
    n_docs = con.execute("select count(*) from documents").fetchone()[0]
    n_jobs = con.execute("select count(*) from ocr_jobs").fetchone()[0]
    bad = con.execute("select count(*) from ocr_jobs where status != 'SUCCESS'").fetchone()[0]
    con.close()
    assert n_jobs == out["jobs"] and bad == 0
    assert n_docs == out["sync_files"] + out["jobs"] + 1  # + the one file sent again and again (cached)


def test_two_processes_writing_corrections_lose_nothing(settings, engine, dev_dir):
    from ocr_core.record import trail, view
    from ocr_core.intake import process_upload

    doc = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan.png")
    n = 25
    rel.corrections_race(Path(settings.db_path).parent, n, doc.file_hash)
    v = view.view(doc.file_hash)
    added = sorted(d.value for d, o in zip(v.result.ids, v.origins) if o == "added")
    want = sorted(f"ABCP{t}{i + 1:04d}Z" for t in "AB" for i in range(n))
    assert added == want, f"{len(want) - len(set(added) & set(want))} lost"
    assert all(d.valid for d in v.result.ids)
    acts = [r["action"] for r in trail.audit_rows(doc.file_hash, limit=1000)]
    assert acts.count("add_id") == 2 * n and "remove_id" not in acts
    assert v.n_corrections == 2 * n


def test_api_killed_mid_job_every_job_finishes_or_fails_with_a_reason_after_restart(settings, dev_dir, tmp_path):
    out = rel.kill_and_restart(tmp_path, n_jobs=5, base=(dev_dir / "pan_000.png").read_bytes())
    print(json.dumps(out))
    assert out["unfinished"] == 0
    assert out["succeeded"] + out["failed_with_reason"] == out["jobs"]
    assert out["at_kill"].get("STARTED", 0) + out["at_kill"].get("PENDING", 0) >= 1  # something was cut off


def test_rss_stays_flat_over_many_scans(settings, tmp_path, dev_dir):
    env = {**os.environ, "DB_PATH": str(tmp_path / "ocr.db"), "OCR_KEY_FILE": str(tmp_path / "k"), "_RSS_CHILD": "1"}
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_reliability.py"), "--only", "rss", "--scans",
                        "40"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    print(json.dumps(out))
    assert out["scans"] == 40
    assert out["growth_mb"] < 40, out  # no growth beyond warm-up (allocator noise only)
    assert out["rss_end_mb"] - out["rss_after_warmup_mb"] < 60, out
