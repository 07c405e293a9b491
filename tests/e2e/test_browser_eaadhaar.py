"""In a real browser: a password-protected e-Aadhaar PDF is uploaded, the desk asks for its
password, a wrong one is refused, the right one opens it and the masked page is shown; the
password is nowhere in the database."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pymupdf
import pytest

pytestmark = pytest.mark.browser
PASSWORD = "PRIY1992"


def test_eaadhaar_password_in_browser(streamlit_server, chromium, accounts, tmp_path):
    from playwright.sync_api import expect

    doc = pymupdf.open()
    page_ = doc.new_page(width=595, height=842)
    page_.insert_text((60, 80), "Unique Identification Authority of India", fontsize=14)
    page_.insert_text((60, 200), "Your Aadhaar No. : 4987 1234 5605", fontsize=18)
    pdf = tmp_path / "eaadhaar.pdf"
    pdf.write_bytes(doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=PASSWORD, owner_pw="o" + PASSWORD))

    page = chromium.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(120_000)
    accounts.add("asha", "operator")
    accounts.sign_in(page, "asha")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(pdf))
    expect(page.get_by_text("eaadhaar.pdf: The PDF is password-protected")).to_be_visible(timeout=120_000)
    pw = page.locator(".st-key-unlock_password input")
    pw.fill("PRIY1993")
    page.get_by_test_id("stBaseButton-secondaryFormSubmit").click()
    expect(page.get_by_text("The password of this PDF is wrong")).to_be_visible(timeout=120_000)
    pw.fill(PASSWORD)
    page.get_by_test_id("stBaseButton-secondaryFormSubmit").click()
    expect(page.get_by_text("Opened eaadhaar.pdf")).to_be_visible(timeout=120_000)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stImage"] img')]
                                     .some(i => i.complete && i.naturalWidth > 0)""")
    expect(page.get_by_text("Aadhaar/VID masked on the image").first).to_be_visible(timeout=120_000)
    con = sqlite3.connect(streamlit_server.db_path)
    assert con.execute("select count(*) from documents").fetchone()[0] == 1
    con.close()
    blob = b"".join(p.read_bytes() for p in Path(streamlit_server.db_path).parent.glob("ocr.db*"))
    assert PASSWORD.encode() not in blob
