"""End to end in a real browser: Playwright drives Debian's Chromium against `streamlit run app.py`
on a free localhost port, with its own database and key. Upload a dev PAN card, wait for the page
image with boxes, correct the PAN number in the ID editor, save, approve with the keyboard
shortcut; then check the correction and the status in SQLite. Keeps a screenshot and prints the
upload-to-boxes time for a cold and a cached upload."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
NEW_PAN = "ABCPK1234Z"

pytestmark = pytest.mark.browser


def _open(browser, url: str, operator: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(120_000)
    page.goto(url)
    op = page.locator(".st-key-operator input")
    op.fill(operator)
    op.press("Enter")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached")
    page.get_by_text("Decision").or_(page.get_by_text("Upload a document or open one")).first.wait_for()
    return page


def _upload_until_boxes(page, path: Path) -> float:
    t0 = time.perf_counter()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
                 .some(i => i.complete && i.naturalWidth > 0)""")
    return time.perf_counter() - t0


def test_review_in_browser(streamlit_server, chromium, dev_dir, monkeypatch):
    from playwright.sync_api import expect

    url, db_path, key_file = streamlit_server.url, streamlit_server.db_path, streamlit_server.key_file
    browser = chromium
    card = dev_dir / "pan_000.png"
    ARTIFACTS.mkdir(exist_ok=True)
    page = _open(browser, url, "asha")
    cold = _upload_until_boxes(page, card)
    scan_note = page.get_by_text("pan_000.png: PAN, 1 ID(s), read in")
    expect(scan_note).to_be_attached()
    print(f"\nserver-side scan: {scan_note.text_content()}")

    # correct the PAN in the ID editor (a canvas grid): select the value cell, type, Enter
    grid = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("canvas")).nth(1)
    grid.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    box = grid.bounding_box()
    # row markers (~35 px), then "type" (130 px), then "value"; the header row is 35 px high
    page.mouse.dblclick(box["x"] + 35 + 130 + 80, box["y"] + 35 + 17)
    cell_editor = page.locator("textarea.gdg-input, #portal textarea").first
    cell_editor.wait_for()
    cell_editor.fill(NEW_PAN)
    cell_editor.press("Enter")
    expect(page.get_by_text(f"PAN {NEW_PAN}: valid")).to_be_visible()
    page.locator(".st-key-btn_save button").click()
    expect(page.get_by_text("Saved 1 correction(s).")).to_be_visible()

    # approve with the keyboard shortcut (focus outside any text field)
    page.locator("h1").first.click()
    page.keyboard.press("a")
    expect(page.get_by_text("Marked approved by asha.")).to_be_visible()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
                 .some(i => i.complete && i.naturalWidth > 0)""")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)

    # the same card again in a new session: served from the cache
    page2 = _open(browser, url, "ravi")
    cached = _upload_until_boxes(page2, card)
    expect(page2.get_by_text("pan_000.png: PAN, 1 ID(s), from the cache")).to_be_attached()

    print(f"\nupload -> boxes on screen: cold {cold:.2f} s, cached {cached:.2f} s")
    monkeypatch.setenv("DB_PATH", str(db_path))
    monkeypatch.setenv("OCR_KEY_FILE", str(key_file))
    from ocr_core import crypto
    from ocr_core.config import get_settings

    get_settings.cache_clear()
    try:
        con = sqlite3.connect(db_path)
        corr = con.execute("select field, id_type, before, after, operator from corrections").fetchall()
        assert len(corr) == 1 and corr[0][:2] == ("id:ocr-0", "PAN") and corr[0][4] == "asha"
        assert crypto.decrypt_text(corr[0][3]) == NEW_PAN and crypto.decrypt_text(corr[0][2]) == "EDYPK5645N"
        status = con.execute("select review_status, reviewed_by from documents").fetchall()
        assert status == [("approved", "asha")]
        actions = [r[0] for r in con.execute("select action from audit order by id")]
        assert actions == ["correct", "approve"]
        con.close()
    finally:
        get_settings.cache_clear()
    assert (ARTIFACTS / "review.png").stat().st_size > 10_000
    assert cached < cold
