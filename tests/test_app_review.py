"""The review page through Streamlit's AppTest, from app.py, signed in: upload, OCR, edit an ID,
live validation, save, status change (by a second checker: four eyes), and the audit rows
written, on the real engine and a real SQLite file."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ocr_core import crypto
from ocr_core.record import trail, view, views
from ocr_core.store import connect

from desk import TIMEOUT, desk, make_user, sign_in, texts as _texts

ROOT = Path(__file__).resolve().parents[1]


def _app(operator: str | None = "asha", role: str = "checker") -> AppTest:
    return desk(operator, role)


def test_review_page_upload_edit_save_approve(settings, engine, dev_dir, app_nav):
    data = (dev_dir / "pan_000.png").read_bytes()
    at = _app()
    assert "**asha** :blue-badge[checker]" in _texts(at.sidebar.markdown)
    at.file_uploader(key="review_upload").set_value(("pan_000.png", data, "image/png")).run()
    assert not at.exception, _texts(at.exception)
    assert not at.error, _texts(at.error)
    # the page image with boxes, and the detected PAN in the editor
    assert len(at.get("image")) == 1
    editor = at.data_editor[0]
    df = editor.value
    assert list(df["type"]) == ["PAN"] and df["value"][0] == "EDYPK5645N" and bool(df["valid"][0])
    file_hash = at.session_state["doc_hash"]
    assert at.query_params.get("doc") in (file_hash, [file_hash])

    # an edit that does not validate: a clear message, and Save stays usable only for real changes
    at.session_state[editor.key] = {"edited_rows": {0: {"value": "EDYPK564"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert any("expected 10 characters" in e for e in _texts(at.error)), _texts(at.error)

    # a valid correction: message, save, stored encrypted, original kept
    at.session_state[editor.key] = {"edited_rows": {0: {"value": "abcpk1234z"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert "PAN ABCPK1234Z: valid" in _texts(at.success)
    at.text_input(key=f"corr_reason_{file_hash[:12]}").set_value("typo on card").run()
    at.button(key="btn_save").click().run()
    assert not at.exception, _texts(at.exception)
    assert any("Saved 1 correction" in s for s in _texts(at.success))
    assert at.data_editor[0].value["value"][0] == "ABCPK1234Z"
    db = connect()
    rows = list(db.query("select * from corrections where file_hash = ?", [file_hash]))
    assert len(rows) == 1 and rows[0]["operator"] == "asha" and crypto.decrypt_text(rows[0]["reason"]) == "typo on card"
    assert rows[0]["after"].startswith(crypto.PREFIX) and "ABCPK1234Z" not in rows[0]["after"]
    assert crypto.decrypt_text(rows[0]["after"]) == "ABCPK1234Z"
    assert crypto.decrypt_text(rows[0]["before"]) == "EDYPK5645N"
    assert view.view(file_hash).original.ids[0].value == "EDYPK5645N"

    # four eyes: asha corrected it, so she may neither approve nor reject, and the page says why
    assert at.button(key="btn_approve").disabled and at.button(key="btn_reject").disabled
    assert any("Four eyes: you corrected this document" in w for w in _texts(at.warning)), _texts(at.warning)
    # a second checker: reject without a reason is refused; approve works and is stamped
    at = desk("ravi", "checker", query={"doc": file_hash})
    assert not at.button(key="btn_approve").disabled
    at.button(key="btn_reject").click().run()
    assert any("reason to reject" in e for e in _texts(at.error))
    at.button(key="btn_approve").click().run()
    assert not at.exception, _texts(at.exception)
    row = db.execute("select review_status, reviewed_by from documents where file_hash = ?", [file_hash]).fetchone()
    assert row == ("approved", "ravi")
    actions = [r["action"] for r in trail.audit_rows(file_hash)]
    assert actions == ["approve", "correct"]

    # downloads carry the corrected value
    dl = {d.proto.label: d for d in at.get("download_button")}
    assert set(dl) == {"Result as JSON", "IDs as CSV", "Masked copy (PDF)"}
    exported = json.loads(views.export_json(file_hash))
    assert exported["ids"][0]["value"] == "ABCPK1234Z" and exported["review"]["status"] == "approved"


def test_review_page_bad_file_message_and_open_by_url(settings, engine, dev_dir, app_nav):
    at = _app()
    at.file_uploader(key="review_upload").set_value(("broken.png", b"\x89PNG\r\n\x1a\nnot really", "image/png")).run()
    assert not at.exception, _texts(at.exception)
    assert any(e.startswith("broken.png:") for e in _texts(at.error)), _texts(at.error)
    # the app stays usable: a stored document opens from a ?doc= link
    from ocr_core.intake import process_upload

    res = process_upload((dev_dir / "aadhaar_000.png").read_bytes(), "aadhaar_000.png")
    make_user("ravi", "operator")
    at2 = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at2.query_params["doc"] = res.file_hash
    at2.run()
    assert not at2.exception, _texts(at2.exception)
    # not signed in: the sign-in form, no document
    assert [t.value for t in at2.title] == ["Sign in"] and not at2.data_editor
    sign_in(at2, "ravi")
    assert not at2.exception, _texts(at2.exception)
    assert at2.session_state["doc_hash"] == res.file_hash
    df = at2.data_editor[0].value
    aadhaar = next(i for i in res.ids if i.type == "AADHAAR")
    shown = df[df["type"] == "AADHAAR"]["value"].iloc[0]
    assert shown == f"XXXX XXXX {aadhaar.value[-4:]}"
    # an operator: decisions and unmask are disabled, and the page says which role they need
    assert at2.button(key="btn_approve").disabled and at2.button(key="btn_reject").disabled
    assert any("Approve and reject need the checker role (you are operator)" in w for w in _texts(at2.warning))
    assert at2.button(key="btn_unmask").disabled
    assert any("Unmask needs the admin role" in c for c in _texts(at2.caption))
    assert "Audit needs the checker role (you are operator)." in _texts(at2.caption), _texts(at2.caption)
    at2.button(key="btn_needs_review").click().run()
    assert view.view(res.file_hash).row["review_status"] == "needs_review"
    assert [(r["operator"], r["role"], r["action"]) for r in trail.audit_rows(res.file_hash)] == [
        ("ravi", "operator", "needs_review")]

    # an admin unmasks with a reason: shown in full, audited with who and why
    at3 = desk("meena", "admin", query={"doc": res.file_hash})
    key = view.view(res.file_hash).keys[[i.type for i in view.view(res.file_hash).result.ids].index("AADHAAR")]
    at3.selectbox(key="unmask_pick").set_value(key).run()
    at3.button(key="btn_unmask").click().run()
    assert any("give a reason to unmask" in e for e in _texts(at3.error)), _texts(at3.error)
    at3.text_input(key="unmask_reason").set_value("customer called to confirm").run()
    at3.button(key="btn_unmask").click().run()
    assert not at3.exception, _texts(at3.exception)
    df = at3.data_editor[0].value
    assert df[df["type"] == "AADHAAR"]["value"].iloc[0] == aadhaar.value
    last = trail.audit_rows(res.file_hash)[0]
    assert (last["operator"], last["role"], last["action"]) == ("meena", "admin", "unmask")
    assert last["detail"]["reason"] == "customer called to confirm"


def test_two_operators_on_one_document_keep_each_others_changes(settings, engine, dev_dir, app_nav):
    """Two browser sessions (AppTests) on one document and one SQLite file, interleaved: asha edits
    the PAN, ravi meanwhile adds an ID and saves, then asha saves. Both changes are kept: asha's
    edit is not lost with the rerun, and ravi's ID is not taken for a removal."""
    from ocr_core.intake import process_upload

    h = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan_000.png").file_hash

    def session(operator: str) -> AppTest:
        return desk(operator, "operator", query={"doc": h})

    asha, ravi = session("asha"), session("ravi")
    key_a = asha.data_editor[0].key
    asha.session_state[key_a] = {"edited_rows": {0: {"value": "ABCPK1234Z"}}, "added_rows": [], "deleted_rows": []}
    asha.run()
    assert "PAN ABCPK1234Z: valid" in _texts(asha.success)

    ravi.session_state[ravi.data_editor[0].key] = {"edited_rows": {}, "deleted_rows": [],
                                                   "added_rows": [{"type": "EPIC", "value": "ABC1234566"}]}
    ravi.run()
    ravi.button(key="btn_save").click().run()
    assert any("Saved 1 correction" in s for s in _texts(ravi.success)), _texts(ravi.success)

    # asha's next rerun still shows her edit on the rows she edited, and says what happened
    asha.run()
    assert asha.data_editor[0].key == key_a and "PAN ABCPK1234Z: valid" in _texts(asha.success)
    assert any("Another operator saved 1 change" in i for i in _texts(asha.info)), _texts(asha.info)
    assert not asha.warning or not any("removed" in w for w in _texts(asha.warning))
    asha.button(key="btn_save").click().run()
    assert not asha.exception, _texts(asha.exception)
    assert any("Saved 1 correction" in s for s in _texts(asha.success)), _texts(asha.success)

    v = view.view(h)
    assert sorted((d.type, d.value) for d in v.result.ids) == [("EPIC", "ABC1234566"), ("PAN", "ABCPK1234Z")]
    assert [(r["operator"], r["action"]) for r in trail.audit_rows(h)] == [("asha", "correct"), ("ravi", "add_id")]
    # after the save asha's editor shows the document as it is now, both changes in it
    df = asha.data_editor[0].value
    assert sorted(zip(df["type"], df["value"])) == [("EPIC", "ABC1234566"), ("PAN", "ABCPK1234Z")]
    assert not any("Another operator" in i for i in _texts(asha.info))


def test_review_page_named_fields_edit_live_check_save_with_an_id(settings, engine, dev_dir, app_nav):
    """The named fields of a PAN card, one input each: an impossible date and a name holding a label
    word are refused as typed (Save disabled), valid values show normalised, an emptied input is a
    removal; one Save stores them with an ID edit (sealed, audited) and the page shows the result."""
    from ocr_core.record import trail, view, views
    from ocr_core.intake import process_upload
    from ui.review_parts import field_key

    h = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan_000.png").file_hash
    at = desk("asha", "operator", query={"doc": h})

    def inp(key: str, version: int = 0):
        return at.text_input(key=field_key(h, version, key))

    assert (inp("name").value, inp("father_name").value, inp("dob").value) == \
        ("ASHA KULKARNI", "GURPREET KULKARNI", "1976-10-14")
    assert sorted(t.label for t in at.text_input if t.key and t.key.startswith("field_")) == \
        ["Date of birth", "Father's name", "Name"]  # the PAN's keys, no others
    assert any(c.startswith("read (ocr) · confidence") and c.endswith("· valid") for c in _texts(at.caption))
    inp("dob").set_value("31/02/1980").run()
    inp("name").set_value("Name ASHA").run()
    assert "Date of birth: not a real calendar date" in _texts(at.error), _texts(at.error)
    assert "Name: holds the label word NAME" in _texts(at.error), _texts(at.error)
    assert at.button(key="btn_save").disabled
    inp("dob").set_value("15/10/1976").run()
    inp("name").set_value("  Asha   Kulkarni ").run()
    inp("father_name").set_value("").run()
    assert not at.error, _texts(at.error)
    assert {"Date of birth: 1976-10-15 · valid", "Name: Asha Kulkarni · valid"} <= set(_texts(at.success))
    assert "Father's name will be removed when you save." in _texts(at.warning)
    at.session_state[at.data_editor[0].key] = {"edited_rows": {0: {"value": "ABCPK1234Z"}}, "added_rows": [],
                                               "deleted_rows": []}
    at.text_input(key=f"corr_reason_{h[:12]}").set_value("as on the card").run()
    at.button(key="btn_save").click().run()
    assert not at.exception, _texts(at.exception)
    assert any("Saved 4 correction" in s for s in _texts(at.success)), _texts(at.success)

    v = view.view(h)
    assert (inp("name", v.version).value, inp("dob", v.version).value, inp("father_name", v.version).value) == \
        ("Asha Kulkarni", "1976-10-15", "")
    assert "not found on the document" in _texts(at.caption)
    assert "corrected by an operator · valid" in _texts(at.caption)
    rows = list(connect().query("select field, id_type, before, after, operator from corrections order by id"))
    assert [r["field"] for r in rows] == ["id:pan-p1-1", "field:name", "field:father_name", "field:dob"]
    assert all(r["operator"] == "asha" for r in rows)
    assert rows[1]["after"].startswith(crypto.PREFIX) and "Kulkarni" not in json.dumps(rows)
    assert crypto.decrypt_text(rows[2]["before"]) == "GURPREET KULKARNI" and rows[2]["after"] == ""
    entries = trail.audit_rows(h)
    assert [a["action"] for a in entries] == ["correct_field", "remove_field", "correct_field", "correct"]
    assert "KULKARNI" not in json.dumps(entries).upper()
    fields = views.get(h).to_dict()["fields"]
    assert {k: (f["value"], f["origin"], f["source"], f["confidence"]) for k, f in fields.items()} == {
        "name": ("Asha Kulkarni", "edited", "operator", None), "dob": ("1976-10-15", "edited", "operator", None)}


def test_two_operators_on_the_fields_of_one_document_keep_each_others_changes(settings, engine, dev_dir, app_nav):
    """asha types a date of birth (not saved); ravi meanwhile corrects the name and saves; asha's
    input keeps what she typed across her rerun, and her save stores only the date: ravi's name stays."""
    from ocr_core.intake import process_upload
    from ui.review_parts import field_key

    h = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan_000.png").file_hash
    asha, ravi = desk("asha", "operator", query={"doc": h}), desk("ravi", "operator", query={"doc": h})
    asha.text_input(key=field_key(h, 0, "dob")).set_value("15/10/1976").run()
    ravi.text_input(key=field_key(h, 0, "name")).set_value("Asha Kulkarni").run()
    ravi.button(key="btn_save").click().run()
    assert any("Saved 1 correction" in s for s in _texts(ravi.success)), _texts(ravi.success)

    asha.run()
    assert asha.text_input(key=field_key(h, 0, "dob")).value == "15/10/1976"  # still on the version she edited
    assert any("Another operator saved 1 change" in i for i in _texts(asha.info)), _texts(asha.info)
    asha.button(key="btn_save").click().run()
    assert any("Saved 1 correction" in s for s in _texts(asha.success)), _texts(asha.success)
    v = view.view(h)
    assert (v.fields["name"].value, v.fields["dob"].value) == ("Asha Kulkarni", "1976-10-15")
    assert [(r["operator"], r["action"]) for r in trail.audit_rows(h)] == [("asha", "correct_field"),
                                                                           ("ravi", "correct_field")]
    assert asha.text_input(key=field_key(h, v.version, "name")).value == "Asha Kulkarni"


def test_approve_asks_for_a_reason_on_a_document_without_an_id_and_a_save_reopens_a_decision(
        settings, engine, app_nav):
    """Four eyes bound to the version, on the desk: approving an UNKNOWN page with no ID needs a
    reason (the reject reason's box asks for it); an operator's save on the approved document sends
    it back to needs review and says so; a decision on a version changed since is refused."""
    from ocr_core.intake import process_upload
    from test_four_eyes import notes_png

    h = process_upload(notes_png(), "notes.png").file_hash
    ravi = desk("ravi", "checker", query={"doc": h})
    assert any("To approve, give a reason: it has no ID and its type is UNKNOWN" in i for i in _texts(ravi.info))
    box = ravi.text_input(key=f"reject_reason_{h[:12]}")
    assert box.label == "Reason (to reject or to approve)"
    ravi.button(key="btn_approve").click().run()
    assert any("give a reason to approve this document" in e for e in _texts(ravi.error)), _texts(ravi.error)
    assert view.view(h).row["review_status"] == "pending"
    ravi.text_input(key=f"reject_reason_{h[:12]}").set_value("cover letter of the set").run()
    ravi.button(key="btn_approve").click().run()
    assert not ravi.exception, _texts(ravi.exception)
    row = view.view(h).row
    assert (row["review_status"], row["reviewed_by"], row["review_reason"]) == \
        ("approved", "ravi", "cover letter of the set")

    # an operator adds an ID to the approved document: told before saving, reopened after
    asha = desk("asha", "operator", query={"doc": h})
    asha.session_state[asha.data_editor[0].key] = {"edited_rows": {}, "deleted_rows": [],
                                                   "added_rows": [{"type": "PAN", "value": "ABCPK1234Z"}]}
    asha.run()
    assert any("This document is approved: saving a change sends it back to needs review" in c
               for c in _texts(asha.caption)), _texts(asha.caption)
    asha.button(key="btn_save").click().run()
    assert not asha.exception, _texts(asha.exception)
    assert any("The document was approved: it needs review again" in s for s in _texts(asha.success))
    assert view.view(h).row["review_status"] == "needs_review"
    assert [r["action"] for r in trail.audit_rows(h)][:2] == ["review_reopened", "add_id"]

    # ravi's page still shows the version before asha's save: his approval of it is refused
    ravi.button(key="btn_approve").click().run()
    assert any("changed after the version you saw" in e for e in _texts(ravi.error)), _texts(ravi.error)
    assert view.view(h).row["review_status"] == "needs_review"
    assert any("To approve, give a reason: its type is UNKNOWN." in i for i in _texts(ravi.info))  # it has an ID now
    ravi.button(key="btn_approve").click().run()  # now he has seen it; the box still holds his reason
    assert not ravi.error, _texts(ravi.error)
    assert view.view(h).row["review_status"] == "approved"
