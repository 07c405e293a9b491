"""History search over real scanned documents in a real SQLite file."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from ocr_core import files
from ocr_core.record import corrections, decisions, erase, history, repository
from ocr_core.record.history import HistoryQuery
from ocr_core.intake import process_upload
from ocr_core.jobs import EmbeddedBackend
from ocr_core.store import connect


@pytest.fixture
def docs(settings, dev_dir, engine):
    names = ["gst_000_digital.pdf", "gst_001_digital.pdf", "udyam_000_digital.pdf", "udyam_001_digital.pdf",
             "distractor_000.png"]
    out = {n: process_upload((dev_dir / n).read_bytes(), n).file_hash for n in names}
    # one document processed three days ago
    connect().execute("update documents set created_at = ? where file_hash = ?",
                      [time.time() - 3 * 86400, out["gst_000_digital.pdf"]])
    decisions.set_status(out["gst_001_digital.pdf"], "approved", "asha")
    decisions.set_status(out["distractor_000.png"], "needs_review", "ravi")
    return out


def test_filters(docs):
    assert history.search().total == 5
    assert {r["filename"] for r in history.search(HistoryQuery(document_types=["UDYAM"])).rows} == \
        {"udyam_000_digital.pdf", "udyam_001_digital.pdf"}
    assert [r["filename"] for r in history.search(HistoryQuery(review_statuses=["approved"])).rows] == \
        ["gst_001_digital.pdf"]
    assert history.search(HistoryQuery(review_statuses=["pending"])).total == 3
    assert [r["filename"] for r in history.search(HistoryQuery(invalid=True)).rows] == ["distractor_000.png"]
    assert history.search(HistoryQuery(invalid=False)).total == 4
    assert [r["filename"] for r in history.search(HistoryQuery(operator="ravi")).rows] == ["distractor_000.png"]
    assert history.operators() == ["asha", "ravi"]
    assert history.search(HistoryQuery(text="UDYAM_0")).total == 2  # case-insensitive part of the name
    assert history.search(HistoryQuery(text="50%")).total == 0  # LIKE wildcards are literal
    h = docs["gst_000_digital.pdf"]
    assert [r["file_hash"] for r in history.search(HistoryQuery(text=h[:10])).rows] == [h]
    kept = min(r["created_at"] for r in connect().query("select created_at from documents where created_at > ?",
                                                          [time.time() - 86400]))
    today = dt.date.fromtimestamp(kept)  # the day the fixture kept its documents (a run may cross midnight)
    assert history.search(HistoryQuery(date_from=today)).total == 4
    assert [r["file_hash"] for r in history.search(HistoryQuery(date_to=today - dt.timedelta(days=2))).rows] == [h]
    assert "result" not in history.search().rows[0]  # no ID data leaves the table


def test_search_by_name_through_the_keyed_index(docs, settings, dev_dir):
    """The reviewed names (here the enterprises' legal and trade names, read from the PDFs' text
    layer) are found whole or by words, in any letter case; the database holds them only as keyed
    hashes."""
    import json
    from pathlib import Path

    lotus, galaxy = docs["gst_001_digital.pdf"], docs["gst_000_digital.pdf"]
    truth = json.loads((dev_dir / "gst_001_digital.gt.json").read_text())["fields"]["name"]
    assert truth == "LOTUS AGENCIES PRIVATE LIMITED"
    for text in (truth, "lotus agencies", "Agencies", "limited  private lotus"):
        assert [r["file_hash"] for r in history.search(HistoryQuery(text=text)).rows] == [lotus], text
    assert [r["file_hash"] for r in history.search(HistoryQuery(text="Galaxy Fabricators")).rows] == [galaxy]
    assert history.search(HistoryQuery(text="lotus fabricators")).total == 0
    db = Path(settings.db_path)
    at_rest = b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists()).upper()
    assert b"LOTUS AGENCIES" not in at_rest and b"GALAXY FABRICATORS" not in at_rest


def test_paging_and_order(docs):
    seen = []
    for page in (1, 2, 3):
        p = history.search(HistoryQuery(page=page, page_size=2, order="filename"))
        assert p.total == 5 and p.pages == 3
        seen += [r["filename"] for r in p.rows]
    assert seen == sorted(seen, key=str.lower) and len(set(seen)) == 5
    assert history.search(HistoryQuery(page=99, page_size=2)).page == 3  # clamped


def test_delete_removes_document_file_cache_and_job_result(settings, dev_dir):
    be = EmbeddedBackend(settings, workers=1)
    try:
        data = (dev_dir / "gst_002_digital.pdf").read_bytes()
        (job,) = be.wait([be.submit(data, "gst.pdf").id], timeout=60)
    finally:
        be.shutdown()
    h = job.file_hash
    assert job.result and files.exists(h)
    with pytest.raises(Exception):
        erase.delete_document(h, "")  # an operator is required
    from ocr_core.auth import Forbidden, Identity

    with pytest.raises(Forbidden, match="admin"):  # the History page's delete checks the role in the core too
        erase.delete_document(h, Identity("olga", "operator"))
    assert files.exists(h) and history.search().total == 1  # nothing of it went
    assert erase.delete_document(h, Identity("asha", "admin"))
    db = connect()
    assert history.search().total == 0 and not files.exists(h)
    assert db.execute("select count(*) from cache where file_hash = ?", [h]).fetchone()[0] == 0
    assert be.store.get(job.id) is None  # the job row goes with the record
    assert [r[0] for r in db.execute("select action from audit where file_hash = ?", [h])] == ["delete"]


def test_type_filter_matches_a_bundle_by_its_page_types(settings):
    from ocr_core.record import repository
    from ocr_core.models import DetectedID, DocumentResult, Page
    from ocr_core.store import connect

    def page(n, t):
        return Page(n, 100, 100, "ocr", [], document_type=t)

    bundle = DocumentResult("kyc.pdf", "b" * 64, [page(1, "PAN"), page(2, "UNKNOWN"), page(3, "DL")],
                            [DetectedID("PAN", "ABCPE1234F", True, 0.9, 1)], document_type="MIXED")
    single = DocumentResult("pan.png", "p" * 64, [page(1, "PAN")], [], document_type="PAN")
    aadhaar = DocumentResult("a.png", "a" * 64, [page(1, "AADHAAR")], [], document_type="AADHAAR")
    for r in (bundle, single, aadhaar):
        repository.save(r, db=connect())

    def names(*types):
        return {r["filename"] for r in history.search(HistoryQuery(document_types=list(types))).rows}
    assert names("PAN") == {"kyc.pdf", "pan.png"}
    assert names("DL") == {"kyc.pdf"}
    assert names("AADHAAR") == {"a.png"}
    assert names("MIXED") == {"kyc.pdf"}
    assert set(history.document_types()) == {"AADHAAR", "DL", "MIXED", "PAN"}


def test_a_corrected_name_is_what_history_finds(docs):
    """The index follows the review: after an operator corrects the legal name, History finds the
    document by the corrected name (the OCR read LOTUS AGENCIES PRIVATE LIMITED; the trade name
    LOTUS AGENCIES stays)."""
    lotus = docs["gst_001_digital.pdf"]
    corrections.apply_changes(lotus, [{"field": "name", "value": "Sunrise Traders Private Limited"}], "asha", "as registered")
    assert [r["file_hash"] for r in history.search(HistoryQuery(text="sunrise traders")).rows] == [lotus]
    assert [r["file_hash"] for r in history.search(HistoryQuery(text="lotus sunrise")).rows] == [lotus]
    assert history.search(HistoryQuery(text="sunrise galaxy")).total == 0
