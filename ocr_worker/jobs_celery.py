"""`CeleryBackend`: the job interface of `ocr_core.jobs` on Celery workers (Redis broker).

The app keeps its jobs in its own ``ocr_jobs`` table (`JobStore`). Workers on other machines never
touch the app's SQLite file: the app puts the file bytes (encrypted) in Redis under
``ocr:file:<sha256>``, the task takes the hash, and the result comes back sealed; the app then
keeps it like any scan (`ocr_core.record.keeping.keep`: the record for review and every output, the
result cache's index).

Results reach the document record without anyone polling: each job names the app's done list
(``ocr:done:<app>``, one per app database) and the task pushes its sealed outcome onto it;
`ResultConsumer`, a daemon thread in every process that holds a `CeleryBackend` (the API, the
desk, the batch command), moves one message at a time to a work list (BLMOVE), keeps the result
in the record (`record.keeping.keep`), marks the job, removes the message and the result backend's copy,
and deletes the queued upload (``ocr:file:<sha256>``) and the job's attempt counter from Redis at
that moment (the upload stays while another unfinished job of the same file needs it).
A message is removed only after it is kept, so an app that stops mid-way finds it again at
start; keeping is idempotent, so two processes on one database may both consume. At start the
consumer also asks the result backend once about every unfinished job (a job queued by an
older app that named no list). Why a Redis list and not Celery's task events: events are
broadcast to whoever listens at that moment (a restart loses them) and carry no result; the list
is durable, ordered, needs no extra service and works with any worker pool.

With Redis configured but unreachable, `submit` and status calls raise `QueueUnavailableError`
at once (the API answers 503); synchronous scans do not need Redis.
`ocr_core.jobs.get_backend` loads this class by name when a broker URL is configured.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time

import redis
from celery import Celery
from celery.result import AsyncResult

from ocr_core import crypto, files
from ocr_core.config import Settings, get_settings
from ocr_core.errors import QueueUnavailableError
from ocr_core.jobs import FAILURE, PENDING, RETRY, STARTED, SUCCESS, BaseBackend, Job, JobStore, submission
from ocr_core.logs import log
from ocr_core.models import DocumentResult
from ocr_core.pipeline import cache_version
from ocr_core.record.keeping import keep
from ocr_core.store import ResultCache

TASK = "ocr_core.scan_file"  # the task's wire name, kept across the move to ocr_worker
REFRESH_LIMIT = 200  # unfinished jobs polled per list() call
DONE_KEY = "ocr:done:{}"  # the app's list of finished jobs (see ResultConsumer)
RESULT_KEY = "celery-task-meta-{}"  # Celery's Redis result backend key


def done_key(settings: Settings) -> str:
    """One list per app database: every process on that database may consume it."""
    return DONE_KEY.format(hashlib.sha256(str(os.path.realpath(settings.db_path)).encode()).hexdigest()[:16])


class CeleryBackend(BaseBackend):
    POLL_SECONDS = 0.25

    def __init__(self, settings: Settings | None = None, *, app: Celery | None = None, consume: bool = True) -> None:
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
        self._finish_lock = threading.Lock()
        self.done_key = done_key(self.settings)
        self.consumer = ResultConsumer(self) if consume else None
        if self.consumer is not None:
            self.consumer.start()

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
                keep(DocumentResult.from_dict(hit), data, settings=self.settings)
                self.store.update(job.id, status=SUCCESS, started_at=now, completed_at=now, attempts=0)
                return self.store.get(job.id)  # type: ignore[return-value]
            self.ping()
            try:
                self._put_file(self.redis, file_hash, data)
            except (redis.RedisError, OSError) as e:
                raise self._unavailable(e) from e
            files.put(file_hash, data, self.settings)  # the app's own copy, for review once the result is back
            job = self.store.create(filename, file_hash, engine=engine, lang=lang, batch_id=batch_id)
            try:
                self.app.send_task(TASK, args=[file_hash, filename, engine, lang],
                                   kwargs={"done_key": self.done_key}, task_id=job.id,
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

    @staticmethod
    def forget(settings: Settings, file_hash: str, job_ids: list[str]) -> None:
        """What Redis holds of a deleted document goes (`forget`; the core's `jobs.forget_queued`)."""
        forget(settings, file_hash, job_ids)

    def shutdown(self) -> None:
        if self.consumer is not None:
            self.consumer.stop()
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
            self._release(job)
            self.store.update(job.id, status=FAILURE, error=f"the worker failed: {type(payload).__name__}",
                              error_code="worker_error", completed_at=now,
                              attempts=max(job.attempts or 0, self._attempts(job.id)))
        elif state in (STARTED, RETRY):
            attempts = max(job.attempts or 0, self._attempts(job.id), 1)
            if job.status != state or not job.started_at or attempts != job.attempts:
                self.store.update(job.id, status=state, started_at=job.started_at or now, attempts=attempts)
        elif state == PENDING and job.status not in (PENDING, RETRY):
            # delivered again after its worker was lost, waiting for another worker
            self.store.update(job.id, status=RETRY, error="the worker stopped during OCR; queued again")
        return self.store.get(job.id) or job

    def _finish(self, job: Job, payload: dict, now: float) -> None:
        """Keep a worker's outcome: the result in the record, the job's status (idempotent; the
        consumer and a status call may both get there)."""
        with self._finish_lock:
            current = self.store.get(job.id)
            if current is None or current.done:
                return
            self._keep(current, payload, now)

    def _attempts(self, job_id: str) -> int:
        """The deliveries the workers counted for this job (0 when unknown)."""
        from .tasks import attempts_of

        try:
            return attempts_of(self.redis, job_id)
        except (redis.RedisError, OSError, ValueError):
            return 0

    def _release(self, job: Job) -> None:
        """The job is over: its queued upload and its attempt counter leave Redis now (the upload
        stays only while another unfinished job of the same file needs it)."""
        from .tasks import ATTEMPTS_KEY, FILE_KEY, FILE_TTL

        others = [j for j in self.store.list_active_for(job.file_hash) if j != job.id]
        try:
            pipe = self.redis.pipeline()
            pipe.delete(ATTEMPTS_KEY.format(job.id))
            if others:
                pipe.expire(FILE_KEY.format(job.file_hash), FILE_TTL)
            else:
                pipe.delete(FILE_KEY.format(job.file_hash))
            pipe.execute()
        except (redis.RedisError, OSError):  # the worker's short expiry (DONE_TTL) still removes it
            log.warning("removing a finished job's upload from Redis failed",
                        extra={"event": "release_error", "job_id": job.id})

    def _keep(self, job: Job, payload: dict, now: float) -> None:
        # the worker's count (a delivery refused for having too many attempts is not one), else Redis's
        attempts = int(payload.get("attempts") or 0) or max(job.attempts or 0, self._attempts(job.id), 1)
        self._release(job)
        if payload.get("status") != SUCCESS:
            self.store.update(job.id, status=FAILURE, error=payload.get("error") or "failed",
                              error_code=payload.get("error_code") or "job_error", completed_at=now,
                              attempts=attempts)
            log.warning("job failed", extra={"event": "job_failure", "job_id": job.id,
                                             "code": payload.get("error_code"), "attempts": attempts})
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
        # kept like any scan here: the record (for review and every output) and the cache's index
        ResultCache(self.settings).put(doc.file_hash, doc.engine_version, doc.to_dict(unmask=True))
        keep(doc, files.get(doc.file_hash, self.settings), settings=self.settings)
        self.store.update(job.id, status=SUCCESS, completed_at=now, error=None, error_code=None,
                          started_at=job.started_at or now, attempts=attempts)


class ResultConsumer(threading.Thread):
    """Keeps the workers' results in the record as they finish (see the module's docstring)."""

    def __init__(self, backend: CeleryBackend, block: float = 1.0) -> None:
        super().__init__(name="ocr-results", daemon=True)
        self.backend, self.block = backend, block
        self.work_key = backend.done_key + ":work"
        self.client = redis.Redis.from_url(backend.url, socket_connect_timeout=2, socket_timeout=block + 5)
        self._stop_event = threading.Event()
        self.delivered = 0

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        swept = False
        while not self._stop_event.is_set():
            try:
                if not swept:
                    self._recover()
                    swept = True
                raw = self.client.blmove(self.backend.done_key, self.work_key, self.block, "RIGHT", "LEFT")
                if raw is None:
                    continue
                self.deliver(raw)
                self.client.lrem(self.work_key, 1, raw)
            except (redis.RedisError, OSError):
                self._stop_event.wait(2.0)  # Redis away: try again; nothing is lost meanwhile
            except Exception:  # noqa: BLE001 - one bad message must not stop the consumer
                log.exception("keeping a job result failed", extra={"event": "consume_error"})
                self._stop_event.wait(1.0)

    def _recover(self) -> None:
        """Messages a stopped consumer had taken go back on the list; unfinished jobs are asked
        about once (jobs queued before the app named its list)."""
        while self.client.lmove(self.work_key, self.backend.done_key, "RIGHT", "RIGHT") is not None:
            pass
        for job in self.backend.store.list(status=(PENDING, STARTED, RETRY), limit=REFRESH_LIMIT,
                                           with_results=False):
            self.backend._refresh(job)

    def deliver(self, raw: bytes | str) -> None:
        msg = json.loads(raw)
        job_id, payload = str(msg.get("job_id") or ""), msg.get("payload") or {}
        job = self.backend.store.get(job_id)
        if job is not None and not job.done:
            self.backend._finish(job, payload, time.time())
            self.delivered += 1
            log.info("job result kept", extra={"event": "job_consumed", "job_id": job_id})
        # kept in the record, or the document was deleted meanwhile (the list is this database's):
        # Redis needs no copy
        self.client.delete(RESULT_KEY.format(job_id))


def forget(settings: Settings, file_hash: str, job_ids: list[str]) -> None:
    """A deleted document leaves nothing in Redis: its queued file, its jobs' results and done
    messages. No revoke (Celery would store a REVOKED result for it): a task still queued finds
    its file gone and fails, a running one finishes; either way the consumer finds no job for the
    outcome and removes its result."""
    from .tasks import ATTEMPTS_KEY, FILE_KEY

    client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.delete(FILE_KEY.format(file_hash), *[RESULT_KEY.format(j) for j in job_ids],
                      *[ATTEMPTS_KEY.format(j) for j in job_ids])
        key = done_key(settings)
        wanted = set(job_ids)
        for lst in (key, key + ":work"):
            for raw in client.lrange(lst, 0, -1):
                try:
                    if json.loads(raw).get("job_id") in wanted:
                        client.lrem(lst, 0, raw)
                except ValueError:
                    continue
    except (redis.RedisError, OSError):
        log.warning("deleting a document's data in Redis failed", extra={"event": "forget_error",
                                                                          "file_hash": file_hash[:16]})
    finally:
        client.close()
