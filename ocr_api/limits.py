"""Per-client rate limiting and pixel budget (the `limits` library) and the bounded OCR slots of the API."""
from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import deque
from typing import Any, Callable, TypeVar

import anyio.to_thread
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter as Strategy, SlidingWindowCounterRateLimiter

from ocr_core.logs import log

T = TypeVar("T")


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded; retry in {retry_after} s")
        self.retry_after = retry_after


class Busy(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the OCR queue is full; retry in {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    """At most `requests` per `period` seconds per client, a moving window from the `limits`
    library. `storage_uri` "redis://..." (REDIS_URL) makes every API process share one limit;
    "memory://" (no Redis) counts in this process. If Redis cannot be reached the limit is
    counted in this process meanwhile (logged), rather than refusing or failing every request."""

    RETRY_STORAGE = 30.0  # seconds before an unreachable storage is tried again
    NAMESPACE = "ocr-api"
    STRATEGY: type[Strategy] = MovingWindowRateLimiter

    def __init__(self, requests: int, period: int, storage_uri: str | None = None) -> None:
        self.requests, self.period = int(requests), int(period)
        self.item = RateLimitItemPerSecond(self.requests, self.period)
        self.storage_uri = storage_uri or "memory://"
        options = {"socket_connect_timeout": 1, "socket_timeout": 2} if self.storage_uri.startswith("redis") else {}
        self.storage = storage_from_string(self.storage_uri, wrap_exceptions=True, **options)
        self._limiter = self.STRATEGY(self.storage)
        shared = not self.storage_uri.startswith("memory")
        self._fallback = self.STRATEGY(MemoryStorage()) if shared else self._limiter
        self._down_until = 0.0  # after a storage error, count here for RETRY_STORAGE seconds

    @staticmethod
    def key(client: str) -> str:
        return hashlib.sha256(client.encode()).hexdigest()[:24]  # no address or key in the storage

    def hit(self, client: str, cost: int = 1) -> int:
        """Count one request (`cost` units); return the units left, or raise `RateLimited`."""
        key = self.key(client)
        if time.monotonic() >= self._down_until:
            try:
                return self._hit(self._limiter, key, cost)
            except StorageError as e:
                self._down_until = time.monotonic() + self.RETRY_STORAGE
                log.warning("rate-limit storage unreachable; counting in this process",
                            extra={"event": "rate_limit_storage", "error": type(e.storage_error).__name__})
        return self._hit(self._fallback, key, cost)

    def _hit(self, limiter: Strategy, key: str, cost: int) -> int:
        if not limiter.hit(self.item, self.NAMESPACE, key, cost=cost):
            stats = limiter.get_window_stats(self.item, self.NAMESPACE, key)
            raise RateLimited(min(self.period, max(1, math.ceil(stats.reset_time - time.time()))))
        return max(0, limiter.get_window_stats(self.item, self.NAMESPACE, key).remaining)

    def reset(self) -> None:
        self.storage.reset()


class PixelBudget(RateLimiter):
    """At most USER_PIXELS_PER_MINUTE pixels of uncached documents per caller per minute, counted
    in whole megapixels (`ocr_core.budget.Work.megapixels`) in a sliding-window counter (one
    counter per caller, whatever the cost: a moving window would keep one entry per unit), shared
    through Redis like the rate limit. `hit(client, megapixels)` raises `RateLimited`."""

    NAMESPACE = "ocr-api-pixels"
    STRATEGY = SlidingWindowCounterRateLimiter

    def __init__(self, pixels_per_minute: int, storage_uri: str | None = None) -> None:
        super().__init__(max(1, int(pixels_per_minute) // 1_000_000), 60, storage_uri)


class MetricsRateLimiter(RateLimiter):
    """RATE_LIMIT_METRICS_REQUESTS per RATE_LIMIT_PERIOD per client on /metrics and
    /metrics/prometheus: a budget apart, so a scraper neither eats nor is starved by the OCR
    routes' budget."""

    NAMESPACE = "ocr-api-metrics"


class OCRSlots:
    """At most `concurrency` OCR calls at once in worker threads, `queue` more waiting; beyond
    that `Busy` at once (the API answers 503 with Retry-After instead of piling requests up).

    Create it inside the running event loop (the app's lifespan)."""

    def __init__(self, concurrency: int, queue: int) -> None:
        self.concurrency, self.queue = int(concurrency), int(queue)
        self.capacity = self.concurrency + self.queue
        self._sem = asyncio.Semaphore(self.concurrency)
        self.in_flight = 0  # running + waiting
        self.running = 0
        self.rejected = 0
        self._recent: deque[float] = deque(maxlen=50)  # seconds per OCR call

    @property
    def waiting(self) -> int:
        return self.in_flight - self.running

    def retry_after(self) -> int:
        avg = sum(self._recent) / len(self._recent) if self._recent else 2.0
        return max(1, math.ceil(avg * (self.waiting + 1) / self.concurrency))

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.in_flight >= self.capacity:
            self.rejected += 1
            raise Busy(self.retry_after())
        self.in_flight += 1
        try:
            async with self._sem:
                self.running += 1
                t0 = time.perf_counter()
                try:
                    # not abandoned on cancellation: the slot stays taken until the thread is done
                    return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))
                finally:
                    self.running -= 1
                    self._recent.append(time.perf_counter() - t0)
        finally:
            self.in_flight -= 1

    def stats(self) -> dict[str, int]:
        return {"max_concurrency": self.concurrency, "queue_size": self.queue, "running": self.running,
                "waiting": self.waiting, "rejected": self.rejected}
