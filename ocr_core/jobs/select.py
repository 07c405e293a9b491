"""The process-wide backend (`get_backend`): when a broker URL is configured, the queue backend
registered as ``celery`` in the ``ocr_desk.job_backends`` entry points (`ocr_core.plugins`: the
core names no adapter and imports no queue framework), else the embedded one."""
from __future__ import annotations

import threading
from typing import Any, Callable

from .. import plugins
from ..config import Settings, get_settings
from .backend import JobBackend
from .embedded import EmbeddedBackend
from .model import QUEUE_BACKEND


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
