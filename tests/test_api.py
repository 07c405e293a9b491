"""The REST API against the real engine and a real SQLite file (FastAPI TestClient, in process).

Every test gets its own database (the `settings` fixture); the engine is loaded once per session.
"""
from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from ocr_api import create_app  # noqa: E402

API = "/ocr-api"
ROOT = Path(__file__).resolve().parents[1]


def _client(settings, **overrides) -> TestClient:
    s = settings.model_copy(update=overrides) if overrides else settings
    return TestClient(create_app(s))


@pytest.fixture
def client(settings, engine):
    from ocr_core.jobs import reset_backends

    with _client(settings) as c:
        yield c
    reset_backends()


def _upload(path: Path, name: str | None = None):
    return {"file": (name or path.name, path.read_bytes(), "application/octet-stream")}


def _assert_error(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["status"] == status and body["error"] and body["detail"]
    if code:
        assert body["error"] == code, body
    assert float(r.headers["X-Process-Time"]) >= 0
    return body


# ---------------------------------------------------------------- predict
def test_predict_pan_then_cached(client, dev_dir):
    r = client.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png"))
    assert r.status_code == 200, r.text
    d = r.json()
    for key in ("filename", "texts", "raw_text", "document_ids", "document_type", "execution_time", "cached"):
        assert key in d
    assert d["filename"] == "pan_000.png"
    assert d["document_type"] == "PAN"
    assert d["document_ids"]["PAN"] == ["EDYPK5645N"]
    assert any(i["type"] == "PAN" and i["valid"] for i in d["ids"])
    assert d["cached"] is False and d["masked"] is True
    assert "EDYPK5645N" in d["raw_text"]
    t = float(r.headers["X-Process-Time"])
    assert t > 0

    r2 = client.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png", "again.png"))
    assert r2.status_code == 200
    d2 = r2.json()
    assert d2["cached"] is True and d2["filename"] == "again.png"
    assert d2["document_ids"] == d["document_ids"] and d2["texts"] == d["texts"]
    assert float(r2.headers["X-Process-Time"]) < t  # no OCR the second time


def test_predict_masks_aadhaar_and_vid(client, dev_dir):
    gt = json.loads((dev_dir / "aadhaar_000.gt.json").read_text())
    number, vid = gt["ids"]["AADHAAR"][0].replace(" ", ""), gt["ids"]["VID"][0].replace(" ", "")
    r = client.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "aadhaar_000.png"))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["document_type"] == "AADHAAR"
    assert d["document_ids"]["AADHAAR"] == [f"XXXX XXXX {number[-4:]}"]
    assert d["document_ids"]["VID"] == [f"XXXX XXXX XXXX {vid[-4:]}"]
    digits = re.sub(r"\D", "", r.text)
    for secret in (number, vid):
        assert secret not in digits  # nowhere in the response, in any spacing
        assert " ".join(re.findall(".{4}", secret)) not in r.text


def test_tesseract_predict(client, dev_dir):
    r = client.post(f"{API}/tesseract/predict", files=_upload(dev_dir / "pan_000.png"))
    if r.status_code == 503:  # only where the Debian package is missing: the error says so
        assert "tesseract" in r.json()["detail"]
        return
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["engine"] == "tesseract" and d["engine_version"].startswith("tesseract")
    assert "EDYPK5645N" in d["raw_text"].replace(" ", "")


def _image_pdf(paths: list[Path]) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for p in paths:
        page = doc.new_page(width=506, height=319)
        page.insert_image(page.rect, filename=str(p))
    return doc.tobytes()


def test_pdf_per_page(client, dev_dir):
    data = _image_pdf([dev_dir / "pan_000.png", dev_dir / "pan_001.png"])
    r = client.post(f"{API}/pdf", files={"file": ("two.pdf", data, "application/pdf")})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["media_type"] == "application/pdf" and d["page_count"] == 2
    pages = d["page_results"]
    assert [p["number"] for p in pages] == [1, 2]
    assert all(p["source"] == "ocr" for p in pages)
    gt1 = json.loads((dev_dir / "pan_001.gt.json").read_text())["ids"]["PAN"][0]
    assert [i["value"] for i in pages[0]["ids"] if i["type"] == "PAN"] == ["EDYPK5645N"]
    assert [i["value"] for i in pages[1]["ids"] if i["type"] == "PAN"] == [gt1]
    assert set(d["document_ids"]["PAN"]) == {"EDYPK5645N", gt1}


def test_pdf_text_layer_and_wrong_type(client, dev_dir):
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "INCOME TAX DEPARTMENT Permanent Account Number ABCPE1234F", fontsize=9)
    r = client.post(f"{API}/pdf", files={"file": ("t.pdf", doc.tobytes(), "application/pdf")})
    assert r.status_code == 200, r.text
    assert r.json()["page_results"][0]["source"] == "text_layer"
    assert "ABCPE1234F" in r.json()["page_results"][0]["raw_text"]
    _assert_error(client.post(f"{API}/pdf", files=_upload(dev_dir / "pan_000.png")), 415, "unsupported_type")


# ---------------------------------------------------------------- bad input
def test_bad_inputs_are_4xx_json(settings, engine, fixtures_dir):
    import pymupdf
    from PIL import Image

    with _client(settings, max_file_bytes=200_000) as c:
        url = f"{API}/paddleocr/predict"
        _assert_error(c.post(url), 422, "no_file")
        _assert_error(c.post(url, data={"file": "not a file"}), 422)
        _assert_error(c.post(url, files={"file": ("e.png", b"", "image/png")}), 422, "empty_file")
        _assert_error(c.post(url, files={"file": ("a.txt", b"hello world", "text/plain")}), 415, "unsupported_type")
        _assert_error(c.post(url, files={"file": ("x.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png")}),
                      415, "unsupported_type")
        buf = io.BytesIO()
        Image.new("RGB", (400, 300), "white").save(buf, "PNG")
        png = buf.getvalue()
        _assert_error(c.post(url, files={"file": ("t.png", png[: len(png) // 2], "image/png")}), 422, "corrupt_file")
        _assert_error(c.post(url, files={"file": ("big.png", png + b"\0" * 200_000, "image/png")}), 413,
                      "file_too_large")
        # far beyond the limit: refused from Content-Length, before the body is read
        _assert_error(c.post(url, files={"file": ("huge.png", b"\0" * 1_400_000, "image/png")}), 413,
                      "file_too_large")
        doc = pymupdf.open()
        doc.new_page().insert_text((72, 72), "secret")
        enc = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
        for path in (url, f"{API}/pdf", f"{API}/paddleocr/predict-async"):
            _assert_error(c.post(path, files={"file": ("e.pdf", enc, "application/pdf")}), 422, "password_required")
        _assert_error(c.post(f"{API}/paddleocr/predict-async", files={"file": ("a.txt", b"hi", "text/plain")}), 415)
        _assert_error(c.get(f"{API}/paddleocr/status/no-such-job"), 404, "job_not_found")
        _assert_error(c.get(f"{API}/nothing-here"), 404, "not_found")
        _assert_error(c.get(f"{API}/paddleocr/predict"), 405)
        m = c.get(f"{API}/metrics").json()
        assert m["server_errors"] == 0 and m["errors"] >= 14


# ---------------------------------------------------------------- limits and keys
def test_rate_limit_429_with_retry_after(settings, engine):
    with _client(settings, rate_limit_requests=3, rate_limit_period=60) as c:
        for _ in range(3):
            assert c.get(f"{API}/paddleocr/status/x").status_code == 404
        body = _assert_error(c.get(f"{API}/paddleocr/status/x"), 429, "rate_limited")
        r = c.get(f"{API}/jobs")
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "rate limit" in body["detail"]
        assert c.get(f"{API}/health").status_code == 200  # probes are not limited


def test_rate_limit_is_per_client(settings, engine):
    with _client(settings, rate_limit_requests=2, rate_limit_period=60, ocr_api_keys={"alpha", "beta"}) as c:
        a, b = {"X-API-Key": "alpha"}, {"X-API-Key": "beta"}
        assert [c.get(f"{API}/jobs", headers=a).status_code for _ in range(3)] == [200, 200, 429]
        assert c.get(f"{API}/jobs", headers=b).status_code == 200


def test_api_keys(settings, engine, dev_dir):
    with _client(settings, ocr_api_keys={"k1", "k2"}) as c:
        body = _assert_error(c.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png")), 401,
                             "unauthorized")
        assert "API key" in body["detail"]
        _assert_error(c.get(f"{API}/jobs", headers={"X-API-Key": "wrong"}), 401)
        _assert_error(c.get(f"{API}/metrics"), 401)
        r = c.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png"), headers={"X-API-Key": "k1"})
        assert r.status_code == 200 and r.json()["document_ids"]["PAN"] == ["EDYPK5645N"]
        assert c.get(f"{API}/metrics/prometheus", headers={"Authorization": "Bearer k2"}).status_code == 200
        assert c.get(f"{API}/health").status_code == 200  # liveness probes need no key
    with _client(settings) as c:  # no keys configured: open
        assert c.get(f"{API}/jobs").status_code == 200


def test_503_when_ocr_slots_are_full(settings, engine, dev_dir):
    with _client(settings, api_max_concurrency=1, api_queue_size=0) as c:
        slots = c.app.state.slots
        first: dict = {}

        def slow() -> None:  # an uncached scan holds the only slot for a while
            first["r"] = c.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_001_photo.jpg"))

        t = threading.Thread(target=slow)
        t.start()
        deadline = time.monotonic() + 30
        while slots.running < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert slots.running == 1
        r = c.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png"))
        body = _assert_error(r, 503, "busy")
        assert int(r.headers["Retry-After"]) >= 1 and "queue is full" in body["detail"]
        t.join(60)
        assert first["r"].status_code == 200
        assert c.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png")).status_code == 200
        assert c.get(f"{API}/metrics").json()["ocr"]["rejected"] == 1


def test_queue_lets_requests_wait(settings, engine, dev_dir):
    """Within API_MAX_CONCURRENCY + API_QUEUE_SIZE requests wait their turn: no 503."""
    with _client(settings, api_max_concurrency=1, api_queue_size=3) as c:
        names = ["pan_002.png", "pan_003.png", "pan_004.png"]
        out: dict[str, int] = {}

        def go(n: str) -> None:
            out[n] = c.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / n)).status_code

        threads = [threading.Thread(target=go, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert out == {n: 200 for n in names}


# ---------------------------------------------------------------- async jobs (embedded backend)
def test_async_job_embedded(client, dev_dir):
    r = client.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / "aadhaar_001.png"))
    assert r.status_code == 202, r.text
    sub = r.json()
    assert sub["status"] in ("PENDING", "STARTED", "SUCCESS") and sub["job_id"] and sub["message"]
    deadline = time.monotonic() + 120
    while True:
        s = client.get(sub["status_url"])
        assert s.status_code == 200
        if s.json()["status"] in ("SUCCESS", "FAILURE") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    job = s.json()
    assert job["status"] == "SUCCESS", job
    assert job["result"]["document_type"] == "AADHAAR" and job["result"]["masked"] is True
    vid = json.loads((dev_dir / "aadhaar_001.gt.json").read_text())["ids"]["VID"][0].replace(" ", "")
    assert vid not in re.sub(r"\D", "", s.text)
    assert job["result"]["document_ids"]["VID"] == [f"XXXX XXXX XXXX {vid[-4:]}"]
    again = client.post(f"{API}/paddleocr/predict-async", files=_upload(dev_dir / "aadhaar_001.png")).json()
    assert again["job_id"] == sub["job_id"] and again["status"] == "SUCCESS"
    listed = client.get(f"{API}/jobs").json()
    assert listed["count"] == 1 and listed["jobs"][0]["job_id"] == sub["job_id"]
    assert vid not in re.sub(r"\D", "", json.dumps(listed))


# ---------------------------------------------------------------- health and metrics
def test_health(client):
    r = client.get(f"{API}/health")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok" and h["uptime"] >= 0 and re.match(r"\d{4}-\d\d-\d\dT", h["timestamp"])
    assert h["engine"]["name"] == "cascade" and h["engine"]["loaded"] is True
    assert "PP-OCR" in h["engine"]["version"] and "tesseract" in h["engine"]["available"]
    assert h["database"]["ok"] is True
    assert h["redis"] == {"configured": False, "ok": True, "detail": h["redis"]["detail"]}
    assert h["jobs_backend"] == "embedded"
    assert "X-Process-Time" in r.headers


def test_health_reports_unreachable_redis(settings, engine):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    with _client(settings, redis_url=f"redis://127.0.0.1:{port}/0") as c:
        h = c.get(f"{API}/health").json()
        assert h["status"] == "degraded" and h["redis"]["configured"] is True and h["redis"]["ok"] is False
        assert h["jobs_backend"] == "celery"


def test_metrics_json_and_prometheus(client, dev_dir):
    client.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png"))
    client.post(f"{API}/paddleocr/predict", files=_upload(dev_dir / "pan_000.png"))
    client.post(f"{API}/paddleocr/predict", files={"file": ("a.txt", b"nope", "text/plain")})
    m = client.get(f"{API}/metrics").json()
    assert m["requests_processed"] == 3 and m["errors"] == 1
    assert m["error_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert m["scans"] == 2 and m["cache_hits"] == 1 and m["cache_hit_rate"] == 0.5
    assert m["uptime"] >= 0 and m["latency_seconds"]["p95"] >= m["latency_seconds"]["p50"] > 0
    assert m["status_codes"] == {"200": 2, "415": 1}
    assert m["cache"]["entries"] == 1 and m["ocr"]["max_concurrency"] == 2

    for r in (client.get(f"{API}/metrics/prometheus"), client.get(f"{API}/metrics", headers={"Accept": "text/plain"})):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        text = r.text
        assert 'ocr_api_requests_total{method="POST",route="' in text
        assert re.search(r'ocr_api_scans_total\{cached="true",engine="cascade"\} 1\.0', text)
        assert "ocr_api_request_duration_seconds_bucket" in text and "ocr_api_uptime_seconds" in text


def test_docs_and_openapi(client):
    assert client.get(f"{API}/docs").status_code == 200
    spec = client.get(f"{API}/openapi.json").json()
    paths = set(spec["paths"])
    for p in ("/paddleocr/predict", "/paddleocr/predict-async", "/paddleocr/status/{job_id}", "/pdf",
              "/tesseract/predict", "/health", "/metrics"):
        assert API + p in paths
    assert all(p.startswith(API) for p in paths)


# ---------------------------------------------------------------- the CLI command
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_api_serves(settings, dev_dir):
    import httpx

    port = _free_port()
    env = {**os.environ, "DB_PATH": str(settings.db_path), "OCR_KEY_FILE": str(settings.ocr_key_file)}
    proc = subprocess.Popen([sys.executable, "-m", "ocr_core", "api", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}{API}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.3)
        assert r.status_code == 200 and r.json()["engine"]["loaded"] is True
        r = httpx.post(f"http://127.0.0.1:{port}{API}/paddleocr/predict", timeout=60,
                       files=_upload(dev_dir / "pan_000.png"))
        assert r.status_code == 200 and r.json()["document_ids"]["PAN"] == ["EDYPK5645N"]
        assert "X-Process-Time" in r.headers
    finally:
        proc.terminate()
        proc.wait(30)
