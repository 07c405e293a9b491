"""Every input of the hostile corpus (tests/badinputs.py) through the core, the CLI, the API and
the Streamlit review and bulk pages: a clear, typed error (never a crash or a 500), bounded
memory, nothing kept for a refused file, and other users' work going on meanwhile.

A table of what each interface answered is written to test-artifacts/bad_inputs.json."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from PIL import Image

from badinputs import OK, Case, corpus, zip_cases
from ocr_core import OCRError, archive, files, scan
from ocr_core.intake import process_upload
from ocr_core.loader import EXTENSIONS
from ocr_core.store import connect

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
API = "/ocr-api"
GB = 1 << 30


def _record(interface: str, answers: dict[str, str]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    p = ARTIFACTS / "bad_inputs.json"
    table = json.loads(p.read_text()) if p.exists() else {}
    for name, ans in answers.items():
        table.setdefault(name, {})[interface] = ans
    p.write_text(json.dumps(table, indent=1, ensure_ascii=False))


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    from ocr_core.config import Settings

    return corpus(Settings().max_file_bytes)


@pytest.fixture(scope="module")
def zcases() -> list[Case]:
    from ocr_core.config import Settings

    return zip_cases(Settings().max_file_bytes)


def test_corpus_is_large_and_varied(cases, zcases):
    assert len(cases) + len(zcases) >= 30
    assert len({c.name for c in cases + zcases}) == len(cases) + len(zcases)
    assert len({c.filename for c in cases}) == len(cases)  # they share one folder in the CLI test
    assert sum(c.ok for c in cases) >= 5 and sum(not c.ok for c in cases) >= 25


class _Peak:
    """The highest RSS of a process, sampled every 20 ms while the block runs."""

    def __init__(self, pid: int | None = None) -> None:
        self.proc = psutil.Process(pid or os.getpid())
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            except psutil.Error:
                return

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()


def _good_png(dev_dir: Path, i: int) -> bytes:
    """The PAN specimen with one pixel changed: a new file hash (no cache hit), the same reading."""
    im = Image.open(dev_dir / "pan_000.png").convert("RGB")
    im.putpixel((i % im.width, 0), (i % 256, 0, 0))
    b = io.BytesIO()
    im.save(b, "PNG")
    return b.getvalue()


class _OtherUser:
    """Another user scanning good files in a thread while the bad inputs go through."""

    def __init__(self, dev_dir: Path, fn) -> None:
        self.dev_dir, self.fn = dev_dir, fn
        self.done: list[bool] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            i += 1
            try:
                self.done.append(self.fn(_good_png(self.dev_dir, i), f"good-{i}.png"))
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.errors.append(repr(e))

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join(120)


# ---------------------------------------------------------------- core
def test_core_gives_typed_errors_bounded_memory_keeps_nothing_and_others_go_on(settings, engine, dev_dir,
                                                                                cases, zcases):
    def good(data, name):
        return "EDYPK5645N" in scan(data, filename=name).document_ids()["PAN"]

    from ocr_core.pipeline import sha256

    answers: dict[str, str] = {}
    wrong: list[str] = []
    kept: set[str] = set()
    refused = 0
    with _OtherUser(dev_dir, good) as other, _Peak() as mem:
        for c in cases:
            for via in ("scan", "intake"):  # ocr_core.scan, and the review page's process_upload
                t0 = time.perf_counter()
                try:
                    if via == "scan":
                        scan(c.data, filename=c.filename)
                    else:
                        process_upload(c.data, c.filename)
                    got, msg = OK, ""
                except OCRError as e:
                    got, msg = e.code, str(e)
                    if not msg or "\n" in msg or "Traceback" in msg:
                        wrong.append(f"{c.name}: unclear message {msg!r}")
                except Exception as e:  # noqa: BLE001 - the defect this test looks for
                    got, msg = f"CRASH {type(e).__name__}", str(e)
                if got not in c.expect:
                    wrong.append(f"{c.name} via {via}: {got} ({msg[:120]}), expected {sorted(c.expect)}")
                if time.perf_counter() - t0 > 30:
                    wrong.append(f"{c.name} via {via}: {time.perf_counter() - t0:.0f} s")
            answers[c.name] = f"{got}: {msg[:100]}" if msg else got
            if got == OK:
                kept.add(sha256(c.data))
            else:
                refused += 2
        for c in zcases:  # the bulk/batch path reads ZIPs with ocr_core.archive
            try:
                archive.extract_zip(c.data, archive_name=c.filename)
                got, msg = OK, ""
            except OCRError as e:
                got, msg = e.code, str(e)
            if got not in c.expect:
                wrong.append(f"{c.name}: {got} ({msg}), expected {sorted(c.expect)}")
            answers[c.name] = f"{got}: {msg[:100]}"
    _record("core", answers)
    assert not wrong, "\n".join(wrong)
    # memory stayed bounded (the 30000x30000 bomb alone would need 2.7 GB decoded)
    assert mem.peak - mem.base < 1.2 * GB, f"peak RSS grew by {(mem.peak - mem.base) / 1e6:.0f} MB"
    # another user's scans went on and were right
    assert not other.errors, other.errors
    assert len(other.done) >= 1 and all(other.done)
    # nothing was kept for a refused file: only the good ones are documents, with their files
    good_hashes = {r[0] for r in connect().execute("select file_hash from documents")}
    assert good_hashes == kept and kept >= {sha256(c.data) for c in cases if c.ok}
    # STORE_ORIGINALS=false: no upload is kept, only the good documents' masked page images
    assert not [p for p in files.files_dir().rglob("*") if p.is_file() and "masked" not in p.parts]
    stored = {p.parent.name for p in (files.files_dir() / "masked").rglob("*.png")}
    assert stored == good_hashes
    n_failed = connect().execute("select count(*) from scans where error_code is not null").fetchone()[0]
    assert n_failed == refused >= 2 * 25  # every refusal is in the scan log


# ---------------------------------------------------------------- CLI
def test_cli_one_process_over_the_whole_corpus(settings, tmp_path, cases, zcases):
    d = tmp_path / "in"
    d.mkdir()
    paths = {}
    for c in cases:
        p = d / c.filename
        p.write_bytes(c.data)
        paths[c.name] = p
    env = {**os.environ, "DB_PATH": str(settings.db_path), "OCR_KEY_FILE": str(settings.ocr_key_file)}
    proc = subprocess.Popen([sys.executable, "-m", "ocr_core", "scan", *map(str, paths.values())], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with _Peak(proc.pid) as mem:
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1
    assert "Traceback" not in err, err[-3000:]
    results = {json.loads(line)["filename"]: json.loads(line) for line in out.splitlines() if line.strip()}
    errors = {}
    for line in err.splitlines():
        for name, p in paths.items():
            if line.startswith(f"{p}: error: "):
                assert name not in errors, f"two errors for {name}"
                errors[name] = line[len(f"{p}: error: "):]
    answers = {}
    for c in cases:
        if c.ok:
            assert c.filename in results and c.name not in errors, (c.name, errors.get(c.name))
            answers[c.name] = f"JSON result ({results[c.filename]['document_type']})"
        elif OK in c.expect:
            assert (c.filename in results) != (c.name in errors), c.name
            answers[c.name] = errors.get(c.name, "JSON result")
        else:
            assert c.name in errors and c.filename not in results, c.name
            assert errors[c.name].strip(), c.name
            answers[c.name] = f"exit 1, stderr: {errors[c.name][:100]}"
    # the ZIPs through the batch command: each refused with a reason in the CSV, exit 1
    zd = tmp_path / "zips"
    zd.mkdir()
    for c in zcases:
        (zd / c.filename).write_bytes(c.data)
    r = subprocess.run([sys.executable, "-m", "ocr_core", "batch", str(zd), "--out", str(tmp_path / "z.csv"),
                        "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-3000:]
    import csv

    rows = {row["filename"]: row for row in csv.DictReader(open(tmp_path / "z.csv"))}
    for c in zcases:
        row = next(v for k, v in rows.items() if k.endswith(c.filename))
        assert row["status"] == "FAILURE" and row["error"], (c.name, row)
        answers[c.name] = f"batch: FAILURE row: {row['error'][:100]}"
    _record("cli", answers)
    assert mem.peak < 3 * GB, f"CLI peak RSS {mem.peak / 1e6:.0f} MB"


# ---------------------------------------------------------------- API
def test_api_answers_4xx_json_never_500_and_serves_others(settings, engine, dev_dir, cases, zcases):
    from fastapi.testclient import TestClient

    from ocr_api import create_app
    from ocr_core.jobs import reset_backends

    s = settings.model_copy(update={"rate_limit_requests": 100_000, "api_queue_size": 32})
    answers, wrong = {}, []
    try:
        with TestClient(create_app(s)) as c:
            def good(data, name):
                r = c.post(f"{API}/paddleocr/predict", files={"file": (name, data, "image/png")})
                return r.status_code == 200 and r.json()["document_ids"]["PAN"] == ["EDYPK5645N"]

            with _OtherUser(dev_dir, good) as other:
                for case in cases + zcases:
                    got = []
                    for route in ("/paddleocr/predict", "/paddleocr/predict-async"):
                        r = c.post(API + route, files={"file": (case.filename, case.data, "application/octet-stream")})
                        ctype = r.headers.get("content-type", "")
                        if r.status_code >= 500 or not ctype.startswith("application/json"):
                            wrong.append(f"{case.name} {route}: {r.status_code} {r.text[:200]}")
                            continue
                        body = r.json()
                        if r.status_code == 202:  # queued: only a full decode finds it bad; the job says why
                            deadline = time.monotonic() + 120
                            while (job := c.get(API + body["status_url"].removeprefix(API)).json())["status"] \
                                    not in ("SUCCESS", "FAILURE") and time.monotonic() < deadline:
                                time.sleep(0.05)
                            code = OK if job["status"] == "SUCCESS" else job["error_code"]
                            got.append(f"202 then job {job['status']} {job.get('error_code') or ''}".strip())
                            if code not in case.expect:
                                wrong.append(f"{case.name} {route}: job {job['status']} {code}")
                            continue
                        if r.status_code < 300:
                            code = OK
                        else:
                            code = body.get("error")
                            if not (400 <= r.status_code < 500 and body.get("detail")):
                                wrong.append(f"{case.name} {route}: {r.status_code} {body}")
                        exp = case.expect if case not in zcases else {"unsupported_type"}
                        if code not in exp:
                            wrong.append(f"{case.name} {route}: {r.status_code} {code}, expected {sorted(exp)}")
                        got.append(f"{r.status_code} {code}")
                    answers[case.name] = " / ".join(got)
            health = c.get(f"{API}/health").json()
    finally:
        reset_backends()
    _record("api (predict / predict-async)", answers)
    assert not wrong, "\n".join(wrong)
    assert not other.errors and len(other.done) >= 1 and all(other.done), (other.errors, other.done)
    assert health["status"] in ("ok", "degraded")


# ---------------------------------------------------------------- Streamlit
def _app():
    from desk import desk

    at = desk("asha", "operator")
    at.default_timeout = 300
    return at


def _allowed(c: Case, types: list[str]) -> bool:
    """The uploader's own type filter (browser and server) refuses other extensions before any code."""
    return c.filename.rsplit(".", 1)[-1].lower() in types


def test_review_page_shows_each_error_and_stays_usable(settings, engine, dev_dir, cases, app_nav):
    types = list(EXTENSIONS)  # pages/review.py UPLOAD_TYPES
    at = _app()
    answers = {}
    for c in [c for c in cases if not _allowed(c, types)]:
        # AppTest reports the widget's refusal ("Invalid file extension", redacted by showErrorDetails)
        # as a page exception; a browser's picker does not offer the file at all
        at.file_uploader(key="review_upload").set_value([(c.filename, c.data, "application/octet-stream")]).run()
        assert at.exception and not at.session_state["done_uploads"], c.name
        answers[c.name] = "refused by the uploader's type filter (never reaches the code)"
        at = _app()
    bad = [c for c in cases if not c.ok and OK not in c.expect and _allowed(c, types)]
    at.file_uploader(key="review_upload").set_value(
        [(c.filename, c.data, "application/octet-stream") for c in bad]).run()
    assert not at.exception, [e.stack_trace for e in at.exception]
    errs = [e.value for e in at.error]
    for c in bad:
        mine = [e for e in errs if e.startswith(f"{c.filename}: ")]
        assert len(mine) == 1, (c.name, errs)
        answers[c.name] = mine[0][len(c.filename) + 2:][:100]
    assert connect().execute("select count(*) from documents").fetchone()[0] == 0
    # the files that must scan, then a real document: the page still works
    good = [c for c in cases if c.ok]
    at.file_uploader(key="review_upload").set_value(
        [(c.filename, c.data, "application/octet-stream") for c in good]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if any(e.value.startswith(c.filename) for c in good)]
    for c in good:
        answers[c.name] = "read and opened for review"
    at.file_uploader(key="review_upload").set_value([("pan_000.png", (dev_dir / "pan_000.png").read_bytes(),
                                                      "image/png")]).run()
    assert not at.exception, [e.value for e in at.exception]
    df = at.data_editor[0].value
    assert list(df["type"]) == ["PAN"] and df["value"][0] == "EDYPK5645N"
    _record("streamlit review", answers)


def test_bulk_page_refuses_bad_archives_and_fails_bad_files_with_reasons(settings, engine, cases, zcases, app_nav):
    from ocr_core.jobs import FAILURE, SUCCESS, JobStore

    at = _app()
    at.switch_page("pages/bulk.py").run()
    assert not at.exception, [e.value for e in at.exception]
    types = ["png", "jpg", "jpeg", "tif", "tiff", "webp", "bmp", "pdf", "zip"]  # pages/bulk.py TYPES
    light = [c for c in cases if c.name != "over_upload_limit" and _allowed(c, types)]  # 25 MB: review, API
    at.file_uploader(key="bulk_files").set_value(
        [(c.filename, c.data, "application/octet-stream") for c in light + zcases])
    next(b for b in at.button if b.label == "Process").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errs = [e.value for e in at.error]
    answers = {}
    for c in zcases:
        mine = [e for e in errs if e.startswith(f"{c.filename}: ")]
        assert len(mine) == 1, (c.name, errs)
        answers[c.name] = "refused: " + mine[0][len(c.filename) + 2:][:100]
    batch_id = at.query_params["batch"]
    batch_id = batch_id[0] if isinstance(batch_id, list) else batch_id
    store = JobStore(settings)
    deadline = time.monotonic() + 240
    while any(not j.done for j in store.list(batch_id=batch_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    jobs = {j.filename: j for j in store.list(batch_id=batch_id)}
    for c in light:
        j = jobs.get(c.filename)
        if c.name == "zip_as_single_upload":  # on the bulk page a ZIP is an archive of documents
            assert not [e for e in errs if e.startswith(c.filename)], errs  # its PNG is png_named_pdf's twin
            assert any(j.status == SUCCESS and j.filename == "really_a_png.pdf" for j in jobs.values())
            answers[c.name] = "opened as an archive: its PNG scanned (SUCCESS)"
            continue
        if c.name == "zero_bytes":
            mine = [e for e in errs if e.startswith(f"{c.filename}: ")]
            assert j is None and len(mine) == 1, (c.name, errs)
            answers[c.name] = "refused: " + mine[0][len(c.filename) + 2:][:100]
            continue
        assert j is not None and j.done, (c.name, j)
        if c.ok:
            assert j.status == SUCCESS, (c.name, j.error)
        elif OK not in c.expect:
            assert j.status == FAILURE and j.error and j.error_code in c.expect, (c.name, j.status, j.error_code)
        answers[c.name] = f"job {j.status}" + (f" ({j.error_code}): {j.error[:80]}" if j.error else "")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    _record("streamlit bulk", answers)
