"""A bounded exit for the served API (`python -m ocr_core api`, `uvicorn --factory ocr_api.app:main_app`).

What an API process runs besides its requests: the OCR calls of requests in flight (worker
threads of `OCRSlots`), the process-wide job backend (the embedded pool's threads, or the Celery
result consumer, a daemon thread), the retention timer (a daemon thread) and no FastAPI
BackgroundTasks. On SIGTERM uvicorn stops accepting, waits API_SHUTDOWN_TIMEOUT seconds for the
requests in flight (its `timeout_graceful_shutdown`) and cancels the rest; then the app's lifespan
ends here: the retention timer is stopped (by the lifespan), the job backend is shut down without
waiting (queued jobs stay PENDING in ``ocr_jobs``, a running one is left STARTED and resumed by the
next process, see `EmbeddedBackend.resume`), and a watchdog ends the process `EXIT_GRACE` seconds
later if an OCR call still holds a thread (a cancelled request's scan cannot be interrupted and
its answer has nobody to go to; SQLite writes are transactions and files are written by rename,
so nothing is left half-written).
"""
from __future__ import annotations

import os
import threading
import time

from ocr_core.jobs import reset_backends
from ocr_core.logs import log

EXIT_GRACE = 2.0  # seconds after the lifespan ends before a process still held by OCR threads exits


def after_serving() -> threading.Thread:
    """Shut the job backend down without waiting and arm the exit watchdog (a daemon thread:
    a process that exits on its own before it fires is not held by it)."""
    t0 = time.monotonic()
    reset_backends(wait=False)

    def watchdog() -> None:
        time.sleep(EXIT_GRACE)
        busy = [t.name for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
        log.warning("exit: threads still busy after the graceful shutdown", extra={
            "event": "api_exit_forced", "threads": len(busy), "seconds": round(time.monotonic() - t0, 1)})
        os._exit(0)

    th = threading.Thread(target=watchdog, name="ocr-exit-watchdog", daemon=True)
    th.start()
    return th
