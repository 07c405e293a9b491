"""`EmbeddedBackend`: jobs run in a bounded thread pool (``OCR_WORKERS``) in this process.

The uploaded bytes are kept (encrypted, named by hash) in `ocr_core.files` before a job is queued,
so a job survives a page reload, and jobs left PENDING/STARTED/RETRY by a process that died are
picked up again when a backend starts."""
from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .. import files
from ..config import Settings, get_settings
from ..errors import InputError
from ..logs import log
from ..record import repository
from .backend import BaseBackend, default_scan, run_attempt, submission
from .model import ACTIVE, FAILURE, RETRY, RETRY_POLICY, STARTED, SUCCESS, Job, RetryPolicy, ScanFn
from .table import JobStore


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(worker: str | None) -> bool:
    if not worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine: cannot tell, leave it alone
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


class EmbeddedBackend(BaseBackend):
    """A bounded pool of OCR workers in this process, persisted in ``ocr_jobs``."""

    def __init__(self, settings: Settings | None = None, *, workers: int | None = None,
                 scan_fn: ScanFn | None = None, max_attempts: int | None = None,
                 backoff: float | None = None, resume: bool = True, retry: RetryPolicy = RETRY_POLICY) -> None:
        self.settings = settings or get_settings()
        self.store = JobStore(self.settings)
        self.workers = workers or self.settings.ocr_workers
        self.scan_fn = scan_fn or default_scan
        self.retry = RetryPolicy(max(1, max_attempts or retry.max_attempts),
                                 retry.backoff if backoff is None else backoff, retry.backoff_max, retry.never,
                                 retry.retry_on)
        self.max_attempts = self.retry.max_attempts
        self.worker = _worker_id()
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="ocr-job")
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.resumed: list[str] = []
        if resume:
            self.resumed = self.resume()

    # ---- interface
    def submit(self, data: bytes, filename: str, *, engine: str | None = None, lang: str | None = None,
               batch_id: str | None = None) -> Job:
        """Queue one file. The same file again returns its job while that is queued or running,
        or when it succeeded in the same batch (or outside any batch); in a new batch a finished
        duplicate gets a new job, which the result cache serves at once."""
        if self._closed:
            raise RuntimeError("the job backend is shut down")
        data, file_hash, engine, lang = submission(data, filename, engine, lang, self.settings)
        with self._lock:
            prev = self.store.reusable(file_hash, engine=engine, lang=lang, batch_id=batch_id)
            if prev is not None:
                return prev
            files.put(file_hash, data, self.settings)
            job = self.store.create(filename, file_hash, engine=engine, lang=lang, batch_id=batch_id)
        log.info("job submitted", extra={"event": "job_submit", "job_id": job.id, "file_hash": file_hash[:16],
                                         "batch_id": batch_id})
        self._enqueue(job.id)
        return job

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def list(self, *, batch_id: str | None = None, limit: int = 1000) -> list[Job]:
        return self.store.list(batch_id=batch_id, limit=limit)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work. Queued jobs stay PENDING/RETRY in the table for the next start."""
        self._closed = True
        with self._lock:
            for t in self._timers:
                t.cancel()
            self._timers.clear()
        self._pool.shutdown(wait=wait, cancel_futures=True)

    # ---- helpers beyond the protocol
    def resume(self) -> list[str]:
        """Queue again the jobs a dead process left PENDING, STARTED or RETRY."""
        ids = []
        for job in self.store.list(status=ACTIVE, limit=1_000_000, with_results=False):
            if job.status == STARTED and job.worker != self.worker and _pid_alive(job.worker):
                continue  # a live process is running it
            if job.status == STARTED and (job.attempts or 0) >= self.max_attempts:
                self._fail(job.id, "the worker stopped during OCR too many times", "worker_lost")
                continue  # a file that keeps killing its worker is not tried again
            if job.status == STARTED:
                self.store.update(job.id, status=RETRY, worker=None, error="the worker stopped during OCR")
            ids.append(job.id)
            self._enqueue(job.id)
        if ids:
            log.info("jobs resumed", extra={"event": "job_resume", "count": len(ids)})
        return ids

    # ---- internals
    def _enqueue(self, job_id: str) -> None:
        if not self._closed:
            self._pool.submit(self._run, job_id)

    def _later(self, delay: float, job_id: str) -> None:
        def fire() -> None:
            with self._lock:
                self._timers.discard(timer)
            self._enqueue(job_id)

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._lock:
            if self._closed:
                return
            self._timers.add(timer)
        timer.start()

    def _run(self, job_id: str) -> None:
        if not self.store.claim(job_id, self.worker):
            return  # done already, or another worker took it
        job = self.store.get(job_id)
        assert job is not None
        try:
            run_attempt(self.store, job, self.scan_fn)
            log.info("job done", extra={"event": "job_success", "job_id": job_id})
        except Exception as e:  # noqa: BLE001 - retried if it can succeed later (RETRY_POLICY), else kept
            if self.retry.retryable(e):
                self._retry_or_fail(job, e)
                return
            msg = str(e) if isinstance(e, InputError) else f"{type(e).__name__}: {e} (not retried: it would fail " \
                "the same way)"
            self._fail(job_id, msg, getattr(e, "code", "job_error"))
            files_in_use = repository.exists(job.file_hash, self.store.db)
            others = self.store.find_by_hash(job.file_hash, statuses=(*ACTIVE, SUCCESS))
            if not files_in_use and others is None:
                files.delete(job.file_hash, self.settings)  # a bad file is not kept

    def _retry_or_fail(self, job: Job, e: Exception) -> None:
        job_id = job.id
        attempts = (job.attempts or 0) + 1
        msg = f"{type(e).__name__}: {e}"
        code = getattr(e, "code", "job_error")
        if attempts >= self.retry.max_attempts:
            self._fail(job_id, msg, code)
            return
        delay = self.retry.delay(attempts)
        self.store.update(job_id, status=RETRY, error=msg, error_code=code, worker=None)
        log.warning("job retry", extra={"event": "job_retry", "job_id": job_id, "attempt": attempts,
                                        "delay": delay, "code": code})
        self._later(delay, job_id)

    def _fail(self, job_id: str, message: str, code: str) -> None:
        self.store.update(job_id, status=FAILURE, error=message, error_code=code, completed_at=time.time(),
                          worker=None)
        log.warning("job failed", extra={"event": "job_failure", "job_id": job_id, "code": code})
