"""ocr_api.limits: the rate limit (the `limits` library) is shared by every API process through
Redis when REDIS_URL is set, and counted per process without it. Real redis-server, real apps."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from ocr_api import create_app  # noqa: E402
from ocr_api.limits import RateLimiter  # noqa: E402

from redis_server import free_port, redis_server  # noqa: E402

API = "/ocr-api"
pytestmark = pytest.mark.services


def _app(settings, **overrides) -> TestClient:
    return TestClient(create_app(settings.model_copy(update={"rate_limit_requests": 3, "rate_limit_period": 60,
                                                             **overrides}), warm_engine=False))


def _codes(client: TestClient, n: int) -> list[int]:
    return [client.get(f"{API}/paddleocr/status/none").status_code for _ in range(n)]


def test_two_api_processes_share_one_limit_through_redis(settings, tmp_path):
    with redis_server(tmp_path) as url:
        # like two uvicorn workers: two apps, two limiters, one Redis
        with _app(settings, redis_url=url) as a, _app(settings, redis_url=url) as b:
            assert _codes(a, 2) == [404, 404]
            assert _codes(b, 2) == [404, 429]  # the third request overall passes, the fourth does not
            r = a.get(f"{API}/jobs")
            assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
            assert r.json()["error"] == "rate_limited"
        import redis

        keys = redis.Redis.from_url(url).keys("*")
        assert keys and not any(b"testclient" in k for k in keys)  # clients are stored hashed


def test_without_redis_each_process_counts_its_own(settings):
    assert RateLimiter(3, 60).storage_uri == "memory://"
    with _app(settings) as a, _app(settings) as b:
        assert _codes(a, 4) == [404, 404, 404, 429]
        assert _codes(b, 3) == [404, 404, 404]


def test_unreachable_redis_limits_in_process_instead_of_failing(settings):
    limiter = RateLimiter(2, 60, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    assert [limiter.hit("ip:10.0.0.1") for _ in range(2)] == [1, 0]
    from ocr_api.limits import RateLimited

    with pytest.raises(RateLimited) as e:
        limiter.hit("ip:10.0.0.1")
    assert 1 <= e.value.retry_after <= 60
    assert limiter.hit("ip:10.0.0.2") == 1  # per client still


def test_pixel_budget_is_shared_through_redis_and_counts_cost(tmp_path):
    from ocr_api.limits import PixelBudget, RateLimited

    with redis_server(tmp_path) as url:
        a, b = PixelBudget(100_000_000, url), PixelBudget(100_000_000, url)  # two API processes
        assert a.requests == 100 and a.period == 60  # counted in megapixels a minute
        assert a.hit("key:ana", 60) == 40
        with pytest.raises(RateLimited) as e:
            b.hit("key:ana", 50)  # 60 + 50 > 100, whichever process counts it
        assert 1 <= e.value.retry_after <= 60
        assert b.hit("key:ana", 40) == 0
        assert b.hit("key:raj", 100) == 0  # per caller
        import redis

        keys = redis.Redis.from_url(url).keys("*")
        assert len(keys) <= 8 and not any(b"ana" in k for k in keys)  # a counter per caller, hashed


def test_metrics_are_rate_limited_on_a_budget_of_their_own(settings):
    """/metrics and /metrics/prometheus share RATE_LIMIT_METRICS_REQUESTS; the OCR routes keep
    theirs; /health stays free (liveness probes)."""
    with _app(settings, rate_limit_metrics_requests=4) as c:
        codes = [c.get(f"{API}/metrics").status_code for _ in range(3)]
        codes.append(c.get(f"{API}/metrics/prometheus").status_code)
        assert codes == [200, 200, 200, 200]
        for path in ("/metrics", "/metrics/prometheus"):
            r = c.get(f"{API}{path}")
            assert r.status_code == 429 and r.json()["error"] == "rate_limited", path
            assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert _codes(c, 3) == [404, 404, 404]  # the routes' own budget (3) is untouched
        assert {c.get(f"{API}/health").status_code for _ in range(20)} == {200}
