"""ocr_worker.tasks: the Celery task's retry options are the core's one retry policy (bad input is
never retried). The task itself runs on real workers in tests/test_celery.py."""
import pytest

pytest.importorskip("celery")

from ocr_core.errors import InputError  # noqa: E402
from ocr_core.jobs import CELERY_BACKEND, RETRY_POLICY, BaseBackend, EmbeddedBackend, load_backend  # noqa: E402
from ocr_worker.jobs_celery import CeleryBackend  # noqa: E402
from ocr_worker.tasks import scan_file  # noqa: E402


def test_the_task_retries_by_the_core_policy():
    assert scan_file.max_retries == RETRY_POLICY.max_attempts - 1
    assert InputError in scan_file.dont_autoretry_for
    assert scan_file.retry_backoff_max == RETRY_POLICY.backoff_max and scan_file.acks_late


def test_the_core_finds_the_celery_backend_by_name():
    assert load_backend(CELERY_BACKEND) is CeleryBackend
    assert CeleryBackend.wait is BaseBackend.wait is EmbeddedBackend.wait  # one wait() for both backends
