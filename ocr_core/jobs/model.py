"""A job's statuses, its record (`Job`) and the one retry policy of every backend (`RETRY_POLICY`).

A failure that can succeed later (an engine, I/O or memory error: `RetryPolicy.retry_on`) is retried
with exponential backoff up to a limit, then the job is FAILURE with its error kept; bad input
(`InputError`) fails at once and is never retried."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable

from ..errors import EngineError, InputError, QueueUnavailableError
from ..models import DocumentResult


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
