"""`python -m ocr_core api` as a real uvicorn process: X-Forwarded-For is believed only from
FORWARDED_ALLOW_IPS (none by default: the rate limit keys on the TCP peer), and SIGTERM during a
load of OCR requests ends the process within API_SHUTDOWN_TIMEOUT + a few seconds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

from redis_server import free_port  # noqa: E402
from service_helpers import cards_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.services


class Api:
    def __init__(self, tmp: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/ocr-api"
        self.log = tmp / f"api-{self.port}.log"
        full = {**os.environ, "DB_PATH": str(tmp / "api.db"), "OCR_ENGINE": "paddleocr", "LOG_LEVEL": "INFO", **env}
        for k in ("REDIS_URL", "CELERY_BROKER_URL", "OCR_API_KEYS", "FORWARDED_ALLOW_IPS"):
            if k not in env:
                full.pop(k, None)
        self.proc = subprocess.Popen([sys.executable, "-m", "ocr_core", "api", "--port", str(self.port)], cwd=ROOT,
                                     env=full, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 240
        while True:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(self.base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(20)


@pytest.fixture
def api(tmp_path):
    started: list[Api] = []

    def start(**env: str) -> Api:
        started.append(Api(tmp_path, **env))
        return started[-1]

    yield start
    for a in started:
        a.stop()


def _jobs(a: Api, xff: str) -> int:
    return httpx.get(a.base + "/jobs", headers={"X-Forwarded-For": xff}, timeout=30).status_code


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(api):
    plain = api(RATE_LIMIT_REQUESTS="3")
    # a local client naming a new address on every request is still one client
    assert [_jobs(plain, f"203.0.113.{i}") for i in range(5)] == [200, 200, 200, 429, 429]
    plain.stop()
    proxied = api(RATE_LIMIT_REQUESTS="3", FORWARDED_ALLOW_IPS="127.0.0.1")
    # behind a trusted proxy each forwarded client has its own budget
    assert [_jobs(proxied, f"203.0.113.{i}") for i in range(5)] == [200] * 5
    assert [_jobs(proxied, "198.51.100.7") for _ in range(4)] == [200, 200, 200, 429]


def test_sigterm_under_load_exits_within_a_few_seconds(api, dev_dir):
    timeout = 2
    a = api(RATE_LIMIT_REQUESTS="1000", API_SHUTDOWN_TIMEOUT=str(timeout))
    answers: list[object] = []

    def post(i: int) -> None:
        try:
            r = httpx.post(a.base + "/pdf", files={"file": (f"load{i}.pdf", cards_pdf(dev_dir, i * 6, 6))}, timeout=300)
            answers.append(r.status_code)
        except httpx.HTTPError as e:
            answers.append(type(e).__name__)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()

    def running() -> int:
        r = httpx.get(a.base + "/metrics", timeout=10)
        return r.json()["ocr"]["running"] if r.status_code == 200 else 0

    deadline = time.monotonic() + 120
    while running() < 1:  # OCR calls in flight, more waiting for a slot
        assert time.monotonic() < deadline, "the load never reached the OCR"
        time.sleep(0.2)
    t0 = time.monotonic()
    a.proc.send_signal(signal.SIGTERM)
    a.proc.wait(60)
    seconds = time.monotonic() - t0
    for t in threads:
        t.join(60)
    # eight 6-page scans on two slots take far longer than this: most were cut off by the exit
    assert sum(1 for x in answers if x != 200) >= 4, answers
    assert seconds < timeout + 6, (seconds, a.log.read_text()[-2000:])
