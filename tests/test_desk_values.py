"""What the desk shows instead of "None" and other first-day rough edges (issue 24, item 6), through
Streamlit's AppTest from app.py with a real SQLite file: one digital PDF read (its text layer, no
OCR model run for the ID), the rest written through the core calls the desk uses."""
from __future__ import annotations

from dataclasses import replace

from ocr_core import users
from ocr_core.record import corrections, decisions, keeping
from ocr_core.config import get_settings
from ocr_core.users import LoginError
from ocr_core.intake import process_upload
from ocr_core.models import DetectedID

from desk import desk, make_user, texts

GSTIN_BAD = "27AAPFU0939F1Z1"  # a GSTIN whose check character fails


def _page(name: str, who: str, role: str, query: dict | None = None):
    at = desk(who, role, query=query)
    if name != "review":
        at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, texts(at.exception)
    return at


def test_review_page_counts_an_invalid_id_shows_no_none_and_no_original_to_show(settings, engine, dev_dir, app_nav):
    res = process_upload((dev_dir / "gst_000_digital.pdf").read_bytes(), "gst.pdf")
    h = res.file_hash
    key = res.ids[0].key
    # the document as read with one ID only, and that one invalid
    keeping.keep(replace(res, ids=[DetectedID("GSTIN", GSTIN_BAD, False, 0.91, reason="bad check character",
                                              key=key)]), settings=settings)
    assert get_settings().store_originals is False  # only the masked copy is kept
    at = _page("review", "ada", "admin", query={"doc": h})
    header = " ".join(m.value for m in at.markdown)
    assert "1 ID(s), 1 invalid" in header, header  # was "0 ID(s), 1 invalid"
    # no original kept: "Show original (audited)" is disabled and says why
    btn = at.button(key="btn_unmask_image")
    assert btn.disabled and "no original is kept" in (btn.help or "")
    # an ID typed by an operator has no OCR confidence: a dash, never "None"
    corrections.add_id(h, "PAN", "ABCPE1234F", "ravi", reason="missed")
    decisions.set_status(h, "needs_review", "ada", reason="check the PAN")
    at.run()
    assert not at.exception, texts(at.exception)
    ids = at.data_editor[0].value if at.data_editor else None
    assert ids is not None and list(ids["confidence"]) == ["0.910", "—"], ids
    audit = next(d.value for d in at.dataframe if "action" in d.value.columns)
    assert len(audit) >= 2 and not audit.drop(columns="time").isna().any().any()
    assert "None" not in set(audit.drop(columns="time").astype(str).to_numpy().ravel())


def test_users_page_shows_a_lockout_consistently(settings, app_nav):
    make_user("lena", "operator")
    n = get_settings().login_max_attempts
    for _ in range(n):
        try:
            users.authenticate("lena", "not her password")
        except LoginError:
            pass
    assert users.get("lena").locked and users.get("lena").failed_attempts == 0  # the lockout cleared the count
    at = _page("users", "ada", "admin")
    df = next(d.value for d in at.dataframe if "name" in d.value.columns).set_index("name")
    assert df.loc["lena", "state"].startswith("locked until ")
    assert df.loc["lena", "failed_sign_ins"] == n  # not "locked" beside 0 failed attempts
    assert df.loc["ada", "state"] == "active" and df.loc["ada", "failed_sign_ins"] == 0


def test_history_finds_an_aadhaar_by_the_last_four_digits_an_operator_sees(settings, app_nav):
    """Issue 24 item 4 on the page: the masked number as shown (XXXX XXXX 1234) or its last four find
    every document with an Aadhaar ending so (documents written out here, no OCR)."""
    from stdnum import verhoeff

    from ocr_core.models import DocumentResult

    def aadhaar(body: str) -> str:
        return body + verhoeff.calc_check_digit(body)

    a = aadhaar("23456789012")
    b = next(n for n in (aadhaar(f"3{p:07d}{a[-4:-1]}") for p in range(1000)) if n[-4:] == a[-4:])
    for h, name, number in (("6" * 64, "front.png", a), ("7" * 64, "other.png", b), ("8" * 64, "pan.png", None)):
        ids = [DetectedID("AADHAAR", number, True, 0.98, key="aadhaar-p1-1")] if number else \
            [DetectedID("PAN", "ABCPK1234Z", True, 0.98, key="pan-p1-1")]
        keeping.keep(DocumentResult(filename=name, file_hash=h, pages=[], ids=ids,
                                    document_type="AADHAAR" if number else "PAN"), settings=settings)
    at = _page("history", "asha", "operator")
    for text in (f"XXXX XXXX {a[-4:]}", a[-4:]):
        at.text_input(key="hist_text").set_value(text).run()
        assert not at.exception, texts(at.exception)
        assert sorted(at.dataframe[0].value.filename) == ["front.png", "other.png"], text
