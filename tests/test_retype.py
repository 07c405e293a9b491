"""The reviewed document's type follows its corrected IDs (issue 24, item 2), on the real engine
and a real SQLite file: an Aadhaar number added by region re-OCR to an UNKNOWN page makes it an
Aadhaar by the classifier's own evidence rule (an ID that decides alone, `idtypes.IDSpec.alone`),
in the view, the stored row (History, the queue, the API's type filter), the exports and the API;
the change is audited (``type_changed``) with the correction it follows from; an ID that does not
decide alone (a PAN) leaves the type; removing the ID gives the OCR's type back, and removing a
known card's IDs leaves it its type (lost evidence makes no type)."""
from __future__ import annotations

import csv
import io

import pytest

from apiclient import if_match
from ocr_core import auth
from ocr_core.intake import process_upload
from ocr_core.record import corrections, decisions, repository, trail, view, views
from ocr_core.store import connect
from test_four_eyes import ADMIN, API, CHECKER, NEW_AADHAAR, OPERATOR, client, notes_png  # noqa: F401

ASHA = auth.Identity("asha", "operator")


@pytest.fixture
def unknown(settings, engine):
    res = process_upload(notes_png(), "notes.png")
    assert (res.document_type, res.ids) == ("UNKNOWN", [])
    return res


def _type_changes(h: str) -> list[dict]:
    return [r["detail"] for r in trail.audit_rows(h) if r["action"] == "type_changed"]


def test_an_aadhaar_added_by_region_reocr_makes_an_unknown_document_an_aadhaar(unknown):
    h = unknown.file_hash
    corrections.add_id(h, "AADHAAR", NEW_AADHAAR, ASHA, page=1, reason="region re-OCR", origin="region",
                       confidence=0.93)
    v = view.view(h)
    assert v.result.document_type == "AADHAAR" and v.result.pages[0].document_type == "AADHAAR"
    assert view.view(h, as_of=0).result.document_type == "UNKNOWN"  # the version before the correction
    assert repository.get_row(h, connect())["document_type"] == "AADHAAR"  # History, the queue, metrics
    assert decisions.approval_needs_reason(v) == []  # neither without an ID nor UNKNOWN any more
    assert {"name", "dob", "gender"} <= {r["key"] for r in view.field_rows(v)}  # an Aadhaar's fields
    rv = views.get(h)
    assert rv.document_type == "AADHAAR" and rv.to_dict()["document_type"] == "AADHAAR"
    assert rv.row()["document_type"] == "AADHAAR"
    assert next(csv.DictReader(io.StringIO(views.to_csv([rv.row()]).decode())))["document_type"] == "AADHAAR"
    assert [d.file_hash for d in views.all_documents(document_type="AADHAAR")] == [h]
    assert _type_changes(h) == [{"before": "UNKNOWN", "after": "AADHAAR", "version": v.version}]
    entry = next(e for e in trail.audit_trail(h) if e["action"] == "type_changed")
    assert (entry["operator"], entry["before"], entry["after"]) == ("asha", "UNKNOWN", "AADHAAR")
    assert NEW_AADHAAR not in str(trail.audit_rows(h))  # no number in the audit

    # the ID removed again: the OCR's type back, audited too
    key = v.keys[v.origins.index("region")]
    corrections.apply_changes(h, [{"key": key, "remove": True}], ASHA, version=v.version)
    assert view.view(h).result.document_type == "UNKNOWN"
    assert repository.get_row(h, connect())["document_type"] == "UNKNOWN"
    assert [(d["before"], d["after"]) for d in _type_changes(h)] == [("AADHAAR", "UNKNOWN"), ("UNKNOWN", "AADHAAR")]


def test_an_id_that_does_not_decide_alone_and_unrelated_corrections_leave_the_type(unknown, settings, dev_dir):
    h = unknown.file_hash
    corrections.add_id(h, "PAN", "ABCPK1234Z", ASHA, reason="region re-OCR", origin="region", confidence=0.9)
    assert view.view(h).result.document_type == "UNKNOWN"  # a PAN number alone is not a PAN card
    assert _type_changes(h) == []
    aadhaar = process_upload((dev_dir / "aadhaar_000.png").read_bytes(), "aadhaar_000.png")
    a = aadhaar.file_hash
    assert aadhaar.document_type == "AADHAAR"
    v = view.view(a)
    key = v.keys[[d.type for d in v.result.ids].index("AADHAAR")]
    corrections.apply_changes(a, [{"key": key, "value": NEW_AADHAAR}, {"field": "name", "value": "Asha Rao"}],
                              ASHA, version=v.version)
    assert view.view(a).result.document_type == "AADHAAR" and _type_changes(a) == []
    # every ID removed: evidence lost makes no type, the printed card stays an Aadhaar
    corrections.apply_changes(a, [{"key": k, "remove": True} for k in view.view(a).keys], ASHA)
    assert view.view(a).result.document_type == "AADHAAR" and _type_changes(a) == []


def test_api_corrections_answer_the_re_derived_type(client, settings):
    r = client.post(f"{API}/paddleocr/predict", files={"file": ("notes.png", notes_png(), "image/png")},
                    headers=OPERATOR)
    assert r.status_code == 200, r.text
    h = r.json()["file_hash"]
    assert client.get(f"{API}/documents/{h}", headers=OPERATOR).json()["document_type"] == "UNKNOWN"
    r = client.post(f"{API}/documents/{h}/corrections", headers=if_match(client, h, **OPERATOR),
                    json={"changes": [{"type": "AADHAAR", "value": NEW_AADHAAR}], "reason": "read from the card"})
    assert r.status_code == 200, r.text
    assert r.json()["document_type"] == "AADHAAR"
    got = client.get(f"{API}/documents", params={"type": "AADHAAR"}, headers=OPERATOR).json()
    assert [d["file_hash"] for d in got["documents"]] == [h]
    rows = list(csv.DictReader(io.StringIO(client.get(f"{API}/documents", params={"format": "csv"},
                                                      headers=OPERATOR).text)))
    assert [(x["file_hash"], x["document_type"]) for x in rows] == [(h, "AADHAAR")]
    trail_ = client.get(f"{API}/documents/{h}/audit", headers=CHECKER).json()["entries"]
    assert "type_changed" in [e["action"] for e in trail_]
