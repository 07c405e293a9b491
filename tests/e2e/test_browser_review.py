"""End to end in a real browser: Playwright drives Debian's Chromium against `streamlit run app.py`
on a free localhost port, with its own database and key. Upload a dev PAN card, wait for the page
image with boxes, correct the PAN number in the ID editor, save, approve with the keyboard
shortcut; then check the correction and the status in SQLite. Keeps a screenshot and prints the
upload-to-boxes time for a cold and a cached upload. Then region re-OCR with a rectangle drawn by
mouse on the canvas (an ID already listed is not added twice), and the R (reject, with its
reason) and N (next document) shortcuts."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
NEW_PAN = "ABCPK1234Z"

pytestmark = pytest.mark.browser


def _open(browser, accounts, operator: str, role: str = "checker"):
    """A new browser context (its own cookies) signed in as `operator` (created with `role`)."""
    page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
    page.set_default_timeout(120_000)
    accounts.add(operator, role)
    accounts.sign_in(page, operator)
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


def test_review_in_browser(streamlit_server, chromium, accounts, dev_dir, monkeypatch):
    from playwright.sync_api import expect

    url, db_path, key_file = streamlit_server.url, streamlit_server.db_path, streamlit_server.key_file
    browser = chromium
    card = dev_dir / "pan_000.png"
    ARTIFACTS.mkdir(exist_ok=True)
    page = _open(browser, accounts, "asha", "operator")
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

    # an operator cannot approve (her own correction or any): the button is disabled, the page says why
    expect(page.locator(".st-key-btn_approve button")).to_be_disabled()
    expect(page.get_by_text("Approve and reject need the checker role (you are operator).")).to_be_visible()
    page.locator("h1").first.click()
    page.keyboard.press("a")  # the shortcut clicks nothing either
    page.wait_for_timeout(500)

    # the same card again in a new session (a checker): served from the cache; approve with the shortcut
    page2 = _open(browser, accounts, "ravi", "checker")
    cached = _upload_until_boxes(page2, card)
    expect(page2.get_by_text("pan_000.png: PAN, 1 ID(s), from the cache")).to_be_attached()
    _settled(page2)
    expect(page2.locator('.st-key-btn_approve:not([data-stale="true"]) button')).to_be_enabled()
    page2.locator("h1").first.click()
    page2.keyboard.press("a")
    expect(page2.get_by_text("Marked approved by ravi.")).to_be_visible()
    page2.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
                 .some(i => i.complete && i.naturalWidth > 0)""")
    ARTIFACTS.mkdir(exist_ok=True)
    page2.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)

    print(f"\nupload -> boxes on screen: cold {cold:.2f} s, cached {cached:.2f} s")
    monkeypatch.setenv("DB_PATH", str(db_path))
    monkeypatch.setenv("OCR_KEY_FILE", str(key_file))
    from ocr_core import crypto
    from ocr_core.config import get_settings

    get_settings.cache_clear()
    try:
        con = sqlite3.connect(db_path)
        corr = con.execute("select field, id_type, before, after, operator from corrections").fetchall()
        assert len(corr) == 1 and corr[0][:2] == ("id:pan-p1-1", "PAN") and corr[0][4] == "asha"
        assert crypto.decrypt_text(corr[0][3]) == NEW_PAN and crypto.decrypt_text(corr[0][2]) == "EDYPK5645N"
        status = con.execute("select review_status, reviewed_by from documents").fetchall()
        assert status == [("approved", "ravi")]
        actions = [r for r in con.execute("select operator, role, action from audit where file_hash is not null "
                                          "order by id")]
        assert actions == [("asha", "operator", "correct"), ("ravi", "checker", "approve")]
        con.close()
    finally:
        get_settings.cache_clear()
    assert (ARTIFACTS / "review.png").stat().st_size > 10_000
    assert cached < cold


@contextmanager
def _app_db(server, monkeypatch):
    """ocr_core pointed at the app's own database and key, to read what the browser session wrote."""
    from ocr_core import store
    from ocr_core.config import get_settings

    monkeypatch.setenv("DB_PATH", str(server.db_path))
    monkeypatch.setenv("OCR_KEY_FILE", str(server.key_file))
    get_settings.cache_clear()
    try:
        yield
    finally:
        store.close_all()
        get_settings.cache_clear()


def _settled(page) -> None:
    """Wait until the script run is over: no element left marked stale from the previous run."""
    page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
                                    && !document.querySelector('[data-stale="true"]')""")


def test_region_reocr_by_mouse_on_the_canvas(streamlit_server, chromium, accounts, dev_dir, monkeypatch):
    """Draw a rectangle around the PAN number on the region canvas with the mouse; only that crop
    is read; its text and ID are offered, and an ID already listed is not offered for adding again."""
    from playwright.sync_api import expect

    card = dev_dir / "pan_000.png"
    h = hashlib.sha256(card.read_bytes()).hexdigest()
    gt = json.loads((dev_dir / "pan_000.gt.json").read_text())
    img_w, img_h = gt["image_size"]
    pan_box = next(ln["box"] for ln in gt["lines"] if ln["text"] == "EDYPK5645N")
    xs, ys = [p[0] for p in pan_box], [p[1] for p in pan_box]
    # the PAN number with a margin, clear of the lines above (ends at y 125) and below (starts at 189)
    rect = (min(xs) - 12, min(ys) - 6, max(xs) + 12, max(ys) + 12)

    page = _open(chromium, accounts, "asha", "operator")
    _upload_until_boxes(page, card)
    expect(page.get_by_text("pan_000.png: PAN, 1 ID(s), read in")).to_be_attached()
    page.get_by_text("Region re-OCR: draw a rectangle on the page").click()
    expect(page.get_by_text("Draw a rectangle around the text to read again.")).to_be_visible()
    canvas = page.locator('[class*="st-key-canvas_"] canvas.upper-canvas')
    # centred: an edge aligned with the viewport's can land a sub-pixel outside it (ratio 0.9997)
    canvas.evaluate("e => e.scrollIntoView({block: 'center'})")
    expect(canvas).to_be_in_viewport(ratio=1)
    box = canvas.bounding_box()
    assert box["width"] > 100, box
    sx, sy = box["width"] / img_w, box["height"] / img_h  # page pixels -> screen pixels

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + x * sx, box["y"] + y * sy

    page.mouse.move(*at(rect[0], rect[1]))
    page.mouse.down()
    page.mouse.move(*at((rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2), steps=5)
    page.mouse.move(*at(rect[2], rect[3]), steps=5)
    page.mouse.up()

    read = page.locator(".st-key-btn_region button")
    expect(read).to_be_enabled()
    read.click()
    offered = page.get_by_text("Text in the region:")
    expect(offered).to_be_visible()
    text = offered.text_content()
    assert "EDYPK5645N" in text and "ASHA" not in text and "Permanent" not in text, text
    # the PAN found in the region is the one already listed: offered as such, not added twice
    expect(page.get_by_text("PAN EDYPK5645N: already listed")).to_be_visible()
    expect(page.locator(".st-key-btn_add_region_0")).to_have_count(0)
    expect(page.get_by_text("1 ID(s), 0 invalid")).to_be_visible()

    with _app_db(streamlit_server, monkeypatch):
        from ocr_core.record import repository, trail, view
        from ocr_core.store import connect

        audit = trail.audit_rows(h)
        assert [(a["operator"], a["action"]) for a in audit] == [("asha", "reocr")]
        # the crop read is the rectangle drawn, in page pixels (within a few pixels of mouse rounding)
        got = audit[0]["detail"]["rect"]
        assert all(abs(g - w) <= 4 for g, w in zip(got, rect)), (got, rect)
        assert repository.corrections(h, connect()) == []
        v = view.view(h)
        assert [(d.type, d.value, d.valid) for d in v.result.ids] == [("PAN", "EDYPK5645N", True)]


def test_reject_and_next_document_shortcuts(streamlit_server, chromium, accounts, dev_dir, monkeypatch):
    """R rejects, and only with the reason typed in the page's "Reason to reject" field; N opens
    the next document waiting for review, and says so when none is left."""
    from playwright.sync_api import expect

    pan, voter = dev_dir / "pan_000.png", dev_dir / "voter_000.png"
    h_pan, h_voter = (hashlib.sha256(p.read_bytes()).hexdigest() for p in (pan, voter))
    page = _open(chromium, accounts, "asha", "checker")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(pan), str(voter)])
    expect(page.get_by_text("Read 2 of 2 file(s)")).to_be_visible(timeout=120_000)  # two OCR reads
    expect(page.get_by_role("heading", name="pan_000.png")).to_be_visible()
    _settled(page)

    buttons = {"r": "btn_reject", "n": "btn_next"}

    def shortcut(key: str) -> None:
        # the button the key clicks must be on the page (rendered, not stale) before the key is pressed
        expect(page.locator(f'.st-key-{buttons[key]}:not([data-stale="true"]) button')).to_be_enabled()
        page.locator("h1").first.click()  # focus outside any text field
        page.keyboard.press(key)

    # R with no reason: refused, with the page's message; nothing stored
    shortcut("r")
    expect(page.get_by_text("give a reason to reject the document")).to_be_visible()
    with _app_db(streamlit_server, monkeypatch):
        from ocr_core.record import repository, trail, view
        from ocr_core.store import connect

        assert repository.get_row(h_pan, connect())["review_status"] == "pending" and trail.audit_rows(h_pan) == []

    # a letter typed into the reason field is text, not a shortcut
    reason = page.locator("[class*='st-key-reject_reason_'] input")
    reason.fill("photo does not match")
    reason.press("r")
    reason.press("Enter")
    _settled(page)
    expect(reason).to_have_value("photo does not matchr")
    reason.fill("photo does not match")
    reason.press("Enter")
    _settled(page)
    shortcut("r")
    expect(page.get_by_text("Marked rejected by asha.")).to_be_visible()
    expect(page.get_by_text("Reason: photo does not match")).to_be_visible()

    # N: the next document waiting (the voter card) opens, and the link follows it
    shortcut("n")
    expect(page.get_by_role("heading", name="voter_000.png")).to_be_visible()
    page.wait_for_url(f"**doc={h_voter}**")
    _settled(page)
    # N again: the PAN card is decided, nothing else waits
    shortcut("n")
    expect(page.get_by_text("No other document is waiting for review.")).to_be_visible()
    expect(page.get_by_role("heading", name="voter_000.png")).to_be_visible()

    with _app_db(streamlit_server, monkeypatch):
        row = repository.get_row(h_pan, connect())
        assert (row["review_status"], row["reviewed_by"], row["review_reason"]) == ("rejected", "asha",
                                                                                   "photo does not match")
        assert repository.get_row(h_voter, connect())["review_status"] == "pending"
        assert [a["action"] for a in trail.audit_rows(h_pan)] == ["reject"]
        detail = trail.audit_rows(h_pan)[0]["detail"]
        assert {k: detail[k] for k in ("status", "reason")} == {"status": "rejected", "reason": "photo does not match"}
        assert detail["version"] is not None  # the decision names the version it was about
        assert trail.audit_rows(h_voter) == []
