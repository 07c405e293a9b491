"""ocr_core.review on real scans and a real SQLite file: corrections (encrypted, original kept),
add/remove, statuses, audit, unmask policy, masked export, next document, region re-OCR, delete."""
from __future__ import annotations

import csv
import io
import json
import logging
import threading

import pytest

from ocr_core import crypto, documents, files, review, store
from ocr_core.intake import process_upload
from ocr_core.store import connect


@pytest.fixture
def pan(settings, engine, dev_dir):
    return process_upload((dev_dir / "pan_000.png").read_bytes(), "pan_000.png")


@pytest.fixture
def aadhaar(settings, engine, dev_dir):
    return process_upload((dev_dir / "aadhaar_000.png").read_bytes(), "aadhaar_000.png")


def test_correction_is_encrypted_replayed_and_never_overwrites_the_original(pan):
    h = pan.file_hash
    v = review.view(h)
    assert v.keys == ["pan-p1-1"] and v.result.ids[0].value == "EDYPK5645N" and v.origins == ["ocr"]
    # unchanged rows (also in another spelling) store nothing
    assert review.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": "edypk 5645n"}], "asha") == []
    ids = review.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha", "typo")
    assert len(ids) == 1
    raw = connect().execute("select field, id_type, before, after, operator, reason from corrections").fetchone()
    assert raw[:2] == ("id:pan-p1-1", "PAN") and raw[4] == "asha" and crypto.decrypt_text(raw[5]) == "typo"
    assert raw[2].startswith(crypto.PREFIX) and raw[3].startswith(crypto.PREFIX)
    assert "EDYPK5645N" not in raw[2] and "ABCPK1234Z" not in raw[3]
    v = review.view(h)
    assert v.result.ids[0].value == "ABCPK1234Z" and v.result.ids[0].valid and v.origins == ["edited"]
    assert v.n_corrections == 1
    assert documents.load(h).ids[0].value == "EDYPK5645N"  # the OCR original
    assert review.corrected(h).ids[0].raw == "EDYPK5645N"
    audit = review.audit_rows(h)
    assert [a["action"] for a in audit] == ["correct"] and audit[0]["operator"] == "asha"
    assert "ABCPK1234Z" not in json.dumps(audit) and "EDYPK5645N" not in json.dumps(audit)


def test_add_remove_and_invalid_values(pan):
    h = pan.file_hash
    with pytest.raises(ValueError, match="sign in"):
        review.save_corrections(h, [], "  ")
    with pytest.raises(ValueError, match="empty"):
        review.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": ""}], "asha")
    chk = review.check_row(review.view(h), "pan-p1-1", "PAN", "EDYPK564")
    assert chk["changed"] and not chk["valid"] and "expected 10 characters" in chk["reason"]
    # an invalid value is refused with its reason, and nothing of that save is stored
    with pytest.raises(ValueError, match="checksum"):
        review.save_corrections(h, [{"key": None, "type": "EPIC", "value": "ABC1234566"},
                                    {"key": None, "type": "AADHAAR", "value": "2345 6789 0123"}], "ravi")
    assert review.view(h).n_corrections == 0
    # remove the OCR's ID, add two it missed
    out = review.save_corrections(h, [{"key": None, "type": "AADHAAR", "value": "2345 6789 0124"},
                                      {"key": None, "type": "EPIC", "value": "ABC1234566"}], "ravi")
    assert len(out) == 3
    v = review.view(h)
    assert [d.type for d in v.result.ids] == ["AADHAAR", "EPIC"] and v.origins == ["added", "added"]
    assert [a["action"] for a in review.audit_rows(h)] == ["remove_id", "add_id", "add_id"]  # newest first
    assert v.result.ids[0].value == "234567890124" and v.result.ids[0].confidence is None  # typed, not read
    assert all(k.startswith("new-") for k in v.keys)
    # the document's counts follow the corrections (history's "has an invalid ID" filter, metrics)
    row = documents.get_row(h)
    assert (row["n_ids"], row["n_invalid_ids"]) == (2, 0)
    assert "no_id" in row["attention"]  # a PAN card without a PAN now


def test_status_changes_update_the_document_and_audit(pan):
    h = pan.file_hash
    with pytest.raises(ValueError, match="reason"):
        review.set_status(h, "rejected", "asha", "  ")
    with pytest.raises(ValueError, match="unknown status"):
        review.set_status(h, "done", "asha")
    row = review.set_status(h, "rejected", "asha", "photo does not match")
    assert (row["review_status"], row["reviewed_by"], row["review_reason"]) == ("rejected", "asha",
                                                                               "photo does not match")
    review.set_status(h, "needs_review", "ravi")
    review.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "ravi")
    # four eyes (MAKER_CHECKER, the default): ravi corrected it, so someone else decides
    with pytest.raises(PermissionError, match="four eyes"):
        review.set_status(h, "approved", "ravi")
    row = review.set_status(h, "approved", "meena")
    assert row["review_status"] == "approved" and row["reviewed_by"] == "meena" and row["reviewed_at"] > 0
    assert [a["action"] for a in review.audit_rows(h)] == ["approve", "correct", "needs_review", "reject"]


def test_unmask_is_refused_by_default_allowed_by_setting_and_always_audited(aadhaar, monkeypatch, caplog):
    from ocr_core.config import get_settings

    h = aadhaar.file_hash
    v = review.view(h)
    key = v.keys[[d.type for d in v.result.ids].index("AADHAAR")]
    full = v.id_by_key(key).value
    rows = review.id_rows(v)
    assert full not in json.dumps(rows) and rows[v.keys.index(key)]["value"] == f"XXXX XXXX {full[-4:]}"
    with pytest.raises(PermissionError):
        review.unmask(h, key, "asha")
    monkeypatch.setenv("UNMASK_ALLOWED", "ravi, meena")
    get_settings.cache_clear()
    with pytest.raises(PermissionError):
        review.unmask(h, key, "asha")
    with caplog.at_level(logging.INFO, logger="ocr_core"):
        with pytest.raises(ValueError, match="reason"):
            review.unmask(h, key, "ravi")
        assert review.unmask(h, key, "ravi", "customer asked to confirm") == full
    assert full in json.dumps(review.id_rows(review.view(h), {key: full}))
    audit = review.audit_rows(h)
    assert [a["action"] for a in audit] == ["unmask", "unmask_denied", "unmask_denied"]
    assert audit[0]["operator"] == "ravi" and audit[0]["detail"]["last4"] == full[-4:]
    assert audit[0]["detail"]["reason"] == "customer asked to confirm"
    assert full not in json.dumps(audit) and full not in caplog.text
    # an unchanged masked value stores nothing; a masked placeholder cannot be saved as a new value
    assert review.save_corrections(h, review.id_rows(review.view(h)), "ravi") == []
    with pytest.raises(ValueError, match="full number"):
        review.save_corrections(h, [{**r, "value": "XXXX XXXX 0000"} if r["key"] == key else r
                                    for r in review.id_rows(review.view(h))], "ravi")


def test_exports_are_masked_and_carry_corrections(aadhaar):
    h = aadhaar.file_hash
    full = next(i.value for i in aadhaar.ids if i.type == "AADHAAR")
    review.add_id(h, "PAN", "ABCPK1234Z", "asha", reason="seen on the back")
    js = review.export_json(h)
    assert full not in js and f"XXXX XXXX {full[-4:]}" in js
    d = json.loads(js)
    assert d["masked"] is True and d["review"]["corrections"] == 1
    assert {"type": "PAN", "origin": "added"}.items() <= next(i for i in d["ids"] if i["type"] == "PAN").items()
    text = review.export_csv(h)
    assert full not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id_type"] for r in rows] == [i["type"] for i in d["ids"]]
    assert next(r for r in rows if r["id_type"] == "AADHAAR")["value"] == f"XXXX XXXX {full[-4:]}"


def test_next_document_region_reocr_and_delete(pan, aadhaar):
    assert review.next_document(pan.file_hash) == aadhaar.file_hash
    assert review.next_document(aadhaar.file_hash) == pan.file_hash
    review.set_status(aadhaar.file_hash, "approved", "asha")
    assert review.next_document(pan.file_hash) is None
    assert {r["file_hash"] for r in review.recent_documents()} == {pan.file_hash, aadhaar.file_hash}
    # region re-OCR: only the crop around the PAN number is read; boxes come back in page pixels
    box = pan.ids[0].box
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    region = review.read_region(pan.file_hash, 1, (min(xs) - 10, min(ys) - 10, max(xs) + 10, max(ys) + 10), "asha")
    assert [i.type for i in region.ids] == ["PAN"] and region.ids[0].value == "EDYPK5645N"
    rx = [p[0] for p in region.lines[0].box]
    assert abs(min(rx) - min(xs)) < 15 and abs(max(rx) - max(xs)) < 15
    assert all("ASHA" not in ln.text for ln in region.lines)
    with pytest.raises(ValueError, match="too small"):
        review.read_region(pan.file_hash, 1, (10, 10, 12, 12), "asha")
    assert review.audit_rows(pan.file_hash)[0]["action"] == "reocr"
    # delete removes the document, file and corrections; the audit keeps the act
    review.save_corrections(pan.file_hash, [], "asha")
    assert review.delete_document(pan.file_hash, "asha")
    assert documents.load(pan.file_hash) is None and files.get(pan.file_hash) is None
    assert connect().execute("select count(*) from corrections where file_hash = ?", [pan.file_hash]).fetchone()[0] == 0
    assert review.audit_rows(pan.file_hash)[0]["action"] == "delete"
    assert review.view(pan.file_hash) is None


def _other_session(fn, *args, **kwargs):
    """Run fn as another operator's session: its own thread, so its own connection to the same
    SQLite file."""
    out: dict = {}

    def run():
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as e:  # re-raised in the test's thread
            out["error"] = e
        finally:
            store.close_all()

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    if "error" in out:
        raise out["error"]
    return out["value"]


def _row(rows, id_type, **change):
    return next({**r, **change} for r in rows if r["type"] == id_type)


def test_two_operators_editing_at_once_keep_each_others_changes(pan):
    """Interleaved saves from two sessions: each stores only its own changes against what its
    editor showed (the version it was rendered from), never a diff against the document as it is
    at save time."""
    h = pan.file_hash
    # 1. both open the editor; ravi adds an ID the OCR missed and saves first; asha, still on the
    #    version she was shown, corrects the PAN: ravi's ID stays
    va, vb = review.view(h), _other_session(review.view, h)
    assert va.version == vb.version == 0
    rows_b = review.id_rows(vb) + [{"key": None, "type": "EPIC", "value": "ABC1234566"}]
    assert len(_other_session(review.save_corrections, h, rows_b, "ravi", seen=vb.version)) == 1
    assert len(review.save_corrections(h, [_row(review.id_rows(va), "PAN", value="ABCPK1234Z")], "asha",
                                       seen=va.version)) == 1
    v = review.view(h)
    assert sorted((d.type, d.value) for d in v.result.ids) == [("EPIC", "ABC1234566"), ("PAN", "ABCPK1234Z")]
    assert sorted(v.origins) == ["added", "edited"] and v.version == review.corrections(h)[-1]["id"]
    assert [(a["operator"], a["action"]) for a in review.audit_rows(h)] == [("asha", "correct"), ("ravi", "add_id")]
    assert not any(a["detail"].get("concurrent") for a in review.audit_rows(h))

    # 2. both edit the EPIC: the later save wins, recorded with before = the value ravi saved
    va, vb = review.view(h), _other_session(review.view, h)
    rows_b = [_row(review.id_rows(vb), "PAN"), _row(review.id_rows(vb), "EPIC", value="XYZ1234566")]
    _other_session(review.save_corrections, h, rows_b, "ravi", seen=vb.version)
    rows_a = [_row(review.id_rows(va), "PAN"), _row(review.id_rows(va), "EPIC", value="pqr 7654320")]
    assert len(review.save_corrections(h, rows_a, "asha", seen=va.version)) == 1
    last = review.corrections(h)[-1]
    assert (last["operator"], last["before"], last["after"]) == ("asha", "XYZ1234566", "PQR7654320")
    assert last["meta"]["concurrent"] is True and review.audit_rows(h)[0]["detail"]["concurrent"] is True
    assert review.view(h).id_by_key(last["field"].removeprefix("id:")).value == "PQR7654320"
    # ... and a save whose rows are as shown writes nothing, whatever happened meanwhile
    assert review.save_corrections(h, review.id_rows(va), "asha", seen=va.version) == []
    assert review.view(h).id_by_key(last["field"].removeprefix("id:")).value == "PQR7654320"

    # 3. removals: ravi removes the EPIC; asha, who saw it, removes the PAN and leaves the EPIC
    #    untouched: it is not brought back, the PAN goes, nothing of ravi's is undone
    va, vb = review.view(h), _other_session(review.view, h)
    _other_session(review.save_corrections, h, [_row(review.id_rows(vb), "PAN")], "ravi", seen=vb.version)
    n = len(review.corrections(h))
    out = review.save_corrections(h, [_row(review.id_rows(va), "EPIC")], "asha", seen=va.version)
    assert len(out) == 1 and review.view(h).result.ids == []
    assert [(c["operator"], c["after"]) for c in review.corrections(h)[n:]] == [("asha", "")]

    # 4. a save is validated whole before anything is written: one bad row, nothing stored
    va = review.view(h)
    n = len(review.corrections(h))
    with pytest.raises(ValueError, match="full number"):
        review.save_corrections(h, [{"key": None, "type": "PAN", "value": "ABCPK1234Z"},
                                    {"key": None, "type": "EPIC", "value": " "},
                                    {"key": None, "type": "AADHAAR", "value": "XXXX XXXX 1234"}], "asha",
                                seen=va.version)
    assert len(review.corrections(h)) == n
    with pytest.raises(ValueError, match="unknown ID key"):
        review.save_corrections(h, [{"key": "new-feedbeef", "type": "PAN", "value": "ABCPK1234Z"}], "asha",
                                seen=va.version)
