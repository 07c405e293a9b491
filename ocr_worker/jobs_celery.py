"""`CeleryBackend`: the job interface of `ocr_core.jobs` on Celery workers (Redis broker).

The app keeps its jobs in its own ``ocr_jobs`` table (`JobStore`) and polls Celery for the ones
not finished. Workers on other machines never touch the app's SQLite file: the app puts the file
bytes (encrypted) in Redis under ``ocr:file:<sha256>``, the task takes the hash, and the result
comes back sealed through the result backend; the app then keeps it like any scan (documents for
review, its result cache). With Redis configured but unreachable, `submit` and polling raise
`QueueUnavailableError` at once (the API answers 503); synchronous scans do not need Redis.
`ocr_core.jobs.get_backend` loads this class by name when a broker URL is configured.
"""
from __future__ import annotations

import threading
import time

import redis
from celery import Celery
from celery.result import AsyncResult

from ocr_core import crypto, documents, files
from ocr_core.config import Settings, get_settings
from ocr_core.errors import OCRError, QueueUnavailableError
from ocr_core.jobs import FAILURE, PENDING, RETRY, STARTED, SUCCESS, BaseBackend, Job, JobStore, submission
from ocr_core.logs import log
from ocr_core.intake import keep_document
from ocr_core.models import DocumentResult
from ocr_core.pipeline import cache_version
from ocr_core.store import ResultCache, connect

TASK = "ocr_core.scan_file"  # the task's wire name, kept across the move to ocr_worker
REFRESH_LIMIT = 200  # unfinished jobs polled per list() call


class CeleryBackend(BaseBackend):
    POLL_SECONDS = 0.25

    def __init__(self, settings: Settings | None = None, *, app: Celery | None = None) -> None:
        from .celery_app import make_celery
        from .tasks import put_file

        self.settings = settings or get_settings()
        self.url = self.settings.broker_url
        if not self.url:
            raise ValueError("CeleryBackend needs CELERY_BROKER_URL or REDIS_URL")
        self.app = app or make_celery(self.settings)
        self.store = JobStore(self.settings)
        self.redis = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)
        self._put_file = put_file
        self._lock = threading.Lock()

    # ---- helpers
    def _unavailable(self, e: Exception) -> QueueUnavailableError:
        log.warning("job queue unreachable", extra={"event": "queue_unavailable", "error": type(e).__name__})
        return QueueUnavailableError("The job queue (Redis) is unreachable, so queued OCR is unavailable right now; "
                                     "retry later, or scan the file directly.")

    def ping(self) -> None:
        try:
            self.redis.ping()
        except (redis.RedisError, OSError) as e:
            raise self._unavailable(e) from e

    # ---- interface
    def submit(self, data: bytes, filename: str, *, engine: str | None = None, lang: str | None = None,
               batch_id: str | None = None) -> Job:
        """Queue one file on the workers. The same file again returns its unfinished job, or its
        result (a finished job, or the app's result cache) at once."""
        data, file_hash, engine, lang = submission(data, filename, engine, lang, self.settings)
        with self._lock:
            prev = self.store.reusable(file_hash, engine=engine, lang=lang, batch_id=batch_id)
            if prev is not None:
                return prev
            hit = ResultCache(self.settings).get(file_hash, cache_version(engine, lang, self.settings))
            if hit is not None:  # scanned here before: a finished job, no trip to the workers
                job = self.store.create(filename, file_hash, engine=engine, lang=lang, batch_id=batch_id)
                now = time.time()
                hit.update(filename=filename, cached=True)
                self.store.update(job.id, status=SUCCESS, result=hit, started_at=now, completed_at=now, attempts=0)
                return self.store.get(job.id)  # type: ignore[return-value]
            self.ping()
            try:
                self._put_file(self.redis, file_hash, data)
            except (redis.RedisError, OSError) as e:
                raise self._unavailable(e) from e
            files.put(file_hash, data, self.settings)  # the app's own copy, for review once the result is back
            job = self.store.create(filename, file_hash, engine=engine, lang=lang, batch_id=batch_id)
            try:
                self.app.send_task(TASK, args=[file_hash, filename, engine, lang], task_id=job.id,
                                   retry=True, retry_policy={"max_retries": 2, "interval_start": 0,
                                                             "interval_step": 0.5, "interval_max": 1})
            except Exception as e:  # noqa: BLE001 - the broker went away between ping and publish
                self.store.update(job.id, status=FAILURE, error="the job queue was unreachable",
                                  error_code="queue_unavailable", completed_at=time.time())
                raise self._unavailable(e) from e
        log.info("job submitted", extra={"event": "job_submit", "job_id": job.id, "file_hash": file_hash[:16],
                                         "batch_id": batch_id, "backend": "celery"})
        return job

    def get(self, job_id: str) -> Job | None:
        job = self.store.get(job_id)
        if job is None or job.done:
            return job
        self.ping()
        return self._refresh(job)

    def list(self, *, batch_id: str | None = None, limit: int = 1000) -> list[Job]:
        jobs = self.store.list(batch_id=batch_id, limit=limit)
        active = [j for j in jobs if not j.done][:REFRESH_LIMIT]
        if active:
            try:
                self.ping()
            except QueueUnavailableError:
                return jobs  # the stored states, as last seen
            fresh = {j.id: self._refresh(j) for j in active}
            jobs = [fresh.get(j.id, j) for j in jobs]
        return jobs

    def shutdown(self) -> None:
        try:
            self.redis.close()
        except Exception:  # noqa: BLE001
            pass

    # ---- helpers beyond the protocol
    def _refresh(self, job: Job) -> Job:
        """Bring one unfinished job up to date from Celery's result backend."""
        ar = AsyncResult(job.id, app=self.app)
        try:
            state = ar.state
            payload = ar.result if state in (SUCCESS, FAILURE) else None
        except (redis.RedisError, OSError) as e:
            raise self._unavailable(e) from e
        now = time.time()
        if state == SUCCESS and isinstance(payload, dict):
            self._finish(job, payload, now)
        elif state in (FAILURE, "REVOKED"):
            self.store.update(job.id, status=FAILURE, error=f"the worker failed: {type(payload).__name__}",
                              error_code="worker_error", completed_at=now)
        elif state in (STARTED, RETRY) and (job.status != state or not job.started_at):
            self.store.update(job.id, status=state, started_at=job.started_at or now,
                              attempts=max(job.attempts or 0, 1))
        elif state == PENDING and job.status not in (PENDING, RETRY):
            # delivered again after its worker was lost, waiting for another worker
            self.store.update(job.id, status=RETRY, error="the worker stopped during OCR; queued again")
        return self.store.get(job.id) or job

    def _finish(self, job: Job, payload: dict, now: float) -> None:
        if payload.get("status") != SUCCESS:
            self.store.update(job.id, status=FAILURE, error=payload.get("error") or "failed",
                              error_code=payload.get("error_code") or "job_error", completed_at=now)
            return
        try:
            result = crypto.unseal(payload["sealed"])
        except (KeyError, ValueError):
            self.store.update(job.id, status=FAILURE, error="the worker's result cannot be decrypted: the API and "
                              "the workers need the same OCR_ENCRYPTION_KEY", error_code="key_mismatch",
                              completed_at=now)
            return
        result["filename"] = job.filename
        doc = DocumentResult.from_dict(result)
        try:  # keep it like any scan here: for review, and in the app's result cache
            ResultCache(self.settings).put(doc.file_hash, doc.engine_version, doc.to_dict(unmask=True))
            keep_document(doc, files.get(doc.file_hash, self.settings), self.settings)
        except Exception:  # noqa: BLE001 - the job's result is kept below even if this fails
            log.exception("keeping a worker result failed", extra={"event": "job_keep_error", "job_id": job.id})
        self.store.update(job.id, status=SUCCESS, result=result, completed_at=now, error=None, error_code=None,
                          started_at=job.started_at or now, attempts=max(job.attempts or 0, 1))
