"""What the operator corrects and approves is what leaves the desk, in a real Chromium against
`streamlit run app.py`: bulk-upload two documents, open one from the batch, correct its PAN in the
ID editor, approve it, then download the bulk CSV: it carries the corrected PAN, the review status,
the reviewer and the number of corrections (and the other document stays pending)."""
from __future__ import annotations

import csv
import hashlib
import io

import pytest

NEW_PAN = "ABCPK1234Z"
DOCS = ["pan_000.png", "voter_000.png"]

pytestmark = pytest.mark.browser


def _settled(page) -> None:
    """Wait until the script run is over (the page is not rerunning)."""
    page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState
                              === 'notRunning'""", timeout=120_000)


@pytest.mark.app_env(OCR_WORKERS="2", LOG_LEVEL="WARNING")
def test_bulk_correct_approve_and_the_bulk_csv_carries_it(streamlit_server, chromium, accounts, dev_dir, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=120_000)
    accounts.add("asha", "operator")  # uploads and corrects
    accounts.add("ravi", "checker")  # approves (four eyes: not the one who corrected)
    page = chromium.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1100}).new_page()
    page.set_default_timeout(120_000)
    accounts.sign_in(page, "asha", path="/bulk")
    page.goto(f"{streamlit_server.url}/bulk")
    expect(page.get_by_text("Bulk upload").first).to_be_visible()
    page.locator("input[type=file]").first.set_input_files([str(dev_dir / n) for n in DOCS])
    expect(page.get_by_text(DOCS[-1]).first).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Process").click()
    expect(page.get_by_text("2 / 2 done").first).to_be_visible(timeout=600_000)
    bulk_url = page.url
    assert "batch=" in bulk_url

    # open the PAN card from the batch (the table's "open" link carries ?doc=<hash>); through the
    # app's entry point (the review page is its default)
    h = hashlib.sha256((dev_dir / "pan_000.png").read_bytes()).hexdigest()
    page.goto(f"{streamlit_server.url}/?doc={h}")
    expect(page.get_by_role("heading", name="pan_000.png")).to_be_visible()
    _settled(page)
    grid = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("canvas")).nth(1)
    grid.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    box = grid.bounding_box()
    page.mouse.dblclick(box["x"] + 35 + 130 + 80, box["y"] + 35 + 17)  # row markers, "type", then "value"
    cell = page.locator("textarea.gdg-input, #portal textarea").first
    cell.wait_for()
    cell.fill(NEW_PAN)
    cell.press("Enter")
    expect(page.get_by_text(f"PAN {NEW_PAN}: valid")).to_be_visible()
    _settled(page)
    page.locator(".st-key-btn_save button").click()
    expect(page.get_by_text("Saved 1 correction(s).")).to_be_visible()
    _settled(page)
    checker = chromium.new_context(viewport={"width": 1400, "height": 1100}).new_page()
    checker.set_default_timeout(120_000)
    accounts.sign_in(checker, "ravi", path=f"/?doc={h}")
    expect(checker.get_by_role("heading", name="pan_000.png")).to_be_visible()
    _settled(checker)
    checker.locator(".st-key-btn_approve button").click()
    expect(checker.get_by_text("Marked approved by ravi.")).to_be_visible()

    # back to the batch: its CSV is the reviewed truth
    page.goto(bulk_url)
    expect(page.get_by_text("2 / 2 done").first).to_be_visible()
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=60_000)
    button = page.get_by_role("button", name="CSV (one row per document)")
    with page.expect_download(timeout=60_000) as dl:
        button.click()
    path = tmp_path / "batch.csv"
    dl.value.save_as(path)
    rows = {r["filename"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}
    pan = rows["pan_000.png"]
    assert (pan["PAN"], pan["PAN_valid"], pan["review_status"], pan["reviewed_by"], pan["n_corrections"]) == \
        (NEW_PAN, "true", "approved", "ravi", "1"), pan
    assert "EDYPK5645N" not in path.read_text(encoding="utf-8")  # the OCR's value does not leave the desk
    assert rows["voter_000.png"]["review_status"] == "pending" and rows["voter_000.png"]["status"] == "SUCCESS"
