"""The work budget of a request: pages x pixels per document (MAX_DOCUMENT_PIXELS, 413 before any
page is decoded), pixels per caller per minute (USER_PIXELS_PER_MINUTE, 429 with Retry-After),
and identical uploads in flight scanned once (`singleflight`). Real files made here (a few KB
each: 1-bit group 4 TIFFs, empty PDF pages), the real engine, real SQLite, the real API."""
from __future__ import annotations

import io
import multiprocessing
import threading
import time
import tracemalloc

import pymupdf
import pytest
from PIL import Image, ImageDraw

from ocr_core import budget, singleflight
from ocr_core.errors import DocumentTooLargeError
from ocr_core.intake import process_upload
from ocr_core.pipeline import scan, sha256
from ocr_core.store import connect

API = "/ocr-api"


def tiff(frames: int, size: tuple[int, int]) -> bytes:
    """A multi-page TIFF of `size` pages, 1 bit, group 4: a few KB however large its pages."""
    im = Image.new("1", size, 1)
    ImageDraw.Draw(im).rectangle([size[0] // 10, size[1] // 10, size[0] // 2, size[1] // 8], fill=0)
    buf = io.BytesIO()
    im.save(buf, format="TIFF", save_all=True, append_images=[im] * (frames - 1), compression="group4")
    return buf.getvalue()


def pdf(pages: int, width_pt: float, height_pt: float) -> bytes:
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page(width=width_pt, height=height_pt)
    return doc.tobytes()


A4 = (595, 842)  # points


def test_measured_from_the_headers(settings):
    assert budget.measure(tiff(4, (4000, 3000)), settings) == budget.Work(4, 48_000_000)
    w = budget.measure(pdf(100, *A4), settings)  # at OCR_DPI (150): 1240 x 1754 a page
    assert w.pages == 100 and 100 * 1239 * 1753 <= w.pixels <= 100 * 1241 * 1755
    # a page larger than MAX_PAGE_PIXELS is rendered at a lower DPI: counted at that size
    assert budget.measure(pdf(2, 7200, 7200), settings).pixels == 2 * settings.max_page_pixels
    assert budget.measure(b"not a document", settings) is None


def test_default_budget_passes_a_100_page_a4_pdf_and_refuses_the_bomb_tiff(settings):
    assert budget.check_document(pdf(100, *A4), settings).pages == 100
    bomb = tiff(100, (7000, 8000))  # the TIFF of the issue: 100 pages of 56 MP (about 0.5 MB here)
    with pytest.raises(DocumentTooLargeError, match="5600 megapixels"):
        budget.check_document(bomb, settings)


def test_over_budget_tiff_is_refused_before_a_page_is_decoded(settings):
    s = settings.model_copy(update={"max_document_pixels": 50_000_000})
    data = tiff(4, (4000, 4000))  # 64 MP: one decoded page alone is a 48 MB array
    tracemalloc.start()
    try:
        with pytest.raises(DocumentTooLargeError) as e:
            scan(data, filename="big.tif", settings=s)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert e.value.code == "document_too_large" and "4 pages of 64 megapixels" in str(e.value)
    assert peak < 20_000_000, peak  # no page was turned into pixels
    row = next(connect(s.db_path).query("select error_code, cached from scans order by id desc limit 1"))
    assert row == {"error_code": "document_too_large", "cached": 0}  # the refusal is in the scan log
    # under the budget the same file is scanned
    assert len(scan(data, filename="big.tif", settings=s.model_copy(update={"max_document_pixels": 64_000_000}),
                    use_cache=False, keep=False).pages) == 4


def _client(settings, **update):
    from fastapi.testclient import TestClient

    from ocr_api import create_app

    return TestClient(create_app(settings.model_copy(update=update), warm_engine=False))


def test_api_answers_413_for_an_over_budget_tiff_and_pdf(settings):
    with _client(settings) as c:
        for name, data in (("bomb.tif", tiff(100, (7000, 8000))), ("huge.pdf", pdf(100, 7200, 7200))):
            t0 = time.perf_counter()
            r = c.post(f"{API}/paddleocr/predict", files={"file": (name, data)})
            assert r.status_code == 413, r.text
            body = r.json()
            assert body["error"] == "document_too_large" and body["status"] == 413
            assert "the limit is 500 megapixels per document" in body["detail"]
            assert time.perf_counter() - t0 < 30  # answered at once (the scan of it took minutes)
        # the queued route refuses it too, before a job exists
        r = c.post(f"{API}/paddleocr/predict-async", files={"file": ("bomb.tif", tiff(100, (7000, 8000)))})
        assert r.status_code == 413 and r.json()["error"] == "document_too_large"
        assert c.get(f"{API}/jobs").json()["count"] == 0


def test_api_answers_429_beyond_the_callers_pixels_per_minute(settings, fixtures_dir):
    # two keys: each caller has a budget of its own; 2 MP a minute = two 820x520 cards
    keys = "ana:operator:key-ana-0123456789,raj:operator:key-raj-0123456789"
    cards = [(fixtures_dir / n).read_bytes() for n in ("pan_card.png", "dl_card.png", "aadhaar_card.png")]
    with _client(settings, user_pixels_per_minute=2_000_000, ocr_api_keys=keys) as c:
        ana, raj = {"X-API-Key": "key-ana-0123456789"}, {"X-API-Key": "key-raj-0123456789"}

        def post(data: bytes, headers: dict):
            return c.post(f"{API}/paddleocr/predict", files={"file": ("card.png", data)}, headers=headers)

        assert post(cards[0], ana).status_code == 200
        assert post(cards[0], ana).json()["cached"] is True  # a cached result costs nothing
        assert post(cards[1], ana).status_code == 200
        r = post(cards[2], ana)
        assert r.status_code == 429, r.text
        assert r.json()["error"] == "work_budget" and r.json()["status"] == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert post(cards[0], ana).status_code == 200  # still served from the cache
        assert post(cards[2], raj).status_code == 200  # another caller, another budget


def _count_runs(settings, data: bytes) -> tuple[int, int]:
    rows = list(connect(settings.db_path).query("select cached from scans where file_hash = ?", [sha256(data)]))
    return sum(r["cached"] == 0 for r in rows), sum(r["cached"] == 1 for r in rows)


def test_two_threads_uploading_the_same_bytes_run_the_engine_once(settings, fixtures_dir):
    data = (fixtures_dir / "dl_card.png").read_bytes()
    start = threading.Barrier(2)
    results, errors = [], []

    def upload() -> None:
        start.wait()
        try:
            results.append(process_upload(data, "dl.png", settings=settings))
        except Exception as e:  # noqa: BLE001 - the test wants none
            errors.append(e)

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.cached for r in results) == [False, True]
    assert _count_runs(settings, data) == (1, 1)  # one engine run, one cached answer
    assert results[0].ids == results[1].ids
    assert not list(singleflight.locks_dir(settings).iterdir())  # no lock file left


def _hold(key: str, db_path: str, seconds: float, out, ready=None, go=None) -> None:
    from ocr_core.config import Settings

    settings = Settings(db_path=db_path)
    if ready is not None:  # imported and ready: wait for the others, then ask for the lock together
        ready.release()
        go.wait(60)
    asked = time.time()
    with singleflight.once(key, settings):
        got = time.time()
        time.sleep(seconds)
        out.put((key, asked, got, time.time()))


def test_processes_wait_for_each_other_on_one_key(settings):
    """The lock holds across processes (the API's uvicorn workers); another key does not wait."""
    # fork, not spawn: a spawned child imports the whole core (engines included) before it can take
    # the lock, which took over 120 s on a loaded 2-core machine; the lock itself is the same fcntl lock
    ctx = multiprocessing.get_context("fork")
    out, ready, go = ctx.Queue(), ctx.Semaphore(0), ctx.Event()
    key, other = sha256(b"a"), sha256(b"b")
    procs = [ctx.Process(target=_hold, args=(k, str(settings.db_path), 2.0, out, ready, go))
             for k in (key, key, other)]
    for p in procs:
        p.start()
    for _ in procs:
        assert ready.acquire(timeout=120)
    go.set()
    for p in procs:
        p.join(60)
    spans = sorted((out.get(timeout=5) for _ in procs), key=lambda s: s[2])
    first, second = [s for s in spans if s[0] == key]
    assert second[1] < first[3]  # the second asked while the first held the lock ...
    assert second[2] >= first[3] - 0.01  # ... and got it only once the first let go
    (_, asked, got, _), = [s for s in spans if s[0] == other]
    assert got - asked < 1.8  # the other key did not wait for a holder (each holds 2 s)
    assert all(p.exitcode == 0 for p in procs)


def test_a_lock_left_by_a_killed_process_is_free(settings):
    # fork, not spawn: a spawned child imports the whole core (engines included) before it can take
    # the lock, which took over 120 s on a loaded 2-core machine; the lock itself is the same fcntl lock
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    key = sha256(b"killed")
    p = ctx.Process(target=_hold, args=(key, str(settings.db_path), 60, out))
    p.start()
    path = singleflight.locks_dir(settings) / f"{key}.lock"
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    p.kill()
    p.join(10)
    t0 = time.monotonic()
    with singleflight.once(key, settings, wait=10) as waited:
        assert waited < 5
    assert time.monotonic() - t0 < 5
