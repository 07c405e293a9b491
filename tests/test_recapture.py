"""A recapture request (issue 24): "ask for a new photo", a decision next to approve and reject,
with the quality gate's reason, on the real engine and a real SQLite file. Operators and checkers
may ask (auth.PERMISSIONS ``recapture``); it is not a final decision, so four eyes does not apply
(whoever corrected the document may still ask); a reason is required; it is bound to the version
shown like approve and reject (StaleVersionError; the API's If-Match: 428, 412); audited as
``recapture`` with the reason and the version; the document stays in the review queue, last (it
waits for the customer); the exports carry ``review_status`` = ``recapture_requested`` and the
reason; the new capture, uploaded for the same case, is a new document. The desk's "Ask for a new
photo" button is prefilled with the quality reasons (AppTest)."""
from __future__ import annotations

import csv
import io
import random

import pytest

from apiclient import if_match
from desk import desk, texts
from ocr_core import auth
from ocr_core.errors import ReasonRequiredError, StaleVersionError
from ocr_core.intake import process_upload
from ocr_core.record import cases, corrections, decisions, history, repository, trail, view, views
from ocr_core.store import connect
from test_four_eyes import API, CHECKER, NEW_AADHAAR, OPERATOR, client, notes_png  # noqa: F401

ASHA = auth.Identity("asha", "operator")
RAVI = auth.Identity("ravi", "checker")


def _png(im) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def cards(unseen_gen):
    """A PAN card made by bench/unseen.py, clean and under glare (the quality gate flags it)."""
    rng = random.Random(7)
    c, *_ = unseen_gen.pan_card_v3(rng, "arimo", unseen_gen.person(rng))
    return _png(c.im), _png(unseen_gen.degrade_image(c.im, "glare", random.Random(3)))


@pytest.fixture
def glared(settings, engine, cards):
    res = process_upload(cards[1], "glare.png", case="LOAN-7")
    assert "glare" in res.quality["reasons"]
    return res


def _status(h: str) -> tuple[str, str, str]:
    row = repository.get_row(h, connect())
    return row["review_status"], row["reviewed_by"], row["review_reason"]


def test_an_operator_asks_for_a_new_photo_with_the_quality_reason(glared, settings, engine, cards):
    h = glared.file_hash
    v = view.view(h)
    assert "glare" in decisions.recapture_reason(v)  # what the desk prefills
    with pytest.raises(ReasonRequiredError, match="reason for a new photo"):
        decisions.set_status(h, "recapture_requested", ASHA, "  ", version=v.version)
    decisions.set_status(h, "recapture_requested", ASHA, "glare", version=v.version)  # an operator may
    assert _status(h) == ("recapture_requested", "asha", "glare")
    assert trail.audit_rows(h)[0]["role"] == "operator"
    # ravi corrects it: four eyes stops him approving, not asking for a new photo (not a final decision)
    corrections.apply_changes(h, [{"field": "name", "value": "Asha Rao"}], RAVI, version=v.version)
    assert _status(h)[0] == "recapture_requested"  # a correction does not reopen a request
    with pytest.raises(auth.Forbidden, match="four eyes"):
        decisions.set_status(h, "approved", RAVI)
    with pytest.raises(StaleVersionError):  # bound to the version shown, like approve and reject
        decisions.set_status(h, "recapture_requested", RAVI, "glare", version=v.version)
    now = view.view(h)
    decisions.set_status(h, "recapture_requested", RAVI, decisions.recapture_reason(now), version=now.version)
    assert _status(h) == ("recapture_requested", "ravi", decisions.recapture_reason(now))
    entry = trail.audit_rows(h)[0]
    assert (entry["action"], entry["operator"], entry["role"]) == ("recapture", "ravi", "checker")
    assert entry["detail"] == {"status": "recapture_requested", "reason": decisions.recapture_reason(now),
                               "version": now.version, "corrections": 1}

    # still in the queue, after the documents waiting for a reviewer
    other = process_upload(notes_png(), "notes.png")
    assert history.review_queue() == [other.file_hash, h]
    # the exports: review_status and the reason
    row = next(r for r in csv.DictReader(io.StringIO(views.to_csv(d.row() for d in views.all_documents()).decode()))
               if r["file_hash"] == h)
    assert (row["review_status"], row["review_reason"]) == ("recapture_requested", decisions.recapture_reason(now))
    assert [d.file_hash for d in views.all_documents(status="recapture_requested")] == [h]

    # the new photo for the same case is a new document; the request stays on the old one
    new = process_upload(cards[0], "retake.png", case="LOAN-7")
    assert new.file_hash != h and _status(new.file_hash)[0] == "pending"
    assert h in cases.members(new.file_hash) and _status(h)[0] == "recapture_requested"
    # another checker closes the old one when the new photo is in
    decisions.set_status(h, "rejected", auth.Identity("meera", "checker"), "replaced by a new photo")
    assert _status(h) == ("rejected", "meera", "replaced by a new photo")


def test_api_recapture_request_status_and_if_match(client, cards):
    r = client.post(f"{API}/paddleocr/predict", files={"file": ("glare.png", cards[1], "image/png")}, headers=OPERATOR)
    assert r.status_code == 200, r.text
    h = r.json()["file_hash"]
    body = {"status": "recapture_requested", "reason": "glare"}
    r = client.post(f"{API}/documents/{h}/review", json=body, headers=OPERATOR)
    assert (r.status_code, r.json()["error"]) == (428, "precondition_required")
    r = client.post(f"{API}/documents/{h}/review", json={"status": "recapture_requested"},
                    headers=if_match(client, h, **OPERATOR))
    assert (r.status_code, r.json()["error"]) == (422, "reason_required")
    seen = if_match(client, h, **OPERATOR)
    client.post(f"{API}/documents/{h}/corrections", headers=if_match(client, h, **OPERATOR),
                json={"changes": [{"field": "name", "value": "Asha Rao"}]})
    r = client.post(f"{API}/documents/{h}/review", json=body, headers=seen)  # the version before the correction
    assert (r.status_code, r.json()["error"]) == (412, "stale_version")
    r = client.post(f"{API}/documents/{h}/review", json=body, headers=if_match(client, h, **OPERATOR))
    assert r.status_code == 200, r.text  # an operator who corrected it: no four eyes for a request
    doc = r.json()
    assert (doc["review_status"], doc["reviewed_by"], doc["review_reason"]) == ("recapture_requested", "asha", "glare")
    rows = list(csv.DictReader(io.StringIO(client.get(f"{API}/documents", params={"format": "csv"},
                                                      headers=OPERATOR).text)))
    assert [(x["review_status"], x["review_reason"]) for x in rows] == [("recapture_requested", "glare")]
    got = client.get(f"{API}/documents", params={"status": "recapture_requested"}, headers=OPERATOR).json()
    assert got["total"] == 1
    entries = client.get(f"{API}/documents/{h}/audit", headers=CHECKER).json()["entries"]
    assert entries[0]["action"] == "recapture"


def test_desk_ask_for_a_new_photo_prefilled_with_the_quality_reasons(glared, app_nav):
    h = glared.file_hash
    asha = desk("asha", "operator", query={"doc": h})
    box = asha.text_input(key=f"recapture_reason_{h[:12]}")
    assert "glare" in box.value and box.value == decisions.recapture_reason(view.view(h))
    button = asha.button(key="btn_recapture")
    assert button.label == "Ask for a new photo" and not button.disabled
    assert asha.button(key="btn_approve").disabled  # an operator: approve and reject need a checker
    box.set_value(box.value + ": hold the card out of the light").run()
    asha.button(key="btn_recapture").click().run()
    assert not asha.exception, texts(asha.exception)
    assert _status(h) == ("recapture_requested", "asha", f"{decisions.recapture_reason(view.view(h))}: hold the "
                                                        "card out of the light")
    assert any("Marked recapture requested by asha" in s for s in texts(asha.success)), texts(asha.success)
    assert any("new photo asked for" in m for m in texts(asha.markdown)), texts(asha.markdown)
    assert any("A new photo was asked for" in i for i in texts(asha.info)), texts(asha.info)
    assert trail.audit_rows(h)[0]["action"] == "recapture"
