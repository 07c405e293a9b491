"""Per-client rate limiting and the bounded OCR slots of the API (no framework imports)."""
from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from typing import Any, Callable, TypeVar

import anyio.to_thread

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
    """Sliding-window log: at most `requests` per `period` seconds per client (in this process)."""

    MAX_CLIENTS = 100_000

    def __init__(self, requests: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.requests, self.period, self.clock = int(requests), float(period), clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> int:
        """Count one request; return the requests left, or raise `RateLimited`."""
        now = self.clock()
        with self._lock:
            q = self._hits.get(client)
            if q is None:
                if len(self._hits) >= self.MAX_CLIENTS:
                    self._prune(now)
                q = self._hits[client] = deque()
            while q and q[0] <= now - self.period:
                q.popleft()
            if len(q) >= self.requests:
                raise RateLimited(max(1, math.ceil(q[0] + self.period - now)))
            q.append(now)
            return self.requests - len(q)

    def _prune(self, now: float) -> None:
        for k in [k for k, q in self._hits.items() if not q or q[-1] <= now - self.period]:
            del self._hits[k]


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
