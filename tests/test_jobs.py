"""The job layer with the real thread pool, the real pipeline and a real SQLite file per test.

Born-digital PDFs (text layer, no OCR model call) keep most tests fast; one test runs the OCR
engine on a real image. The retry tests inject a scan callable that really raises on its first
attempt(s) and then calls the real pipeline: that is the only stand-in, and it is for a transient
engine failure that cannot be provoked on demand otherwise.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from ocr_core import files, jobs
from ocr_core.errors import InputError
from ocr_core.jobs import FAILURE, PENDING, RETRY, STARTED, SUCCESS, EmbeddedBackend, JobStore
from ocr_core.jobs.embedded import _pid_alive
from ocr_core.pipeline import sha256

ROOT = Path(__file__).resolve().parents[1]


def digital_pdfs(dev_dir: Path) -> list[Path]:
    return sorted(dev_dir.glob("*_digital.pdf"))


def test_submit_runs_real_ocr_and_keeps_result_encrypted_and_masked(settings, dev_dir, engine):
    be = EmbeddedBackend(settings, workers=2)
    try:
        data = (dev_dir / "aadhaar_000.png").read_bytes()
        job = be.submit(data, "aadhaar_000.png")
        assert job.status == PENDING and job.attempts == 0
        (done,) = be.wait([job.id], timeout=180)
    finally:
        be.shutdown()
    assert done.status == SUCCESS, done.error
    assert done.attempts == 1 and done.started_at and done.completed_at >= done.started_at
    assert done.document().document_type == "AADHAAR"
    # the result is kept once, in the document record (encrypted); the job row refers to it by hash
    assert be.store.db.execute("select result from ocr_jobs where id = ?", [job.id]).fetchone()[0] is None
    raw = be.store.db.execute("select result from documents where file_hash = ?", [job.file_hash]).fetchone()[0]
    assert raw.startswith("enc:v1:") and "215521093999" not in raw and "filename" not in raw
    cached = be.store.db.execute("select result from cache where file_hash = ?", [job.file_hash]).fetchall()
    assert cached == [(None,)]  # the cache is an index entry: no second copy
    # the public form is masked
    d = done.to_dict()
    assert d["result"]["document_ids"]["AADHAAR"] == ["XXXX XXXX 3999"]
    assert "215521093999" not in str(d) and "2155 2109 3999" not in str(d)
    # the document is kept for review; the queued upload is removed once scanned (STORE_ORIGINALS=false),
    # only its masked page images stay (encrypted)
    assert files.get(done.file_hash) is None and files.get_masked(done.file_hash, 1)
    assert be.store.db.execute("select count(*) from documents where file_hash = ?", [done.file_hash]).fetchone()[0] == 1


def test_concurrent_submits_from_many_threads(settings, dev_dir):
    pdfs = digital_pdfs(dev_dir)[:8]
    assert len(pdfs) >= 6
    be = EmbeddedBackend(settings, workers=2)
    got: list[jobs.Job] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(p: Path) -> None:
        try:
            for _ in range(2):  # every file twice: the duplicate gets the same job
                j = be.submit(p.read_bytes(), p.name, batch_id="b1")
                with lock:
                    got.append(j)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(p,)) for p in pdfs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        ids = {j.id for j in got}
        assert len(got) == 2 * len(pdfs) and len(ids) == len(pdfs)
        done = be.wait(sorted(ids), timeout=180)
    finally:
        be.shutdown()
    assert [j.status for j in done] == [SUCCESS] * len(pdfs), [j.error for j in done]
    assert all(j.attempts == 1 for j in done)  # nobody ran a job twice
    assert len(be.list(batch_id="b1")) == len(pdfs)
    assert be.store.counts("b1")[SUCCESS] == len(pdfs)
    # the same file in a new batch: a new job, served from the cache
    again = EmbeddedBackend(settings, workers=1)
    try:
        j = again.submit(pdfs[0].read_bytes(), pdfs[0].name, batch_id="b2")
        assert j.id not in ids
        (j,) = again.wait([j.id], timeout=60)
        assert j.status == SUCCESS and j.document().cached
        # while outside any batch the finished job is returned as is
        assert again.submit(pdfs[0].read_bytes(), pdfs[0].name).status == SUCCESS
    finally:
        again.shutdown()


def test_retry_with_backoff_then_success(settings, dev_dir):
    calls: list[float] = []

    def flaky(data, filename, **kw):
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("engine ran out of memory (injected, first attempt only)")
        return jobs.default_scan(data, filename, **kw)

    be = EmbeddedBackend(settings, workers=1, scan_fn=flaky, backoff=0.5)
    try:
        pdf = digital_pdfs(dev_dir)[0]
        job = be.submit(pdf.read_bytes(), pdf.name)
        seen = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            j = be.get(job.id)
            seen.add(j.status)
            if j.done:
                break
            time.sleep(0.02)
    finally:
        be.shutdown()
    assert j.status == SUCCESS and j.attempts == 2 and j.error is None
    assert RETRY in seen
    assert calls[1] - calls[0] >= 0.45  # waited for the backoff


def test_retries_exhausted_keep_the_error(settings, dev_dir):
    calls: list[float] = []

    def broken(data, filename, **kw):
        calls.append(time.monotonic())
        raise RuntimeError("model file unreadable (injected)")

    be = EmbeddedBackend(settings, workers=1, scan_fn=broken, max_attempts=3, backoff=0.2)
    try:
        pdf = digital_pdfs(dev_dir)[0]
        (j,) = be.wait([be.submit(pdf.read_bytes(), pdf.name).id], timeout=30)
    finally:
        be.shutdown()
    assert j.status == FAILURE and j.attempts == 3 and len(calls) == 3
    assert "model file unreadable" in j.error and j.error_code == "job_error"
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert gaps[0] >= 0.18 and gaps[1] >= 0.38  # exponential: 0.2 then 0.4


def test_bad_input_fails_at_once_and_others_go_on(settings, dev_dir):
    be = EmbeddedBackend(settings, workers=2)
    try:
        bad = be.submit(b"this is not an image", "notes.txt")
        pdf = digital_pdfs(dev_dir)[0]
        good = be.submit(pdf.read_bytes(), pdf.name)
        bad, good = be.wait([bad.id, good.id], timeout=60)
        with pytest.raises(InputError):
            be.submit(b"", "empty.png")
    finally:
        be.shutdown()
    assert bad.status == FAILURE and bad.attempts == 1 and bad.error_code == "unsupported_type"
    assert "Unsupported file" in bad.error
    assert not files.exists(bad.file_hash)  # a refused file is not kept
    assert good.status == SUCCESS


def test_an_error_a_retry_cannot_fix_fails_at_once(settings, dev_dir):
    calls = []

    def buggy(data, filename, **kw):  # stands for a programming error in the pipeline (injected)
        calls.append(filename)
        raise ValueError("unexpected layout")

    be = EmbeddedBackend(settings, workers=1, scan_fn=buggy, backoff=0.1)
    try:
        pdf = digital_pdfs(dev_dir)[0]
        (j,) = be.wait([be.submit(pdf.read_bytes(), pdf.name).id], timeout=30)
    finally:
        be.shutdown()
    assert j.status == FAILURE and j.attempts == 1 and len(calls) == 1
    assert j.error.startswith("ValueError: unexpected layout") and "not retried" in j.error


CHILD = textwrap.dedent("""
    import sys, time
    from ocr_core import jobs
    from ocr_core.logs import configure_logging
    configure_logging("WARNING")

    def slow(data, filename, **kw):  # stands for an OCR call that never gets to finish
        time.sleep(600)

    be = jobs.EmbeddedBackend(workers=1, scan_fn=slow)
    for p in sys.argv[1:]:
        be.submit(open(p, "rb").read(), p.rsplit("/", 1)[-1])
    time.sleep(600)
""")


def test_worker_killed_mid_job_is_resumed_by_the_next_process(settings, dev_dir, tmp_path):
    pdfs = digital_pdfs(dev_dir)[:3]
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), *map(str, pdfs)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL)
    try:
        # watch the database (not the child's output): three jobs, the first one running
        store = JobStore(settings)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            got = store.list()
            if len(got) == 3 and got[0].status == STARTED:
                break
            time.sleep(0.1)
        ids = [j.id for j in store.list()]
        assert len(ids) == 3, "the child process did not submit its jobs"
        assert [store.get(i).status for i in ids] == [STARTED, PENDING, PENDING]
        # a job STARTED by a live process is not taken by a backend starting meanwhile
        assert _pid_alive(store.get(ids[0]).worker)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert store.get(ids[0]).status == STARTED  # the dead process left it so
    assert not _pid_alive(store.get(ids[0]).worker)
    be = EmbeddedBackend(settings, workers=2)  # "restart"
    try:
        assert ids[0] in be.resumed
        done = be.wait(ids, timeout=120)
    finally:
        be.shutdown()
    assert [j.status for j in done] == [SUCCESS] * 3, [j.error for j in done]
    assert done[0].attempts == 2  # the killed attempt counts


def test_restart_resumes_started_pending_and_retry_jobs(settings, dev_dir):
    pdfs = digital_pdfs(dev_dir)[:3]
    store = JobStore(settings)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    left = []
    for p, status in zip(pdfs, (STARTED, PENDING, RETRY)):
        data = p.read_bytes()
        files.put(sha256(data), data)
        j = store.create(p.name, sha256(data), engine="paddleocr", lang="en")
        store.update(j.id, status=status, worker=f"{socket.gethostname()}:{dead}" if status == STARTED else None)
        left.append(j.id)
    be = EmbeddedBackend(settings, workers=2)
    try:
        assert sorted(be.resumed) == sorted(left)
        done = be.wait(left, timeout=120)
    finally:
        be.shutdown()
    assert [j.status for j in done] == [SUCCESS] * 3


def test_job_that_keeps_killing_its_worker_is_failed(settings, dev_dir):
    store = JobStore(settings)
    p = digital_pdfs(dev_dir)[0]
    data = p.read_bytes()
    files.put(sha256(data), data)
    j = store.create(p.name, sha256(data))
    store.update(j.id, status=STARTED, attempts=3, worker=f"{socket.gethostname()}:999999999")
    be = EmbeddedBackend(settings, workers=1)
    be.shutdown()
    j = store.get(j.id)
    assert j.status == FAILURE and j.error_code == "worker_lost"


def test_get_backend_is_one_per_process_and_database(settings):
    try:
        a = jobs.get_backend(settings)
        assert isinstance(a, EmbeddedBackend) and jobs.get_backend() is a
    finally:
        jobs.reset_backends()
    assert jobs.get_backend(settings) is not a
    jobs.reset_backends()


def test_one_retry_policy_retries_only_what_can_succeed_later():
    from ocr_core.errors import CorruptFileError, EngineError, InputError
    from ocr_core.jobs import RETRY_POLICY, RetryPolicy

    assert not RETRY_POLICY.retryable(InputError("bad")) and not RETRY_POLICY.retryable(CorruptFileError("bad"))
    assert RETRY_POLICY.retryable(EngineError("model failed")) and RETRY_POLICY.retryable(OSError("disk"))
    assert not RETRY_POLICY.retryable(ValueError("a bug")) and not RETRY_POLICY.retryable(KeyError("a bug"))
    assert [RetryPolicy(backoff=1.0, backoff_max=3).delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 3, 3]
