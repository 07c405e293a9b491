"""Issue 21, item 2 (text side): a corpus of Aadhaar and VID numbers written every odd way (glued to
letters, 6+6, dots, dashes, slashes, underscores, several spaces, split over two lines) and in free
text (a file name, a case label, an address field, a correction reason, a rejection reason, a bad
upload's name) goes through the real API (TestClient, real engines, a real SQLite file), the CLI
(`scan`, `batch`, `export`, real subprocesses) and the logs: no full number may come out anywhere.

The leak check is independent of `ocr_core.privacy`: a number leaks when its digits appear in order
with nothing but non-alphanumeric characters (or a JSON escape) between them."""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stdnum import verhoeff

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from apiclient import if_match  # noqa: E402
from ocr_api import create_app  # noqa: E402
from ocr_core.logs import JSONFormatter  # noqa: E402

API = "/ocr-api"
ROOT = Path(__file__).resolve().parents[1]
KEYS = {"asha:operator:k-asha-1", "ravi:checker:k-ravi-2", "root:admin:k-root-3"}


def valid(n: int, rng: random.Random) -> str:
    body = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 2))
    return body + verhoeff.calc_check_digit(body)


RNG = random.Random(21)
N = {k: valid(16 if k.startswith("vid") else 12, RNG) for k in (
    "glued", "six6", "dots", "dashes", "spaces2", "underscores", "vid_slash", "split", "commas",
    "img_glued", "img_dots", "file_pdf", "file_png", "case", "address", "reason", "reject", "bad_file", "cli_file")}


def leak_pattern(number: str) -> re.Pattern[str]:
    return re.compile(r"(?:[^0-9A-Za-z]|\\[nrt]){0,8}".join(number))


def leaks(channel: str, text: str, found: dict[str, set[str]], numbers=None) -> None:
    for k, n in (numbers or N).items():
        if leak_pattern(n).search(text):
            found.setdefault(channel, set()).add(k)


def g4(n: str, sep: str) -> str:
    return sep.join(n[i:i + 4] for i in range(0, len(n), 4))


def corpus_pdf() -> bytes:
    """A born-digital page (text layer) with the numbers spelled oddly."""
    import fitz

    lines = ["Government of India", "Aadhaar copy - self attested",
             f"UID{N['glued']}ref", f"Ref {N['six6'][:6]} {N['six6'][6:]}", f"No. {g4(N['dots'], '.')}",
             f"Enrolment {g4(N['dashes'], '-')}", f"Kindly {g4(N['spaces2'], '   ')} thanks",
             f"file_{g4(N['underscores'], '_')}_x", f"VID {g4(N['vid_slash'], '/')}",
             f"Number {N['split'][:8]}", f"{N['split'][8:]} (continued)", f"list {g4(N['commas'], ', ')}"]
    doc = fitz.open()
    page = doc.new_page(width=595, height=842)
    for i, t in enumerate(lines):
        page.insert_text((50, 60 + 24 * i), t, fontsize=13)
    return doc.tobytes()


def corpus_png() -> bytes:
    """A small picture of two lines (OCR, not a text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(_font()), 34)
    im = Image.new("RGB", (760, 170), "white")
    d = ImageDraw.Draw(im)
    d.text((20, 25), f"UID{N['img_glued']}ref", fill="black", font=font)
    d.text((20, 95), f"No. {g4(N['img_dots'], '.')}", fill="black", font=font)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _font() -> Path:
    for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf"):
        if Path(p).exists():
            return Path(p)
    pytest.fail("DejaVuSans.ttf missing: scripts/setup.sh --dev installs it (fonts-dejavu-extra pulls "
                "fonts-dejavu-core)", pytrace=False)


@pytest.fixture
def log_lines():
    """Every log record of the test as the JSON formatter writes it."""
    buf = io.StringIO()
    h = logging.StreamHandler(buf)
    h.setFormatter(JSONFormatter())
    root = logging.getLogger()
    old = root.level
    root.addHandler(h)
    root.setLevel(logging.DEBUG)
    yield buf
    root.removeHandler(h)
    root.setLevel(old)


def _run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocr_core", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, timeout=600)


def test_no_full_number_leaves_api_cli_exports_or_logs(settings, engine, tmp_path, log_lines):
    found: dict[str, set[str]] = {}
    pdf, png = corpus_pdf(), corpus_png()
    app = create_app(settings.model_copy(update={"ocr_api_keys": KEYS}))
    from ocr_core.jobs import reset_backends

    try:
        with TestClient(app) as c:
            c.headers["X-API-Key"] = "k-asha-1"
            r = c.post(f"{API}/pdf", files={"file": (f"aadhaar_{N['file_pdf']}.pdf", pdf, "application/pdf")},
                       data={"case": f"KYC {g4(N['case'], ' ')}"})
            assert r.status_code == 200, r.text
            leaks("api /pdf", r.text, found)
            h = r.json()["file_hash"]
            # the numbers were read (the test is not passed by reading nothing): their last 4 are shown
            shown = re.sub(r"[^0-9]", "", r.json()["raw_text"])
            assert all(N[k][-4:] in shown for k in ("glued", "six6", "dots", "dashes", "underscores", "vid_slash",
                                                     "split", "commas")), r.json()["raw_text"]
            r = c.post(f"{API}/paddleocr/predict", files={"file": (f"scan_{N['file_png']}.png", png, "image/png")})
            assert r.status_code == 200, r.text
            leaks("api /paddleocr/predict", r.text, found)
            assert N["img_glued"][-4:] in r.json()["raw_text"] or N["img_dots"][-4:] in r.json()["raw_text"]
            r = c.post(f"{API}/tesseract/predict", files={"file": (f"scan_{N['file_png']}.png", png, "image/png")})
            assert r.status_code == 200, r.text
            leaks("api /tesseract/predict", r.text, found)
            r = c.post(f"{API}/paddleocr/predict", files={"file": (f"bad_{N['bad_file']}.png", b"not a picture",
                                                                    "image/png")})
            assert r.status_code >= 400
            leaks("api error", r.text, found)
            r = c.post(f"{API}/paddleocr/predict-async", files={"file": (f"aadhaar_{N['file_pdf']}.pdf", pdf,
                                                                          "application/pdf")})
            assert r.status_code == 202, r.text
            leaks("api /predict-async", r.text, found)
            job = r.json()["job_id"]
            deadline = time.time() + 300
            while True:
                r = c.get(f"{API}/paddleocr/status/{job}")
                if r.json()["status"] in ("SUCCESS", "FAILURE") or time.time() > deadline:
                    break
                time.sleep(0.5)
            assert r.json()["status"] == "SUCCESS", r.text
            leaks("api /status", r.text, found)

            # free text: an address field, a correction reason, a rejection reason
            doc = c.get(f"{API}/documents/{h}").json()
            field = "address" if doc["document_type"] == "AADHAAR" else None
            changes = [{"field": field, "value": f"House 1 {g4(N['address'], '.')} Pune"}] if field else \
                [{"type": "PAN", "value": "ABCPK1234Z"}]
            r = c.post(f"{API}/documents/{h}/corrections",
                       json={"changes": changes, "reason": f"seen on card {g4(N['reason'], '-')}"},
                       headers=if_match(c, h))
            assert r.status_code == 200, r.text
            leaks("api corrections", r.text, found)
            r = c.post(f"{API}/documents/{h}/review", headers=if_match(c, h, **{"X-API-Key": "k-ravi-2"}),
                       json={"status": "rejected", "reason": f"number {N['reject']} is not the applicant's"})
            assert r.status_code == 200, r.text
            leaks("api review", r.text, found)
            for path, params in ((f"{API}/documents/{h}", None), (f"{API}/documents", None),
                                 (f"{API}/documents", {"format": "csv"})):
                r = c.get(path, params=params)
                assert r.status_code == 200, r.text
                leaks(f"api GET {path.replace(h, '{hash}')} {params or ''}", r.text, found)
            r = c.get(f"{API}/documents/{h}/audit", headers={"X-API-Key": "k-root-3"})
            assert r.status_code == 200, r.text
            leaks("api audit", r.text, found)
            r = c.get(f"{API}/jobs")
            leaks("api /jobs", r.text, found)
        # what the desk shows, read from the core (the desk renders these as they are)
        from ocr_core.record import cases, trail, views

        rv = views.get(h)
        leaks("core audit_trail (desk)", json.dumps(trail.audit_trail(h)), found)
        leaks("core reviewed row / id rows (desk)", json.dumps([rv.row(), rv.id_rows()]), found)
        leaks("core field values (History)", json.dumps(views.field_values([h], ["address"])), found)
        leaks("core case summary", json.dumps(cases.summary(h)), found)
    finally:
        reset_backends()

    # the CLI: scan (a file name holding a number, a bad file), batch with a case label, export
    env = {"DB_PATH": str(settings.db_path), "OCR_KEY_FILE": str(settings.ocr_key_file), "LOG_LEVEL": "INFO"}
    src = tmp_path / "in"
    src.mkdir()
    (src / f"aadhaar_{N['cli_file']}.pdf").write_bytes(pdf)
    bad = tmp_path / f"bad_{N['bad_file']}.png"
    bad.write_text("not a picture")
    p = _run_cli(env, "scan", str(src / f"aadhaar_{N['cli_file']}.pdf"), str(bad))
    leaks("cli scan stdout", p.stdout, found)
    leaks("cli scan stderr (logs, errors)", p.stderr, found)
    out, js = tmp_path / "b.csv", tmp_path / "b.jsonl"
    p = _run_cli(env, "batch", str(src), "--out", str(out), "--json", str(js), "--case",
                 f"KYC {g4(N['case'], '.')}", "--quiet")
    assert out.exists(), p.stderr
    leaks("cli batch stderr", p.stderr, found)
    leaks("cli batch csv", out.read_text(), found)
    leaks("cli batch jsonl", js.read_text(), found)
    for name in ("e.csv", "e.json"):
        p = _run_cli(env, "export", "--out", str(tmp_path / name))
        assert p.returncode == 0, p.stderr
        leaks(f"cli export {name}", (tmp_path / name).read_text(), found)
        leaks("cli export stderr", p.stderr, found)
    leaks("logs (in process)", log_lines.getvalue(), found)

    total = sum(len(v) for v in found.values())
    report = "\n".join(f"  {ch}: {len(v)} ({', '.join(sorted(v))})" for ch, v in sorted(found.items()))
    print(f"\nfull numbers in clear: {total} (channel: numbers)\n{report}")
    assert total == 0, f"full numbers in clear:\n{report}"
