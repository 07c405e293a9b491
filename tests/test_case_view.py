"""The case view (`cases.case_view`, pages/case.py) and History's case filter: a PAN and an Aadhaar
of two different people (dev scans pan_000.png, aadhaar_000.png) uploaded through the core intake
with one case label, read by the real engine, side by side with the name mismatch highlighted and a
decision per document."""
from __future__ import annotations

from ocr_core.intake import process_upload
from ocr_core.models import DocumentResult, Field
from ocr_core.record import cases, corrections, history, keeping, view
from ocr_core.record.history import HistoryQuery

from desk import desk, texts

LABEL = "KYC 9"


def _case(dev_dir) -> tuple[str, str]:
    """The two scans uploaded as case KYC 9 (the Aadhaar with the label typed otherwise), and one
    document outside any case."""
    pan = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan_000.png", case=LABEL).file_hash
    aad = process_upload((dev_dir / "aadhaar_000.png").read_bytes(), "aadhaar_000.png", case=" kyc  9").file_hash
    outsider = DocumentResult(filename="other.png", file_hash="d4" * 32, pages=[], ids=[], document_type="PAN",
                              fields={"name": Field("name", "Anita Desai", 0.95)})
    keeping.keep(outsider, None)
    return pan, aad


def test_case_view_compares_the_documents_of_one_case(settings, engine, dev_dir):
    pan, aad = _case(dev_dir)
    cv = cases.case_view("kyc 9")
    assert cv is not None and cv.label == LABEL and cv.key == cases.key_of(LABEL)
    assert [d.file_hash for d in cv.documents] == [pan, aad]  # oldest first
    by = {d.file_hash: d for d in cv.documents}
    assert (by[pan].document_type, by[aad].document_type) == ("PAN", "AADHAAR")
    assert (by[pan].filename, by[pan].pages, by[pan].review_status) == ("pan_000.png", [1], "pending")
    assert by[pan].name and "kulkarni" in by[pan].name.casefold(), by[pan].name
    assert by[aad].name and "tiwari" in by[aad].name.casefold(), by[aad].name
    assert {"name", "dob"} <= by[pan].mismatched and {"name", "dob"} <= by[aad].mismatched
    name = next(m for m in cv.mismatches if m["field"] == "name")
    assert {name["first"], name["second"]} == {pan, aad} and name["score"] < 85
    assert cases.describe_pair(name).startswith("Name: ") and "(pan_000.png)" in cases.describe_pair(name)
    assert by[pan].version == view.view(pan).version and by[pan].needs_reason == []

    # by its key (what links carry) the same; the listing has it; no such case: None
    assert cases.case_view(key=cv.key).documents == cv.documents
    assert [(c.key, c.label, c.n_documents) for c in cases.listing()] == [(cv.key, LABEL, 2)]
    assert cases.case_view("KYC 10") is None and cases.case_view("") is None
    assert cases.of_documents([pan, "d4" * 32]) == {pan: (cv.key, LABEL)}

    # a correction counts: the Aadhaar's name corrected to the PAN's, only the date of birth differs
    v = view.view(aad)
    corrections.apply_changes(aad, [{"field": "name", "value": by[pan].name}], "asha", version=v.version)
    again = cases.case_view(LABEL)
    assert {m["field"] for m in again.mismatches} == {"dob"}
    assert all(d.mismatched == {"dob"} for d in again.documents)

    # History's case filter: only the case's documents
    assert {r["file_hash"] for r in history.search(HistoryQuery(case=cv.key)).rows} == {pan, aad}
    assert history.search(HistoryQuery()).total == 3
    assert history.search(HistoryQuery(case=cases.key_of("KYC 10"))).total == 0


def test_case_page_and_history_filter(settings, engine, dev_dir, app_nav):
    pan, aad = _case(dev_dir)
    key = cases.key_of(LABEL)

    # History: the case filter keeps the case's documents, each row links its case view
    at = desk("ravi", "checker")
    at.switch_page("pages/history.py").run()
    assert not at.exception, texts(at.exception)
    assert "3 documents · page 1 of 1" in texts(at.caption)
    at.selectbox(key="hist_case").set_value(key).run()
    assert not at.exception, texts(at.exception)
    assert "2 documents · page 1 of 1" in texts(at.caption)
    df = next(d.value for d in at.dataframe if "case_view" in d.value.columns)
    assert set(df.file_hash) == {pan, aad} and set(df.case) == {LABEL, "kyc 9"}  # each as typed
    assert set(df.case_view) == {f"./case?case={key}"}
    at.button(key="hist_open_case").click().run()  # to the case view, this case open
    assert not at.exception, texts(at.exception)
    assert at.selectbox(key="case_pick").value == key and at.query_params["case"] == key

    # the case view: both documents side by side, the mismatched name highlighted
    assert f"Case {LABEL}" in [s.value for s in at.subheader]
    md = texts(at.markdown)
    assert any(m.startswith("**pan\\_000.png**") for m in md) and any(m.startswith("**aadhaar\\_000.png**") for m in md)
    names = [m for m in md if m.startswith(":red-background[**Name:**")]
    assert len(names) == 2 and any("KULKARNI" in m.upper() for m in names) and any("TIWARI" in m.upper() for m in names)
    assert any(w.startswith("Name: ") and "(pan_000.png)" in w and "(aadhaar_000.png)" in w for w in texts(at.warning))
    assert len(at.image) >= 2  # a masked page each

    # a decision per document: reject without a reason refused, approve the PAN (AppTest runs its own
    # page next, not the one the script switched to, as a browser would: named here)
    at.switch_page("pages/case.py")
    at.button(key=f"case_reject_{aad[:12]}").click().run()
    assert any("give a reason to reject" in e for e in texts(at.error)), texts(at.error)
    at.button(key=f"case_approve_{pan[:12]}").click().run()
    assert not at.exception, texts(at.exception)
    assert any("pan_000.png: marked approved by ravi." in s for s in texts(at.success)), texts(at.success)
    assert view.view(pan).row["review_status"] == "approved" and view.view(pan).row["reviewed_by"] == "ravi"
    assert view.view(aad).row["review_status"] == "pending"
    assert any(":green-badge[approved]" in m for m in texts(at.markdown))


def test_case_page_keeps_four_eyes_and_roles(settings, engine, dev_dir, app_nav):
    """The rules of the review page apply: an operator may not decide; a checker who corrected a
    document may not decide on it (MAKER_CHECKER), only on the others."""
    pan, aad = _case(dev_dir)
    key = cases.key_of(LABEL)
    op = desk("mira", "operator")
    op.switch_page("pages/case.py").run()
    op.selectbox(key="case_pick").set_value(key).run()
    assert not op.exception, texts(op.exception)
    assert op.button(key=f"case_approve_{pan[:12]}").disabled and op.button(key=f"case_reject_{aad[:12]}").disabled

    corrections.apply_changes(aad, [{"field": "name", "value": "Asha Kulkarni"}], "ravi",
                              version=view.view(aad).version)
    at = desk("ravi", "checker")
    at.switch_page("pages/case.py").run()
    at.selectbox(key="case_pick").set_value(key).run()
    assert not at.exception, texts(at.exception)
    assert at.button(key=f"case_approve_{aad[:12]}").disabled
    assert any("four eyes: you corrected this document" in c.lower() for c in texts(at.caption)), texts(at.caption)
    assert not at.button(key=f"case_approve_{pan[:12]}").disabled
    # the corrected name agrees now: no name highlighted, the date of birth still is
    md = texts(at.markdown)
    assert not any(m.startswith(":red-background[**Name:**") for m in md)
    assert sum(m.startswith(":red-background[**Date of birth:**") for m in md) == 2


def test_review_page_links_the_case_view(settings, engine, dev_dir, app_nav):
    pan, _ = _case(dev_dir)
    at = desk("ravi", "checker", query={"doc": pan})
    assert any(w.startswith("Name differs from aadhaar_000.png") for w in texts(at.warning)), texts(at.warning)
    links = [e.proto for e in at.get("page_link")]
    assert any(p.label == "The case's documents side by side" and p.page == "case"
               and f"case={cases.key_of(LABEL)}" in p.query_string for p in links), links
