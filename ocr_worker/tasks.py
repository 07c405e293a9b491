"""Celery tasks: thin adapters over `ocr_core.pipeline.scan`.

`scan_file(file_hash, filename, engine, lang)` takes the file hash: the API put the file's bytes,
encrypted with the shared key (OCR_ENCRYPTION_KEY), in Redis under ``ocr:file:<sha256>``. The
worker scans them without any cache (it keeps nothing of the person at rest: only its scan log,
never the API's SQLite file; the app checks its own cache before queueing) and returns, through
the result backend, a small summary plus the full result sealed with the same key: nothing
readable about a person (no Aadhaar/VID) sits in Redis or in Flower.

Every delivery of a job is counted in Redis (``ocr:attempts:<job_id>``, INCR when the task starts):
a retry after an error, a redelivery after the pool process was killed (acks_late +
reject_on_worker_lost: the worker's main process requeues it at once) and one after the whole
worker was lost (the visibility timeout, see `heartbeat`) all count. The outcome carries the
count and the app keeps it in the job row; a job delivered more than `RETRY_POLICY.max_attempts`
times ends FAILURE (``worker_lost``) without another scan: a file that kills its worker is not
tried for ever.

The outcome is also pushed, as ``{"job_id", "payload"}``, onto the Redis list the app named when it
queued the job (``done_key``, see `jobs_celery.ResultConsumer`), once Celery has stored the result
(the task_success / task_failure signals): the app's consumer thread keeps it in the document
record at once, without anyone polling and before the result backend's expiry.
"""
from __future__ import annotations

import json
import threading
import time

import redis
from celery.signals import task_failure, task_success

from ocr_core import crypto
from ocr_core.config import get_settings
from ocr_core.errors import InputError
from ocr_core.jobs import RETRY_POLICY
from ocr_core.logs import log
from ocr_core.pipeline import scan, sha256

from .celery_app import app

FILE_KEY = "ocr:file:{}"
ATTEMPTS_KEY = "ocr:attempts:{}"  # deliveries of one job (INCR at each start)
FILE_TTL = 7 * 24 * 3600  # seconds the bytes wait in Redis for a worker
DONE_TTL = 300  # only if no app keeps the outcome: the app deletes the file as soon as it does
# what a retry can fix (the core's policy plus the broker's own errors); anything else is final
RETRY_ON = (*RETRY_POLICY.retry_on, redis.ConnectionError, redis.TimeoutError)
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def redis_client(url: str | None = None) -> redis.Redis:
    url = url or get_settings().broker_url or "redis://127.0.0.1:6379/0"
    with _lock:
        c = _clients.get(url)
        if c is None:
            c = _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    return c


def put_file(client: redis.Redis, file_hash: str, data: bytes) -> None:
    client.set(FILE_KEY.format(file_hash), crypto.fernet().encrypt(data), ex=FILE_TTL)


def fetch_file(client: redis.Redis, file_hash: str) -> bytes | None:
    token = client.get(FILE_KEY.format(file_hash))
    return crypto.fernet().decrypt(token) if token is not None else None


def _failure(file_hash: str, code: str, message: str, attempts: int | None = None) -> dict:
    out = {"status": "FAILURE", "file_hash": file_hash, "error_code": code, "error": message}
    if attempts:
        out["attempts"] = attempts
    return out


def count_attempt(client: redis.Redis, job_id: str) -> int:
    """This delivery's number (1 for the first): INCR, kept as long as the file would be."""
    pipe = client.pipeline()
    pipe.incr(ATTEMPTS_KEY.format(job_id))
    pipe.expire(ATTEMPTS_KEY.format(job_id), FILE_TTL)
    return int(pipe.execute()[0])


def attempts_of(client: redis.Redis, job_id: str) -> int:
    v = client.get(ATTEMPTS_KEY.format(job_id))
    return int(v) if v else 0


def announce(client: redis.Redis, done_key: str | None, job_id: str, payload: dict) -> None:
    """Push the job's outcome onto the app's done list (kept as long as the file would be)."""
    if not done_key:
        return
    pipe = client.pipeline()
    pipe.lpush(done_key, json.dumps({"job_id": job_id, "payload": payload}))
    pipe.expire(done_key, FILE_TTL)
    pipe.execute()


@app.task(bind=True, name="ocr_core.scan_file", acks_late=True, reject_on_worker_lost=True,
          autoretry_for=RETRY_ON, dont_autoretry_for=RETRY_POLICY.never,
          max_retries=RETRY_POLICY.max_attempts - 1, retry_backoff=max(1, round(RETRY_POLICY.backoff)),
          retry_backoff_max=int(RETRY_POLICY.backoff_max), retry_jitter=True)
def scan_file(self, file_hash: str, filename: str, engine: str | None = None, lang: str | None = None,
              done_key: str | None = None) -> dict:
    """OCR the file stored under its hash (the task takes an id, never the bytes). The retry policy
    is the core's `RETRY_POLICY`, here in the decorator: a bad file is a FAILURE result, never
    retried; what can succeed later (`RETRY_ON`: engine, I/O, memory, the broker) is retried with
    exponential backoff up to its attempts; anything else (a programming error) fails at once. The
    outcome goes to the result backend and then (`_announce_success`) onto `done_key`, the app's
    list."""
    return _scan(self, redis_client(), file_hash, filename, engine, lang)


def _scan(self, client: redis.Redis, file_hash: str, filename: str, engine: str | None, lang: str | None) -> dict:
    from cryptography.fernet import InvalidToken

    if not client.exists(FILE_KEY.format(file_hash)):  # deleted, expired, or the job is finished already
        return _failure(file_hash, "file_expired", "the uploaded file is no longer queued; upload it again")
    attempt = count_attempt(client, self.request.id)
    if attempt > RETRY_POLICY.max_attempts:
        log.warning("job given up", extra={"event": "task_given_up", "task_id": self.request.id,
                                           "attempt": attempt})
        return _failure(file_hash, "worker_lost", f"the OCR of this file was started {attempt - 1} times and "
                        "its worker stopped each time (killed, or out of memory); it is not tried again",
                        attempts=attempt - 1)
    try:
        data = fetch_file(client, file_hash)
    except InvalidToken:
        return _failure(file_hash, "key_mismatch", "the worker cannot decrypt the file: the API and the workers "
                                                   "need the same OCR_ENCRYPTION_KEY")
    if data is None:
        return _failure(file_hash, "file_expired", "the uploaded file is no longer queued; upload it again")
    if sha256(data) != file_hash:
        return _failure(file_hash, "hash_mismatch", "the queued file does not match its hash")
    t0 = time.perf_counter()
    try:
        result = scan(data, filename=filename, engine=engine, lang=lang, source_label="worker", use_cache=False,
                      keep=False)
    except InputError as e:
        client.expire(FILE_KEY.format(file_hash), DONE_TTL)
        return _failure(file_hash, e.code, str(e), attempts=attempt)
    client.expire(FILE_KEY.format(file_hash), DONE_TTL)
    log.info("task done", extra={"event": "task_scan", "task_id": self.request.id, "file_hash": file_hash[:16],
                                 "cached": result.cached, "attempt": attempt})
    return {"status": "SUCCESS", "file_hash": file_hash, "document_type": result.document_type, "attempts": attempt,
            "pages": len(result.pages), "cached": result.cached, "seconds": round(time.perf_counter() - t0, 3),
            "sealed": crypto.seal(result.to_dict(unmask=True))}


@task_success.connect
def _announce_success(sender=None, result=None, **_: object) -> None:
    """Sent by Celery after the result is stored: the app's consumer, which removes the stored
    result once it kept it, never runs before it exists."""
    if getattr(sender, "name", None) != scan_file.name:
        return
    req = sender.request
    _announce(req.kwargs, req.id, result if isinstance(result, dict) else {})


@task_failure.connect
def _announce_failure(sender=None, task_id=None, exception=None, kwargs=None, **_: object) -> None:
    """Retries exhausted (or an error outside the scan): the app hears of it too."""
    if getattr(sender, "name", None) != scan_file.name:
        return
    try:
        attempts = attempts_of(redis_client(), task_id)
    except redis.RedisError:
        attempts = 0
    retried = isinstance(exception, RETRY_ON)
    why = f"after {attempts} attempts" if retried else "(an error a retry would not fix)"
    _announce(kwargs, task_id, _failure("", "worker_error", f"the worker failed {why}: {type(exception).__name__}",
                                        attempts=attempts))


def _announce(kwargs: dict | None, task_id: str, payload: dict) -> None:
    try:
        announce(redis_client(), (kwargs or {}).get("done_key"), task_id, payload)
    except redis.RedisError:  # the app's start-up sweep and status calls still find the outcome
        log.warning("cannot announce a finished job", extra={"event": "announce_error", "task_id": task_id})
