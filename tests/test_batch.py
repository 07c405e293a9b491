"""Batch runs through the real job pool: exports (masked), ZIP uploads, and the CLI command."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from ocr_core import batch
from ocr_core.jobs import FAILURE, SUCCESS, EmbeddedBackend

ROOT = Path(__file__).resolve().parents[1]


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in members:
            z.writestr(n, d)
    return buf.getvalue()


def test_submit_uploads_expands_zips_and_exports_masked(settings, dev_dir, engine):
    aad = (dev_dir / "aadhaar_000.png").read_bytes()
    gst = (dev_dir / "gst_000_digital.pdf").read_bytes()
    udy = (dev_dir / "udyam_000_digital.pdf").read_bytes()
    be = EmbeddedBackend(settings, workers=2)
    try:
        jobs, refused = batch.submit_uploads(be, [
            ("aadhaar_000.png", aad),
            ("docs.zip", zip_of([("gst.pdf", gst), ("udyam.pdf", udy), ("again.png", aad)])),
            ("evil.zip", zip_of([("../x.png", aad)])),
            ("notes.txt", b"plain text"),
        ], batch_id="B")
        assert [r["filename"] for r in refused] == ["evil.zip"] and refused[0]["code"] == "bad_archive"
        assert len(jobs) == 5 and jobs[3].id == jobs[0].id  # the duplicate inside the ZIP
        done = be.wait([j.id for j in jobs], timeout=180)
    finally:
        be.shutdown()
    prog = batch.progress(done)
    assert prog["total"] == 5 and prog["done"] == 5 and prog["failed"] == 1 and prog["seconds_left"] == 0
    rows = batch.document_rows(done)
    by = {r["filename"]: r for r in rows}
    assert by["aadhaar_000.png"]["AADHAAR"] == "XXXX XXXX 3999" and by["aadhaar_000.png"]["AADHAAR_valid"] == "true"
    assert by["aadhaar_000.png"]["VID"] == "XXXX XXXX XXXX 0411"
    assert by["docs.zip/gst.pdf"]["document_type"] == "GSTIN" and by["docs.zip/gst.pdf"]["cached"] is False
    assert by["docs.zip/gst.pdf"]["page_types"] == "GSTIN" and by["docs.zip/gst.pdf"]["quality_ok"] is True
    assert by["aadhaar_000.png"]["page_types"] == "AADHAAR" and by["aadhaar_000.png"]["quality_reasons"] == ""
    assert json.loads((dev_dir / "gst_000_digital.gt.json").read_text())["ids"]["GSTIN"] == [by["docs.zip/gst.pdf"]["GSTIN"]]
    assert by["notes.txt"]["status"] == FAILURE and "Unsupported" in by["notes.txt"]["error"]
    # one column per field key: the named fields of each document
    assert by["aadhaar_000.png"]["name"] == "Sanjay Kumar Tiwari" and by["aadhaar_000.png"]["dob"] == "1958-03-01"
    assert by["aadhaar_000.png"]["gender"] == "MALE" and by["aadhaar_000.png"]["invalid_fields"] == ""
    assert by["docs.zip/gst.pdf"]["name"] == "GALAXY FABRICATORS LLP" and by["docs.zip/gst.pdf"]["gender"] == ""
    doc_csv = batch.to_csv(rows, batch.doc_columns()).decode()
    id_csv = batch.to_csv(batch.all_id_rows(done), batch.ID_COLUMNS).decode()
    js = batch.to_json(done).decode()
    for text in (doc_csv, id_csv, js):
        assert "215521093999" not in text and "2155 2109 3999" not in text and "7112284965890411" not in text
    assert "XXXX XXXX 3999" in id_csv and "XXXX XXXX 3999" in js
    assert len(list(csv.DictReader(io.StringIO(doc_csv)))) == 5
    assert {"name", "dob", "address", "invalid_fields"} <= set(doc_csv.splitlines()[0].split(","))
    assert json.loads(js)[0]["result"]["fields"]["name"]["value"] == "Sanjay Kumar Tiwari"
    assert {r["id_type"] for r in csv.DictReader(io.StringIO(id_csv))} >= {"AADHAAR", "VID", "GSTIN", "UDYAM"}
    assert {(r["id_type"], r["page_type"]) for r in csv.DictReader(io.StringIO(id_csv))} >= {("GSTIN", "GSTIN")}


def test_progress_estimates_time_left():
    from ocr_core.jobs import PENDING, Job

    jobs = [Job(str(i), "f", "h", SUCCESS if i < 2 else PENDING, None, created_at=100.0) for i in range(4)]
    p = batch.progress(jobs, now=110.0)
    assert p["done"] == 2 and p["fraction"] == 0.5 and p["seconds_left"] == 10.0


def test_cli_batch_writes_csv_and_jsonl(settings, dev_dir, tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for name in ("gst_001_digital.pdf", "udyam_001_digital.pdf"):
        shutil.copy(dev_dir / name, inp / name)
    (inp / "broken.pdf").write_bytes(b"%PDF-1.4 nothing here")
    (inp / "z.zip").write_bytes(zip_of([("gst2.pdf", (dev_dir / "gst_002_digital.pdf").read_bytes())]))
    out, js = tmp_path / "r.csv", tmp_path / "r.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    p = subprocess.run([sys.executable, "-m", "ocr_core", "batch", str(inp), str(tmp_path / "missing.png"),
                        "--out", str(out), "--json", str(js)], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 1, p.stderr  # two inputs failed
    assert "5 documents: 3 done, 2 failed" in p.stderr
    assert "OCR:" in p.stderr  # the tqdm progress bar
    rows = {r["filename"]: r for r in csv.DictReader(out.open())}
    assert set(rows) == {"gst_001_digital.pdf", "udyam_001_digital.pdf", "broken.pdf", "z.zip/gst2.pdf",
                         str(tmp_path / "missing.png")}
    for name, gt in (("gst_001_digital.pdf", "gst_001_digital"), ("udyam_001_digital.pdf", "udyam_001_digital"),
                     ("z.zip/gst2.pdf", "gst_002_digital")):
        truth = json.loads((dev_dir / f"{gt}.gt.json").read_text())
        key = "GSTIN" if truth["document_type"] == "GSTIN" else "UDYAM"
        assert rows[name]["status"] == SUCCESS and rows[name][key] == truth["ids"][key][0]
        assert rows[name]["document_type"] == truth["document_type"] and rows[name]["pages"] == "1"
    assert rows["broken.pdf"]["status"] == FAILURE and rows["broken.pdf"]["error"]
    lines = [json.loads(x) for x in js.read_text().splitlines()]
    assert len(lines) == 4 and {x["status"] for x in lines} == {SUCCESS, FAILURE}


def test_progress_counts_refused_uploads_as_done_and_failed():
    """The bulk page's bar, text and table: a refused upload or ZIP member is a row, done and failed."""
    from ocr_core.jobs import PENDING, Job

    jobs = [Job(str(i), "f", "h", [SUCCESS, FAILURE, PENDING][i], None, created_at=100.0) for i in range(3)]
    p = batch.progress(jobs, now=110.0, refused=2)
    assert (p["total"], p["done"], p["failed"], p["succeeded"]) == (5, 4, 3, 1) and p["fraction"] == 0.8
    assert p["seconds_left"] == 5.0  # the OCR's rate (2 jobs in 10 s), refusals take no time
    done = [Job("1", "f", "h", SUCCESS, None, created_at=100.0)]
    assert batch.progress(done, now=110.0, refused=1)["fraction"] == 1.0


def test_the_same_file_again_in_a_zip_keeps_its_first_name(settings, dev_dir, engine):
    """A document keeps the name it was first kept under; the same bytes again inside a ZIP (a
    later batch) are another upload, in the scan log under their own name, not a rename."""
    from ocr_core import crypto, store
    from ocr_core.record import history, repository, views
    from ocr_core.record.history import HistoryQuery
    from ocr_core.intake import process_upload

    data = (dev_dir / "gst_000_digital.pdf").read_bytes()
    h = process_upload(data, "gst_front.pdf").file_hash
    be = EmbeddedBackend(settings, workers=1)
    try:
        jobs, refused = batch.submit_uploads(be, [("bundle.zip", zip_of([("gst_front.pdf", data),
                                                                          ("empty.png", b"")]))], batch_id="N")
        done = be.wait([j.id for j in jobs], timeout=180)
    finally:
        be.shutdown()
    assert [j.status for j in done] == [SUCCESS] and [r["filename"] for r in refused] == ["bundle.zip/empty.png"]
    assert repository.get_row(h, store.connect())["filename"] == "gst_front.pdf"
    assert repository.load(h, store.connect()).filename == "gst_front.pdf" and views.get(h).filename == "gst_front.pdf"
    assert [r["file_hash"] for r in history.search(HistoryQuery(text="gst_front")).rows] == [h]
    names = [crypto.decrypt_text(n) for (n,) in store.connect().execute(  # the scan log's names are encrypted
        "select filename from scans where file_hash = ?", [h])]
    assert "gst_front.pdf" in names and "bundle.zip/gst_front.pdf" in names  # both uploads, each under its name
    assert batch.document_rows(done)[0]["filename"] == "bundle.zip/gst_front.pdf"  # this batch's row: as uploaded
