"""Distributed jobs on real services: a `redis-server` on a free loopback port and real
`celery -A ocr_worker.celery_app worker` processes, driven through the API.

The worker has a database of its own (it never touches the app's SQLite file) and shares only the
encryption key with the app, as a worker on another machine would. Redis and the first worker
start once for the module; the tests run in order (the last one stops Redis).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from service_helpers import wait_for as _wait

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[1]
API = "/ocr-api"
VISIBILITY = 10  # seconds before a job held by a killed worker is delivered again

if shutil.which("redis-server") is None:
    pytest.fail("needs redis-server: scripts/setup.sh --dev (called by scripts/test.sh) installs it",
                pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.workdir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        _wait(lambda: self._ping(redis), 20, "redis-server")

    def _ping(self, redis) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)


class Worker:
    def __init__(self, env: dict[str, str], log: Path, name: str) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ocr_worker.celery_app", "worker", "--pool", "solo",
             "--loglevel", "INFO", "-Q", "ocr", "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
        _wait(lambda: self.proc.poll() is not None or b"ready." in log.read_bytes(), 180, "the celery worker")
        assert self.proc.poll() is None, log.read_text()[-3000:]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(20)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def services(tmp_path_factory, dev_dir, engine):
    from fastapi.testclient import TestClient

    from ocr_api import create_app
    from ocr_core.config import Settings
    from ocr_core.jobs import reset_backends

    d = tmp_path_factory.mktemp("celery")
    redis_srv = Redis(_free_port(), d)
    redis_srv.start()
    key_file = os.environ["OCR_KEY_FILE"]  # the session's key: shared by app and workers, nothing else
    worker_env = {**os.environ, "DB_PATH": str(d / "worker" / "ocr.db"), "OCR_KEY_FILE": key_file,
                  "REDIS_URL": redis_srv.url, "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY), "LOG_LEVEL": "INFO"}
    worker_env.pop("CELERY_BROKER_URL", None)
    worker_env.pop("CELERY_RESULT_BACKEND", None)
    settings = Settings(db_path=d / "app" / "ocr.db", ocr_key_file=Path(key_file), redis_url=redis_srv.url,
                        celery_visibility_timeout=VISIBILITY, rate_limit_requests=100_000)
    workers = [Worker(worker_env, d / "worker1.log", "w1")]
    from ocr_core.config import get_settings

    saved_db = os.environ["DB_PATH"]
    os.environ["DB_PATH"] = str(settings.db_path)  # the core's review calls read the app's database, as in production
    get_settings.cache_clear()
    client = TestClient(create_app(settings.model_copy(update={"ocr_api_keys": {"ops:admin:k-celery-admin"}})))
    client.headers["X-API-Key"] = "k-celery-admin"  # an admin key: these tests delete documents too
    client.__enter__()
    ctx = {"redis": redis_srv, "workers": workers, "env": worker_env, "dir": d, "client": client,
           "settings": settings}
    try:
        yield ctx
    finally:
        client.__exit__(None, None, None)
        reset_backends()
        os.environ["DB_PATH"] = saved_db
        get_settings.cache_clear()
        for w in ctx["workers"]:
            w.stop()
        redis_srv.stop()


def _poll(client, job_id: str, until=("SUCCESS", "FAILURE"), timeout: float = 180) -> dict:
    def check():
        r = client.get(f"{API}/paddleocr/status/{job_id}")
        assert r.status_code == 200, r.text
        return r.json() if r.json()["status"] in until else None

    return _wait(check, timeout, f"job {job_id} to reach {until}", poll=0.3)


def _upload(path: Path):
    return {"file": (path.name, path.read_bytes(), "application/octet-stream")}


def test_backend_is_celery(services):
    h = services["client"].get(f"{API}/health").json()
    assert h["jobs_backend"] == "celery" and h["redis"]["ok"] is True and h["status"] == "ok"


def test_jobs_complete_on_worker(services, dev_dir):
    c = services["client"]
    names = ["pan_002.png", "aadhaar_002.png"]
    subs = [c.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / n)) for n in names]
    assert [s.status_code for s in subs] == [202, 202], [s.text for s in subs]
    jobs = [_poll(c, s.json()["job_id"]) for s in subs]
    assert [j["status"] for j in jobs] == ["SUCCESS", "SUCCESS"], jobs
    pan = json.loads((dev_dir / "pan_002.gt.json").read_text())["ids"]["PAN"][0]
    assert jobs[0]["result"]["document_ids"]["PAN"] == [pan]
    vid = json.loads((dev_dir / "aadhaar_002.gt.json").read_text())["ids"]["VID"][0].replace(" ", "")
    assert jobs[1]["result"]["document_type"] == "AADHAAR"
    assert jobs[1]["result"]["document_ids"]["VID"] == [f"XXXX XXXX XXXX {vid[-4:]}"]
    status_text = c.get(f"{API}/paddleocr/status/{jobs[1]['job_id']}").text
    assert vid not in re.sub(r"\D", "", status_text)

    # the OCR ran on the worker, with its own database; the app only kept the results
    wdb = sqlite3.connect(services["env"]["DB_PATH"])
    worker_scans = {r[0] for r in wdb.execute("select file_hash from scans where source = 'worker'")}
    assert {j["file_hash"] for j in jobs} <= worker_scans
    if "cache" in {r[0] for r in wdb.execute("select name from sqlite_master where type = 'table'")}:
        assert wdb.execute("select count(*) from cache").fetchone()[0] == 0  # the worker kept no result
    adb = sqlite3.connect(services["settings"].db_path)
    assert adb.execute("select count(*) from scans").fetchone()[0] == 0
    assert adb.execute("select count(*) from documents").fetchone()[0] == 2  # kept for review
    # the result backend holds nothing readable (the full result is sealed), and once the app's
    # consumer kept the results in the record, nothing at all of these jobs
    import redis

    r = redis.Redis.from_url(services["redis"].url)
    raw = b"".join(v for k in r.keys("celery-task-meta-*") for v in [r.get(k)] if v)
    assert vid.encode() not in raw
    _wait(lambda: not any(r.exists(f"celery-task-meta-{j['job_id']}") for j in jobs), 30, "the consumer")
    # the uploads left Redis when their jobs finished (not after a TTL), with their attempt counters
    assert not any(r.exists(f"ocr:file:{j['file_hash']}") or r.exists(f"ocr:attempts:{j['job_id']}") for j in jobs)
    assert [j["attempts"] for j in jobs] == [1, 1]

    # the same file again: the existing job, already done
    again = c.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / "pan_002.png")).json()
    assert again["job_id"] == jobs[0]["job_id"] and again["status"] == "SUCCESS"
    # a file the app scanned synchronously: a finished job at once, no trip to the workers
    assert c.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_003.png")).status_code == 200
    cached = c.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / "pan_003.png")).json()
    assert cached["status"] == "SUCCESS"


def _app_db(services) -> sqlite3.Connection:
    return sqlite3.connect(services["settings"].db_path, timeout=30)


def test_a_job_nobody_polls_lands_in_the_record(services, dev_dir):
    """No status call, no list call: the worker's outcome reaches the record through the app's
    done list and its consumer thread (read here straight from the app's database file)."""
    c = services["client"]
    sub = c.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / "voter_000.png"))
    assert sub.status_code == 202, sub.text
    job_id, h = sub.json()["job_id"], sub.json()["file_hash"]

    def landed():
        db = _app_db(services)
        try:
            st = db.execute("select status, result from ocr_jobs where id = ?", [job_id]).fetchone()
            doc = db.execute("select document_type, result from documents where file_hash = ?", [h]).fetchone()
        finally:
            db.close()
        return (st, doc) if st and st[0] == "SUCCESS" and doc else None

    (status, job_result), (doc_type, sealed) = _wait(landed, 180, "the job to land in the record")
    assert job_result is None and doc_type == "VOTER_ID" and sealed.startswith("enc:v1:")  # one copy, encrypted
    doc = c.get(f"{API}/documents/{h}").json()
    assert doc["review_status"] == "pending" and any(i["type"] == "EPIC" for i in doc["ids"])


def test_delete_leaves_nothing_of_the_document_in_redis_or_the_app(services, dev_dir):
    import redis

    c = services["client"]
    sub = c.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / "pan_001.png")).json()
    job_id, h = sub["job_id"], sub["file_hash"]
    _wait(lambda: c.get(f"{API}/documents/{h}").status_code == 200, 180, "the job's document")
    r = redis.Redis.from_url(services["redis"].url)
    r.set(f"celery-task-meta-{job_id}", b'{"status": "SUCCESS"}')  # as if the consumer had not removed it yet
    assert c.delete(f"{API}/documents/{h}").status_code == 204
    assert c.get(f"{API}/documents/{h}").status_code == 404
    assert c.get(f"{API}/paddleocr/status/{job_id}").status_code == 404  # the job row went too
    for key in r.keys("*"):
        assert h.encode() not in key and job_id.encode() not in key, key
        kind = r.type(key)
        values = r.lrange(key, 0, -1) if kind == b"list" else [r.get(key)] if kind == b"string" else []
        assert not any(job_id.encode() in (v or b"") or h.encode() in (v or b"") for v in values), key
    pan = json.loads((dev_dir / "pan_001.gt.json").read_text())["ids"]["PAN"][0]
    d = Path(services["settings"].db_path)
    at_rest = b"".join(p.read_bytes() for p in (d, d.with_name(d.name + "-wal")) if p.exists())
    files = d.parent / "files"
    assert not (files.exists() and any(p.name == h for p in files.rglob("*")))
    assert pan.encode() not in at_rest and b"pan_001" not in at_rest
    db = _app_db(services)
    try:
        for table in ("documents", "ocr_jobs", "cache", "corrections", "id_index"):
            assert db.execute(f"select count(*) from {table} where file_hash = ?", [h]).fetchone()[0] == 0, table
    finally:
        db.close()


def _slow_pdf(dev_dir: Path, n: int) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for p in sorted(dev_dir.glob("*.png"))[:n]:
        page = doc.new_page(width=506, height=319)
        page.insert_image(page.rect, filename=str(p))
    return doc.tobytes()


def test_worker_killed_mid_job_then_completes(services, dev_dir):
    c = services["client"]
    data = _slow_pdf(dev_dir, 5)
    sub = c.post(f"{API}/paddleocr/predict-async", files={"file": ("five.pdf", data, "application/pdf")}).json()
    job_id = sub["job_id"]
    _poll(c, job_id, until=("STARTED",), timeout=60)
    log1 = services["workers"][0].log
    _wait(lambda: job_id.encode() in log1.read_bytes(), 10, "the worker to receive the job")
    services["workers"][0].kill()  # SIGKILL mid-OCR: no chance to acknowledge or requeue
    assert c.get(f"{API}/paddleocr/status/{job_id}").json()["status"] in ("STARTED", "RETRY")
    w2 = Worker(services["env"], services["dir"] / "worker2.log", "w2")
    services["workers"].append(w2)
    job = _poll(c, job_id, timeout=240)
    assert job["status"] == "SUCCESS", job
    assert job["attempts"] == 2  # the lost delivery counts
    assert len(job["result"]["pages"]) == 5 and job["result"]["media_type"] == "application/pdf"
    assert job_id.encode() in w2.log.read_bytes()  # the second worker did it


def test_redis_down_async_503_sync_ok(services, dev_dir):
    c = services["client"]
    pending = c.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / "pan_004.png")).json()["job_id"]
    for w in services["workers"]:
        w.stop()  # so the job stays unfinished
    services["redis"].stop()
    r = c.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / "pan_000.png"))
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error"] == "queue_unavailable" and "Redis" in body["detail"] and "predict" in body["detail"]
    assert int(r.headers["Retry-After"]) > 0
    s = c.get(f"{API}/paddleocr/status/{pending}")
    assert s.status_code in (200, 503), s.text
    if s.status_code == 200:  # only when it finished before the workers stopped
        assert s.json()["status"] == "SUCCESS"
    else:
        assert s.json()["error"] == "queue_unavailable"
    ok = c.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png"))
    assert ok.status_code == 200 and ok.json()["document_ids"]["PAN"] == ["EDYPK5645N"]
    h = c.get(f"{API}/health").json()
    assert h["status"] == "degraded" and h["redis"]["ok"] is False
