"""A real Chromium drives `streamlit run app.py`: bulk-upload ten dev documents, wait for the
jobs to finish, download the per-document CSV and check its rows against the ground truth."""
from __future__ import annotations

import csv
import io
import json

import pytest

from ocr_core.privacy import mask_id

DOCS = ["aadhaar_000.png", "aadhaar_001.png", "pan_000.png", "pan_001.png", "dl_001.png", "passport_000.png",
        "udyam_000.png", "gst_000_digital.pdf", "voter_000.png", "distractor_000.png"]

pytestmark = pytest.mark.browser


def _expected(gt: dict) -> dict[str, set[str]]:
    out = {}
    for t, vals in gt["ids"].items():
        if t == "MRZ":
            out[t] = {" / ".join(vals)} if vals else set()
        else:
            out[t] = {mask_id(t, v) if t in ("AADHAAR", "VID") else v for v in vals}
    return out


@pytest.mark.app_env(OCR_WORKERS="2", LOG_LEVEL="WARNING")
def test_bulk_upload_ten_documents_and_download_csv(streamlit_server, chromium, accounts, dev_dir, tmp_path):
    from playwright.sync_api import expect

    page = chromium.new_context(accept_downloads=True).new_page()
    page.set_default_timeout(120_000)
    accounts.add("asha", "operator")
    accounts.sign_in(page, "asha", path="/bulk")  # the sign-in keeps the page asked for
    expect(page.get_by_text("Bulk upload").first).to_be_visible(timeout=120_000)
    page.locator("input[type=file]").first.set_input_files([str(dev_dir / n) for n in DOCS])
    expect(page.get_by_text(DOCS[-1]).first).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Process").click()
    # the progress updates by itself: no clicks until it reads 10 / 10
    expect(page.get_by_text("10 / 10 done").first).to_be_visible(timeout=600_000)
    assert "batch=" in page.url
    # reload: the batch comes back from the address bar, and no element of an earlier
    # refresh (a download button holding a CSV from before the last job finished) is left
    page.reload()
    expect(page.get_by_text("10 / 10 done").first).to_be_visible(timeout=120_000)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=60_000)
    button = page.get_by_role("button", name="CSV (one row per document)")
    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=60_000) as dl:
        button.click()
    path = tmp_path / "results.csv"
    dl.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["filename"] for r in rows) == sorted(DOCS)
    for r in rows:
        gt = json.loads((dev_dir / (r["filename"].rsplit(".", 1)[0] + ".gt.json")).read_text())
        assert r["status"] == "SUCCESS", r
        want = "UNKNOWN" if gt["document_type"] == "NONE" else gt["document_type"]
        assert r["document_type"] == want, r["filename"]
        for t, exp in _expected(gt).items():
            ours = {v for v, f in zip(r[t].split(" | "), r[f"{t}_valid"].split(" | ")) if v and f == "true"}
            assert ours == exp, (r["filename"], t, ours, exp)
        for t in ("AADHAAR", "VID"):
            for v in gt["ids"][t]:
                assert v not in text and v[-4:] in text  # masked, last four shown
