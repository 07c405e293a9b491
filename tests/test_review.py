"""ocr_core.review on real scans and a real SQLite file: corrections (encrypted, original kept),
add/remove, statuses, audit, unmask policy, masked export, next document, region re-OCR, delete."""
from __future__ import annotations

import csv
import io
import json
import logging
import threading

import pytest

from ocr_core import crypto, files, store
from ocr_core.record import corrections, decisions, erase, history, replay, repository, trail, view, views
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
    v = view.view(h)
    assert v.keys == ["pan-p1-1"] and v.result.ids[0].value == "EDYPK5645N" and v.origins == ["ocr"]
    # unchanged rows (also in another spelling) store nothing
    assert corrections.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": "edypk 5645n"}], "asha") == []
    ids = corrections.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha", "typo")
    assert len(ids) == 1
    raw = connect().execute("select field, id_type, before, after, operator, reason from corrections").fetchone()
    assert raw[:2] == ("id:pan-p1-1", "PAN") and raw[4] == "asha" and crypto.decrypt_text(raw[5]) == "typo"
    assert raw[2].startswith(crypto.PREFIX) and raw[3].startswith(crypto.PREFIX)
    assert "EDYPK5645N" not in raw[2] and "ABCPK1234Z" not in raw[3]
    v = view.view(h)
    assert v.result.ids[0].value == "ABCPK1234Z" and v.result.ids[0].valid and v.origins == ["edited"]
    assert v.n_corrections == 1
    assert repository.load(h, connect()).ids[0].value == "EDYPK5645N"  # the OCR original
    assert view.corrected(h).ids[0].raw == "EDYPK5645N"
    audit = trail.audit_rows(h)
    assert [a["action"] for a in audit] == ["correct"] and audit[0]["operator"] == "asha"
    assert "ABCPK1234Z" not in json.dumps(audit) and "EDYPK5645N" not in json.dumps(audit)


def test_add_remove_and_invalid_values(pan):
    h = pan.file_hash
    with pytest.raises(ValueError, match="sign in"):
        corrections.save_corrections(h, [], "  ")
    with pytest.raises(ValueError, match="empty"):
        corrections.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": ""}], "asha")
    chk = view.check_row(view.view(h), "pan-p1-1", "PAN", "EDYPK564")
    assert chk["changed"] and not chk["valid"] and "expected 10 characters" in chk["reason"]
    # an invalid value is refused with its reason, and nothing of that save is stored
    with pytest.raises(ValueError, match="checksum"):
        corrections.save_corrections(h, [{"key": None, "type": "EPIC", "value": "ABC1234566"},
                                    {"key": None, "type": "AADHAAR", "value": "2345 6789 0123"}], "ravi")
    assert view.view(h).n_corrections == 0
    # remove the OCR's ID, add two it missed
    out = corrections.save_corrections(h, [{"key": None, "type": "AADHAAR", "value": "2345 6789 0124"},
                                      {"key": None, "type": "EPIC", "value": "ABC1234566"}], "ravi")
    assert len(out) == 3
    v = view.view(h)
    assert [d.type for d in v.result.ids] == ["AADHAAR", "EPIC"] and v.origins == ["added", "added"]
    assert [a["action"] for a in trail.audit_rows(h)] == ["remove_id", "add_id", "add_id"]  # newest first
    assert v.result.ids[0].value == "234567890124" and v.result.ids[0].confidence is None  # typed, not read
    assert all(k.startswith("new-") for k in v.keys)
    # the document's counts follow the corrections (history's "has an invalid ID" filter, metrics)
    row = repository.get_row(h, connect())
    assert (row["n_ids"], row["n_invalid_ids"]) == (2, 0)
    assert "no_id" in row["attention"]  # a PAN card without a PAN now


def test_status_changes_update_the_document_and_audit(pan):
    h = pan.file_hash
    with pytest.raises(ValueError, match="reason"):
        decisions.set_status(h, "rejected", "asha", "  ")
    with pytest.raises(ValueError, match="unknown status"):
        decisions.set_status(h, "done", "asha")
    row = decisions.set_status(h, "rejected", "asha", "photo does not match")
    assert (row["review_status"], row["reviewed_by"], row["review_reason"]) == ("rejected", "asha",
                                                                               "photo does not match")
    decisions.set_status(h, "needs_review", "ravi")
    corrections.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "ravi")
    # four eyes (MAKER_CHECKER, the default): ravi corrected it, so someone else decides
    with pytest.raises(PermissionError, match="four eyes"):
        decisions.set_status(h, "approved", "ravi")
    row = decisions.set_status(h, "approved", "meena")
    assert row["review_status"] == "approved" and row["reviewed_by"] == "meena" and row["reviewed_at"] > 0
    assert [a["action"] for a in trail.audit_rows(h)] == ["approve", "correct", "needs_review", "reject"]


def test_unmask_is_refused_by_default_allowed_by_setting_and_always_audited(aadhaar, monkeypatch, caplog):
    from ocr_core.config import get_settings

    h = aadhaar.file_hash
    v = view.view(h)
    key = v.keys[[d.type for d in v.result.ids].index("AADHAAR")]
    full = v.id_by_key(key).value
    rows = view.id_rows(v)
    assert full not in json.dumps(rows) and rows[v.keys.index(key)]["value"] == f"XXXX XXXX {full[-4:]}"
    with pytest.raises(PermissionError):
        decisions.unmask(h, key, "asha")
    monkeypatch.setenv("UNMASK_ALLOWED", "ravi, meena")
    get_settings.cache_clear()
    with pytest.raises(PermissionError):
        decisions.unmask(h, key, "asha")
    with caplog.at_level(logging.INFO, logger="ocr_core"):
        with pytest.raises(ValueError, match="reason"):
            decisions.unmask(h, key, "ravi")
        assert decisions.unmask(h, key, "ravi", "customer asked to confirm") == full
    assert full in json.dumps(view.id_rows(view.view(h), {key: full}))
    audit = trail.audit_rows(h)
    assert [a["action"] for a in audit] == ["unmask", "unmask_denied", "unmask_denied"]
    assert audit[0]["operator"] == "ravi" and audit[0]["detail"]["last4"] == full[-4:]
    assert audit[0]["detail"]["reason"] == "customer asked to confirm"
    assert full not in json.dumps(audit) and full not in caplog.text
    # an unchanged masked value stores nothing; a masked placeholder cannot be saved as a new value
    assert corrections.save_corrections(h, view.id_rows(view.view(h)), "ravi") == []
    with pytest.raises(ValueError, match="full number"):
        corrections.save_corrections(h, [{**r, "value": "XXXX XXXX 0000"} if r["key"] == key else r
                                    for r in view.id_rows(view.view(h))], "ravi")


def test_exports_are_masked_and_carry_corrections(aadhaar):
    h = aadhaar.file_hash
    full = next(i.value for i in aadhaar.ids if i.type == "AADHAAR")
    corrections.add_id(h, "PAN", "ABCPK1234Z", "asha", reason="seen on the back")
    js = views.export_json(h)
    assert full not in js and f"XXXX XXXX {full[-4:]}" in js
    d = json.loads(js)
    assert d["masked"] is True and d["review"]["corrections"] == 1
    assert {"type": "PAN", "origin": "added"}.items() <= next(i for i in d["ids"] if i["type"] == "PAN").items()
    text = views.export_csv(h)
    assert full not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id_type"] for r in rows] == [i["type"] for i in d["ids"]]
    assert next(r for r in rows if r["id_type"] == "AADHAAR")["value"] == f"XXXX XXXX {full[-4:]}"


def test_next_document_region_reocr_and_delete(pan, aadhaar):
    assert history.next_document(pan.file_hash) == aadhaar.file_hash
    assert history.next_document(aadhaar.file_hash) == pan.file_hash
    decisions.set_status(aadhaar.file_hash, "approved", "asha")
    assert history.next_document(pan.file_hash) is None
    assert {r["file_hash"] for r in history.recent_documents()} == {pan.file_hash, aadhaar.file_hash}
    # region re-OCR: only the crop around the PAN number is read; boxes come back in page pixels
    box = pan.ids[0].box
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    region = corrections.read_region(pan.file_hash, 1, (min(xs) - 10, min(ys) - 10, max(xs) + 10, max(ys) + 10), "asha")
    assert [i.type for i in region.ids] == ["PAN"] and region.ids[0].value == "EDYPK5645N"
    rx = [p[0] for p in region.lines[0].box]
    assert abs(min(rx) - min(xs)) < 15 and abs(max(rx) - max(xs)) < 15
    assert all("ASHA" not in ln.text for ln in region.lines)
    with pytest.raises(ValueError, match="too small"):
        corrections.read_region(pan.file_hash, 1, (10, 10, 12, 12), "asha")
    assert trail.audit_rows(pan.file_hash)[0]["action"] == "reocr"
    # delete removes the document, file and corrections; the audit keeps the act
    corrections.save_corrections(pan.file_hash, [], "asha")
    assert erase.delete_document(pan.file_hash, "asha")
    assert repository.load(pan.file_hash, connect()) is None and files.get(pan.file_hash) is None
    assert connect().execute("select count(*) from corrections where file_hash = ?", [pan.file_hash]).fetchone()[0] == 0
    assert trail.audit_rows(pan.file_hash)[0]["action"] == "delete"
    assert view.view(pan.file_hash) is None


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
    va, vb = view.view(h), _other_session(view.view, h)
    assert va.version == vb.version == 0
    rows_b = view.id_rows(vb) + [{"key": None, "type": "EPIC", "value": "ABC1234566"}]
    assert len(_other_session(corrections.save_corrections, h, rows_b, "ravi", seen=vb.version)) == 1
    assert len(corrections.save_corrections(h, [_row(view.id_rows(va), "PAN", value="ABCPK1234Z")], "asha",
                                       seen=va.version)) == 1
    v = view.view(h)
    assert sorted((d.type, d.value) for d in v.result.ids) == [("EPIC", "ABC1234566"), ("PAN", "ABCPK1234Z")]
    assert sorted(v.origins) == ["added", "edited"] and v.version == repository.corrections(h, connect())[-1]["id"]
    assert [(a["operator"], a["action"]) for a in trail.audit_rows(h)] == [("asha", "correct"), ("ravi", "add_id")]
    assert not any(a["detail"].get("concurrent") for a in trail.audit_rows(h))

    # 2. both edit the EPIC: the later save wins, recorded with before = the value ravi saved
    va, vb = view.view(h), _other_session(view.view, h)
    rows_b = [_row(view.id_rows(vb), "PAN"), _row(view.id_rows(vb), "EPIC", value="XYZ1234566")]
    _other_session(corrections.save_corrections, h, rows_b, "ravi", seen=vb.version)
    rows_a = [_row(view.id_rows(va), "PAN"), _row(view.id_rows(va), "EPIC", value="pqr 7654320")]
    assert len(corrections.save_corrections(h, rows_a, "asha", seen=va.version)) == 1
    last = repository.corrections(h, connect())[-1]
    assert (last["operator"], last["before"], last["after"]) == ("asha", "XYZ1234566", "PQR7654320")
    assert last["meta"]["concurrent"] is True and trail.audit_rows(h)[0]["detail"]["concurrent"] is True
    assert view.view(h).id_by_key(last["field"].removeprefix("id:")).value == "PQR7654320"
    # ... and a save whose rows are as shown writes nothing, whatever happened meanwhile
    assert corrections.save_corrections(h, view.id_rows(va), "asha", seen=va.version) == []
    assert view.view(h).id_by_key(last["field"].removeprefix("id:")).value == "PQR7654320"

    # 3. removals: ravi removes the EPIC; asha, who saw it, removes the PAN and leaves the EPIC
    #    untouched: it is not brought back, the PAN goes, nothing of ravi's is undone
    va, vb = view.view(h), _other_session(view.view, h)
    _other_session(corrections.save_corrections, h, [_row(view.id_rows(vb), "PAN")], "ravi", seen=vb.version)
    n = len(repository.corrections(h, connect()))
    out = corrections.save_corrections(h, [_row(view.id_rows(va), "EPIC")], "asha", seen=va.version)
    assert len(out) == 1 and view.view(h).result.ids == []
    assert [(c["operator"], c["after"]) for c in repository.corrections(h, connect())[n:]] == [("asha", "")]

    # 4. a save is validated whole before anything is written: one bad row, nothing stored
    va = view.view(h)
    n = len(repository.corrections(h, connect()))
    with pytest.raises(ValueError, match="full number"):
        corrections.save_corrections(h, [{"key": None, "type": "PAN", "value": "ABCPK1234Z"},
                                    {"key": None, "type": "EPIC", "value": " "},
                                    {"key": None, "type": "AADHAAR", "value": "XXXX XXXX 1234"}], "asha",
                                seen=va.version)
    assert len(repository.corrections(h, connect())) == n
    with pytest.raises(ValueError, match="unknown ID key"):
        corrections.save_corrections(h, [{"key": "new-feedbeef", "type": "PAN", "value": "ABCPK1234Z"}], "asha",
                                seen=va.version)


# ---------------------------------------------------------------- named fields
def test_field_corrections_checked_sealed_audited_replayed_and_exported(pan, settings):
    """A PAN's name, father's name and date of birth corrected through the API's core call: the
    extractor's rules normalise and check the values, a key the type lacks or an invalid value
    saves nothing, the values are sealed at rest, the audit names only the key, every output shows
    the corrected fields with their origin, and the corrector is the maker for four eyes."""
    from ocr_core.record import corrections, decisions, erase, history, replay, repository, trail, view, views

    h = pan.file_hash
    v = view.view(h)
    assert list(replay.field_kinds(v.result)) == ["name", "father_name", "dob"]
    assert {k: (f.value, f.valid) for k, f in v.fields.items()} == {
        "name": ("ASHA KULKARNI", True), "father_name": ("GURPREET KULKARNI", True), "dob": ("1976-10-14", True)}
    assert v.field_origins == {"name": "ocr", "father_name": "ocr", "dob": "ocr"}
    # the live check: the printed spelling of the same value is no change; values are normalised
    assert not view.check_field(v, "dob", "14/10/1976")["changed"]
    assert not view.check_field(v, "name", " ASHA  KULKARNI ")["changed"]
    assert view.check_field(v, "dob", "15-10-1976").items() >= {"changed": True, "value": "1976-10-15",
                                                                  "valid": True}.items()
    assert view.check_field(v, "dob", "01/01/2090")["reason"] == "birth date in the future"
    assert view.check_field(v, "dob", "30/02/1980")["reason"] == "not a real calendar date"
    assert view.check_field(v, "name", "Name Asha")["reason"] == "holds the label word NAME"
    assert view.check_field(v, "father_name", "")["remove"]
    assert "not a field of this PAN document (its fields: name, father_name, dob)" in \
        view.check_field(v, "gender", "MALE")["reason"]

    # a key the type lacks, an invalid value, a field named twice: a clear error, nothing saved
    with pytest.raises(ValueError, match=r"change 2 \(field gender\): 'gender' is not a field of this PAN"):
        corrections.apply_changes(h, [{"field": "name", "value": "Asha Kulkarni"}, {"field": "gender", "value": "M"}],
                             "asha")
    with pytest.raises(ValueError, match=r"change 1 \(field dob\): birth date in the future"):
        corrections.apply_changes(h, [{"field": "dob", "value": "01/01/2090"}], "asha")
    with pytest.raises(ValueError, match="changed twice"):
        corrections.apply_changes(h, [{"field": "dob", "value": "15/10/1976"}, {"field": "dob", "remove": True}], "asha")
    corrections.apply_changes(h, [{"field": "dob", "remove": True}, {"key": "pan-p1-1", "remove": True}], "asha")
    with pytest.raises(ValueError, match=r"change 1 \(field dob\): the document has no such field to remove"):
        corrections.apply_changes(h, [{"field": "dob", "remove": True}], "asha")
    assert view.view(h).n_corrections == 2  # only the valid request went in
    assert "dob" not in view.view(h).fields and view.view(h).result.ids == []

    # set (edit, and re-add the removed date: origin edited, the OCR had it), remove: one transaction
    out = corrections.apply_changes(h, [{"field": "name", "value": "  asha   kulkarni"},
                                   {"field": "dob", "value": "15/10/1976"}, {"field": "father_name", "remove": True}],
                               "asha", "as printed")
    assert len(out) == 3
    v = view.view(h)
    name, dob = v.fields["name"], v.fields["dob"]
    assert (name.value, name.valid, name.source, name.confidence) == ("asha kulkarni", True, "operator", None)
    assert dob.value == "1976-10-15" and dob.box == pan.fields["dob"].box and dob.page == 1  # where the OCR read it
    assert "father_name" not in v.fields and v.field_origins == {"name": "edited", "dob": "edited"}
    assert v.n_corrections == 5 and repository.load(h, connect()).fields["name"].value == "ASHA KULKARNI"  # the original kept

    # sealed at rest: the corrections and the audit hold no value in clear
    db = connect()
    raw = [dict(r) for r in db.query("select field, id_type, before, after, reason, meta from corrections")]
    assert [r["field"] for r in raw][-3:] == ["field:name", "field:dob", "field:father_name"]
    assert all(r["id_type"] is None for r in raw if r["field"].startswith("field:"))
    assert all(r[c].startswith(crypto.PREFIX) for r in raw for c in ("before", "after", "reason") if r[c])
    dump = json.dumps(raw + trail.audit_rows(h)).upper()
    assert "KULKARNI" not in dump and "1976-10-1" not in dump
    entries = trail.audit_rows(h)
    assert [a["action"] for a in entries[:3]] == ["remove_field", "add_field", "correct_field"]
    assert entries[0]["detail"] == {"correction": entries[0]["detail"]["correction"], "field": "father_name"}
    # ... and the trail people read shows what changed
    people = trail.audit_trail(h)
    assert (people[1]["field"], people[1]["before"], people[1]["after"]) == ("dob", "", "1976-10-15")  # re-added
    assert (people[2]["field"], people[2]["before"], people[2]["after"]) == ("name", "ASHA KULKARNI", "asha kulkarni")

    # every output: the reviewed document, the export, the bulk row; counts
    rv = views.get(h)
    d = rv.to_dict()
    assert d["n_corrections"] == 5 and set(d["fields"]) == {"name", "dob"}
    assert d["fields"]["name"].items() >= {"value": "asha kulkarni", "origin": "edited", "source": "operator",
                                           "confidence": None, "valid": True}.items()
    assert rv.export()["fields"]["dob"]["origin"] == "edited"
    row = rv.row()
    assert (row["name"], row["dob"], row["father_name"], row["invalid_fields"]) == \
        ("asha kulkarni", "1976-10-15", "", "")
    text = views.to_csv([row]).decode()
    assert "asha kulkarni" in text and "GURPREET" not in text
    assert repository.correction_counts("kind", db=connect()) == {"field removed": 2, "field edited": 1, "field added": 1,
                                                "ID removed": 1}
    assert repository.correction_counts("id_type", db=connect())["field:dob"] == 2
    # four eyes: asha corrected fields, so she may not approve it
    with pytest.raises(PermissionError, match="four eyes: you corrected this document"):
        decisions.set_status(h, "approved", "asha")


def test_a_field_the_ocr_missed_is_added_and_dates_are_checked_against_each_other(aadhaar):
    h = aadhaar.file_hash
    v = view.view(h)
    assert "address" not in v.fields and "address" in replay.field_kinds(v.result)
    corrections.apply_changes(h, [{"field": "address", "value": "12 MG Road , Mysore ,  Karnatka 570001", "page": 1},
                             {"field": "gender", "value": "f"}], "ravi")
    v = view.view(h)
    assert v.fields["address"].value == "12 MG Road, Mysore, Karnataka 570001"  # the extractor's clean-up
    assert v.fields["gender"].value == "FEMALE"
    assert v.field_origins["address"] == "added" and v.field_origins["gender"] == "edited"
    assert v.fields["address"].box is None and v.fields["address"].page == 1

    # dates in order (the extractor's cross-check): a passport, in memory
    from ocr_core.models import DocumentResult, Field, Page

    res = DocumentResult(filename="p", file_hash="0" * 64, ids=[], document_type="PASSPORT",
                         pages=[Page(1, 10, 10, "ocr", document_type="PASSPORT")],
                         fields={"date_of_issue": Field("date_of_issue", "2015-01-01"),
                                 "date_of_expiry": Field("date_of_expiry", "2025-01-01")})
    pv = view.View(result=res, keys=[], origins=[], row={})
    assert view.check_field(pv, "date_of_expiry", "01/01/2014")["reason"] == \
        "date of expiry is not after date of issue"
    assert view.check_field(pv, "date_of_issue", "01/06/2025")["reason"] == \
        "date of expiry is not after date of issue"
    assert view.check_field(pv, "date_of_expiry", "01/01/2035")["valid"]
    # a bundle (MIXED) takes the keys of each of its page types
    res.document_type, res.pages = "MIXED", [Page(1, 10, 10, "ocr", document_type="PAN"),
                                             Page(2, 10, 10, "ocr", document_type="VOTER_ID")]
    assert list(replay.field_kinds(res)) == ["name", "father_name", "dob", "gender"]


def test_field_inputs_of_two_operators_at_once_keep_each_others_changes(pan):
    """The desk's save with field inputs: each operator stores only what they changed against the
    version their inputs were shown; where both changed the same field the later save wins."""
    h = pan.file_hash
    va, vb = view.view(h), _other_session(view.view, h)
    shown = {r["key"]: r["value"] for r in view.field_rows(va)}
    assert shown == {"name": "ASHA KULKARNI", "father_name": "GURPREET KULKARNI", "dob": "1976-10-14"}
    _other_session(corrections.save_corrections, h, view.id_rows(vb), "ravi", seen=vb.version,
                   fields={**shown, "name": "Asha Kulkarni"})
    out = corrections.save_corrections(h, view.id_rows(va), "asha", seen=va.version,
                                  fields={**shown, "dob": "15/10/1976", "father_name": "  "})
    assert len(out) == 2
    v = view.view(h)
    assert {k: f.value for k, f in v.fields.items()} == {"name": "Asha Kulkarni", "dob": "1976-10-15"}
    # both change the date of birth: the later save wins, its before is the other's value
    va, vb = view.view(h), _other_session(view.view, h)
    rows = view.field_rows(va)
    shown = {r["key"]: r["value"] for r in rows}
    assert shown["father_name"] == "" and not next(r for r in rows if r["key"] == "father_name")["found"]
    _other_session(corrections.save_corrections, h, view.id_rows(vb), "ravi", seen=vb.version,
                   fields={**shown, "dob": "16/10/1976"})
    corrections.save_corrections(h, view.id_rows(va), "asha", seen=va.version, fields={**shown, "dob": "17/10/1976"})
    last = repository.corrections(h, connect())[-1]
    assert (last["field"], last["before"], last["after"], last["meta"]["concurrent"]) == \
        ("field:dob", "1976-10-16", "1976-10-17", True)
    # an invalid input is refused with its key, and nothing of that save is written
    n = len(repository.corrections(h, connect()))
    with pytest.raises(ValueError, match="dob: birth date in the future"):
        corrections.save_corrections(h, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha",
                                fields={"dob": "01/01/2090"})
    assert len(repository.corrections(h, connect())) == n
