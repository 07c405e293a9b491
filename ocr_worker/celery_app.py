"""The Celery app for distributed OCR workers: `celery -A ocr_worker.celery_app worker`.

Broker and result backend come from the settings (CELERY_BROKER_URL or REDIS_URL, and
CELERY_RESULT_BACKEND, default the broker). JSON only; a task is acknowledged after it ran
(acks_late) and delivered again when its worker dies: a pool process killed alone at once
(task_reject_on_worker_lost: the main process requeues its message), a whole worker killed after
the Redis visibility timeout CELERY_VISIBILITY_TIMEOUT, which the heartbeat of every live worker
(`ocr_worker.heartbeat`) keeps from expiring under a long scan. Each worker process loads its
engine once, at start. Monitoring: `celery -A ocr_worker.celery_app flower`.
"""
from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init, worker_ready, worker_shutdown

from ocr_core.config import Settings, get_settings

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
QUEUE = "ocr"
MAX_TASKS_PER_CHILD = 200  # recycle a worker process after this many documents (memory)
RESULT_EXPIRES = 24 * 3600  # seconds a result stays in the result backend


def make_celery(settings: Settings | None = None) -> Celery:
    s = settings or get_settings()
    broker = s.broker_url or DEFAULT_BROKER
    vt = s.celery_visibility_timeout
    transport = {"visibility_timeout": vt, "unacked_restore_interval": max(1, min(10, vt // 3)),
                 "unacked_restore_throttle": 1, "socket_connect_timeout": 3, "socket_timeout": 10}
    app = Celery("ocr_worker", broker=broker, backend=s.celery_result_backend or broker, include=["ocr_worker.tasks"])
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"], result_accept_content=["json"],
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=MAX_TASKS_PER_CHILD, task_track_started=True,
        task_default_queue=QUEUE, result_expires=RESULT_EXPIRES, result_extended=True,
        broker_transport_options=transport, result_backend_transport_options={"socket_connect_timeout": 3},
        redis_socket_connect_timeout=3, redis_socket_timeout=10, redis_backend_health_check_interval=30,
        broker_connection_retry_on_startup=True, broker_connection_timeout=3,
        worker_send_task_events=True, task_send_sent_event=True,  # for Flower
        worker_hijack_root_logger=False, timezone="UTC",
    )
    return app


app = make_celery()


def _warm() -> None:
    """Load this worker process's engine (one per process) and its JSON logging."""
    from ocr_core.reread import engine as get_engine  # built with the documents' re-read policy
    from ocr_core.logs import configure_logging, log

    s = get_settings()
    configure_logging(s.log_level)
    get_engine(s.ocr_engine, s.ocr_model_lang)
    log.info("worker engine loaded", extra={"event": "worker_ready", "engine": s.ocr_engine, "pid": os.getpid()})


@worker_process_init.connect
def _warm_child(**_: object) -> None:  # prefork: once per child process
    _warm()


@worker_init.connect
def _warm_solo(sender=None, **_: object) -> None:  # solo/threads pools run tasks in the main process
    pool = getattr(sender, "pool_cls", "")
    name = f"{getattr(pool, '__module__', '')}.{getattr(pool, '__name__', pool)}".lower()
    if "solo" in name or "thread" in name:
        _warm()


@worker_ready.connect
def _start_heartbeat(sender=None, **_: object) -> None:  # the main process, whatever the pool
    from . import heartbeat

    heartbeat.start(getattr(sender, "app", None) or app)


@worker_shutdown.connect
def _stop_heartbeat(**_: object) -> None:
    from . import heartbeat

    heartbeat.stop()
