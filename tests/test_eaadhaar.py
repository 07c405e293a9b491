"""Password-protected e-Aadhaar PDFs (encrypted here with PyMuPDF, AES-256) through the core, the
CLI, the API and the desk: without a password `password_required`, a wrong one `wrong_password`
(422 on the API), the right one opens it; the password is never logged or stored."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pymupdf
import pytest

from ocr_core import errors
from ocr_core.loader import unlock_pdf

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "PRIY1992"  # UIDAI's rule: the first four letters of the name in capitals + year of birth
NUMBER = "498712345605"


@pytest.fixture(scope="module")
def eaadhaar() -> bytes:
    """A born-digital e-Aadhaar-like letter (text layer), password-protected."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for y, t, size in [(80, "Unique Identification Authority of India", 14), (130, "Priya Sharma", 14),
                       (150, "DOB: 03/09/1992", 12), (200, "Your Aadhaar No. : 4987 1234 5605", 18)]:
        page.insert_text((60, y), t, fontsize=size)
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=PASSWORD, owner_pw="owner-" + PASSWORD)


def _no_password_in(*blobs: bytes | str) -> None:
    for b in blobs:
        b = b.encode() if isinstance(b, str) else b
        assert PASSWORD.encode() not in b and PASSWORD.lower().encode() not in b


def _db_bytes(settings) -> bytes:
    p = Path(settings.db_path)
    return b"".join(f.read_bytes() for f in p.parent.glob(p.name + "*"))


def test_core_unlock_and_scan(settings, eaadhaar, caplog):
    caplog.set_level(logging.DEBUG)
    from ocr_core.pipeline import scan

    with pytest.raises(errors.PasswordRequiredError) as e1:
        scan(eaadhaar, filename="eaadhaar.pdf", settings=settings)
    with pytest.raises(errors.WrongPasswordError) as e2:
        scan(eaadhaar, filename="eaadhaar.pdf", settings=settings, password="PRIY1993")
    assert (e1.value.code, e2.value.code) == ("password_required", "wrong_password")
    res = scan(eaadhaar, filename="eaadhaar.pdf", settings=settings, password=PASSWORD)
    assert res.document_ids(unmask=True)["AADHAAR"] == [NUMBER]
    assert unlock_pdf(eaadhaar, PASSWORD) == unlock_pdf(eaadhaar, PASSWORD)  # same file, same hash
    # the scan log has both failures by code, and nowhere the password
    from ocr_core.store import connect

    codes = [r[0] for r in connect(settings.db_path).execute("select error_code from scans order by rowid")]
    assert codes[:2] == ["password_required", "wrong_password"]
    _no_password_in(_db_bytes(settings), caplog.text, json.dumps([r.__dict__ for r in caplog.records], default=str))


def _cli(*args, stdin: str | None = None, tmp: Path):
    env = {**os.environ, "DB_PATH": str(tmp / "cli.db"), "OCR_KEY_FILE": str(tmp / "k")}
    return subprocess.run([sys.executable, "-m", "ocr_core", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=300, input=stdin)


def test_cli_password_value_and_stdin(eaadhaar, tmp_path):
    f = tmp_path / "eaadhaar.pdf"
    f.write_bytes(eaadhaar)
    p = _cli("scan", str(f), tmp=tmp_path)
    assert p.returncode == 1 and "password-protected" in p.stderr and p.stdout == ""
    p = _cli("scan", "--password", "WRONG1992", str(f), tmp=tmp_path)
    assert p.returncode == 1 and "password of this PDF is wrong" in p.stderr
    p = _cli("scan", "--password-stdin", str(f), stdin=PASSWORD + "\n", tmp=tmp_path)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["document_ids"]["AADHAAR"] == ["XXXX XXXX 5605"]
    p2 = _cli("scan", "--no-cache", "--password", PASSWORD, str(f), tmp=tmp_path)
    assert p2.returncode == 0 and json.loads(p2.stdout)["file_hash"] == out["file_hash"]
    _no_password_in(p.stderr, p2.stderr, (tmp_path / "cli.db").read_bytes())


def test_api_password_field_sync_pdf_and_async(settings, engine, eaadhaar, caplog):
    caplog.set_level(logging.DEBUG)
    from fastapi.testclient import TestClient

    from ocr_api import create_app
    from ocr_core.jobs import reset_backends

    up = lambda: {"file": ("eaadhaar.pdf", eaadhaar, "application/pdf")}  # noqa: E731
    with TestClient(create_app(settings)) as c:
        for path in ("/ocr-api/paddleocr/predict", "/ocr-api/pdf", "/ocr-api/paddleocr/predict-async"):
            r = c.post(path, files=up())
            assert r.status_code == 422 and r.json()["error"] == "password_required", r.text
            r = c.post(path, files=up(), data={"password": "PRIY1993"})
            assert r.status_code == 422 and r.json()["error"] == "wrong_password", r.text
            _no_password_in(r.text)
        r = c.post("/ocr-api/paddleocr/predict", files=up(), data={"password": PASSWORD})
        assert r.status_code == 200 and r.json()["document_ids"]["AADHAAR"] == ["XXXX XXXX 5605"]
        r = c.post("/ocr-api/pdf", files=up(), data={"password": PASSWORD})
        assert r.status_code == 200 and r.json()["page_count"] == 1
        r = c.post("/ocr-api/paddleocr/predict-async", files=up(), data={"password": PASSWORD})
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        for _ in range(600):
            j = c.get(f"/ocr-api/paddleocr/status/{job_id}").json()
            if j["status"] in ("SUCCESS", "FAILURE"):
                break
            time.sleep(0.1)
        assert j["status"] == "SUCCESS", j
        # the masked page image and the masked PDF of the e-Aadhaar
        fh = j["file_hash"]
        img = c.get(f"/ocr-api/documents/{fh}/pages/1/image")
        assert img.status_code == 200 and img.headers["content-type"] == "image/png"
        pdf = c.get(f"/ocr-api/documents/{fh}/masked.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and NUMBER.encode() not in pdf.content
        assert c.get(f"/ocr-api/documents/{'0' * 64}/pages/1/image").status_code == 404
        assert c.get(f"/ocr-api/documents/{fh}/pages/9/image").status_code == 404
    reset_backends()
    from ocr_core import crypto, files

    stored = [crypto.fernet().decrypt(p.read_bytes()) for p in files.files_dir().rglob("*") if p.is_file()]
    _no_password_in(_db_bytes(settings), caplog.text, *stored)
    assert not any(b == eaadhaar for b in stored)  # the protected upload itself is not what is kept


def test_desk_asks_for_the_password(settings, engine, eaadhaar, app_nav):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.text_input(key="operator").set_value("asha").run()
    at.file_uploader(key="review_upload").set_value(("eaadhaar.pdf", eaadhaar, "application/pdf")).run()
    assert not at.exception
    assert any(e.value.startswith("eaadhaar.pdf: The PDF is password-protected") for e in at.error)
    at.text_input(key="unlock_password").set_value("PRIY1993")
    at.button(key="FormSubmitter:unlock_form-Open").click().run()
    assert any("wrong" in e.value for e in at.error), [e.value for e in at.error]
    at.text_input(key="unlock_password").set_value(PASSWORD)
    at.button(key="FormSubmitter:unlock_form-Open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["doc_hash"] and not at.session_state["locked"]
    assert len(at.get("image")) >= 1  # the masked page
    assert at.data_editor[0].value["value"][0] == "XXXX XXXX 5605"
    _no_password_in(_db_bytes(settings))
