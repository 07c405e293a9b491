"""Four eyes that cannot be bypassed (issue 21, item 1), on the real engine and a real SQLite file:
a decision is bound to the version it decided. Every writer of a correction after an approval or a
rejection sends the document back to needs_review (audited as review_reopened, no ID numbers); a
decision on a stale version is refused; approving a document with no ID or of type UNKNOWN needs a
reason; the approved exports never carry a value changed after the approval; the delete audit entry
records the deleter's role. The same rules through the REST API (TestClient, as the other API
tests) and the CLI."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from apiclient import api_client, if_match
from ocr_core import auth
from ocr_core.record import corrections, decisions, erase, keeping, repository, trail, view, views
from ocr_core.store import connect
from ocr_core.errors import ReasonRequiredError, StaleVersionError
from ocr_core.intake import process_upload

ROOT = Path(__file__).resolve().parents[1]
NEW_AADHAAR = "234567890124"  # passes Verhoeff


@pytest.fixture
def aadhaar(settings, engine, dev_dir):
    return process_upload((dev_dir / "aadhaar_000.png").read_bytes(), "aadhaar_000.png")


def notes_png() -> bytes:
    """A page that is no KYC document and holds no number (the dev set's distractors hold decoy IDs)."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (900, 300), "white")
    ImageDraw.Draw(im).text((40, 120), "MEETING NOTES FOR TUESDAY", fill="black", font_size=40)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def unknown(settings, engine):
    """Type UNKNOWN, no ID."""
    res = process_upload(notes_png(), "notes.png")
    assert (res.document_type, res.ids) == ("UNKNOWN", [])
    return res


def _status(h: str) -> str:
    return repository.get_row(h, connect())["review_status"]


def _aadhaar_key(h: str) -> str:
    v = view.view(h)
    return v.keys[[d.type for d in v.result.ids].index("AADHAAR")]


def test_every_change_after_a_decision_sends_the_document_back_to_review(aadhaar):
    h = aadhaar.file_hash
    key = _aadhaar_key(h)
    full = view.view(h).id_by_key(key).value
    writers = {  # every way a correction is written: the desk's save, the API's changes, an add (region re-OCR)
        "desk save, ID": lambda: corrections.save_corrections(
            h, [{**r, "value": NEW_AADHAAR} if r["key"] == key else r for r in view.id_rows(view.view(h))],
            "asha"),
        "desk save, field": lambda: corrections.save_corrections(h, view.id_rows(view.view(h)), "asha",
                                                            fields={"name": "Someone Else"}),
        "API changes, ID and fields": lambda: corrections.apply_changes(
            h, [{"key": key, "value": full}, {"field": "dob", "value": "01/01/1990"}], "asha", "operator edit"),
        "region re-OCR add": lambda: corrections.add_id(h, "PAN", "ABCPK1234Z", auth.Identity("asha", "operator"),
                                                   reason="region re-OCR", origin="region", confidence=0.9),
        "API remove": lambda: corrections.apply_changes(
            h, [{"key": view.view(h).keys[view.view(h).origins.index("region")], "remove": True}], "asha"),
    }
    n_reopened = 0
    for i, (name, write) in enumerate(writers.items()):
        decision = ("approved", "") if i % 2 == 0 else ("rejected", "photo does not match")
        row = decisions.set_status(h, decision[0], auth.Identity("meena", "checker"), decision[1])
        assert row["review_status"] == decision[0]
        decided = trail.audit_rows(h)[0]
        v = view.view(h)
        assert decided["detail"]["version"] == v.version and decided["detail"]["corrections"] == v.n_corrections
        assert write(), name  # something was written
        assert _status(h) == "needs_review", name
        n_reopened += 1
        entry = trail.audit_rows(h)[0]
        word = "approval" if decision[0] == "approved" else "rejection"
        assert entry["action"] == "review_reopened" and entry["operator"] == "asha", name
        assert entry["detail"] == {"status": "needs_review", "previous": decision[0],
                                   "reason": f"changed after {word}", "version": view.view(h).version}, name
        row = repository.get_row(h, connect())
        assert (row["reviewed_by"], row["review_reason"]) == ("asha", f"changed after {word}")
    entries = trail.audit_rows(h, 500)
    assert sum(a["action"] == "review_reopened" for a in entries) == n_reopened == len(writers)
    dump = json.dumps(entries)
    assert full not in dump and NEW_AADHAAR not in dump and "Someone Else" not in dump  # no values in the audit
    # the trail people read says why, with the role of whoever changed it
    people = [e for e in trail.audit_trail(h) if e["action"] == "review_reopened"]
    assert people[0]["reason"] == "changed after approval" and {e["role"] for e in people} == {None, "operator"}
    # an undecided document stays as it is: no reopen entry
    decisions.set_status(h, "needs_review", "asha")
    corrections.apply_changes(h, [{"field": "name", "value": "Asha Verma"}], "asha")
    assert _status(h) == "needs_review" and trail.audit_rows(h)[0]["action"] == "correct_field"
    # four eyes still: asha changed it, so meena (who did not) decides again
    with pytest.raises(auth.Forbidden, match="four eyes"):
        decisions.set_status(h, "approved", auth.Identity("asha", "checker"))
    assert decisions.set_status(h, "approved", "meena")["review_status"] == "approved"


def test_a_decision_on_a_stale_version_is_refused(aadhaar):
    h = aadhaar.file_hash
    seen = view.view(h).version  # what the checker looked at
    corrections.apply_changes(h, [{"field": "name", "value": "Someone Else"}], "asha")  # meanwhile
    for status, reason in (("approved", ""), ("rejected", "photo does not match")):
        with pytest.raises(StaleVersionError, match="changed after the version you saw") as e:
            decisions.set_status(h, status, "ravi", reason, version=seen)
        assert e.value.code == "stale_version" and isinstance(e.value, ValueError)
    assert _status(h) == "pending" and trail.audit_rows(h)[0]["action"] == "correct_field"  # nothing decided
    now = view.view(h)
    decisions.set_status(h, "approved", "ravi", version=now.version)
    assert trail.audit_rows(h)[0]["detail"] == {"status": "approved", "version": now.version, "corrections": 1}


def test_approving_a_document_with_no_id_or_of_unknown_type_needs_a_reason(aadhaar, unknown):
    u = unknown.file_hash
    with pytest.raises(ReasonRequiredError, match="it has no ID and its type is UNKNOWN") as e:
        decisions.set_status(u, "approved", "ravi", "   ")
    assert e.value.code == "reason_required"
    assert _status(u) == "pending" and not trail.audit_rows(u)
    assert decisions.approval_needs_reason(view.view(u)) == ["it has no ID", "its type is UNKNOWN"]
    row = decisions.set_status(u, "approved", "ravi", "cover letter of the KYC set, no ID expected")
    assert (row["review_status"], row["review_reason"]) == ("approved", "cover letter of the KYC set, no ID expected")
    assert trail.audit_rows(u)[0]["detail"]["approved_with"] == ["it has no ID", "its type is UNKNOWN"]
    # a known type whose every ID was removed: no ID, so a reason too; rejecting needs one anyway
    h = aadhaar.file_hash
    corrections.apply_changes(h, [{"key": k, "remove": True} for k in view.view(h).keys], "asha")
    assert decisions.approval_needs_reason(view.view(h)) == ["it has no ID"]
    with pytest.raises(ReasonRequiredError, match="it has no ID"):
        decisions.set_status(h, "approved", "ravi")
    with pytest.raises(ReasonRequiredError, match="reason to reject"):
        decisions.set_status(h, "rejected", "ravi")
    assert decisions.set_status(h, "approved", "ravi", "back side only")["review_status"] == "approved"
    # marking for review or reopening needs no reason
    assert decisions.set_status(u, "pending", "ravi")["review_status"] == "pending"


def test_the_approved_exports_never_carry_a_value_changed_after_the_approval(aadhaar):
    h = aadhaar.file_hash
    decisions.set_status(h, "approved", "ravi")
    approved = [d.row() for d in views.all_documents(status="approved")]
    assert [r["file_hash"] for r in approved] == [h] and approved[0]["name"] != "Someone Else"
    corrections.apply_changes(h, [{"key": _aadhaar_key(h), "value": NEW_AADHAAR},
                             {"field": "name", "value": "Someone Else"}], "asha")
    assert views.all_documents(status="approved") == []
    text = views.to_csv(d.row() for d in views.all_documents())
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    assert [(r["review_status"], r["name"], r["AADHAAR"]) for r in rows] == \
        [("needs_review", "Someone Else", "XXXX XXXX 0124")]
    d = json.loads(views.export_json(h))
    assert d["review"]["status"] == "needs_review" and d["review"]["reason"] == "changed after approval"
    assert {r["review_status"] for r in csv.DictReader(io.StringIO(views.export_csv(h)))} == {"needs_review"}
    # approved again by another checker: now the export is of that version, and says which
    decisions.set_status(h, "approved", "meena")
    d = json.loads(views.export_json(h))
    assert (d["review"]["status"], d["review"]["version"]) == ("approved", view.view(h).version)
    assert d["fields"]["name"]["value"] == "Someone Else"


def test_a_rescan_that_reads_the_document_otherwise_reopens_its_decision(aadhaar, dev_dir):
    from ocr_core.record import corrections, decisions, erase, keeping, repository, trail, view, views
    from ocr_core.store import connect

    h = aadhaar.file_hash
    decisions.set_status(h, "approved", "ravi")
    data = (dev_dir / "aadhaar_000.png").read_bytes()
    assert process_upload(data, "again.png").cached  # the same file again: the same reading, still approved
    assert _status(h) == "approved" and trail.audit_rows(h)[0]["action"] == "approve"
    # another engine reads the name otherwise: a result of the same file with another name stands in
    # for it (which engine reads what differs from file to file), kept the way every scan is kept
    other = repository.load(h, connect())
    other.fields["name"].value = "SOMEONE ELSE"
    keeping.keep(other, data)
    assert _status(h) == "needs_review"
    entry = trail.audit_rows(h)[0]
    assert (entry["action"], entry["operator"], entry["detail"]["previous"], entry["detail"]["reason"],
            entry["detail"]["rescan"]) == ("review_reopened", "system", "approved", "changed after approval", True)
    assert views.all_documents(status="approved") == []


def test_the_delete_audit_entry_records_the_role(settings, engine, dev_dir, tmp_path):
    hashes = [process_upload((dev_dir / f).read_bytes(), f).file_hash
              for f in ("pan_000.png", "voter_000.png", "aadhaar_000.png")]
    assert erase.delete_document(hashes[0], auth.Identity("root", "admin"))  # the review page
    assert erase.delete_document(hashes[1], auth.Identity("rita", "admin"))  # the history page
    with pytest.raises(auth.Forbidden, match="delete needs the admin role"):
        erase.delete_document(hashes[2], auth.Identity("asha", "operator"))
    env = {**os.environ, "DB_PATH": str(settings.db_path), "OCR_KEY_FILE": str(settings.ocr_key_file)}
    p = subprocess.run([sys.executable, "-m", "ocr_core", "delete", "--operator", "ops", hashes[2]], cwd=ROOT,
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    got = [(trail.audit_rows(h)[0]["action"], trail.audit_rows(h)[0]["operator"], trail.audit_rows(h)[0]["role"])
           for h in hashes]
    assert got == [("delete", "root", "admin"), ("delete", "rita", "admin"), ("delete", "ops", "admin")]


# ---------------------------------------------------------------- the same through the REST API
pytest.importorskip("fastapi")

API = "/ocr-api"
KEYS = {"asha:operator:k-asha-1", "ravi:checker:k-ravi-2", "root:admin:k-root-3"}
OPERATOR, CHECKER, ADMIN = ({"X-API-Key": k} for k in ("k-asha-1", "k-ravi-2", "k-root-3"))


@pytest.fixture
def client(settings, engine):
    with api_client(settings, KEYS) as c:
        yield c


def _scan(client, path) -> str:
    r = client.post(f"{API}/paddleocr/predict", files={"file": (path.name, path.read_bytes(), "image/png")},
                    headers=OPERATOR)
    assert r.status_code == 200, r.text
    return r.json()["file_hash"]


def test_api_an_approval_does_not_survive_an_operators_correction(client, dev_dir):
    h = _scan(client, dev_dir / "aadhaar_000.png")
    got = client.get(f"{API}/documents/{h}", headers=OPERATOR)
    doc, seen = got.json(), got.headers["ETag"]  # the version the checker looks at
    assert seen == f'"{doc["version"]}"'
    r = client.post(f"{API}/documents/{h}/review", json={"status": "approved"}, headers={**CHECKER, "If-Match": seen})
    assert r.status_code == 200 and r.json()["review_status"] == "approved", r.text
    key = next(i["key"] for i in doc["ids"] if i["type"] == "AADHAAR")
    r = client.post(f"{API}/documents/{h}/corrections", headers=if_match(client, h, **OPERATOR), json={"changes": [
        {"key": key, "value": "2345 6789 0124"}, {"field": "name", "value": "Someone Else"},
        {"field": "dob", "value": "01/01/1990"}], "reason": "operator edit"})
    assert r.status_code == 200, r.text
    assert (r.json()["review_status"], r.json()["review_reason"]) == ("needs_review", "changed after approval")
    # the approved list and CSV no longer hold it; the full list shows the new values as needing review
    assert client.get(f"{API}/documents", params={"status": "approved"}, headers=OPERATOR).json()["total"] == 0
    text = client.get(f"{API}/documents", params={"status": "approved", "format": "csv"}, headers=OPERATOR).text
    assert h not in text and "Someone Else" not in text
    rows = list(csv.DictReader(io.StringIO(client.get(f"{API}/documents", params={"format": "csv"},
                                                      headers=OPERATOR).text)))
    assert [(r["review_status"], r["name"]) for r in rows] == [("needs_review", "Someone Else")]
    trail = client.get(f"{API}/documents/{h}/audit", headers=CHECKER).json()["entries"]
    assert (trail[0]["action"], trail[0]["operator"], trail[0]["role"], trail[0]["reason"]) == \
        ("review_reopened", "asha", "operator", "changed after approval")
    assert "234567890124" not in json.dumps(trail)
    # a decision on the version seen before the change: 412; without a version: 428; on the current one: 200
    r = client.post(f"{API}/documents/{h}/review", json={"status": "approved"}, headers={**CHECKER, "If-Match": seen})
    assert r.status_code == 412 and r.json()["error"] == "stale_version", r.text
    r = client.post(f"{API}/documents/{h}/review", json={"status": "approved"}, headers=CHECKER)
    assert r.status_code == 428 and r.json()["error"] == "precondition_required", r.text
    now = client.get(f"{API}/documents/{h}", headers=CHECKER).json()
    assert now["review_status"] == "needs_review" and now["version"] > doc["version"]
    r = client.post(f"{API}/documents/{h}/review", json={"status": "approved"},
                    headers={**CHECKER, "If-Match": f'"{now["version"]}"'})
    assert r.status_code == 200 and r.json()["review_status"] == "approved"


def test_api_approving_an_unknown_document_without_an_id_needs_a_reason_and_delete_keeps_the_role(client):
    r = client.post(f"{API}/paddleocr/predict", files={"file": ("notes.png", notes_png(), "image/png")},
                    headers=OPERATOR)
    assert r.status_code == 200, r.text
    u = r.json()["file_hash"]
    doc = client.get(f"{API}/documents/{u}", headers=CHECKER).json()
    assert (doc["document_type"], doc["ids"]) == ("UNKNOWN", [])
    r = client.post(f"{API}/documents/{u}/review", json={"status": "approved"}, headers=if_match(client, u, **CHECKER))
    assert r.status_code == 422 and r.json()["error"] == "reason_required", r.text
    assert "it has no ID and its type is UNKNOWN" in r.json()["detail"]
    assert client.get(f"{API}/documents/{u}", headers=CHECKER).json()["review_status"] == "pending"
    r = client.post(f"{API}/documents/{u}/review", json={"status": "approved", "reason": "cover letter, no ID"},
                    headers=if_match(client, u, **CHECKER))
    assert r.status_code == 200 and (r.json()["review_status"], r.json()["review_reason"]) == \
        ("approved", "cover letter, no ID")
    assert client.delete(f"{API}/documents/{u}", headers=ADMIN).status_code == 204
    trail = client.get(f"{API}/documents/{u}/audit", headers=CHECKER).json()["entries"]
    assert (trail[0]["action"], trail[0]["operator"], trail[0]["role"]) == ("delete", "root", "admin")
