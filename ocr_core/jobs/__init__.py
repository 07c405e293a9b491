"""Background OCR jobs: one interface for submitting and polling, whatever runs them.

Split by responsibility:
- `model`: the statuses, `Job` (one uploaded file on its way through OCR) and `RETRY_POLICY`, the
  one retry policy of every backend (`RetryPolicy`).
- `table`: `JobStore`, the ``ocr_jobs`` table (a job's status and file hash; the result lives once
  in the document record).
- `backend`: `JobBackend`, the protocol the pages, the CLI and the API use (`submit`, `get`,
  `list`, `shutdown`, `wait`), and what every backend shares (`BaseBackend`, `submission`,
  `run_attempt`).
- `embedded`: `EmbeddedBackend`, a bounded thread pool in this process (``OCR_WORKERS``).
- `select`: `get_backend()`, the process-wide backend (the queue backend registered in the
  ``ocr_desk.job_backends`` entry points when a broker URL is configured, else the embedded one).

The names below are the package's interface; import them from ``ocr_core.jobs``.
"""
from __future__ import annotations

from .backend import BaseBackend, JobBackend, default_scan, run_attempt, submission
from .embedded import EmbeddedBackend
from .model import (ACTIVE, BACKOFF_SECONDS, DONE, FAILURE, MAX_ATTEMPTS, PENDING, QUEUE_BACKEND, RETRY,
                    RETRY_POLICY, STARTED, STATUSES, SUCCESS, Job, RetryPolicy, ScanFn)
from .select import forget_queued, get_backend, queue_backend, reset_backends
from .table import JobStore

__all__ = ["ACTIVE", "BACKOFF_SECONDS", "DONE", "FAILURE", "MAX_ATTEMPTS", "PENDING", "QUEUE_BACKEND", "RETRY",
           "RETRY_POLICY", "STARTED", "STATUSES", "SUCCESS", "BaseBackend", "EmbeddedBackend", "Job", "JobBackend",
           "JobStore", "RetryPolicy", "ScanFn", "default_scan", "forget_queued", "get_backend", "queue_backend",
           "reset_backends", "run_attempt", "submission"]
