"""Document types per page: phrases matched fuzzily, validated IDs weigh strongly, an explicit
margin decides UNKNOWN, and a bundle of different documents is MIXED, typed page by page."""
import io
import random

import pymupdf
from stdnum import verhoeff

from ocr_core import scan
from ocr_core.classify import MIN_MARGIN, classify, classify_pages, score_types
from ocr_core.ids import extract_ids
from ocr_core.models import DetectedID, DocumentResult, Line, Page


def _lines(*texts):
    return [Line(t, [[10, 40 * n], [400, 40 * n], [400, 40 * n + 30], [10, 40 * n + 30]], 0.98)
            for n, t in enumerate(texts)]


def _page(n, *texts):
    return Page(n, 1000, 630, "ocr", _lines(*texts))


def _type(*texts):
    lines = _lines(*texts)
    return classify([ln.text for ln in lines], extract_ids([(1, lines)]))[0]


AADHAAR = "38461820748"
AADHAAR += verhoeff.calc_check_digit(AADHAAR)


def test_aadhaar_front_without_the_uidai_line_is_known_by_its_number_and_dob_gender_block():
    spaced = f"{AADHAAR[:4]} {AADHAAR[4:8]} {AADHAAR[8:]}"
    assert _type("Government of India", "Karthik Iyer", "DOB: 28/12/1977", "Male", spaced) == "AADHAAR"
    assert _type("भारत सरकार", "Year of Birth : 1976", "पुरुष / MALE", spaced) == "AADHAAR"


def test_an_invalid_number_is_no_evidence():
    bad = AADHAAR[:-1] + str((int(AADHAAR[-1]) + 1) % 10)
    assert _type("Government of India", "DOB: 28/12/1977", "Male", f"{bad[:4]} {bad[4:8]} {bad[8:]}") == "UNKNOWN"


def test_phrases_match_fuzzily():
    assert _type("INCOME TAX DEPARTIVENT", "Permanent Account Nunber", "ABCPE1234F") == "PAN"
    assert _type("LICENCE TO DRIVE MOTOR VEHICLES", "Transport Departmnet, Kerala") == "DL"
    assert _type("ELECTION COMMISION OF INDIA", "IDENTITY CARD") == "VOTER_ID"


def test_close_scores_are_unknown():
    scores = score_types(["Driving Licence", "Passport"], [])
    assert abs(scores["DL"] - scores["PASSPORT"]) < MIN_MARGIN
    assert classify(["Driving Licence", "Passport"], [])[0] == "UNKNOWN"
    assert classify(["Statement of Account", "UPI transfer 1200.00"], [])[0] == "UNKNOWN"


def test_bundle_pages_typed_one_by_one_and_the_document_is_mixed():
    pages = [_page(1, "INCOME TAX DEPARTMENT", "ABCPE1234F"), _page(2),  # a blank back page
             _page(3, "DRIVING LICENCE", "DL No : KA01 20150012345"),
             _page(4, "Unique Identification Authority of India", f"{AADHAAR[:4]} {AADHAAR[4:8]} {AADHAAR[8:]}")]
    ids = extract_ids([(p.number, p.lines) for p in pages])
    assert classify_pages(pages, ids)[0] == "MIXED"
    assert [p.document_type for p in pages] == ["PAN", "UNKNOWN", "DL", "AADHAAR"]
    assert {i.type: i.page for i in ids if i.valid} == {"PAN": 1, "DL": 3, "AADHAAR": 4}


def test_unknown_pages_do_not_make_a_document_mixed():
    pages = [_page(1, "INCOME TAX DEPARTMENT", "ABCPE1234F"), _page(2, "some notes")]
    assert classify_pages(pages, extract_ids([(p.number, p.lines) for p in pages]))[0] == "PAN"


def test_evidence_spread_over_pages_is_pooled_when_no_page_is_known_alone():
    pages = [_page(1, "Registration Certificate"), _page(2, "Goods and Services Tax", "Legal Name")]
    assert classify_pages(pages, [])[0] == "GSTIN"


def test_page_types_survive_to_dict_and_from_dict():
    r = DocumentResult("b.pdf", "h", [_page(1, "x"), _page(2, "y")], [DetectedID("PAN", "ABCPE1234F", True, 0.9, 1)],
                       document_type="MIXED", quality={"ok": False, "reasons": ["blurred"]})
    r.pages[0].document_type, r.pages[0].document_type_score = "PAN", 5.0
    back = DocumentResult.from_dict(r.to_dict(unmask=True))
    assert back.page_types == ["PAN", "UNKNOWN"] and back.pages[0].document_type_score == 5.0
    assert back.quality == {"ok": False, "reasons": ["blurred"]}
    assert back.has_type("PAN") and back.has_type("MIXED") and not back.has_type("DL")
    assert r.to_dict()["page_types"] == ["PAN", "UNKNOWN"]


def test_scanned_kyc_bundle_is_typed_per_page(unseen_gen, engine, settings):
    """The real engine on a two-page bundle made by bench/unseen.py (PAN card, Aadhaar back)."""
    rng = random.Random(11)
    p = unseen_gen.person(rng)
    doc = pymupdf.open()
    want = {}
    for maker in (unseen_gen.pan_card_v3, unseen_gen.aadhaar_back):
        c, dt, ids, _, _ = maker(rng, "free_sans", p)
        buf = io.BytesIO()
        c.im.save(buf, "PNG")
        page = doc.new_page(width=c.im.width * 0.6, height=c.im.height * 0.6)
        page.insert_image(page.rect, stream=buf.getvalue())
        want[dt] = ids
    r = scan(doc.tobytes(), filename="bundle.pdf", use_cache=False)
    assert r.document_type == "MIXED"
    assert r.page_types == ["PAN", "AADHAAR"]
    got = r.document_ids(unmask=True)
    assert got["PAN"] == want["PAN"]["PAN"] and got["AADHAAR"] == want["AADHAAR"]["AADHAAR"]
    assert {i.type: i.page for i in r.ids if i.valid and i.type in ("PAN", "AADHAAR")} == {"PAN": 1, "AADHAAR": 2}
