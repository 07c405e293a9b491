"""Jobs that recover, on real services: a `redis-server` and real prefork Celery workers
(`celery -A ocr_worker.celery_app worker --pool prefork --concurrency 1`), the app's side through
`CeleryBackend` on its own SQLite file.

- a pool process SIGKILLed mid-scan: the worker's main process requeues the job at once, the next
  pool process runs it; the job ends SUCCESS with attempts == 2, and the upload leaves Redis as
  soon as the job is finished;
- a file whose pool process dies on every attempt ends FAILURE (worker_lost) after
  RETRY_POLICY.max_attempts, with its reason;
- a scan longer than the visibility timeout is not delivered to a second worker (the heartbeat);
- a whole worker (main process and pool) SIGKILLed: another worker runs the job after the
  visibility timeout.

The scans are made long enough by their size (multi-page PDFs of the dev cards), not by a hook;
the kill happens once the worker has counted the delivery (``ocr:attempts:<job>``), i.e. while
the pages are being read.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("celery")
psutil = pytest.importorskip("psutil")

from redis_server import redis_server  # noqa: E402
from service_helpers import cards_pdf, wait_for as _wait  # noqa: E402

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[1]
VT = 5  # CELERY_VISIBILITY_TIMEOUT of these workers: short, so the whole-worker case is quick
PAGES = 10


def _pdf(dev_dir: Path, start: int, n: int = PAGES) -> bytes:
    return cards_pdf(dev_dir, start, n)


class Worker:
    def __init__(self, env: dict[str, str], log: Path, name: str) -> None:
        self.log, self.name = log, name
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ocr_worker.celery_app", "worker", "--pool", "prefork",
             "--concurrency", "1", "--loglevel", "INFO", "-Q", "ocr", "--hostname", f"{name}@%h",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        _wait(lambda: self.proc.poll() is not None or b"ready." in log.read_bytes(), 240, f"worker {name}")
        assert self.proc.poll() is None, log.read_text()[-3000:]

    def pool_pid(self) -> int:
        kids = psutil.Process(self.proc.pid).children()
        assert len(kids) == 1, kids
        return kids[0].pid

    def received(self, job_id: str) -> int:
        return sum(1 for line in self.log.read_text(errors="replace").splitlines()
                   if "received" in line and job_id in line)

    def kill_all(self) -> None:  # the main process and its pool, as `docker kill` or a lost machine
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(20)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_all()


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    import redis

    from ocr_core.config import Settings
    from ocr_core.jobs import reset_backends
    from ocr_worker.jobs_celery import CeleryBackend

    d = tmp_path_factory.mktemp("recovery")
    with redis_server(d) as url:
        key_file = os.environ["OCR_KEY_FILE"]  # shared by the app and the workers, as in production
        env = {**os.environ, "DB_PATH": str(d / "worker.db"), "OCR_KEY_FILE": key_file, "REDIS_URL": url,
               "CELERY_VISIBILITY_TIMEOUT": str(VT), "OCR_ENGINE": "paddleocr", "LOG_LEVEL": "INFO"}
        env.pop("CELERY_BROKER_URL", None)
        env.pop("CELERY_RESULT_BACKEND", None)
        settings = Settings(db_path=d / "app.db", ocr_key_file=Path(key_file), redis_url=url,
                            celery_visibility_timeout=VT, ocr_engine="paddleocr")
        backend = CeleryBackend(settings)
        ctx = {"env": env, "dir": d, "backend": backend, "redis": redis.Redis.from_url(url), "workers": []}
        try:
            yield ctx
        finally:
            backend.shutdown()
            reset_backends()
            for w in ctx["workers"]:
                w.stop()


def _worker(svc, name: str) -> Worker:
    w = Worker(svc["env"], svc["dir"] / f"{name}.log", name)
    svc["workers"].append(w)
    return w


def _first(svc) -> Worker:
    return svc["workers"][0] if svc["workers"] else _worker(svc, "a")


def _attempts(svc, job_id: str) -> int:
    v = svc["redis"].get(f"ocr:attempts:{job_id}")
    return int(v) if v else 0


def _done(svc, job_id: str, timeout: float):
    return _wait(lambda: (lambda j: j if j.done else None)(svc["backend"].get(job_id)), timeout,
                 f"job {job_id} to finish")


def test_pool_process_killed_mid_scan_is_rerun_and_counted(svc, dev_dir):
    w = _worker(svc, "a")
    job = svc["backend"].submit(_pdf(dev_dir, 0), "ten.pdf", engine="paddleocr")
    _wait(lambda: _attempts(svc, job.id) == 1, 120, "the worker to start the scan")
    assert not svc["backend"].get(job.id).done  # mid-scan: ten pages take far longer than this
    os.kill(w.pool_pid(), signal.SIGKILL)
    t_kill = time.monotonic()
    done = _done(svc, job.id, 120)
    r = svc["redis"]
    gone = (r.exists(f"ocr:file:{job.file_hash}"), r.exists(f"ocr:attempts:{job.id}"))
    assert done.status == "SUCCESS", done
    assert done.attempts == 2, done  # the killed delivery counts
    assert gone == (0, 0)  # the upload left Redis as the job finished, not after a TTL
    assert len(done.document().pages) == PAGES
    assert w.proc.poll() is None and time.monotonic() - t_kill < 120
    assert w.received(job.id) == 2  # the same worker's main process requeued it at once


def test_a_file_that_kills_its_worker_every_time_ends_failure(svc, dev_dir):
    from ocr_core.jobs import RETRY_POLICY

    w = _first(svc)
    job = svc["backend"].submit(_pdf(dev_dir, 20), "killer.pdf", engine="paddleocr")
    for n in range(1, RETRY_POLICY.max_attempts + 1):
        _wait(lambda n=n: _attempts(svc, job.id) == n, 120, f"delivery {n}")
        os.kill(w.pool_pid(), signal.SIGKILL)
    done = _done(svc, job.id, 120)
    assert done.status == "FAILURE" and done.error_code == "worker_lost", done
    assert done.attempts == RETRY_POLICY.max_attempts
    assert "stopped each time" in done.error and "not tried again" in done.error
    assert not svc["redis"].exists(f"ocr:file:{job.file_hash}")


def test_long_scan_is_not_delivered_twice_then_whole_worker_lost_is_rerun(svc, dev_dir):
    a = _first(svc)
    b = _worker(svc, "b")  # idle: it would take any message whose visibility timeout ran out
    job = svc["backend"].submit(_pdf(dev_dir, 40, 24), "long.pdf", engine="paddleocr")
    done = _done(svc, job.id, 300)
    assert done.status == "SUCCESS" and done.attempts == 1, done
    # the scan outlived the timeout and the restore sweep (1 s at VT=5): without the heartbeat the
    # message would have gone back to the queue, to worker b
    assert done.completed_at - done.created_at > VT + 2
    assert a.received(job.id) + b.received(job.id) == 1  # the heartbeat kept it from worker b

    # the whole worker that holds the next job is killed: the other one runs it after VT seconds
    job2 = svc["backend"].submit(_pdf(dev_dir, 60), "lost.pdf", engine="paddleocr")
    _wait(lambda: _attempts(svc, job2.id) == 1, 120, "a worker to start the scan")
    holder, other = (a, b) if a.received(job2.id) else (b, a)
    holder.kill_all()
    t_kill = time.monotonic()
    done2 = _done(svc, job2.id, 120)
    assert done2.status == "SUCCESS" and done2.attempts == 2, done2
    assert other.received(job2.id) == 1 and time.monotonic() - t_kill < 120
    assert not svc["redis"].exists(f"ocr:file:{job2.file_hash}")
