"""The documents resource (ocr_core/api/routers/documents.py) on the real engine and a real SQLite
file: the reviewed view, key-addressed corrections (422 saves nothing), the desk's review rules,
the reviewed list in JSON and CSV, deletion, and the caller's name from OCR_API_KEYS."""
from __future__ import annotations

import csv
import io
import json
import threading

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from apiclient import api_client, if_match  # noqa: E402
from ocr_api import create_app  # noqa: E402

API = "/ocr-api"
KEYS = {"asha:operator:k-asha-1", "ravi:checker:k-ravi-2", "root:admin:k-root-3"}  # OCR_API_KEYS, parsed as a set


@pytest.fixture
def client(settings, engine):
    with api_client(settings, KEYS, "k-asha-1") as c:
        yield c


def _scan(client, path):
    r = client.post(f"{API}/paddleocr/predict", files={"file": (path.name, path.read_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    return r.json()["file_hash"]


def test_rest_flow_view_correct_422_review_list_csv_delete(client, dev_dir):
    h = _scan(client, dev_dir / "pan_000.png")
    doc = client.get(f"{API}/documents/{h}").json()
    assert (doc["file_hash"], doc["filename"], doc["document_type"], doc["review_status"]) == \
        (h, "pan_000.png", "PAN", "pending")
    (pan,) = doc["ids"]
    assert pan["key"] == "pan-p1-1" and pan["value"] == "EDYPK5645N" and pan["origin"] == "ocr"
    assert pan["valid"] and pan["page"] == 1 and len(pan["box"]) == 4 and 0 < pan["confidence"] <= 1

    # an invalid value: 422 with its reason, and nothing of that request is saved (not the valid add)
    bad = client.post(f"{API}/documents/{h}/corrections", json={"changes": [
        {"type": "EPIC", "value": "ABC1234566"}, {"key": "pan-p1-1", "value": "ABCPK1234"}], "reason": "typo"},
        headers=if_match(client, h))
    assert bad.status_code == 422 and "pan-p1-1" in bad.json()["detail"] and "10 characters" in bad.json()["detail"]
    assert client.get(f"{API}/documents/{h}").json()["n_corrections"] == 0
    assert client.post(f"{API}/documents/{h}/corrections", json={"changes": [{"key": "nope", "value": "x"}]},
                       headers=if_match(client, h)).status_code == 422
    assert client.post(f"{API}/documents/{'0' * 64}/corrections", json={"changes": [{"key": "a", "value": "x"}]},
                       headers=if_match(client, '0' * 64)).status_code == 404

    # a change names the version it is about: none (428), or one that is not a version (428); a weak tag is read
    r = client.post(f"{API}/documents/{h}/corrections", json={"changes": [{"key": "pan-p1-1", "value": "ABCPK1234Z"}]})
    assert r.status_code == 428 and r.json()["error"] == "precondition_required", r.text
    r = client.post(f"{API}/documents/{h}/corrections", headers={"If-Match": "*"},
                    json={"changes": [{"key": "pan-p1-1", "value": "ABCPK1234Z"}]})
    assert r.status_code == 428, r.text
    got = client.get(f"{API}/documents/{h}")
    assert got.headers["ETag"] == f'"{got.json()["version"]}"' == '"0"'
    r = client.post(f"{API}/documents/{h}/corrections", headers={"If-Match": "W/\"5\""},
                    json={"changes": [{"key": "pan-p1-1", "value": "ABCPK1234Z"}]})
    assert r.status_code == 412 and r.json()["error"] == "stale_version", r.text
    assert client.get(f"{API}/documents/{h}").json()["n_corrections"] == 0  # none of them saved anything

    # edit, add, and (in a second request) remove; the name of the key's entry is the operator
    r = client.post(f"{API}/documents/{h}/corrections", json={"changes": [
        {"key": "pan-p1-1", "value": "abcpk 1234z"}, {"type": "AADHAAR", "value": "2345 6789 0124"},
        {"type": "EPIC", "value": "ABC1234566"}], "reason": "seen on the card"}, headers=if_match(client, h))
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == f'"{r.json()["version"]}"'  # the new version, to send with the next change
    v = r.json()
    by = {i["type"]: i for i in v["ids"]}
    assert by["PAN"]["value"] == "ABCPK1234Z" and by["PAN"]["origin"] == "edited" and by["PAN"]["key"] == "pan-p1-1"
    assert by["PAN"]["confidence"] is None  # typed by an operator, not read
    assert by["AADHAAR"]["value"] == "XXXX XXXX 0124" and "234567890124" not in r.text  # masked
    assert by["EPIC"]["origin"] == "added" and v["n_corrections"] == 3
    r = client.post(f"{API}/documents/{h}/corrections", json={"changes": [{"key": by["EPIC"]["key"], "remove": True}]},
                    headers=if_match(client, h))
    assert [i["type"] for i in r.json()["ids"]] == ["PAN", "AADHAAR"]
    from ocr_core.record import corrections, repository, trail, view
    from ocr_core.store import connect

    assert {c["operator"] for c in repository.corrections(h, connect())} == {"asha"}

    # the desk's rules: a rejection needs a reason; then approve (by the key's name)
    r = client.post(f"{API}/documents/{h}/review", json={"status": "rejected"},
                    headers=if_match(client, h, **{"X-API-Key": "k-ravi-2"}))
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = client.post(f"{API}/documents/{h}/review", json={"status": "approved"},
                    headers=if_match(client, h))  # asha is an operator
    assert r.status_code == 403 and "checker" in r.json()["detail"]
    r = client.post(f"{API}/documents/{h}/review", json={"status": "approved"},
                    headers=if_match(client, h, **{"X-API-Key": "k-ravi-2"}))
    assert r.status_code == 200 and r.json()["review_status"] == "approved" and r.json()["reviewed_by"] == "ravi"
    assert r.json()["reviewed_at"].startswith("20")

    # the same file through predict and the list: the reviewed values and status, not the raw OCR
    p = client.post(f"{API}/paddleocr/predict", files={"file": ("again.png", (dev_dir / "pan_000.png").read_bytes(),
                                                                 "image/png")}).json()
    assert p["document_ids"]["PAN"] == ["ABCPK1234Z"] and p["review_status"] == "approved" and p["n_corrections"] == 4
    other = _scan(client, dev_dir / "voter_000.png")
    page = client.get(f"{API}/documents", params={"status": "approved"}).json()
    assert [d["file_hash"] for d in page["documents"]] == [h] and page["total"] == 1
    assert client.get(f"{API}/documents", params={"type": "VOTER_ID"}).json()["documents"][0]["file_hash"] == other
    assert client.get(f"{API}/documents", params={"since": "2999-01-01"}).json()["total"] == 0
    assert client.get(f"{API}/documents", params={"since": "yesterday"}).status_code == 422
    assert client.get(f"{API}/documents", params={"status": "done"}).status_code == 422
    text = client.get(f"{API}/documents", params={"format": "csv"}).text
    rows = {r["file_hash"]: r for r in csv.DictReader(io.StringIO(text))}
    assert list(csv.reader(io.StringIO(text)))[0][:4] == ["file_hash", "filename", "document_type", "review_status"]
    assert (rows[h]["PAN"], rows[h]["AADHAAR"], rows[h]["review_status"], rows[h]["reviewed_by"]) == \
        ("ABCPK1234Z", "XXXX XXXX 0124", "approved", "ravi")
    assert rows[h]["n_corrections"] == "4" and rows[other]["review_status"] == "pending"
    assert "234567890124" not in text

    # delete: admins only; 204, then 404 everywhere; the deletion is audited by the key's name (the
    # chained, append-only trail keeps the earlier entries, which hold no ID number)
    assert client.delete(f"{API}/documents/{h}").status_code == 403
    assert client.delete(f"{API}/documents/{h}", headers={"X-API-Key": "k-root-3"}).status_code == 204
    assert client.get(f"{API}/documents/{h}").status_code == 404
    assert client.delete(f"{API}/documents/{h}", headers={"X-API-Key": "k-root-3"}).status_code == 404
    entries = trail.audit_rows(h)
    assert (entries[0]["action"], entries[0]["operator"]) == ("delete", "root")
    assert "ABCPK1234Z" not in str(entries) and "234567890124" not in str(entries)


def test_api_keys_name_role_key_and_the_caller(settings):
    from ocr_core import auth
    from ocr_core.config import Settings

    s = settings.model_copy(update={"ocr_api_keys": KEYS})
    env = Settings(ocr_api_keys=" asha:operator:k-asha-1, ravi:checker:k-ravi-2,,root:admin:k-root-3")  # as the environment gives it
    assert {(k.name, k.role) for k in auth.parse_api_keys(env.ocr_api_keys)} == \
        {("asha", "operator"), ("ravi", "checker"), ("root", "admin")}
    assert [(k.name, k.role) for k in auth.parse_api_keys("k-bare")] == [("anonymous", "operator")]
    with TestClient(create_app(s, warm_engine=False)) as c:
        assert c.get(f"{API}/documents").status_code == 401
        assert c.get(f"{API}/documents", headers={"X-API-Key": "k-ravi-2"}).status_code == 200


def test_corrections_through_the_api_and_the_desk_at_once_keep_both(client, dev_dir):
    """The API edits the PAN while a desk session, still on the version its editor showed, adds an
    ID (its own thread and connection, as another process): both changes are kept. The API client
    whose version went stale meanwhile is refused (412) and sends again on the version it reads
    then; a change on the old version never overwrites the desk's silently."""
    from ocr_core import store
    from ocr_core.record import corrections, repository, trail, view
    from ocr_core.store import connect

    h = _scan(client, dev_dir / "pan_000.png")
    shown = view.view(h)
    errors: list[BaseException] = []

    def desk() -> None:
        try:
            rows = view.id_rows(shown) + [{"key": None, "type": "EPIC", "value": "ABC1234566"}]
            corrections.save_corrections(h, rows, "meena", seen=shown.version)
        except BaseException as e:  # re-raised below
            errors.append(e)
        finally:
            store.close_all()

    t = threading.Thread(target=desk)
    t.start()
    for _ in range(3):  # a 412: the desk saved between this client's read and its change; read again
        r = client.post(f"{API}/documents/{h}/corrections", headers=if_match(client, h),
                        json={"changes": [{"key": "pan-p1-1", "value": "ABCPK1234Z"}]})
        if r.status_code != 412:
            break
    t.join(60)
    assert not errors and r.status_code == 200, (errors, r.text)
    stale = client.post(f"{API}/documents/{h}/corrections", headers={"If-Match": f'"{shown.version}"'},
                        json={"changes": [{"key": "pan-p1-1", "value": "EDYPK5645N"}]})
    assert stale.status_code == 412 and stale.json()["error"] == "stale_version", stale.text
    ids = {(i["type"], i["value"], i["origin"]) for i in client.get(f"{API}/documents/{h}").json()["ids"]}
    assert ids == {("PAN", "ABCPK1234Z", "edited"), ("EPIC", "ABC1234566", "added")}
    assert sorted(c["operator"] for c in repository.corrections(h, connect())) == ["asha", "meena"]
    assert json.dumps(trail.audit_rows(h)).count("ABCPK1234Z") == 0


def test_rest_named_fields_view_correct_422_audit_csv(client, dev_dir):
    h = _scan(client, dev_dir / "pan_000.png")
    doc = client.get(f"{API}/documents/{h}").json()
    assert set(doc["fields"]) == {"name", "father_name", "dob"}
    dob = doc["fields"]["dob"]
    assert (dob["value"], dob["valid"], dob["source"], dob["origin"], dob["page"]) == \
        ("1976-10-14", True, "ocr", "ocr", 1)
    assert len(dob["box"]) == 4 and 0 < dob["confidence"] <= 1 and dob["reason"] is None

    # a key the type does not have, an invalid value: 422 with a clear message, nothing saved
    bad = client.post(f"{API}/documents/{h}/corrections", json={"changes": [
        {"field": "name", "value": "Asha Kulkarni"}, {"field": "gender", "value": "F"}]}, headers=if_match(client, h))
    assert bad.status_code == 422, bad.text
    assert bad.json()["detail"] == ("change 2 (field gender): 'gender' is not a field of this PAN document "
                                    "(its fields: name, father_name, dob)")
    bad = client.post(f"{API}/documents/{h}/corrections",
                      json={"changes": [{"field": "dob", "value": "31/02/1980"}]}, headers=if_match(client, h))
    assert bad.status_code == 422 and bad.json()["detail"] == "change 1 (field dob): not a real calendar date"
    bad = client.post(f"{API}/documents/{h}/corrections", json={"changes": [
        {"field": "dob", "key": "pan-p1-1", "value": "15/10/1976"}]}, headers=if_match(client, h))
    assert bad.status_code == 422 and "not both" in bad.json()["detail"]
    assert client.get(f"{API}/documents/{h}").json()["n_corrections"] == 0

    # set two fields, remove one and edit the PAN in one request
    r = client.post(f"{API}/documents/{h}/corrections",
                    headers=if_match(client, h, **{"X-API-Key": "k-ravi-2"}), json={"changes": [
        {"field": "name", "value": "Asha  Kulkarni"}, {"field": "dob", "value": "15/10/1976"},
        {"field": "father_name", "remove": True}, {"key": "pan-p1-1", "value": "ABCPK1234Z"}], "reason": "card"})
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["n_corrections"] == 4 and set(v["fields"]) == {"name", "dob"}
    assert v["fields"]["name"] == {"value": "Asha Kulkarni", "valid": True, "reason": None, "source": "operator",
                                   "origin": "edited", "page": 1, "box": doc["fields"]["name"]["box"],
                                   "confidence": None}
    assert v["fields"]["dob"]["value"] == "1976-10-15" and v["ids"][0]["value"] == "ABCPK1234Z"

    # the audit (a checker's read): each field change with its key and before/after
    trail = client.get(f"{API}/documents/{h}/audit", headers={"X-API-Key": "k-ravi-2"}).json()["entries"]
    got = [(e["action"], e["field"], e["before"], e["after"], e["reason"]) for e in trail]
    assert ("correct_field", "dob", "1976-10-14", "1976-10-15", "card") in got
    assert ("remove_field", "father_name", "GURPREET KULKARNI", "", "card") in got
    # four eyes: ravi corrected fields, so another checker decides
    r = client.post(f"{API}/documents/{h}/review", json={"status": "approved"},
                    headers=if_match(client, h, **{"X-API-Key": "k-ravi-2"}))
    assert r.status_code == 403 and "four eyes" in r.json()["detail"]

    # the bulk CSV: one column per field key, the corrected values
    rows = {r["file_hash"]: r for r in csv.DictReader(io.StringIO(
        client.get(f"{API}/documents", params={"format": "csv"}).text))}
    assert (rows[h]["name"], rows[h]["dob"], rows[h]["father_name"], rows[h]["n_corrections"]) == \
        ("Asha Kulkarni", "1976-10-15", "", "4")
    # the OCR answer for the same file is the reviewed one too
    p = client.post(f"{API}/paddleocr/predict", files={"file": ("again.png", (dev_dir / "pan_000.png").read_bytes(),
                                                                 "image/png")}).json()
    assert p["fields"]["name"]["value"] == "Asha Kulkarni" and p["fields"]["name"]["origin"] == "edited"
