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


class WorkerCommand:
    """`ocr-desk worker`: registered in pyproject.toml ([project.entry-points."ocr_desk.commands"])."""

    help = "a Celery OCR worker on queue 'ocr' (needs CELERY_BROKER_URL or REDIS_URL)"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--concurrency", type=int, default=None, help="worker processes (default: CPU count)")
        parser.add_argument("--pool", default=None, help="Celery pool: prefork (default), solo, threads")

    def run(self, args) -> int:
        return int(run_worker(concurrency=args.concurrency, pool=args.pool) or 0)


command = WorkerCommand()
