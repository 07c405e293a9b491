"""The delivery heartbeat: a job held by a live worker is never delivered twice, a job held by a
worker that died is delivered again after CELERY_VISIBILITY_TIMEOUT seconds.

How the Redis transport (kombu) redelivers: a message handed to a worker is kept, until it is
acknowledged, in the ``unacked`` hash and the ``unacked_index`` sorted set, scored with the time
it was handed out; every worker restores to the queue the messages whose score is older than the
visibility timeout. Alone, that forces a choice: a short timeout re-runs the job of a lost worker
soon but also hands a scan that runs longer than it to a second worker; a long one (Celery's
usual hour) leaves the job of a lost worker waiting that long.

The heartbeat removes the choice. A daemon thread in the worker's main process (the one that
holds the messages and acknowledges them, whatever the pool) re-scores, every
`interval(visibility)` seconds, the messages this worker holds (reserved, waiting for their
countdown, or running): ``ZADD unacked_index XX <now> <tag>`` (XX: an acknowledged message is
never put back). While the worker lives its jobs stay invisible however long a scan takes; once
the whole worker is gone (main process killed, machine lost) its messages are older than the
timeout within `visibility` seconds and another worker takes them. A pool process killed alone
is handled at once by Celery (reject_on_worker_lost: the main process requeues its message).

What it cannot tell apart: a worker whose main process is stopped (SIGSTOP, a frozen VM) or cut
from Redis for longer than the timeout looks dead; its job is run a second time elsewhere (the app
keeps the first outcome; the second is ignored).
"""
from __future__ import annotations

import threading
import time
from typing import Any

from ocr_core.logs import log


def interval(visibility: float) -> float:
    """Seconds between beats: four beats per timeout, so one or two missed ones are harmless."""
    return max(0.5, visibility / 4)


def held_tags() -> list[str]:
    """The delivery tags of every message this worker process holds (celery.worker.state)."""
    from celery.worker import state

    tags = []
    for req in list(state.requests.values()):
        tag = getattr(getattr(req, "message", None), "delivery_tag", None)
        if tag:
            tags.append(tag if isinstance(tag, str) else str(tag))
    return tags


def index_key(options: dict[str, Any]) -> str:
    return f"{options.get('global_keyprefix', '')}{options.get('unacked_index_key', 'unacked_index')}"


class Heartbeat(threading.Thread):
    def __init__(self, broker_url: str, options: dict[str, Any]) -> None:
        import redis

        super().__init__(name="ocr-heartbeat", daemon=True)
        self.key = index_key(options)
        self.every = interval(float(options.get("visibility_timeout", 3600)))
        self.client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=5)
        self._stop_event = threading.Event()
        self.beats = 0

    def beat(self) -> int:
        """Re-score the held messages now; the number re-scored."""
        tags = held_tags()
        if not tags:
            return 0
        now = time.time()
        return int(self.client.zadd(self.key, {t: now for t in tags}, xx=True, ch=True) or 0)

    def run(self) -> None:
        while not self._stop_event.wait(self.every):
            try:
                self.beat()
                self.beats += 1
            except Exception as e:  # noqa: BLE001 - Redis away: the next beat tries again
                log.warning("heartbeat failed", extra={"event": "heartbeat_error", "error": type(e).__name__})

    def stop(self) -> None:
        self._stop_event.set()


_current: Heartbeat | None = None


def start(app) -> Heartbeat | None:
    """Start the heartbeat of this worker (Redis brokers only); called on worker_ready."""
    global _current
    url = app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://", "unix://")) or _current is not None:
        return _current
    _current = Heartbeat(url, dict(app.conf.broker_transport_options or {}))
    _current.start()
    log.info("delivery heartbeat started", extra={"event": "heartbeat_start", "every": _current.every})
    return _current


def stop() -> None:
    global _current
    if _current is not None:
        _current.stop()
        _current = None
