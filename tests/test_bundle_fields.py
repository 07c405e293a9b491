"""Issue 24, items 1 and 8: a two-page KYC bundle (PAN page + Aadhaar page, made here from the dev
cards) gets each page's fields under that page's type and the document's fields from them (the
desk, the exports and the API); a title-case name's "lyer" is "Iyer"; the desk's lines table shows
a Devanagari line as such, not as the Latin recogniser's junk. Real engine, real SQLite files."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from ocr_core.record import views
from ocr_core.fields.bundle import merge
from ocr_core.fields.values import clean_name, name_problem
from ocr_core.intake import process_upload
from ocr_core.models import DocumentResult, Field, Line
from ocr_core.pipeline import scan

from desk import desk, texts

PAN_PAGE = {"name": "ASHA KULKARNI", "father_name": "GURPREET KULKARNI", "dob": "1976-10-14"}
AADHAAR_PAGE = {"name": "Sanjay Kumar Tiwari", "name_hi": "संजय कुमार तिवारी", "dob": "1958-03-01",
                "gender": "MALE"}


def bundle_pdf(dev_dir: Path) -> bytes:
    """pan_000.png and aadhaar_000.png as the two pages of one scanned PDF."""
    import pymupdf
    from PIL import Image

    doc = pymupdf.open()
    for name in ("pan_000.png", "aadhaar_000.png"):
        im = Image.open(dev_dir / name).convert("RGB")
        buf = io.BytesIO()
        im.save(buf, "PNG")
        page = doc.new_page(width=im.width * 0.6, height=im.height * 0.6)
        page.insert_image(page.rect, stream=buf.getvalue())
    return doc.tobytes()


def _values(fields: dict[str, Field]) -> dict[str, str | None]:
    return {k: f.value for k, f in fields.items()}


def test_a_bundle_reads_each_pages_fields_under_its_own_type(settings, dev_dir):
    r = scan(bundle_pdf(dev_dir), filename="kyc.pdf", use_cache=False)
    assert r.document_type == "MIXED" and r.page_types == ["PAN", "AADHAAR"]
    assert _values(r.pages[0].fields) == PAN_PAGE
    assert _values(r.pages[1].fields) == AADHAAR_PAGE
    assert all(f.valid and f.page == 1 for f in r.pages[0].fields.values())
    assert all(f.valid and f.page == 2 for f in r.pages[1].fields.values())
    # the document's fields: key by key, a valid value first, then the earlier page
    assert _values(r.fields) == {**PAN_PAGE, "name_hi": AADHAAR_PAGE["name_hi"], "gender": "MALE"}
    assert {k: f.page for k, f in r.fields.items()} == {"name": 1, "father_name": 1, "dob": 1, "name_hi": 2,
                                                       "gender": 2}
    # kept through the cache's form, and in the API's (masked) JSON under each page
    back = DocumentResult.from_dict(r.to_dict(unmask=True))
    assert [_values(p.fields) for p in back.pages] == [PAN_PAGE, AADHAAR_PAGE]
    shown = r.to_dict()
    assert [{k: f["value"] for k, f in p["fields"].items()} for p in shown["pages"]] == [PAN_PAGE, AADHAAR_PAGE]
    assert shown["fields"]["name"]["value"] == "ASHA KULKARNI"
    # a one-type document's pages carry no fields of their own (its fields are the document's)
    single = scan(dev_dir / "pan_000.png", use_cache=False)
    assert single.pages[0].fields == {} and _values(single.fields) == PAN_PAGE


def test_a_bundles_name_and_date_of_birth_are_in_the_exports(settings, dev_dir):
    r = process_upload(bundle_pdf(dev_dir), "kyc.pdf", source_label="test")
    row = views.get(r.file_hash).row()
    assert (row["document_type"], row["page_types"]) == ("MIXED", "PAN | AADHAAR".replace(" | ", views.SEP))
    assert (row["name"], row["dob"], row["father_name"], row["gender"]) == \
        ("ASHA KULKARNI", "1976-10-14", "GURPREET KULKARNI", "MALE")
    out = list(csv.DictReader(io.StringIO(views.to_csv([row]).decode("utf-8-sig"))))
    assert out[0]["name"] == "ASHA KULKARNI" and out[0]["dob"] == "1976-10-14"
    exported = views.get(r.file_hash).export()
    assert [{k: f["value"] for k, f in p["fields"].items()} for p in exported["pages"]] == [PAN_PAGE, AADHAAR_PAGE]


def test_precedence_valid_first_then_the_earlier_page():
    a = {"name": Field("name", "HTRA", page=1, valid=False, reason="not a name's shape"),
         "dob": Field("dob", "1976-10-14", page=1)}
    b = {"name": Field("name", "Sanjay Kumar Tiwari", page=2), "dob": Field("dob", "1958-03-01", page=2)}
    got = merge([a, b])
    assert (got["name"].value, got["name"].page) == ("Sanjay Kumar Tiwari", 2)
    assert (got["dob"].value, got["dob"].page) == ("1976-10-14", 1)
    assert a["name"].value == "HTRA"  # the pages' own fields are left as read


def test_a_bundles_implausible_field_needs_a_person():
    from ocr_core.record.repository import field_attention

    fields = {"name": Field("name", "HTRA", confidence=0.9, valid=False, reason="not a name's shape: HTRA has no vowel"),
              "gender": Field("gender", "MALE", confidence=0.95, page=2)}
    assert field_attention("MIXED", fields) == ["name implausible (not a name's shape: HTRA has no vowel)"]
    assert field_attention("UNKNOWN", fields) == []


def test_the_desk_shows_each_pages_fields_under_its_type(settings, engine, dev_dir, app_nav):
    at = desk("asha")
    at.file_uploader(key="review_upload").set_value(("kyc.pdf", bundle_pdf(dev_dir), "application/pdf")).run()
    assert not at.exception, texts(at.exception)
    h = at.session_state["doc_hash"]
    md = texts(at.markdown)
    assert "**Page 1 · PAN card (PAN)**" in md and "**Page 2 · Aadhaar (AADHAAR)**" in md, md
    p1, p2 = [d.value for d in at.dataframe if list(d.value.columns) == ["field", "value", "check"]]
    assert dict(zip(p1["field"], p1["value"])) == {"Name": "ASHA KULKARNI", "Father's name": "GURPREET KULKARNI",
                                                   "Date of birth": "1976-10-14"}, p1
    assert dict(zip(p2["field"], p2["value"]))["Name"] == "Sanjay Kumar Tiwari"
    assert set(p1["check"]) == {"valid"} and set(p2["check"]) == {"valid"}
    # the document's inputs hold the values (none says "not found on the document" for name or dob)
    inputs = {m.group(1): w.value for w in at.text_input if (m := re.fullmatch(rf"field_{h[:12]}_\d+_(\w+)", w.key))}
    assert {k: inputs.get(k) for k in ("name", "dob", "gender")} == \
        {"name": "ASHA KULKARNI", "dob": "1976-10-14", "gender": "MALE"}, inputs
    assert inputs["father_name"] == "GURPREET KULKARNI" and inputs["name_hi"] == AADHAAR_PAGE["name_hi"]


@pytest.mark.parametrize("read,want", [("Karthik lyer", "Karthik Iyer"), ("KARTHIK lYER", "KARTHIK IYER"),
                                       ("Kamal lqbal", "Kamal Iqbal"), ("Lakshmi Iyer", "Lakshmi Iyer"),
                                       ("Lakshmi", "Lakshmi"), ("Maria de la Cruz", "Maria de la Cruz"),
                                       ("karthik lyer", "karthik lyer")])
def test_a_lower_case_l_starting_a_title_case_word_is_an_i(read, want):
    assert clean_name(read) == want and name_problem(want) is None


def test_lyer_on_a_card_is_read_as_iyer(settings):
    from ocr_core.fields import extract_fields
    from ocr_core.models import Page

    def ln(text, y):
        return Line(text, [[100, y], [400, y], [400, y + 25], [100, y + 25]], 0.97)

    page = Page(1, 1000, 600, "ocr", [ln("INCOME TAX DEPARTMENT", 20), ln("Permanent Account Number Card", 60),
                                      ln("Name", 140), ln("Karthik lyer", 170), ln("Date of Birth", 220),
                                      ln("28/12/1977", 250)], document_type="PAN")
    f = extract_fields("PAN", [page], [])
    assert (f["name"].value, f["name"].valid) == ("Karthik Iyer", True)


def test_lines_table_shows_a_devanagari_line_as_such(settings, engine, dev_dir, app_nav):
    from ui.pages_view import DEVANAGARI_LINE, line_text

    box = [[0, 0], [9, 0], [9, 9], [0, 9]]
    assert line_text(Line("HGA SHR FAaR", box, 0.6, script="deva")) == DEVANAGARI_LINE
    assert line_text(Line("संजय कुमार तिवारी", box, 0.9, script="deva")) == "संजय कुमार तिवारी"  # Tesseract's
    assert line_text(Line("Lakshmi Iyer", box, 0.9)) == "Lakshmi Iyer"
    # the real engine's junk of the Aadhaar card's Devanagari lines ("□5口")
    at = desk("asha")
    at.file_uploader(key="review_upload").set_value(
        ("aadhaar_000.png", (dev_dir / "aadhaar_000.png").read_bytes(), "image/png")).run()
    assert not at.exception, texts(at.exception)
    shown = list(next(d.value for d in at.dataframe if "band" in d.value.columns)["text"])
    assert DEVANAGARI_LINE in shown, shown
    assert not [t for t in shown if re.search(r"[\u25a0-\u25ff\u2e80-\u9fff\uff00-\uffef]", t)], shown
    assert "Sanjay Kumar Tiwari" in shown
