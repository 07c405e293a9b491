"""A real Chromium drives `streamlit run app.py`: the Bulk page's bar, its text and its table agree
(issue 24, item 5). One ZIP with a digital PDF (read from its text layer), a broken PDF and an
empty member: 3 rows, 2 failed, the bar full when the text says all are done, the refused member
named once."""
from __future__ import annotations

import io
import zipfile

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.app_env(OCR_WORKERS="1", LOG_LEVEL="WARNING")
def test_bulk_bar_text_and_rows_agree(streamlit_server, chromium, accounts, dev_dir, tmp_path):
    from playwright.sync_api import expect

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("gst.pdf", (dev_dir / "gst_000_digital.pdf").read_bytes())
        z.writestr("bad.pdf", b"%PDF-1.4 broken")
        z.writestr("empty.png", b"")
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(buf.getvalue())
    page = chromium.new_context().new_page()
    page.set_default_timeout(120_000)
    accounts.add("asha", "operator")
    accounts.sign_in(page, "asha", path="/bulk")
    expect(page.get_by_text("Bulk upload").first).to_be_visible(timeout=120_000)
    page.locator("input[type=file]").first.set_input_files([str(bundle)])
    expect(page.get_by_text("bundle.zip").first).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Process").click()
    # the refused member: its name once in the message
    message = page.get_by_text("bundle.zip/empty.png: the file is empty")
    expect(message.first).to_be_visible(timeout=60_000)
    assert "bundle.zip/empty.png: bundle.zip/empty.png" not in page.content()
    # one count: 3 rows (2 jobs, 1 refused member), 2 failed; the bar full when the text says done
    expect(page.get_by_text("3 / 3 done · 2 failed").first).to_be_visible(timeout=300_000)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=60_000)
    bars = page.locator('[data-testid="stProgress"] [role="progressbar"]')
    expect(bars).to_have_count(1)
    assert bars.first.get_attribute("aria-valuenow") == "100"
    page.wait_for_timeout(2500)  # after the refreshes stop, still one bar, still full
    expect(bars).to_have_count(1)
    assert bars.first.get_attribute("aria-valuenow") == "100"
