"""Background OCR jobs: one interface for submitting and polling, whatever runs them.

- `Job` is one uploaded file on its way through OCR; `JobStore` keeps jobs in the SQLite table
  ``ocr_jobs``: a job's status and its file hash, the reference to the document record
  (`record.repository`), which holds the result once. Any backend may reuse the store.
- `JobBackend` is the protocol the pages, the CLI and the API use: `submit`, `get`, `list`,
  `shutdown`.
- `EmbeddedBackend` runs jobs in a bounded thread pool (``OCR_WORKERS``) in this process. The
  uploaded bytes are kept (encrypted, named by hash) in `ocr_core.files` before a job is queued,
  so a job survives a page reload, and jobs left PENDING/STARTED/RETRY by a process that died are
  picked up again when a backend starts.
- `RETRY_POLICY` is the one retry policy of every backend: a failure that can succeed later (an
  engine, I/O or memory error: `RetryPolicy.retry_on`) is retried with exponential backoff up to a limit, then the job is FAILURE with
  its error kept; bad input (`InputError`) fails at once and is never retried.
- `wait()` (`BaseBackend.wait`) blocks until jobs are done, whatever the backend.
- `get_backend()` gives the process-wide backend: when a broker URL is configured, the queue
  backend registered as ``celery`` in the ``ocr_desk.job_backends`` entry points (`ocr_core.plugins`:
  the core names no adapter and imports no queue framework), else the embedded one.
"""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

from . import crypto, files, plugins
from .config import Settings, get_settings
from .errors import EngineError, InputError, QueueUnavailableError
from .logs import log
from .models import DocumentResult
from .pipeline import sha256
from .record import repository
from .store import connect

if TYPE_CHECKING:
    import sqlite_utils

PENDING, STARTED, RETRY, SUCCESS, FAILURE = "PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE"
STATUSES = (PENDING, STARTED, RETRY, SUCCESS, FAILURE)
ACTIVE = (PENDING, STARTED, RETRY)
DONE = (SUCCESS, FAILURE)



@dataclass(frozen=True)
class RetryPolicy:
    """Which failures are tried again, how often and after how long (every backend uses `RETRY`)."""

    max_attempts: int = 3  # OCR attempts (deliveries, a lost worker's included) before FAILURE
    backoff: float = 1.0  # wait before retry n is backoff * 2 ** (n - 1), at most backoff_max
    backoff_max: float = 300.0
    never: tuple[type[BaseException], ...] = (InputError,)  # bad input: the same file fails the same way
    # what can succeed later: the engine (a model that failed to load or ran out of memory:
    # onnxruntime and paddle raise RuntimeError subclasses), I/O and the network (OSError covers
    # ConnectionError and TimeoutError), memory. A programming error (TypeError, ValueError,
    # KeyError...) fails the same way on the same file: not retried.
    retry_on: tuple[type[BaseException], ...] = (EngineError, QueueUnavailableError, OSError, MemoryError,
                                                 RuntimeError)

    def retryable(self, e: BaseException) -> bool:
        return isinstance(e, self.retry_on) and not isinstance(e, self.never)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.backoff_max, self.backoff * 2 ** (attempt - 1))


RETRY_POLICY = RetryPolicy()
MAX_ATTEMPTS = RETRY_POLICY.max_attempts
BACKOFF_SECONDS = RETRY_POLICY.backoff
QUEUE_BACKEND = "celery"  # the job backend (plugins.JOB_BACKENDS entry point) used with a broker URL

ScanFn = Callable[..., DocumentResult]  # (data, filename, *, engine, lang, settings) -> DocumentResult


@dataclass
class Job:
    id: str
    filename: str
    file_hash: str
    status: str
    result: dict[str, Any] | None  # the record's DocumentResult.to_dict(unmask=True) once SUCCESS; never shown as is
    created_at: float
    started_at: float | None = None
    completed_at: float | None = None
    error: str | None = None
    attempts: int = 0
    batch_id: str | None = None
    engine: str | None = None
    lang: str | None = None
    error_code: str | None = None
    worker: str | None = None  # "host:pid" of the process running it (STARTED)

    @property
    def done(self) -> bool:
        return self.status in DONE

    def document(self) -> DocumentResult | None:
        return DocumentResult.from_dict(self.result) if self.result else None

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.completed_at:
            return self.completed_at - self.started_at
        return None

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        """JSON-ready; the result is masked (Aadhaar/VID) unless unmask."""
        d = asdict(self)
        d.pop("worker", None)
        if self.result is not None:
            d["result"] = self.result if unmask else DocumentResult.from_dict(self.result).to_dict()
        return d


# ---------------------------------------------------------------- storage (the ocr_jobs table, see schema)
_FIELDS = tuple(Job.__dataclass_fields__)


def _row_to_job(row: dict[str, Any], db=None) -> Job:
    row = dict(row)
    row["result"] = repository.load_dict(row["file_hash"], db) if db is not None and row.get("status") == SUCCESS \
        else None  # the record's result: a job row holds none
    row["filename"] = crypto.decrypt_maybe(row.get("filename"))
    row["attempts"] = row.get("attempts") or 0
    return Job(**{k: row.get(k) for k in _FIELDS})


class JobStore:
    """The ``ocr_jobs`` table (this class owns it). A job holds no result (the document record
    does); file names are stored encrypted (`crypto.encrypt_maybe`)."""

    def __init__(self, settings: Settings | None = None, db: sqlite_utils.Database | None = None) -> None:
        self.settings = settings or get_settings()
        self._db = db

    @property
    def db(self):
        return self._db or connect(self.settings.db_path)

    def create(self, filename: str, file_hash: str, *, engine: str | None = None, lang: str | None = None,
               batch_id: str | None = None, job_id: str | None = None, status: str = PENDING) -> Job:
        job = Job(id=job_id or str(uuid.uuid4()), filename=filename, file_hash=file_hash, status=status,
                  result=None, created_at=time.time(), batch_id=batch_id, engine=engine, lang=lang)
        row = asdict(job)
        row["result"] = None
        row["filename"] = crypto.encrypt_maybe(filename)
        self.db["ocr_jobs"].insert(row)
        return job

    def update(self, job_id: str, **fields: Any) -> None:
        unknown = set(fields) - set(_FIELDS) - {"id"}
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        if fields.pop("result", None) is not None:
            raise ValueError("a job keeps no result: keep it in the document record (record.keep)")
        if "filename" in fields:
            fields["filename"] = crypto.encrypt_maybe(fields["filename"])
        if fields.get("error"):  # kept in clear: Aadhaar/VID masked (privacy, the one filter)
            from .privacy import mask_text

            fields["error"] = mask_text(fields["error"])
        if fields:
            self.db["ocr_jobs"].update(job_id, fields)

    def claim(self, job_id: str, worker: str) -> bool:
        """Atomically move a PENDING/RETRY job (or one STARTED by `worker` itself) to STARTED."""
        cur = self.db.execute(
            "update ocr_jobs set status = ?, started_at = ?, worker = ? where id = ? and "
            "(status in (?, ?) or (status = ? and worker = ?))",
            [STARTED, time.time(), worker, job_id, PENDING, RETRY, STARTED, worker])
        return cur.rowcount == 1

    def get(self, job_id: str) -> Job | None:
        rows = list(self.db.query("select * from ocr_jobs where id = ?", [job_id]))
        return _row_to_job(rows[0], self.db) if rows else None

    def list(self, *, batch_id: str | None = None, status: str | tuple[str, ...] | None = None,
             limit: int = 1000, with_results: bool = True) -> list[Job]:
        where, params = [], []
        if batch_id is not None:
            where.append("batch_id = ?")
            params.append(batch_id)
        if status:
            st = (status,) if isinstance(status, str) else tuple(status)
            where.append(f"status in ({','.join('?' * len(st))})")
            params.extend(st)
        cols = "*" if with_results else ", ".join(f for f in _FIELDS if f != "result") + ", null as result"
        db = self.db if with_results else None
        sql = f"select {cols} from ocr_jobs"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by created_at, rowid limit ?"
        return [_row_to_job(r, db) for r in self.db.query(sql, [*params, int(limit)])]

    def find_by_hash(self, file_hash: str, *, statuses: tuple[str, ...] | None = None,
                     engine: str | None = None, lang: str | None = None) -> Job | None:
        """The newest job for this file (optionally in one of `statuses`, for an engine/lang)."""
        sql, params = "select * from ocr_jobs where file_hash = ?", [file_hash]
        if statuses:
            sql += f" and status in ({','.join('?' * len(statuses))})"
            params.extend(statuses)
        if engine is not None:
            sql += " and engine = ?"
            params.append(engine)
        if lang is not None:
            sql += " and lang = ?"
            params.append(lang)
        rows = list(self.db.query(sql + " order by created_at desc limit 1", params))
        return _row_to_job(rows[0], self.db) if rows else None

    def reusable(self, file_hash: str, *, engine: str, lang: str, batch_id: str | None) -> Job | None:
        """The job a re-submitted file should get back: its job while queued or running, or a
        finished one in the same batch (or outside any batch). None: create a new job."""
        prev = self.find_by_hash(file_hash, statuses=(*ACTIVE, SUCCESS), engine=engine, lang=lang)
        if prev is not None and (prev.status in ACTIVE or batch_id is None or prev.batch_id == batch_id):
            return prev
        return None

    def counts(self, batch_id: str | None = None, *, present_only: bool = False) -> dict[str, int]:
        """Jobs per status (every status, or only those some job has)."""
        sql, params = "select status, count(*) n from ocr_jobs", []
        if batch_id is not None:
            sql, params = sql + " where batch_id = ?", [batch_id]
        out = {} if present_only else {s: 0 for s in STATUSES}
        for r in self.db.query(sql + " group by status", params):
            out[r["status"]] = r["n"]
        return out

    def batches(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest batches: batch_id, n (jobs), started (time of the first job)."""
        return list(self.db.query("select batch_id, count(*) n, min(created_at) started from ocr_jobs where batch_id "
                                  "is not null group by batch_id order by started desc limit ?", [limit]))

    def active_hashes(self) -> set[str]:
        """Files that a PENDING, STARTED or RETRY job still needs."""
        return {r[0] for r in self.db.execute(
            f"select distinct file_hash from ocr_jobs where status in ({','.join('?' * len(ACTIVE))})", ACTIVE)}

    def list_active_for(self, file_hash: str) -> list[str]:
        """The ids of this file's PENDING, STARTED or RETRY jobs."""
        return [r[0] for r in self.db.execute(
            f"select id from ocr_jobs where file_hash = ? and status in ({','.join('?' * len(ACTIVE))})",
            [file_hash, *ACTIVE])]

    def ids_for(self, file_hash: str) -> list[str]:
        """The ids of this file's jobs."""
        return [r[0] for r in self.db.execute("select id from ocr_jobs where file_hash = ?", [file_hash])]

    def delete_for(self, file_hash: str) -> int:
        """Delete this file's job rows (its document is erased); plain statement, stays in the
        caller's transaction."""
        return self.db.conn.execute("delete from ocr_jobs where file_hash = ?", [file_hash]).rowcount

    def purge(self, cutoff: float) -> int:
        """Delete finished jobs completed (or created) before `cutoff`."""
        return self.db.execute(
            f"delete from ocr_jobs where status not in ({','.join('?' * len(ACTIVE))}) "
            "and coalesce(completed_at, created_at) < ?", [*ACTIVE, cutoff]).rowcount


# ---------------------------------------------------------------- the interface
class JobBackend(Protocol):
    def submit(self, data: bytes, filename: str, *, engine: str | None = None, lang: str | None = None,
               batch_id: str | None = None) -> Job: ...

    def get(self, job_id: str) -> Job | None: ...

    def list(self, *, batch_id: str | None = None, limit: int = 1000) -> list[Job]: ...

    def shutdown(self) -> None: ...

    def wait(self, job_ids: list[str], timeout: float = 300.0, poll: float | None = None) -> list[Job]: ...


class BaseBackend:
    """What every backend shares beyond the protocol: `wait`."""

    POLL_SECONDS = 0.1

    def get(self, job_id: str) -> Job | None:  # pragma: no cover - every backend defines it
        raise NotImplementedError

    def wait(self, job_ids: list[str], timeout: float = 300.0, poll: float | None = None) -> list[Job]:
        """Block until every job is SUCCESS or FAILURE (or the timeout passes); the jobs as last seen."""
        deadline = time.monotonic() + timeout
        while True:
            jobs = [self.get(j) for j in job_ids]
            if all(j is not None and j.done for j in jobs) or time.monotonic() > deadline:
                return [j for j in jobs if j is not None]
            time.sleep(poll or self.POLL_SECONDS)


def default_scan(data: bytes, filename: str, *, engine: str | None, lang: str | None,
                 settings: Settings) -> DocumentResult:
    from .pipeline import scan

    return scan(data, filename=filename, engine=engine, lang=lang, settings=settings, source_label="job")


def run_attempt(store: JobStore, job: Job, scan_fn: ScanFn | None = None) -> Job:
    """Run one OCR attempt of a claimed (STARTED) job and record SUCCESS, or raise.

    Shared by every backend. Raises `InputError` for a bad file and anything else for a failure
    worth retrying; the caller decides (see `EmbeddedBackend._run`)."""
    data = files.get(job.file_hash, store.settings)
    if data is None:
        raise InputError("the uploaded file is no longer stored; upload it again")
    attempts = (job.attempts or 0) + 1
    store.update(job.id, attempts=attempts)
    result = (scan_fn or default_scan)(data, job.filename, engine=job.engine, lang=job.lang,
                                       settings=store.settings)
    if store.get(job.id) is None:
        return None  # the document was deleted meanwhile: nothing of it is kept
    from .record.keeping import keep

    keep(result, data, settings=store.settings)
    store.update(job.id, status=SUCCESS, completed_at=time.time(), error=None, error_code=None)
    return store.get(job.id)  # type: ignore[return-value]


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


def submission(data: bytes, filename: str, engine: str | None, lang: str | None,
               settings: Settings) -> tuple[bytes, str, str, str]:
    """What every backend's submit starts from: (bytes, file hash, engine, lang); an empty file is
    refused here, before anything is queued."""
    data = bytes(data)
    if not data:
        raise InputError(f"{filename}: the file is empty")
    return data, sha256(data), engine or settings.ocr_engine, lang or settings.ocr_model_lang


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


# ---------------------------------------------------------------- the process-wide backend
_BACKENDS: dict[tuple[str, str | None], JobBackend] = {}
_BACKENDS_LOCK = threading.Lock()


def get_backend(settings: Settings | None = None) -> JobBackend:
    """The backend for these settings, one per process (and database): Celery when a broker URL is
    configured, else the embedded pool."""
    settings = settings or get_settings()
    key = (str(settings.db_path), settings.broker_url)
    with _BACKENDS_LOCK:
        backend = _BACKENDS.get(key)
        if backend is None:
            if settings.broker_url:
                backend = queue_backend()(settings)
            else:
                backend = EmbeddedBackend(settings)
            _BACKENDS[key] = backend
    return backend


def queue_backend(name: str = QUEUE_BACKEND) -> Callable[..., Any]:
    """The queue backend class registered as `name` (`plugins.JOB_BACKENDS`): called with the
    settings it gives a `JobBackend`; its `forget(settings, file_hash, job_ids)` drops what the
    queue holds of a deleted document."""
    try:
        return plugins.load(plugins.JOB_BACKENDS, name)
    except (plugins.PluginNotFound, ImportError) as e:
        raise RuntimeError(f"a broker URL is configured but the job backend {name!r} cannot be loaded: {e}") from e


def forget_queued(settings: Settings, file_hash: str, job_ids: list[str]) -> None:
    """Drop what the queue backend keeps of a deleted document (its queued file, its results)."""
    queue_backend().forget(settings, file_hash, job_ids)


def reset_backends(wait: bool = True) -> None:
    """Shut down every process-wide backend (tests, settings changes, an API process that stops:
    `wait=False` leaves the embedded pool's running jobs to the next process)."""
    with _BACKENDS_LOCK:
        for b in _BACKENDS.values():
            if isinstance(b, EmbeddedBackend):
                b.shutdown(wait=wait)
            else:
                b.shutdown()
        _BACKENDS.clear()
