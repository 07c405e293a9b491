"""ocr_core.record (keeping, erase) on real scans and a real SQLite file: one record per document (jobs and the
cache hold no copy of its result), erase leaves nothing of a document in the database file, its
WAL or the files folder, legacy data still reads, AUTO_APPROVE, the keyed ID index, the queue."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr_core import crypto, files
from ocr_core.record import cases, corrections, decisions, erase, history, repository, trail, views
from ocr_core.intake import process_upload
from ocr_core.store import connect


@pytest.fixture
def pan(settings, engine, dev_dir):
    return process_upload((dev_dir / "pan_000.png").read_bytes(), "ramesh_pan.png")


def _bytes_at_rest(settings) -> bytes:
    db = Path(settings.db_path)
    out = b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())
    return out + b"".join(p.read_bytes() for p in files.files_dir().rglob("*") if p.is_file())


def test_erase_leaves_nothing_in_the_database_its_wal_or_the_files_folder(settings, pan, dev_dir):
    h = pan.file_hash
    corrections.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha", "typo")
    decisions.set_status(h, "rejected", "ravi", "photo does not match")  # four eyes: another checker decides
    cases.assign(h, "KYC 1")
    keep = process_upload((dev_dir / "voter_000.png").read_bytes(), "voter.png")  # another document stays
    db = connect()
    # what of this document is stored (encrypted): the record, its correction, reasons, the masked
    # page image (STORE_ORIGINALS is off: the upload itself is not kept)
    secrets = [db.execute("select result from documents where file_hash = ?", [h]).fetchone()[0],
               db.execute("select filename from documents where file_hash = ?", [h]).fetchone()[0],
               db.execute("select after from corrections where file_hash = ?", [h]).fetchone()[0],
               db.execute("select review_reason from documents where file_hash = ?", [h]).fetchone()[0],
               next(files._masked_dir(h).iterdir()).read_bytes().decode()]
    digests = [r[0] for r in db.execute("select digest from id_index where file_hash = ? and kind = 'id'", [h])]
    names = [r[0] for r in db.execute("select digest from id_index where file_hash = ? and kind = 'name'", [h])]
    assert len(digests) == 1 and names and all(s for s in secrets)  # the PAN and the holder's names (keyed)
    at_rest = _bytes_at_rest(settings)
    assert all(s[-40:].encode() in at_rest for s in secrets) and digests[0].encode() in at_rest  # the probe works

    assert erase.delete_document(h, "asha")
    at_rest = _bytes_at_rest(settings)
    for s in secrets:
        assert s[-40:].encode() not in at_rest
    assert digests[0].encode() not in at_rest and not any(n.encode() in at_rest for n in names)
    for text in ("EDYPK5645N", "ABCPK1234Z", "ramesh_pan", "photo does not match"):
        assert text.encode() not in at_rest
    for table in ("documents", "corrections", "cache", "ocr_jobs", "id_index", "cases"):
        assert db.execute(f"select count(*) from {table} where file_hash = ?", [h]).fetchone()[0] == 0, table
    # the audit trail is append-only and chained: its entries stay (details encrypted, no ID number),
    # the newest says who deleted the document
    audit = trail.audit_rows(h)
    assert (audit[0]["action"], audit[0]["operator"], audit[0]["detail"]) == ("delete", "asha", {"found": True})
    assert all("EDYPK5645N" not in str(a) and "ABCPK1234Z" not in str(a) for a in audit)
    assert db.execute("select count(*) from scans where file_hash = ? and filename is not null", [h]).fetchone()[0] == 0
    assert views.get(h) is None and not erase.delete_document(h, "asha")
    assert views.get(keep.file_hash) is not None and files.exists(keep.file_hash)


def test_one_copy_of_the_result_and_a_rescan_keeps_the_corrections(settings, pan, dev_dir):
    h = pan.file_hash
    db = connect()
    assert db.execute("select result from cache where file_hash = ?", [h]).fetchall() == [(None,)]  # an index entry
    corrections.add_id(h, "EPIC", "ABC1234566", "asha")
    again = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan_again.png")  # served through the index
    assert again.cached and again.ids[0].key == "pan-p1-1"
    row = repository.get_row(h, connect())
    assert (row["n_ids"], row["n_invalid_ids"]) == (2, 0)  # the re-upload kept the corrected counts
    assert [i.type for i in views.get(h).ids] == ["PAN", "EPIC"]


def test_legacy_results_corrections_and_job_rows_still_read(settings, pan):
    h = pan.file_hash
    db = connect()
    # a result stored before keys, a correction addressed by list position, a job row holding a result
    legacy = repository.load_dict(h, connect())
    for i in legacy["ids"]:
        i.pop("key", None)
    db.execute("update documents set result = ? where file_hash = ?", [crypto.encrypt_text(json.dumps(legacy)), h])
    db.conn.execute("insert into corrections (file_hash, field, id_type, before, after, operator, reason, time, meta) "
                    "values (?, 'id:ocr-0', 'PAN', ?, ?, 'old', '', 1, '{}')",
                    [h, crypto.encrypt_text("EDYPK5645N"), crypto.encrypt_text("ABCPK1234Z")])
    rv = views.get(h)
    assert [(i.key, i.value, i.origin) for i in rv.ids] == [("pan-p1-1", "ABCPK1234Z", "edited")]
    from ocr_core import jobs, store

    blob = crypto.encrypt_text(json.dumps(legacy))
    db.execute("delete from documents where file_hash = ?", [h])
    db["ocr_jobs"].insert({"id": "legacy-1", "filename": None, "file_hash": h, "status": "SUCCESS", "result": blob,
                           "created_at": 1.0, "attempts": 1})
    # a database from before the record held the only copy: the migration has not run there yet
    db.execute("delete from _sqlite_migrations where name = 'm004_job_results_into_records'")
    store.close_all()
    store._MIGRATED.clear()  # the next connection migrates: the job's copy moves into the record
    job = jobs.JobStore(settings).get("legacy-1")
    assert job.result["ids"][0]["value"] == "EDYPK5645N" and repository.load(h, connect()).ids[0].key == "pan-p1-1"
    assert connect().execute("select result from ocr_jobs where id = 'legacy-1'").fetchone()[0] is None


def test_auto_approve_approves_clean_documents_as_system(settings, engine, dev_dir, monkeypatch):
    from ocr_core.config import get_settings

    monkeypatch.setenv("AUTO_APPROVE", "true")
    get_settings.cache_clear()
    clean = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan.png")
    row = repository.get_row(clean.file_hash, connect())
    assert (row["review_status"], row["reviewed_by"]) == ("approved", decisions.SYSTEM)
    assert trail.audit_rows(clean.file_hash)[0]["action"] == "auto_approve"
    monkeypatch.setenv("AUTO_APPROVE_MIN_CONFIDENCE", "1.0")  # nothing reads that well
    get_settings.cache_clear()
    other = process_upload((dev_dir / "voter_000.png").read_bytes(), "voter.png")
    row = repository.get_row(other.file_hash, connect())
    assert row["review_status"] == "pending" and "low_confidence" in row["attention"]


def test_history_finds_an_id_number_through_the_keyed_index_only(settings, pan, dev_dir):
    process_upload((dev_dir / "voter_000.png").read_bytes(), "voter.png")
    found = history.search(history.HistoryQuery(text="edypk 5645-n"))
    assert [r["file_hash"] for r in found.rows] == [pan.file_hash]
    corrections.save_corrections(pan.file_hash, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha")
    assert history.search(history.HistoryQuery(text="EDYPK5645N")).total == 0  # the reviewed number counts
    assert history.search(history.HistoryQuery(text="ABCPK1234Z")).total == 1
    assert b"ABCPK1234Z" not in _bytes_at_rest(settings)


def test_next_document_walks_the_ones_needing_review_first(settings, engine, dev_dir):
    clean = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan.png")
    flagged = process_upload((dev_dir / "distractor_000.png").read_bytes(), "distractor.png")
    assert repository.get_row(flagged.file_hash, connect())["attention"]
    queue = history.review_queue()
    assert queue.index(flagged.file_hash) < queue.index(clean.file_hash)
    assert history.next_document(None) == flagged.file_hash
    decisions.set_status(flagged.file_hash, "rejected", "asha", "not a KYC document")
    assert history.next_document(None) == clean.file_hash and history.next_document(clean.file_hash) is None
