"""ocr_worker.tasks: the Celery task's retry options are the core's one retry policy (bad input is
never retried). The task itself runs on real workers in tests/test_celery.py."""
import pytest

pytest.importorskip("celery")

from ocr_core.errors import InputError  # noqa: E402
from ocr_core.jobs import RETRY_POLICY, BaseBackend, EmbeddedBackend, queue_backend  # noqa: E402
from ocr_worker.jobs_celery import CeleryBackend  # noqa: E402
from ocr_worker.tasks import scan_file  # noqa: E402


def test_the_task_retries_by_the_core_policy():
    assert scan_file.max_retries == RETRY_POLICY.max_attempts - 1
    assert InputError in scan_file.dont_autoretry_for
    assert scan_file.retry_backoff_max == RETRY_POLICY.backoff_max and scan_file.acks_late
    assert scan_file.reject_on_worker_lost  # a killed pool process: requeued at once by the main process


def test_the_task_retries_only_what_can_succeed_later():
    import redis

    from ocr_core.errors import EngineError

    retried = scan_file.autoretry_for
    assert Exception not in retried and BaseException not in retried
    for e in (EngineError("model"), OSError("disk"), TimeoutError(), MemoryError(), redis.ConnectionError("down")):
        assert isinstance(e, retried), e
    for e in (ValueError("bug"), KeyError("bug"), TypeError("bug"), AssertionError()):
        assert not isinstance(e, retried), e  # a programming error fails the same way every time


def test_heartbeat_interval_and_keys():
    from ocr_worker import heartbeat

    assert heartbeat.interval(30) == 7.5 and heartbeat.interval(1) == 0.5
    assert heartbeat.index_key({}) == "unacked_index"
    assert heartbeat.index_key({"global_keyprefix": "p:", "unacked_index_key": "u"}) == "p:u"


def test_the_core_finds_the_celery_backend_registered_as_an_entry_point():
    assert queue_backend() is CeleryBackend  # ocr_desk.job_backends: celery (pyproject.toml)
    assert callable(queue_backend().forget)  # what record.erase.delete_document calls (jobs.forget_queued) after a deletion
    assert CeleryBackend.wait is BaseBackend.wait is EmbeddedBackend.wait  # one wait() for both backends
