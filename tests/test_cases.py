"""Cases (ocr_core/cases.py): documents labelled with one case get their reviewed names and dates
of birth compared; the label is kept encrypted beside a keyed hash; mismatches reach the exports,
the API answers and the Review page. Results written out here for the rules, then the whole path on
the real engine: the API (`case` form field, sync and async), a batch, the desk."""
from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from ocr_core import cli, retention
from ocr_core.record import cases, erase, history, keeping, views
from ocr_core.record.history import HistoryQuery
from ocr_core.models import DetectedID, DocumentResult, Field
from ocr_core.store import connect


def _doc(file_hash: str, doc_type: str, name: str, dob: str | None = None) -> DocumentResult:
    fields = {"name": Field("name", name, 0.95)}
    if dob:
        fields["dob"] = Field("dob", dob, 0.95)
    ids = [DetectedID("PAN", "ABCPK1234Z", True, 0.99, key="pan-p1-1")] if doc_type == "PAN" else []
    return DocumentResult(filename=f"{doc_type.lower()}_{file_hash[:2]}.png", file_hash=file_hash, pages=[],
                          ids=ids, document_type=doc_type, fields=fields)


def test_labels_are_cleaned_and_refused_clearly():
    assert cases.clean("  LOAN-2026   0042 ") == "LOAN-2026 0042"
    assert cases.clean("") is None and cases.clean(None) is None
    with pytest.raises(ValueError, match="at most 80"):
        cases.clean("x" * 81)
    with pytest.raises(ValueError, match="control"):
        cases.clean("LOAN\x00-1")


def test_a_number_typed_into_a_label_is_masked_when_shown(settings):
    cases.assign("f6" * 32, "KYC 2155 2109 3999")
    assert cases.label_of("f6" * 32) == "KYC XXXX XXXX 3999"
    assert cases.find("kyc 2155 2109 3999") == {"f6" * 32}


def test_one_case_compared_flagged_exported_and_searchable(settings):
    pan, aad, voter, other = "a1" * 32, "b2" * 32, "c3" * 32, "d4" * 32
    for r in (_doc(pan, "PAN", "Ravi Kumar Sharma", "1988-04-12"), _doc(aad, "AADHAAR", "Sharma Ravi Kumar", "1988-04-12"),
              _doc(voter, "VOTER_ID", "Rakesh Verma", "1988-04-21"), _doc(other, "PAN", "Anita Desai")):
        keeping.keep(r, None, settings=settings)
    assert cases.assign(pan, "LOAN 7") == "LOAN 7"
    cases.assign(aad, " loan  7")  # letter case and spacing: the same case
    cases.assign(voter, "Loan 7")
    cases.assign(other, "LOAN 8")
    assert cases.members(pan) == [aad, voter] and cases.label_of(aad) == "loan 7"

    # word order is no mismatch; another name and another date of birth are
    got = {(m["field"], m["other"]) for m in cases.mismatches(pan)}
    assert got == {("name", voter), ("dob", voter)}
    m = next(m for m in cases.mismatches(voter) if m["field"] == "name" and m["other"] == pan)
    assert (m["value"], m["other_value"], m["case"]) == ("Rakesh Verma", "Ravi Kumar Sharma", "Loan 7")
    assert m["score"] < 85
    assert cases.describe(m) == (f"name differs from pan_a1.png ({pan[:10]}) in case Loan 7: Rakesh Verma vs "
                                 "Ravi Kumar Sharma")
    assert cases.mismatches(other) == []

    # the exports: CSV columns, JSON section
    row = views.get(voter).row()
    assert row["case"] == "Loan 7" and row["case_mismatch"].count("differs from") == 4  # name and dob, twice each
    assert "date of birth differs from aadhaar_b2.png" in row["case_mismatch"]
    assert views.get(other).row()["case_mismatch"] == "" and views.get(pan).row()["case"] == "LOAN 7"
    section = views.get(aad).export()["case"]
    assert section["label"] == "loan 7" and section["documents"] == [pan, voter] and len(section["mismatches"]) == 2
    assert {"case", "case_mismatch"} <= set(views.ROW_COLUMNS)

    # History finds a case by its label; the label is not in clear at rest
    assert {r["file_hash"] for r in history.search(HistoryQuery(text="loan 7")).rows} == {pan, aad, voter}
    db_file = Path(settings.db_path)
    at_rest = b"".join(p.read_bytes() for p in (db_file, db_file.with_name(db_file.name + "-wal")) if p.exists())
    assert b"LOAN 7" not in at_rest and b"Loan 7" not in at_rest

    # erase takes the label with the document; a label without a record (a job that never finished)
    # is not a member and goes with retention
    assert erase.delete_document(voter, "asha")
    assert cases.label_of(voter) is None and cases.mismatches(pan) == []
    cases.assign("e5" * 32, "LOAN 7")
    assert cases.members(pan) == [aad]
    connect().execute("update cases set created_at = ? where file_hash = ?", [time.time() - 400 * 86400, "e5" * 32])
    retention.purge(90)
    assert cases.label_of("e5" * 32) is None and cases.label_of(pan) == "LOAN 7"


def test_cli_batch_refuses_a_bad_case_before_scanning(settings, tmp_path, capsys):
    assert cli.main(["batch", str(tmp_path), "--out", str(tmp_path / "r.csv"), "--case", "x" * 81]) == 2
    assert "--case: a case label has at most 80 characters" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def test_case_through_the_api_a_batch_and_the_desk(settings, engine, dev_dir, tmp_path, app_nav):
    """The real engine: a PAN and an Aadhaar of two different people sent as one case."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from ocr_api import create_app
    from ocr_core import batch
    from ocr_core.jobs import reset_backends

    from desk import desk, texts

    api = "/ocr-api"
    pan, aad = dev_dir / "pan_000.png", dev_dir / "aadhaar_000.png"
    try:
        with TestClient(create_app(settings)) as c:
            bad = c.post(f"{api}/paddleocr/predict", files={"file": (pan.name, pan.read_bytes())},
                         data={"case": "KYC\x07 7"})
            assert bad.status_code == 422 and bad.json()["error"] == "bad_case", bad.text
            r = c.post(f"{api}/paddleocr/predict", files={"file": (pan.name, pan.read_bytes())}, data={"case": "KYC 7"})
            assert r.status_code == 200, r.text
            assert r.json()["case"] == {"label": "KYC 7", "documents": [], "mismatches": []}
            sub = c.post(f"{api}/paddleocr/predict-async", files={"file": (aad.name, aad.read_bytes())},
                         data={"case": "kyc 7"}).json()
            deadline = time.monotonic() + 180
            while (job := c.get(sub["status_url"]).json())["status"] not in ("SUCCESS", "FAILURE"):
                assert time.monotonic() < deadline, job
                time.sleep(0.3)
            assert job["status"] == "SUCCESS", job
            got = job["result"]["case"]
            assert got["label"] == "kyc 7" and got["documents"] == [r.json()["file_hash"]]
            assert {m["field"] for m in got["mismatches"]} == {"name", "dob"}, got
        # a batch (cached now) labelled with the case: the CSV says what differs
        out = tmp_path / "r.csv"
        counts = batch.run_batch([pan, aad], out, show_progress=False, case="KYC 7", settings=settings)
        assert counts["succeeded"] == 2
        rows = {x["filename"]: x for x in csv.DictReader(out.open())}
        assert rows["pan_000.png"]["case"] == "KYC 7"
        assert "name differs from aadhaar_000.png" in rows["pan_000.png"]["case_mismatch"]
        assert "date of birth differs from pan_000.png" in rows["aadhaar_000.png"]["case_mismatch"]
    finally:
        reset_backends()

    # the desk: the case typed beside the uploader; the opened document shows what differs
    at = desk()
    at.text_input(key="review_case").set_value("KYC 7")
    at.file_uploader(key="review_upload").set_value(("pan_000.png", pan.read_bytes(), "image/png")).run()
    assert not at.exception, texts(at.exception)
    warnings = texts(at.warning)
    assert any(w.startswith("Name differs from aadhaar_000.png") and "in case KYC 7: " in w for w in warnings), warnings
    assert any(w.startswith("Date of birth differs from aadhaar_000.png") for w in warnings), warnings
    assert any("Case: KYC 7 · 1 other document(s)" in t for t in texts(at.caption))
