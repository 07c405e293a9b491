"""Celery workers for OCR Review Desk: a thin adapter over `ocr_core` (the Celery app, its tasks and
the Celery job backend). Run: `celery -A ocr_worker.celery_app worker -Q ocr`."""
from __future__ import annotations


def run_worker(concurrency: int | None = None, pool: str | None = None, loglevel: str = "INFO") -> int:
    """`celery -A ocr_worker.celery_app worker -Q ocr` in this process (`ocr-desk worker`)."""
    from .celery_app import QUEUE, app

    argv = ["worker", "-Q", QUEUE, "--loglevel", loglevel]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    if pool:
        argv += ["--pool", pool]
    app.worker_main(argv)
    return 0
