"""The bulk, history and metrics pages through Streamlit's AppTest, from app.py, with the real
engine, the real job pool and a real SQLite file."""
from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ocr_core.record import corrections, decisions, view
from ocr_core.intake import process_upload
from ocr_core.jobs import JobStore

from desk import desk

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180


def _page(name: str, operator: str = "asha", query: dict | None = None, role: str = "operator") -> AppTest:
    at = desk(operator, role, query=query)
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in members:
            z.writestr(n, d)
    return buf.getvalue()


def test_bulk_page_upload_progress_filters_and_reload(settings, engine, dev_dir, app_nav):
    at = _page("bulk")
    assert "No batches yet." in [i.value for i in at.info]
    files = [("gst_000_digital.pdf", (dev_dir / "gst_000_digital.pdf").read_bytes(), "application/pdf"),
             ("pan_000.png", (dev_dir / "pan_000.png").read_bytes(), "image/png"),
             ("more.zip", _zip([("udyam.pdf", (dev_dir / "udyam_000_digital.pdf").read_bytes()),
                                ("bad.pdf", b"%PDF-1.4 broken"), ("empty.png", b"")]), "application/zip"),
             ("evil.zip", _zip([("../../etc/x.png", b"x")]), "application/zip")]
    at.file_uploader(key="bulk_files").set_value(files)
    next(b for b in at.button if b.label == "Process").click().run()
    assert not at.exception, [e.value for e in at.exception]
    batch_id = at.query_params["batch"]
    batch_id = batch_id[0] if isinstance(batch_id, list) else batch_id
    assert any("evil.zip" in e.value and "leaves the archive" in e.value for e in at.error)
    # a refused ZIP member: its name said once (not "more.zip/empty.png: more.zip/empty.png: ...")
    assert [e.value.count("more.zip/empty.png") for e in at.error if "empty.png" in e.value] == [1]
    store = JobStore(settings)
    deadline = time.monotonic() + 120
    while any(not j.done for j in store.list(batch_id=batch_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(store.list(batch_id=batch_id)) == 4
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # one count for the bar, its text and the table: 6 rows (4 jobs, a refused archive, a refused ZIP
    # member), 3 failed (the broken PDF, both refusals); the bar full when the text says all done
    bar = at.get("progress")[0].proto
    assert bar.text == "6 / 6 done · 3 failed" and bar.value == 100
    df = at.dataframe[0].value
    assert len(df) == 6 and (df.status.isin(["FAILURE", "REFUSED"])).sum() == 3
    # the refused upload is a row too; the review status is shown; no "None" for what is missing
    assert sorted(df.filename) == ["evil.zip", "gst_000_digital.pdf", "more.zip/bad.pdf", "more.zip/empty.png",
                                   "more.zip/udyam.pdf", "pan_000.png"]
    by = df.set_index("filename")
    assert by.loc["evil.zip"].status == "REFUSED" and by.loc["evil.zip"].review_status == ""
    # failed rows say so under Review (the link column shows "failed"), never None
    assert [by.loc[n].open for n in ("evil.zip", "more.zip/bad.pdf", "more.zip/empty.png")] == ["#failed"] * 3
    assert df.open.notna().all()
    row = by.loc["pan_000.png"]
    assert row.PAN == "EDYPK5645N" and row.open.endswith("?doc=" + store.list(batch_id=batch_id)[1].file_hash + "#open")
    assert row.review_status == "pending" and list(df.columns).index("PAN") < list(df.columns).index("pages")
    assert len(at.get("download_button")) == 3
    at.multiselect(key="bulk_types").set_value(["GSTIN", "UDYAM"]).run()
    assert sorted(at.dataframe[0].value.filename) == ["gst_000_digital.pdf", "more.zip/udyam.pdf"]
    at.multiselect(key="bulk_types").set_value([]).run()
    at.multiselect(key="bulk_status").set_value(["FAILURE"]).run()
    assert list(at.dataframe[0].value.filename) == ["more.zip/bad.pdf"]
    at.multiselect(key="bulk_status").set_value(["REFUSED"]).run()
    assert sorted(at.dataframe[0].value.filename) == ["evil.zip", "more.zip/empty.png"]
    at.multiselect(key="bulk_status").set_value(["pending"]).run()  # a review status
    assert len(at.dataframe[0].value) == 3
    # a reload (a new session) with the batch in the address bar shows the same jobs
    again = _page("bulk", query={"batch": batch_id})
    assert len(again.dataframe[0].value) == 4  # the refusals were this session's messages


def test_history_page_filters_and_delete(settings, engine, dev_dir, app_nav):
    hashes = {n: process_upload((dev_dir / n).read_bytes(), n).file_hash
              for n in ("gst_000_digital.pdf", "udyam_000_digital.pdf", "gst_001_digital.pdf")}
    decisions.set_status(hashes["gst_001_digital.pdf"], "approved", "ravi")
    corrections.apply_changes(hashes["gst_000_digital.pdf"], [{"field": "name", "value": "Corrected  Traders"}], "meena")
    checker = _page("history", "chen", role="checker")  # delete is an admin's: disabled, and why
    assert checker.button(key="hist_delete").disabled
    assert "Delete needs the admin role (you are checker)." in [c.value for c in checker.caption]
    at = _page("history", "ada", role="admin")
    assert len(at.dataframe[0].value) == 3
    assert "3 documents · page 1 of 1" in [c.value for c in at.caption]
    names = dict(zip(at.dataframe[0].value.filename, at.dataframe[0].value.name))
    assert names["gst_000_digital.pdf"] == "Corrected Traders"  # the reviewed name, as corrected
    assert names["udyam_000_digital.pdf"] == view.view(hashes["udyam_000_digital.pdf"]).fields["name"].value
    at.multiselect(key="hist_types").set_value(["GSTIN"]).run()
    assert sorted(at.dataframe[0].value.filename) == ["gst_000_digital.pdf", "gst_001_digital.pdf"]
    at.selectbox(key="hist_operator").set_value("ravi").run()
    df = at.dataframe[0].value
    assert list(df.filename) == ["gst_001_digital.pdf"] and df.open[0] == f"./?doc={hashes['gst_001_digital.pdf']}"
    at.selectbox(key="hist_operator").set_value("").run()
    at.text_input(key="hist_text").set_value("udyam").run()
    at.multiselect(key="hist_types").set_value([]).run()
    assert list(at.dataframe[0].value.filename) == ["udyam_000_digital.pdf"]
    at.selectbox(key="hist_delete_doc").set_value(hashes["udyam_000_digital.pdf"])
    at.checkbox(key="hist_delete_sure").check().run()
    at.button(key="hist_delete").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "No documents match." in [i.value for i in at.info]
    # the delete box is cleared: no document preselected, the confirmation unticked
    assert at.selectbox(key="hist_delete_doc").value is None and not at.checkbox(key="hist_delete_sure").value
    at.text_input(key="hist_text").set_value("").run()
    assert len(at.dataframe[0].value) == 2
    # an ID number finds its document (through the keyed hash index)
    import json

    gstin = json.loads((dev_dir / "gst_001_digital.gt.json").read_text())["ids"]["GSTIN"][0]
    at.text_input(key="hist_text").set_value(gstin.lower()).run()
    assert list(at.dataframe[0].value.filename) == ["gst_001_digital.pdf"]


def test_metrics_page_shows_activity(settings, engine, dev_dir, app_nav):
    h = process_upload((dev_dir / "gst_000_digital.pdf").read_bytes(), "gst.pdf").file_hash
    process_upload((dev_dir / "gst_000_digital.pdf").read_bytes(), "gst.pdf")
    corrections.add_id(h, "PAN", "ABCPE1234F", "ravi", reason="missed")
    at = _page("metrics")
    m = {x.label: x.value for x in at.metric}
    assert m["Requests"] == "2" and m["Errors"] == "0" and m["Cache hit rate"] == "50.0%"
    assert m["Latency p50"] != "–" and m["Uptime"] != "–"
    tables = [d.value for d in at.dataframe]
    assert any("corrections" in t.columns and "ravi" in set(t.iloc[:, 0]) for t in tables)
    engines = next(t for t in tables if "engine" in t.columns and "last_used" in t.columns)
    assert list(engines["engine"]).count("cascade") == 1  # once, with its last use (not a second row with None)
    assert engines["last_used"].notna().all() and "None" not in set(engines["last_used"].astype(str))
    assert len(at.get("arrow_vega_lite_chart")) + len(at.get("vega_lite_chart")) >= 1
